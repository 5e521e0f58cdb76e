"""The whole build, readable top to bottom:

    filings → validate → analyze → pages → render → write (staging) → index → swap
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Callable

from .analyze import analyze_filing, build_site_model, SiteModel
from .categories import load_taxonomy
from .config import load_config
from .load import Problem
from .pages import Page, build_pages, load_markdown_pages
from .render import Renderer
from .validate import validate_paths
from .incremental import Builder, BuildError, BuildReport, Project, State, load_state, save_state, state_path


def load_site(project: Project, base_path: str | None = None):
    """Validate and analyze everything (no caching); raise BuildError on any error."""
    config = load_config(project.content, base_path)
    result = validate_paths([project.content / "filings"])
    if result.errors:
        raise BuildError(result.errors)
    if not result.filings:
        raise BuildError([Problem(str(project.content / "filings"), 1, 1, "error", "no filings found")])
    taxonomy = load_taxonomy(project.content / "taxonomy.yaml")
    infos = [analyze_filing(lf, taxonomy) for lf in result.filings]
    site = build_site_model(infos, taxonomy)
    md_pages = load_markdown_pages(project.content / "pages")
    return config, site, md_pages, result.warnings


def render_page(renderer: Renderer, page: Page) -> bytes:
    try:
        return renderer.render(page.template, page.context())
    except Exception as exc:  # name the page and template, keep the cause
        raise BuildError([], f"rendering {page.url} with layouts/{page.template} failed: {exc}") from exc


# Set just before forking workers; children inherit it copy-on-write, so the
# site model is never pickled.
_FORK_STATE: tuple[Renderer, list[Page], Callable[[str, bytes], None]] | None = None


def _render_slice(worker: int, jobs: int) -> dict[str, str]:
    assert _FORK_STATE is not None
    renderer, pages, write = _FORK_STATE
    return {page.output: write(page.output, render_page(renderer, page)) for page in pages[worker::jobs]}


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_pages(renderer: Renderer, pages: list[Page], write: Callable[[str, bytes], str],
                 progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> dict[str, str]:
    """Render and write every page; ``write`` returns the hash of the bytes.
    With jobs > 1 the pages are split over forked worker processes; each
    file's bytes do not depend on the split. Returns {output path: hash}."""
    global _FORK_STATE
    total = len(pages)
    hashes: dict[str, str] = {}
    if jobs > 1 and total >= 400 and "fork" in mp.get_all_start_methods():
        _FORK_STATE = (renderer, pages, write)
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                for part in pool.starmap(_render_slice, [(w, jobs) for w in range(jobs)]):
                    hashes.update(part)
        finally:
            _FORK_STATE = None
        if progress:
            progress(len(hashes), total)
        return hashes
    for n, page in enumerate(pages, 1):
        hashes[page.output] = write(page.output, render_page(renderer, page))
        if progress and (n % 2000 == 0 or n == total):
            progress(n, total)
    return hashes


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
