"""Stage 5: write the site into a fresh staging folder and swap it into place
only when the whole build succeeded. A failed build leaves the previous
output untouched; no stale files survive a successful one.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class Staging:
    """A staging folder beside the output folder (same filesystem, so the
    final swap is two renames)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.resolve()
        self.path = self.out_dir.parent / f".{self.out_dir.name}.staging-{os.getpid()}"

    def write(self, rel: str, data: bytes) -> None:
        target = self.file(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def file(self, rel: str) -> Path:
        target = (self.path / rel).resolve()
        # never write outside the staging folder, whatever a URL says
        if self.path != target and self.path not in target.parents:
            raise ValueError(f"refusing to write outside the output folder: {rel!r}")
        return target

    def commit(self) -> None:
        old = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        if self.out_dir.exists():
            os.replace(self.out_dir, old)
        os.replace(self.path, self.out_dir)
        if old.exists():
            shutil.rmtree(old)

    def discard(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)


@contextmanager
def staging(out_dir: Path) -> Iterator[Staging]:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    st = Staging(out_dir)
    st.discard()
    st.path.mkdir(parents=True)
    try:
        yield st
    except BaseException:
        st.discard()
        raise
    st.commit()
