"""Stage 3: from validated filings to the site model.

Everything a page shows that is computed — totals by filing, agency, region,
year and funding source, shares, indicator groups, consistency notes,
categories — is computed here, once, in exact Decimal arithmetic. Templates
only print.
"""
from __future__ import annotations

import hashlib
import heapq
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, NamedTuple

from . import urls
from .categories import Category, Taxonomy, categorize
from ..content.model import Filing, Indicator, Project
from .notes import Note, filing_notes
from ..content.targets import shown as shown_target
from ..content.validate import LoadedFiling

ZERO = Decimal(0)
SOURCES = (("fiscal", "财政资金"), ("carryover", "上年结转资金"), ("other", "其他资金"))


def year_span(years: Iterable[int]) -> str:
    """"2025年", "2024—2025年", "2021、2023、2025年" (ascending)."""
    ys = sorted(set(years))
    if not ys:
        return ""
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}—{ys[-1]}年"
    return "、".join(map(str, ys)) + "年"


def significant_code(code: str) -> str:
    """A six-digit division code without its trailing zero pairs: a
    province's two digits (130000 → 13), a city's four (130200 → 1302), a
    county's six. Codes of one region's places start with its digits."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """Percentage with one decimal, for display; None when the whole is 0."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Totals:
    """Sums of project budgets, overall and by funding source."""

    total: Decimal = ZERO
    fiscal: Decimal = ZERO
    carryover: Decimal = ZERO
    other: Decimal = ZERO
    projects: int = 0
    filings: int = 0
    indicators: int = 0

    def add_project(self, p: Project) -> None:
        b = p.budget
        self.total += b.total
        self.fiscal += b.fiscal or ZERO
        self.carryover += b.carryover or ZERO
        self.other += b.other or ZERO
        self.projects += 1
        self.indicators += len(p.indicators)

    def add(self, other: "Totals", sign: int = 1) -> None:
        """Add ``other`` (``sign=-1``: take it away; exact, Decimal)."""
        self.total += sign * other.total
        self.fiscal += sign * other.fiscal
        self.carryover += sign * other.carryover
        self.other += sign * other.other
        self.projects += sign * other.projects
        self.filings += sign * other.filings
        self.indicators += sign * other.indicators

    @property
    def by_source(self) -> list[tuple[str, Decimal, Decimal | None]]:
        """(label, amount, share of total) for each source that has money."""
        rows = [(label, getattr(self, key), share(getattr(self, key), self.total)) for key, label in SOURCES]
        rows = [r for r in rows if r[1]]
        unspecified = self.total - self.fiscal - self.carryover - self.other
        if unspecified > 0:
            rows.append(("未列明来源", unspecified, share(unspecified, self.total)))
        return rows


class IndicatorRow(NamedTuple):
    """One row of an indicator table, as the table and its phone cards print it."""

    ind: Indicator
    anchor: str  # the row's id: prefix + published position ("i3"), for permalinks
    level1_span: int  # rowspan of its 一级 cell; 0 where the cell above spans the row
    level2_span: int
    description: str  # 绩效指标描述, "" when blank or the same as the name


@dataclass
class IndicatorGroup:
    level1: str
    level2_groups: list[tuple[str, list[tuple[int, Indicator]]]]  # (published position, indicator)
    prefix: str = "i"

    @property
    def rowspan(self) -> int:
        return sum(len(rows) for _, rows in self.level2_groups)

    @property
    def rows(self) -> list[IndicatorRow]:
        """The group's rows in table order. (Jinja's loop.first in two nested
        loops was a sixth of a project page.)"""
        out = []
        level1_span = self.rowspan
        for _level2, rows in self.level2_groups:
            for k, (n, ind) in enumerate(rows):
                desc = ind.description if ind.description and ind.description != ind.name else ""
                out.append(IndicatorRow(ind, f"{self.prefix}{n}", level1_span, len(rows) if k == 0 else 0, desc))
                level1_span = 0
        return out


    @property
    def sentences(self) -> list[str]:
        """Each row as a sentence, for the search index: a result found in an
        indicator shows a line of prose, not a string of table cells. Its
        levels and the word 指标值 are left out: they are the same few words
        on every project page, which cost the index on every page and find
        nothing a reader looks for (the 指标类别 filter and the indicator
        listings carry the levels). Nor is the row's basis (指标值设定依据: 计划标准,
        行业标准, 根据工作计划安排 …), the same few phrases across projects;
        the table shows it."""
        out = []
        for ind, _anchor, _s1, _s2, desc in self.rows:
            about = f"（{desc}）" if desc else ""
            out.append(f"{ind.name}{about}：{shown_target(ind.target)}。")
        return out


