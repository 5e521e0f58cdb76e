"""The built seed site, checked for real: HTML5 parsing, links, totals,
indicator counts, data downloads, reproducibility and failure safety."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import REPO as ROOT, copy_project, parse_html, text_of, tree_digest
from site_builder.build import build
from site_builder.errors import BuildError
from site_builder.content.targets import shown as shown_target
from site_builder.content.validate import validate_paths

SEEDS = validate_paths([ROOT / "content" / "filings"]).filings
NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(ROOT, out, search=True, clean=True)  # with search: /search/ links to the Pagefind bundle
    return out


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


parse = parse_html


def shows_amount(html: str, text: str, value: Decimal) -> bool:
    """The page shows ``value`` to two decimals and, where that rounds it,
    keeps the exact value in a <data> element."""
    shown = format(value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"), ",f")
    kept = value == value.quantize(Decimal("0.01")) or f'<data value="{value:f}" title="原文：{value:,f}">{shown}</data>' in html
    return shown in text and kept


def test_every_page_parses_as_html5_without_errors(site):
    pages = html_files(site)
    assert len(pages) >= 60
    for page in pages:
        _, errors = parse(page)
        assert not errors, f"{page.relative_to(site)}: {errors[:3]}"
        head = page.read_text(encoding="utf-8")[:200]
        assert head.startswith("<!doctype html>") and '<html lang="zh-CN">' in head


def test_every_internal_link_and_asset_resolves(site):
    broken = []
    checked = 0
    for page in html_files(site):
        doc, _ = parse(page)
        for el in doc.iter():
            for attr in ("href", "src"):
                ref = el.get(attr)
                if not ref or ref.startswith(("http://", "https://", "mailto:", "#")):
                    continue
                path = unquote(urlsplit(ref).path)
                if not path.startswith("/"):
                    path = "/" + str((page.parent.relative_to(site) / path)).lstrip("./")
                target = site / path.lstrip("/")
                if path.endswith("/"):
                    target = target / "index.html"
                checked += 1
                if not target.exists():
                    broken.append(f"{page.relative_to(site)} → {ref}")
    assert checked > 1000
    assert not broken, broken[:10]


def test_sitemap_lists_only_existing_pages(site):
    xml = (site / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert len(locs) >= 60
    for loc in locs:
        path = urlsplit(loc).path
        assert (site / path.lstrip("/") / "index.html").exists(), loc


@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_filing_page_shows_total_and_every_project(site, lf):
    f = lf.filing
    slug = f"{f.region.code}-{f.agency.code}" if f.agency.code else f.region.code
    page = site / "agencies" / slug / str(f.year) / "index.html"
    doc, _ = parse(page)
    text = text_of(doc)
    total = sum((p.budget.total for p in f.projects), Decimal(0))
    assert shows_amount(page.read_text(encoding="utf-8"), text, total)
    cards = doc.findall(".//h:ol[@class='cards']/h:li", NS)
    assert [text_of(c.find(".//h:h3", NS)).strip() for c in cards] == [p.name for p in f.projects]


def html_of(site: Path, f, pslug: str) -> str:
    slug = f"{f.region.code}-{f.agency.code}" if f.agency.code else f.region.code
    return (site / "agencies" / slug / str(f.year) / "projects" / pslug / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_project_pages_show_all_their_indicators(site, lf):
    f = lf.filing
    slug = f"{f.region.code}-{f.agency.code}" if f.agency.code else f.region.code
    for i, p in enumerate(f.projects):
        pslug = p.code.lower() if p.code else f"p{i + 1}"
        doc, _ = parse(site / "agencies" / slug / str(f.year) / "projects" / pslug / "index.html")
        table = doc.find(".//h:table[@class='data indicators']", NS)
        rows = table.findall("./h:tbody/h:tr", NS)
        assert len(rows) == len(p.indicators)
        names = [text_of(r.find("./h:th[@scope='row']/h:span[@class='ind-name']", NS)) for r in rows]
        assert sorted(names) == sorted(ind.name for ind in p.indicators)
        # headers are real headers: a column header per column, row groups for levels;
        # a column no row fills is left out
        described = any(ind.description and ind.description != ind.name for ind in p.indicators)
        based = any(ind.basis for ind in p.indicators)
        assert len(table.findall("./h:thead/h:tr/h:th[@scope='col']", NS)) == 4 + described + based
        levels = {text_of(th) for th in table.findall(".//h:th[@scope='rowgroup']", NS)}
        assert {ind.level1 for ind in p.indicators} <= levels
        text = text_of(doc)
        assert shows_amount(html_of(site, f, pslug), text, p.budget.total)
        for ind in p.indicators:
            assert shown_target(ind.target) in text


def test_latex_targets_show_as_symbols_and_download_as_published(site):
    """和政 2024's text extraction turned five printed targets into LaTeX
    ("$\\geq 95\\%$"): every page shows the symbols (≥95%), the data
    downloads keep the text as published."""
    latex = [ind.target for lf in SEEDS for p in lf.filing.projects for ind in p.indicators if "$" in ind.target]
    assert len(latex) == 5 and set(map(shown_target, latex)) == {"≥95%", "≥98%"}
    # only the method page, which explains it, quotes the markup (editors' notes are not printed)
    raw = [str(page.relative_to(site)) for page in html_files(site) if page.parent.name != "methodology"
           and "\\geq" in page.read_text(encoding="utf-8")]
    assert raw == []
    project = (site / "agencies/622925/2024/projects/p5/index.html").read_text(encoding="utf-8")
    assert ">≥95%<" in project and "\\geq" not in project
    rows = list(csv.DictReader(io.StringIO((site / "data" / "indicators.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(r["target"] for r in rows if "$" in r["target"]) == sorted(latex)


def test_site_totals_are_exact(site):
    total = sum((p.budget.total for lf in SEEDS for p in lf.filing.projects), Decimal(0))
    assert total == Decimal("4688.1839")  # 1962.52 + 119.61 + 1022 + 1100.0539 + 484.00
    # the home page shows each year's sum, never the two years added together
    html = (site / "index.html").read_text(encoding="utf-8")
    text = text_of(parse(site / "index.html")[0])
    assert "2025年项目支出预算合计" in text and shows_amount(html, text, Decimal("2446.52"))  # 1962.52 + 484.00
    assert "2024年项目支出预算合计" in text and shows_amount(html, text, Decimal("2241.6639"))  # 119.61 + 1022 + 1100.0539
    assert "4,688.1839" not in text


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_downloads_have_the_documented_columns_and_rows(site):
    projects = read_csv(site / "data" / "projects.csv")
    assert list(projects[0]) == [
        "region_code", "agency_code", "agency_name", "year", "project_code", "project_name", "budget_total",
        "budget_fiscal", "budget_carryover", "budget_other", "plan_unit", "plan_mar", "plan_jun", "plan_oct",
        "plan_dec", "indicator_count", "url",
    ]
    assert len(projects) == 37
    assert sum(Decimal(r["budget_total"]) for r in projects) == Decimal("4688.1839")
    indicators = read_csv(site / "data" / "indicators.csv")
    assert list(indicators[0]) == [
        "region_code", "agency_code", "year", "project_code", "project_name", "level1", "level2", "name",
        "description", "target", "target_op", "target_value", "target_unit", "basis", "url",
    ]
    assert len(indicators) == sum(len(p.indicators) for lf in SEEDS for p in lf.filing.projects) == 295
    by_name = {r["project_name"]: r for r in projects}
    assert by_name["财经大厦经费"]["budget_total"] == "645.13"
    assert by_name["大型设备运行保障经费"]["plan_unit"] == "amount"
    assert by_name["事改企人员经费"]["plan_dec"] == ""  # not printed, not invented
    filings = read_csv(site / "data" / "filings.csv")
    assert len(filings) == 5


def test_per_filing_downloads_match_the_filing(site):
    for lf in SEEDS:
        f = lf.filing
        slug = f"{f.region.code}-{f.agency.code}" if f.agency.code else f.region.code
        data = json.loads((site / "data" / "filings" / f"{slug}-{f.year}.json").read_text(encoding="utf-8"))
        assert len(data["projects"]) == len(f.projects)
        assert Decimal(data["totals"]["budget_total"]) == f.total
        rows = read_csv(site / "data" / "filings" / f"{slug}-{f.year}.csv")
        assert len(rows) == sum(len(p.indicators) for p in f.projects)


def test_datapackage_validates_with_frictionless(site):
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(site / "data" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_feed_has_one_entry_per_filing(site):
    xml = (site / "feed.xml").read_text(encoding="utf-8")
    assert xml.count("<entry>") == 5
    import xml.etree.ElementTree as ET

    ET.fromstring(xml.encode())  # well-formed


def test_two_builds_are_byte_identical(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build(ROOT, one, search=False, clean=True)
    build(ROOT, two, search=False, clean=True)
    assert tree_digest(one) == tree_digest(two)


def test_failed_build_leaves_previous_output_untouched(tmp_path):
    root = copy_project(tmp_path / "proj")
    out = tmp_path / "public"
    build(root, out, search=False)
    before = tree_digest(out)
    bad = root / "content" / "filings" / "130209-442001-2024.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("total: 0.81", "total: -0.81"), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(root, out, search=False)
    assert "130209-442001-2024.yaml" in str(err.value) and "negative" in str(err.value)
    assert tree_digest(out) == before
    assert not list(tmp_path.glob(".public.*")), "staging folder left behind"


@pytest.mark.parametrize("damage", ["missing", "broken"])
def test_a_bad_taxonomy_fails_the_build_with_its_file_and_line(tmp_path, damage):
    """content/taxonomy.yaml is an input like the filings: a missing or broken
    one is a clean error naming the file and line from the real command (it
    was a traceback), and the last output stays."""
    from conftest import run_cli_process

    root = copy_project(tmp_path / "proj")
    out = tmp_path / "public"
    build(root, out, search=False)
    before = tree_digest(out)
    taxonomy = root / "content" / "taxonomy.yaml"
    if damage == "missing":
        taxonomy.unlink()
        where = f"{taxonomy}:1:1: error: cannot read file"
    else:
        text = taxonomy.read_text(encoding="utf-8")
        line = text[:text.index("keywords: [公务接待,")].count("\n") + 1
        taxonomy.write_text(text.replace("keywords: [公务接待,", "keywords: 公务接待, [", 1), encoding="utf-8")
        where = f"{taxonomy}:{line}:"
    result = run_cli_process("build", "--root", root, "--out", out, "--no-search")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert where in result.err and "error:" in result.err
    assert "previous output" in result.err and "untouched" in result.err
    assert tree_digest(out) == before


def test_no_stale_files_survive_a_rebuild(tmp_path):
    out = tmp_path / "public"
    build(ROOT, out, search=False)
    (out / "stale.html").write_text("old", encoding="utf-8")
    build(ROOT, out, search=False)
    assert not (out / "stale.html").exists()


def test_a_full_build_swaps_the_output_in_and_deletes_the_old_one_afterwards(tmp_path):
    out = tmp_path / "public"
    build(ROOT, out, search=False)
    (out / "mine.txt").write_text("from the first build", encoding="utf-8")
    # an old output whose deletion never finished, named as this process would name its own
    leftover = tmp_path / f".public.old-{os.getpid()}"
    (leftover / "agencies").mkdir(parents=True)
    (leftover / "agencies" / "index.html").write_text("old", encoding="utf-8")
    build(ROOT, out, search=False, clean=True)
    assert (out / "index.html").is_file() and not (out / "mine.txt").exists()
    deadline = time.monotonic() + 30
    while list(tmp_path.glob(".public.*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_markdown_pages_render_without_raw_html(site):
    about = (site / "pages" / "about" / "index.html").read_text(encoding="utf-8")
    assert "<h1>关于本站</h1>" in about
    glossary = (site / "pages" / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "<table>" in glossary and "可持续影响指标" in glossary


def test_charts_have_text_alternatives(site):
    page = (site / "agencies" / "130225-507001" / "2025" / "projects" / "13022525p004t4010029m" / "index.html")
    html = page.read_text(encoding="utf-8")
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    # the missing December checkpoint is shown as such, not invented
    assert "12月底：未列出" in html


def test_pager_window_links_first_last_and_two_either_side():
    """A listing's page links: 1, the last, two either side of the current
    page, one gap mark (None) for each run left out — also for listings of
    thousands of pages, made from the kept numbers alone."""
    from site_builder.pages.map import Pager

    assert Pager("/x/", 1, 1).window == [1]
    assert Pager("/x/", 2, 3).window == [1, 2, 3]
    assert Pager("/x/", 1, 9).window == [1, 2, 3, None, 9]
    assert Pager("/x/", 5, 9).window == [1, None, 3, 4, 5, 6, 7, None, 9]
    assert Pager("/x/", 4, 9).window == [1, 2, 3, 4, 5, 6, None, 9]
    assert Pager("/x/", 6, 12).window == [1, None, 4, 5, 6, 7, 8, None, 12]
    assert Pager("/x/", 4000, 4000).window == [1, None, 3998, 3999, 4000]
    for count in range(1, 30):
        for number in range(1, count + 1):
            w = Pager("/x/", number, count).window
            shown = [n for n in w if n is not None]
            assert shown == sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
            # a gap mark exactly where numbers are skipped
            assert w.count(None) == sum(1 for a, b in zip(shown, shown[1:]) if b != a + 1)
