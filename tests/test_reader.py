"""The pages as a reader meets them: where a filing came from, what its
totals cover, its targets on a phone, its summary, its preview when shared.

Checked in the built seed site's HTML and, for what only a browser can tell
(widths, wrapping, print), in headless Chromium at 375 and 1280 px.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO as ROOT, copy_project, parse_html, serving
from site_builder.build import build
from site_builder.content.validate import validate_file, validate_paths

SEEDS = validate_paths([ROOT / "content" / "filings"]).filings
NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reader") / "public"
    build(ROOT, out, search=False, clean=True)
    return out


def project_copy(tmp_path: Path) -> Path:
    """The project's content, layouts and static files in a folder of their own, to edit."""
    return copy_project(tmp_path / "proj")


def slug_of(f) -> str:
    return f"{f.region.code}-{f.agency.code}" if f.agency.code else f.region.code


def filing_page(site: Path, f) -> Path:
    return site / "agencies" / slug_of(f) / str(f.year) / "index.html"


def project_pages(site: Path, f) -> list[Path]:
    return sorted((site / "agencies" / slug_of(f) / str(f.year) / "projects").glob("*/index.html"))


def parse(path: Path):
    return parse_html(path)[0]


def visible_text(path: Path) -> str:
    """The text of <main> a reader sees (no hidden blocks, no scripts)."""
    doc = parse(path)
    main = doc.find(".//h:main", NS)

    def walk(el) -> str:
        if el.get("hidden") is not None or el.tag.endswith(("script", "style")):
            return el.tail or ""
        return (el.text or "") + "".join(walk(c) for c in el) + (el.tail or "")

    return walk(main)


