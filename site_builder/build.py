"""The whole build, readable top to bottom:

    filings → validate → analyze → pages → render → write (staging) → index → swap
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .analyze import analyze_filing, build_site_model, SiteModel
from .categories import load_taxonomy
from .config import load_config
from .data_export import filing_files, site_data_files
from .load import Problem
from .pages import Page, build_pages, load_markdown_pages
from .render import Assets, Renderer
from .validate import validate_paths
from .write import staging


class BuildError(Exception):
    """A build that must not replace the published site."""

    def __init__(self, problems: list[Problem], message: str = ""):
        self.problems = problems
        super().__init__(message or "\n".join(p.format() for p in problems))


@dataclass
class Project:
    """Where a site's inputs live (the repository layout)."""

    root: Path
    content: Path = field(init=False)
    layouts: Path = field(init=False)
    static: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.content = self.root / "content"
        self.layouts = self.root / "layouts"
        self.static = self.root / "static"


@dataclass
class BuildReport:
    out_dir: Path
    pages: int
    files: int
    filings: int
    seconds: float
    warnings: list[Problem]
    search: dict | None = None


def load_site(project: Project, base_path: str | None = None):
    """Validate and analyze everything; raise BuildError on any error."""
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


def _render_slice(worker: int, jobs: int) -> int:
    assert _FORK_STATE is not None
    renderer, pages, write = _FORK_STATE
    n = 0
    for page in pages[worker::jobs]:
        write(page.output, render_page(renderer, page))
        n += 1
    return n


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def render_pages(renderer: Renderer, pages: list[Page], write: Callable[[str, bytes], None],
                 progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> None:
    """Render and write every page. With jobs > 1 the pages are split over
    forked worker processes; each file's bytes do not depend on the split."""
    global _FORK_STATE
    total = len(pages)
    if jobs > 1 and total >= 400 and "fork" in mp.get_all_start_methods():
        _FORK_STATE = (renderer, pages, write)
        try:
            with mp.get_context("fork").Pool(jobs) as pool:
                done = 0
                for n in pool.starmap(_render_slice, [(w, jobs) for w in range(jobs)]):
                    done += n
        finally:
            _FORK_STATE = None
        if progress:
            progress(done, total)
        return
    for n, page in enumerate(pages, 1):
        write(page.output, render_page(renderer, page))
        if progress and (n % 2000 == 0 or n == total):
            progress(n, total)


def build(root: Path, out_dir: Path, *, base_path: str | None = None, search: bool = False,
          jobs: int | None = None, log: Callable[[str], None] | None = None) -> BuildReport:
    t0 = time.perf_counter()
    say = log or (lambda s: None)
    project = Project(root)
    config, site, md_pages, warnings = load_site(project, base_path)
    say(f"{len(site.filings)} filings, {site.totals.projects} projects, {site.totals.indicators} indicators")
    renderer = Renderer(project.layouts, config, Assets(project.static))
    pages = build_pages(site, md_pages)
    files = 0
    with staging(out_dir) as st:
        render_pages(renderer, pages, st.write, lambda n, t: say(f"rendered {n}/{t} pages"),
                     jobs=jobs or default_jobs())
        for name, (out, data) in renderer.assets.files.items():
            st.write(out.lstrip("/"), data)
            files += 1
        absolute = config.absolute
        for info in site.filings:
            for rel, data in filing_files(info, absolute).items():
                st.write(rel, data)
                files += 1
        for rel, data in site_data_files(site, absolute, config.title).items():
            st.write(rel, data)
            files += 1
        search_report = None
        if search:
            from .search import index_site

            search_report = index_site(st.path, log=say)
    return BuildReport(out_dir, len(pages), files + len(pages), len(site.filings), time.perf_counter() - t0,
                       warnings, search_report)
