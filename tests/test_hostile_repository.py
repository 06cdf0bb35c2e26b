"""A scan of a repository that tries every configuration attack of #15 at once (items 1-3): run as a
subprocess with HOME and the XDG folders in a fake home folder, both folders snapshotted before and
after. The repository controls nothing but what is scanned: nothing outside the scan's declared
outputs changes, every finding of its dangerous code is still in the report, the exit status is the
operator's (the repository's `exit-zero` and `fail-on` are not applied), and the report names every
key the repository tried. Beside it, the benign look-alike: a team's own
rule choice and a suppression with a reason, applied and stated, without a warning.

Fixtures: fixtures/hostile/trust/ (README.md says what each one is)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "support-desk"  # 15 findings: 1 critical, 3 high, 8 medium, 3 low
HOSTILE = REPO / "fixtures" / "hostile" / "trust"
GUARD_RULE = "RS215"


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`: its kind, mode and content hash (a link's target), read without
    following links or opening anything that is not a regular file."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        name = path.relative_to(folder).as_posix()
        if stat.S_ISLNK(status.st_mode):
            entries[name] = ("link", os.readlink(path))
        elif stat.S_ISREG(status.st_mode):
            entries[name] = ("file", stat.S_IMODE(status.st_mode), hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            entries[name] = (stat.S_IFMT(status.st_mode), stat.S_IMODE(status.st_mode))
    return entries


def fake_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".bashrc").write_text("# the user's login script\nexport PATH=$HOME/bin:$PATH\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA user@laptop\n")
    return home


def repository(tmp_path: Path, kind: str) -> Path:
    """A copy of the example with the `kind` folder of fixtures/hostile/trust laid over it."""
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLE, target)
    shutil.copytree(HOSTILE / kind, target, dirs_exist_ok=True)
    return target


def riskscan(home: Path, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RISKSCAN_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_STATE_HOME=str(home / ".local" / "state"),
               PYTHONPATH=str(REPO), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "riskscan", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def fingerprints(document: dict) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["fingerprint"]) for f in document["findings"]}


@pytest.fixture
def attacked(tmp_path):
    """The hostile repository beside a fake home, with the FIFO its ruleset names."""
    home = fake_home(tmp_path)
    target = repository(tmp_path, "attack")
    os.mkfifo(target / "pipe")
    return home, target


def test_the_repository_configuration_changes_nothing_outside_the_scan_and_silences_nothing(tmp_path, attacked):
    home, target = attacked
    clean_config = tmp_path / "operator.toml"  # the operator's own (empty) settings: the repository's file is not read
    clean_config.write_text("")
    clean = riskscan(home, target, "scan", ".", "--format", "json", "--no-cache", "--config", str(clean_config))
    assert clean.returncode == 1, clean.stderr
    expected = fingerprints(json.loads(clean.stdout))
    assert len(expected) == 15

    home_before, repo_before = snapshot(home), snapshot(target)
    plain = riskscan(home, target, "scan", ".", timeout=120)  # as the pre-commit hook runs it: no -o, no --format
    as_json = riskscan(home, target, "scan", ".", "--format", "json", "--fail-on", "medium", timeout=120)
    home_after, repo_after = snapshot(home), snapshot(target)

    # nothing outside the scan's declared outputs changed: the repository, the home folder but
    # riskscan's own cache folder (the default, under XDG_CACHE_HOME) are as they were
    assert repo_after == repo_before
    outputs = (".cache", ".cache/riskscan")
    assert {name: entry for name, entry in home_after.items() if not name.startswith(outputs)} == home_before
    assert (home / ".cache" / "riskscan").is_dir()  # the cache went where the operator's environment says
    assert home_after[".bashrc"] == home_before[".bashrc"]
    assert not list((target / "shipped-cache").iterdir())[1:]  # only its README: nothing written to the shipped cache

    # the report went to stdout, in the default format; the exit status is the operator's: the
    # repository's own `ignore` left only the RS215 warnings (medium), which fail the run when the
    # operator says `--fail-on medium` (its `exit-zero` and `fail-on = "critical"` are not applied)
    assert plain.returncode == 0 and as_json.returncode == 1, plain.stderr + as_json.stderr
    assert plain.stdout.startswith("riskscan ") and "## riskscan" not in plain.stdout
    document = json.loads(as_json.stdout)
    schema = json.loads((REPO / "riskscan" / "schemas" / "report.schema.json").read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert not errors, errors[0].message

    # every finding of the dangerous code is still reported: the same findings as the clean scan
    # (nothing excluded, nothing cut by limits, the diff or a baseline); what the repository's own
    # `ignore` leaves out is a suppressed finding that names the key and its line
    found = fingerprints(document)
    assert {item for item in found if item[0] != GUARD_RULE} == expected
    left_out = [f for f in document["findings"] if f["rule_id"] != GUARD_RULE]
    assert all(f["suppressed"] for f in left_out)
    ignore_line = next(n for n, line in enumerate((target / "riskscan.toml").read_text().splitlines(), 1) if line.startswith("ignore"))
    assert {(f["suppression"]["reason"], f["suppression"]["location"]["line"]) for f in left_out} == {
        ("left out by the scanned repository's configuration: ignore = [\"RS\"]", ignore_line)}
    assert document["summary"]["findings"] == len([f for f in document["findings"] if not f["suppressed"]])

    # the report names every key the repository tried: one RS215 finding at each refused key's line
    written = tomllib.loads((target / "riskscan.toml").read_text())
    refused = set(written) - {"ignore"}
    lines = {line.split("=")[0].strip(): n for n, line in enumerate((target / "riskscan.toml").read_text().splitlines(), 1)
             if "=" in line and not line.startswith("#")}
    warnings = [f for f in document["findings"] if f["rule_id"] == GUARD_RULE]
    assert not any(w["suppressed"] for w in warnings)  # the repository's `ignore = ["RS"]` does not silence them
    assert {(w["message"].split("`")[1].split(" = ")[0], w["location"]["line"]) for w in warnings} == {(key, lines[key]) for key in refused}
    stated = document["repository_config"]
    assert stated["path"] == "riskscan.toml"
    assert {s["key"] for s in stated["refused"]} == refused
    assert [(s["key"], s["value"], s["location"]["line"]) for s in stated["applied"]] == [("ignore", '["RS"]', ignore_line)]
    for key in refused:
        assert key in plain.stdout.splitlines()[-2]  # the summary line of the text report: `refused, see RS215: output, ...`
    assert "applied ignore = [\"RS\"] (riskscan.toml:" in plain.stdout


def test_the_statement_is_in_every_format(tmp_path, attacked):
    home, target = attacked
    sarif = tmp_path / "out" / "r.sarif"
    markdown = tmp_path / "out" / "r.md"
    sarif.parent.mkdir()
    result = riskscan(home, target, "scan", ".", "--format", "concise", "--sarif-output", str(sarif),
                      "--markdown-output", str(markdown), "--no-cache")
    assert result.returncode == 0, result.stderr  # only medium RS215 warnings left, under the default fail-on
    assert "riskscan.toml of the scanned repository: applied ignore" in result.stdout
    log = json.loads(sarif.read_text())
    for name in ("sarif-2.1.0.json", "sarif-2.1.0-schemastore.json"):
        schema = json.loads((REPO / "tests" / "schemas" / name).read_text())
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log))
        assert not errors, errors[0].message
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "riskscan/"}  # not the repository's `sarif-category`
    notes = run["invocations"][0]["toolConfigurationNotifications"]
    assert {(n["descriptor"]["id"], n["properties"]["key"]) for n in notes} >= {
        ("repository-config-applied", "ignore"), ("repository-config-refused", "output"), ("repository-config-refused", "cache-dir")}
    assert all(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("riskscan.toml") for n in notes)
    text = markdown.read_text()
    assert "`riskscan.toml` of the scanned repository: applied `ignore = [\"RS\"]`" in text
    assert "refused, see RS215: `output`, `format`" in text


def test_the_benign_look_alike_is_applied_and_stated_without_a_warning(tmp_path):
    home = fake_home(tmp_path)
    target = repository(tmp_path, "benign")
    result = riskscan(home, target, "scan", ".", "--format", "json", "--no-cache")
    document = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert not [f for f in document["findings"] if f["rule_id"] == GUARD_RULE]
    stated = document["repository_config"]
    assert stated["refused"] == []
    assert [(s["key"], s["location"]["line"]) for s in stated["applied"]] == [("select", 2), ("ignore", 3), ("include-tests", 4)]
    shown = {(f["rule_id"], f["suppressed"]) for f in document["findings"]}
    assert ("RS301", True) in shown and ("RS202", True) in shown and ("RS203", True) in shown  # out by select, ignore, the file
    assert not [rule for rule, suppressed in shown if not suppressed and rule.startswith("RS3")]
    reasons = {f["rule_id"]: f["suppression"]["reason"] for f in document["findings"] if f["suppressed"]}
    assert reasons["RS301"] == "left out by the scanned repository's configuration: select = [\"RS1\", \"RS2\"]"
    assert reasons["RS202"] == "left out by the scanned repository's configuration: ignore = [\"RS202\"]"
    assert reasons["RS203"] == "the filesystem server runs in a throwaway container whose home is empty"


@pytest.mark.parametrize("option", ["--ruleset", "--config", "--baseline", "--suppressions"])
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_file_the_operator_names_is_read_only_when_regular_and_bounded(tmp_path, option, special):
    """A device or a FIFO given where riskscan reads a file of its own: exit 2 at once, naming it."""
    home = fake_home(tmp_path)
    if special == "fifo":
        special = str(tmp_path / "fifo")
        os.mkfifo(special)
    result = riskscan(home, tmp_path, "scan", str(EXAMPLE), option, special, "--no-cache", "-q", timeout=60)
    assert result.returncode == 2
    assert f"{special}: cannot read" in result.stderr and "not a regular file" in result.stderr


def test_a_file_past_the_bound_is_refused_unread(tmp_path):
    from riskscan.files import TooLarge, read_bounded

    big = tmp_path / "rules.yaml"
    big.write_bytes(b"#" * 101)
    assert read_bounded(big, 101) == b"#" * 101
    with pytest.raises(TooLarge, match="larger than 100 bytes"):
        read_bounded(big, 100)


def test_every_operator_key_is_named_where_it_is_documented():
    """The operator-only keys are config.KEYS less REPOSITORY_KEYS: RS215's help, the README and
    docs/security.md list each one, so a key added later is not left to the repository unnoticed."""
    from riskscan import config, rulesets

    operator = set(config.KEYS) - config.REPOSITORY_KEYS
    rule = next(r for r in rulesets.load_every_rule().rules if r.check == "operator-setting-in-repository")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    security = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    for key in sorted(operator):
        assert f"`{key}`" in rule.help and f"`{key}`" in readme and f"`{key}`" in security, key
    assert config.REPOSITORY_KEYS == {"select", "ignore", "extend-select", "per-path-ignores", "per-file-ignores", "include-tests"}


def test_a_repository_file_above_the_scanned_folder_is_placed_in_the_repository(tmp_path):
    """Scanning services/desk of a repository whose riskscan.toml is at its root: the RS215 result
    and the configuration notification point at riskscan.toml of the repository in SARIF."""
    home = fake_home(tmp_path)
    target = tmp_path / "repo"
    shutil.copytree(EXAMPLE, target / "services" / "desk")
    (target / "riskscan.toml").write_text('workers = 64\n')
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    result = riskscan(home, target, "scan", "services/desk", "--format", "sarif", "--no-cache")
    run = json.loads(result.stdout)["runs"][0]
    [warning] = [r for r in run["results"] if r["ruleId"] == GUARD_RULE]
    assert warning["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "riskscan.toml"
    [note] = run["invocations"][0]["toolConfigurationNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "riskscan.toml"


def test_a_trace_that_is_a_fifo_is_a_diagnostic_not_a_hang(tmp_path):
    home = fake_home(tmp_path)
    os.mkfifo(tmp_path / "run.jsonl")
    result = riskscan(home, tmp_path, "trace", "run.jsonl", timeout=60)
    assert result.returncode == 2
    assert "run.jsonl: cannot read the file: not a regular file" in result.stderr