# three or more English words in a row: an editor's note, not a name (JSON, CSV)
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[\s,.;:'\"()/-]+[A-Za-z]{2,}){2,}")


# --------------------------------------------------------------------------- source and provenance

@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_filing_page_says_where_the_filing_came_from(site, lf):
    f = lf.filing
    text = visible_text(filing_page(site, f))
    assert f"《{f.source.title}》" in text
    assert f"本站收录于 {f.source.added}" in text  # every seed says when the site added it
    # the seeds' texts print no URL and no date: said, not guessed
    assert f.source.url is None and f.source.published is None
    assert "发布日期原文未注明" in text and "原文网址未注明" in text
    if f.source.publisher:
        assert f"署名{f.source.publisher}" in text


def test_a_publisher_url_and_dates_given_are_shown():
    """A filing that gives its publisher, URL and dates shows them and links
    to the original."""
    from datetime import date

    from site_builder.pages.summary import provenance, source_line

    lf = SEEDS[0]
    src = lf.filing.source.model_copy(update={
        "publisher": "某某局", "url": "https://example.gov.cn/a.pdf", "published": date(2025, 2, 1),
        "updated": date(2026, 12, 1)})
    f = lf.filing.model_copy(update={"source": src})
    facts = {fact.label: fact for fact in provenance(f)}
    assert facts["署名"].text == "某某局" and facts["发布日期"].text == "2025-02-01"
    assert facts["原文网址"].href == "https://example.gov.cn/a.pdf" and not facts["原文网址"].missing
    assert facts["最近更正"].text == "2026-12-01"
    assert source_line(f).endswith("发布于 2025-02-01，本站收录于 2026-11-22，最近更正于 2026-12-01。")


def test_updated_before_added_is_an_error(tmp_path):
    seed = ROOT / "content" / "filings" / "130209-442001-2024.yaml"
    bad = tmp_path / "f.yaml"
    bad.write_text(seed.read_text(encoding="utf-8").replace("  added: 2026-11-22\n", "  added: 2026-11-22\n  updated: 2026-11-01\n"),
                   encoding="utf-8")
    loaded, problems = validate_file(bad)
    assert loaded is None
    assert [(p.field, p.message) for p in problems] == [("source.updated", "updated (2026-11-01) is before added (2026-11-22)")]


@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_filing_and_project_pages_show_no_english_prose(site, lf):
    """The editors' notes (English, on converters and seed files) stay in the
    data downloads; the pages say in one Chinese sentence how they were made."""
    pages = [filing_page(site, lf.filing), *project_pages(site, lf.filing)]
    for page in pages:
        text = visible_text(page)
        assert not ENGLISH.findall(text), (page.relative_to(site), ENGLISH.findall(text)[:3])
        assert "seed file" not in page.read_text(encoding="utf-8")
    assert "本页按原文转录" in visible_text(pages[0])


def test_feed_dates_come_from_the_filings(site):
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    atom = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", atom)
    assert len(entries) == 5
    for e in entries:
        assert e.find("a:published", atom).text == "2026-11-22T00:00:00Z"
        assert e.find("a:updated", atom).text == "2026-11-22T00:00:00Z"
    assert feed.find("a:updated", atom).text == "2026-11-22T00:00:00Z"


# --------------------------------------------------------------------------- in Chromium: a phone, a desktop, paper

@pytest.fixture(scope="module")
def server(site):
    with serving(site) as base:
        yield base


def page_urls(site: Path) -> list[str]:
    return ["/" + p.parent.relative_to(site).as_posix().removeprefix(".") + ("/" if p.parent != site else "")
            for p in sorted(site.rglob("index.html"))]


WIDTHS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const targets = [...document.querySelectorAll('td.target')].map((t) => t.getBoundingClientRect());
  const lines = (e) => new Set([...e.getClientRects()].map((r) => Math.round(r.bottom))).size;
  const split = [...document.querySelectorAll('.amount')].filter((e) => lines(e) > 1)
    .map((e) => e.textContent);
  // and no amount outside such a span, where a line could break it
  const loose = [];
  const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (/\d ?万元/.test(n.data) && !el.closest('.amount, [hidden], svg') && el.offsetParent !== null) {
      loose.push(n.data.trim().slice(0, 40));
    }
  }
  return {vw, scroll: document.documentElement.scrollWidth, split, loose,
          outside: targets.filter((r) => r.left < 0 || r.right > vw + 0.5).length, targets: targets.length,
          wide: [...document.querySelectorAll('main table')].map((t) => Math.round(t.getBoundingClientRect().right))
                  .filter((r) => r > vw + 0.5)};
}"""


@pytest.fixture(params=[375, 320], ids=["375px", "320px"])
def phone(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 740}, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_on_a_phone_every_target_is_on_screen_and_no_page_scrolls_sideways(site, server, phone):
    """Every indicator target of every project and filing page lies inside a
    375 px (and a 320 px) screen (each indicator is a card there), no page of
    the site is wider than the screen — a table included — no amount is
    split from its unit (万元) at a line end, and filing and project pages
    show no English prose."""
    urls = page_urls(site)
    assert len(urls) > 80
    targets = 0
    for url in urls:
        phone.goto(server + url)
        got = phone.evaluate(WIDTHS)
        assert got["scroll"] <= got["vw"], (url, got)
        assert not got["wide"] or got["vw"] < 375, (url, got)  # at 320 px a table may scroll in its box
        assert got["outside"] == 0, (url, got)
        assert not got["split"] and not got["loose"], (url, got["split"], got["loose"])  # a figure and its unit on one line
        if "/agencies/" in url and url.count("/") >= 4:  # a filing or a project page: what the reader sees
            seen = ENGLISH.findall(phone.evaluate("document.querySelector('main').innerText"))
            assert not seen, (url, seen[:3])
        targets += got["targets"] if "/agencies/" in url else 0
    assert targets >= 295 + 9  # every project indicator, and 和政's unit-level ones


def test_at_1280_px_the_unit_table_fits_its_box(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = context.new_page()
        pg.goto(server + "/agencies/622925/2024/")  # its 二级指标 cells hold whole duty texts
        got = pg.evaluate(WIDTHS)
        assert got["scroll"] <= 1280 and not got["wide"] and got["outside"] == 0, got
        box = pg.evaluate("document.querySelector('main').getBoundingClientRect().right")
        table = pg.evaluate("document.querySelector('table.indicators').getBoundingClientRect().right")
        assert table <= box
    finally:
        context.close()


A4_CONTENT_PX = 718  # 210 mm less 10 mm margins on each side, at 96 px per inch


@pytest.mark.parametrize("url", ["/agencies/130202-430001/2025/projects/13020225p00004810001j/", "/agencies/622925/2024/"])
def test_printed_pages_fit_a4_portrait(server, browser, url, tmp_path):
    context = browser.new_context(viewport={"width": A4_CONTENT_PX, "height": 1000})
    try:
        pg = context.new_page()
        pg.goto(server + url)
        pg.emulate_media(media="print")
        got = pg.evaluate(WIDTHS)
        assert got["scroll"] <= A4_CONTENT_PX and not got["wide"] and got["outside"] == 0, got
        pdf = pg.pdf(path=str(tmp_path / "page.pdf"), format="A4", margin={"top": "10mm", "bottom": "10mm",
                                                                          "left": "10mm", "right": "10mm"})
        assert pdf.startswith(b"%PDF")
    finally:
        context.close()


# --------------------------------------------------------------------------- totals say what they are

def stats_of(path: Path) -> list[tuple[str, str]]:
    doc = parse(path)
    return [("".join(d.find("h:dt", NS).itertext()), "".join(d.find("h:dd", NS).itertext()))
            for d in doc.findall(".//h:dl[@class='stats']/h:div", NS)]


def test_no_figure_is_called_just_budget_total(site):
    """Every sum of project budgets says so (项目支出预算合计): "预算合计" read
    as the agency's whole budget."""
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        labels = [dt for dt, _ in stats_of(page)] + re.findall(r'<th scope="col"[^>]*>([^<]*预算合计[^<]*)</th>', html)
        bad = [label for label in labels if "预算合计" in label and not re.search(r"(项目支出|单位支出)预算合计|各年度相加", label)]
        assert not bad, (page.relative_to(site), bad)


