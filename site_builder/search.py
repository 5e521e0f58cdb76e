"""Stage 6: the Pagefind search bundle over the built site.

Runs Pagefind's *extended* binary (pip package ``pagefind_bin_extended``,
pinned in pyproject.toml) over the output folder, through its command line —
never the Python API's ``add_html_file``, which waits 0.1 s per page. A
province-sized site is indexed in parts, several at a time, that the search
page searches as one (``index_site``, ``search_parts.js``). The
plain binary cannot segment Chinese (满意度, 预算 would find nothing), so a
run that was not the extended build of the pinned version fails the build
instead of publishing a broken search.

What gets indexed is decided by the pages: ``data-pagefind-body`` on
``<main>`` in the templates, and the filters, sort, metadata and
name-fragment field that ``search_fields.py`` writes (see docs/search.md).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

from .build import BuildError
from .search_fields import SORT_KEY

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
SORT_MARK = f'data-pagefind-sort="{SORT_KEY}">'.encode()  # as search_fields.py writes it


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


def plan_parts(site: Path, limit: int, above: int | None = None) -> list[list[str]] | None:
    """Split the pages Pagefind would index into parts of at most ``limit``
    pages when there are more than ``above`` (default ``limit``) of them
    (None: one run over the whole site will do).

    The parts hold consecutive ranges of the 预算金额 sort value, highest
    first, so the search page can give an exact sorted search over all of
    them without knowing any amount (search_parts.js). Pages without the
    sort (listings) are dealt out in turn. Only pages that carry
    ``data-pagefind-body`` are indexed by Pagefind, so only they count."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    pages = [rel for rel in pages if not rel.startswith(BUNDLE_DIR + "/")]
    above = limit if above is None else above
    if len(pages) <= above:
        return None
    ranked: list[tuple[Decimal, str]] = []
    unranked: list[str] = []
    for rel in pages:
        data = (site / rel).read_bytes()
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


def _link_tree(site: Path, pages: list[str], into: Path) -> None:
    """``into`` gets ``pages`` at the same paths as in ``site`` (hard links,
    else copies), so Pagefind gives them the same URLs."""
    made: set[Path] = set()
    for rel in pages:
        target = into / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(site / rel, target)
        except OSError:  # another file system, or no hard links here
            shutil.copyfile(site / rel, target)


def _run(exe: Path, source: Path, output: Path) -> dict:
    """One Pagefind run over ``source`` into ``output``; its figures, or SearchIndexError."""
    try:
        proc = subprocess.run(
            [str(exe), "--site", str(source), "--output-path", str(output)],
            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=TIMEOUT_SECONDS,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except OSError as exc:
        raise SearchIndexError(f"could not run Pagefind ({exe}): {exc}") from exc
    except subprocess.TimeoutExpired:
        raise SearchIndexError(f"Pagefind did not finish within {TIMEOUT_SECONDS} s") from None
    output_log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SearchIndexError(f"Pagefind failed (exit code {proc.returncode}):\n{output_log.strip()[-3000:]}")
    version = check_output(output_log)
    pages = _count(output_log, "page")
    if pages == 0:
        raise SearchIndexError(f"Pagefind indexed no pages (is data-pagefind-body on <main>?):\n{output_log.strip()[-2000:]}")
    if not (output / "pagefind.js").is_file():
        raise SearchIndexError(f"Pagefind reported success but wrote no {BUNDLE_DIR}/pagefind.js")
    return {"pages": pages, "words": _count(output_log, "word"), "filters": _count(output_log, "filter"),
            "sorts": _count(output_log, "sort"), "version": version}


@contextmanager
def _scratch(site: Path) -> Iterator[Path]:
    """A folder for the parts' link trees and bundles, beside the site when
    possible (the same file system: hard links, and os.replace into it)."""
    try:
        tmp = tempfile.mkdtemp(prefix=".search-", dir=site.parent)
    except OSError:
        tmp = tempfile.mkdtemp(prefix="site-search-")
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def index_site(site_dir: str | os.PathLike[str], *, log: Callable[[str], None] | None = None,
               binary: str | os.PathLike[str] | None = None, jobs: int = 1) -> dict:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind/``.

    A site of more than AUTO_ABOVE_PAGES indexed pages (or, with
    $SITE_BUILDER_SEARCH_PART_PAGES=N, of more than N) is indexed in parts,
    up to ``jobs`` Pagefind runs at a time:
    part 0 in /pagefind/, part i in /pagefind/part-i/ (plan_parts says which
    pages go where). Either way the
    search page loads /pagefind/merged/pagefind.js (search_parts.js with the
    parts filled in), which searches all parts as one.

    Returns a small report: pages and words indexed (words summed over the
    parts), filters and sorts, parts, the bundle's file count and bytes (and
    those of the index chunks alone), the Pagefind version and the time taken.
    Raises SearchIndexError (a BuildError) on any failure, so the build never
    swaps in a site without working search.
    """
    say = log or (lambda s: None)
    site = Path(site_dir).resolve()
    exe = find_binary(binary)
    limit = part_pages()
    t0 = time.perf_counter()
    bundle = site / BUNDLE_DIR
    if bundle.exists():
        raise SearchIndexError(f"{bundle} already exists; the index is written into a site without one")
    with _scratch(site) as work:
        size, above = (AUTO_PART_PAGES, AUTO_ABOVE_PAGES) if limit is None else (limit, limit)
        plan = plan_parts(site, size, above) if size else None
        if plan is None:
            sources = [site]
        else:
            sources = [work / f"site-{i}" for i in range(len(plan))]
            for pages, source in zip(plan, sources):
                _link_tree(site, pages, source)
        outputs = [work / f"bundle-{i}" for i in range(len(sources))]
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(sources)))) as pool:
            futures = [pool.submit(_run, exe, source, output) for source, output in zip(sources, outputs)]
            try:
                runs = [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
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


# A part's own WebAssembly file, as an empty payload in Pagefind's format
# (its "uncompressed" signature and nothing after it). search_parts.js makes
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
    """search_parts.js with its list of part folders (relative to /pagefind/merged/)."""
    source = (Path(__file__).with_name("search_parts.js")).read_text(encoding="utf-8")
    placeholder = 'const PARTS = ["../"];'
    if placeholder not in source:
        raise SearchIndexError("search_parts.js has lost its PARTS line")
    return source.replace(placeholder, f"const PARTS = {json.dumps(folders)};", 1)
