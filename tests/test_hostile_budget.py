"""Issue #15, items 8 and 9: a scanned project cannot make riskscan's work unbounded.

Item 9: secret redaction reads every string of a report (tool descriptions included). With
Python's backtracking `re`, 40 KB of letters (`basic-auth-url`'s scheme `[A-Za-z][A-Za-z0-9+.-]*`
scanned from every start), of `eyJeyJ...` (`jwt`) or of `ab ab ab ...` (the key = value pairs)
took quadratic time: 76 s for a 40 KB description, days for 1.9 MB. Matching is now RE2's (linear)
and the pairs are found run by run. These tests do not time anything: the structural ones say
every pattern is RE2's and means what Python's meant; the 1.9 MB attacks must finish inside a
generous subprocess timeout (before the fix they would take days).

Item 8: see the second half of the file.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from riskscan import rulesets, secrets
from riskscan.secrets import linear_regex
from riskscan.secrets.reports import scrubbed

ROOT = Path(__file__).resolve().parents[1]
FAKE_GITHUB = "ghp_" + "FAKEfakeFAKEfake0123456789abcdefghij"

# the shapes that made redaction quadratic, each as a function of the size in characters
WORST_CASES = {
    "letters": lambda n: "a" * n,  # basic-auth-url's scheme, and one endless key
    "jwt-prefixes": lambda n: "eyJ" * (n // 3),  # jwt: every start scans to the end for the dot
    "scheme-then-userinfo": lambda n: "a://b:" + "c" * n,  # basic-auth-url: no @ ever comes
    "words-and-dashes": lambda n: "abc-" * (n // 4),
    "pairs": lambda n: "ab " * (n // 3),  # key = value pairs, each value the next key
    "chained-pairs": lambda n: "a=" * (n // 2),  # one value per pair, overlapping to the end
    "secret-chain": lambda n: ("token=" * 41 + " ") * (n // 247),  # overlapping secret-keyed values
    "references": lambda n: "${" * (n // 2),  # `${` never closed
    "pem-headers": lambda n: "-----BEGIN A " * (n // 13),
}
SIZES = {"40 KB": 40_000, "1.9 MB": 1_900_000}


@pytest.fixture(scope="module")
def loaded():
    return rulesets.load()


def test_every_bundled_secret_pattern_is_matched_in_linear_time(loaded):
    refused = [p.id for p in loaded.secrets if not linear_regex.compiled(p.pattern).linear]
    assert refused == [], f"RE2 refuses (Python's backtracking would match them): {refused}"


# The openai-api-key pattern as the ruleset had it, with a look-ahead RE2 refuses; the rewrite
# must accept exactly the same values.
OPENAI_BEFORE = r"sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"


def _random_texts(alphabet: str, count: int, seed: int, longest: int = 60):
    generator = random.Random(seed)
    return ["".join(generator.choice(alphabet) for _ in range(generator.randint(0, longest))) for _ in range(count)]


def test_the_rewritten_patterns_match_what_pythons_did(loaded):
    """RE2 and Python's `re` agree, match for match, on random texts made of the characters the
    patterns speak of (the look-ahead-free openai-api-key against the look-ahead one)."""
    patterns = {p.id: p.pattern for p in loaded.secrets}
    texts = _random_texts("sk-antprojadmin_AKIA0Z9xoxb.:/@ eyJ\n-BEGIN PRIVATEKY", 3000, seed=15)
    texts += ["sk-ant-" + "a" * 19, "sk-ant-" + "a" * 20, "sk-an-" + "a" * 20, "sk-ant" + "a" * 20, "sk-" + "a" * 19,
              "sk-" + "a" * 20, "sk-admin-" + "a" * 20, "x sk-ant- sk-" + "b" * 25, "https://u:p@h", "AKIA" + "A" * 16]
    for identifier, pattern in patterns.items():
        before = re.compile(OPENAI_BEFORE if identifier == "openai-api-key" else pattern)
        after = linear_regex.compiled(pattern)
        for text in texts:
            expected = [m.span() for m in before.finditer(text)]
            assert [m.span() for m in after.finditer(text)] == expected, (identifier, text)


# The key = value pattern as it was: one backtracking regex with a look-ahead.
KEY_VALUE_BEFORE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?:\s*(?:==|!=|:=|[:=])\s*|\s+)(?=['\"]?(?P<value>[^\s'\"`,;)&]+))")


def test_key_value_pairs_are_the_ones_the_backtracking_pattern_found(loaded):
    def secret(key: str) -> bool:
        return key.lower() in ("bearer", "basic", "token") or secrets._is_secret_key(key.rsplit(".", 1)[-1], loaded.secret_keys)

    texts = _random_texts("tokenapiKEY_.-1 =:!'\"`,;)&\t\u00a0xy", 4000, seed=9, longest=40)
    texts += ["API_TOKEN=abc", "--token abc", "token == 'abc'", "a.token: x", "1token=x", "token  =  \"v\"", "token = ;x"]
    def judged(spans):  # a value of one or two characters is never a secret (see below)
        return [(start, end) for start, end in spans if end - start > 2]

    for text in texts:
        expected = [m.span("value") for m in KEY_VALUE_BEFORE.finditer(text) if secret(m.group("key"))]
        assert judged(secrets._secret_key_values(text, secret)) == judged(expected), text
    # Where the greedy separator leaves no value (`token = ;`), the old pattern backtracked into
    # the separator and took `=` for the value; the new one makes no pair. Such a value is at most
    # the separator's two characters.
    assert [m.group("value") for m in KEY_VALUE_BEFORE.finditer("token = ;x")] == ["="]
    assert secrets._secret_key_values("token = ;x", secret) == []


def test_redaction_sees_through_lone_surrogates_and_unicode_spaces(loaded):
    text = "\ud800 token\u00a0=\u00a0s3cr3tValue99 \ud800 " + FAKE_GITHUB + " \u2028 postgresql://app:pw123456@db/x"
    redacted = secrets.scrub(text, loaded)
    assert "s3cr3tValue99" not in redacted and FAKE_GITHUB not in redacted and "pw123456" not in redacted
    assert redacted.startswith("\ud800 token\u00a0=\u00a0")  # the text around is kept as it was
    assert secrets.find_secret("PASSWORD", "\ud800" + FAKE_GITHUB, loaded) == "github-token"


def test_every_secret_shape_in_a_long_description_is_still_redacted(loaded):
    """The shapes tests/secrets/test_secrets.py covers, scattered through 1 MB of filler, all redacted."""
    shapes = [FAKE_GITHUB, "sk-ant-api03-" + "x" * 40, "sk-proj-" + "Ab1" * 10, "AKIA" + "ABCDEFGHIJ234567",
              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2Zha2U", "postgresql://app:s3cretPass@db.example.com/app"]
    filler = "lorem ipsum dolor " * 10_000
    text = f" {filler} ".join(shapes) + " API_TOKEN=q8Zr2LmN0pXw " + filler
    redacted = scrubbed(text)
    for shape in shapes + ["q8Zr2LmN0pXw"]:
        assert shape not in redacted


_WORST_CASE_RUN = """
import sys
sys.path.insert(0, 'tests')
from riskscan.secrets.reports import scrubbed
from test_hostile_budget import SIZES, WORST_CASES
for size in SIZES.values():
    text = WORST_CASES[sys.argv[1]](size)
    assert len(scrubbed(text)) <= len(text)