def test_a_unit_level_table_leads_with_the_whole_budget(site):
    stats = stats_of(site / "agencies" / "622925" / "2024" / "index.html")
    assert stats[0][0] == "单位支出预算合计" and stats[0][1].startswith("1,637.51 万元") and "含基本支出 615.51 万元" in stats[0][1]
    assert stats[1][0] == "项目支出预算合计" and stats[1][1].startswith("1,022.00 万元") and "8 个项目" in stats[1][1]
    # a filing without one says its figure is the projects' sum
    stats = stats_of(site / "agencies" / "130202-430001" / "2025" / "index.html")
    assert stats[0][0] == "项目支出预算合计" and "原文没有单位整体支出表" in stats[0][1]


@pytest.mark.parametrize("url,years,mixed", [
    ("index.html", {"2025": "2,446.52", "2024": "2,241.66"}, "4,688.1"),
    ("regions/130000/index.html", {"2025": "2,446.52", "2024": "1,219.66"}, "3,666.1"),  # 河北: 119.61 + 1100.0539
    ("regions/130200/index.html", {"2025": "2,446.52", "2024": "119.61"}, "2,566.13"),
])
def test_figures_of_different_years_are_shown_per_year(site, url, years, mixed):
    page = site / url
    stats = dict(stats_of(page))
    for year, total in years.items():
        assert stats[f"{year}年项目支出预算合计"].startswith(f"{total} 万元")
    assert mixed not in page.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- numbers

NUMBER = re.compile(r"^-?[\d,]+(?:\.(\d+))?%?$")


