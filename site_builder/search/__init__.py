"""Stage 6: the Pagefind search bundle over the built site.

Runs Pagefind's *extended* binary (pip package ``pagefind_bin_extended``,
pinned in pyproject.toml) through its command line, over copies of the
pages that hold only what it indexes (``lean.py``) — never the Python API's
``add_html_file``, which reads one answer per 0.1 s. A
province-sized site is indexed in parts, several at a time, that the search
page searches as one (``index_site``, ``search/parts.js``). The
plain binary cannot segment Chinese (满意度, 预算 would find nothing), so a
run that was not the extended build of the pinned version fails the build
instead of publishing a broken search.

What gets indexed is decided by the pages: ``data-pagefind-body`` on
``<main>`` in the templates, and the filters, sort, metadata and
name-fragment field that ``pages/search_fields.py`` writes (see docs/search.md).
"""
from __future__ import annotations

import errno
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zlib
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator

import cbor2

from ..analysis.site import significant_code
from ..process import die_with_parent
from ..errors import BuildError
from ..output import named_error
from ..pages.search_fields import SORT_KEY
from .lean import pagefind_input

PAGEFIND_VERSION = "1.5.2"  # keep in step with "pagefind[extended]==…" in pyproject.toml
BUNDLE_DIR = "pagefind"  # the bundle's folder inside the site: /pagefind/
BINARY_ENV = "SITE_BUILDER_PAGEFIND_BINARY"  # use another binary (tests, or a system install)
TIMEOUT_SECONDS = 1800
MERGED_DIR = "merged"  # /pagefind/merged/pagefind.js: the module the search page gives Pagefind UI
# Above AUTO_ABOVE_PAGES indexed pages the index is built in parts of at most
# AUTO_PART_PAGES; $SITE_BUILDER_SEARCH_PART_PAGES=N sets the part size for
# any site (0: always one index). Pagefind holds a run's whole index in
# memory, ~2.4 GB per 10,000 of our pages, on one core; parts bound that and
# run `jobs` at a time. At 10,000 filings (97,781 pages) one index also
# failed in the browser: broad queries did not finish in 180 s and 周转房
# missed 3,815 pages that have it; ten parts answered in 3-17 s and found
# them. Parts rank by relevance a little differently from one index, as each
# has its own word statistics (docs/search.md, "An index in parts").
AUTO_ABOVE_PAGES = 20_000
AUTO_PART_PAGES = 10_000
PART_PAGES_ENV = "SITE_BUILDER_SEARCH_PART_PAGES"
BODY_MARK = b"data-pagefind-body"
SORT_MARK = f'data-pagefind-sort="{SORT_KEY}">'.encode()  # as pages/search_fields.py writes it


class SearchIndexError(BuildError):
    """Pagefind did not run, was the wrong build, or produced no usable index."""

    def __init__(self, message: str):
        super().__init__([], f"search index: {message}")


def find_binary(binary: str | os.PathLike[str] | None = None) -> Path:
    """The Pagefind executable: ``binary`` if given, else $SITE_BUILDER_PAGEFIND_BINARY,
    else the one shipped in the pinned ``pagefind_bin_extended`` wheel."""
    chosen = binary or os.environ.get(BINARY_ENV)
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise SearchIndexError(f"Pagefind binary {path} does not exist")
        return path
    try:
        installed = metadata.version("pagefind_bin_extended")
    except metadata.PackageNotFoundError:
        raise SearchIndexError(
            "the extended Pagefind binary is not installed; run: pip install 'pagefind[extended]=="
            f"{PAGEFIND_VERSION}' (or build with --no-search)") from None
    if installed != PAGEFIND_VERSION:
        raise SearchIndexError(
            f"pagefind_bin_extended {installed} is installed but this site is tested with {PAGEFIND_VERSION}; "
            f"run: pip install 'pagefind[extended]=={PAGEFIND_VERSION}'")
    from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]

    return Path(get_executable())


def check_output(output: str) -> str:
    """Raise unless ``output`` is the log of the extended Pagefind of the pinned
    version; return the version found."""
    m = re.search(r"Running Pagefind v(\S+)(?: \(([^)]*)\))?", output)
    if not m:
        raise SearchIndexError(f"unexpected Pagefind output, cannot tell which build ran:\n{output.strip()[:2000]}")
    version, flavour = m.group(1), m.group(2) or ""
    if "non-extended" in output.lower() or flavour.lower() != "extended":
        raise SearchIndexError(
            f"Pagefind v{version} ran in non-extended mode; it cannot segment Chinese, so most searches "
            f"would find nothing. Install the extended build: pip install 'pagefind[extended]=={PAGEFIND_VERSION}' "
            f"(and unset ${BINARY_ENV} if it points at another binary).")
    if version != PAGEFIND_VERSION:
        raise SearchIndexError(f"Pagefind v{version} ran, but this site is built and tested with v{PAGEFIND_VERSION}")
    return version


