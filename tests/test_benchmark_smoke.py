"""Smoke tests for benchmarks/run.py (no timing assertions)."""
from __future__ import annotations

import pytest

import os
import re
import statistics
import subprocess
import sys
from conftest import REPO as ROOT

sys.path.insert(0, str(ROOT))

from benchmarks import run as bench  # noqa: E402

pytestmark = pytest.mark.slow  # builds corpora, kills builds, starts servers: the full run (scripts/test)


def test_small_benchmark_prints_table(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "20", "--no-hugo", "--no-doc", "--repeat", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| N filings"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols == bench.COLUMNS
    for expected in ("pages", "build s (no search)", "pages/s", "peak RSS MB", "output MB",
                     "rebuild after 1 edit s", "Hugo s", "ours/Hugo"):
        assert expected in cols
    row = next(line for line in lines if line.startswith("| 20 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == len(cols)
    assert int(cells[1]) > 20  # pages
    assert float(cells[2]) > 0 and float(cells[4]) > 0 and float(cells[5]) > 0 and float(cells[6]) > 0
    assert cells[cols.index("Hugo s")] == "—"  # --no-hugo
    probe = next(line for line in lines if line.startswith("- Python speed probe"))
    seconds = probe.rsplit("N=20: ", 1)[1].split(" / ")
    assert float(seconds[0]) > 0 and seconds[1] == "—"  # timed before our build; no Hugo run
    # three rounds, each a full build; the table shows their median
    rounds = next(line for line in lines if line.startswith("- Rounds:"))
    walls = sorted(float(w) for w in rounds.rsplit("N=20: ", 1)[1].split(", "))
    assert len(walls) == 3
    assert walls[0] - 0.05 <= float(cells[2]) <= walls[2] + 0.05
    assert proc.stderr.count("N=20: our build") == 3
    # one edit per round, each rebuilt; the table shows the median
    rebuilds = next(line for line in lines if line.startswith("- Rebuild after 1 edit:"))
    times = sorted(float(w) for w in rebuilds.rsplit("N=20: ", 1)[1].removesuffix(" s").split(", "))
    assert len(times) == 3 and float(cells[cols.index("rebuild after 1 edit s")]) == times[1]
    assert proc.stderr.count("rebuild after editing") == 3


def test_benchmark_with_search_in_parts():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "20", "--no-hugo", "--no-doc", "--no-rebuild", "20",
         "--search", "20", "--search-part-pages", "80"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    cols = [c.strip() for c in next(line for line in lines if line.startswith("| N filings")).strip("|").split("|")]
    cells = [c.strip() for c in next(line for line in lines if line.startswith("| 20 |")).strip("|").split("|")]
    assert float(cells[cols.index("build+search s")]) > 0
    assert float(cells[cols.index("build+search peak RSS MB")]) > 0
    # the rebuild with search after one edit indexes again only the bundles that changed
    assert float(cells[cols.index("rebuild+search after 1 edit s")]) > 0
    again = next(line for line in lines if line.startswith("- Rebuild with search after 1 edit, indexed again:"))
    indexed, bundles = (int(x) for x in re.search(r"N=20: (\d+) of (\d+) bundles", again).groups())
    assert 1 <= indexed < bundles
    index = next(line for line in lines if line.startswith("- Search index:"))
    assert index.startswith("- Search index: in bundles by region of at most 80 pages")
    parts = int(index.split("N=20: ", 1)[1].split()[0])  # "…; N=20: 3 bundles"
    assert parts >= 2  # the setting reached the search build: more than one bundle
    # where the build with search spent its time: CPU, and the phases its own log names
    detail = next(line for line in lines if line.startswith("- Build with search, CPU s"))
    m = re.search(r"N=20: ([\d.]+) \+ ([\d.]+), parse ([\d.]+), pages ([\d.]+), search index ([\d.]+)$", detail)
    assert m, detail
    user, system, *phases = (float(x) for x in m.groups())
    assert user > 0 and all(x > 0 for x in phases)
    assert sum(phases) <= float(cells[cols.index("build+search s")])




def test_the_hugo_export_holds_every_filing_project_and_indicator(tmp_path):
    """Hugo's side of the benchmark renders from this export: it must follow
    the site model as it is (a full run is too long for the suite)."""
    import json

    import yaml

    dest = tmp_path / "hugo-data"
    bench.export_for_hugo(ROOT, dest)
    exported = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((dest / "filings").glob("*.json"))]
    seeds = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "content/filings").glob("*.yaml"))]
    assert len(exported) == len(seeds)
    projects = [p for f in exported for p in f["projects"]]
    assert len(projects) == sum(len(s["projects"]) for s in seeds)
    rows = [r for p in projects for g in p["groups"] for l2 in g["level2"] for r in l2["rows"]]
    assert len(rows) == sum(len(p.get("indicators") or []) for s in seeds for p in s["projects"])
    assert all(r["name"] and r["target"] for r in rows)


