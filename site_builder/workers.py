"""The forked worker processes of a build.

A full build forks its workers once, before it parses anything, and keeps
them to the end: the same processes parse and analyse the filings, then
render the agencies' own pages (build.render_groups). Forked while this
process holds little more than settings and templates, they share none of
the site model it builds meanwhile. Workers forked after the model was made
copied every page of memory they touched, and the parent, touching the same
objects for the listings, copied them again (~2 × 170 MB at 10,000 filings:
a third of the build's peak); so a task carries what it needs or names
where it is on disk (pack.Ref), never an object of the parent's.

The state a worker needs from the start (templates, the staging folder) is
set just before the fork and inherited, so it is never pickled.
"""
from __future__ import annotations

import multiprocessing as mp
from typing import Any, Callable, Iterable, Iterator

_STATE: dict[str, Any] = {}  # set just before forking; read in the workers


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def state(part: str) -> Any:
    """``part`` of the state the workers were forked with."""
    return _STATE[part]


class Workers:
    """``jobs`` forked processes that inherit ``state`` (see ``state()``)."""

    def __init__(self, jobs: int, **state: Any):
        global _STATE
        _STATE = state
        try:
            self._pool = mp.get_context("fork").Pool(jobs)
        finally:
            _STATE = {}  # the workers have their copy

    def imap(self, fn: Callable, tasks: Iterable) -> Iterator:
        """Results in task order, as they come (the workers start at once)."""
        return self._pool.imap(fn, tasks)

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
