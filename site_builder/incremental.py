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

import hashlib
import json
import os
import pickle
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .analyze import FilingInfo, SiteModel, analyze_filing, build_site_model
from .categories import load_taxonomy
from .config import SiteConfig, load_config
from .data_export import filing_chunks, filing_files, site_data_files
from .load import Problem, find_yaml_files
from .pages import ALL, MarkdownPage, Page, build_pages, load_markdown_pages
from .render import Assets, Renderer
from .validate import LoadedFiling, check_across, validate_file
from .write import staging

STATE_VERSION = 1
# above this many changed pages a rebuild is done as a full staged build
FULL_REBUILD_THRESHOLD = 5000


class BuildError(Exception):
    """A build that must not replace the published site."""

    def __init__(self, problems: list[Problem], message: str = ""):
        self.problems = problems
        super().__init__(message or "\n".join(p.format() for p in problems))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    chunks: dict[str, bytes] | None = None
    chunks_with: str = ""  # global fingerprint the chunks were made with


@dataclass
class State:
    out_dir: str = ""
    version: str = ""
    filings: dict[str, CachedFiling] = field(default_factory=dict)
    page_fps: dict[str, str] = field(default_factory=dict)  # output path -> fingerprint
    file_hashes: dict[str, str] = field(default_factory=dict)  # output path -> sha of bytes on disk
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
    pages: list[Page]
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


def state_path(root: Path, out_dir: Path) -> Path:
    key = sha(str(out_dir.resolve()).encode())[:16]
    return Path(root).resolve() / ".cache" / "site-builder" / f"state-{key}.pickle"


def load_state(path: Path) -> State:
    try:
        with open(path, "rb") as fh:
            version, state = pickle.load(fh)
        if version == (STATE_VERSION, CODE_FINGERPRINT):
            return state
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        pass
    return State()


