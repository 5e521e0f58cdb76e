"""Benchmark: from saving a filing to the browser showing the edit.

    python -m benchmarks.preview [--sizes 0,10000] [--edits 5]

For each size (0 = the shipped seed site, N = the synthetic corpus of
``benchmarks.corpus``), start ``site-builder serve`` on a throw-away project
root, open a filing's page in headless Chromium (Playwright, Debian's
``/usr/bin/chromium``), then repeatedly append a marker to that filing's
overall goal, save, and wait until the page the browser shows contains it.

Reported per edit:

* **save → page**: from the write of the file to the first animation frame
  of the reloaded page that holds the marker (what an editor waits for:
  change detection, rebuild, the livereload message, the browser's reload,
  up to the frame it paints). A script the page runs first looks for the
  marker at every frame and notes the time (``performance.timeOrigin +
  performance.now()``, the same clock as ``time.time()`` here);
* **as Playwright sees it**: the same, until ``page.wait_for_function``
  returns: ~80 ms later, its polling starting anew in each new document and
  its answer crossing to this process (not what an editor waits for);
* **rebuild**: the time ``serve`` itself reports for the rebuild (``rebuilt
  in N ms`` in its log).

livereload ignores a change within 3 s of the previous reload, so edits are
spaced 4 s apart (an editor types longer than that between saves).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def seed_root(dest: Path) -> Path:
    for part in ("content", "layouts", "static"):
        shutil.copytree(ROOT / part, dest / part)
    return dest


def corpus_root(n: int, dest: Path) -> Path:
    from benchmarks.run import corpus, make_root

    return make_root(corpus(n), dest)


def filing_url(path: Path) -> str:
    """The page of a filing, from its region, agency and year."""
    text = path.read_text(encoding="utf-8")
    region = re.search(r'^region:\n  code: "?(\d{6})"?', text, re.M).group(1)
    agency = re.search(r'^agency:\n(?:  .*\n)*?  code: "?([0-9A-Za-z]+)"?', text, re.M)
    year = re.search(r"^year: (\d{4})", text, re.M).group(1)
    slug = f"{region}-{agency.group(1).lower()}" if agency else region
    return f"/agencies/{slug}/{year}/"


def mark_goal(text: str, marker: str) -> str:
    """The filing's overall goal with ``marker`` at the end of its first line
    (replacing an earlier marker), whether the goal is written inline or as a
    block scalar (``overall_goal: |-`` and the text on the lines below)."""
    def add(m: re.Match) -> str:
        return m.group(1) + marker

    block = re.compile(r"^(  overall_goal: [|>][-+]?\n +.*?)(?:预览测量\d+号)?$", re.M)
    inline = re.compile(r"^(  overall_goal: (?![|>]).*?)(?:预览测量\d+号)?$", re.M)
    new, n = block.subn(add, text, count=1)
    return new if n else inline.sub(add, text, count=1)


# runs first in every document: notes the first animation frame in which the
# page holds the marker the benchmark is waiting for
SEEN_SCRIPT = """(() => {
  const look = () => {
    const marker = sessionStorage.getItem('marker');
    if (marker && !sessionStorage.getItem('seen') && document.body && document.body.innerText.includes(marker)) {
      sessionStorage.setItem('seen', String(performance.timeOrigin + performance.now()));
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"serve did not answer {url} within {timeout:.0f} s")


def measure(size: int, edits: int, work: Path) -> dict:
    from playwright.sync_api import sync_playwright

    root = seed_root(work / "root") if size == 0 else corpus_root(size, work / "root")
    filings = sorted((root / "content" / "filings").glob("*.yaml"))
    target = filings[len(filings) // 2]
    # corpus roots hard-link the cached corpus: edit a file of its own
    text = target.read_text(encoding="utf-8")
    target.unlink()
    target.write_text(text, encoding="utf-8")
    url_path = filing_url(target)
    port = free_port()
    log_path = work / "serve.log"
    t_start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "site_builder.cli", "serve", "--root", str(root), "--out", str(work / "out"),
         "--port", str(port)],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    result: dict = {"size": size, "page": url_path, "save_to_page_ms": [], "playwright_ms": [], "rebuild_ms": []}
    try:
        wait_http(base + url_path, timeout=1800)
        result["first_build_s"] = time.perf_counter() - t_start
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.add_init_script(SEEN_SCRIPT)
            with page.expect_websocket(timeout=30000) as ws_info:
                page.goto(base + url_path)
            ws_info.value.wait_for_event("framereceived", timeout=30000)
            for i in range(edits):
                time.sleep(4)  # livereload's 3 s rate limit
                marker = f"预览测量{i + 1}号"
                text = mark_goal(target.read_text(encoding="utf-8"), marker)
                before = log_path.read_text(encoding="utf-8").count("rebuilt in")
                page.evaluate("m => { sessionStorage.setItem('marker', m); sessionStorage.removeItem('seen'); }", marker)
                t0, w0 = time.perf_counter(), time.time()
                target.write_text(text, encoding="utf-8")
                page.wait_for_function(f"() => document.body && document.body.innerText.includes('{marker}')",
                                       timeout=600000, polling="raf")
                result["playwright_ms"].append((time.perf_counter() - t0) * 1000)
                seen = page.evaluate("() => sessionStorage.getItem('seen')")
                result["save_to_page_ms"].append(float(seen) - w0 * 1000)
                for _ in range(100):  # the log line is written just before the reload is sent
                    lines = re.findall(r"rebuilt in (\d+) ms", log_path.read_text(encoding="utf-8"))
                    if len(lines) > before:
                        result["rebuild_ms"].append(float(lines[-1]))
                        break
                    time.sleep(0.05)
            browser.close()
        # the phases of each in-place rebuild, as serve logs them
        result["phases"] = re.findall(r"applied \d+ edited filing\(s\) in place in .*", log_path.read_text(encoding="utf-8"))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0,10000", help="0 = the seed site; N = the N-filing synthetic corpus")
    ap.add_argument("--edits", type=int, default=5)
    args = ap.parse_args(argv)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"preview-{size}-") as tmp:
            r = measure(size, args.edits, Path(tmp))
        rows.append(r)
        print(f"size {size or 'seed'}: first build {r['first_build_s']:.1f} s; "
              f"save→page {[round(x) for x in r['save_to_page_ms']]} ms "
              f"(as Playwright sees it {[round(x) for x in r['playwright_ms']]}); "
              f"rebuild {[round(x) for x in r['rebuild_ms']]} ms", file=sys.stderr)
        for line in r.get("phases", []):
            print(f"  {line}", file=sys.stderr)
    print("| site | filings page | first build s | save → page ms (median, max) | as Playwright sees it | "
          "rebuild ms (median, max) |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        sp, pw, rb = r["save_to_page_ms"], r["playwright_ms"], r["rebuild_ms"] or [float("nan")]
        label = "seed (5 filings)" if r["size"] == 0 else f"{r['size']:,} filings"
        print(f"| {label} | {r['page']} | "
              f"{r['first_build_s']:.1f} | {statistics.median(sp):.0f}, {max(sp):.0f} | "
              f"{statistics.median(pw):.0f}, {max(pw):.0f} | {statistics.median(rb):.0f}, {max(rb):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
