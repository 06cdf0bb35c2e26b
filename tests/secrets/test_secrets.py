"""Secret shapes, references and redaction (riskscan.secrets over the bundled secrets ruleset)."""

import pytest

from riskscan import rulesets
from riskscan.secrets import SECRET_NAMED_KEY, find_secret, is_reference, redact

FAKE_GITHUB = "ghp_" + "FAKEfakeFAKEfake0123456789abcdefghij"


@pytest.fixture(scope="module")
def rs():
    return rulesets.load()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FAKE_GITHUB, "github-token"),
        ("gho_" + "a" * 36, "github-token"),
        ("github_pat_" + "11ABCDEFG0" * 5, "github-fine-grained-token"),
        ("sk-ant-api03-" + "x" * 40, "anthropic-api-key"),
        ("sk-proj-" + "Ab1" * 10, "openai-api-key"),
        ("sk-" + "Ab1" * 10, "openai-api-key"),
        ("AKIA" + "ABCDEFGHIJ234567", "aws-access-key-id"),
        ("xoxb-" + "123456789012-1234567890123-" + "abcdefFAKE", "slack-token"),
        ("sk_live_" + "FAKE0000111122223333", "stripe-live-key"),
        ("rk_live_" + "FAKE0000111122223333", "stripe-live-key"),
        ("AIza" + "FAKEfakeFAKEfake0123456789abcdefghi", "google-api-key"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2Zha2U", "jwt"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n", "private-key"),
        ("postgresql://app:s3cretPass@db.example.com/app", "basic-auth-url"),
        ("Bearer " + FAKE_GITHUB, "github-token"),
    ],
)
def test_secret_shapes_are_found_whatever_the_key(rs, value, expected):
    assert find_secret(None, value, rs) == expected
    assert find_secret("SOME_SETTING", value, rs) == expected


@pytest.mark.parametrize(
    "value",
    [
        "${env:GITHUB_TOKEN}",
        "${input:github-token}",
        "${GITHUB_TOKEN}",
        "${GITHUB_TOKEN:-}",
        "$GITHUB_TOKEN",
        "{{GITHUB_TOKEN}}",
        "%GITHUB_TOKEN%",
        "Bearer ${API_TOKEN}",
        "Basic ${env:CREDENTIALS}",
    ],
)
def test_references_are_not_secrets(rs, value):
    assert is_reference(value)
    assert find_secret("GITHUB_TOKEN", value, rs) is None
    assert find_secret("Authorization", value, rs) is None


def test_a_url_built_from_references_is_not_a_secret(rs):
    value = "postgresql://${DB_USER}:${DB_PASSWORD}@localhost/app"
    assert not is_reference(value)
    assert find_secret(None, value, rs) is None


def test_a_literal_default_inside_a_reference_is_a_secret(rs):
    assert find_secret("TOKEN", "${GITHUB_TOKEN:-" + FAKE_GITHUB + "}", rs) == "github-token"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("API_KEY", "abc123def456", SECRET_NAMED_KEY),
        ("apiKey", "abc123def456", SECRET_NAMED_KEY),
        ("X-API-Key", "abc123def456", SECRET_NAMED_KEY),
        ("DB_PASSWORD", "hunter2hunter2", SECRET_NAMED_KEY),
        ("Authorization", "Bearer abc123def456ghi", SECRET_NAMED_KEY),
        ("STRIPE_SECRET_KEY", "fake-stripe-key-0001", SECRET_NAMED_KEY),
        ("AUTH_TYPE", "oauth", None),
        ("TOKEN_PATH", "/home/alice/.token", None),
        ("GITHUB_TOKEN", "<YOUR_TOKEN>", None),
        ("GITHUB_TOKEN", "your-token-here", None),
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token", None),
        ("PASSWORD", "", None),
        ("OAUTH_CLIENT_ID", "Iv1.abc123def456", None),
        ("SLACK_TEAM_ID", "T01234567", None),
        ("LOG_LEVEL", "debug-verbose-1", None),
        (None, "abc123def456", None),
    ],
)
def test_literals_under_secret_named_keys(rs, key, value, expected):
    assert find_secret(key, value, rs) == expected


def test_redact_shows_at_most_a_short_prefix():
    assert redact(FAKE_GITHUB) == "ghp_…"
    assert redact("short-secret") == "shor…"
    assert redact("eleven-char") == "…"
    assert redact("") == "…"
    assert FAKE_GITHUB[4:8] not in redact(FAKE_GITHUB)


def test_plain_values_are_not_references():
    assert not is_reference("plain")
    assert not is_reference("pa$word123")
    assert not is_reference("")
