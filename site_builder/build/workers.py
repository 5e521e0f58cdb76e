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

The state a worker needs from the start (templates, the stage) is
set just before the fork and inherited, so it is never pickled.
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
import signal
import sys
import threading
import traceback
from typing import Any, Callable, Iterable, Iterator

from ..process import die_with_parent

_STATE: dict[str, Any] = {}  # set just before forking; read in the workers


def _child_start() -> None:
    """A worker leaves Ctrl-C to the parent, which stops the pool and says
    what happened (else each worker printed its own traceback), and ends
    quietly when the pool is terminated."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


def state(part: str) -> Any:
    """``part`` of the state the workers were forked with."""
    return _STATE[part]


class Workers:
    """``jobs`` forked processes that inherit ``state`` (see ``state()``).

    An executor rather than ``multiprocessing.Pool``: when a signal ends
    every process of the build at once (Ctrl-C in a terminal, a CI job
    cancelled), a Pool's worker dies holding its task queue's lock and
    ``Pool.terminate`` waits for that lock for ever; the executor notices a
    dead worker and stops."""

    def __init__(self, jobs: int, **state: Any):
        global _STATE
        _quiet_cancelled_future_race()
        _STATE = state
        before = set(mp.active_children())
        try:
            self._pool = ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork"), initializer=_child_start)
            self._pool.submit(_ready).result()  # every worker is forked by the first task, with _STATE set
        finally:
            _STATE = {}  # the workers have their copy
        self._procs = [p for p in mp.active_children() if p not in before]

    def imap(self, fn: Callable, tasks: Iterable) -> Iterator:
        """Results in task order, as they come (the workers start at once).
        Raises WorkerLost if a worker is killed (the system out of memory)."""
        return _lost_as_error(self._pool.map(fn, tasks))

    def close(self, failed: bool = False) -> None:
        """Wait for the workers to end; ``failed``: stop them where they are
        (their work is not wanted)."""
        if failed:
            for proc in self._procs:
                proc.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind: Any, *exc: Any) -> None:
        self.close(failed=kind is not None)


def _quiet_cancelled_future_race() -> None:
    """Keep a known race of the executor off the user's screen. In the
    Python 3.11 we run (CPython gh-107219, fixed upstream by catching the
    error in terminate_broken), when the pool breaks after some of its
    queued futures were cancelled — a signal that stops the build kills its
    workers while the build cancels the tasks it no longer wants — the
    executor's manager thread fails to set the pool's error on a cancelled
    future and prints a traceback, although the pool has stopped as it
    should. Any other exception of any thread is printed as before."""
    previous = threading.excepthook
    if getattr(previous, "quiets_cancelled_future_race", False):
        return

    def hook(args: Any) -> None:
        if args.exc_type is InvalidStateError and any(
                f.name == "terminate_broken" for f in traceback.extract_tb(args.exc_traceback)):
            return
        previous(args)

    hook.quiets_cancelled_future_race = True  # type: ignore[attr-defined]
    threading.excepthook = hook


class WorkerLost(Exception):
    """A worker process ended in the middle of the build."""


def _lost_as_error(results: Iterator) -> Iterator:
    try:
        yield from results
    except BrokenProcessPool:
        raise WorkerLost("a worker process was killed (by the system when memory runs out, or by a signal); "
                         "build again, with fewer --jobs if memory is short") from None


def _ready() -> None:
    """The first task: it makes the executor fork its workers."""


class InBackground:
    """``fn(*args)`` run in one forked child while this process goes on; its
    result, pickled through a pipe, when asked for. A plain
    ``multiprocessing.Process``, not an executor: an executor keeps threads
    in this process, and the build may fork its workers afterwards."""

    def __init__(self, fn: Callable, *args: Any):
        sys.stdout.flush()  # else the child would write our buffered output again
        sys.stderr.flush()
        ctx = mp.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc: Any = ctx.Process(target=_send_result, args=(send, fn, args), daemon=True)
        self._proc.start()
        send.close()

    def result(self, default: Any = None) -> Any:
        """What ``fn`` returned, or ``default`` if it failed."""
        try:
            ok, value = self._recv.recv()
        except (EOFError, OSError):
            ok, value = False, None
        self.close()
        return value if ok else default

    def close(self) -> None:
        """Stop the child if it is still at work (its result is not wanted)."""
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join()
            self._proc.close()
            self._proc = None
            self._recv.close()


def _send_result(conn: Any, fn: Callable, args: tuple) -> None:
    _child_start()
    try:
        out = (True, fn(*args))
    except Exception:
        out = (False, None)
    conn.send(out)
    conn.close()