def group_indicators(indicators: Iterable[Indicator], prefix: str = "i") -> list[IndicatorGroup]:
    """Group by 一级 then 二级, keeping the published order within each."""
    by1: dict[str, dict[str, list[tuple[int, Indicator]]]] = {}
    for n, ind in enumerate(indicators, 1):
        by1.setdefault(ind.level1, {}).setdefault(ind.level2, []).append((n, ind))
    return [IndicatorGroup(l1, list(l2s.items()), prefix) for l1, l2s in by1.items()]


class IndicatorColumns(NamedTuple):
    """Which optional columns an indicator table prints: a column no row fills
    (和政's unit table has neither) is left out, so the target comes sooner."""

    description: bool  # some row's 绩效指标描述 differs from its name
    basis: bool  # some row has a 指标值确定依据


def indicator_columns(indicators: Iterable[Indicator]) -> IndicatorColumns:
    inds = list(indicators)
    return IndicatorColumns(any(i.description and i.description != i.name for i in inds), any(i.basis for i in inds))


@dataclass(slots=True)
class ProjectInfo:
    filing: "FilingInfo" = field(repr=False)
    index: int
    project: Project
    slug: str
    url: str
    share: Decimal | None
    groups: list[IndicatorGroup]
    measurable: int
    category: Category | None
    notes: list[Note] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.project.name

    @property
    def agency_name(self) -> str:
        return self.filing.agency_name

    @property
    def notes_by_severity(self) -> tuple[list[Note], list[Note]]:
        return ([n for n in self.notes if n.severity == "warning"], [n for n in self.notes if n.severity != "warning"])

    @property
    def warnings(self) -> int:
        """Notes that need attention (the rest explain, e.g. a target in words only)."""
        return sum(1 for n in self.notes if n.severity == "warning")

    @property
    def plan_rows(self) -> list[tuple[str, Decimal | None]]:
        plan = self.project.spending_plan
        return plan.points if plan else []


