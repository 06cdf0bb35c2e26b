"""A non-editable install in a fresh virtual environment finds its bundled rulesets and scans the
bundled example, run from a folder outside the repository (so nothing is read from the checkout).

riskscan comes only from the wheel built from the checkout. Its dependencies come from the
interpreter running the tests — a virtual environment, as the README runs the suite, or a base
interpreter — so nothing is downloaded. `system_site_packages` would not do this: it shows the
nested environment the *base* interpreter's packages, not a running virtual environment's, and
from a venv the installed command died with `No module named 'z3'`. Instead the nested environment
gets a `.pth` file that adds the running interpreter's site-packages folders after its own (with
`site.addsitedir`, so their own `.pth` files work as they do here). PYTHONPATH is not passed on:
under it the checkout, not the wheel, would be imported.
"""

import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]


def running_site_dirs() -> list[str]:
    """The site-packages folders of the running interpreter, in its own order: a venv's own, the
    base interpreter's too when the venv was made with system site packages, the user's when enabled."""
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return folders


def clean_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}


def nested(environment: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the nested environment's python; a failure shows its stderr."""
    result = subprocess.run([str(environment / "bin" / "python"), *args], cwd=cwd, env=clean_environment(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


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
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(environment)
    purelib = nested(environment, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).stdout.strip()
    (Path(purelib) / "_running_interpreter.pth").write_text(
        "".join(f"import site; site.addsitedir({folder!r})\n" for folder in running_site_dirs())
    )
    [wheel] = wheels.glob("riskscan-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(environment / "bin" / "python"), "install", "--quiet", "--no-deps",
         "--no-index", "--force-reinstall", str(wheel)],
        check=True, env=clean_environment(),
    )
    return environment, work


def test_the_wheel_ships_the_rulesets(installed):
    environment, work = installed
    where = nested(environment, "-c", "import riskscan, riskscan.rulesets as r; print(riskscan.__file__); print(r.bundled_dir());"
                   " print(len(r.load().rules))", cwd=work).stdout.split()
    assert Path(where[0]).is_relative_to(environment)  # riskscan from the wheel, not from the checkout
    assert Path(where[1]).is_relative_to(environment)
    assert int(where[2]) >= 8


def test_the_installed_riskscan_finds_its_dependencies_where_the_running_interpreter_does(installed):
    # From a venv, system_site_packages showed the base interpreter's packages: z3 missing, an old libcst.
    environment, work = installed
    found = json.loads(nested(environment, "-c", (
        "import importlib.metadata as m, json\n"
        "requirements = [r for r in m.requires('riskscan') if 'extra ==' not in r]\n"
        "import z3\n"
        "solver = z3.Solver(); solver.add(z3.Int('x') > 1)\n"
        "print(json.dumps({'sat': str(solver.check()), 'requirements': requirements}))"
    ), cwd=work).stdout)
    assert found["sat"] == "sat"
    names = [Requirement(line).name for line in found["requirements"]]
    assert "z3-solver" in names and "libcst" in names
    located = json.loads(nested(environment, "-c", (
        "import importlib.metadata as m, json, sys\n"
        "print(json.dumps({n: [m.version(n), str(m.distribution(n).locate_file(''))] for n in sys.argv[1:]}))"
    ), *names, cwd=work).stdout)
    assert located == {name: [importlib.metadata.version(name), str(importlib.metadata.distribution(name).locate_file(""))]
                       for name in names}


def test_the_installed_command_scans_the_example(installed):
    environment, work = installed
    example = work / "support-desk"
    shutil.copytree(REPO / "examples" / "support-desk", example)
    result = subprocess.run(
        [str(environment / "bin" / "riskscan"), "scan", str(example), "--format", "json"],
        cwd=work, env=clean_environment(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {"RS101", "RS102", "RS301"} <= {f["rule_id"] for f in report["findings"]}