def test_each_column_of_numbers_has_one_number_of_decimals(site):
    """1,100.05 / 1,022.00 / 484.00 in one column, not 1,100.0539 / 1,022 /
    484.00; shares 100.0% like 12.3%."""
    checked = 0
    for page in sorted(site.rglob("*.html")):
        for table in parse(page).iter("{%s}table" % NS["h"]):
            columns: dict[int, set[int]] = {}
            for row in table.iter("{%s}tr" % NS["h"]):
                for i, cell in enumerate(c for c in row if c.tag.endswith(("td", "th"))):
                    if "num" not in (cell.get("class") or "").split():
                        continue
                    for line in re.split(r"年", "".join(cell.itertext()).strip()):
                        m = NUMBER.match(line.replace("万元", "").strip())
                        if m and not re.fullmatch(r"20\d\d", line.strip()):  # a year named in the cell
                            columns.setdefault(i, set()).add(len(m.group(1) or ""))
            for i, decimals in columns.items():
                checked += 1
                assert len(decimals) == 1, (page.relative_to(site), i, decimals)
    assert checked > 100


def test_rounded_amounts_keep_their_exact_value(site):
    """53.4857 is shown as 53.49 and kept in <data value="53.4857">, with a tooltip."""
    from decimal import Decimal

    seen = 0
    for page in sorted(site.rglob("*.html")):
        for data in parse(page).iter("{%s}data" % NS["h"]):
            exact = Decimal(data.get("value"))
            assert data.text == format(exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"), ",f")
            assert data.get("title") == f"原文：{exact:,f}" and exact != exact.quantize(Decimal("0.01"))
            seen += 1
    assert seen >= 10
    project = (site / "agencies/130535-430001/2024/projects/13053524p000002102952/index.html").read_text(encoding="utf-8")
    assert '<data value="119.00"' not in project  # two decimals as published: nothing to keep


# --------------------------------------------------------------------------- summaries

def summary_of(path: Path) -> str:
    p = parse(path).find(".//h:main//h:p[@class='lead summary']", NS)
    return "".join(p.itertext())


def pct(part, whole) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def cents(v) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    return format(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ",f")


@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_filing_page_leads_with_a_summary_of_its_figures(site, lf):
    """The first paragraph says, from the data: the budget (the whole one
    first when the filing has it), the three largest projects and their
    share, how many targets can be measured, what needs attention."""
    from decimal import Decimal

    from site_builder.analysis.notes import filing_notes
    from site_builder.content.targets import parse_target

    f = lf.filing
    page = filing_page(site, f)
    text = summary_of(page)
    total = sum((p.budget.total for p in f.projects), Decimal(0))
    if f.unit_budget:
        assert text.startswith(f"{f.agency.name}{f.year}年的单位支出预算合计 {cents(f.unit_budget.expenditure_total)} 万元，"
                               f"其中项目支出预算合计 {cents(total)} 万元，分为 {len(f.projects)} 个项目。")
    else:
        assert text.startswith(f"{f.agency.name}{f.year}年的项目支出预算合计 {cents(total)} 万元，分为 {len(f.projects)} 个项目")
    top = sorted(f.projects, key=lambda p: -p.budget.total)[:3]
    for p in top:
        assert f"「{p.name}」（{cents(p.budget.total)} 万元，占 {pct(p.budget.total, total)}）" in text
    if len(f.projects) > 3:
        assert f"合计占项目支出的 {pct(sum(p.budget.total for p in top), total)}。" in text
    indicators = [*(f.unit_budget.indicators if f.unit_budget else ()), *(i for p in f.projects for i in p.indicators)]
    measurable = sum(1 for i in indicators if parse_target(i.target).measurable)
    assert f"{len(indicators)} 条绩效指标中有 {measurable} 条（{pct(measurable, len(indicators))}）的指标值可以计量" in text
    warnings = sum(1 for n in filing_notes(f) if n.severity == "warning")
    assert (f"程序核对发现 {warnings} 处需要注意的不一致。" if warnings else "程序核对没有发现需要注意的不一致。") in text
    # it is the page's description too (search engines, share previews)
    head = page.read_text(encoding="utf-8")
    assert f'<meta name="description" content="{text}">' in head


def test_agency_page_leads_with_one_sentence_per_year(site):
    text = summary_of(site / "agencies" / "622925" / "index.html")
    assert text == ("本站收录了和政县机关事务管理局（甘肃省临夏回族自治州和政县）2024年的部门预算绩效目标，共 1 份。"
                    "2024年单位支出预算合计 1,637.51 万元，其中项目支出预算合计 1,022.00 万元，分为 8 个项目，"
                    "最大的是「2024年公务接待费」（280.00 万元，占 27.4%）。")


def test_a_summary_of_several_years_names_each(tmp_path):
    """An agency with two years gets a sentence for each, newest first."""
    root = project_copy(tmp_path)
    seed = root / "content" / "filings" / "130209-442001-2024.yaml"
    text = seed.read_text(encoding="utf-8").replace("year: 2024", "year: 2025", 1).replace("13020924", "13020925")
    (root / "content" / "filings" / "130209-442001-2025.yaml").write_text(text.replace("total: 100.80", "total: 90.80", 1),
                                                                         encoding="utf-8")
    out = tmp_path / "public"
    build(root, out, search=False)
    text = summary_of(out / "agencies" / "130209-442001" / "index.html")
    assert text.startswith("本站收录了曹妃甸区政务接待中心（河北省唐山市曹妃甸区）2024—2025年的部门预算绩效目标，共 2 份。2025年项目支出预算合计")
    assert text.index("2025年项目支出预算合计") < text.index("2024年项目支出预算合计 119.61 万元")
    stats = dict(stats_of(out / "agencies" / "130209-442001" / "index.html"))
    assert stats["2024年项目支出预算合计"].startswith("119.61 万元") and "2025年项目支出预算合计" in stats


# --------------------------------------------------------------------------- the project chart, notes

@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_project_chart_is_linked_bars_largest_first(site, lf):
    f = lf.filing
    doc = parse(filing_page(site, f))
    bars = doc.findall(".//h:ol[@class='bars']/h:li/h:a", NS)
    expected = sorted(range(len(f.projects)), key=lambda i: (-f.projects[i].budget.total, i))
    assert ["".join(a.find("h:span[@class='bar-name']", NS).itertext()) for a in bars] == \
        [f.projects[i].name for i in expected]
    total = sum(p.budget.total for p in f.projects)
    for a, i in zip(bars, expected):
        p = f.projects[i]
        slug = p.code.lower() if p.code else f"p{i + 1}"
        assert a.get("href").endswith(f"/projects/{slug}/")
        figure = "".join(a.find("h:span[@class='bar-figure']", NS).itertext())
        assert figure == f"{cents(p.budget.total)} 万元 · {pct(p.budget.total, total)}"
    # class="bar w42": 42 % of the largest
    widths = [int(next(s for s in a.iter("{%s}span" % NS["h"]) if s.get("class", "").startswith("bar w")).get("class")[5:])
              for a in bars]
    assert widths[0] == 100 and widths == sorted(widths, reverse=True)
    assert doc.find(".//h:section[@id='projects']//{http://www.w3.org/2000/svg}svg", NS) is None  # no scaled SVG text


def test_project_chart_is_legible_on_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        pg = context.new_page()
        pg.goto(server + "/agencies/130202-430001/2025/")
        sizes = pg.evaluate("""[...document.querySelectorAll('.bars .bar-name, .bars .bar-figure')]
            .map((e) => parseFloat(getComputedStyle(e).fontSize))""")
        assert len(sizes) == 20 and min(sizes) >= 13, sizes
        colours = pg.evaluate("new Set([...document.querySelectorAll('.bars .bar')].map((e) => getComputedStyle(e).backgroundColor)).size")
        assert colours == 1  # one colour: not two categories
        # the breakdown comes before the goals' prose
        assert pg.evaluate("document.querySelector('.bars').getBoundingClientRect().top < "
                           "document.querySelector('.overview').getBoundingClientRect().top")
    finally:
        context.close()


def test_notes_are_amber_only_when_one_needs_attention(site):
    from site_builder.analysis.notes import filing_notes

    for lf in SEEDS:
        f = lf.filing
        notes = filing_notes(f)
        doc = parse(filing_page(site, f))
        warnings = [n for n in notes if n.severity == "warning"]
        box = doc.find(".//h:section[@class='notes-box']", NS)
        assert (box is not None) == bool(warnings), Path(lf.path).stem
        infos = doc.findall(".//h:details[@class='notes-info']", NS)
        assert infos and all(d.get("open") is None for d in infos)  # explanatory notes folded
        # a project card is flagged only for notes that need attention
        flagged = {"".join(c.find(".//h:h3", NS).itertext()) for c in doc.findall(".//h:li[@class='card']", NS)
                   if c.find(".//h:span[@class='flag']", NS) is not None}
        assert flagged == {f.projects[n.project_index].name for n in warnings if n.project_index is not None}
        for i, page in enumerate(project_pages(site, f)):
            pdoc = parse(page)
            h1 = "".join(pdoc.find(".//h:h1", NS).itertext())
            k = next(j for j, p in enumerate(f.projects) if p.name == h1)
            needs = any(n.project_index == k and n.severity == "warning" for n in notes)
            assert (pdoc.find(".//h:section[@class='notes-box']", NS) is not None) == needs


# --------------------------------------------------------------------------- metadata and share previews

def head_meta(path: Path) -> dict[str, str]:
    doc = parse(path)
    out = {}
    for m in doc.findall(".//h:head/h:meta", NS):
        key = m.get("name") or m.get("property")
        if key:
            out[key] = m.get("content")
    canonical = doc.find(".//h:head/h:link[@rel='canonical']", NS)
    if canonical is not None:
        out["canonical"] = canonical.get("href")
    out["title"] = "".join(doc.find(".//h:head/h:title", NS).itertext())
    return out


def test_every_page_has_a_description_and_a_share_preview(site):
    base = "https://budget-filings.netlify.app/"
    pages = [p for p in sorted(site.rglob("*.html")) if "pagefind" not in p.parts]
    assert len(pages) > 90
    for page in pages:
        m = head_meta(page)
        rel = page.relative_to(site).as_posix()
        assert len(m.get("description", "")) >= 10, rel
        for key in ("og:title", "og:description", "og:site_name", "twitter:card", "twitter:title"):
            assert m.get(key), (rel, key)
        assert m["og:description"] == m["description"]
        assert m["og:image"].startswith(base + "assets/img/share.") and m["og:image"].endswith(".png")
        assert (site / m["og:image"].removeprefix(base)).is_file()
        if rel == "404.html":
            assert m["robots"] == "noindex" and "canonical" not in m and "og:url" not in m
        else:
            url = base + rel.removesuffix("index.html")
            assert m["canonical"] == url and m["og:url"] == url and "robots" not in m, rel


@pytest.mark.parametrize("lf", SEEDS, ids=lambda lf: Path(lf.path).stem)
def test_titles_name_the_agency_and_year(site, lf):
    f = lf.filing
    assert head_meta(filing_page(site, f))["title"] == f"{f.agency.name} {f.year}年部门预算绩效目标 · 预算绩效目标公开"
    for page in project_pages(site, f):
        m = head_meta(page)
        name = "".join(parse(page).find(".//h:h1", NS).itertext())
        assert m["title"] == f"{name} · {f.agency.name} {f.year}年 · 预算绩效目标公开"
        assert m["og:title"] == f"{name} · {f.agency.name} {f.year}年"


# --------------------------------------------------------------------------- terms, permalinks, print, feedback

def test_glossary_is_linked_and_terms_are_explained_where_they_appear(site):
    glossary = parse(site / "pages" / "glossary" / "index.html")
    ids = {el.get("id") for el in glossary.iter() if el.get("id")}
    assert {"本级与汇总", "定性", "可计量", "项目支出预算合计", "页面上的说法"} <= ids
    for page in sorted(site.rglob("*.html")):
        if "pagefind" in page.parts:
            continue
        assert 'href="/pages/glossary/"' in page.read_text(encoding="utf-8"), page.relative_to(site)  # the footer
    doc = parse(site / "agencies" / "130202-430001" / "2025" / "index.html")
    abbr = doc.find(".//h:h1//h:abbr", NS)
    assert abbr.text == "本级" and abbr.get("title") == "只含本单位，不含下属单位"
    assert doc.find(".//h:h1//h:a", NS).get("href") == "/pages/glossary/#本级与汇总"
    project = parse(project_pages(site, SEEDS[0].filing)[0])
    assert [d.text for d in project.iter("{%s}dfn" % NS["h"])] == ["定性", "可计量"]


def test_sections_and_indicator_rows_have_permalinks(site):
    for page in [filing_page(site, lf.filing) for lf in SEEDS] + project_pages(site, SEEDS[0].filing):
        doc = parse(page)
        ids = [el.get("id") for el in doc.iter() if el.get("id")]
        assert len(ids) == len(set(ids)), page
        links = [a.get("href")[1:] for a in doc.iter("{%s}a" % NS["h"]) if (a.get("href") or "").startswith("#")]
        assert links and set(links) <= set(ids), set(links) - set(ids)
        permalinks = [a for a in doc.iter("{%s}a" % NS["h"]) if a.get("class") == "permalink"]
        assert len(permalinks) >= 4
    rows = parse(project_pages(site, SEEDS[0].filing)[0]).findall(".//h:table[@class='data indicators']/h:tbody/h:tr", NS)
    assert [r.get("id") for r in rows] and all(re.fullmatch(r"i\d+", r.get("id")) for r in rows)


def test_no_page_speaks_of_files_and_codes_to_readers(site):
    for page in sorted(site.rglob("*.html")):
        if "pagefind" in page.parts:
            continue
        text = visible_text(page)
        assert "content/" not in text and ".yaml" not in text, page.relative_to(site)
        assert "地区代码-单位代码" not in text


def test_printed_page_names_site_address_and_date(server, browser):
    context = browser.new_context(viewport={"width": A4_CONTENT_PX, "height": 1000})
    try:
        pg = context.new_page()
        url = "/agencies/130202-430001/2025/projects/13020225p00004810001j/"
        pg.goto(server + url)
        assert not pg.locator(".print-header").is_visible()  # on screen: not shown
        pg.emulate_media(media="print")
        header, footer = pg.locator(".print-header"), pg.locator(".print-footer")
        assert header.is_visible() and footer.is_visible()
        assert header.inner_text() == f"预算绩效目标公开 · https://budget-filings.netlify.app{url}"
        assert footer.inner_text().endswith("数据更新于 2026-11-22")
    finally:
        context.close()


def test_a_feedback_address_is_offered_when_set(tmp_path):
    """site.yaml's `feedback` (mailto: or https://) puts a 纠错与反馈 link on
    every page; a mailto: link's subject names the page."""
    from site_builder.content.config import ConfigError, load_config

    root = project_copy(tmp_path)
    site_yaml = root / "content" / "site.yaml"
    base = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(base + "feedback: mailto:editors@example.org\n", encoding="utf-8")
    out = tmp_path / "public"
    build(root, out, search=False)
    html = (out / "agencies" / "622925" / "2024" / "index.html").read_text(encoding="utf-8")
    assert ('<a href="mailto:editors@example.org?subject=%E7%BA%A0%E9%94%99%EF%BC%9A'
            'https%3A//budget-filings.netlify.app/agencies/622925/2024/">纠错与反馈</a>') in html
    site_yaml.write_text(base + "feedback: javascript:alert(1)\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(root / "content")


def test_the_shipped_site_names_no_feedback_address_it_does_not_have(site):
    assert "纠错与反馈" not in (site / "index.html").read_text(encoding="utf-8")
