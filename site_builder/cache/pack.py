"""Bytes set aside on disk instead of in memory.

A parse worker of a full build appends each filing's whole pickle and its
rows of the site-wide downloads to a pack file in the cache folder and hands
the parent only where they are (a ``Ref``). At 10,000 filings that keeps
~450 MB out of the parent (and out of every forked render worker), and the
build cache saved at the end refers to the same files instead of pickling
the bytes again. A ``Ref`` is read with ``os.pread``, so forked processes
share open files safely.

Pack files are named after the build cache that refers to them; ``prune``
deletes those of that cache that its saved state no longer refers to.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, NamedTuple

_FDS: dict[str, int] = {}  # path → read-only descriptor, per process


class Ref(NamedTuple):
    path: str
    offset: int
    length: int

    def read(self) -> bytes:
        fd = _FDS.get(self.path)
        if fd is None:
            fd = _FDS[self.path] = os.open(self.path, os.O_RDONLY)
        data = os.pread(fd, self.length, self.offset)
        if len(data) != self.length:
            raise OSError(f"pack file {self.path} is shorter than expected (the build cache is damaged)")
        return data


def payload(value: bytes | Ref | None) -> bytes | None:
    """The bytes of ``value``, read from its pack file if it is a Ref."""
    return value.read() if isinstance(value, Ref) else value


class PackWriter:
    """Appends to a pack file of its own in each process that uses it."""

    def __init__(self, folder: Path, prefix: str):
        self.folder = Path(folder)
        self.prefix = prefix
        self._fd: int | None = None
        self._pid = 0
        self._path = ""
        self._offset = 0

    def put(self, data: bytes) -> Ref:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own file
            self.folder.mkdir(parents=True, exist_ok=True)
            self._pid = os.getpid()
            self._path = str(self.folder / f"{self.prefix}-{self._pid}-{os.urandom(4).hex()}.pack")
            self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            self._offset = 0
        ref = Ref(self._path, self._offset, len(data))
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        self._offset += len(data)
        return ref


def prune(folder: Path, prefix: str, keep: Iterable[str]) -> None:
    """Delete the pack files of ``prefix`` in ``folder`` that are not in ``keep``."""
    keep = set(keep)
    if not folder.is_dir():
        return
    for p in folder.glob(f"{prefix}-*.pack"):
        if str(p) not in keep:
            fd = _FDS.pop(str(p), None)
            if fd is not None:
                os.close(fd)
            p.unlink(missing_ok=True)
