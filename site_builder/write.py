"""Stage 5: write the site into a fresh staging folder and swap it into place
only when the whole build succeeded. A failed build leaves the previous
output untouched; no stale files survive a successful one. The old output,
renamed aside by the swap, is deleted by a process of its own.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def safe_relpath(rel: str) -> str:
    """``rel`` as a path inside the output folder, or ValueError. Checked by
    its text, not by resolving it on disk (a resolve per file was a tenth of a
    build): no absolute path, no ``..`` or empty component, no backslash or
    NUL. URLs are made from validated codes (urls.py); this is the last guard."""
    parts = rel.split("/")
    if (not rel or rel.startswith("/") or "\\" in rel or "\0" in rel
            or any(part in ("", ".", "..") for part in parts)):
        raise ValueError(f"refusing to write outside the output folder: {rel!r}")
    return rel


class Staging:
    """A staging folder beside the output folder (same filesystem, so the
    final swap is two renames)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.path = self.out_dir.parent / f".{self.out_dir.name}.staging-{os.getpid()}"
        self._root = str(self.path)
        self._made: set[str] = set()  # folders known to exist (a mkdir per file was another tenth)

    def write(self, rel: str, data: bytes) -> None:
        target = self.file(rel)
        folder = os.path.dirname(target)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        with open(target, "wb") as fh:
            fh.write(data)

    def open(self, rel: str) -> BinaryIO:
        """A new file at ``rel``, open for writing (for files written in parts)."""
        target = self.file(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return open(target, "wb")

    def file(self, rel: str) -> str:
        return os.path.join(self._root, safe_relpath(rel))

    def commit(self) -> None:
        # unique: an old output of this pid may still be being deleted (pids are reused)
        old = self.out_dir.parent / f"{self.old_prefix}{os.getpid()}-{os.urandom(4).hex()}"
        if self.out_dir.exists():
            os.replace(self.out_dir, old)
        os.replace(self.path, self.out_dir)
        if old.exists():
            remove_detached(old)

    @property
    def old_prefix(self) -> str:
        return f".{self.out_dir.name}.old-"

    def remove_leftovers(self) -> None:
        """Old outputs whose deletion did not finish (the machine stopped)."""
        for p in self.out_dir.parent.glob(f"{self.old_prefix}*"):
            remove_detached(p)

    def discard(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)


# Deletes the folder given, in a process of its own (see remove_detached).
_REMOVE = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def remove_detached(path: Path) -> None:
    """Delete ``path``, an old output already renamed out of the way, in a
    process that outlives this one: the build's result is in place, and
    deleting the ~118,000 files of a 10,000-filing site took 20-40 s on ext4
    (threads did not help: measured), time nobody needs to wait for. A
    deletion that does not finish is taken up by the next full build."""
    try:
        subprocess.Popen([sys.executable, "-c", _REMOVE, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def staging(out_dir: Path) -> Iterator[Staging]:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    st = Staging(out_dir)
    st.remove_leftovers()
    st.discard()
    st.path.mkdir(parents=True)
    try:
        yield st
    except BaseException:
        st.discard()
        raise
    st.commit()
