"""What a build remembers between runs: every filing as parsed and
analysed (by content hash), and each output file's fingerprint and hash.

The same state serves ``serve`` (kept in memory between edits) and repeated
``build`` runs (saved by ``BuildCache``; ``--clean`` ignores it). An
unchanged filing is neither re-parsed nor re-analysed.
"""
from __future__ import annotations

import gc
import os
import pickle
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..output import is_locked, marker_content
from .fingerprints import CODE_FINGERPRINT, sha
from .pack import PackWriter, Ref, payload, prune

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis.site import FilingInfo
    from ..content.load import Problem
    from ..content.validate import LoadedFiling

STATE_VERSION = 4


@dataclass
class CachedFiling:
    key: str  # the file's path
    stat: tuple[int, int]  # (mtime_ns, size)
    sha: str
    loaded: "LoadedFiling | None"
    problems: "list[Problem]"
    info: "FilingInfo | None" = None  # light (analysis.site.lighten)
    analyzed_with: str = ""  # taxonomy fingerprint the info was made with
    chunks: dict[str, bytes] | Ref | None = None  # rows of the site-wide downloads (chunk_data)
    chunks_with: str = ""  # global fingerprint the chunks were made with
    # (loaded, problems, info) pickled as parsed, before the site model links
    # the info to its agency: what the cache file keeps. Made in the parse
    # workers, so saving the cache does not pickle a 10,000-filing object
    # graph again in the parent (~15 s).
    blob: bytes | Ref | None = field(default=None, repr=False)
    # the whole analysed filing, pickled (or where a parse worker set it
    # aside); FilingStore unpickles it for the filing's own pages
    whole: bytes | Ref | None = field(default=None, repr=False)
    # files a full build wrote from the whole filing as soon as it was parsed
    # ({output path: hash}; build.parse.Prerender), for this build only
    written: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_blob(cls, key: str, stat: tuple[int, int], sha: str, blob: bytes, whole: bytes | Ref | None,
                  analyzed_with: str, kept: Ref | None = None) -> "CachedFiling":
        """``kept``: where a worker set ``blob`` aside (then only that is kept)."""
        loaded, problems, info = pickle.loads(blob)
        return cls(key, stat, sha, loaded, problems, info, analyzed_with, blob=kept or blob, whole=whole)

    def seal(self) -> bytes | Ref:
        """The blob, made now if the parsed objects changed since."""
        if self.blob is None:
            info = self.info
            kept = (info.agency, info.load_whole) if info is not None else None
            if info is not None:
                info.agency = info.load_whole = None  # the site model and the store are not the filing's to keep
            try:
                self.blob = pickle.dumps((self.loaded, self.problems, self.info), protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                if info is not None:
                    info.agency, info.load_whole = kept
        return self.blob

    def chunk_data(self) -> dict[str, bytes]:
        return pickle.loads(self.chunks.read()) if isinstance(self.chunks, Ref) else self.chunks

    def __getstate__(self) -> dict:
        d = dict(self.__dict__)
        d["blob"] = self.seal()
        d["loaded"] = d["problems"] = d["info"] = d["written"] = None  # they are in the blobs
        return d

    def __setstate__(self, d: dict) -> None:
        self.__dict__.update(d)
        self.loaded, self.problems, self.info = pickle.loads(payload(self.blob))


@dataclass
class State:
    out_dir: str = ""
    version: str = ""
    filings: dict[str, CachedFiling] = field(default_factory=dict)
    page_fps: dict[str, str] = field(default_factory=dict)  # output path -> fingerprint
    file_hashes: dict[str, str] = field(default_factory=dict)  # output path -> sha of bytes on disk (or identity)
    dep_hashes: dict[str, str] = field(default_factory=dict)  # dependency -> content hash, as last built
    group_fps: dict[str, str] = field(default_factory=dict)  # agency slug -> fingerprint of its page group
    group_urls: dict[str, list[str]] = field(default_factory=dict)  # agency slug -> URLs of its page group
    content_id: str = ""  # what the output holds: its inputs' identity (content_identity), as in its marker
    search_indexed: set[str] = field(default_factory=set)  # output paths of the pages the search bundles index
    search_bundles: dict[str, str] = field(default_factory=dict)  # search bundle key -> fingerprint of its pages

    def describes(self, out_dir: Path) -> bool:
        """This state was made by this code for the output folder as it is."""
        return (bool(self.page_fps) and self.out_dir == str(out_dir) and out_dir.is_dir()
                and self.version == CODE_FINGERPRINT)


@contextmanager
def no_gc():
    """Pause the cyclic garbage collector: a build (or loading its cache)
    allocates millions of long-lived objects and frees few, and the collector
    would re-scan the growing heap again and again (at 10,000 filings parsing
    took 70 s with it, 31 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pack_refs(state: State) -> set[str]:
    """The pack files ``state`` refers to."""
    return {r.path for c in state.filings.values() for r in (c.blob, c.whole, c.chunks) if isinstance(r, Ref)}


CACHE_DIR_ENV = "SITE_BUILDER_CACHE_DIR"


def cache_folder(root: Path) -> Path:
    """Where builds of the project at ``root`` keep their caches."""
    given = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(given).resolve() if given else Path(root).resolve() / ".cache" / "site-builder"


class BuildCache:
    """The saved build state of one output folder, with the pack files it
    refers to: ``out-<key>/`` in the cache folder (``.cache/site-builder/`` in
    the project, or $SITE_BUILDER_CACHE_DIR: a CI job keeps it between runs
    wherever its cache action restores it). The state
    names the content of the output it describes (the output's marker says
    the same); a state that does not match the output folder is not used,
    so an output changed by a build that was killed after publishing but
    before saving its state is rebuilt in full, never patched from a stale
    state."""

    KEPT = 8  # caches of other output folders kept (most recently used first)

    def __init__(self, root: Path, out_dir: Path):
        self.out_dir = Path(out_dir).resolve()
        self.top = cache_folder(Path(root))
        self.folder = self.top / f"out-{sha(str(self.out_dir).encode())[:16]}"
        self.path = self.folder / "state.pickle"

    def pack_writer(self) -> PackWriter:
        """Where parse workers set whole filings and download rows aside."""
        return PackWriter(self.folder, "pack")

    def load(self) -> State:
        """The saved state, if it was made by this code for the output as it
        is now; else an empty one (a full build)."""
        try:
            with open(self.path, "rb") as fh, no_gc():
                version, state = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return State()
        if (version != (STATE_VERSION, CODE_FINGERPRINT) or state.content_id != marker_content(self.out_dir)
                or not all(os.path.isfile(p) for p in pack_refs(state))):
            return State()
        return state

    def write(self, state: State) -> Path:
        """Write ``state`` beside the saved one; ``commit`` puts it in place
        once the output it describes is published."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "output.txt").write_text(str(self.out_dir), encoding="utf-8")
        tmp = self.folder / f"state.tmp-{os.getpid()}"
        with open(tmp, "wb") as fh, no_gc():
            pickle.dump(((STATE_VERSION, CODE_FINGERPRINT), state), fh, protocol=pickle.HIGHEST_PROTOCOL)
        return tmp

    def commit(self, tmp: Path, state: State) -> None:
        os.replace(tmp, self.path)
        self.prune(state)
        for p in self.folder.glob("state.tmp-*"):  # of builds killed before they published
            if p != tmp:
                p.unlink(missing_ok=True)
        self.prune_others()

    def prune(self, state: State) -> None:
        """Delete the pack files ``state`` no longer refers to."""
        prune(self.folder, "pack", pack_refs(state))

    def prune_others(self) -> None:
        """Delete the caches of output folders that are gone (or are no longer
        outputs), and all but the KEPT most recently used of the others;
        never one whose output a build holds locked now."""
        others = []
        for folder in self.top.glob("out-*"):
            if folder == self.folder or not folder.is_dir():
                continue
            try:
                out = Path((folder / "output.txt").read_text(encoding="utf-8").strip())
            except OSError:
                out = None
            if out is not None and is_locked(out):
                continue
            if out is None or marker_content(out) is None:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                others.append(folder)
        others.sort(key=lambda f: (f / "state.pickle").stat().st_mtime_ns if (f / "state.pickle").exists() else 0,
                    reverse=True)
        for folder in others[self.KEPT:]:
            shutil.rmtree(folder, ignore_errors=True)
