"""Every limit is a setting: documented in the README's Limits table and in `--help` with the same
default, a key of the configuration file, and reported when hit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from riskscan import config
from riskscan.cli import main
from riskscan.discover import DEFAULT_MAX_FILES, discover
from riskscan.scan import scan
from riskscan.types import Config

CHECKOUT = Path(__file__).parents[2]
LIMITS = {"max-file-bytes": 2_000_000, "max-files": 100_000, "max-steps": 6, "max-paths": 100, "timeout-ms": 5000}
GOOD_CONFIG = '{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}\n'


def readme_limits() -> dict[str, int]:
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Limits", 1)[1].split("\n### ", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z-]+)` \| (\d+) \|", section, re.MULTILINE)}


def test_every_limit_is_documented_with_its_default_in_the_readme_the_help_and_the_config():
    assert readme_limits() == LIMITS
    for command in ("scan", "graph", "explain"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"], terminal_width=200).output.split())
        for name, default in LIMITS.items():
            assert re.search(rf"--{name} INTEGER RANGE .*?\[default: {default};", text), (command, name)
    assert set(LIMITS) <= set(config.KEYS)
    fields = Config()
    assert {name: getattr(fields, name.replace("-", "_")) for name in LIMITS} == LIMITS
    assert DEFAULT_MAX_FILES == LIMITS["max-files"]


def test_files_over_the_count_are_reported_not_read(tmp_path):
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".mcp.json").write_text(GOOD_CONFIG)
    found = discover(tmp_path, max_files=3)
    assert [f.path for f in found.files] == ["a/.mcp.json", "b/.mcp.json", "c/.mcp.json"]
    [diagnostic] = found.diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("too-many-files", "error")
    assert "5 files to read, over the 3-file limit (--max-files)" in diagnostic.message and "2 were not" in diagnostic.message
    assert discover(tmp_path).diagnostics == ()


def test_max_files_on_the_command_line_and_in_the_config_file(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".mcp.json").write_text(GOOD_CONFIG)
    result = subprocess.run([sys.executable, "-m", "riskscan", "scan", str(tmp_path), "--max-files", "2", "--format", "json",
                             "--exit-zero", "-q", "--no-cache"], capture_output=True, text=True, cwd=CHECKOUT, timeout=120, check=False)
    codes = [d["code"] for d in json.loads(result.stdout)["diagnostics"]]
    assert codes == ["too-many-files"]
    (tmp_path / "riskscan.toml").write_text("max-files = 1\n")
    report = scan(str(tmp_path), Config(max_files=config.load(tmp_path / "riskscan.toml").values["max_files"]))
    assert {f.location.path for f in report.findings} == {"a/.mcp.json"}  # its hygiene, and its Claude Code agent's paths


def handoff_chain(root: Path, agents: int = 8) -> None:
    """The first agent reads the web, the last runs commands: a path of agents + 1 steps."""
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "tools.py").write_text(
        "import subprocess, requests\nfrom agents import function_tool\n"
        "@function_tool\ndef fetch(url: str) -> str:\n    return requests.get(url).text\n"
        "@function_tool\ndef shell(cmd: str) -> str:\n    return subprocess.run(cmd, shell=True).stdout\n")
    fetch = '"app.tools:fetch"'
    declared = [f'[[agents]]\nname = "A{i}"\ntools = [{fetch if i == 0 else ""}]\nhandoffs = ["A{i + 1}"]\n' for i in range(agents - 1)]
    declared.append(f'[[agents]]\nname = "A{agents - 1}"\ntools = ["app.tools:shell"]\n')
    (root / "riskscan.toml").write_text("\n".join(declared))


def test_max_steps_bounds_the_paths_searched(tmp_path):
    handoff_chain(tmp_path)
    assert "RS102" not in {f.rule_id for f in scan(str(tmp_path), Config(max_steps=4, cache=False)).findings}
    [path] = [f for f in scan(str(tmp_path), Config(max_steps=12, cache=False)).findings if f.rule_id == "RS102"]
    assert len(path.steps) == 9


def test_a_sink_beyond_max_steps_is_reported(tmp_path):
    handoff_chain(tmp_path)
    short = scan(str(tmp_path), Config(max_steps=4, cache=False))
    assert any("max-steps" in d.message or "max_steps" in d.message for d in short.diagnostics), short.diagnostics