def _count(output: str, what: str) -> int:
    m = re.search(rf"Indexed (\d+) {what}s?\b", output)
    return int(m.group(1)) if m else 0


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def part_pages() -> int | None:
    """Most pages one bundle holds as $SITE_BUILDER_SEARCH_PART_PAGES sets
    it: N, 0 for one index over the whole site, or None when it is not set
    (bundles by region only above AUTO_ABOVE_PAGES)."""
    raw = os.environ.get(PART_PAGES_ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise SearchIndexError(f"${PART_PAGES_ENV} must be a whole number of pages (0: one index), not {raw!r}")
    return value


SITE_KEY = "site"  # the bundle of the pages no region owns (home, listings), and of a small site's every page
LEVELS = (2, 4, 6)  # a division code's province, city and county digits


def region_of(rel: str) -> str:
    """The division code a page belongs to, from its output path ("": none):
    an agency's pages (/agencies/<region>-<agency>/…) and a region's page
    (/regions/<code>/)."""
    parts = rel.split("/")
    code = ""
    if len(parts) > 1 and parts[0] == "agencies":
        code = parts[1].split("-", 1)[0]
    elif len(parts) > 1 and parts[0] == "regions":
        code = parts[1]
    return significant_code(code) if code.isdigit() and len(code) == 6 else ""


def indexed_pages(pages: dict[str, Path]) -> set[str]:
    """The pages Pagefind indexes: those whose <main> carries data-pagefind-body."""
    return {rel for rel, path in pages.items() if _marked(path)}


HEAD_BYTES = 16384  # our pages' <main> starts within their first ~6 kB


def _marked(path: Path) -> bool:
    """Whether the page at ``path`` carries BODY_MARK: its head, else the
    whole page. One os.read of the head costs half of Path.read_bytes at
    ~100,000 pages (it runs while no Pagefind run has started yet)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, HEAD_BYTES)
        if BODY_MARK in data or len(data) < HEAD_BYTES:
            return BODY_MARK in data
        chunks = [data]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return BODY_MARK in b"".join(chunks)
    finally:
        os.close(fd)


def plan_bundles(indexed: Iterable[str], limit: int | None = None) -> dict[str, list[str]]:
    """The indexed pages grouped into bundles, each searchable alone: one
    bundle (SITE_KEY) for a small site; above the limit (``limit``, else
    $SITE_BUILDER_SEARCH_PART_PAGES, else AUTO_PART_PAGES above
    AUTO_ABOVE_PAGES pages), a bundle per region — a province's pages
    together if they are at most the limit, else each of its cities', else
    each of a city's counties', and a county over the limit in chunks — and
    SITE_KEY for the pages no region owns. A bundle's key is the division
    code its pages share (a chunk's: the county's and its number), so a
    reader's region picks the bundles to search, and an edit re-indexes only
    its region's bundle (and SITE_KEY's)."""
    pages = sorted(indexed)
    setting = part_pages() if limit is None else limit
    if setting == 0:
        return {SITE_KEY: pages}
    limit, above = (setting, setting) if setting else (AUTO_PART_PAGES, AUTO_ABOVE_PAGES)
    if len(pages) <= above:
        return {SITE_KEY: pages}
    bundles: dict[str, list[str]] = {SITE_KEY: []}

    def place(group: list[tuple[str, str]], prefix: str, level: int) -> None:
        if len(group) <= limit or level >= len(LEVELS):
            if len(group) <= limit:
                bundles[prefix] = [rel for _, rel in group]
            else:  # one county over the limit: consecutive chunks
                for n, at in enumerate(range(0, len(group), limit), start=1):
                    bundles[f"{prefix}-{n}"] = [rel for _, rel in group[at:at + limit]]
            return
        digits = LEVELS[level]
        below: dict[str, list[tuple[str, str]]] = {}
        for code, rel in group:
            if len(code) < digits:  # the region's own page above this level: no bundle of its own
                bundles[SITE_KEY].append(rel)
            else:
                below.setdefault(code[:digits], []).append((code, rel))
        for sub, members in sorted(below.items()):
            place(members, sub, level + 1)

    by_province: dict[str, list[tuple[str, str]]] = {}
    for rel in pages:
        code = region_of(rel)
        if code:
            by_province.setdefault(code[:LEVELS[0]], []).append((code, rel))
        else:
            bundles[SITE_KEY].append(rel)
    for province, members in sorted(by_province.items()):
        place(members, province, 1)
    bundles[SITE_KEY].sort()
    return bundles


def site_pages(site: Path) -> dict[str, Path]:
    """The HTML pages of a built site, but the search bundle's own."""
    pages = {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")}
    return {rel: p for rel, p in pages.items() if not rel.startswith(BUNDLE_DIR + "/")}


def _input_tree(pages: dict[str, Path], into: Path) -> None:
    """``into`` gets what Pagefind reads of ``pages`` (lean.pagefind_input)
    at their output paths, so Pagefind gives them the same URLs."""
    made: set[Path] = set()
    for rel, source in pages.items():
        target = into / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            target.write_bytes(pagefind_input(source.read_bytes()))
        except OSError as exc:  # a full disk: say where
            raise named_error(exc, target) from None


def _start(exe: Path, source: Path, output: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as fh:
        try:
            return subprocess.Popen(
                [str(exe), "--site", str(source), "--output-path", str(output)],
                stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"}, preexec_fn=die_with_parent,  # a killed build must not leave Pagefind writing
            )
        except OSError as exc:
            raise SearchIndexError(f"could not run Pagefind ({exe}): {exc}") from exc


def _finish(code: int, output: Path, log: Path) -> dict:
    """One finished Pagefind run's figures, or SearchIndexError."""
    output_log = log.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        raise SearchIndexError(f"Pagefind failed (exit code {code}):\n{output_log.strip()[-3000:]}")
    version = check_output(output_log)
    pages = _count(output_log, "page")
    if pages == 0:
        raise SearchIndexError(f"Pagefind indexed no pages (is data-pagefind-body on <main>?):\n{output_log.strip()[-2000:]}")
    verify_bundle(output)
    return {"pages": pages, "words": _count(output_log, "word"), "filters": _count(output_log, "filter"),
            "sorts": _count(output_log, "sort"), "version": version}


def _run_all(exe: Path, outputs: list[Path], sizes: list[int], prepare: Callable[[int], Path],
             logs: Path, jobs: int, meanwhile: Callable[[], None] | None = None,
             finished: Callable[[int], None] | None = None) -> list[dict]:
    """Pagefind into each of ``outputs``, over runs of ``sizes`` pages,
    ``jobs`` at a time, the largest first (so that no large bundle is left
    to run alone at the end), started and awaited from this thread (the
    parent-death signal follows the thread that started a child).
    ``prepare(i)`` makes run i's source and returns it; the next run's is
    made while the others index, so that the first run starts after one
    bundle's input, not after every bundle's; ``finished(i)`` is called when
    run i has succeeded (its source is no longer needed). ``meanwhile()`` is
    called once, as soon as the first run has started (or at once when there
    is none): the caller's own work beside it. The first failure stops the
    others."""
    procs: dict[int, tuple[subprocess.Popen, float]] = {}
    results: dict[int, dict] = {}
    todo = sorted(range(len(outputs)), key=lambda i: -sizes[i])
    sources: dict[int, Path] = {}

    def ready(i: int) -> Path:
        if i not in sources:
            sources[i] = prepare(i)
        return sources[i]

    try:
        while todo or procs:
            while todo and len(procs) < max(1, jobs):
                i = todo.pop(0)
                procs[i] = (_start(exe, ready(i), outputs[i], logs / f"log-{i}"), time.monotonic())
                if meanwhile is not None:
                    meanwhile, then = None, meanwhile
                    then()
            if todo:  # the next run's source, while these run
                ready(todo[0])
            for i, (proc, started) in list(procs.items()):
                code = proc.poll()
                if code is None:
                    if time.monotonic() - started > TIMEOUT_SECONDS:
                        raise SearchIndexError(f"Pagefind did not finish within {TIMEOUT_SECONDS} s")
                    continue
                del procs[i]
                results[i] = _finish(code, outputs[i], logs / f"log-{i}")
                if finished is not None:
                    finished(i)
            if procs:
                time.sleep(0.02)
    finally:
        for proc, _ in procs.values():
            proc.kill()
            proc.wait()
    if meanwhile is not None:
        meanwhile()
    return [results[i] for i in range(len(outputs))]


@contextmanager
def _scratch(site: Path, given: str | os.PathLike[str] | None) -> Iterator[Path]:
    """A folder for the parts' input, bundles and logs: ``given``, or a new
    one beside the site (the same file system: os.replace into it), removed
    afterwards."""
    if given is not None:
        yield Path(given)
        return
    tmp = tempfile.mkdtemp(prefix=".search-", dir=site.parent)
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def index_site(site_dir: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, *,
               pages: dict[str, Path] | None = None, bundles: dict[str, list[str]] | None = None,
               only: Iterable[str] | None = None, names: dict[str, str] | None = None,
               places: dict[str, str] | None = None, meanwhile: Callable[[], None] | None = None,
               scratch: str | os.PathLike[str] | None = None, memory: Path | None = None,
               log: Callable[[str], None] | None = None,
               binary: str | os.PathLike[str] | None = None, jobs: int = 1) -> dict:
    """Index a built site's pages into search bundles under ``root`` (default
    ``site_dir/pagefind/``).

    ``pages`` (output path → file, default: every page in ``site_dir``) are
    the site's pages, staged or published; Pagefind reads each bundle's
    pages as copies in ``scratch`` that hold only what it indexes
    (lean.pagefind_input), a folder for the work (default: a new one beside
    the site), or in ``memory`` (a folder on a memory file system: each
    bundle's copies are deleted once it is indexed; when it is full, the rest
    go to ``scratch``). ``bundles`` is the plan (default:
    ``plan_bundles`` over the pages that carry data-pagefind-body); only the
    bundles in ``only`` are indexed (default: all), into
    ``root/b/<key>/``, up to ``jobs`` Pagefind runs at a time, each checked
    before it is used (verify_bundle: Pagefind has exited 0 after writing
    empty files on a full disk). Pagefind's scripts go to ``root`` itself
    when the SITE_KEY bundle is indexed, and ``root/merged/pagefind.js``
    (search/parts.js with every bundle of the plan, its region's name from
    ``names`` and its places' short names from ``places``) is the module the
    search page loads. ``meanwhile()``, if given, is called once, as soon as
    the first Pagefind run has started: the caller's own work that is not
    the pages' (a build's site-wide downloads), on the core that run leaves.

    Returns a small report: pages and words indexed, filters and sorts, the
    bundles indexed and in all, the files and bytes written, the Pagefind
    version and the time taken. Raises SearchIndexError (a BuildError) on
    any failure, so the build never publishes a site without working search.
    """
    say = log or (lambda s: None)
    site = Path(site_dir).resolve()
    root = Path(root) if root is not None else site / BUNDLE_DIR
    exe = find_binary(binary)
    t0 = time.perf_counter()
    listed = pages if pages is not None else site_pages(site)
    plan = bundles if bundles is not None else plan_bundles(indexed_pages(listed))
    todo = [key for key in plan if only is None or key in set(only)]
    with _scratch(site, scratch) as work:
        in_memory = memory is not None  # where the pages as Pagefind reads them go, else the scratch folder

        def prepare(n: int) -> Path:
            nonlocal in_memory
            key = todo[n]
            if in_memory:
                source = memory / f"site-{n}"
                try:
                    return make_source(key, source)
                except OSError as exc:
                    shutil.rmtree(source, ignore_errors=True)
                    if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                        raise
                    in_memory = False  # memory is full: this bundle's and the rest on disk
            return make_source(key, work / f"site-{n}")

        def make_source(key: str, source: Path) -> Path:
            _input_tree({rel: listed[rel] for rel in plan[key]}, source)
            if not plan[key]:  # a bundle Pagefind can run over: a site whose every page is a region's
                source.mkdir(parents=True, exist_ok=True)
                (source / "empty.html").write_text(EMPTY_PAGE, encoding="utf-8")
            return source

        def finished(n: int) -> None:  # memory is for the next runs
            if memory is not None:
                shutil.rmtree(memory / f"site-{n}", ignore_errors=True)

        outputs = [work / f"bundle-{n}" for n in range(len(todo))]
        runs = _run_all(exe, outputs, [len(plan[key]) for key in todo], prepare, work, jobs, meanwhile, finished)
        for key, output in zip(todo, outputs):
            if key == SITE_KEY:  # its instance is made first: it keeps Pagefind's worker and real WebAssembly
                _scripts(output, root)
            else:
                _slim_part(output)
            target = root / BUNDLES_DIR / key
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                raise SearchIndexError(f"{target} already exists; a bundle is written where there is none")
            _move(output, target)
    merged = root / MERGED_DIR
    merged.mkdir(parents=True, exist_ok=True)
    (merged / "pagefind.js").write_text(merged_module(plan, names or {}, places), encoding="utf-8")
    files, size = _size(root)
    report = {
        "pages": sum(r["pages"] for r in runs),
        "words": sum(r["words"] for r in runs),
        "filters": max((r["filters"] for r in runs), default=0),
        "sorts": max((r["sorts"] for r in runs), default=0),
        "bundles": len(plan),
        "indexed_bundles": len(runs),
        "files": files,
        "bytes": size,
        "index_bytes": sum(_size(p)[1] for p in (root / BUNDLES_DIR).glob("*/index")),
        "version": runs[0]["version"] if runs else PAGEFIND_VERSION,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    say(f"search index: {report['pages']} pages in {len(runs)} of {len(plan)} bundle(s), {report['words']} words, "
        f"{report['filters']} filters, {size / 1024:.0f} KB written (Pagefind {report['version']} extended, "
        f"{report['seconds']} s)")
    return report


BUNDLES_DIR = "b"  # /pagefind/b/<key>/: one folder per bundle
# A page Pagefind can index when a bundle has none of its own (Pagefind fails on a folder without pages).
EMPTY_PAGE = '<!doctype html><html lang="zh-CN"><head><title>.</title></head><body><main data-pagefind-body>.</main></body></html>'
SCRIPTS = ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-worker.js", "pagefind-highlight.js",
           "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css")


def _scripts(output: Path, root: Path) -> None:
    """Pagefind's scripts and styles (the same for every bundle of a version)
    to ``root``, where the search page loads them."""
    root.mkdir(parents=True, exist_ok=True)
    for name in SCRIPTS:
        if (output / name).is_file():
            shutil.copyfile(output / name, root / name)


# Pagefind's files are gzip streams whose content starts with this signature
# (then CBOR for the metadata, index and filter chunks, JSON for fragments).
SIGNATURE = b"pagefind_dcd"
PROBE_WORD = "预算"  # on nearly every page (a bundle without it is queried for its own first word)


def _decoded(path: Path) -> bytes:
    """A bundle file's content; SearchIndexError when it is missing, empty or
    not in Pagefind's format."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SearchIndexError(f"the bundle's {path.name} cannot be read: {exc.strerror}") from None
    if not raw:
        raise SearchIndexError(f"the bundle's {path} is empty (a full disk?)")
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error):
        raise SearchIndexError(f"the bundle's {path} is damaged (not gzip)") from None
    if not data.startswith(SIGNATURE):
        raise SearchIndexError(f"the bundle's {path} is not a Pagefind file")
    return data[len(SIGNATURE):]


def verify_bundle(bundle: Path, probe: str = PROBE_WORD) -> int:
    """Check a Pagefind bundle before it is published: its entry names an
    index whose metadata, index chunks, filter chunks and page fragments
    all exist and are not empty, its scripts are not empty, and a real query
    for ``probe`` through the index finds pages whose fragments name their
    URLs. Returns the number of pages found; SearchIndexError otherwise."""
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        languages = entry["languages"]
    except (OSError, ValueError, KeyError, TypeError):
        raise SearchIndexError(f"{bundle}/pagefind-entry.json is missing or damaged") from None
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css"):
        p = bundle / name
        if not p.is_file() or p.stat().st_size == 0:
            raise SearchIndexError(f"the bundle's {name} is missing or empty")
    if not languages:
        raise SearchIndexError(f"{bundle}/pagefind-entry.json names no index")
    found = 0
    for lang in languages.values():
        try:
            meta = cbor2.loads(_decoded(bundle / f"pagefind.{lang['hash']}.pf_meta"))
            pages, chunks, filters = meta[1], meta[2], meta[3]
        except (cbor2.CBORDecodeError, KeyError, IndexError, TypeError) as exc:
            raise SearchIndexError(f"the bundle's metadata cannot be read ({exc})") from None
        if len(pages) != lang.get("page_count", len(pages)):
            raise SearchIndexError("the bundle's metadata lists another number of pages than its entry")
        for name, path in ([(c[2], bundle / "index" / f"{c[2]}.pf_index") for c in chunks]
                           + [(f[1], bundle / "filter" / f"{f[1]}.pf_filter") for f in filters]
                           + [(p[0], bundle / "fragment" / f"{p[0]}.pf_fragment") for p in pages]):
            if not path.is_file() or path.stat().st_size == 0:
                raise SearchIndexError(f"the bundle's {path.relative_to(bundle)} is missing or empty")
        hits = _query(bundle, pages, chunks, probe)
        if not hits and probe == PROBE_WORD and chunks:  # a bundle without the word: its own first word
            hits = _query(bundle, pages, chunks, chunks[0][0])
        found += hits
    if found == 0:
        raise SearchIndexError(f"a test query for {probe!r} finds no page in the bundle")
    return found


def _query(bundle: Path, pages: list, chunks: list, word: str) -> int:
    """Look ``word`` up the way Pagefind does: the index chunk whose range
    holds it, its postings, and the fragment of each page found."""
    for first, last, chunk in chunks:
        if first <= word <= last:
            try:
                words = cbor2.loads(_decoded(bundle / "index" / f"{chunk}.pf_index"))[0]
                postings = next((w[1] for w in words if w[0] == word), [])
            except (cbor2.CBORDecodeError, IndexError, TypeError) as exc:
                raise SearchIndexError(f"the bundle's index chunk {chunk} cannot be read ({exc})") from None
            for posting in postings[:3]:
                fragment = bundle / "fragment" / f"{pages[posting[0]][0]}.pf_fragment"
                try:
                    url = json.loads(_decoded(fragment))["url"]
                except (ValueError, KeyError, IndexError, TypeError):
                    raise SearchIndexError(f"the bundle's {fragment.name} cannot be read") from None
                if not url:
                    raise SearchIndexError(f"the bundle's {fragment.name} names no page")
            return len(postings)
    return 0


# A part's own WebAssembly file, as an empty payload in Pagefind's format
# (its "uncompressed" signature and nothing after it). search/parts.js makes
# the first part's instance before the others, and Pagefind's wasm-bindgen
# loader compiles the module once and hands that one to every later instance
# without looking at what it was given; each instance still fetches its own
# file first, which would be ten 68 kB copies for one search.
PART_WASM_STUB = b"pagefind_dcd"
PART_KEEPS = ("pagefind-entry.json", "*.pf_meta", "index", "filter", "fragment")  # what a part's instance reads


def _slim_part(folder: Path) -> None:
    """Keep in a region's bundle only what its instance reads: its entry,
    metadata, index, filter and fragment files, and a stub for its
    WebAssembly. The scripts, Pagefind's worker (one for every instance,
    started from the first instance's folder) and the real WebAssembly are
    the SITE_KEY bundle's, whose instance the search module makes first."""
    keep = {p for pattern in PART_KEEPS for p in folder.glob(pattern)}
    for path in folder.iterdir():
        if path.name.startswith("wasm.") and path.name.endswith(".pagefind"):
            path.write_bytes(PART_WASM_STUB)
        elif path not in keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError:  # the scratch folder is on another file system
        shutil.move(str(src), str(dst))


def merged_module(plan: dict[str, list[str]], names: dict[str, str], places: dict[str, str] | None = None) -> str:
    """search/parts.js with the list of bundles: each one's key, folder
    (relative to /pagefind/merged/), the name of the region it holds
    (``names``: significant division code → full name) and the short names
    of the places in it (``places``: code → short name), by which a query
    that names a place is searched in its bundle first."""
    source = (Path(__file__).with_name("parts.js")).read_text(encoding="utf-8")
    placeholder = 'const BUNDLES = [{ key: "site", folder: "../b/site/" }];'
    if placeholder not in source:
        raise SearchIndexError("search/parts.js has lost its BUNDLES line")

    listed = []
    for key, rels in sorted(plan.items(), key=lambda kv: (kv[0] != SITE_KEY, kv[0])):
        region = key.split("-")[0]
        entry = {"key": key, "folder": f"../{BUNDLES_DIR}/{key}/", "pages": len(rels)}
        if region in names:
            entry["name"] = names[region]
        inside = sorted({short for code, short in (places or {}).items() if short and code.startswith(region)})
        if key != SITE_KEY and inside:
            entry["places"] = inside
        listed.append(entry)
    return source.replace(placeholder, f"const BUNDLES = {json.dumps(listed, ensure_ascii=False)};", 1)
