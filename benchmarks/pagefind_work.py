"""Where Pagefind's work on a page goes, counted in instructions.

    python -m benchmarks.pagefind_work SITE_DIR [--kind project|filing|agency] [--pages 300] [--seed 3]
                                       [--part NAME ...] [--json]

Takes a sample of a built site's pages of one kind, makes the copies
Pagefind reads of them (``search.lean.pagefind_input``, as the build does),
and runs the pinned Pagefind over them under ``valgrind --tool=cachegrind``
(Debian's ``valgrind``): once over the copies whole, once with each part
below cut out of every copy, and once over pages with nothing in their
``<main>`` (what a run costs whatever its pages hold: the Chinese
dictionary, the bundle's scripts). It prints, per page, the instructions
of the whole copy and what each part costs: the whole run less the run
without the part.

Instructions, not seconds: this machine's speed drifts by up to 1.8× within
an hour, and the same run repeated varies by ±10 % in CPU seconds, while
cachegrind's count is the same every time. The parts' costs do not add up
to the page's: Pagefind's work on a page grows with its words and with its
whitespace-separated runs of text, and a part shares both with its
neighbours.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from site_builder.search import find_binary
from site_builder.search.lean import pagefind_input

# A page kind: the depth of its folder under /agencies/ (agencies/<agency>/<year>/projects/<project>/)
KINDS = {"agency": 1, "filing": 2, "project": 4}
# The parts a page's copy is measured without, each a pattern of the markup the templates write.
PARTS = {
    "name fragments": rb'<div hidden class="search-fragments".*?</div>',
    "indicator sentences": rb'<div hidden class="indicator-text">.*?</div>',
    "lead": rb'<p class="lead summary">.*?</p>',
    "goals": rb'<ol class="prose">.*?</ol>',
    "heading": rb"<h1>.*?</h1>",
    "kicker": rb'<p class="kicker">.*?</p>',
    "meta line": rb'<p class="meta">.*?</p>',
    "filters": rb'<span data-pagefind-filter="[^"]*">[^<]*</span>',
    "metadata": rb'<span[^>]* data-pagefind-meta="[^"]*">[^<]*</span>',
}
EMPTY_MAIN = b"<main data-pagefind-body><p>x</p></main>"  # one word: Pagefind fails on a site with none


def sample(site: Path, kind: str, pages: int, seed: int) -> list[Path]:
    """``pages`` pages of ``kind`` of the site, chosen at random with ``seed``."""
    depth = KINDS[kind]
    found = sorted(p for p in (site / "agencies").glob("/".join(["*"] * depth) + "/index.html")
                   if kind != "project" or p.parent.parent.name == "projects")
    if not found:
        raise SystemExit(f"no {kind} pages under {site / 'agencies'}")
    return random.Random(seed).sample(found, min(pages, len(found)))


def instructions(exe: Path, source: Path, work: Path) -> int:
    """Instructions of one Pagefind run over ``source`` (cachegrind's I refs)."""
    out = work / "bundle"
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           str(exe), "--site", str(source), "--output-path", str(out)],
                          capture_output=True, text=True)
    m = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"Pagefind under cachegrind failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return int(m.group(1).replace(",", ""))


def copies(site: Path, pages: list[Path], into: Path, cut: bytes | None = None, empty: bool = False) -> Path:
    """The lean copies of ``pages`` at their paths under ``into``: whole, with
    every match of ``cut`` removed, or (``empty``) with an empty <main>."""
    shutil.rmtree(into, ignore_errors=True)
    for page in pages:
        html = pagefind_input(page.read_bytes())
        if empty:
            html = re.sub(rb"<main.*</main>", EMPTY_MAIN, html, flags=re.S)
        elif cut is not None:
            html = re.sub(cut, b"", html, flags=re.S)
        target = into / page.relative_to(site)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html)
    return into


def measure(site: Path, kind: str = "project", pages: int = 300, seed: int = 3,
            parts: list[str] | None = None, binary: str | None = None) -> dict:
    """Instructions a page, whole and per part (see the module's docstring)."""
    exe = find_binary(binary)
    chosen = sample(site, kind, pages, seed)
    with tempfile.TemporaryDirectory(prefix="pagefind-work-") as tmp:
        work = Path(tmp)
        empty = instructions(exe, copies(site, chosen, work / "site", empty=True), work)
        whole = instructions(exe, copies(site, chosen, work / "site"), work)
        cost = {}
        for name in parts or list(PARTS):
            without = instructions(exe, copies(site, chosen, work / "site", cut=PARTS[name]), work)
            cost[name] = (whole - without) / len(chosen)
    page = (whole - empty) / len(chosen)
    return {"kind": kind, "pages": len(chosen), "seed": seed, "run": empty, "page": page, "parts": cost}


def report(r: dict) -> str:
    lines = [f"{r['pages']} {r['kind']} pages (seed {r['seed']}): {r['page'] / 1e6:.1f} million instructions a page, "
             f"after {r['run'] / 1e9:.2f} billion for a run over as many empty pages",
             "", "| part | million instructions a page | share of the page |", "|---|---:|---:|"]
    for name, value in sorted(r["parts"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {value / 1e6:.2f} | {value / r['page']:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path, help="a built site folder")
    ap.add_argument("--kind", choices=sorted(KINDS), default="project")
    ap.add_argument("--pages", type=int, default=300, help="pages in the sample (default 300)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--part", action="append", choices=sorted(PARTS), help="measure only these parts (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    r = measure(args.site, args.kind, args.pages, args.seed, args.part)
    print(json.dumps(r, indent=1) if args.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
