"""Exact incremental builds.

Every page records what it was made from: a fingerprint of the code and
site-wide settings, the closure of its templates, and the content hashes of
the filings (or Markdown pages) it depends on (``pages.Page.deps``). A
rebuild re-renders exactly the pages whose fingerprint changed, rewrites only
files whose bytes changed, and deletes files no longer produced.

The same state serves ``serve`` (kept in memory between edits) and repeated
``build`` runs (pickled under ``.cache/site-builder/``; ``--clean`` ignores
it). Parsed and analyzed filings are cached by content hash, so an
unchanged filing is neither re-parsed nor re-analyzed.

A rebuild renders everything it needs in memory before it touches the output
folder, so a failing edit (YAML, validation or template error) changes
nothing on disk. A first or clean build writes into a staging folder that is
swapped in only on success.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Callable

import jinja2

from .analyze import (FilingInfo, Places, SiteModel, analyze_filing, build_site_model, filing_shape, forget_full,
                      full_info, lighten, release, replace_filing)
from .explore import SiteViews, derive, replace_in_views, site_views
from .categories import TaxonomyError, load_taxonomy
from .config import SiteConfig, load_config
from .data_export import filing_chunks, filing_downloads, filing_files, site_data_files, write_site_data
from .load import LoadError, Problem, files_under, yaml_paths
from .pages import (AGENCY_TEMPLATES, ALL, MarkdownPage, Page, agency_pages, load_markdown_pages, output_of,
                    project_context, site_pages)
from .render import Assets, Renderer, template_problem
from .validate import LoadedFiling, check_across, validate_file
from .pack import PackWriter, Ref, payload, prune
from .write import Staging, safe_relpath, staging
from . import workers

STATE_VERSION = 3
SITE_DATA_FILES = frozenset(f"data/{n}" for n in ("filings.csv", "projects.csv", "indicators.csv", "notes.csv",
                                                  "filings.json", "datapackage.json", "filing.schema.json"))
# above this many changed pages a rebuild is done as a full staged build
FULL_REBUILD_THRESHOLD = 5000


class BuildError(Exception):
    """A build that must not replace the published site."""

    def __init__(self, problems: list[Problem], message: str = ""):
        self.problems = problems
        super().__init__(message or "\n".join(p.format() for p in problems))

    def __reduce__(self):
        # raised in a worker, it is pickled to the parent: Exception's own
        # pickling calls the class with str(self) alone, which made the
        # message the problem list (printed one character per line)
        return _restore_error, (type(self), self.problems, str(self))


def _restore_error(cls: type, problems: list[Problem], message: str) -> BuildError:
    err = Exception.__new__(cls)  # whatever the subclass's __init__ takes
    Exception.__init__(err, message)
    err.problems = problems
    return err


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


@contextmanager
def _template_errors(layouts: Path):
    """A template that does not parse or is missing, met while fingerprinting
    pages, fails the build like a filing's error: its file and line."""
    try:
        yield
    except jinja2.TemplateError as exc:
        raise BuildError([template_problem(exc, layouts)]) from None


def _code_fingerprint() -> str:
    """Any change to the generator's own code invalidates every page."""
    h = hashlib.sha256()
    pkg = Path(__file__).parent
    for p in sorted(pkg.rglob("*.py")):
        h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()