print('done')
"""


@pytest.mark.parametrize("case", list(WORST_CASES))
def test_worst_case_descriptions_are_redacted_in_linear_time(case):
    """Each worst case at 40 KB (76 s before) and 1.9 MB (days before) inside a 20 s subprocess:
    linear matching does the 1.9 MB one in about a second."""
    completed = subprocess.run([sys.executable, "-c", _WORST_CASE_RUN, case], cwd=ROOT, capture_output=True,
                               text=True, timeout=20, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0 and completed.stdout.strip() == "done", completed.stderr[-2000:]


# --- item 8: the solver's bounds ---------------------------------------------------------------
# One tool, 1,000 checks on its URL (startswith, endswith, in, regex), and a request after every
# 25 of them: each request's argument carries every check before it, and each query intersects
# up to 1,000 regular languages. Before, one such file ran a scan past 300 s.

ATTACK_CHECKS, CHECKS_PER_CALL = 1000, 25


def attack_project(root: Path, checks: int = ATTACK_CHECKS) -> Path:
    lines = ["import re", "import requests", "from agents import Agent, function_tool", "", "",
             "@function_tool", "def fetch(url: str) -> str:", '    """Fetch a page of the documentation."""',
             "    if not url.startswith('https://docs.example.com/'):", "        raise ValueError('refused')", "    pages = []"]
    for i in range(checks):
        test = [f"url.startswith('https://docs.example.com/private{i}/')", f"url.endswith('.bin{i}')",
                f"url in ('https://docs.example.com/a{i}', 'https://docs.example.com/b{i}')",
                f"re.search(r'(?:secret|admin){i}[0-9]*/', url)"][i % 4]
        lines += [f"    if {test}:", "        raise ValueError('refused')"]
        if i % CHECKS_PER_CALL == CHECKS_PER_CALL - 1:
            lines.append("    pages.append(requests.get(url).text)")
    lines += ["    return ''.join(pages)", "", "", "assistant = Agent(name='Assistant', tools=[fetch])"]
    (root / "agents.py").write_text("\n".join(lines) + "\n")
    return root


def _argument_verdicts(report):
    return sorted((g.location.line, g.status, g.detail) for t in report.tools for g in t.gates if g.kind == "argument-check")


def test_a_thousand_checks_on_one_tool_end_reported_and_the_same_each_run(tmp_path):
    from riskscan.scan import scan
    from riskscan.types import Config

    attack_project(tmp_path)
    assert len((tmp_path / "agents.py").read_bytes()) > 90_000  # the size of the reported attack
    runs = [scan(str(tmp_path), Config(timeout_ms=1000, cache=False, workers=1)) for _ in range(2)]
    verdicts = [_argument_verdicts(report) for report in runs]
    assert verdicts[0] == verdicts[1]  # deterministic: step counts, not the machine's load
    statuses = {status for _, status, _ in verdicts[0]}
    assert "unknown" in statuses and statuses <= {"holds", "unknown"}
    budget = [d for d in runs[0].diagnostics if d.code == "argument-budget"]
    assert len(budget) == 1 and "fetch" in budget[0].message and "unknown" in budget[0].message
    assert "budget" in budget[0].message and f"more than {64} checks" in budget[0].message
    # what was not decided is never taken for a guard that holds: the fetch stays model-controlled
    fetch = next(tool for tool in runs[0].tools if tool.name == "fetch")
    assert any(c.model_controlled for c in fetch.capabilities if c.arguments)
    undecided = [detail for _, status, detail in verdicts[0] if status == "unknown"]
    assert any("budget" in d for d in undecided) and any("checks stand before the call" in d for d in undecided)


def _url_argument(prefix: str):
    from riskscan.types import Check, GuardedArgument, Location, Term

    url = Term("param", value="url")
    return GuardedArgument("url", "requests.get", url, (Check("startswith", url, (prefix,)),), Location("tools.py", 3))


def test_each_query_is_bounded_by_solver_steps_not_by_the_clock(monkeypatch):
    """With one step allowed per ms, a query decided in N steps is decided with an allowance of
    N (whatever the load) and not with far fewer: the bound is a count, the same on every run."""
    from riskscan.solve import arguments, budget

    monkeypatch.setattr(budget, "RLIMIT_PER_MS", 1)
    argument = _url_argument("https://api.example.com")  # bypassed: https://api.example.com.attacker.example
    roomy = budget.Budget(timeout_ms=10_000_000)
    first = arguments.judge(argument, roomy.timeout_ms, roomy)
    steps = roomy.per_query * budget.ARGUMENT_BUDGET - roomy.left
    assert first.status == "bypassed" and steps > 100
    again = budget.Budget(timeout_ms=10_000_000)
    assert arguments.judge(argument, again.timeout_ms, again) == first and again.left == roomy.left  # same steps
    for _ in range(3):  # enough steps for its queries together: decided; a tenth of them: not
        assert arguments.judge(argument, steps, budget.Budget(timeout_ms=steps)).status == "bypassed"
        short = arguments.judge(argument, steps // 10, budget.Budget(timeout_ms=steps // 10))
        assert short.status == "unknown" and "steps" in short.detail


def test_an_argument_past_the_budget_is_unknown_and_never_holds():
    from riskscan.solve import arguments, budget

    spent = budget.Budget(timeout_ms=5000, left=0)
    verdict = arguments.judge(_url_argument("https://api.example.com/"), 5000, spent)  # would hold
    assert verdict.status == "unknown" and "budget" in verdict.detail and spent.spent_on


def test_a_witness_that_is_not_dangerous_is_not_a_bypass():
    """The solver's URL language can differ from urlsplit: a witness that reaches the allowed host
    after all (or is the allowed value itself) is not reported as a bypass."""
    from riskscan.solve import arguments

    argument = _url_argument("https://api.example.com")
    for harmless in ["https://api.example.com", "https://api.example.com/v1", "https://api.example.com:443/x"]:
        verdict = arguments._found(argument, (("url", harmless),), [])
        assert verdict.status == "not-understood" and "not dangerous" in verdict.detail, harmless
    dangerous = arguments._found(argument, (("url", "https://api.example.com.attacker.example/"),), [])
    assert dangerous.status == "bypassed"
