"""The progress line a long scan shows on a terminal."""

from __future__ import annotations

import time


def progress_display(stream, delay: float = 0.5):
    """A one-line progress display for a terminal: files read, then solving, rewritten in place
    and wiped at the end; nothing when `stream` is not a terminal or before `delay` seconds."""
    if not stream.isatty():
        return None
    start = time.monotonic()
    shown = [False]

    def show(stage: str, done: int, total: int) -> None:
        if stage == "done":
            if shown[0]:
                stream.write("\r\033[K")
                stream.flush()
            return
        if time.monotonic() - start < delay:
            return
        text = f"riskscan: reading files {done}/{total}" if stage == "reading" else "riskscan: solving"
        stream.write("\r\033[K" + text)
        stream.flush()
        shown[0] = True

    return show
