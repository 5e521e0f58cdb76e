"""The build command's entry point and the page renderer.

    filings → validate → analyze → pages → render → write → index
    (incremental.Builder.prepare)  (Builder.build)   (write.py, search.py)

``build()`` keeps a cache of the last build into the same folder, so a
repeated build re-renders only what changed; ``clean=True`` ignores it.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Callable

from .pages import Page
from .render import Renderer
from .incremental import Builder, BuildError, BuildReport, Project, State, load_state, save_state, state_path


def render_page(renderer: Renderer, page: Page) -> bytes:
    try:
        return renderer.render(page.template, page.context())
    except Exception as exc:  # name the page and template, keep the cause
        raise BuildError([], f"rendering {page.url} with layouts/{page.template} failed: {exc}") from exc


# Set just before forking workers; children inherit it copy-on-write, so the
# site model is never pickled.
_FORK_STATE: tuple | None = None

RENDER_CHUNK = 200  # pages a worker takes at a time
RENDER_POOL_MIN = 400  # fewer pages than this are rendered in this process
DATA_CHUNK = 20  # filings' downloads a worker takes at a time


def _render_chunk(task: tuple[str, int, int]) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    """One task of a worker: pages[start:stop] or filings[start:stop]'s downloads."""
    assert _FORK_STATE is not None
    renderer, pages, write, filings, filing_data = _FORK_STATE
    kind, start, stop = task
    if kind == "pages":
        return {page.output: write(page.output, render_page(renderer, page)) for page in pages[start:stop]}, {}
    hashes, chunks = {}, {}
    for info in filings[start:stop]:
        files, chunks[info.dep] = filing_data(info)
        for rel, data in files.items():
            hashes[rel] = write(rel, data)
    return hashes, chunks


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_pages(renderer: Renderer, pages: list[Page], write: Callable[[str, bytes], str],
                 progress: Callable[[int, int], None] | None = None, jobs: int = 1,
                 filings: list | None = None, filing_data: Callable | None = None, local: list[Page] | None = None
                 ) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    """Render and write every page, and each filing's downloads
    (``filing_data(info)`` → (files, chunks of the site-wide files));
    ``write`` returns the hash of the bytes. With jobs > 1 the work is split
    over forked worker processes in runs of consecutive pages (a filing's
    pages follow each other, so a worker unpickles each whole filing once:
    ``analyze.full_info``), while this process renders the ``local`` pages:
    pages that list filings from all over the site, which a forked worker
    would render by touching, and so copying, most of the site model (at
    10,000 filings each worker copied ~400 MB). Each file's bytes do not
    depend on the split. Returns ({output path: hash}, {filing dep: chunks})."""
    global _FORK_STATE
    filings = filings or []
    local = local or []
    total = len(pages)
    hashes: dict[str, str] = {}
    chunks: dict[str, dict[str, bytes]] = {}
    if jobs > 1 and total >= RENDER_POOL_MIN and "fork" in mp.get_all_start_methods():
        tasks = [("pages", i, i + RENDER_CHUNK) for i in range(0, total, RENDER_CHUNK)]
        tasks += [("filings", i, i + DATA_CHUNK) for i in range(0, len(filings), DATA_CHUNK)]
        _FORK_STATE = (renderer, pages, write, filings, filing_data)
        done = 0
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                results = pool.imap(_render_chunk, tasks)  # the workers start on them now
                for page in local:
                    hashes[page.output] = write(page.output, render_page(renderer, page))
                for (kind, start, stop), (part, part_chunks) in zip(tasks, results):
                    hashes.update(part)
                    chunks.update(part_chunks)
                    if kind == "pages":
                        done = min(stop, total)
                        if progress and (done % 10_000 < RENDER_CHUNK or done == total):
                            progress(done, total)
        finally:
            _FORK_STATE = None
        return hashes, chunks
    for n, page in enumerate(pages + local, 1):
        hashes[page.output] = write(page.output, render_page(renderer, page))
        if progress and (n % 2000 == 0 or n == total + len(local)):
            progress(n, total + len(local))
    for info in filings:
        files, chunks[info.dep] = filing_data(info)
        for rel, data in files.items():
            hashes[rel] = write(rel, data)
    return hashes, chunks


def build(root: Path, out_dir: Path, *, base_path: str | None = None, search: bool = False,
          jobs: int | None = None, clean: bool = False, log: Callable[[str], None] | None = None) -> BuildReport:
    """Build ``root``'s site into ``out_dir``. Re-uses the cache of the last
    build into the same folder (unchanged filings are not re-parsed, unchanged
    pages not re-rendered) unless ``clean``; the output is identical either way."""
    path = state_path(Path(root), Path(out_dir))
    state = State() if clean else load_state(path)
    builder = Builder(Path(root), Path(out_dir), base_path=base_path, state=state)
    report = builder.build(clean=clean, search=search, jobs=jobs or default_jobs(), log=log)
    save_state(path, builder.state)
    return report
