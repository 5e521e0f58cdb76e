"""Bytes a browser downloads for its first search, and how long it waits for
results, on any built site.

    python -m benchmarks.search_bytes SITE_DIR [--query 接待 --query 周转房 ...] [--scope CODE] [--all]
                                      [--chromium /usr/bin/chromium] [--timeout S] [--json]

For each query, a fresh headless Chromium context (no cache, a 375 px
phone screen) opens ``/search/?q=QUERY`` on a local http.server over
SITE_DIR (a search everywhere, which on a site indexed in bundles goes
bundle by bundle until it has enough results; ``--scope``: from a region's
pages; ``--all``: every bundle at once), times until the Pagefind UI shows its first result (or "no
results"; a query that shows nothing within ``--timeout`` is reported as
such), waits until the network is idle, and sums every response
under ``/pagefind/``: the UI script and stylesheet, pagefind.js, its worker,
the WebAssembly, the metadata, the filter and index chunks the query needed
and the fragments of the results shown. The page itself and the site's own
CSS/JS are not counted (they are the same for every page).

Two totals are printed: the bytes as served by http.server (no transfer
compression) and an estimate for a host that gzips text responses (Netlify
does, and brotli is smaller still): .js/.css/.json counted at their gzip -6
size. Pagefind's index, fragment, filter, metadata and wasm files are
already compressed and count as they are.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TEXT_SUFFIXES = (".js", ".css", ".json")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve(site_dir: str | Path, handler: type[http.server.SimpleHTTPRequestHandler] = QuietHandler):
    """Serve ``site_dir`` on 127.0.0.1 on a free port, in a thread; yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site_dir)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@dataclass
class Download:
    query: str
    results: int
    files: list[tuple[str, int, int]] = field(default_factory=list)  # (path, bytes served, gzip-estimate bytes)
    seconds: float | None = None  # opening the page → first result (or "no results") shown; None: not in time

    @property
    def bytes(self) -> int:
        return sum(b for _, b, _ in self.files)

    @property
    def gzip_bytes(self) -> int:
        return sum(g for _, _, g in self.files)

    def by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for path, b, _ in self.files:
            rel = path.split("/pagefind/", 1)[-1]
            folder, _, name = rel.rpartition("/")
            kind = {"index": "index chunks", "fragment": "fragments", "filter": "filter chunks"}.get(folder, name)
            if name.endswith(".pf_meta"):
                kind = "metadata"
            elif name.startswith("wasm."):
                kind = "wasm"
            out[kind] = out.get(kind, 0) + b
        return out


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def first_query_bytes(page, base_url: str, query: str, timeout_ms: int = 120000, scope: str = "",
                      every: bool = False) -> Download:
    """Open /search/?q=QUERY (&scope=CODE: a search started on a region's
    pages; &all=1 with ``every``: every bundle at once, not bundle by bundle) in ``page`` (a fresh Playwright page) and measure:
    the bytes from /pagefind/ and the time until the first result (or the
    "no results" message) is shown. A search that shows nothing within
    ``timeout_ms`` is reported with ``seconds`` None and what it had fetched."""
    from playwright.sync_api import Error as PlaywrightError, expect

    seen: list = []
    page.on("response", lambda r: seen.append(r) if "/pagefind/" in urlsplit(r.url).path else None)
    t0 = time.perf_counter()
    page.goto(f"{base_url}/search/?q={quote(query)}" + (f"&scope={quote(scope)}" if scope else "")
              + ("&all=1" if every else ""))
    seconds = None
    try:
        # "找到 N 个…" or "没有找到…" (not "正在搜索…"); then the results' fragments
        expect(page.locator(".pagefind-ui__message")).to_have_text(re.compile("^(找到|没有)"), timeout=timeout_ms)
        if not page.locator(".pagefind-ui__message").inner_text().startswith("没有"):
            page.locator(".pagefind-ui__result").first.wait_for(timeout=timeout_ms)
        seconds = time.perf_counter() - t0
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except (AssertionError, PlaywrightError):  # not shown in time (one index over ~100,000 pages)
        pass
    results = page.locator(".pagefind-ui__result").count()
    dl = Download(query, results, seconds=seconds)
    for r in seen:
        path = urlsplit(r.url).path
        try:
            body = r.body()
        except Exception:  # e.g. a redirect, or still loading; count what the browser reported
            body = b""
        served = len(body)
        estimate = _gzip_size(body) if path.endswith(TEXT_SUFFIXES) else served
        dl.files.append((path, served, estimate))
    return dl


def measure(site_dir: str | Path, queries: list[str], chromium: str = CHROMIUM,
            timeout_s: float = 120, scope: str = "", every: bool = False) -> list[Download]:
    from playwright.sync_api import sync_playwright

    out = []
    with serve(site_dir) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for q in queries:
                # empty cache: a first visit, on a phone-sized screen
                context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
                try:
                    out.append(first_query_bytes(context.new_page(), base, q, int(timeout_s * 1000), scope, every))
                finally:
                    context.close()
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", help="a built site folder (with pagefind/ in it)")
    ap.add_argument("--query", action="append", help="query to measure (repeatable; default: 接待 and 周转房)")
    ap.add_argument("--chromium", default=CHROMIUM)
    ap.add_argument("--timeout", type=float, default=120, help="seconds to wait for results (default 120)")
    ap.add_argument("--scope", default="", metavar="CODE",
                    help="search from a region's pages: its division code (default: everywhere)")
    ap.add_argument("--all", action="store_true",
                    help="search every bundle at once (the page's ?all=1), not bundle by bundle until enough results")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not (site / "pagefind" / "pagefind.js").is_file():
        print(f"{site}/pagefind/pagefind.js not found: build the site with search first", file=sys.stderr)
        return 2
    downloads = measure(site, args.query or ["接待", "周转房"], args.chromium, args.timeout, args.scope, args.all)
    if args.json:
        json.dump([{"query": d.query, "results": d.results, "seconds": d.seconds, "bytes": d.bytes,
                    "gzip_bytes": d.gzip_bytes,
                    "by_kind": d.by_kind(), "files": d.files} for d in downloads], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for d in downloads:
        shown = (f"first results after {d.seconds:.1f} s" if d.seconds is not None
                 else f"nothing shown within {args.timeout:.0f} s")
        print(f"query {d.query!r}: {shown}, {d.results} results shown, {len(d.files)} files from /pagefind/, "
              f"{d.bytes / 1024:.1f} KB as served, ~{d.gzip_bytes / 1024:.1f} KB with gzip for text")
        for kind, b in sorted(d.by_kind().items(), key=lambda kv: -kv[1]):
            print(f"    {kind:28} {b / 1024:8.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