def test_hugo_renders_the_same_pages_as_ours(tmp_path):
    """The comparison is fair only while both sides build the same pages: a
    kind of page added to our site and not to Hugo's flatters Hugo's time."""
    filings = bench.corpus(40)
    root = bench.make_root(filings, tmp_path / "root")
    ours = tmp_path / "public"
    subprocess.run(bench.our_cmd(root, ours, search=False, jobs=2), check=True, capture_output=True, timeout=600)
    data = tmp_path / "hugo-data"
    bench.export_for_hugo(root, data)
    work = bench.hugo_workdir(data, tmp_path / "hugo")
    theirs = tmp_path / "hugo-public"
    proc = subprocess.run([str(bench.hugo_binary()), "--source", str(work), "--destination", str(theirs), "--quiet",
                           "--cacheDir", str(tmp_path / "hugo-cache")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    mine, hugo = bench.html_paths(ours), bench.html_paths(theirs)
    assert not hugo - mine
    assert sorted(p for p in mine - hugo if not bench.not_in_hugo(p)) == []
    # every kind of page is there, the ones with years and 三公 figures too
    for kind in ("agencies/", "regions/", "years/", "quality/", "indicators/", "compare/", "data/", "sangong/"):
        assert any(p.startswith(kind) for p in hugo), kind
    assert any("/changes/" in p for p in hugo)
    assert any(p.startswith("sangong/") and p != "sangong/index.html" for p in hugo)
    assert [p for p in mine if bench.not_in_hugo(p)]  # the exceptions still name real pages
    # Hugo's pages print our markup (docs/performance.md, "What Hugo does less
    # than we do"): a page that lost a section in Hugo's templates is smaller,
    # and Hugo's build looks faster for it
    for kind, depth in (("agency", 3), ("filing", 4), ("project", 6)):
        pages = [p for p in hugo if p.startswith("agencies/") and p.count("/") + 1 == depth]
        assert pages, kind
        size = statistics.median((theirs / p).stat().st_size for p in pages)
        ours_size = statistics.median((ours / p).stat().st_size for p in pages)
        assert 0.9 <= size / ours_size <= 1.1, (kind, size, ours_size)
    total = sum((theirs / p).stat().st_size for p in hugo)
    ours_total = sum((ours / p).stat().st_size for p in hugo)
    assert 0.9 <= total / ours_total <= 1.1, (total, ours_total)


def test_pagefind_work_counts_what_each_part_of_a_page_costs(tmp_path):
    """benchmarks/pagefind_work.py on the seed site: Pagefind's instructions a
    project page and what two parts of it cost, under cachegrind."""
    from benchmarks import pagefind_work
    from site_builder.build import build

    out = tmp_path / "site"
    build(ROOT, out, search=False)
    chosen = pagefind_work.sample(out, "project", 8, seed=1)
    assert len(chosen) == 8 and all(p.parent.parent.name == "projects" for p in chosen)
    filings = pagefind_work.sample(out, "filing", 50, seed=1)
    assert len(filings) == 5 and all(p.parent.name.isdigit() and p.parent.parent.parent.name == "agencies" for p in filings)
    r = pagefind_work.measure(out, "project", pages=8, seed=1, parts=["name fragments", "indicator sentences"])
    assert r["pages"] == 8 and r["run"] > 0 and r["page"] > 0
    for part in ("name fragments", "indicator sentences"):  # both are on every project page
        assert 0 < r["parts"][part] < r["page"], r
    table = pagefind_work.report(r)
    assert "| name fragments |" in table and "million instructions a page" in table
