"""Run riskscan with stdout (and stderr, unless told) on a pseudo-terminal, as a person's shell would."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_on_a_terminal(*args: str, env: dict[str, str], stderr_on_terminal: bool = True) -> tuple[str, str]:
    """What the terminal got, and what stderr got when it was a pipe ('' when it was the terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "riskscan", *args], cwd=REPO, stdout=follower,
                               stderr=follower if stderr_on_terminal else subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    piped = process.stderr.read().decode() if process.stderr else ""
    process.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace"), piped
