"""One build at a time into one output folder.

Two builds into the same folder would interleave their writes and delete
each other's cache files. The lock is an advisory ``flock`` on a small file
named after the output folder's path in the system's temporary folder: not
inside the output folder (every full build swaps that folder for a new
one), not beside it (the user's folder stays clean), and not in a
project's cache (two projects may build into one folder). The kernel
releases the lock when its holder dies, however it dies, so a killed build
never leaves a stale lock. The file is left in place (deleting lock files
races with the next taker).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


class OutputBusy(Exception):
    """Another process is building into the same output folder."""


def lock_path(out: Path) -> Path:
    key = hashlib.sha256(os.fsencode(out)).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"site-builder-{os.getuid()}" / f"{key}.lock"


class OutputLock:
    """Held from the start of a build to its end (``with OutputLock(out):``)."""

    def __init__(self, out: Path):
        self.out = out
        self.path = lock_path(out)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            holder = _read_pid(self.path)
            who = f" (process {holder})" if holder else ""
            raise OutputBusy(f"another site-builder{who} is building into {self.out}/ now; "
                             f"wait for it to finish, or build into another folder") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> "OutputLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(out: Path) -> bool:
    """Whether a build holds ``out``'s lock now."""
    path = lock_path(out)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
