"""Reading the files a user or a scanned repository names for riskscan itself: configuration,
suppressions, baselines, rulesets, saved reports.

`read_bounded` is the one way they are read. It opens only regular files: the name is opened
non-blocking (a FIFO does not hang the open) and the open file's own status decides, so a device
(`/dev/zero`), a FIFO, a socket or a folder is refused before a byte is read, whatever link led
there. It reads at most `limit` bytes: a longer file is refused rather than read whole. Both
refusals are OSErrors with a `strerror` that says which, so callers report them like any other
file that cannot be read, naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

LIMIT = 32_000_000  # bytes: far above any real configuration, baseline or ruleset, far below a memory error


class NotRegularFile(OSError):
    """The name leads to a device, a FIFO, a socket or a folder."""


class TooLarge(OSError):
    """The file holds more than the bytes allowed."""


def read_bounded(path: str | os.PathLike, limit: int = LIMIT) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them; OSError otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(Path(path), flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file (a device, FIFO, socket or folder is never read)", str(path))
        if status.st_size > limit:
            raise TooLarge(errno.EFBIG, f"larger than {limit:,} bytes ({status.st_size:,})", str(path))
        chunks, size = [], 0
        while size <= limit:  # the size can grow while it is read: never past the bound
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise TooLarge(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_text_bounded(path: str | os.PathLike, limit: int = LIMIT, encoding: str = "utf-8") -> str:
    """`read_bounded`, decoded (UnicodeDecodeError when it is not `encoding`)."""
    return read_bounded(path, limit).decode(encoding)
