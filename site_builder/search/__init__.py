"""Stage 6: the Pagefind search bundle over the built site.

Runs Pagefind's *extended* binary (pip package ``pagefind_bin_extended``,
pinned in pyproject.toml) over the output folder, through its command line —
never the Python API's ``add_html_file``, which waits 0.1 s per page. A
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
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

import cbor2

from ..process import die_with_parent
from ..errors import BuildError
from ..pages.search_fields import SORT_KEY

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
    """Most pages one Pagefind run indexes as $SITE_BUILDER_SEARCH_PART_PAGES
    sets it: N, 0 for one run over the whole site, or None when it is not
    set (parts only above AUTO_ABOVE_PAGES)."""
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


def plan_parts(pages: dict[str, Path], limit: int, above: int | None = None) -> list[list[str]] | None:
    """Split the pages Pagefind would index (``pages``: output path → file)
    into parts of at most ``limit`` pages when there are more than ``above``
    (default ``limit``) of them (None: one run over the whole site will do).

    The parts hold consecutive ranges of the 预算金额 sort value, highest
    first, so the search page can give an exact sorted search over all of
    them without knowing any amount (search/parts.js). Pages without the
    sort (listings) are dealt out in turn. Only pages that carry
    ``data-pagefind-body`` are indexed by Pagefind, so only they count."""
    above = limit if above is None else above
    if len(pages) <= above:
        return None
    ranked: list[tuple[Decimal, str]] = []
    unranked: list[str] = []
    for rel in sorted(pages):
        data = pages[rel].read_bytes()
        if BODY_MARK not in data:
            continue
        at = data.find(SORT_MARK)
        amount = None
        if at >= 0:
            start = at + len(SORT_MARK)
            try:
                amount = Decimal(data[start:data.index(b"<", start)].decode())
            except (ValueError, ArithmeticError):
                amount = None
        if amount is None or not amount.is_finite():
            unranked.append(rel)
        else:
            ranked.append((amount, rel))
    count = len(ranked) + len(unranked)
    if count <= above:
        return None
    ranked.sort(key=lambda t: (-t[0], t[1]))
    k = -(-count // limit)
    n = len(ranked)
    return [[rel for _, rel in ranked[i * n // k:(i + 1) * n // k]] + unranked[i::k] for i in range(k)]


def site_pages(site: Path) -> dict[str, Path]:
    """The HTML pages of a built site, but the search bundle's own."""
    pages = {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")}
    return {rel: p for rel, p in pages.items() if not rel.startswith(BUNDLE_DIR + "/")}


def _link_tree(pages: dict[str, Path], into: Path) -> None:
    """``into`` gets ``pages`` at their output paths (hard links, else
    copies), so Pagefind gives them the same URLs."""
    made: set[Path] = set()
    for rel, source in pages.items():
        target = into / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(source, target)
        except OSError:  # another file system, or no hard links here
            shutil.copyfile(source, target)


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


def _run_all(exe: Path, runs: list[tuple[Path, Path]], logs: Path, jobs: int) -> list[dict]:
    """Pagefind over each (source, output), ``jobs`` at a time, started and
    awaited from this thread (the parent-death signal follows the thread
    that started a child). The first failure stops the others."""
    procs: dict[int, tuple[subprocess.Popen, float]] = {}
    results: dict[int, dict] = {}
    todo = list(range(len(runs)))
    try:
        while todo or procs:
            while todo and len(procs) < max(1, jobs):
                i = todo.pop(0)
                procs[i] = (_start(exe, runs[i][0], runs[i][1], logs / f"log-{i}"), time.monotonic())
            for i, (proc, started) in list(procs.items()):
                code = proc.poll()
                if code is None:
                    if time.monotonic() - started > TIMEOUT_SECONDS:
                        raise SearchIndexError(f"Pagefind did not finish within {TIMEOUT_SECONDS} s")
                    continue
                del procs[i]
                results[i] = _finish(code, runs[i][1], logs / f"log-{i}")
            if procs:
                time.sleep(0.02)
    finally:
        for proc, _ in procs.values():
            proc.kill()
            proc.wait()
    return [results[i] for i in range(len(runs))]


@contextmanager
def _scratch(site: Path, given: str | os.PathLike[str] | None) -> Iterator[Path]:
    """A folder for the parts' link trees, bundles and logs: ``given``, or a
    new one beside the site (the same file system: hard links, and
    os.replace into it), removed afterwards."""
    if given is not None:
        yield Path(given)
        return
    tmp = tempfile.mkdtemp(prefix=".search-", dir=site.parent)
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def index_site(site_dir: str | os.PathLike[str], bundle: str | os.PathLike[str] | None = None, *,
               pages: dict[str, Path] | None = None, scratch: str | os.PathLike[str] | None = None,
               log: Callable[[str], None] | None = None, binary: str | os.PathLike[str] | None = None,
               jobs: int = 1) -> dict:
    """Index a built site into ``bundle`` (default ``site_dir/pagefind/``).

    ``pages`` (output path → file) are the pages to index when they are not
    all in ``site_dir`` (a cached rebuild's: the changed ones staged, the
    others published); Pagefind then reads them through links in
    ``scratch``, a folder for the work (default: a new one beside the site).

    A site of more than AUTO_ABOVE_PAGES indexed pages (or, with
    $SITE_BUILDER_SEARCH_PART_PAGES=N, of more than N) is indexed in parts,
    up to ``jobs`` Pagefind runs at a time: part 0 in /pagefind/, part i in
    /pagefind/part-i/ (plan_parts says which pages go where). Either way the
    search page loads /pagefind/merged/pagefind.js (search/parts.js with the
    parts filled in), which searches all parts as one.

    Every part's bundle is checked before it is used (verify_bundle):
    Pagefind has exited 0 after writing empty files on a full disk.

    Returns a small report: pages and words indexed (words summed over the
    parts), filters and sorts, parts, the bundle's file count and bytes (and
    those of the index chunks alone), the Pagefind version and the time taken.
    Raises SearchIndexError (a BuildError) on any failure, so the build never
    publishes a site without working search.
    """
    say = log or (lambda s: None)
    site = Path(site_dir).resolve()
    bundle = Path(bundle) if bundle is not None else site / BUNDLE_DIR
    exe = find_binary(binary)
    limit = part_pages()
    t0 = time.perf_counter()
    if bundle.exists():
        raise SearchIndexError(f"{bundle} already exists; the index is written into a site without one")
    with _scratch(site, scratch) as work:
        size, above = (AUTO_PART_PAGES, AUTO_ABOVE_PAGES) if limit is None else (limit, limit)
        listed = pages if pages is not None else site_pages(site)
        plan = plan_parts(listed, size, above) if size else None
        if plan is None and pages is None:
            sources = [site]
        else:
            plan = plan or [sorted(listed)]
            sources = [work / f"site-{i}" for i in range(len(plan))]
            for part, source in zip(plan, sources):
                _link_tree({rel: listed[rel] for rel in part}, source)
        outputs = [work / f"bundle-{i}" for i in range(len(sources))]
        runs = _run_all(exe, list(zip(sources, outputs)), work, jobs)
        _move(outputs[0], bundle)
        folders = ["../"]
        for i, output in enumerate(outputs[1:], start=1):
            _slim_part(output)
            _move(output, bundle / f"part-{i}")
            folders.append(f"../part-{i}/")
    merged = bundle / MERGED_DIR
    merged.mkdir()
    (merged / "pagefind.js").write_text(merged_module(folders), encoding="utf-8")
    files, size = _size(bundle)
    index_size = sum(_size(p)[1] for p in [bundle / "index", *bundle.glob("part-*/index")])
    report = {
        "pages": sum(r["pages"] for r in runs),
        "words": sum(r["words"] for r in runs),
        "filters": max(r["filters"] for r in runs),
        "sorts": max(r["sorts"] for r in runs),
        "parts": len(runs),
        "files": files,
        "bytes": size,
        "index_bytes": index_size,
        "version": runs[0]["version"],
        "seconds": round(time.perf_counter() - t0, 2),
    }
    parts = f" in {len(runs)} parts" if len(runs) > 1 else ""
    say(f"search index: {report['pages']} pages{parts}, {report['words']} words, {report['filters']} filters, "
        f"{size / 1024:.0f} KB in /{BUNDLE_DIR}/ (Pagefind {report['version']} extended, {report['seconds']} s)")
    return report


# Pagefind's files are gzip streams whose content starts with this signature
# (then CBOR for the metadata, index and filter chunks, JSON for fragments).
SIGNATURE = b"pagefind_dcd"
PROBE_WORD = "预算"  # on every page of the site (the header and every filing's totals)


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
        found += _query(bundle, pages, chunks, probe)
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
    """Keep in a part's bundle only what its instance reads: its entry,
    metadata, index, filter and fragment files, and a stub for its
    WebAssembly. The UI scripts and styles are the first part's."""
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


def merged_module(folders: list[str]) -> str:
    """search/parts.js with its list of part folders (relative to /pagefind/merged/)."""
    source = (Path(__file__).with_name("parts.js")).read_text(encoding="utf-8")
    placeholder = 'const PARTS = ["../"];'
    if placeholder not in source:
        raise SearchIndexError("search/parts.js has lost its PARTS line")
    return source.replace(placeholder, f"const PARTS = {json.dumps(folders)};", 1)
