"""Stage 6: the Pagefind search bundle over the built site.

Runs Pagefind's *extended* binary (pip package ``pagefind_bin_extended``,
pinned in pyproject.toml) once over the whole output folder, through its
command line — never the Python API's ``add_html_file``, which waits 0.1 s
per page. The plain binary cannot segment Chinese (满意度, 预算 would find
nothing), so a run that was not the extended build of the pinned version
fails the build instead of publishing a broken search.

What gets indexed is decided by the pages: ``data-pagefind-body`` on
``<main>`` in the templates, and the filters, sort, metadata and
name-fragment field that ``search_fields.py`` writes (see docs/search.md).
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

from .build import BuildError

PAGEFIND_VERSION = "1.5.2"  # keep in step with "pagefind[extended]==…" in pyproject.toml
BUNDLE_DIR = "pagefind"  # the bundle's folder inside the site: /pagefind/
BINARY_ENV = "SITE_BUILDER_PAGEFIND_BINARY"  # use another binary (tests, or a system install)
TIMEOUT_SECONDS = 1800


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


def index_site(site_dir: str | os.PathLike[str], *, log: Callable[[str], None] | None = None,
               binary: str | os.PathLike[str] | None = None) -> dict:
    """Index the built site in ``site_dir`` into ``site_dir/pagefind/``.

    Returns a small report: pages and words indexed, filters and sorts, the
    bundle's file count and bytes (and those of the index chunks alone), the
    Pagefind version and the time taken. Raises SearchIndexError (a BuildError)
    on any failure, so the build never swaps in a site without working search.
    """
    say = log or (lambda s: None)
    site = Path(site_dir).resolve()
    exe = find_binary(binary)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(exe), "--site", str(site), "--output-subdir", BUNDLE_DIR],
            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=TIMEOUT_SECONDS,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except OSError as exc:
        raise SearchIndexError(f"could not run Pagefind ({exe}): {exc}") from exc
    except subprocess.TimeoutExpired:
        raise SearchIndexError(f"Pagefind did not finish within {TIMEOUT_SECONDS} s") from None
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SearchIndexError(f"Pagefind failed (exit code {proc.returncode}):\n{output.strip()[-3000:]}")
    version = check_output(output)
    pages = _count(output, "page")
    if pages == 0:
        raise SearchIndexError(f"Pagefind indexed no pages (is data-pagefind-body on <main>?):\n{output.strip()[-2000:]}")
    bundle = site / BUNDLE_DIR
    if not (bundle / "pagefind.js").is_file():
        raise SearchIndexError(f"Pagefind reported success but wrote no {BUNDLE_DIR}/pagefind.js")
    files, size = _size(bundle)
    _, index_size = _size(bundle / "index")
    report = {
        "pages": pages,
        "words": _count(output, "word"),
        "filters": _count(output, "filter"),
        "sorts": _count(output, "sort"),
        "files": files,
        "bytes": size,
        "index_bytes": index_size,
        "version": version,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    say(f"search index: {pages} pages, {report['words']} words, {report['filters']} filters, "
        f"{size / 1024:.0f} KB in /{BUNDLE_DIR}/ (Pagefind {version} extended, {report['seconds']} s)")
    return report
