"""The build: a project's content, layouts and static files in, a site out.

    build()                       this module: the output folder, guarded and locked
      Builder.build()             builder.py, top to bottom:
        read_inputs               inputs.py     settings, taxonomy, Markdown pages, static files
        Templates.renderer        inputs.py     compiled templates, kept between builds
        read_site                 parse.py      filings parsed, validated, analysed (workers); the site model
        plan_pages                plan.py       the page map, fingerprints, what changed
        write_all | write_changes groups.py     pages rendered (workers), downloads.py, into a stage
        index                     ../search     the Pagefind bundle, checked (a full build's site-wide
                                                downloads written beside its first run)
        publish                   ../output     the stage put in place atomically, the state saved with it

A rebuild into the same folder re-uses the saved state (../cache): unchanged
filings are not parsed again, unchanged pages not rendered again; the
output is identical to a clean build's.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..output import OutputLock, check_output_folder, recover
from . import workers
from .builder import Builder, BuildReport, output_files
from .inputs import Project

__all__ = ["Builder", "BuildReport", "Project", "build", "default_jobs", "output_folder"]


def build(root: Path, out_dir: Path, *, base_path: str | None = None, search: bool = False,
          jobs: int | None = None, clean: bool = False, log: Callable[[str], None] | None = None) -> BuildReport:
    """Build ``root``'s site into ``out_dir``. Re-uses the cache of the last
    build into the same folder unless ``clean``; the output is identical
    either way. Refuses (output.OutputRefused) a folder it must not replace,
    and (output.OutputBusy) one another build is writing. The output folder
    changes only when the whole build succeeded (output.publish)."""
    project = Project(Path(root))
    if search:
        from ..search import part_pages

        part_pages()  # a bad setting fails now, not after the whole build
    with output_folder(project, Path(out_dir), log or (lambda s: None)) as out:
        builder = Builder(project, out, base_path=base_path, persist=True)
        listing = None
        if not clean and builder.cache.path.is_file() and out.is_dir() and workers.can_fork():
            # a rebuild checks the output folder for files no build made: a walk
            # of ~118,000 files at 10,000 filings (~1.2 s), done by a child on the
            # other core while this process loads the cache (~3.5 s)
            listing = workers.InBackground(output_files, out)
        try:
            if not clean:
                builder.state = builder.cache.load()
            if listing is not None and not builder.state.page_fps:  # no usable cache: a full build, no walk
                listing.close()
                listing = None
            builder.early_listing = listing
            return builder.build(clean=clean, search=search, jobs=jobs or default_jobs(), log=log)
        finally:
            if listing is not None:
                listing.close()


@contextmanager
def output_folder(project: Project, out_dir: Path, say: Callable[[str], None]) -> Iterator[Path]:
    """``out_dir``, resolved, for a build or preview to write: refused if it
    is not the tool's to replace (output.guard), locked against a second
    build, and cleared of what killed builds left (output.publish.recover)."""
    out = check_output_folder(out_dir, project.root, project.protected)
    with OutputLock(out):
        for line in recover(out):
            say(line)
        yield out


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
