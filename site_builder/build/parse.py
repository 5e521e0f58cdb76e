"""Filings in: each file read, parsed, validated and analysed once per
content (the cache keeps it by hash), in worker processes when there are
many. A full build also writes each filing's own downloads as soon as it is
analysed (``Prerender``)."""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Callable

from ..analysis.site import FilingInfo, analyze_filing, lighten, listing_hash, release, whole_pickle
from ..cache import CachedFiling, PackWriter, State, sha
from ..pages.data import filing_downloads
from ..analysis.views import derive
from ..content.validate import LoadedFiling, validate_file
from . import workers

PARSE_CHUNK = 64  # files a parse worker hands back at a time
PARSE_POOL_MIN = 200  # fewer files than this are parsed in this process


@dataclass
class Prerender:
    """A full build writes into a full stage that only a successful build
    publishes, so what depends on one filing alone — its downloads and its
    rows of the site-wide ones — is written as soon as the whole filing is
    analysed, in the parse worker. (A build that fails later discards the
    stage with them.) Its project pages follow the project into the
    agency's other filings, so they are rendered with the agency's pages."""

    write: Callable[[str, bytes], None]
    absolute: Callable[[str], str]
    global_fp: str  # the chunks of the site-wide downloads are made with these settings

    def filing(self, whole: FilingInfo) -> tuple[dict[str, str], dict[str, bytes]]:
        """Write ``whole``'s downloads; ({output: hash}, chunks)."""
        written: dict[str, str] = {}
        files, chunks = filing_downloads(whole, self.absolute)
        for rel, data in files.items():
            self.write(rel, data)
            written[rel] = sha(data)
        return written, chunks


def file_stat(path: str) -> tuple[tuple[int, int], os.stat_result | None]:
    """A filing's (mtime_ns, size) and status, its own if it is a link;
    ((0, 0), None) if it cannot be had (a folder without search permission,
    gone since the listing): the parse says why."""
    try:
        st = os.lstat(path)
    except OSError:
        return (0, 0), None
    return (st.st_mtime_ns, st.st_size), st


def file_hash(path: str, st: os.stat_result | None) -> str:
    """The hash of a filing's bytes; "" if it is not a regular file (a link,
    a pipe: reading one waits for a writer) or cannot be read: the parse says why."""
    if st is None or not S_ISREG(st.st_mode):
        return ""
    try:
        return sha(Path(path).read_bytes())
    except OSError:
        return ""


def read_filings(paths: list[str], state: State, taxonomy, taxonomy_fp: str, jobs: int,
                 prerender: Prerender | None = None, pack: PackWriter | None = None,
                 pool: workers.Workers | None = None) -> list[CachedFiling]:
    """Every filing at ``paths``, in order: the cached one where the file's
    bytes did not change, else parsed, validated and analysed (in worker
    processes when there are many). ``state.filings`` becomes these."""
    cache = state.filings
    fresh: dict[str, CachedFiling | None] = {}
    todo: list[tuple[str, tuple[int, int], str]] = []
    for key in paths:
        stat, st = file_stat(key)
        c = cache.get(key)
        if c is not None:
            c.written = None  # what an earlier build in this process wrote is not in this build's output
        if c is not None and c.stat == stat:
            fresh[key] = c
            continue
        digest = file_hash(key, st)
        if c is not None and c.sha == digest:
            c.stat = stat
            fresh[key] = c
            continue
        fresh[key] = None  # keeps the file order
        todo.append((key, stat, digest))
    for c in parse_all(todo, taxonomy, taxonomy_fp, jobs, prerender, pack, pool):
        fresh[c.key] = c
    state.filings = fresh  # type: ignore[assignment]
    return list(fresh.values())  # type: ignore[arg-type]


def parse_one(key: str, stat: tuple[int, int], digest: str, taxonomy, taxonomy_fp: str,
              prerender: Prerender | None = None) -> CachedFiling:
    """Parse, validate and analyse one file (sealed for the cache when it is
    sent to the parent or saved). The cache and the site model keep the
    filing light (``analysis.site.lighten``), the whole one apart."""
    loaded, problems = validate_file(key)
    if loaded is None:
        return CachedFiling(key, stat, digest, None, problems, None, "")
    info, whole, written, chunks = analysed(loaded, taxonomy, digest, prerender)
    c = CachedFiling(key, stat, digest, info.loaded, problems, info, taxonomy_fp, whole=whole, written=written)
    if prerender is not None:
        c.chunks, c.chunks_with = chunks, prerender.global_fp
    return c


def analysed(loaded: LoadedFiling, taxonomy, digest: str, prerender: Prerender | None = None
             ) -> tuple[FilingInfo, bytes, dict[str, str] | None, dict[str, bytes] | None]:
    """Analyse a whole filing: its light copy, with the views the site-wide
    pages merge computed from the whole one, the whole one pickled, and what
    ``prerender`` wrote."""
    whole = analyze_filing(loaded, taxonomy, content_hash=digest)
    light = lighten(whole)
    derive(light, whole)
    light.listing_hash = listing_hash(light)
    written, chunks = prerender.filing(whole) if prerender is not None else (None, None)
    kept = whole_pickle(whole)
    release(whole)
    return light, kept, written, chunks


def _parse_chunk(todo: list[tuple[str, tuple[int, int], str]]) -> list[tuple]:
    taxonomy, taxonomy_fp, prerender, pack = workers.state("parse")
    out = []
    for k, st, d in todo:
        c = parse_one(k, st, d, taxonomy, taxonomy_fp, prerender)
        sealed, whole, chunks, kept = c.seal(), c.whole, c.chunks, None
        if pack is not None:  # the parent keeps where they are, not the bytes
            whole = pack.put(whole) if whole is not None else None
            chunks = pack.put(pickle.dumps(chunks, protocol=pickle.HIGHEST_PROTOCOL)) if chunks is not None else None
            kept = pack.put(sealed)
        out.append((sealed, whole, c.analyzed_with, c.written, chunks, kept))
        release(c.info)  # the parent gets the bytes; without this a worker kept every filing it parsed
    return out


def parse_all(todo, taxonomy, taxonomy_fp: str, jobs: int, prerender: Prerender | None = None,
              pack: PackWriter | None = None, pool: workers.Workers | None = None) -> list[CachedFiling]:
    """Parse, validate and analyse files; the result order is the input order.
    Workers (``pool``, else a pool of their own when there are many files)
    hand results back in chunks, in order, so the parent unpickles them while
    the workers go on parsing (not all at the end)."""
    if pool is None:
        if jobs <= 1 or len(todo) < PARSE_POOL_MIN or not workers.can_fork():
            return [parse_one(k, st, d, taxonomy, taxonomy_fp, prerender) for k, st, d in todo]
        with workers.Workers(jobs, parse=(taxonomy, taxonomy_fp, prerender, pack)) as own:
            return parse_all(todo, taxonomy, taxonomy_fp, jobs, prerender, pack, own)
    out: list[CachedFiling] = []
    files = iter(todo)
    for part in pool.imap(_parse_chunk, (todo[i:i + PARSE_CHUNK] for i in range(0, len(todo), PARSE_CHUNK))):
        for blob, whole, fp, written, chunks, kept in part:
            k, st, d = next(files)
            c = CachedFiling.from_blob(k, st, d, blob, whole, fp, kept)
            c.written = written
            if chunks is not None:
                c.chunks, c.chunks_with = chunks, prerender.global_fp
            out.append(c)
    return out
