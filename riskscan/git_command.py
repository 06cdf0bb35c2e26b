"""git, run on a repository riskscan scans, and so does not trust.

A repository's own configuration (`.git/config`, anything it includes) can make git run programs:
`core.fsmonitor` on every command that refreshes the index (`ls-files`, `diff`), filter drivers
(`filter.<name>.clean`) whenever git reads a working-tree file to compare it, external diff and
textconv drivers when it shows a diff. riskscan runs git only through `run`, with the first turned
off on the command line (which outranks every configuration file), and never asks git to read
working-tree contents: `riskscan.diff` hashes them itself.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SAFE_OPTIONS = ("-c", "core.fsmonitor=false")


def run(folder: str | Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """`git -C folder <args>` with the repository's hooks into running programs turned off. Raises
    OSError (no git) and subprocess.TimeoutExpired."""
    return subprocess.run(["git", "-C", str(folder), *SAFE_OPTIONS, *args], capture_output=True, timeout=timeout, check=False)


def text(completed: subprocess.CompletedProcess[bytes]) -> str:
    """Output as text; file names that are not UTF-8 keep their bytes (surrogate escapes)."""
    return completed.stdout.decode("utf-8", "surrogateescape")
