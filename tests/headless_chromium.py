"""Real headless Chromium for the tests: Debian's `chromium` driven through `chromium-driver` by
Selenium, never a browser build downloaded at run time. `.ci/run` installs both and sets
RISKSCAN_REQUIRE_BROWSER=1, so that under CI a missing browser fails instead of skipping.

The Mermaid parser comes from the `mermaid` npm package (`npm install --global mermaid`, which
`.ci/run` does; or point RISKSCAN_MERMAID_JS at its `dist/mermaid.min.js`), loaded into the same
browser from a local file; RISKSCAN_REQUIRE_MERMAID=1 makes its absence a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_NAMES = ("chromedriver",)


def _missing(reason: str, requirement: str):
    if os.environ.get(requirement) == "1":
        pytest.fail(f"{requirement}=1 but {reason}")
    pytest.skip(reason)


def chromium_session(tmp_path: Path):
    """A Selenium WebDriver on headless Chromium that records the browser console; skips (or
    fails under CI) when Selenium, Chromium or chromedriver is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed: pip install '.[test]'", "RISKSCAN_REQUIRE_BROWSER")
    browser = next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)
    driver_path = next((found for name in DRIVER_NAMES if (found := shutil.which(name))), None)
    if browser is None or driver_path is None:
        _missing("headless Chromium not installed: apt-get install chromium chromium-driver", "RISKSCAN_REQUIRE_BROWSER")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1300,1600", f"--user-data-dir={tmp_path / 'chromium-profile'}",
                     "--allow-file-access-from-files"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def console_errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def mermaid_script() -> Path:
    configured = os.environ.get("RISKSCAN_MERMAID_JS")
    candidates = [Path(configured)] if configured else []
    npm = shutil.which("npm")
    if npm and not configured:
        root = subprocess.run([npm, "root", "--global"], capture_output=True, text=True, timeout=60).stdout.strip()
        candidates.append(Path(root) / "mermaid" / "dist" / "mermaid.min.js")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    _missing("the mermaid npm package is not installed: npm install --global mermaid", "RISKSCAN_REQUIRE_MERMAID")


def mermaid_errors(driver, tmp_path: Path, diagrams: list[str]) -> list[str]:
    """Parse each diagram with Mermaid's own parser in the browser; the error text of each one
    that does not parse ("" for those that do)."""
    script = mermaid_script()
    page = tmp_path / "mermaid.html"
    page.write_text(f'<!DOCTYPE html><html><head><script src="{script.as_uri()}"></script></head><body></body></html>')
    driver.get(page.as_uri())
    return driver.execute_async_script(
        """
        const diagrams = JSON.parse(arguments[0]);
        const done = arguments[arguments.length - 1];
        mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
        Promise.all(diagrams.map(text => mermaid.parse(text).then(() => "", error => String(error && error.message || error))))
          .then(done, error => done([String(error)]));
        """,
        json.dumps(diagrams),
    )
