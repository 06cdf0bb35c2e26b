"""Discover: which files are read, as what, and what is reported instead of read."""

import os
import subprocess

import pytest

from riskscan.discover import discover, module_name


def write(root, relative, text="x = 1\n"):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def listed(discovery):
    return [(f.path, f.kind, f.module) for f in discovery.files]


def test_walk_picks_python_and_json_and_skips_environments(tmp_path):
    write(tmp_path, "app/agent.py")
    write(tmp_path, "app/__init__.py")
    write(tmp_path, ".mcp.json", "{}")
    write(tmp_path, "package.json", "{}")
    write(tmp_path, ".venv/lib/site.py")
    write(tmp_path, "node_modules/x/index.py")
    write(tmp_path, "notes.txt", "hello")
    assert listed(discover(tmp_path)) == [
        (".mcp.json", "json", None),
        ("app/__init__.py", "python", "app"),
        ("app/agent.py", "python", "app.agent"),
    ]


def test_git_repository_lists_tracked_and_untracked_but_not_ignored(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n")
    write(tmp_path, "tracked.py")
    write(tmp_path, "untracked.py")
    write(tmp_path, "generated/out.py")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.py", ".gitignore"], check=True)
    assert [f.path for f in discover(tmp_path).files] == ["tracked.py", "untracked.py"]


def test_large_files_are_reported_not_read(tmp_path):
    write(tmp_path, "big.py", "x = 1\n" * 100)
    write(tmp_path, "small.py")
    found = discover(tmp_path, max_file_bytes=100)
    assert [f.path for f in found.files] == ["small.py"]
    assert [(d.location.path, d.code) for d in found.diagnostics] == [("big.py", "file-too-large")]
    assert "over the 100-byte limit" in found.diagnostics[0].message


def test_links_out_of_the_root_and_broken_links_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    write(outside, "secret.py")
    write(root, "inside.py")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink(root / "missing.py", root / "dangling.py")
    os.symlink(root / "inside.py", root / "alias.py")
    found = discover(root)
    assert [f.path for f in found.files] == ["alias.py", "inside.py"]
    assert sorted((d.location.path, d.code) for d in found.diagnostics) == [
        ("dangling.py", "broken-link"),
        ("escape.py", "link-outside-root"),
    ]


def test_a_single_file_can_be_scanned(tmp_path):
    path = write(tmp_path, "tools.py")
    found = discover(path)
    assert found.root == str(tmp_path.resolve())
    assert listed(found) == [("tools.py", "python", "tools")]


@pytest.mark.parametrize(
    "relative, module",
    [("pkg/mod.py", "pkg.mod"), ("pkg/__init__.py", "pkg"), ("src/pkg/mod.py", "pkg.mod"), ("my-app/main.py", "my_app.main"), ("__init__.py", "__init__")],
)
def test_module_names(relative, module):
    assert module_name(relative) == module


@pytest.mark.parametrize(("relative", "test"), [
    ("tests/test_agent.py", True),
    ("pkg/tests/helpers.py", True),
    ("test/mcp.json", True),
    ("libs/core/testsuite/cases.py", True),
    ("pkg/test_tools.py", True),
    ("pkg/tools_test.py", True),
    ("conftest.py", True),
    ("pkg/testing.py", False),
    ("pkg/latest/agent.py", False),
    ("pkg/contest.py", False),
    ("attest/agent.py", False),
])
def test_test_code_is_what_semgrep_and_pytest_call_tests(relative, test):
    from riskscan.discover import is_test_code

    assert is_test_code(relative) is test


def test_test_code_is_left_out_with_a_note_unless_asked_for(tmp_path):
    write(tmp_path, "app/agent.py")
    write(tmp_path, "tests/test_agent.py")
    write(tmp_path, "tests/mcp.json", "{}")
    write(tmp_path, "app/conftest.py")
    default = discover(tmp_path)
    assert [f.path for f in default.files] == ["app/agent.py"]
    (note,) = default.diagnostics
    assert (note.code, note.severity) == ("tests-not-read", "info")
    assert note.message.startswith("3 test files were not read") and "--include-tests" in note.message
    everything = discover(tmp_path, include_tests=True)
    assert [f.path for f in everything.files] == ["app/agent.py", "app/conftest.py", "tests/mcp.json", "tests/test_agent.py"]
    assert everything.diagnostics == ()


def test_a_test_file_given_as_the_root_is_read(tmp_path):
    path = write(tmp_path, "tests/test_agent.py")
    assert [f.path for f in discover(path).files] == ["test_agent.py"]
    assert [f.path for f in discover(tmp_path / "tests").files] == ["test_agent.py"]


def test_the_command_line_and_the_config_file_read_tests_when_asked(tmp_path):
    from click.testing import CliRunner

    from riskscan.cli import main

    write(tmp_path, "tests/test_bot.py", (
        "import subprocess\n"
        "from agents import Agent, function_tool\n\n"
        "@function_tool\n"
        "def shell(command: str) -> str:\n"
        '    """Run a command."""\n'
        "    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout\n\n"
        "@function_tool\n"
        "def browse(url: str) -> str:\n"
        '    """Fetch a page."""\n'
        "    import requests\n"
        "    return requests.get(url).text\n\n"
        "bot = Agent(name='bot', tools=[shell, browse])\n"
    ))
    runner = CliRunner()
    quiet = runner.invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json"])
    assert quiet.exit_code == 0, quiet.output
    assert '"tests-not-read"' in quiet.output and "tests/test_bot.py" not in quiet.output
    asked = runner.invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json", "--include-tests"])
    assert asked.exit_code == 1 and "tests/test_bot.py" in asked.output
    (tmp_path / "riskscan.toml").write_text("include-tests = true\n")
    configured = runner.invoke(main, ["scan", str(tmp_path), "--no-cache", "--format", "json"])
    assert configured.exit_code == 1 and "tests/test_bot.py" in configured.output
