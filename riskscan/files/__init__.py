"""How riskscan writes its own files (reports, baselines, the lockfile, probe manifests) and reads
the ones named for it: one way each, that a scanned repository cannot turn against the person
running riskscan.

The repository may ship a symbolic link where riskscan writes (`riskscan.sarif -> ~/.bashrc`,
`riskscan.lock.json -> ...`, a `.riskscan` folder that is a link out of the project). So a file is
never opened for writing by its name: the text goes to a new temporary file created in the
target's own folder (O_CREAT | O_EXCL | O_NOFOLLOW, mode 0644 under the umask; an existing
regular file's permissions are kept), is flushed to disk, and is renamed onto the target.
A rename replaces a symbolic link itself, never the file it points to.

The rule for where a file may go:
- the path the user gave (`-o`, `--FORMAT-output`, `--write-baseline`) is taken as given: its
  folder must exist (riskscan creates none), its last component is replaced if it is a link to a
  file (or to nothing); a link elsewhere to a device, a pipe or a folder (one that a repository
  ships to `/dev/sda`) is refused, neither replaced nor followed; a device or a FIFO
  named itself (`-o /dev/null`, a named pipe), or a link in /dev or /proc (`-o /dev/stdout`, where
  no repository puts anything), is written into as the shell's `>` would: replacing one, as root,
  would break the machine;
- a file riskscan places inside a folder the user named (`lock`: ROOT/riskscan.lock.json;
  `probe`: ROOT/.riskscan/probe/...) is written there only if every folder between the named one
  and the file resolves inside the named one; the missing ones are created, one at a time, and
  none is ever created through a link that leads out. Otherwise nothing is written and the
  error names the path.

Reading: the files a user or a scanned repository names for riskscan itself (configuration,
suppressions, baselines, rulesets, saved reports).

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
import secrets
import stat
from pathlib import Path

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class OutsideError(OSError):
    """The file would land outside the folder the user named (through a link in the repository)."""


def write_new_or_replace(path: str | os.PathLike, text: str, inside: str | os.PathLike | None = None) -> Path:
    """Write `text` (UTF-8, as is) to `path` by replacing it with a new file; `inside`: the folder the
    user named, which the file must not leave (its missing folders below `inside` are created).
    Raises OSError (OutsideError when the path leads out of `inside`) with `strerror` set."""
    target = Path(path)
    if inside is not None:
        make_folders_inside(inside, target.parent)
    folder = target.parent
    data = text.encode("utf-8")
    mode = 0o644
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(target))
    if existing is not None and stat.S_ISLNK(existing.st_mode) and _is_system_folder(folder):
        _write_into(target, data, follow=True)  # /dev/stdout, /dev/fd/3, /proc/self/fd/1: the user's own descriptors
        return target
    if existing is not None and stat.S_ISLNK(existing.st_mode) and not _links_to_a_file_or_nothing(target):
        raise OSError(errno.EPERM, "a symbolic link to a device, a pipe or a folder: neither replaced nor written through",
                      str(target))
    if inside is None and existing is not None and not stat.S_ISREG(existing.st_mode) and not stat.S_ISLNK(existing.st_mode):
        _write_into(target, data)  # a device or a FIFO the user named (/dev/null, a named pipe): never replaced
        return target
    if existing is not None and stat.S_ISREG(existing.st_mode):
        mode = stat.S_IMODE(existing.st_mode)
    temporary = folder / f".{target.name[:200]}.{secrets.token_hex(6)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o644)
    try:
        try:
            if existing is not None and stat.S_ISREG(existing.st_mode) and hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return target


def _links_to_a_file_or_nothing(link: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(link).st_mode)
    except OSError:  # a dangling link, or a loop: replacing it touches nothing else
        return True


def _is_system_folder(folder: Path) -> bool:
    """/dev and /proc (and below): no repository puts a link there, and the links there (/dev/stdout
    -> /proc/self/fd/1) stand for open descriptors that must be written into, never replaced."""
    real = os.path.realpath(folder)
    return any(real == top or real.startswith(top + "/") for top in ("/dev", "/proc"))


def _write_into(target: Path, data: bytes, follow: bool = False) -> None:
    """Write into an existing device, FIFO or descriptor link, as the shell's `>` would (truncating)."""
    flags = os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOCTTY", 0) | (0 if follow else NOFOLLOW)
    descriptor = os.open(target, flags)
    try:
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def make_folders_inside(inside: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Create the folders from `inside` down to `folder`, refusing (OutsideError) any that is or
    resolves outside `inside`, before creating anything through it. Returns `folder`."""
    inside, folder = Path(inside), Path(folder)
    base = Path(os.path.realpath(inside))
    try:
        below = Path(os.path.abspath(folder)).relative_to(os.path.abspath(inside))
    except ValueError:
        raise OutsideError(errno.EPERM, f"not inside {inside}", str(folder)) from None
    if ".." in below.parts:
        raise OutsideError(errno.EPERM, f"not inside {inside}", str(folder))
    current = Path(inside)
    for part in below.parts:
        current = current / part
        if os.path.islink(current) and not _is_inside(base, Path(os.path.realpath(current))):
            raise OutsideError(errno.EPERM, f"a symbolic link to {os.path.realpath(current)}, outside {inside}; nothing written",
                               str(current))
        if not os.path.lexists(current):
            os.mkdir(current)
        elif not os.path.isdir(current):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(current))
    if not _is_inside(base, Path(os.path.realpath(folder))):  # a link inside, to a link out
        raise OutsideError(errno.EPERM, f"leads outside {inside}; nothing written", str(folder))
    return folder


def _is_inside(base: Path, path: Path) -> bool:
    return path == base or path.is_relative_to(base)


# --- reading ---------------------------------------------------------------------------------------

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