@dataclass
class FilingInfo:
    loaded: LoadedFiling = field(repr=False)
    filing: Filing
    agency_slug: str
    url: str
    totals: Totals
    projects: list[ProjectInfo]
    notes: list[Note]
    content_hash: str
    # the unit-level table's 支出预算合计 and 基本支出 when it prints them (kept
    # on light filings, which drop the table): the agency's whole budget
    unit_total: Decimal | None = None
    unit_basic: Decimal | None = None
    # every indicator of the filing (the unit-level table's too) and those whose target can be measured
    indicators_all: int = 0
    measurable_all: int = 0
    agency: "AgencyInfo" = field(default=None, repr=False)  # type: ignore[assignment]
    # of a light copy: what the site-wide pages read of it (``listing_hash``)
    listing_hash: str = ""
    # views of this filing alone that site-wide pages merge (analysis/views.py); kept
    # with the filing, so a rebuild re-computes them only for changed filings
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # set on a light copy (``lighten``) by the build: how to get the whole
    # analysed filing (cache.store), for the filing's own pages and downloads
    load_whole: Callable[[], "FilingInfo"] | None = field(default=None, repr=False, compare=False)

    def whole(self) -> "FilingInfo":
        """The whole analysed filing (itself, if it is whole)."""
        return self if self.load_whole is None else self.load_whole()

    @property
    def key(self) -> tuple[str, str, int]:
        return self.filing.key

    @property
    def agency_name(self) -> str:
        return self.filing.agency.name

    @property
    def year(self) -> int:
        return self.filing.year

    @property
    def title(self) -> str:
        return f"{self.filing.agency.name} {self.filing.year}年"

    @property
    def notes_by_severity(self) -> tuple[list[Note], list[Note]]:
        """(warnings, informational notes), each in the analysis order."""
        return ([n for n in self.notes if n.severity == "warning"], [n for n in self.notes if n.severity != "warning"])

    @cached_property
    def updated(self) -> str:
        """Atom timestamp: when the site last corrected the transcription, else
        when it added it, else the publication date, else (no date given)
        the start of the budget year — dates from the filing, never the build
        time, so output stays reproducible."""
        s = self.filing.source
        d = s.updated or s.added or s.published
        return f"{d.isoformat() if d else f'{self.year}-01-01'}T00:00:00Z"

    @property
    def added(self) -> str | None:
        """Atom timestamp of when the site added the filing, if the filing says."""
        d = self.filing.source.added
        return f"{d.isoformat()}T00:00:00Z" if d else None

    @property
    def unit_groups(self) -> list[IndicatorGroup]:
        ub = self.filing.unit_budget
        return group_indicators(ub.indicators, "u") if ub else []

    @property
    def json_url(self) -> str:
        return urls.filing_data(self.agency_slug, self.year, "json")

    @property
    def csv_url(self) -> str:
        return urls.filing_data(self.agency_slug, self.year, "csv")

    @cached_property
    def dep(self) -> str:
        """The dependency key of this whole filing, for incremental rebuilds:
        its agency's own pages and the downloads depend on it."""
        return f"filing:{self.agency_slug}/{self.year}"

    @cached_property
    def listing_dep(self) -> str:
        """The dependency key of what the site-wide pages read of this filing
        (its light copy), valued by ``listing_hash``."""
        return f"listing:{self.agency_slug}/{self.year}"


@dataclass
class AgencyInfo:
    slug: str
    url: str
    name: str
    region_code: str
    region_name: str
    filings: list[FilingInfo] = field(default_factory=list)  # newest first
    totals: Totals = field(default_factory=Totals)


@dataclass
class RegionInfo:
    code: str
    name: str  # full name, e.g. 河北省唐山市路南区
    short_name: str
    level: str  # province | city | county
    url: str
    parent: str | None
    children: list[str] = field(default_factory=list)
    child_regions: list["RegionInfo"] = field(default_factory=list, repr=False)
    filings: list[FilingInfo] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    by_year: dict[int, Totals] = field(default_factory=dict)  # a region's filings span years

    @property
    def year_span(self) -> str:
        return year_span(self.by_year)

    @property
    def years(self) -> list[tuple[int, Totals]]:
        """(year, totals of that year's filings), newest first: figures of
        different years are shown side by side, never added up."""
        return sorted(self.by_year.items(), reverse=True)


@dataclass
class YearInfo:
    year: int
    url: str
    filings: list[FilingInfo] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass
class SiteModel:
    filings: list[FilingInfo]
    agencies: list[AgencyInfo]
    regions: dict[str, RegionInfo]
    years: list[YearInfo]
    totals: Totals
    largest_projects: list[ProjectInfo]
    newest_filings: list[FilingInfo]  # for the home page: a fixed number, whatever the corpus size
    taxonomy: Taxonomy
    # comparisons made while pages and downloads are made, kept for the others
    # that need them (analysis.years.PairCache: a province's page, its cities'
    # and the open data list the same pairs); keyed by the filings' content
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def projects(self) -> Iterable[ProjectInfo]:
        for f in self.filings:
            yield from f.projects

    @property
    def region_roots(self) -> list[RegionInfo]:
        return [r for r in self.regions.values() if r.parent is None]


def file_hash(lf: LoadedFiling) -> str:
    from pathlib import Path

    return hashlib.sha256(Path(lf.path).read_bytes()).hexdigest()[:16]


