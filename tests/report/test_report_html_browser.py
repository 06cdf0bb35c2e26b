"""The HTML report in a real headless Chromium: it loads without console errors, the graph is drawn,
the filters change what is shown, and hostile tool text stays text. A screenshot of each page is
kept in the test's temporary folder (`report.png`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from headless_chromium import chromium_session, console_errors

from riskscan.report import render
from riskscan.scan import scan

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def browser(tmp_path):
    driver = chromium_session(tmp_path)
    try:
        yield driver
    finally:
        driver.quit()


def open_report(driver, tmp_path: Path, folder: Path):
    report = scan(str(folder))
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    driver.get(page.as_uri())
    return report


def visible_findings(driver) -> list[tuple[str, str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#findings .finding'))"
        ".filter(e => e.offsetParent !== null).map(e => [e.dataset.severity, e.dataset.rule]);"
    )


def test_the_example_report_draws_its_graph_and_filters_its_findings(browser, tmp_path):
    report = open_report(browser, tmp_path, REPO / "examples" / "support-desk")
    assert console_errors(browser) == []
    # the graph: one SVG node per agent, named, and the dangerous paths in red
    agents = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph-wrap svg g.node.agent'))"
        ".map(g => [g.dataset.id, g.querySelector('text').textContent]);"
    )
    assert sorted(agents) == sorted([f"agent:{a.id}", a.name] for a in report.agents)
    assert browser.execute_script("return document.querySelectorAll('#graph-wrap svg g.node.tool').length") == len(report.tools)
    assert browser.execute_script("return document.querySelectorAll('#graph-wrap svg path.edge.danger').length") > 0
    triage = browser.execute_script("return document.querySelector('#graph-wrap svg g.node.agent[data-id=\"agent:support_desk.agents.triage\"]').getBoundingClientRect().width")
    assert triage > 100  # laid out, not collapsed

    everything = visible_findings(browser)
    assert len(everything) == len(report.findings)
    # a severity filter click hides exactly that severity
    browser.find_element("css selector", "#filters input[data-severity='critical']").click()
    after = visible_findings(browser)
    assert after and all(severity != "critical" for severity, _ in after)
    assert len(after) == sum(1 for f in report.findings if f.severity != "critical")
    assert browser.find_element("css selector", "#shown-count").text == f"Showing {len(after)} of {len(everything)} findings"
    # the rule filter keeps one rule among the severities still shown
    browser.find_element("css selector", "#filters input[data-severity='critical']").click()
    browser.find_element("css selector", "#rule-filter option[value='RS102']").click()
    # behind run_diagnostics' approval, and Claude Code's Bash behind the person at the terminal
    assert visible_findings(browser) == [["medium", "RS102"], ["medium", "RS102"]]

    # a finding opens to its steps, evidence and fix, and shows its path on the graph
    finding = next(f for f in browser.find_elements("css selector", "#findings .finding[data-rule='RS102']")
                   if "Triage" in f.get_attribute("textContent"))
    finding.find_element("css selector", "summary").click()
    text = finding.text
    assert "Triage calls web_search" in text and "Triage calls run_diagnostics" in text
    assert "support_desk/tools.py:" in text and "Lowered from critical to medium by the approval gate" in text
    assert "fix: Run code only in a sandbox" in text  # below --fail-on, so not in the smallest fix: its rule's fix
    finding.find_element("css selector", "button.show-path").click()
    focused = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph-wrap svg .node.focus')).map(g => g.dataset.id).sort();"
    )
    assert "agent:support_desk.agents.triage" in focused and "label:code_exec" in focused
    assert "agent:support_desk.agents.billing" not in focused
    assert browser.execute_script("return document.querySelector('#graph-wrap svg').classList.contains('focused')")
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(tmp_path / "report.png"))
    assert console_errors(browser) == []


def test_hostile_tool_text_is_shown_as_text_and_runs_nothing(browser, tmp_path):
    open_report(browser, tmp_path, REPO / "tests" / "html_fixtures" / "hostile-tools")
    assert console_errors(browser) == []
    assert browser.execute_script("return window.PWNED === undefined")
    assert browser.execute_script("return document.querySelectorAll('img, iframe, b, script:not([id]):not(:last-of-type)').length") == 0
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph-wrap svg g.node.tool title')).map(t => t.textContent);"
    )
    assert any(name.startswith("tool: get_page</script><script>window.PWNED=1</script>") for name in names)
    assert any("<iframe src=javascript:window.PWNED=5></iframe>" in name for name in names)
    for finding in browser.find_elements("css selector", "#findings .finding summary"):
        finding.click()
    assert "notify<img src=x onerror=window.PWNED=2>" in browser.find_element("css selector", "#findings").text
    assert "get_page</script><script>window.PWNED=1</script>" in browser.find_element("css selector", "#fixes").text
    assert browser.execute_script("return window.PWNED === undefined")
    assert browser.save_screenshot(str(tmp_path / "report.png"))


def test_the_page_states_what_the_repository_configuration_did_and_what_was_not_read(browser, tmp_path):
    """The summary's notices, in the words of every other format: the hostile repository's refused
    keys (RS215) and the rule choice applied, and a file of a language riskscan does not read."""
    from test_hostile_repository import fake_home, repository, riskscan

    home = fake_home(tmp_path)
    target = repository(tmp_path, "attack")
    (target / "server.ts").write_text("export const unread = 1;\n")
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    result = riskscan(home, target, "scan", ".", "--format", "concise", "--html-output", str(page), "--no-cache")
    assert result.returncode == 0, result.stderr  # only RS215 (medium) is left by the repository's own ignore
    browser.get(page.as_uri())
    assert console_errors(browser) == []
    shown = browser.execute_script("return Array.from(document.querySelectorAll('#notices li')).map(li => li.textContent);")
    stated = [line for line in result.stdout.splitlines() if "of the scanned repository" in line]
    assert stated and stated[0] in shown  # the same words as the terminal's summary
    assert "refused, see RS215: output" in stated[0] and "applied ignore" in stated[0]
    assert "1 TypeScript file not read" in shown


def test_a_page_with_nothing_to_state_shows_no_notices(browser, tmp_path):
    open_report(browser, tmp_path, REPO / "examples" / "support-desk")
    assert browser.execute_script("return document.querySelectorAll('#notices li').length") == 0
    assert not browser.find_element("css selector", "#notices").is_displayed()


def test_a_notebook_s_places_are_shown_as_cells_and_their_lines(browser, tmp_path):
    report = open_report(browser, tmp_path, REPO / "fixtures" / "cases" / "notebook-agent")
    assert console_errors(browser) == []
    sink = next(f for f in report.findings if f.sinks == ("send_mail",))
    finding = next(e for e in browser.find_elements("css selector", "#findings .finding") if "send_mail" in e.text)
    finding.find_element("css selector", "summary").click()
    assert str(sink.location) == "research_assistant.ipynb[cell 7]:6:5"
    assert str(sink.location) in finding.text and "research_assistant.ipynb[cell 5]:2:5" in finding.text
