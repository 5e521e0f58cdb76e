"""The page map: which pages exist, from which template, with which context,
and which inputs each one depends on (for exact incremental rebuilds).

A dependency is a string: ``filing:<agency>/<year>`` for one whole filing
(its agency's own pages), ``listing:<agency>/<year>`` for what the pages
that list it read of it (its light copy: ``analysis.site.listing_hash``),
``listing:*`` for every filing's (the home page, the indexes), ``*`` for
every whole filing (the site-wide downloads), ``page:<name>`` for a Markdown
page. Templates are dependencies too, found by the renderer. A site-wide
page is rendered from light filings only, so an edit of a goal's wording
re-renders the filing's own pages, not the listings.
"""
from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import Any, Callable

from . import charts
from ..analysis.views import SiteViews, site_views
from . import search_fields
from . import summary
from . import sangong as sangong_pages
from .years import LARGEST_CHANGES, MATCH_RULES, VERDICT_NOTES, AgencyMemo, agency_years, project_years
from ..analysis import sangong, urls
from ..analysis.years import VERDICTS, PairCache, comparable_years, region_changes
from ..analysis.site import AgencyInfo, FilingInfo, ProjectInfo, RegionInfo, SiteModel, indicator_columns, significant_code
from ..content.load import parse_text
from ..analysis.notes import NOTE_TYPES

ALL = "*"
EVERY_LISTING = "listing:*"

# Listings are split into pages of a bounded size so that no page grows with
# the site (a phone must open any page of a province-scale site), and so that
# editing one filing re-renders a bounded amount of output. A site
# as small as the seeds has one page per listing.
FILINGS_PER_PAGE = 100  # filing and agency tables
DETAIL_FILINGS_PER_PAGE = 10  # listings that show each filing's notes or indicators
PROJECTS_PER_PAGE = 50  # project tables


@dataclass
class Page:
    url: str  # site path, "/agencies/" or "/sitemap.xml"
    template: str
    deps: frozenset[str]
    context: Callable[[], dict[str, Any]] = field(repr=False)

    @cached_property  # asked for several times per page by a build
    def output(self) -> str:
        """Path of the file inside the output folder."""
        return output_of(self.url)


def output_of(url: str) -> str:
    """Path inside the output folder of the page at ``url``."""
    return url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/")


@dataclass
class MarkdownPage:
    slug: str
    title: str
    body: str
    source: str
    order: int
    description: str = ""


