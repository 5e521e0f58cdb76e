"""Rendering in parallel: an agency's own pages (its page, its filings' and
their projects' pages, and its filings' downloads) are one unit of work a
worker process takes whole; the pages that list filings from all over the
site are rendered in this process.
"""
from __future__ import annotations

import pickle
from dataclasses import replace
from typing import Callable, NamedTuple

from ..analysis.site import AgencyInfo, release
from ..cache import Ref, payload, sha
from ..pages.data import filing_downloads
from ..errors import BuildError
from ..pages.map import Page, agency_pages
from ..render import Renderer, template_problem
from . import workers


def render_page(renderer: Renderer, page: Page) -> bytes:
    try:
        return renderer.render(page.template, page.context())
    except Exception as exc:  # the template's file and line, and the page; keep the cause
        raise BuildError([template_problem(exc, renderer.layouts_dir, page.url, page.template)]) from exc


RENDER_CHUNK = 200  # pages a worker takes at a time (whole agencies)
RENDER_POOL_MIN = 400  # fewer pages than this are rendered in this process


class Group(NamedTuple):
    """An agency's own pages to render, as a worker gets them: the agency
    without its filings, and each filing (newest first) by its whole pickle
    (bytes, or where a parse worker set it aside: cache.store)."""
    agency: AgencyInfo
    wholes: list
    downloads: list[bool]  # the filing's downloads are still to make


def group(ag: AgencyInfo, wholes: dict[str, bytes | Ref], downloads: set[str]) -> tuple[Group, int]:
    """``ag``'s Group (``wholes``: each filing dep's whole pickle; filing deps
    whose ``downloads`` are due) and the number of pages it renders."""
    g = Group(replace(ag, filings=[]), [wholes[f.dep] for f in ag.filings], [f.dep in downloads for f in ag.filings])
    return g, 1 + sum(1 + len(f.projects) for f in ag.filings)


def render_group(renderer: Renderer, write: Callable[[str, bytes], None], absolute: Callable[[str], str],
                 g: Group) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    """Render and write one agency's pages and the downloads due; ({output:
    hash}, {filing dep: chunks of the site-wide downloads}). The same pages
    as ``agency_pages`` of the site model's agency: made by that function,
    from the whole filings (a project page compares its filing with the
    agency's previous one)."""
    ag = g.agency
    ag.filings = [pickle.loads(payload(b)) for b in g.wholes]
    hashes: dict[str, str] = {}
    chunks: dict[str, dict[str, bytes]] = {}
    try:
        for info in ag.filings:
            info.agency = ag
        for page in agency_pages(ag):
            data = render_page(renderer, page)
            write(page.output, data)
            hashes[page.output] = sha(data)
        for info, due in zip(ag.filings, g.downloads):
            if due:
                files, chunks[info.dep] = filing_downloads(info, absolute)
                for rel, data in files.items():
                    write(rel, data)
                    hashes[rel] = sha(data)
    finally:
        for info in ag.filings:
            release(info)  # the collector is off: break the whole filing's cycles
        ag.filings = []
    return hashes, chunks


def _render_run(renderer: Renderer, write: Callable[[str, bytes], None], absolute: Callable[[str], str],
                groups: list[Group]) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    hashes: dict[str, str] = {}
    chunks: dict[str, dict[str, bytes]] = {}
    for g in groups:
        h, c = render_group(renderer, write, absolute, g)
        hashes.update(h)
        chunks.update(c)
    return hashes, chunks


def _render_task(groups: list[Group]) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    """A worker's task: a run of whole agencies (workers.state("render"))."""
    return _render_run(*workers.state("render"), groups)


def render_groups(renderer: Renderer, write: Callable[[str, bytes], None], absolute: Callable[[str], str],
                  groups: list[tuple[Group, int]], local: list[Page], *, jobs: int = 1,
                  pool: workers.Workers | None = None, progress: Callable[[int, int], None] | None = None
                  ) -> tuple[dict[str, str], dict[str, dict[str, bytes]]]:
    """Render and write the agencies' own pages (``groups``: each Group and
    its page count) and the ``local`` pages, those that list filings from all
    over the site. With workers (``pool``, else forked now when there are
    many pages) the workers take runs of whole agencies while this process
    renders the ``local`` pages: a worker would have to copy most of the
    site model for them. Each file's bytes do not depend on the split.
    Returns ({output path: hash}, {filing dep: chunks})."""
    total = sum(n for _, n in groups)
    if pool is None and jobs > 1 and total + len(local) >= RENDER_POOL_MIN and workers.can_fork():
        with workers.Workers(jobs, render=(renderer, write, absolute)) as own:
            return render_groups(renderer, write, absolute, groups, local, pool=own, progress=progress)
    runs: list[list[Group]] = []
    sizes: list[int] = []  # pages in each run
    for g, n in groups:
        if pool is None or not runs or sizes[-1] >= RENDER_CHUNK:  # in this process: one agency at a time
            runs.append([])
            sizes.append(0)
        runs[-1].append(g)
        sizes[-1] += n
    if pool is not None:
        results = pool.imap(_render_task, runs)  # the workers start on them now
    else:
        results = (_render_run(renderer, write, absolute, run) for run in runs)  # lazily, after the local pages
    hashes: dict[str, str] = {}
    chunks: dict[str, dict[str, bytes]] = {}
    for page in local:
        data = render_page(renderer, page)
        write(page.output, data)
        hashes[page.output] = sha(data)
    done = 0
    for n, (h, c) in zip(sizes, results):
        hashes.update(h)
        chunks.update(c)
        done += n
        if progress and (done % 10_000 < n or done == total):
            progress(done, total)
    return hashes, chunks
