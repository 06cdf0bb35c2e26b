"""Where the scan root sits in its git repository: computed by the scan stage, carried in the Report.

GitHub code scanning resolves SARIF paths against the repository root, and a pull-request comment
links to files of the repository, so reports need the scanned folder's path inside the repository
(`services/bot` for a scan of `<repo>/services/bot`), the repository root, and, when known, the
repository's public address and the commit scanned. Outside a git work tree the scan root stands in
for the repository root and nothing else is known.

git runs through `riskscan.discover.git_command` (the repository is not trusted). The remote address is
reduced to scheme, host and path: a token in a URL (`https://x-access-token:...@github.com/...`)
is never carried, and a remote on the local file system (machine-specific) is left out.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from riskscan.discover import git_command
from riskscan.types import Repository

NETWORK_SCHEMES = frozenset({"https", "http", "ssh", "git"})


def locate(root: str) -> Repository:
    """The repository of the scan root `root` (an absolute folder, as Discovery gives it)."""
    scan_root = Path(root)
    top = _git(scan_root, "rev-parse", "--show-toplevel")
    if not top:
        return Repository(root=str(scan_root))
    top_path = Path(top).resolve()
    try:
        inside = scan_root.resolve().relative_to(top_path).as_posix()
    except ValueError:  # a scan root git places elsewhere (a submodule boundary, a symlinked root)
        return Repository(root=str(scan_root))
    revision = _git(scan_root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return Repository(
        root=str(top_path),
        path="" if inside == "." else inside,
        uri=public_uri(_git(scan_root, "remote", "get-url", "origin")),
        revision=revision if _is_object_name(revision) else "",
    )


def public_uri(remote: str) -> str:
    """A remote's address without credentials, query or fragment: `https://github.com/o/r`,
    `ssh://github.com/o/r.git` for scp-like `git@github.com:o/r.git`; '' for a local path or
    anything that is not a network address."""
    remote = remote.strip()
    if not remote:
        return ""
    if "://" not in remote:
        host, colon, path = remote.partition(":")
        # scp-like syntax: [user@]host:path, where host has no slash (else it is a local path)
        if not colon or "/" in host or not path or len(host.rpartition("@")[2]) < 2:
            return ""
        remote = f"ssh://{host.rpartition('@')[2]}/{path.lstrip('/')}"
    try:
        parts = urlsplit(remote)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in NETWORK_SCHEMES or not hostname:
        return ""
    host = f"[{hostname}]" if ":" in hostname else hostname  # an IPv6 address
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, "", ""))


def _is_object_name(text: str) -> bool:
    return len(text) in (40, 64) and all(char in "0123456789abcdef" for char in text)


def _git(folder: Path, *args: str) -> str:
    """git's first line of output, '' when git is missing, fails or takes too long."""
    try:
        completed = git_command.run(folder, *args, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if completed.returncode != 0:
        return ""
    lines = git_command.text(completed).splitlines()
    return lines[0].strip() if lines else ""
