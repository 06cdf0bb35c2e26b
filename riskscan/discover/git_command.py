"""git, run on a repository riskscan scans, and so does not trust.

A repository's own configuration (`.git/config`, anything it includes) can make git run programs:
`core.fsmonitor` on every command that refreshes the index (`ls-files`, `diff`), filter drivers
(`filter.<name>.clean`) whenever git reads a working-tree file to compare it, external diff and
textconv drivers when it shows a diff. riskscan runs git only through `run`, with the first turned
off on the command line (which outranks every configuration file), and never asks git to read
working-tree contents: `riskscan.triage.diff` hashes them itself.

Nor are the paths git prints trusted: git never writes an index entry such as `../x` or `/etc/x`,
but a repository that ships its own `.git` folder ships its index too, crafted as it likes, and
`git ls-files` lists what the index holds. `leaves_folder` tells such a path; `riskscan.discover` also
drops the paths below a folder that is now a link out of the scan root.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

SAFE_OPTIONS = ("-c", "core.fsmonitor=false")


def run(folder: str | Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """`git -C folder <args>` with the repository's hooks into running programs turned off. Raises
    OSError (no git) and subprocess.TimeoutExpired."""
    return subprocess.run(["git", "-C", str(folder), *SAFE_OPTIONS, *args], capture_output=True, timeout=timeout, check=False)


def text(completed: subprocess.CompletedProcess[bytes]) -> str:
    """Output as text; file names that are not UTF-8 keep their bytes (surrogate escapes)."""
    return completed.stdout.decode("utf-8", "surrogateescape")


def leaves_folder(name: str) -> str | None:
    """Why the path `name`, as git lists it relative to the folder it ran in, is not a path below
    that folder (absolute, a drive, a `..` part, an empty part, a NUL); None when it is one."""
    if not name or "\0" in name:
        return "an empty path or one with a NUL"
    if PurePosixPath(name).is_absolute() or os.path.isabs(name) or os.path.splitdrive(name)[0]:
        return "an absolute path"
    parts = name.split("/")
    if ".." in parts:
        return "a path with a `..` part"
    if "" in parts or "." in parts:
        return "a path with an empty or `.` part"
    return None
