"""A non-editable install in a fresh virtual environment finds its bundled rulesets and scans the
bundled example, run from a folder outside the repository (so nothing is read from the checkout)."""

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the tracked tree")
    work = tmp_path_factory.mktemp("install")
    wheels = work / "wheels"
    # Build from the repository itself, without network: hatchling comes with the test extra.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True,
    )
    environment = work / "venv"
    # The dependencies come from the running interpreter's site-packages; riskscan itself only
    # from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(environment)
    python = environment / "bin" / "python"
    [wheel] = wheels.glob("riskscan-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", "--force-reinstall", str(wheel)],
        check=True,
    )
    return environment, work


def test_the_wheel_ships_the_rulesets(installed):
    environment, work = installed
    where = subprocess.run(
        [str(environment / "bin" / "python"), "-c", "import riskscan.rulesets as r; print(r.bundled_dir()); print(len(r.load().rules))"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert Path(where[0]).is_relative_to(environment)
    assert int(where[1]) >= 8


def test_the_installed_command_scans_the_example(installed):
    environment, work = installed
    example = work / "support-desk"
    shutil.copytree(REPO / "examples" / "support-desk", example)
    result = subprocess.run(
        [str(environment / "bin" / "riskscan"), "scan", str(example), "--format", "json"],
        cwd=work, capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {"RS101", "RS102", "RS301"} <= {f["rule_id"] for f in report["findings"]}