def analyze_filing(lf: LoadedFiling, taxonomy: Taxonomy, content_hash: str | None = None) -> FilingInfo:
    """Everything about one filing that does not depend on other filings."""
    f = lf.filing
    slug = urls.agency_slug(f.region.code, f.agency.code)
    info = FilingInfo(
        loaded=lf, filing=f, agency_slug=slug, url=urls.filing(slug, f.year), totals=Totals(filings=1),
        projects=[], notes=filing_notes(f), content_hash=content_hash or file_hash(lf),
    )
    for p in f.projects:
        info.totals.add_project(p)
    ub = f.unit_budget
    if ub:
        info.unit_total = ub.expenditure_total
        info.unit_basic = ub.basic.total if ub.basic else None
    every = [*(ub.indicators if ub else ()), *(ind for p in f.projects for ind in p.indicators)]
    info.indicators_all = len(every)
    info.measurable_all = sum(1 for ind in every if ind.parsed.measurable)
    for i, p in enumerate(f.projects):
        pslug = urls.project_slug(p.code, i)
        info.projects.append(ProjectInfo(
            filing=info, index=i, project=p, slug=pslug, url=urls.project(slug, f.year, pslug),
            share=share(p.budget.total, info.totals.total), groups=group_indicators(p.indicators),
            measurable=sum(1 for ind in p.indicators if ind.parsed.measurable),
            category=categorize(p, taxonomy),
            notes=[n for n in info.notes if n.project_index == i],
        ))
    return info


def _region_chain(f: Filing) -> list[tuple[str, str, str, str]]:
    """(code, full name, short name, level) from province down to the filing's region."""
    code = f.region.code
    chain = [(code[:2] + "0000", f.region.province, f.region.province, "province")]
    if f.region.city and code[2:4] != "00":
        chain.append((code[:4] + "00", f.region.province + f.region.city, f.region.city, "city"))
    if f.region.county and code[4:] != "00":
        chain.append((code, f.region.name, f.region.county, "county"))
    # a region code is unique even if two levels share a code (municipalities)
    dedup: list[tuple[str, str, str, str]] = []
    for item in chain:
        if dedup and dedup[-1][0] == item[0]:
            dedup[-1] = item
        else:
            dedup.append(item)
    return dedup


NEWEST_ON_HOME = 20


def build_site_model(infos: list[FilingInfo], taxonomy: Taxonomy, largest: int = 10) -> SiteModel:
    """Aggregate per-filing information across the whole site."""
    infos = sorted(infos, key=lambda i: (i.filing.region.code, i.filing.agency.code or "", -i.year))
    agencies: dict[str, AgencyInfo] = {}
    regions: dict[str, RegionInfo] = {}
    years: dict[int, YearInfo] = {}
    site_totals = Totals()
    for info in infos:
        f = info.filing
        ag = agencies.get(info.agency_slug)
        if ag is None:
            ag = agencies[info.agency_slug] = AgencyInfo(
                slug=info.agency_slug, url=urls.agency(info.agency_slug), name=f.agency.name,
                region_code=f.region.code, region_name=f.region.name,
            )
        ag.filings.append(info)  # newest first thanks to the sort
        ag.totals.add(info.totals)
        info.agency = ag
        parent = None
        for code, name, short, level in _region_chain(f):
            r = regions.get(code)
            if r is None:
                r = regions[code] = RegionInfo(code, name, short, level, urls.region(code), parent)
                if parent:
                    regions[parent].children.append(code)
            r.filings.append(info)
            r.totals.add(info.totals)
            r.by_year.setdefault(f.year, Totals()).add(info.totals)
            parent = code
        y = years.get(f.year)
        if y is None:
            y = years[f.year] = YearInfo(f.year, urls.year(f.year))
        y.filings.append(info)
        y.totals.add(info.totals)
        site_totals.add(info.totals)
    for r in regions.values():
        r.child_regions = [regions[c] for c in sorted(r.children)]
    for ag in agencies.values():
        # the newest filing's name is the agency's current name
        ag.name = ag.filings[0].filing.agency.name
    top = _largest(infos, largest)
    return SiteModel(
        filings=infos,
        agencies=sorted(agencies.values(), key=lambda a: (a.region_code, a.slug)),
        regions=dict(sorted(regions.items())),
        years=sorted(years.values(), key=lambda y: -y.year),
        totals=site_totals,
        largest_projects=top,
        newest_filings=heapq.nlargest(NEWEST_ON_HOME, infos, key=lambda i: (i.updated, i.url)),
        taxonomy=taxonomy,
    )


