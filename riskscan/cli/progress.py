"""The progress display a scan shows on a terminal: one tqdm bar per stage (discovering,
surveying, reading, solving), from the first file on, wiped at the end.

Only on a terminal and never in CI (`CI` set, as every CI service does): a log gets no
carriage-return noise. tqdm is imported only when the display is shown, so `riskscan --help`
and piped or quiet runs never load it.
"""

from __future__ import annotations

import os

LABELS = {"discovering": "discovering files", "surveying": "surveying Python files", "reading": "reading files",
          "solving": "solving"}


def progress_display(stream):
    """A callable `show(stage, done, total)` that draws the progress of each stage on `stream`
    (a count of files when `total` is given) and wipes it at stage "done"; None when `stream` is
    not a terminal or the run is in CI."""
    if not _is_terminal(stream) or os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the reading pool forks after the bar starts
    current: dict[str, object] = {"stage": None, "bar": None}

    def show(stage: str, done: int, total: int) -> None:
        bar = current["bar"]
        if stage != current["stage"]:
            if bar is not None:
                bar.close()
            current["stage"], current["bar"] = stage, None
            if stage == "done":
                return
            counted = {} if total else {"bar_format": "{desc} ..."}  # not counted: the stage alone
            bar = tqdm(total=total or None, desc=f"riskscan: {LABELS.get(stage, stage)}", file=stream, leave=False,
                       unit=" files", initial=done, mininterval=0.1, delay=0, **_size(stream), **counted)
            current["bar"] = bar
        if bar is None:
            return
        if total and bar.total != total:
            bar.total = total
        if done != bar.n:
            bar.update(done - bar.n)

    return show


def _size(stream) -> dict:
    """Follow the terminal's size; 80 by 24 when it has none (a fresh pseudo-terminal says 0 by 0,
    and tqdm draws nothing in 0 rows)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        size = os.terminal_size((0, 0))
    return {"dynamic_ncols": True} if size.columns and size.lines else {"ncols": 80, "nrows": 24}


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
