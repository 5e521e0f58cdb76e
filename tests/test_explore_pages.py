"""The /quality/, /indicators/ and /compare/ pages and /data/notes.csv, on
the built seed site."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import REPO as ROOT, parse_html, text_of
from site_builder.build import build
from site_builder.analysis.views import level1_slug
from site_builder.analysis.notes import filing_notes
from site_builder.content.validate import validate_paths

SEEDS = validate_paths([ROOT / "content" / "filings"]).filings
NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explore") / "public"
    build(ROOT, out, search=False)
    return out


def parse(site: Path, url: str):
    doc, errors = parse_html(site / url.lstrip("/") / "index.html")
    assert not errors, f"{url}: {errors[:3]}"
    return doc


def main_text(doc) -> str:
    return text_of(doc.find(".//h:main", NS))


def seed(county_or_city: str):
    return next(lf.filing for lf in SEEDS if county_or_city in lf.filing.region.name)


def test_nav_links_to_the_three_sections(site):
    doc = parse(site, "/")
    nav = [a.get("href") for a in doc.findall(".//h:nav[@class='site-nav']//h:a", NS)]
    for href in ("/quality/", "/indicators/", "/compare/"):
        assert any(h.endswith(href) for h in nav), href


def test_quality_page_shows_the_645_note_and_links(site):
    doc = parse(site, "/quality/")
    text = main_text(doc)
    assert "645.12" in text and "645.13" in text
    hrefs = [a.get("href") for a in doc.iter("{%s}a" % NS["h"])]
    assert any(h.endswith("/pages/methodology/#note-cost-bound-mismatch") for h in hrefs)
    lunan = seed("路南")
    note = next(n for n in filing_notes(lunan) if n.code == "cost-bound-mismatch" and "645.13" in n.message_zh)
    assert note.message_zh in text
    # the link next to it goes to the 财经大厦经费 project page
    assert any("/agencies/130202-" in h and "/projects/" in h for h in hrefs)


def test_quality_counts_per_agency_are_exact(site):
    doc = parse(site, "/quality/")
    table = doc.find(".//h:table", NS)
    rows = table.findall("./h:tbody/h:tr", NS)
    assert len(rows) == len(SEEDS)
    by_name = {}
    for tr in rows:
        cells = [text_of(c).strip() for c in tr]
        by_name[(cells[0], int(cells[1]))] = (int(cells[2]), int(cells[3]), int(cells[4]))
    total = 0
    for lf in SEEDS:
        notes = filing_notes(lf.filing)
        warnings = sum(1 for n in notes if n.severity == "warning")
        assert by_name[(lf.filing.agency.name, lf.filing.year)] == (warnings, len(notes) - warnings, len(notes))
        total += len(notes)
        # the section of the filing lists every note
        slug = f"{lf.filing.region.code}-{lf.filing.agency.code.lower()}" if lf.filing.agency.code else lf.filing.region.code
        sec = next(s for s in doc.iter("{%s}section" % NS["h"]) if s.get("id") == f"f-{slug}-{lf.filing.year}")
        items = sec.findall(".//h:li", NS)
        assert len(items) == len(notes)
        warning_items = [li for li in items if "note-warning" in li.get("class")]
        assert len(warning_items) == warnings
        # warnings come before the collapsed informational notes
        assert items[:warnings] == warning_items
        assert f"提示 {len(notes)} 条" in text_of(sec)
    assert "合计" in text_of(table.find("./h:tfoot", NS))
    assert total == 48


def test_quality_shows_the_measurable_share(site):
    from site_builder.analysis.notes import measurable_share

    lunan = seed("路南")
    inds = [i for p in lunan.projects for i in p.indicators]
    if lunan.unit_budget:
        inds = list(lunan.unit_budget.indicators) + inds
    m, n = measurable_share(inds)
    text = main_text(parse(site, "/quality/"))
    assert f"{m}/{n}" in text


def indicator_rows(doc):
    return doc.findall(".//h:tr[@data-filter-row]", NS)


def test_indicator_pages_list_every_indicator_once(site):
    index = parse(site, "/indicators/")
    hrefs = {a.get("href") for a in index.iter("{%s}a" % NS["h"])}
    seen_project: list[tuple[str, str, str, str]] = []
    unit_rows = 0
    slugs = {level1_slug(i.level1) for lf in SEEDS for p in lf.filing.projects for i in p.indicators}
    slugs |= {level1_slug(i.level1) for lf in SEEDS if lf.filing.unit_budget for i in lf.filing.unit_budget.indicators}
    assert slugs <= {"output", "outcome", "satisfaction", "cost", "other"}
    for slug in sorted(slugs):
        assert f"/indicators/{slug}/" in hrefs
        doc = parse(site, f"/indicators/{slug}/")
        for tr in indicator_rows(doc):
            link = tr.findall("./h:td/h:a", NS)[0].get("href")
            name = text_of(tr.find("./h:th", NS))
            if "/projects/" in link:
                seen_project.append((slug, link, name, text_of(tr.findall("./h:td", NS)[0]).strip()))
            else:
                unit_rows += 1
    assert len(seen_project) == 295
    expected_unit = sum(len(lf.filing.unit_budget.indicators) for lf in SEEDS if lf.filing.unit_budget)
    assert unit_rows == expected_unit
    # every level-1 group's count on the index equals the rows on its page
    total = sum(len(p.indicators) for lf in SEEDS for p in lf.filing.projects)
    assert total == 295
    assert f"{total + expected_unit}" in text_of(index.find(".//h:tfoot", NS))


def test_indicator_index_counts_each_level2_group(site):
    """Each 二级指标 row of /indicators/ gives the number of indicators listed
    under it on its page (it printed 0 for every group until the eighth
    session's follow-up), and a 一级指标's rows add up to its 小计."""
    index = parse(site, "/indicators/")
    checked = 0
    for body in index.findall(".//h:table[@class='data']/h:tbody", NS):
        counts = []
        for tr in body.findall("./h:tr", NS):
            cells = [text_of(td).strip() for td in tr.findall("./h:td", NS)]
            if tr.get("class") == "subtotal":
                assert sum(counts) == int(cells[1]) > 0
                continue
            link = tr.findall("./h:td/h:a", NS)[0].get("href")
            page, anchor = link.split("#")
            section = parse(site, page).find(f".//h:section[@id='{anchor}']", NS)
            listed = len(section.findall(".//h:tbody/h:tr", NS))
            n, measurable = int(cells[1]), int(cells[2])
            assert n == listed and 0 <= measurable <= n, (link, n, listed)
            counts.append(n)
            checked += 1
    assert checked >= 10


def test_indicator_page_groups_by_level2(site):
    doc = parse(site, "/indicators/output/")
    heads = [text_of(h) for h in doc.findall(".//h:section/h:h2", NS)]
    assert heads == ["数量指标（37）", "质量指标（37）", "时效指标（37）", "成本指标（29）"]
    # usable without JS: the filter box is hidden and the script is external
    html = (site / "indicators/output/index.html").read_text(encoding="utf-8")
    assert "<style" not in html and "<script>" not in html and "hidden" in html


def test_compare_reception_side_by_side(site):
    doc = parse(site, "/compare/reception/")
    rows = doc.findall(".//h:table[@class='data compare stack']/h:tbody/h:tr", NS)
    by_agency = {}
    for tr in rows:
        cells = [text_of(c).strip() for c in tr]
        by_agency[cells[0]] = cells
    names = " ".join(by_agency)
    for place in ("曹妃甸", "乐亭", "和政"):
        assert place in names, place
    cfd = next(v for k, v in by_agency.items() if "曹妃甸" in k)
    assert cfd[2] == "各项公务接待活动"
    assert cfd[5].split()[0] == "2.52"
    assert "40" in cfd[4]
    hz = next(v for k, v in by_agency.items() if "和政" in k)
    assert hz[5] == "—"  # 人/次 is not 批次: no unit cost
    assert "可比性说明" in main_text(doc)


def test_compare_index_lists_categories_and_uncategorised(site):
    from site_builder.analysis.categories import categorize, default_taxonomy

    doc = parse(site, "/compare/")
    text = main_text(doc)
    hrefs = {a.get("href") for a in doc.iter("{%s}a" % NS["h"])}
    for c in default_taxonomy().categories:
        assert f"/compare/{c.slug}/" in hrefs and c.name in text
    rest = [p for lf in SEEDS for p in lf.filing.projects if categorize(p) is None]
    assert rest
    for p in rest:
        assert p.name in text
    assert f"未归类的项目（{len(rest)}）" in text


def test_notes_csv(site):
    raw = (site / "data" / "notes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["region_code", "agency_code", "year", "project_code", "project_name", "code", "severity",
                       "field", "message", "url"]
    assert len(rows) - 1 == sum(len(filing_notes(lf.filing)) for lf in SEEDS)
    assert any(r[5] == "cost-bound-mismatch" and "645.13" in r[8] for r in rows[1:])
    html = (site / "data" / "index.html").read_text(encoding="utf-8")
    assert "/data/notes.csv" in html
