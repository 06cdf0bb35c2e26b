"""Where the scan root sits in its repository (riskscan.scan.repository), and the SARIF of a real scan of a
subfolder of a git repository: paths from the repository root, the remote without its token."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from riskscan.report import render
from riskscan.scan import scan
from riskscan.scan.repository import locate, public_uri
from riskscan.types import Config, Repository

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-desk"
TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"  # the shape of a GitHub Actions token


def git(folder: Path, *args: str) -> str:
    command = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repository(tmp_path) -> Path:
    """A repository whose agent lives in services/bot, cloned with a token in the remote URL, as
    some CI set-ups do."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "services" / "bot")
    git(root.parent, "init", "-q", str(root))
    git(root, "remote", "add", "origin", f"https://x-access-token:{TOKEN}@github.com/someone/project.git")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the bot")
    return root


@pytest.mark.parametrize("remote, expected", [
    ("https://github.com/someone/project.git", "https://github.com/someone/project.git"),
    (f"https://x-access-token:{TOKEN}@github.com/someone/project", "https://github.com/someone/project"),
    (f"https://{TOKEN}@github.com/someone/project?token={TOKEN}#frag", "https://github.com/someone/project"),
    ("git@github.com:someone/project.git", "ssh://github.com/someone/project.git"),
    ("ssh://git@gitlab.example.com:2222/group/project.git", "ssh://gitlab.example.com:2222/group/project.git"),
    ("HTTPS://GitHub.com/someone/project", "https://github.com/someone/project"),
    ("/srv/git/project.git", ""),  # a folder of this machine: no public address
    ("../project.git", ""),
    ("file:///srv/git/project.git", ""),
    ("C:/repos/project", ""),  # a Windows path is not scp-like
    ("https://[::1", ""),  # not a URL at all
    ("", ""),
])
def test_a_remote_is_reduced_to_its_public_address(remote, expected):
    assert public_uri(remote) == expected
    assert TOKEN not in public_uri(remote)


def test_a_subfolder_of_a_repository_knows_its_place_the_remote_and_the_commit(repository):
    head = git(repository, "rev-parse", "HEAD")
    assert locate(str((repository / "services" / "bot").resolve())) == Repository(
        root=str(repository.resolve()), path="services/bot", uri="https://github.com/someone/project.git", revision=head
    )
    assert locate(str(repository.resolve())).path == ""


def test_outside_git_the_scan_root_is_the_repository(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "bot")
    assert locate(str(tmp_path / "bot")) == Repository(root=str(tmp_path / "bot"))


def test_a_repository_without_commits_has_no_revision(tmp_path):
    git(tmp_path, "init", "-q", str(tmp_path / "fresh"))
    found = locate(str((tmp_path / "fresh").resolve()))
    assert (found.path, found.uri, found.revision) == ("", "", "")


def test_the_sarif_of_a_subfolder_scan_points_at_files_of_the_repository(repository):
    report = scan(str(repository / "services" / "bot"), Config(cache=False, workers=1))
    text = render(report, "sarif")
    assert TOKEN not in text and "x-access-token" not in text
    [run] = json.loads(text)["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"services/bot/.mcp.json", "services/bot/support_desk/tools.py"}
    assert all((repository / uri).is_file() for uri in uris)  # each names a file the repository has
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repository.resolve().as_uri() + "/"
    assert run["versionControlProvenance"] == [{
        "repositoryUri": "https://github.com/someone/project.git", "revisionId": git(repository, "rev-parse", "HEAD"),
        "mappedTo": {"uriBaseId": "%SRCROOT%"},
    }]