def _largest_key(p: ProjectInfo) -> tuple[Decimal, str]:
    return (-p.project.budget.total, p.url)


def _largest(infos: Iterable[FilingInfo], n: int) -> list[ProjectInfo]:
    return heapq.nsmallest(n, (p for i in infos for p in i.projects), key=_largest_key)


# --------------------------------------------------------------------------- light filings

# The site model holds every filing *light*: what the site-wide pages print
# (identity, totals, notes, project names, budgets and categories, and the
# per-filing views of analysis.views.derive), without indicators, goals and texts.
# The build keeps the whole analysed filing apart (cache.store) and gives the
# light one the way to it (``FilingInfo.whole()``), for the filing's own
# pages and downloads.


class LightBudget(NamedTuple):
    total: Decimal
    fiscal: Decimal | None
    carryover: Decimal | None
    other: Decimal | None


class LightProject(NamedTuple):
    """What the site-wide pages print of a project (model.Project has ~20
    objects behind it; the site model keeps ~75,000 projects at 10,000 filings)."""

    code: str | None
    name: str
    budget: LightBudget


def lighten(info: FilingInfo) -> FilingInfo:
    """A light copy of a whole analysed filing (derived views computed on the
    whole one first: ``analysis.views.derive``)."""
    f = info.filing
    projects = tuple(LightProject(p.code, p.name, LightBudget(p.budget.total, p.budget.fiscal, p.budget.carryover,
                                                               p.budget.other)) for p in f.projects)
    filing = f.model_copy(update={"projects": projects, "overview": None, "unit_budget": None})
    lf = info.loaded
    light = FilingInfo(
        loaded=type(lf)(lf.path, filing, lf.agency_position), filing=filing, agency_slug=info.agency_slug,
        url=info.url, totals=info.totals, projects=[], notes=info.notes, content_hash=info.content_hash,
        unit_total=info.unit_total, unit_basic=info.unit_basic, indicators_all=info.indicators_all,
        measurable_all=info.measurable_all,
    )
    light.projects = [ProjectInfo(filing=light, index=p.index, project=projects[p.index], slug=p.slug, url=p.url,
                                  share=p.share, groups=[], measurable=p.measurable, category=p.category,
                                  notes=p.notes) for p in info.projects]
    return light


# what a filing's pickle holds that is not its content: the content hash (of
# the file's bytes), where the file is (its content is ``filing``; an output
# must not depend on where the project sits), the site model's agency, the
# way to the whole filing, and properties cached on first use (present or not
# by the order of use)
_NOT_LISTED = ("content_hash", "listing_hash", "loaded", "agency", "load_whole", "dep", "listing_dep", "updated")


def listing_hash(light: FilingInfo) -> str:
    """A hash of all a light filing holds (with its derived views): all that
    the site-wide pages can read of it. An edit of what a light filing drops
    (goals, indicators' wording, texts) leaves it, and the listings, as they
    were. Equal light filings pickle to equal bytes in any process
    (content.model pickles pydantic's set of fields sorted)."""
    kept = {k: light.__dict__.pop(k) for k in _NOT_LISTED if k in light.__dict__}
    try:
        return hashlib.blake2b(pickle.dumps(light, protocol=pickle.HIGHEST_PROTOCOL), digest_size=8).hexdigest()
    finally:
        light.__dict__.update(kept)


