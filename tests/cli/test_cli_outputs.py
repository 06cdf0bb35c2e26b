"""One scan, several reports: `--FORMAT-output PATH` as semgrep's `--sarif-output`/`--json-output`,
beside `--format/-o`; the SARIF run's category (`--sarif-category`, config key `sarif-category`);
absolute Markdown links (`--link-base`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from riskscan import scan as scan_module
from riskscan.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "support-desk"


@pytest.fixture
def scans(monkeypatch) -> list[str]:
    """The roots `riskscan.scan.scan` was called with, during one command."""
    calls: list[str] = []
    real = scan_module.scan

    def counted(root, *args, **kwargs):
        calls.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(scan_module, "scan", counted)
    return calls


def invoke(*args: str):
    return CliRunner().invoke(main, ["scan", *args, "-q", "--no-cache"], catch_exceptions=False)


def test_one_scan_writes_every_format_asked_for(tmp_path, scans):
    sarif, markdown, data = tmp_path / "r.sarif", tmp_path / "comment.md", tmp_path / "r.json"
    result = invoke(str(EXAMPLE), "--sarif-output", str(sarif), "--markdown-output", str(markdown), "--json-output", str(data))
    assert result.exit_code == 1  # the findings still decide the exit code
    assert scans == [str(EXAMPLE)]
    assert "critical" in result.output and "## riskscan" not in result.output  # the text report still goes to stdout
    fingerprints = {f["fingerprint"] for f in json.loads(data.read_text())["findings"]}
    [run] = json.loads(sarif.read_text())["runs"]
    assert {r["partialFingerprints"]["riskscanFingerprint/v1"] for r in run["results"]} == fingerprints
    assert markdown.read_text().startswith("## riskscan\n")


def test_format_and_output_still_work_beside_them(tmp_path, scans):
    main_output, extra = tmp_path / "a.sarif", tmp_path / "b.md"
    result = invoke(str(EXAMPLE), "--format", "sarif", "-o", str(main_output), "--markdown-output", str(extra), "--exit-zero")
    assert result.exit_code == 0 and result.output == "" and len(scans) == 1
    assert json.loads(main_output.read_text())["version"] == "2.1.0" and extra.read_text().startswith("## riskscan")


def test_the_sarif_category_is_the_run_id_of_every_sarif_written(tmp_path):
    main_output, extra = tmp_path / "a.sarif", tmp_path / "b.sarif"
    invoke(str(EXAMPLE), "--format", "sarif", "-o", str(main_output), "--sarif-output", str(extra), "--sarif-category", "agents")
    for path in (main_output, extra):
        assert json.loads(path.read_text())["runs"][0]["automationDetails"] == {"id": "agents/"}
    invoke(str(EXAMPLE), "--sarif-output", str(extra))
    assert json.loads(extra.read_text())["runs"][0]["automationDetails"] == {"id": "riskscan/"}


def test_the_category_can_come_from_the_configuration_file(tmp_path):
    config = tmp_path / "riskscan.toml"
    config.write_text('sarif-category = "security/riskscan"\n')
    sarif = tmp_path / "r.sarif"
    invoke(str(EXAMPLE), "--config", str(config), "--sarif-output", str(sarif))
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"] == {"id": "security/riskscan/"}
    invoke(str(EXAMPLE), "--config", str(config), "--sarif-output", str(sarif), "--sarif-category", "cli")
    assert json.loads(sarif.read_text())["runs"][0]["automationDetails"] == {"id": "cli/"}  # the command line wins
    config.write_text("sarif-category = 3\n")
    result = invoke(str(EXAMPLE), "--config", str(config))
    assert result.exit_code == 2 and "sarif-category: expected a string" in result.output


def test_markdown_links_are_absolute_with_a_link_base(tmp_path):
    markdown = tmp_path / "comment.md"
    invoke(str(EXAMPLE), "--markdown-output", str(markdown), "--link-base", "https://github.com/o/r/blob/abc123")
    text = markdown.read_text()
    from riskscan.scan.repository import locate

    inside = locate(str(EXAMPLE.resolve())).relative
    assert f"(https://github.com/o/r/blob/abc123/{inside('support_desk/tools.py')}#L" in text
    assert "](examples/" not in text
