"""The per-user secret key of the cache's entry MACs (riskscan/cache/), kept in the cache root.

Made once with os.urandom, written to a fresh file (O_EXCL|O_NOFOLLOW, mode 0600) and linked into
place, so that concurrent runs see no key or the whole key. A root that is a symbolic link or not a
folder of the user's, or a key file that is not the user's own 0600 regular file of 32 bytes, is
not trusted: the cache is then not used.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KEY_FILE = "integrity.key"  # in the cache root
_KEY_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_POSIX = os.name == "posix"


class UntrustedCache(Exception):
    """Why a cache folder is not used."""


def read_entry(path: Path) -> bytes:
    """An entry's bytes, never through a symbolic link."""
    handle = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_BINARY", 0))
    with os.fdopen(handle, "rb") as entry:
        return entry.read()


def user_key(root: Path) -> bytes:
    """The secret key in the cache root, created (32 random bytes, mode 0600, never through a
    symbolic link, whole or not at all) when there is none. Raises UntrustedCache when the root is
    a symbolic link or not a folder of the user's, or the key file is not a regular file of the
    user's, readable by the user alone, of the right length."""
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        try:
            os.makedirs(root, mode=0o700, exist_ok=True)
            info = os.lstat(root)
        except OSError as error:
            raise UntrustedCache(f"it cannot be made ({error.strerror})") from error
    except OSError as error:
        raise UntrustedCache(f"it cannot be read ({error.strerror})") from error
    if stat.S_ISLNK(info.st_mode):
        raise UntrustedCache("it is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise UntrustedCache("it is not a folder")
    if _POSIX and info.st_uid != os.getuid():
        raise UntrustedCache("it belongs to another user")
    path = root / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    _make_key(root, path)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        handle = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise
    except OSError as error:  # ELOOP: a symbolic link
        raise UntrustedCache(f"its key file {KEY_FILE} cannot be opened safely ({error.strerror})") from error
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedCache(f"its key file {KEY_FILE} is not a regular file")
        if _POSIX and info.st_uid != os.getuid():
            raise UntrustedCache(f"its key file {KEY_FILE} belongs to another user")
        if _POSIX and stat.S_IMODE(info.st_mode) != 0o600:
            raise UntrustedCache(f"its key file {KEY_FILE} has mode {stat.S_IMODE(info.st_mode):04o}, not 0600")
        secret = os.read(handle, _KEY_BYTES + 1)
    finally:
        os.close(handle)
    if len(secret) != _KEY_BYTES:
        raise UntrustedCache(f"its key file {KEY_FILE} is not {_KEY_BYTES} bytes long")
    return secret


def _make_key(root: Path, path: Path) -> None:
    """Write a new key to a fresh file beside `path` (O_EXCL|O_NOFOLLOW, 0600) and link it into
    place, so that a concurrent run sees either no key or the whole key; the run that loses the
    race uses the winner's. Where there are no hard links, the key file is created exclusively."""
    temporary = root / f".{KEY_FILE}.{os.getpid()}.{os.urandom(8).hex()}"
    try:
        _write_new(temporary, os.urandom(_KEY_BYTES))
        try:
            os.link(temporary, path)  # never replaces: FileExistsError when a key is there
        except FileExistsError:
            pass  # another run made it first
        except OSError:
            try:
                _write_new(path, os.urandom(_KEY_BYTES))
            except FileExistsError:
                pass
    except OSError as error:
        raise UntrustedCache(f"its key file {KEY_FILE} cannot be made ({error.strerror})") from error
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _write_new(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