def whole_pickle(info: FilingInfo) -> bytes:
    """A whole analysed filing as the build keeps it apart: without its
    agency (the site model's) and derived views (the light filing's)."""
    derived, agency = info.derived, info.agency
    info.derived, info.agency = {}, None
    try:
        return pickle.dumps(info, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        info.derived, info.agency = derived, agency


def release(info: FilingInfo | None) -> None:
    """Break a filing's reference cycles (its projects and derived views
    point back to it) so that reference counting frees it at once: builds
    pause the cyclic collector (a render worker kept every whole filing it
    had unpickled, ~1 GB at 10,000 filings). ``derived`` is let go, not
    cleared: a whole filing shares its light filing's."""
    if info is not None:
        info.projects.clear()
        info.derived = {}


# --------------------------------------------------------------------------- one edited filing

def filing_shape(info: FilingInfo) -> tuple:
    """What of a filing decides the site's structure rather than what pages
    say: its identity and sort position, the names the site-wide lists and
    region tree take from it, its project pages and categories, and which
    indicator listings it appears in. An edit that keeps the shape changes
    no URL, no listing's order or pagination: only page contents
    (``replace_filing``)."""
    f = info.filing
    return (
        info.dep, info.url, f.region.code, f.region.name, f.region.province, f.region.city, f.region.county,
        f.agency.code, f.agency.name, info.updated,
        tuple((p.url, p.category.slug if p.category else None) for p in info.projects),
        tuple(sorted({key for by2 in info.derived["indicator_counts"].values() for key in by2})),
    )


class Places:
    """Where each object sits in the site model's lists, indexed on first use
    of a list: at 10,000 filings, scanning the lists for an edited filing
    was a fifth of an in-place edit. In-place edits keep every position
    (``filing_shape``), so an index stays right as objects are swapped."""

    def __init__(self) -> None:
        self._index: dict[int, tuple[list, dict[int, int]]] = {}

    def swap(self, items: list, old: Any, new: Any) -> None:
        """``items[i] = new`` where ``items[i] is old`` (nothing if absent)."""
        entry = self._index.get(id(items))
        if entry is None or entry[0] is not items:
            entry = self._index[id(items)] = (items, {id(x): k for k, x in enumerate(items)})
        where = entry[1]
        k = where.pop(id(old), None)
        if k is None or items[k] is not old:  # not there (or the list changed behind our back)
            k = next((k for k, x in enumerate(items) if x is old), None)
            if k is None:
                return
        items[k] = new
        where[id(new)] = k


def replace_filing(site: SiteModel, old: FilingInfo, new: FilingInfo, places: Places | None = None) -> None:
    """Put ``new`` in the place of ``old`` everywhere in the site model, in
    place, and correct every total by the difference (exact). Only for an
    edit that keeps ``filing_shape``; the result equals what
    ``build_site_model`` makes from scratch."""
    places = places or Places()

    def swap(items: list) -> None:
        places.swap(items, old, new)

    ag = old.agency
    new.agency = ag
    swap(site.filings)
    swap(ag.filings)
    swap(site.newest_filings)  # same (updated, url): same place
    for totals in (ag.totals, site.totals):
        totals.add(old.totals, -1)
        totals.add(new.totals)
    for code, *_ in _region_chain(old.filing):
        r = site.regions[code]
        swap(r.filings)
        r.totals.add(old.totals, -1)
        r.totals.add(new.totals)
        r.by_year[old.year].add(old.totals, -1)
        r.by_year[old.year].add(new.totals)
    for y in site.years:
        if y.year == old.year:
            swap(y.filings)
            y.totals.add(old.totals, -1)
            y.totals.add(new.totals)
    # the largest projects: every project outside the list is smaller than its
    # last one, so if the n largest of (the list without the old filing's,
    # plus the new filing's) are all at least that large, they are the n largest
    top = site.largest_projects
    if top:
        bound = _largest_key(top[-1])
        best = heapq.nsmallest(len(top), [p for p in top if p.filing is not old] + new.projects, key=_largest_key)
        exact = len(best) == len(top) and _largest_key(best[-1]) <= bound
        site.largest_projects = best if exact else _largest(site.filings, len(top))