def save_state(path: Path, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        pickle.dump(((STATE_VERSION, CODE_FINGERPRINT), state), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


class Builder:
    """Builds one project into one output folder, remembering what it made."""

    def __init__(self, root: Path, out_dir: Path, *, base_path: str | None = None, state: State | None = None):
        self.project = Project(root)
        self.out_dir = Path(out_dir).resolve()
        self.base_path = base_path
        self.state = state or State()

    # -- inputs ----------------------------------------------------------
    def _scan_filings(self, taxonomy, taxonomy_fp: str, jobs: int) -> list[CachedFiling]:
        """Re-use cached filings whose bytes did not change; parse, validate
        and analyze the others (in worker processes when there are many)."""
        cache = self.state.filings
        fresh: dict[str, CachedFiling] = {}
        todo: list[tuple[str, tuple[int, int], str]] = []
        for path in find_yaml_files([self.project.content / "filings"]):
            key = str(path)
            st = path.stat()
            stat = (st.st_mtime_ns, st.st_size)
            c = cache.get(key)
            if c is not None and c.stat == stat:
                fresh[key] = c
                continue
            digest = sha(path.read_bytes())
            if c is not None and c.sha == digest:
                c.stat = stat
                fresh[key] = c
                continue
            fresh[key] = None  # type: ignore[assignment]  # keeps the file order
            todo.append((key, stat, digest))
        for c in _parse_all(todo, taxonomy, taxonomy_fp, jobs):
            fresh[c.key] = c
        self.state.filings = fresh
        return list(fresh.values())

    # -- the build ---------------------------------------------------------
    def _renderer(self, config: SiteConfig, assets: Assets) -> Renderer:
        """Keep Jinja's compiled templates between rebuilds while the layouts,
        settings and assets are unchanged (compiling is most of a small rebuild)."""
        h = hashlib.sha256(json.dumps([config.model_dump(mode="json"), config.base_path, assets.fingerprint],
                                      sort_keys=True).encode())
        for p in sorted(self.project.layouts.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(self.project.layouts).as_posix().encode() + b"\0" + p.read_bytes())
        key = h.hexdigest()
        if getattr(self, "_renderer_key", None) != key:
            self._renderer_obj, self._renderer_key = Renderer(self.project.layouts, config, assets), key
        return self._renderer_obj

    def prepare(self, jobs: int = 1, say: Callable[[str], None] = lambda s: None) -> Prepared:
        """Inputs → validated, analyzed site model and page map. Raises
        BuildError listing every error; nothing is written."""
        project = self.project
        config = load_config(project.content, self.base_path)
        taxonomy_file = project.content / "taxonomy.yaml"
        taxonomy = load_taxonomy(taxonomy_file)
        taxonomy_fp = sha(taxonomy_file.read_bytes() if taxonomy_file.exists() else b"")[:16]
        md_pages = load_markdown_pages(project.content / "pages")
        assets = Assets(project.static)

        t_scan = time.perf_counter()
        cached = self._scan_filings(taxonomy, taxonomy_fp, jobs)
        say(f"read {len(cached)} filings in {time.perf_counter() - t_scan:.2f} s")
        loaded = [c.loaded for c in cached if c.loaded is not None]
        problems = [p for c in cached for p in c.problems] + check_across(loaded)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        if not loaded:
            raise BuildError([Problem(str(project.content / "filings"), 1, 1, "error", "no filings found")])
        for c in cached:
            if c.info is None or c.analyzed_with != taxonomy_fp:
                c.info = analyze_filing(c.loaded, taxonomy, content_hash=c.sha)
                c.analyzed_with = taxonomy_fp
                c.chunks = None
        t_model = time.perf_counter()
        site = build_site_model([c.info for c in cached], taxonomy)
        say(f"{len(site.filings)} filings, {site.totals.projects} projects, {site.totals.indicators} indicators")
        pages = build_pages(site, md_pages)
        say(f"site model and page map in {time.perf_counter() - t_model:.2f} s")
        return Prepared(config, site, md_pages, pages, assets, taxonomy_fp,
                        [p for p in problems if p.severity == "warning"])

    def build(self, *, clean: bool = False, search: bool = False, jobs: int = 1, verify_output: bool = True,
              log: Callable[[str], None] | None = None) -> BuildReport:
        """The whole build: prepare, fingerprint, render what changed, write.
        ``verify_output``: also delete files in the output folder that no
        build produced (a walk of the folder; ``serve`` trusts its own state)."""
        t0 = time.perf_counter()
        say = log or (lambda s: None)
        prep = self.prepare(jobs, say)
        config, site, md_pages, pages, assets = prep.config, prep.site, prep.md_pages, prep.pages, prep.assets
        renderer = self._renderer(config, assets)
        infos = site.filings
        taxonomy_fp = prep.taxonomy_fp
        problems = prep.warnings

        # -- fingerprints --------------------------------------------------
        global_fp = sha(json.dumps([
            CODE_FINGERPRINT, config.model_dump(mode="json"), config.base_path, taxonomy_fp, assets.fingerprint,
            [(p.slug, p.title, p.order) for p in md_pages],
        ], ensure_ascii=False, sort_keys=True).encode())[:16]
        dep_hash = {i.dep: i.content_hash for i in infos}
        dep_hash[ALL] = sha("".join(sorted(dep_hash.values())).encode())[:16]
        for mp in md_pages:
            dep_hash[f"page:{mp.slug}"] = sha(mp.body.encode())[:16]
        template_fp = {name: renderer.template_hash(name) for name in {p.template for p in pages}}

        def fingerprint(page: Page) -> str:
            parts = [global_fp, template_fp[page.template], page.url, *sorted(d if d.startswith("const:") else dep_hash[d] for d in page.deps)]
            return sha("\0".join(parts).encode())[:20]

        fps = {p.output: fingerprint(p) for p in pages}

        absolute = config.absolute

        def chunks(info: FilingInfo) -> dict[str, bytes]:
            c = self.state.filings[info.loaded.path]
            if c.chunks is None or c.chunks_with != global_fp:
                c.chunks, c.chunks_with = filing_chunks(info, absolute), global_fp
            return c.chunks

        state = self.state
        full = (clean or not state.page_fps or state.out_dir != str(self.out_dir) or not self.out_dir.is_dir()
                or state.version != CODE_FINGERPRINT)
        changed = [p for p in pages if state.page_fps.get(p.output) != fps[p.output]]
        if not full and len(changed) > FULL_REBUILD_THRESHOLD:
            full = True

        report = BuildReport(self.out_dir, len(pages), 0, len(site.filings), 0.0, [p for p in problems
                             if p.severity == "warning"], full=full)
        if full:
            hashes = self._full_write(renderer, pages, site, absolute, config.title, chunks, assets, jobs, say,
                                      search, report)
            report.rendered = [p.output for p in pages]
            report.written = sorted(hashes)
        else:
            hashes = self._incremental_write(renderer, changed, pages, site, absolute, config.title, chunks,
                                             assets, say, search, report, verify_output)
            report.rendered = [p.output for p in changed]
        state.out_dir = str(self.out_dir)
        state.version = CODE_FINGERPRINT
        state.page_fps = fps
        state.file_hashes = hashes
        report.files = len(hashes)
        report.seconds = time.perf_counter() - t0
        return report

    def _other_files(self, site, absolute, title, chunks, assets, only_filings: set[str] | None = None
                     ) -> dict[str, bytes]:
        """Data downloads and static assets. ``only_filings``: per-filing files
        only for these filing deps (None: all)."""
        files: dict[str, bytes] = {}
        for name, (out, data) in assets.files.items():
            files[out.lstrip("/")] = data
        for info in site.filings:
            if only_filings is None or info.dep in only_filings:
                files.update(filing_files(info, absolute))
        files.update(site_data_files(site, absolute, title, chunks))
        return files

    def _full_write(self, renderer, pages, site, absolute, title, chunks, assets, jobs, say, search, report
                    ) -> dict[str, str]:
        from .build import render_pages

        hashes: dict[str, str] = {}
        with staging(self.out_dir) as st:
            def write(rel: str, data: bytes) -> str:
                st.write(rel, data)
                return sha(data)

            t = time.perf_counter()
            hashes.update(render_pages(renderer, pages, write, lambda n, t: say(f"rendered {n}/{t} pages"), jobs=jobs))
            say(f"pages rendered and written in {time.perf_counter() - t:.2f} s")
            t = time.perf_counter()
            for rel, data in self._other_files(site, absolute, title, chunks, assets).items():
                hashes[rel] = write(rel, data)
            say(f"data downloads and assets in {time.perf_counter() - t:.2f} s")
            if search:
                from .search import index_site

                report.search = index_site(st.path, log=say)
        return hashes

    def _incremental_write(self, renderer, changed, pages, site, absolute, title, chunks, assets, say, search, report,
                           verify_output: bool) -> dict[str, str]:
        from .build import render_page

        state = self.state
        # 1. render everything in memory first: an error here changes nothing on disk
        outputs: dict[str, bytes] = {p.output: render_page(renderer, p) for p in changed}
        changed_filings = {d for p in changed for d in p.deps if d.startswith("filing:")}
        if any(ALL in p.deps for p in changed):
            # data files only change when some filing (or the settings) changed
            outputs.update(self._other_files(site, absolute, title, chunks, assets, changed_filings))
        else:
            for name, (out, data) in assets.files.items():
                outputs[out.lstrip("/")] = data
        expected = set(p.output for p in pages)
        expected.update(out.lstrip("/") for out, _ in assets.files.values())
        for info in site.filings:
            expected.update(filing_files_paths(info))
        expected.update(f"data/{n}" for n in ("filings.csv", "projects.csv", "indicators.csv", "notes.csv",
                                             "filings.json", "datapackage.json", "filing.schema.json"))
        # 2. apply: write changed bytes atomically, delete what is no longer produced
        hashes = {rel: h for rel, h in state.file_hashes.items() if rel in expected}
        for rel, data in sorted(outputs.items()):
            h = sha(data)
            target = self.out_dir / rel
            if hashes.get(rel) == h and target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            hashes[rel] = h
            report.written.append(rel)
        known = set(state.file_hashes)
        if verify_output:
            for dirpath, dirnames, filenames in os.walk(self.out_dir):
                rel_dir = os.path.relpath(dirpath, self.out_dir)
                if rel_dir == ".":
                    dirnames[:] = [d for d in dirnames if d != "pagefind"]  # Pagefind's bundle is its own
                prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
                known.update(prefix + f for f in filenames)
        for rel in sorted(known - expected):
            target = self.out_dir / rel
            if target.exists():
                target.unlink()
                report.deleted.append(rel)
            _prune_empty_dirs(target.parent, self.out_dir)
        if search and (report.written or report.deleted or not (self.out_dir / "pagefind").is_dir()):
            from .search import index_site

            old = self.out_dir / ".pagefind-old"
            bundle = self.out_dir / "pagefind"
            if bundle.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(bundle, old)
            try:
                report.search = index_site(self.out_dir, log=say)
            except BaseException:
                if old.exists():
                    shutil.rmtree(bundle, ignore_errors=True)
                    os.replace(old, bundle)
                raise
            shutil.rmtree(old, ignore_errors=True)
        return hashes


def _parse_one(key: str, stat: tuple[int, int], digest: str, taxonomy, taxonomy_fp: str) -> CachedFiling:
    loaded, problems = validate_file(key)
    c = CachedFiling(key, stat, digest, loaded, problems)
    if loaded is not None:
        c.info = analyze_filing(loaded, taxonomy, content_hash=digest)
        c.analyzed_with = taxonomy_fp
    return c


_PARSE_STATE: tuple | None = None  # inherited by forked workers


def _parse_slice(worker: int, jobs: int) -> list[CachedFiling]:
    assert _PARSE_STATE is not None
    todo, taxonomy, taxonomy_fp = _PARSE_STATE
    return [_parse_one(k, st, d, taxonomy, taxonomy_fp) for k, st, d in todo[worker::jobs]]


def _parse_all(todo, taxonomy, taxonomy_fp: str, jobs: int) -> list[CachedFiling]:
    """Parse, validate and analyze files; the result order is the input order."""
    global _PARSE_STATE
    import multiprocessing as mp

    if jobs <= 1 or len(todo) < 200 or "fork" not in mp.get_all_start_methods():
        return [_parse_one(k, st, d, taxonomy, taxonomy_fp) for k, st, d in todo]
    _PARSE_STATE = (todo, taxonomy, taxonomy_fp)
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            parts = pool.starmap(_parse_slice, [(w, jobs) for w in range(jobs)])
    finally:
        _PARSE_STATE = None
    out: list[CachedFiling] = [None] * len(todo)  # type: ignore[list-item]
    for w, part in enumerate(parts):
        out[w::jobs] = part
    return out


def filing_files_paths(info: FilingInfo) -> list[str]:
    return [info.json_url.lstrip("/"), info.csv_url.lstrip("/")]


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
