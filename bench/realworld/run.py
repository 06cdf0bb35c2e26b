"""Scan the real projects of projects.yaml and score each against its reviewed expectations.

    python bench/realworld/run.py                   # every project: the table, then what to review
    python bench/realworld/run.py --only mcp-server-git --show
    python bench/realworld/run.py --markdown        # the table for docs/benchmarks.md
    python bench/realworld/run.py --rescore         # after editing expectations: no new scan

Each project is a source distribution from the package index, pinned by version and sha256,
downloaded once into the work folder (`pip download --no-deps --no-binary :all:`) and unpacked
there — or, for a framework whose examples ship only in its repository, a GitHub repository at a
commit (`repository: owner/name`, `commit:`), read from a local git mirror when `--mirrors DIR`
holds one (`DIR/owner+name/repo` or `DIR/owner/name.git`), else downloaded from codeload.github.com
at that commit. Nothing of it is committed, and it is never run: riskscan only reads it. Exit 1
when a finding has no verdict or a download does not match its pin, so a change that moves what
riskscan reports cannot pass unread.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scoring  # noqa: E402

CHECKOUT = HERE.parents[1]
DEFAULT_WORK = Path(tempfile.gettempdir()) / "riskscan-realworld"


def load_projects() -> list[dict]:
    return yaml.safe_load((HERE / "projects.yaml").read_text(encoding="utf-8"))["projects"]


def fetch(project: dict, work: Path, mirrors: Path | None = None) -> Path:
    """The unpacked source distribution of the project, downloaded and checked once."""
    if "repository" in project:
        return fetch_repository(project, work, mirrors)
    name, _, version = project["sdist"].partition("==")
    unpacked = work / "src" / f"{name}-{version}"
    if (unpacked / ".complete").exists():
        return unpacked / project["root"]
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = _archive(downloads, name, version)
    if archive is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        project["sdist"], "-d", str(downloads)], check=True)
        archive = _archive(downloads, name, version)
        if archive is None:
            raise SystemExit(f"pip download {project['sdist']} left no {name}-{version}.tar.gz in {downloads}")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != project["sha256"]:
        raise SystemExit(f"{archive.name}: sha256 {digest} is not the pinned {project['sha256']}")
    unpacked.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    [top] = [p for p in unpacked.iterdir() if p.is_dir()]
    for item in top.iterdir():
        item.rename(unpacked / item.name)
    top.rmdir()
    (unpacked / ".complete").write_text("")
    return unpacked / project["root"]


def fetch_repository(project: dict, work: Path, mirrors: Path | None) -> Path:
    """The project's folder of a GitHub repository at the pinned commit: from a local mirror (git
    checks the commit is there), else the codeload tarball of that commit."""
    repository, commit, root = project["repository"], project["commit"], project["root"]
    unpacked = work / "src" / f"{repository.replace('/', '+')}-{commit[:12]}"
    complete = unpacked / f".complete-{root.replace('/', '+')}"  # several projects may read one repository
    if complete.exists():
        return unpacked / root
    unpacked.mkdir(parents=True, exist_ok=True)
    owner, name = repository.split("/")
    if (unpacked / root).is_dir() and not mirrors:  # the whole tarball was unpacked for another root
        complete.write_text("")
        return unpacked / root
    candidates = [mirrors / f"{owner}+{name}" / "repo", mirrors / owner / f"{name}.git"] if mirrors else []
    mirror = next((c for c in candidates if c.is_dir()), None)
    if mirror is not None:
        _extract_from_mirror(mirror, commit, root, unpacked)
    else:
        url = f"https://codeload.github.com/{repository}/tar.gz/{commit}"
        with urllib.request.urlopen(url, timeout=120) as response, tarfile.open(fileobj=io.BytesIO(response.read()), mode="r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        [top] = [p for p in unpacked.iterdir() if p.is_dir()]
        for item in top.iterdir():
            item.rename(unpacked / item.name)
        top.rmdir()
    complete.write_text("")
    return unpacked / root


def _extract_from_mirror(mirror: Path, commit: str, root: str, into: Path) -> None:
    """The files under `root` at `commit`, one by one: a shallow or partial mirror may lack some
    blobs (large data files), which are named and left out rather than failing the run."""
    listing = subprocess.run(["git", "--git-dir", str(mirror), "ls-tree", "-r", "-z", commit, "--", root],
                             capture_output=True, check=True).stdout.decode("utf-8", "surrogateescape")
    missing = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind != "blob" or mode == "120000":
            continue
        content = subprocess.run(["git", "--git-dir", str(mirror), "cat-file", "blob", blob], capture_output=True, check=False)
        if content.returncode != 0:
            missing.append(path)
            continue
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.stdout)
    if missing:
        print(f"{mirror}: {len(missing)} files not in the mirror, left out: {', '.join(missing[:5])}", file=sys.stderr)


def _archive(downloads: Path, name: str, version: str) -> Path | None:
    """The sdist of NAME==VERSION among the downloads, whichever spelling of the name it uses
    (`mcp-server-git` is shipped as mcp_server_git-...)."""
    spellings = {f"{name}-{version}.tar.gz".lower(), f"{name.replace('-', '_')}-{version}.tar.gz".lower()}
    return next((p for p in downloads.glob("*.tar.gz") if p.name.lower() in spellings), None)


def scan(folder: Path, options: list[str], work: Path, again: bool = True) -> dict:
    output = work / "reports" / f"{folder.parent.name}-{folder.name}.json"
    if not again and output.exists():
        return json.loads(output.read_text(encoding="utf-8"))
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "riskscan", "scan", str(folder), "--format", "json", "-o", str(output),
               "--no-cache", "--exit-zero", "--workers", "1", *options]
    completed = subprocess.run(command, cwd=folder, capture_output=True, text=True, env={"PYTHONPATH": str(CHECKOUT), "PATH": "/usr/bin:/bin"})
    if completed.returncode != 0:
        raise SystemExit(f"riskscan failed on {folder} (exit {completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(output.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="score only this project (repeatable)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"downloads, sources and reports (default {DEFAULT_WORK})")
    parser.add_argument("--mirrors", type=Path, help="a folder of local git mirrors of the repository projects (owner+name/repo or owner/name.git)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--show", action="store_true", help="list every finding with its verdict")
    parser.add_argument("--rescore", action="store_true", help="score the reports of the last run again, without scanning")
    args = parser.parse_args(argv)
    scores, incomplete = [], False
    for project in load_projects():
        if args.only and project["name"] not in args.only:
            continue
        report = scan(fetch(project, args.work, args.mirrors), project.get("options", []), args.work, again=not args.rescore)
        document = yaml.safe_load((HERE / "expectations" / f"{project['name']}.yaml").read_text(encoding="utf-8"))
        verdicts, misses = scoring.parse_expectations(document, f"expectations/{project['name']}.yaml")
        result = scoring.score(project["name"], report, verdicts, misses)
        scores.append(result)
        if args.show:
            for finding in report["findings"]:
                match = next((v for v in verdicts if v.matches(finding)), None)
                print(f"  {project['name']}: {scoring.describe(finding)} {scoring.evidence_basis(finding)}: "
                      f"{match.verdict + ' - ' + match.why if match else 'UNREVIEWED'}")
        for line in result.unreviewed:
            print(f"{project['name']}: no verdict for {line}", file=sys.stderr)
            incomplete = True
        for line in result.now_found:
            print(f"{project['name']}: a known miss is now reported, review it: {line}", file=sys.stderr)
        for line in result.unused:
            print(f"{project['name']}: a verdict matched no finding (fixed, or moved): {line}", file=sys.stderr)
    print(scoring.table(scores, markdown=args.markdown), end="")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