@dataclass(frozen=True)
class Pager:
    """Where one page sits in a listing split over ``count`` pages."""

    base: str  # the first page's URL
    number: int  # 1-based
    count: int

    def url_of(self, n: int) -> str:
        return self.base if n == 1 else f"{self.base}page/{n}/"

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def prev(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None

    @property
    def window(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of
        this one; None marks a gap. (From the ≤ 7 numbers kept, not by
        walking every page: a listing of n pages made n² steps.)"""
        keep = sorted({n for n in (1, self.count, *range(self.number - 2, self.number + 3)) if 1 <= n <= self.count})
        out: list[int | None] = []
        last = 0
        for n in keep:
            if last and n != last + 1:
                out.append(None)
            out.append(n)
            last = n
        return out

    def title(self, title: str) -> str:
        return title if self.number == 1 else f"{title}（第 {self.number} 页）"


class Part(Sequence):
    """``items[start:stop]``, read when the page renders, not when the page
    map is made: an edit applied in place to the site model's lists
    (``analysis.site.replace_filing``) reaches every listing page without making
    the page map again."""

    __slots__ = ("items", "start", "stop")

    def __init__(self, items: list, start: int, stop: int):
        self.items, self.start, self.stop = items, start, stop

    def __len__(self) -> int:
        return max(0, min(self.stop, len(self.items)) - self.start)

    def __getitem__(self, k):
        return self.items[self.start:self.stop][k]

    def __iter__(self):
        return iter(self.items[self.start:self.stop])


def paged(base: str, items: list, per_page: int) -> list[tuple[Pager, Part]]:
    """Split ``items`` into listing pages (always at least one)."""
    starts = range(0, len(items), per_page) or [0]
    return [(Pager(base, n, len(starts)), Part(items, i, i + per_page)) for n, i in enumerate(starts, 1)]


def part_deps(first_page_deps: frozenset[str], pager: Pager, part: Any, title: str) -> frozenset[str]:
    """Page 1 of a listing carries its summary (``first_page_deps``); a later
    page shows only its own part and its title, so it depends on that part,
    the title and the page count (its pager)."""
    if pager.number == 1:
        return first_page_deps
    return frozenset(part) | {f"const:{pager.count}:{title}"}


def add_listing(add: Callable[[Page], None], listing: list[tuple[Pager, Part]], template: str, heading: str,
                first_deps: frozenset[str], item_deps: Callable[[Part], Iterable[str]],
                context: Callable[[Pager, Part, str], dict[str, Any]], shown_too: str = "") -> None:
    """A listing's pages (``paged``), each titled ``heading`` and its page
    number: page 1 depends on ``first_deps`` (it carries the listing's
    summary), a later page on its own items (``item_deps(part)``), its title
    and ``shown_too`` (anything else it shows); ``context(pager, part,
    title)`` makes a page's context when it is rendered."""
    for pager, part in listing:
        title = pager.title(heading)
        add(Page(pager.url, template, part_deps(first_deps, pager, item_deps(part), title + shown_too),
                 lambda pager=pager, part=part, title=title: context(pager, part, title)))


def filing_deps(part: Iterable[FilingInfo]) -> Iterable[str]:
    return (f.listing_dep for f in part)


def crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [("首页", "/"), *items]


# the header's links, on every page
NAVIGATION = (("单位", "/agencies/"), ("地区", "/regions/"), ("年度", "/years/"), ("质量", "/quality/"),
              ("指标", "/indicators/"), ("比较", "/compare/"), ("三公经费", urls.SANGONG), ("数据下载", "/data/"),
              ("关于", "/pages/about/"), ("方法说明", "/pages/methodology/"))


# what a search result says a page is (search.js shows it as a badge)
KIND_LABELS = {"home": "首页", "agency": "单位", "filing": "绩效目标文件", "project": "项目", "region": "地区",
               "year": "年度汇总", "quality": "数据质量", "indicators": "指标汇总", "compare": "同类比较", "page": "说明"}


def data_date(infos: Iterable[FilingInfo]) -> str:
    """The newest date the filings give (corrected, added or published):
    what a printed page says its data is as of."""
    return max((i.updated for i in infos), default="")[:10]


# Pages the search does not index: the 404 and search pages themselves, and
# the what-changed and 三公 pages, whose rows repeat the projects' own pages
# (docs/decisions.md). Nor does it index a listing's pages after the first:
# they are slices of rows whose own pages are indexed, and at province scale
# they filled the top of the results ("满意度指标（第 29 页）", docs/search.md).
UNSEARCHED_KINDS = frozenset({"404", "search", "changes", "sangong"})


def meta(title: str, url: str, breadcrumbs: list[tuple[str, str]], description: str, kind: str = "",
         head_title: str = "", date: str = "", region: str = "", pager: Pager | None = None) -> dict[str, Any]:
    """A page's metadata. ``description``: the meta description and share
    preview text (every page has one); ``head_title``: the <title> and share
    title when the heading alone says too little (a project's name without
    its agency and year); ``region``: the division code of the region the
    page is about, which a search started from it is limited to; ``pager``:
    the page's place in a listing."""
    return {"title": title, "url": url, "breadcrumbs": breadcrumbs, "description": description, "kind": kind,
            "head_title": head_title, "kind_label": KIND_LABELS.get(kind, "列表"), "date": date,
            "scope": significant_code(region) if region else "",
            "searchable": kind not in UNSEARCHED_KINDS and (pager is None or pager.number == 1)}


def load_markdown_pages(pages_dir: Path) -> list[MarkdownPage]:
    """``content/pages/*.md`` with a small YAML front matter (title, order)."""
    out = []
    if not pages_dir.is_dir():
        return out
    for path in sorted(pages_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title, order, body, description = path.stem, 100, text, ""
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end > 0:
                fm = parse_text(text[4:end], str(path)).data or {}
                title = str(fm.get("title", title))
                order = int(fm.get("order", order))
                description = str(fm.get("description", ""))
                body = text[end + 5:]
        out.append(MarkdownPage(path.stem, title, body, str(path), order, description or title))
    return sorted(out, key=lambda p: (p.order, p.slug))


# The templates of an agency's own pages (see agency_pages).
AGENCY_TEMPLATES = ("agency.html", "filing.html", "project.html")


def agency_context(ag: AgencyInfo, memo: AgencyMemo | None = None) -> dict[str, Any]:
    years = agency_years(ag, memo)
    description = summary.agency_summary(ag, years.pairs[0].pair if years else None)
    return {
        "page": meta(ag.name, ag.url, crumbs(("单位", "/agencies/"), (ag.name, ag.url)), description, kind="agency",
                     date=data_date(ag.filings), region=ag.filings[0].filing.region.code),
        "agency": ag, "search_fields": search_fields.agency(ag, description), "stats": summary.agency_stats(ag),
        "summary": description, "years": years, "match_rules": MATCH_RULES, "verdicts": VERDICTS,
    }


def agency_pages(ag: AgencyInfo) -> list[Page]:
    """An agency's page, its filings' pages and their projects' pages: they
    depend on that agency's filings and nothing else, so a rebuild skips the
    whole group when none of them changed (at 10,000 filings that is ~85% of
    the site not even listed)."""
    deps = frozenset(f.dep for f in ag.filings)
    memo = AgencyMemo(ag)  # the agency's pairs of years, made once for its pages
    pages = [Page(ag.url, "agency.html", deps, lambda: agency_context(ag, memo))]
    # the site model's filings are light: a filing's own pages print the whole
    # filing, unpickled when they render (FilingInfo.whole)
    for info in ag.filings:
        pages.append(Page(info.url, "filing.html", deps, lambda info=info: filing_context(info.whole())))
        pages.extend(project_pages(info, deps, memo))
    return pages


def project_pages(info: FilingInfo, deps: frozenset[str], memo: AgencyMemo) -> list[Page]:
    """A filing's project pages. ``deps``: the agency's filings — a project
    page follows the project into the agency's other years."""
    return [Page(proj.url, "project.html", deps,
                 lambda info=info, k=proj.index: project_context(info.whole().projects[k], project_years(info, k, memo)))
            for proj in info.projects]


def build_pages(site: SiteModel, md_pages: list[MarkdownPage]) -> list[Page]:
    """Every page of the site: each agency's group, then the site-wide pages."""
    own = [p for ag in site.agencies for p in agency_pages(ag)]
    return own + site_pages(site, md_pages, [p.url for p in own])


def site_pages(site: SiteModel, md_pages: list[MarkdownPage], agency_urls: list[str],
               views: SiteViews | None = None) -> list[Page]:
    """The pages that are not an agency's own; ``agency_urls`` (every agency
    group's page URLs, in site order) go into the sitemap. ``views``: the
    explorer's site-wide views, if already computed (``analysis.views.site_views``)."""
    pages: list[Page] = []
    add = pages.append

    add(Page("/", "home.html", frozenset({EVERY_LISTING}), lambda: {
        # the home page's description is the site's (config.description)
        "page": meta("首页", "/", [], "", kind="home", date=data_date(site.filings)),
        "stats": summary.site_stats(site), "years": site.years, "regions": site.region_roots,
        "largest_projects": site.largest_projects, "newest_filings": site.newest_filings,
        "filing_count": site.totals.filings,
    }))
    add_listing(add, paged("/agencies/", site.agencies, FILINGS_PER_PAGE), "agencies.html", "全部单位",
                frozenset({EVERY_LISTING}), lambda part: (f.listing_dep for a in part for f in a.filings),
                lambda pager, part, title: {
                    "page": meta(title, pager.url, crumbs(("单位", "/agencies/")),
                                 "按地区排列的全部单位，列出每个单位各年度的项目支出预算合计。", pager=pager),
                    "agencies": part, "pager": pager, "count": len(site.agencies)})
    for region in site.regions.values():
        add_listing(add, paged(region.url, region.filings, FILINGS_PER_PAGE), "region.html", region.name,
                    frozenset(f.listing_dep for f in region.filings), filing_deps,
                    lambda pager, part, title, r=region: region_context(site, r, pager, part, title))
    for y in site.years:
        add_listing(add, paged(y.url, y.filings, FILINGS_PER_PAGE), "year.html", f"{y.year}年",
                    frozenset(f.listing_dep for f in y.filings), filing_deps,
                    lambda pager, part, title, y=y: {
                        "page": meta(title, pager.url, crumbs((f"{y.year}年", y.url)),
                                     summary.year_summary(y) if pager.number == 1
                                     else f"{y.year}年的部门预算绩效目标（第 {pager.number} 页）",
                                     kind="year", date=data_date(y.filings if pager.number == 1 else part), pager=pager),
                        "year": y, "filings": part, "pager": pager,
                        "stats": summary.per_year_stats([(y.year, y.totals)]) + summary.count_stats(y.totals, [y.year])})
    add(Page("/regions/", "regions.html", frozenset({EVERY_LISTING}), lambda: {
        "page": meta("地区", "/regions/", crumbs(("地区", "/regions/")), "按省、市、县浏览各地区的部门预算绩效目标。"),
        "roots": site.region_roots, "regions": site.regions,
    }))
    add(Page("/years/", "years.html", frozenset({EVERY_LISTING}), lambda: {
        "page": meta("年度", "/years/", crumbs(("年度", "/years/")), "按年度浏览部门预算绩效目标，每个年度分别汇总。"),
        "years": site.years,
    }))
    for mp in md_pages:
        url = f"/pages/{mp.slug}/"
        add(Page(url, "page.html", frozenset({f"page:{mp.slug}"}), lambda mp=mp, url=url: {
            "page": meta(mp.title, url, crumbs((mp.title, url)), mp.description, kind="page"), "body": mp.body,
            # the methodology page explains every consistency note; one source: notes.NOTE_TYPES
            "note_types": list(NOTE_TYPES.items()) if mp.slug == "methodology" else [],
        }))
    views = views or site_views(site)
    add_explore_pages(views, add)
    add_change_pages(site, add)
    add_sangong_pages(site, add)
    add(Page("/404.html", "404.html", frozenset(), lambda: {
        "page": meta("页面不存在", "/404.html", [], "您要找的页面不存在或已移动。", kind="404")}))
    add(Page("/search/", "search.html", frozenset(), lambda: {
        "page": meta("搜索", "/search/", crumbs(("搜索", "/search/")), "在全部单位、地区、项目和绩效指标中搜索。", kind="search")}))
    add(Page("/robots.txt", "robots.txt", frozenset(), lambda: {}))
    add_sitemaps([p.url for p in pages] + agency_urls, add)
    add(Page("/feed.xml", "feed.xml", frozenset({EVERY_LISTING}), lambda: feed_context(site)))
    data_pages = paged("/data/", site.filings, FILINGS_PER_PAGE)
    add_listing(add, data_pages, "data.html", "开放数据",  # page 1 lists its own part only, and links the others
                frozenset(filing_deps(data_pages[0][1])) | {f"const:{len(data_pages)}"}, filing_deps,
                lambda pager, part, title: {
                    "page": meta(title, pager.url, crumbs(("开放数据", "/data/")),
                                 "下载全部数据：每份文件、每个项目、每条绩效指标和一致性提示的 CSV 与 JSON，以及填报格式说明。",
                                 pager=pager),
                    "filings": part, "pager": pager})
    return pages


def add_explore_pages(views: SiteViews, add: Callable[[Page], None]) -> None:
    """/quality/, /indicators/ and /compare/. The first page of each listing
    shows site-wide figures (it depends on every filing; the taxonomy is a
    global input, like the templates); later pages only their own part."""
    every = frozenset({EVERY_LISTING})
    report = views.quality
    add_listing(add, paged("/quality/", report.filings, DETAIL_FILINGS_PER_PAGE), "quality.html", "数据质量：一致性提示",
                every, lambda part: (fq.info.listing_dep for fq in part),
                lambda pager, part, title: {
                    "page": meta(title, pager.url, crumbs(("数据质量", "/quality/")),
                                 "各单位部门预算绩效目标文件的一致性提示汇总，以及指标值可计量的比例", kind="quality",
                                 pager=pager),
                    "report": report, "filings": part, "pager": pager})
    ind_pages = views.indicators
    add(Page("/indicators/", "indicators.html", every, lambda: {
        "page": meta("绩效指标", "/indicators/", crumbs(("绩效指标", "/indicators/")),
                     "全部绩效指标按一级、二级指标分类汇总", kind="indicators"),
        "level1_pages": ind_pages,
        "total": sum(p.count for p in ind_pages), "measurable": sum(p.measurable for p in ind_pages),
    }))
    tabs = ",".join(o.slug for o in ind_pages)  # later pages show the tabs too
    for lp in ind_pages:
        add_listing(add, paged(lp.url, lp.filings, DETAIL_FILINGS_PER_PAGE), "indicator_level1.html", lp.title,
                    every, filing_deps,
                    lambda pager, part, title, lp=lp: {
                        "page": meta(title, pager.url, crumbs(("绩效指标", "/indicators/"), (lp.title, lp.url)),
                                     f"全部{lp.title}（{lp.count}条）按二级指标分组", kind="indicators", pager=pager),
                        "lp": lp, "level1_pages": ind_pages, "groups": lp.rows_for(part), "pager": pager},
                    shown_too=tabs)
    index = views.compare
    add_listing(add, paged("/compare/", index.uncategorised, PROJECTS_PER_PAGE), "compare.html", "同类项目比较",
                every, lambda part: (p.filing.listing_dep for p in part),
                lambda pager, part, title: {
                    "page": meta(title, pager.url, crumbs(("比较", "/compare/")),
                                 "按项目类别比较各单位、各年度的预算、主要数量指标和单位成本", kind="compare", pager=pager),
                    "index": index, "uncategorised": part, "pager": pager})
    for cc in index.categories:
        listing = paged(cc.url, cc.rows, PROJECTS_PER_PAGE)
        # page 1 sums this category's projects only; the taxonomy is a global input
        add_listing(add, listing, "compare_category.html", f"{cc.category.name}：同类项目比较",
                    frozenset(r.info.listing_dep for r in cc.rows) | {f"const:{len(listing)}"},
                    lambda part: (r.info.listing_dep for r in part),
                    lambda pager, part, title, cc=cc: {
                        "page": meta(title, pager.url, crumbs(("比较", "/compare/"), (cc.category.name, cc.url)),
                                     f"{cc.category.name}类项目在各单位、各年度的预算、数量指标和单位成本", kind="compare",
                                     pager=pager),
                        "cc": cc, "index": index, "rows": part, "pager": pager})


def add_change_pages(site: SiteModel, add: Callable[[Page], None]) -> None:
    """What changed in each region from one year to the next, for each year in
    which some of its agencies also filed the year before. A page depends on
    the region's filings of the two years."""
    cache = PairCache(site.memo)
    for region in site.regions.values():
        years = comparable_years(region.filings)
        for y in years:
            url = urls.region_changes(region.code, y)
            # the page links the region's other years' pages: their list is an input too
            deps = frozenset(f.listing_dep for f in region.filings if f.year in (y, y - 1)) | {
                f"const:{','.join(map(str, years))}"}
            add(Page(url, "region_changes.html", deps,
                     lambda r=region, y=y, url=url: region_changes_context(site, r, y, url, cache)))


def region_changes_context(site: SiteModel, r: RegionInfo, year: int, url: str, cache: PairCache) -> dict[str, Any]:
    parts = []
    for child in r.child_regions:
        deps = {f.dep for f in child.filings}
        parts.append((child.short_name, urls.region_changes(child.code, year), deps))
    changes = region_changes(r.filings, year, parts, cache, top=LARGEST_CHANGES)
    title = f"{r.name}：{year}年与{year - 1}年相比"
    description = summary.region_changes_summary(r, changes)
    return {
        "page": meta(title, url, crumbs(*region_crumbs(site, r.code), (f"{year}年变化", url)), description,
                     kind="changes", date=data_date(p.new for p in changes.pairs)),
        "region": r, "changes": changes, "summary": description, "match_rules": MATCH_RULES,
        "verdicts": VERDICTS, "verdict_notes": VERDICT_NOTES, "top": LARGEST_CHANGES,
        "others": [(y, urls.region_changes(r.code, y)) for y in comparable_years(r.filings) if y != year],
    }


def add_sangong_pages(site: SiteModel, add: Callable[[Page], None]) -> None:
    """/sangong/: the three per year and per region (a row per region and year,
    paginated); /sangong/<region>/: the region's, its child regions' and the
    agencies' filed at the region itself (a row per filing, paginated: an
    agency is listed once, at its own region). A page depends on the filings
    with such projects that it sums or lists (the taxonomy is a global
    input). Listings hold positions and codes, read when the page renders."""
    tax = site.taxonomy
    has = {f.listing_dep for f in site.filings if sangong.has_items(f, tax)}
    every = frozenset(has)
    rows: list[tuple[str, int]] = []  # (region code, year)
    region_deps: dict[str, frozenset[str]] = {}
    for r in site.regions.values():
        mine = [f for f in r.filings if f.listing_dep in has]
        if mine:
            region_deps[r.code] = frozenset(f.listing_dep for f in mine)
            rows.extend((r.code, y) for y in sorted({f.year for f in mine}, reverse=True))
    add_listing(add, paged(urls.SANGONG, rows, FILINGS_PER_PAGE), "sangong.html", "三公经费",
                every, lambda part: (d for code, _y in part for d in region_deps[code]),
                lambda pager, part, title: {
                    "page": meta(title, pager.url, crumbs(("三公经费", urls.SANGONG)),
                                 "公务接待、公务用车购置及运行、因公出国（境）项目的预算：按年度、地区和单位汇总，"
                                 "并在计量单位一致时给出单位成本。", kind="sangong", pager=pager),
                    "pager": pager, **sangong_pages.index(site, part, pager.number == 1)})
    for code, deps in region_deps.items():
        r = site.regions[code]
        positions = [k for k, f in enumerate(r.filings) if f.listing_dep in has and f.filing.region.code == code]
        add_listing(add, paged(urls.sangong_region(code), positions, FILINGS_PER_PAGE), "sangong_region.html",
                    f"{r.name}：三公经费", deps, lambda part, r=r: (r.filings[k].listing_dep for k in part),
                    lambda pager, part, title, r=r: {
                        "page": meta(title, pager.url, crumbs(("三公经费", urls.SANGONG), *sangong_crumbs(site, r.code)),
                                     f"{r.name}的公务接待、公务用车购置及运行、因公出国（境）项目预算，按年度和单位列出。",
                                     kind="sangong", pager=pager),
                        "pager": pager, **sangong_pages.region(site, r, part, pager.number == 1)})


def sangong_crumbs(site: SiteModel, code: str) -> list[tuple[str, str]]:
    chain = []
    current: str | None = code
    while current:
        r = site.regions[current]
        chain.append((r.short_name, urls.sangong_region(r.code)))
        current = r.parent
    return list(reversed(chain))


def region_context(site: SiteModel, r: RegionInfo, pager: Pager, part: Part, title: str) -> dict[str, Any]:
    """A region's page: its summary (page 1: the region's per-year sums, which
    it depends on; a later page only its part) and, on page 1, its search fields."""
    first = pager.number == 1
    description = summary.region_summary(r) if first else f"{r.name}的部门预算绩效目标（第 {pager.number} 页）"
    return {
        "page": meta(title, pager.url, crumbs(*region_crumbs(site, r.code)), description, kind="region",
                     date=data_date(r.filings if first else part), region=r.code, pager=pager),
        "region": r, "children": r.child_regions, "filings": part, "pager": pager,
        "changes": [(y, urls.region_changes(r.code, y)) for y in comparable_years(r.filings)] if first else [],
        "sangong_url": urls.sangong_region(r.code) if first and any(
            sangong.has_items(f, site.taxonomy) for f in r.filings) else None,
        "stats": summary.region_stats(r), "search_fields": search_fields.region(r, description) if first else "",
    }


def region_crumbs(site: SiteModel, code: str) -> list[tuple[str, str]]:
    chain = []
    current: str | None = code
    while current:
        r = site.regions[current]
        chain.append((r.short_name, r.url))
        current = r.parent
    return [("地区", "/regions/"), *reversed(chain)]


def filing_context(info: FilingInfo) -> dict[str, Any]:
    f = info.filing
    ag = info.agency
    bars = charts.project_bars([(p.name, p.url, p.project.budget.total, p.share) for p in info.projects])
    description = summary.filing_summary(info)
    return {
        "page": meta(info.title, info.url, crumbs(("单位", "/agencies/"), (ag.name, ag.url), (f"{f.year}年", info.url)),
                     description, kind="filing", head_title=f"{f.agency.name} {f.year}年部门预算绩效目标",
                     date=data_date([info]), region=f.region.code),
        "info": info, "filing": f, "bars": bars, "unit_groups": info.unit_groups,
        "unit_columns": indicator_columns(f.unit_budget.indicators if f.unit_budget else ()),
        "provenance": summary.provenance(f), "source_line": summary.source_line(f), "stats": summary.filing_stats(info),
        "summary": description, "scope_note": summary.SCOPES.get(f.agency.scope or "", ""),
        "transcription": summary.transcription(f),
        "other_years": [o for o in ag.filings if o.dep != info.dep],
        # the agency page compares this filing with the one before it
        "compare_url": (f"{ag.url}#y{f.year}" if any(o.year < f.year for o in ag.filings) else None),
        "search_fields": search_fields.filing(info, description),
    }


def project_context(proj: ProjectInfo, years: Any = None) -> dict[str, Any]:
    info = proj.filing
    f = info.filing
    p = proj.project
    chart = None
    if p.spending_plan:
        chart = charts.spending_plan(
            p.spending_plan.points, p.spending_plan.unit, p.budget.total, "plan",
            f"{p.name}资金支出计划（累计{'百分比' if p.spending_plan.unit == 'percent' else '金额，万元'}）",
        )
    description = summary.project_summary(proj, years)
    return {
        # the agency as this filing names it: a project page depends on its
        # own filing only (the agency's current name comes from its newest
        # filing), so a full build renders it as soon as the filing is parsed
        "page": meta(p.name, proj.url, crumbs(("单位", "/agencies/"), (f.agency.name, urls.agency(info.agency_slug)), (f"{f.year}年", info.url),
                                              (p.name, proj.url)),
                     description, kind="project", head_title=f"{p.name} · {f.agency.name} {f.year}年",
                     date=data_date([info]), region=f.region.code),
        "proj": proj, "project": p, "info": info, "filing": f, "chart": chart,
        "source_line": summary.source_line(f), "transcription": summary.project_transcription(p),
        "indicator_columns": indicator_columns(p.indicators), "stats": summary.project_stats(proj),
        "summary": description, "years": years, "match_rules": MATCH_RULES, "verdict_notes": VERDICT_NOTES,
        "search_fields": search_fields.project(proj),
    }


SITEMAP_MAX_URLS = 50_000  # the sitemaps.org limit per file


def add_sitemaps(page_urls: list[str], add: Callable[[Page], None]) -> None:
    """/sitemap.xml lists every HTML page; above 50,000 URLs it becomes a
    sitemap index of /sitemaps/<n>.xml files. A sitemap depends only on the
    list of URLs (a const dependency), not on what the pages say."""
    urls = [u for u in page_urls if u.endswith("/")]
    parts = [urls[i:i + SITEMAP_MAX_URLS] for i in range(0, len(urls), SITEMAP_MAX_URLS)] or [[]]

    def const(items: list[str]) -> frozenset[str]:
        return frozenset({"const:" + hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]})

    if len(parts) == 1:
        add(Page("/sitemap.xml", "sitemap.xml", const(urls), lambda: {"urls": urls}))
        return
    files = [f"/sitemaps/{n}.xml" for n in range(1, len(parts) + 1)]
    add(Page("/sitemap.xml", "sitemap_index.xml", const(files), lambda: {"sitemaps": files}))
    for url, part in zip(files, parts):
        add(Page(url, "sitemap.xml", const(part), lambda part=part: {"urls": part}))


FEED_ENTRIES = 50  # newest filings in the Atom feed (readers poll it; it must stay small)


def feed_context(site: SiteModel) -> dict[str, Any]:
    entries = heapq.nlargest(FEED_ENTRIES, site.filings, key=lambda i: (i.updated, i.url))
    return {"filings": entries, "updated": entries[0].updated if entries else "2000-01-01T00:00:00Z"}