@dataclass
class CachedFiling:
    key: str  # the file's path
    stat: tuple[int, int]  # (mtime_ns, size)
    sha: str
    loaded: LoadedFiling | None
    problems: list[Problem]
    info: FilingInfo | None = None
    analyzed_with: str = ""  # taxonomy fingerprint the info was made with
    chunks: dict[str, bytes] | Ref | None = None  # rows of the site-wide downloads (chunk_data)
    chunks_with: str = ""  # global fingerprint the chunks were made with
    # (loaded, problems, info) pickled as parsed, before the site model links
    # the info to its agency, without the whole filing (``whole``): what the
    # cache file keeps. Made in the parse workers, so saving the cache does
    # not pickle a 10,000-filing object graph again in the parent (~15 s).
    blob: bytes | Ref | None = field(default=None, repr=False)
    # files a full build wrote from the whole filing as soon as it was parsed
    # ({output path: hash}; ``Prerender``), for this build only
    written: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_blob(cls, key: str, stat: tuple[int, int], sha: str, blob: bytes, whole: bytes | Ref | None,
                  analyzed_with: str, kept: Ref | None = None) -> "CachedFiling":
        """``kept``: where a worker set ``blob`` aside (then only that is kept)."""
        loaded, problems, info = pickle.loads(blob)
        if info is not None:
            info.blob = whole  # one object, shared by the cache and the light filing
        return cls(key, stat, sha, loaded, problems, info, analyzed_with, blob=kept or blob)

    def seal(self) -> bytes | Ref:
        """The blob, made now if the parsed objects changed since."""
        if self.blob is None:
            info = self.info
            kept = (info.agency, info.blob) if info is not None else None
            if info is not None:
                info.agency = info.blob = None  # the site model is not the filing's to keep; the whole is apart
            try:
                self.blob = pickle.dumps((self.loaded, self.problems, self.info), protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                if info is not None:
                    info.agency, info.blob = kept
        return self.blob

    @property
    def whole(self) -> bytes | Ref | None:
        return self.info.blob if self.info is not None else None

    def chunk_data(self) -> dict[str, bytes]:
        return pickle.loads(self.chunks.read()) if isinstance(self.chunks, Ref) else self.chunks

    def __getstate__(self) -> dict:
        d = dict(self.__dict__)
        d["blob"] = self.seal()
        d["whole"] = self.whole
        d["loaded"] = d["problems"] = d["info"] = d["written"] = None  # they are in the blobs
        return d

    def __setstate__(self, d: dict) -> None:
        whole = d.pop("whole", None)
        self.__dict__.update(d)
        self.loaded, self.problems, self.info = pickle.loads(payload(self.blob))
        if self.info is not None:
            self.info.blob = whole


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
    search_fp: str = ""


@dataclass
class BuildReport:
    out_dir: Path
    pages: int
    files: int
    filings: int
    seconds: float
    warnings: list[Problem]
    full: bool = True
    in_place: bool = False  # an edit applied to the live site model (Builder._quick_build)
    rendered: list[str] = field(default_factory=list)  # output paths of re-rendered pages
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    deleted: list[str] = field(default_factory=list)
    search: dict | None = None


@dataclass
class Prepared:
    """Everything a build renders from, before anything is written."""

    config: SiteConfig
    site: SiteModel
    md_pages: list[MarkdownPage]
    assets: Assets
    taxonomy_fp: str
    warnings: list[Problem]


@dataclass
class Project:
    """Where a site's inputs live (the repository layout)."""

    root: Path
    content: Path = field(init=False)
    layouts: Path = field(init=False)
    static: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.content = self.root / "content"
        self.layouts = self.root / "layouts"
        self.static = self.root / "static"


@dataclass
class Live:
    """What the last successful build in this process rendered from, kept so
    that the next edit of one filing can be applied to it in place
    (``Builder._quick_build``) instead of re-deriving the whole site."""

    site: SiteModel
    views: SiteViews
    md_pages: list[MarkdownPage]
    md_key: list
    global_fp: str
    renderer_key: str
    template_fp: dict[str, str]
    group_tfp: str
    agency_urls: list[str]
    files: list[str]  # the filing paths, in order
    site_pages: list[Page]  # their listing parts read the model's lists when they render (pages.Part)
    config: SiteConfig
    assets: Assets
    dep_values: "DepValues"
    places: Places = field(default_factory=Places)  # where each filing sits in the model's lists


class DepValues(dict):
    """dependency → its content hash as an int, made on first use (a region
    page depends on thousands of filings; their hashes are parsed once)."""

    def __init__(self, dep_hash: dict[str, str]):
        super().__init__()
        self.dep_hash = dep_hash

    def __missing__(self, d: str) -> int:
        v = self[d] = int(sha(d.encode())[:32] if d.startswith("const:") else self.dep_hash[d], 16)
        return v


def page_fingerprint(page: Page, global_fp: str, template_fp: dict[str, str], values: DepValues) -> str:
    # the dependencies' hashes are combined by a sum, which does not depend on
    # their order: no sort of the thousands of filings a region or year page
    # depends on
    deps = sum(map(values.__getitem__, page.deps)) % (1 << 128)
    return sha(f"{global_fp}\0{template_fp[page.template]}\0{page.url}\0{deps:x}".encode())[:20]


def every_filing_hash(dep_hash: dict[str, str]) -> str:
    """The hash of the ``*`` dependency: of every filing's content hash."""
    return sha("".join(sorted(h for d, h in dep_hash.items() if d.startswith("filing:"))).encode())[:16]


def group_fingerprint(global_fp: str, group_tfp: str, ag) -> str:
    return sha("\0".join([global_fp, group_tfp, ag.name, *(f.content_hash for f in ag.filings)]).encode())[:20]


def state_path(root: Path, out_dir: Path) -> Path:
    key = sha(str(out_dir.resolve()).encode())[:16]
    return Path(root).resolve() / ".cache" / "site-builder" / f"state-{key}.pickle"


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


def load_state(path: Path) -> State:
    try:
        with open(path, "rb") as fh, no_gc():
            version, state = pickle.load(fh)
        if version == (STATE_VERSION, CODE_FINGERPRINT) and all(os.path.isfile(p) for p in _pack_refs(state)):
            return state
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        pass
    return State()


def pack_prefix(path: Path) -> str:
    """The names of the pack files (pack.py) the state at ``path`` refers to."""
    return f"pack-{path.stem}"


def _pack_refs(state: State) -> set[str]:
    return {r.path for c in state.filings.values() for r in (c.blob, c.whole, c.chunks) if isinstance(r, Ref)}


def save_state(path: Path, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    with open(tmp, "wb") as fh, no_gc():
        pickle.dump(((STATE_VERSION, CODE_FINGERPRINT), state), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    prune(path.parent, pack_prefix(path), _pack_refs(state))


TEMPLATE_CACHE_PREFIX = "templates-"
TEMPLATE_CACHES_KEPT = 4  # e.g. a site built with two base paths, and a layout edit undone


def _prune_template_caches(folder: Path, keep: Path) -> None:
    """Keep the compiled templates of the few layouts/settings used last."""
    os.utime(keep)
    caches = sorted((p for p in folder.glob(f"{TEMPLATE_CACHE_PREFIX}*") if p.is_dir()),
                    key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in caches[TEMPLATE_CACHES_KEPT:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


class Builder:
    """Builds one project into one output folder, remembering what it made."""

    def __init__(self, root: Path, out_dir: Path, *, base_path: str | None = None, state: State | None = None):
        self.project = Project(root)
        self.out_dir = Path(out_dir).resolve()
        self.base_path = base_path
        self.state = state or State()
        cache_file = state_path(self.project.root, self.out_dir)
        # where parse workers set whole filings and download rows aside (pack.py)
        self.pack = PackWriter(cache_file.parent, pack_prefix(cache_file))
        self._live: Live | None = None
        # each filing of the last good build and its bytes' hash (from the
        # state a build starts with, then from each build that succeeds): of
        # two files that claim one identity, the one not among these is reported
        self._good: dict[str, str] | None = None
        self._pool: workers.Workers | None = None  # a full build's workers, from parsing to rendering
        self._site_data_pending = False  # an in-place edit deferred the site-wide downloads
        # the output folder's files, listed by a child process while this one
        # loads the cache (build.build); else _apply walks the folder itself
        self.early_listing: workers.InBackground | None = None

    # -- inputs ----------------------------------------------------------
    def _scan_filings(self, taxonomy, taxonomy_fp: str, jobs: int,
                      prerender: Prerender | None = None) -> list[CachedFiling]:
        """Re-use cached filings whose bytes did not change; parse, validate
        and analyze the others (in worker processes when there are many)."""
        cache = self.state.filings
        fresh: dict[str, CachedFiling] = {}
        todo: list[tuple[str, tuple[int, int], str]] = []
        for key in self._filing_paths():
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
            fresh[key] = None  # type: ignore[assignment]  # keeps the file order
            todo.append((key, stat, digest))
        if (prerender is not None and jobs > 1 and len(fresh) >= PARSE_POOL_MIN and workers.can_fork()
                and self._pool is None):
            # a full build of a large site: the workers that parse now render
            # the agencies' pages later (workers.py: forked while this process is small)
            self._pool = workers.Workers(jobs, parse=(taxonomy, taxonomy_fp, prerender, self.pack),
                                         render=(prerender.renderer, prerender.write, prerender.absolute))
        for c in _parse_all(todo, taxonomy, taxonomy_fp, jobs, prerender, self.pack, self._pool):
            fresh[c.key] = c
        self.state.filings = fresh
        return list(fresh.values())

    def _filing_paths(self) -> list[str]:
        folder = self.project.content / "filings"
        try:
            return yaml_paths(folder) if folder.is_dir() else []  # none: "no filings found"
        except LoadError as exc:  # a folder in it that cannot be listed
            raise BuildError([exc.problem]) from None

    # -- the build ---------------------------------------------------------
    def _renderer(self, config: SiteConfig, assets: Assets) -> Renderer:
        """Keep Jinja's compiled templates between rebuilds while the layouts,
        settings and assets are unchanged (compiling is most of a small rebuild)."""
        h = hashlib.sha256(json.dumps([config.model_dump(mode="json"), config.base_path, assets.fingerprint,
                                       CODE_FINGERPRINT], sort_keys=True).encode())
        for p in sorted(self.project.layouts.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(self.project.layouts).as_posix().encode() + b"\0" + p.read_bytes())
        key = h.hexdigest()
        if getattr(self, "_renderer_key", None) != key:
            cache_dir = self.pack.folder / f"{TEMPLATE_CACHE_PREFIX}{key[:16]}"
            self._renderer_obj = Renderer(self.project.layouts, config, assets, cache_dir)
            self._renderer_key = key
            _prune_template_caches(self.pack.folder, keep=cache_dir)
        return self._renderer_obj

    def prepare(self, jobs: int = 1, say: Callable[[str], None] = lambda s: None,
                staged: Staging | None = None) -> Prepared:
        """Inputs → validated, analyzed site model and page map. Raises
        BuildError listing every error; nothing is written, but for a full
        build into ``staged``, each parsed filing's own pages (``Prerender``)."""
        project = self.project
        config, taxonomy_fp, md_pages, assets = self._global_inputs()
        try:
            taxonomy = load_taxonomy(project.content / "taxonomy.yaml")
        except TaxonomyError as exc:  # a missing or broken file: reported like a filing's errors
            raise BuildError(exc.problems) from None
        prerender = None
        if staged is not None:
            prerender = Prerender(self._renderer(config, assets), staged.write, config.absolute,
                                  self._global_fingerprint(config, taxonomy_fp, assets, md_pages))

        t_scan = time.perf_counter()
        cached = self._scan_filings(taxonomy, taxonomy_fp, jobs, prerender)
        say(f"read {len(cached)} filings in {time.perf_counter() - t_scan:.2f} s")
        # unchanged files first: a duplicate is reported at the file that made it (new, or edited)
        good = self._good or {}
        loaded = [c.loaded for c in sorted(cached, key=lambda c: good.get(c.key) != c.sha) if c.loaded is not None]
        problems = [p for c in cached for p in c.problems] + check_across(loaded)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        if not loaded:
            raise BuildError([Problem(str(project.content / "filings"), 1, 1, "error", "no filings found")])
        for c in cached:
            if c.info is None or c.analyzed_with != taxonomy_fp:
                c.info = _analyzed(full_info(c.info).loaded if c.info is not None else c.loaded, taxonomy, c.sha)[0]
                c.loaded, c.written = c.info.loaded, None
                c.analyzed_with = taxonomy_fp
                c.chunks = None
                c.blob = None
        t_model = time.perf_counter()
        site = build_site_model([c.info for c in cached], taxonomy)
        say(f"{len(site.filings)} filings, {site.totals.projects} projects, {site.totals.indicators} indicators"
            f" (site model in {time.perf_counter() - t_model:.2f} s)")
        return Prepared(config, site, md_pages, assets, taxonomy_fp,
                        [p for p in problems if p.severity == "warning"])

    def build(self, *, clean: bool = False, search: bool = False, jobs: int = 1, verify_output: bool = True,
              defer_site_data: bool = False, changed: list[str] | None = None,
              log: Callable[[str], None] | None = None) -> BuildReport:
        """The whole build: prepare, fingerprint, render what changed, write.
        ``verify_output``: also delete files in the output folder that no
        build produced (a walk of the folder; ``serve`` trusts its own state).
        After a build in this process, an edit that keeps every filing's
        shape is applied in place (``_quick_build``); anything else takes the
        whole way, with the same result. ``defer_site_data``: an in-place
        edit leaves the site-wide downloads (/data/*.csv, filings.json, ~200 MB
        at 10,000 filings) to ``write_site_data`` (``serve`` calls it once
        the browser has been told to reload). ``changed``: the files a
        watcher saw change; when they are all known filings, the others are
        not looked at (a stat of 10,000 files is a third of an in-place edit)."""
        forget_full()  # whole filings kept from the last build link to its agencies
        if self._good is None:
            self._good = {key: c.sha for key, c in self.state.filings.items()}
        with no_gc(), _template_errors(self.project.layouts):
            if not clean and not search and self._live is not None:
                report = self._quick_build(verify_output, defer_site_data, changed, log or (lambda s: None))
                if report is not None:
                    self._good = {key: c.sha for key, c in self.state.filings.items()}
                    return report
            self._site_data_pending = False
            report = self._build(clean=clean, search=search, jobs=jobs, verify_output=verify_output, log=log)
            self._good = {key: c.sha for key, c in self.state.filings.items()}
            if report.full:  # packs of earlier builds that this state no longer refers to (a long serve session)
                prune(self.pack.folder, self.pack.prefix, _pack_refs(self.state))
            return report

    def write_site_data(self) -> list[str]:
        """Write the site-wide downloads an in-place edit deferred; returns the
        files written."""
        if not self._site_data_pending or self._live is None:
            return []
        with no_gc():
            report = BuildReport(self.out_dir, 0, 0, 0, 0.0, [])
            self.state.file_hashes = self._apply(self._site_data(), None, self._data_identity(), report, False)
            self._site_data_pending = False
            return report.written

    def _data_identity(self) -> str:
        assert self._live is not None
        return sha(f"{self._live.global_fp}\0{self.state.dep_hashes[ALL]}".encode())[:20]

    def _chunks(self, absolute, global_fp: str) -> Callable[[FilingInfo], dict[str, bytes]]:
        """A filing's rows of the site-wide files, from the cache when they
        were made with the same settings."""
        filings = self.state.filings

        def chunks(info: FilingInfo) -> dict[str, bytes]:
            c = filings[info.loaded.path]
            if c.chunks is None or c.chunks_with != global_fp:
                c.chunks, c.chunks_with = filing_chunks(full_info(info), absolute), global_fp
            return c.chunk_data()

        return chunks

    def _site_data(self, only_filings: set[str] | None = None) -> dict[str, bytes]:
        """From the live model: the site-wide downloads, and with
        ``only_filings`` also those filings' own downloads and the assets."""
        live = self._live
        assert live is not None
        config = live.config
        absolute = config.absolute
        chunks = self._chunks(absolute, live.global_fp)
        if only_filings is None:
            return site_data_files(live.site, absolute, config.title, chunks)
        return self._other_files(live.site, absolute, config.title, chunks, live.assets, only_filings,
                                 site_data=not self._site_data_pending)

    def _global_inputs(self) -> tuple[SiteConfig, str, list[MarkdownPage], Assets]:
        """Settings, the taxonomy's fingerprint, Markdown pages, static files."""
        content = self.project.content
        taxonomy_file = content / "taxonomy.yaml"
        taxonomy_fp = sha(taxonomy_file.read_bytes() if taxonomy_file.exists() else b"")[:16]
        return (load_config(content, self.base_path), taxonomy_fp, load_markdown_pages(content / "pages"),
                Assets(self.project.static))

    @staticmethod
    def _global_fingerprint(config: SiteConfig, taxonomy_fp: str, assets: Assets, md_pages: list[MarkdownPage]) -> str:
        return sha(json.dumps([
            CODE_FINGERPRINT, config.model_dump(mode="json"), config.base_path, taxonomy_fp, assets.fingerprint,
            [(p.slug, p.title, p.order) for p in md_pages],
        ], ensure_ascii=False, sort_keys=True).encode())[:16]

    @staticmethod
    def _md_key(md_pages: list[MarkdownPage]) -> list:
        return [(p.slug, p.title, p.order, p.body) for p in md_pages]

    def _quick_build(self, verify_output: bool, defer_site_data: bool, hint: list[str] | None,
                     say: Callable[[str], None]) -> BuildReport | None:
        """Apply edits of existing filings to the live site model in place, and
        render only the pages that show them. Returns None (the caller takes
        the whole way) when anything else changed: settings, taxonomy,
        Markdown pages, static files, templates, the set of filing files, or
        a filing's shape (``analyze.filing_shape``). Nothing is written, and
        the live model is not touched, before every edited file has parsed,
        validated and been found to keep its shape."""
        t0 = time.perf_counter()
        live, state = self._live, self.state
        assert live is not None
        # -- global inputs: all must be as last built
        config, taxonomy_fp, md_pages, assets = self._global_inputs()
        if self._md_key(md_pages) != live.md_key or \
                self._global_fingerprint(config, taxonomy_fp, assets, md_pages) != live.global_fp:
            return None
        renderer = self._renderer(config, assets)
        if self._renderer_key != live.renderer_key:
            return None
        # -- the filing files: the same set, some with new bytes
        known = state.filings
        hinted = [os.path.abspath(p) for p in hint or ()]
        if hinted and all(p in known and os.path.isfile(p) for p in hinted):
            paths = hinted  # the watcher's word: the set of files is unchanged
        else:
            paths = self._filing_paths()
            if paths != live.files:
                return None
        todo: list[tuple[str, tuple[int, int], str]] = []
        touched: dict[str, tuple[int, int]] = {}
        for key in paths:
            stat, st = file_stat(key)
            c = state.filings[key]
            if c.stat == stat:
                continue
            digest = file_hash(key, st)
            if digest == c.sha:
                touched[key] = stat
            else:
                todo.append((key, stat, digest))
        taxonomy = live.site.taxonomy
        t_scan = time.perf_counter()
        fresh = [_parse_one(k, st, d, taxonomy, taxonomy_fp) for k, st, d in todo]
        errors = [p for c in fresh for p in c.problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        if any(c.info is None or state.filings[c.key].info is None
               or filing_shape(c.info) != filing_shape(state.filings[c.key].info) for c in fresh):
            return None
        # -- apply to the live model (in place), then render what shows the edits
        try:
            return self._apply_in_place(fresh, touched, renderer, config, assets, md_pages, verify_output,
                                        defer_site_data, say, t0, t_scan)
        except BaseException:
            self._live = None  # the live model may be half updated: the next build takes the whole way
            raise

    def _apply_in_place(self, fresh, touched, renderer, config, assets, md_pages, verify_output, defer_site_data,
                        say, t0, t_scan) -> BuildReport:
        from .build import render_page

        live, state = self._live, self.state
        assert live is not None
        site = live.site
        for key, stat in touched.items():
            state.filings[key].stat = stat
        for c in fresh:
            old = state.filings[c.key].info
            replace_filing(site, old, c.info, live.places)
            replace_in_views(live.views, old, c.info, live.places)
            state.filings[c.key] = c
            release(old)
        changed = {c.info.dep for c in fresh}
        dep_hash = dict(state.dep_hashes)
        for c in fresh:
            dep_hash[c.info.dep] = c.info.content_hash
        dep_hash[ALL] = every_filing_hash(dep_hash)
        agencies = {c.info.agency.slug: c.info.agency for c in fresh}
        pages = [p for ag in agencies.values() for p in agency_pages(ag)] + live.site_pages
        todo_pages = [p for p in pages if ALL in p.deps or not p.deps.isdisjoint(changed)]
        template_fp = live.template_fp
        for p in todo_pages:
            if p.template not in template_fp:
                template_fp[p.template] = renderer.template_hash(p.template)
        t_render = time.perf_counter()
        outputs = {p.output: render_page(renderer, p) for p in todo_pages}
        t_rendered = time.perf_counter()
        global_fp = live.global_fp
        if changed or (self._site_data_pending and not defer_site_data):
            self._site_data_pending = defer_site_data and (self._site_data_pending or bool(changed))
            outputs.update(self._site_data(changed))
        data_identity = sha(f"{global_fp}\0{dep_hash[ALL]}".encode())[:20]
        warnings = [p for c in state.filings.values() for p in c.problems if p.severity == "warning"]
        report = BuildReport(self.out_dir, len(state.page_fps), 0, len(site.filings), 0.0, warnings, full=False,
                             in_place=True)
        state.file_hashes = self._apply(outputs, None, data_identity, report, verify_output)
        values = live.dep_values
        for d in changed | {ALL}:
            values.pop(d, None)
        values.dep_hash = dep_hash
        for p in todo_pages:
            state.page_fps[p.output] = page_fingerprint(p, global_fp, template_fp, values)
        for ag in agencies.values():
            state.group_fps[ag.slug] = group_fingerprint(global_fp, live.group_tfp, ag)
        state.dep_hashes = dep_hash
        report.rendered = [p.output for p in todo_pages]
        report.files = len(state.file_hashes)
        report.seconds = time.perf_counter() - t0
        ms = lambda a, b: f"{(b - a) * 1000:.0f}"  # noqa: E731
        say(f"applied {len(fresh)} edited filing(s) in place in {report.seconds * 1000:.0f} ms: inputs checked in "
            f"{ms(t0, t_scan)}, parsed and applied in {ms(t_scan, t_render)}, {len(todo_pages)} page(s) rendered in "
            f"{ms(t_render, t_rendered)}, written in {ms(t_rendered, t0 + report.seconds)} ms")
        return report

    def _build(self, *, clean: bool, search: bool, jobs: int, verify_output: bool,
               log: Callable[[str], None] | None) -> BuildReport:
        self._live = None  # set again when this build succeeds
        state = self.state
        if (clean or not state.page_fps or state.out_dir != str(self.out_dir) or not self.out_dir.is_dir()
                or state.version != CODE_FINGERPRINT):
            # a full build: into a staging folder from the start, so that
            # filings' own pages are written as they are parsed
            try:
                with staging(self.out_dir) as st:
                    return self._build_into(st, search=search, jobs=jobs, verify_output=verify_output, log=log)
            finally:
                if self._pool is not None:
                    self._pool.close()
                    self._pool = None
        return self._build_into(None, search=search, jobs=jobs, verify_output=verify_output, log=log)

    def _build_into(self, staged: Staging | None, *, search: bool, jobs: int, verify_output: bool,
                    log: Callable[[str], None] | None) -> BuildReport:
        t0 = time.perf_counter()
        say = log or (lambda s: None)
        prep = self.prepare(jobs, say, staged)
        config, site, md_pages, assets = prep.config, prep.site, prep.md_pages, prep.assets
        renderer = self._renderer(config, assets)
        infos = site.filings
        taxonomy_fp = prep.taxonomy_fp
        problems = prep.warnings

        # -- fingerprints --------------------------------------------------
        global_fp = self._global_fingerprint(config, taxonomy_fp, assets, md_pages)
        dep_hash = {i.dep: i.content_hash for i in infos}
        dep_hash[ALL] = every_filing_hash(dep_hash)
        for mp in md_pages:
            dep_hash[f"page:{mp.slug}"] = sha(mp.body.encode())[:16]
        state = self.state
        full = staged is not None
        prerendered = {rel: h for c in state.filings.values() if c.written for rel, h in c.written.items()}

        # -- the page map: an agency's group is listed only if its inputs changed
        t_map = time.perf_counter()
        group_tfp = sha("".join(renderer.template_hash(t) for t in AGENCY_TEMPLATES).encode())[:16]
        group_fps = {ag.slug: group_fingerprint(global_fp, group_tfp, ag) for ag in site.agencies}
        views = site_views(site)
        values = DepValues(dep_hash)

        def page_map(full: bool):
            """The page map: every page (``full``), or all but unchanged agencies' groups."""
            own_pages: list[Page] = []
            group_urls: dict[str, list[str]] = {}
            kept_outputs: list[str] = []  # outputs of unchanged groups: not listed, not rendered, still expected
            for ag in site.agencies:
                old_urls = state.group_urls.get(ag.slug)
                if not full and old_urls is not None and state.group_fps.get(ag.slug) == group_fps[ag.slug]:
                    group_urls[ag.slug] = old_urls
                    kept_outputs.extend(output_of(u) for u in old_urls)
                    continue
                mine = agency_pages(ag)
                own_pages.extend(mine)
                group_urls[ag.slug] = [p.url for p in mine]
            agency_urls = [u for ag in site.agencies for u in group_urls[ag.slug]]
            shared_pages = site_pages(site, md_pages, agency_urls, views)
            pages = own_pages + shared_pages
            template_fp = {name: renderer.template_hash(name) for name in {p.template for p in pages}}
            fps = {p.output: page_fingerprint(p, global_fp, template_fp, values) for p in pages}
            return group_urls, kept_outputs, agency_urls, shared_pages, pages, template_fp, fps

        group_urls, kept_outputs, agency_urls, shared_pages, pages, template_fp, fps = page_map(full)
        changed = [p for p in pages if state.page_fps.get(p.output) != fps[p.output]]
        if not full and len(changed) > FULL_REBUILD_THRESHOLD:
            # a full write makes a new output folder: every group must be in it
            full = True
            group_urls, kept_outputs, agency_urls, shared_pages, pages, template_fp, fps = page_map(full)
        self._global_fp = global_fp
        say(f"page map: {len(pages)} pages listed, {len(kept_outputs)} unchanged in "
            f"{time.perf_counter() - t_map:.2f} s")

        absolute = config.absolute
        chunks = self._chunks(absolute, global_fp)

        # site-wide downloads are joined from per-filing chunks: their identity
        # is that of the inputs, so a rebuild neither joins nor hashes ~200 MB
        # of CSV at 10,000 filings unless some filing changed
        data_identity = sha(f"{global_fp}\0{dep_hash[ALL]}".encode())[:20]
        changed_filings = {d for d, h in dep_hash.items() if state.dep_hashes.get(d) != h and d.startswith("filing:")}

        report = BuildReport(self.out_dir, len(pages) + len(kept_outputs), 0, len(site.filings), 0.0, [p for p in problems
                             if p.severity == "warning"], full=full)
        if full:
            hashes = self._full_write(renderer, site, absolute, config.title, chunks, assets, jobs, say,
                                      search, report, data_identity, staged, prerendered, shared_pages)
            report.rendered = [p.output for p in pages]
            report.written = sorted(hashes)
        else:
            hashes = self._incremental_write(renderer, changed, pages, kept_outputs, site, absolute, config.title,
                                             chunks, assets, say, search, report, verify_output, changed_filings,
                                             data_identity, jobs)
            report.rendered = [p.output for p in changed]
        state.out_dir = str(self.out_dir)
        state.version = CODE_FINGERPRINT
        state.page_fps = {**{o: state.page_fps[o] for o in kept_outputs}, **fps}
        state.group_fps = group_fps
        state.group_urls = group_urls
        state.file_hashes = hashes
        state.dep_hashes = dep_hash
        report.files = len(hashes)
        report.seconds = time.perf_counter() - t0
        self._live = Live(site, views, md_pages, self._md_key(md_pages), global_fp, self._renderer_key, template_fp,
                          group_tfp, agency_urls, list(state.filings), shared_pages, config, assets, values)
        return report

    def _other_files(self, site, absolute, title, chunks, assets, only_filings: set[str] | None = None,
                     site_data: bool = True) -> dict[str, bytes]:
        """Data downloads and static assets. ``only_filings``: per-filing files
        only for these filing deps (None: all); ``site_data``: the site-wide files."""
        files: dict[str, bytes] = {}
        for name, (out, data) in assets.files.items():
            files[out.lstrip("/")] = data
        for info in site.filings:
            if only_filings is None or info.dep in only_filings:
                files.update(filing_files(full_info(info), absolute, chunks(info)))
        if site_data:
            files.update(site_data_files(site, absolute, title, chunks))
        return files

    def _full_write(self, renderer, site, absolute, title, chunks, assets, jobs, say, search, report,
                    data_identity: str, staged: Staging | None = None,
                    prerendered: dict[str, str] | None = None, shared: list[Page] = ()) -> dict[str, str]:
        """Write the whole site into ``staged`` (or a staging folder of its
        own), but for the files already written there (``prerendered``):
        every agency's own pages, each filing's downloads, and the ``shared``
        pages that list filings across the site."""
        from .build import group, render_groups

        prerendered = prerendered or {}
        hashes: dict[str, str] = dict(prerendered)
        with (nullcontext(staged) if staged is not None else staging(self.out_dir)) as st:
            def write(rel: str, data: bytes) -> str:
                st.write(rel, data)
                return sha(data)

            t = time.perf_counter()
            cached = {i.dep: self.state.filings[i.loaded.path] for i in site.filings}
            todo = {i.dep for i in site.filings
                    if cached[i.dep].chunks is None or cached[i.dep].chunks_with != self._global_fp}
            written = {i.dep for i in site.filings if cached[i.dep].written}
            groups = [group(ag, written, todo) for ag in site.agencies]
            page_hashes, made = render_groups(renderer, st.write, absolute, groups, list(shared), jobs=jobs,
                                              pool=self._pool, progress=lambda n, t: say(f"rendered {n}/{t} pages"))
            if self._pool is not None:  # their work is done: free their memory for what follows
                self._pool.close()
                self._pool = None
            hashes.update(page_hashes)
            for dep, c in made.items():
                cached[dep].chunks, cached[dep].chunks_with = c, self._global_fp
            say(f"pages and per-filing downloads rendered and written in {time.perf_counter() - t:.2f} s")
            t = time.perf_counter()
            done = todo | written
            for rel, data in self._other_files(site, absolute, title, chunks, assets,
                                               {i.dep for i in site.filings} - done, site_data=False).items():
                hashes[rel] = write(rel, data)
            for rel in write_site_data(st.open, site, absolute, title, chunks):
                hashes[rel] = data_identity
            say(f"data downloads and assets in {time.perf_counter() - t:.2f} s")
            if search:
                from .search import index_site

                report.search = index_site(st.path, log=say, jobs=jobs)
        return hashes

    def _apply(self, outputs: dict[str, bytes], expected: set[str] | None, data_identity: str, report: BuildReport,
               verify_output: bool) -> dict[str, str]:
        """Write the outputs whose bytes changed (each atomically), delete files
        no longer produced; returns {output path: hash} of what is on disk."""
        state = self.state
        # expected None: the same files as before (an edit that keeps the site's shape)
        hashes = state.file_hashes if expected is None else {
            rel: h for rel, h in state.file_hashes.items() if rel in expected}
        for rel, data in sorted(outputs.items()):
            h = data_identity if rel in SITE_DATA_FILES else sha(data)
            target = self.out_dir / safe_relpath(rel)
            if hashes.get(rel) == h and target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            hashes[rel] = h
            report.written.append(rel)
        if expected is None and not verify_output:
            return hashes
        known = set(state.file_hashes)
        expected = set(state.file_hashes) if expected is None else expected
        if verify_output:
            early, self.early_listing = self.early_listing, None
            listed = early.result() if early is not None else None
            known.update(listed if listed is not None else output_files(self.out_dir))
        for rel in sorted(known - expected):
            target = self.out_dir / rel
            if target.exists():
                target.unlink()
                report.deleted.append(rel)
            _prune_empty_dirs(target.parent, self.out_dir)
        return hashes

    def _incremental_write(self, renderer, changed, pages, kept_outputs, site, absolute, title, chunks, assets, say, search, report,
                           verify_output: bool, changed_filings: set[str], data_identity: str,
                           jobs: int) -> dict[str, str]:
        from .build import render_page

        state = self.state
        # 1. render everything in memory first: an error here changes nothing on disk
        outputs: dict[str, bytes] = {p.output: render_page(renderer, p) for p in changed}
        site_data = any(state.file_hashes.get(rel) != data_identity for rel in SITE_DATA_FILES)
        outputs.update(self._other_files(site, absolute, title, chunks, assets, changed_filings, site_data))
        expected = set(p.output for p in pages)
        expected.update(kept_outputs)
        expected.update(out.lstrip("/") for out, _ in assets.files.values())
        for info in site.filings:
            expected.update(filing_files_paths(info))
        expected.update(SITE_DATA_FILES)
        # 2. apply: write changed bytes atomically, delete what is no longer produced
        hashes = self._apply(outputs, expected, data_identity, report, verify_output)
        if search and (report.written or report.deleted or not (self.out_dir / "pagefind").is_dir()):
            from .search import index_site

            old = self.out_dir / ".pagefind-old"
            bundle = self.out_dir / "pagefind"
            if bundle.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(bundle, old)
            try:
                report.search = index_site(self.out_dir, log=say, jobs=jobs)
            except BaseException:
                if old.exists():
                    shutil.rmtree(bundle, ignore_errors=True)
                    os.replace(old, bundle)
                raise
            shutil.rmtree(old, ignore_errors=True)
        return hashes


@dataclass
class Prerender:
    """A full build writes into a staging folder that only a successful build
    swaps in, so each filing's pages that depend on it alone (its project
    pages, three in four of the site's) and its downloads are written as
    soon as the whole filing is analysed, in the parse worker: the whole
    filing is never pickled for them. (A build that fails later discards the
    staging folder with them.)"""

    renderer: Renderer
    write: Callable[[str, bytes], None]
    absolute: Callable[[str], str]
    global_fp: str  # the chunks of the site-wide downloads are made with these settings

    def filing(self, whole: FilingInfo) -> tuple[dict[str, str], dict[str, bytes]]:
        """Write ``whole``'s project pages and downloads; ({output: hash}, chunks)."""
        from .build import render_page

        written: dict[str, str] = {}
        for proj in whole.projects:
            page = Page(proj.url, "project.html", frozenset(), lambda proj=proj: project_context(proj))
            data = render_page(self.renderer, page)
            self.write(page.output, data)
            written[page.output] = sha(data)
        files, chunks = filing_downloads(whole, self.absolute)
        for rel, data in files.items():
            self.write(rel, data)
            written[rel] = sha(data)
        return written, chunks


def _parse_one(key: str, stat: tuple[int, int], digest: str, taxonomy, taxonomy_fp: str,
               prerender: Prerender | None = None) -> CachedFiling:
    """Parse, validate and analyze one file (sealed for the cache when it is
    sent to the parent or saved). The cache and the site model keep the
    filing light (``analyze.lighten``)."""
    loaded, problems = validate_file(key)
    if loaded is None:
        return CachedFiling(key, stat, digest, None, problems, None, "")
    info, written, chunks = _analyzed(loaded, taxonomy, digest, prerender)
    c = CachedFiling(key, stat, digest, info.loaded, problems, info, taxonomy_fp, written=written)
    if prerender is not None:
        c.chunks, c.chunks_with = chunks, prerender.global_fp
    return c


def _analyzed(loaded: LoadedFiling, taxonomy, digest: str, prerender: Prerender | None = None
              ) -> tuple[FilingInfo, dict[str, str] | None, dict[str, bytes] | None]:
    """Analyse a whole filing; its light copy, with the views the site-wide
    pages merge computed from the whole one (and what ``prerender`` wrote)."""
    whole = analyze_filing(loaded, taxonomy, content_hash=digest)
    light = lighten(whole)
    derive(light, whole)
    written, chunks = prerender.filing(whole) if prerender is not None else (None, None)
    release(whole)
    return light, written, chunks


PARSE_CHUNK = 64  # files a parse worker hands back at a time
PARSE_POOL_MIN = 200  # fewer files than this are parsed in this process


def _parse_chunk(todo: list[tuple[str, tuple[int, int], str]]) -> list[tuple]:
    taxonomy, taxonomy_fp, prerender, pack = workers.state("parse")
    out = []
    for k, st, d in todo:
        c = _parse_one(k, st, d, taxonomy, taxonomy_fp, prerender)
        sealed, whole, chunks, kept = c.seal(), c.whole, c.chunks, None
        if pack is not None:  # the parent keeps where they are, not the bytes
            whole = pack.put(whole) if whole is not None else None
            chunks = pack.put(pickle.dumps(chunks, protocol=pickle.HIGHEST_PROTOCOL)) if chunks is not None else None
            kept = pack.put(sealed)
        out.append((sealed, whole, c.analyzed_with, c.written, chunks, kept))
        release(c.info)  # the parent gets the bytes; without this a worker kept every filing it parsed
    return out


def _parse_all(todo, taxonomy, taxonomy_fp: str, jobs: int, prerender: Prerender | None = None,
               pack: PackWriter | None = None, pool: workers.Workers | None = None) -> list[CachedFiling]:
    """Parse, validate and analyze files; the result order is the input order.
    Workers (``pool``, else a pool of their own when there are many files)
    hand results back in chunks, in order, so the parent unpickles them while
    the workers go on parsing (not all at the end)."""
    if pool is None:
        if jobs <= 1 or len(todo) < PARSE_POOL_MIN or not workers.can_fork():
            return [_parse_one(k, st, d, taxonomy, taxonomy_fp, prerender) for k, st, d in todo]
        with workers.Workers(jobs, parse=(taxonomy, taxonomy_fp, prerender, pack)) as own:
            return _parse_all(todo, taxonomy, taxonomy_fp, jobs, prerender, pack, own)
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


def output_files(out_dir: Path) -> set[str]:
    """Every file in the output folder, as output paths, but Pagefind's bundle
    (its own)."""
    return {"/".join(parts) for parts, _path in files_under(out_dir, skip=("pagefind",))}


def filing_files_paths(info: FilingInfo) -> list[str]:
    return [info.json_url.lstrip("/"), info.csv_url.lstrip("/")]


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
