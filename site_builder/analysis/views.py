"""Site-wide views for the /quality/, /indicators/ and /compare/ pages.

Everything these pages show — grouping, counts, shares, unit costs — is
computed here from the site model (``analysis.site.SiteModel``); the templates
only print. The consistency notes come from ``notes.py`` (already attached
to every ``FilingInfo``), the categories and unit costs from ``categories.py``.
"""
from __future__ import annotations

import pickle
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from decimal import Decimal
from typing import NamedTuple, Optional

from .site import ZERO, FilingInfo, Places, ProjectInfo, SiteModel, share
from .categories import Category, Quantity, UnitCost, main_quantity, unit_cost
from ..content.model import LEVEL1, LEVEL2, Indicator
from .notes import METHODOLOGY_ANCHORS, NOTE_TYPES, WARNING, Note, NoteType, measurable_share

# --------------------------------------------------------------------------- /quality/


@dataclass
class NoteCount:
    code: str
    type: NoteType
    count: int
    href: str


@dataclass(slots=True)
class NoteRow:
    note: Note
    project: Optional[ProjectInfo]  # None: a note about the filing (unit-level table)
    filing_url: str

    @property
    def url(self) -> str:
        return self.project.url if self.project else self.filing_url


@dataclass(slots=True)
class FilingQuality:
    info: FilingInfo
    warnings: list[NoteRow]
    infos: list[NoteRow]
    counts: list[NoteCount]  # per note type present, in NOTE_TYPES order
    measurable: int
    indicators: int

    @property
    def total(self) -> int:
        return len(self.warnings) + len(self.infos)

    @property
    def measurable_share(self) -> Decimal | None:
        return share(Decimal(self.measurable), Decimal(self.indicators))


@dataclass
class QualityReport:
    filings: list[FilingQuality]
    counts: list[NoteCount]  # every note type, site-wide (zero counts included)
    warnings: int
    infos: int
    measurable: int
    indicators: int

    @property
    def total(self) -> int:
        return self.warnings + self.infos

    @property
    def measurable_share(self) -> Decimal | None:
        return share(Decimal(self.measurable), Decimal(self.indicators))


def _note_counts(notes: list[Note], *, keep_zero: bool) -> list[NoteCount]:
    c = Counter(n.code for n in notes)
    out = []
    for code, nt in NOTE_TYPES.items():
        if c[code] or keep_zero:
            out.append(NoteCount(code, nt, c[code], METHODOLOGY_ANCHORS[code].href))
    return out


def filing_indicators(info: FilingInfo) -> list[Indicator]:
    """Every indicator of the filing: the unit-level table's, then each project's."""
    ub = info.filing.unit_budget
    out = list(ub.indicators) if ub else []
    for p in info.projects:
        out.extend(p.project.indicators)
    return out


def filing_quality(info: FilingInfo, whole: FilingInfo | None = None) -> FilingQuality:
    """``whole``: the whole filing of a light ``info`` (its indicators)."""
    rows = []
    for n in info.notes:
        proj = info.projects[n.project_index] if n.project_index is not None else None
        rows.append(NoteRow(n, proj, info.url))
    measurable, total = measurable_share(filing_indicators(whole or info))
    return FilingQuality(
        info=info,
        warnings=[r for r in rows if r.note.severity == WARNING],
        infos=[r for r in rows if r.note.severity != WARNING],
        counts=_note_counts(info.notes, keep_zero=False),
        measurable=measurable, indicators=total,
    )


def _derived(info: FilingInfo, key: str, make):
    """``make(info)``, computed once per analysed filing (see FilingInfo.derived)."""
    d = info.derived
    if key not in d:
        d[key] = make(info)
    return d[key]


def derive(info: FilingInfo, whole: FilingInfo | None = None) -> None:
    """Compute every per-filing view the site-wide pages merge (in the parse
    workers, so that the parent only merges). ``whole``: for a light ``info``
    (``analysis.site.lighten``), the whole filing, which has the indicators; the
    views link to ``info``'s projects."""
    whole = whole or info
    _derived(info, "quality", lambda i: filing_quality(i, whole))
    _derived(info, "indicator_counts", lambda i: _indicator_counts(whole))
    _derived(info, "compare_rows", lambda i: _compare_rows(i, whole))
    _derived(info, "indicator_rows", lambda i: _pack_indicator_rows(whole))


def quality_report(site: SiteModel) -> QualityReport:
    filings = [_derived(i, "quality", filing_quality) for i in site.filings]
    all_notes = [n for i in site.filings for n in i.notes]
    return QualityReport(
        filings=filings,
        counts=_note_counts(all_notes, keep_zero=True),
        warnings=sum(len(f.warnings) for f in filings),
        infos=sum(len(f.infos) for f in filings),
        measurable=sum(f.measurable for f in filings),
        indicators=sum(f.indicators for f in filings),
    )


# --------------------------------------------------------------------------- /indicators/

LEVEL1_SLUGS = {"产出指标": "output", "效益指标": "outcome", "满意度指标": "satisfaction", "成本指标": "cost"}
OTHER_SLUG = "other"
_SLUG_ORDER = ["output", "cost", "outcome", "satisfaction", OTHER_SLUG]


def level1_slug(level1: str) -> str:
    """Fixed ASCII slug of a 一级指标 (产出指标 → output …; anything else → other)."""
    return LEVEL1_SLUGS.get(level1, OTHER_SLUG)


def indicators_url(slug: str) -> str:
    return f"/indicators/{slug}/"


class IndicatorRow(NamedTuple):
    """One row of an indicator listing: what the row prints of the indicator
    (a tuple: a 10,000-filing site lists 637,000 of them)."""

    name: str
    description: Optional[str]
    target: str
    measurable: bool
    info: FilingInfo
    project: Optional[ProjectInfo]  # None: an indicator of the unit-level table
    url: str  # the project's page, or the filing's
    label: str  # the project's name, or 单位整体绩效指标


def _pack_indicator_rows(info: FilingInfo) -> bytes:
    """Every indicator of the filing as the listing rows print it, in page
    order, by 一级指标 slug, compressed: a site model of light filings keeps
    the listings' ~60 rows per filing in ~3 KB instead of the indicator
    objects. Each slug's rows are pickled apart, so that a listing page
    unpickles only its own (each filing is on the pages of ~7 slugs)."""
    by_slug: dict[str, list[tuple]] = {}
    for _info, proj, ind in _indicators_of([info]):
        by_slug.setdefault(level1_slug(ind.level1), []).append(
            (ind.level1, ind.level2, ind.name, ind.description, ind.target, ind.parsed.measurable,
             proj.index if proj else None))
    parts = {slug: zlib.compress(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), 1) for slug, rows in by_slug.items()}
    return pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)


def unpacked_indicator_rows(info: FilingInfo) -> list[tuple]:
    """Every row ``_pack_indicator_rows`` packed, slug by slug: (一级, 二级,
    name, description, target, measurable, project index or None)."""
    parts = pickle.loads(_derived(info, "indicator_rows", _pack_indicator_rows))
    return [row for part in parts.values() for row in pickle.loads(zlib.decompress(part))]


@dataclass
class Level2Group:
    level1: str
    level2: str
    anchor: str  # id of the section on the 一级 pages, ASCII (the same on every page of a listing)
    count: int = 0  # indicators in the whole site
    measurable: int = 0
    rows: list[IndicatorRow] = field(default_factory=list)  # only those of one listing page's filings

    @property
    def label(self) -> str:
        return self.level2 if self.level1 in LEVEL1_SLUGS else f"{self.level1} · {self.level2}"


@dataclass
class Level1Page:
    slug: str
    title: str  # the 一级指标 (or 其他 for the "other" page)
    groups: list[Level2Group]  # site-wide counts, no rows
    filings: list[FilingInfo] = field(default_factory=list, repr=False)  # those with indicators of this 一级

    @property
    def url(self) -> str:
        return indicators_url(self.slug)

    @property
    def count(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def measurable(self) -> int:
        return sum(g.measurable for g in self.groups)

    def rows_for(self, infos: list[FilingInfo]) -> list[Level2Group]:
        """This 一级's indicators of ``infos`` (one listing page), grouped like
        the site-wide groups; groups without rows on this page are left out."""
        rows: dict[tuple[str, str], list[IndicatorRow]] = {}
        for info in infos:
            part = pickle.loads(_derived(info, "indicator_rows", _pack_indicator_rows)).get(self.slug)
            if part is None:
                continue
            for l1, l2, name, desc, target, measurable, k in pickle.loads(zlib.decompress(part)):
                if k is None:
                    row = IndicatorRow(name, desc, target, measurable, info, None, info.url, "单位整体绩效指标")
                else:
                    proj = info.projects[k]
                    row = IndicatorRow(name, desc, target, measurable, info, proj, proj.url, proj.name)
                rows.setdefault((l1, l2), []).append(row)
        return [Level2Group(g.level1, g.level2, g.anchor, g.count, g.measurable, rows[(g.level1, g.level2)])
                for g in self.groups if (g.level1, g.level2) in rows]


def _level2_rank(level1: str, level2: str) -> tuple[int, int, str]:
    known = LEVEL2.get(level1, ())
    return (0, known.index(level2), "") if level2 in known else (1, 0, level2)


def _indicators_of(infos: list[FilingInfo]):
    """(filing, project or None, indicator) in page order: each filing's
    unit-level indicators, then each project's."""
    for info in infos:
        ub = info.filing.unit_budget
        for ind in (ub.indicators if ub else ()):
            yield info, None, ind
        for p in info.projects:
            for ind in p.project.indicators:
                yield info, p, ind


indicators_in_order = _indicators_of  # (filing, project or None, indicator), as the listing rows are packed


def _indicator_counts(info: FilingInfo) -> dict[str, dict[tuple[str, str], tuple[int, int]]]:
    """{一级 slug: {(一级, 二级): (indicators, measurable)}} of one filing."""
    out: dict[str, dict[tuple[str, str], list[int]]] = {}
    for _info, _proj, ind in _indicators_of([info]):
        c = out.setdefault(level1_slug(ind.level1), {}).setdefault((ind.level1, ind.level2), [0, 0])
        c[0] += 1
        c[1] += ind.parsed.measurable
    return {slug: {k: (n, m) for k, (n, m) in by2.items()} for slug, by2 in out.items()}


def indicator_pages(site: SiteModel) -> list[Level1Page]:
    """Site-wide counts per 一级 (one listing each) and 二级 indicator."""
    counts: dict[str, dict[tuple[str, str], list[int]]] = {}
    filings: dict[str, list[FilingInfo]] = {}
    for info in site.filings:
        for slug, by2 in _derived(info, "indicator_counts", _indicator_counts).items():
            filings.setdefault(slug, []).append(info)
            into = counts.setdefault(slug, {})
            for key, (n, m) in by2.items():
                c = into.setdefault(key, [0, 0])
                c[0] += n
                c[1] += m
    pages = []
    for slug in sorted(counts, key=_SLUG_ORDER.index):
        by2 = counts[slug]
        keys = sorted(by2, key=lambda k: (LEVEL1.index(k[0]) if k[0] in LEVEL1 else 99, k[0], _level2_rank(*k)))
        title = next((l1 for l1, s in LEVEL1_SLUGS.items() if s == slug), "其他")
        pages.append(Level1Page(slug, title, [
            Level2Group(l1, l2, f"g{n + 1}", *by2[(l1, l2)]) for n, (l1, l2) in enumerate(keys)
        ], filings[slug]))
    return pages


# --------------------------------------------------------------------------- /compare/


def compare_url(slug: str) -> str:
    return f"/compare/{slug}/"


@dataclass(slots=True)
class CompareRow:
    project: ProjectInfo
    quantity: Optional[Quantity]
    unit_cost: Optional[UnitCost]
    info: FilingInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.info = self.project.filing


@dataclass
class CategoryCompare:
    category: Category
    rows: list[CompareRow] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.category.slug

    @property
    def url(self) -> str:
        return compare_url(self.category.slug)

    @cached_property  # rows are complete once compare_index returns
    def budget(self) -> Decimal:
        return sum((r.project.project.budget.total for r in self.rows), ZERO)

    @cached_property
    def agencies(self) -> int:
        return len({r.info.agency_slug for r in self.rows})

    @cached_property
    def years(self) -> list[int]:
        return sorted({r.info.year for r in self.rows})

    @cached_property
    def with_unit_cost(self) -> int:
        return sum(1 for r in self.rows if r.unit_cost is not None)


@dataclass
class CompareIndex:
    categories: list[CategoryCompare]
    uncategorised: list[ProjectInfo]

    @property
    def categorised(self) -> int:
        return sum(len(c.rows) for c in self.categories)


def compare_index(site: SiteModel) -> CompareIndex:
    """Projects per taxonomy category (file order), with the main quantity and
    the unit cost; uncategorised projects listed separately."""
    cats = {c.slug: CategoryCompare(c) for c in site.taxonomy.categories}
    rest: list[ProjectInfo] = []
    for info in sorted(site.filings, key=lambda f: (f.filing.region.code, f.agency_slug, -f.year)):
        for p, row in _derived(info, "compare_rows", _compare_rows):
            if row is None:
                rest.append(p)
            else:
                cats[p.category.slug].rows.append(row)
    return CompareIndex(list(cats.values()), rest)


def _compare_rows(info: FilingInfo, whole: FilingInfo | None = None
                  ) -> list[tuple[ProjectInfo, Optional[CompareRow]]]:
    """Each project with its comparison row (None: uncategorised), in filing
    order (quantities from ``whole``'s indicators, for a light ``info``)."""
    whole = whole or info
    return [(p, None if p.category is None else
             CompareRow(p, _shown(main_quantity(w.project, p.category)), unit_cost(w.project, p.category)))
            for p, w in zip(info.projects, whole.projects)]


def compare_rows(info: FilingInfo) -> list[tuple[ProjectInfo, Optional[CompareRow]]]:
    """The filing's projects with their comparison rows (None: uncategorised)."""
    return _derived(info, "compare_rows", _compare_rows)


class ShownIndicator(NamedTuple):
    """What the compare pages print of a quantity's indicator."""

    name: str
    target: str


def _shown(q: Optional[Quantity]) -> Optional[Quantity]:
    """``q`` holding only what is printed of its indicator: the site model
    keeps a compare row per categorised project (a whole Indicator was ~1 KB)."""
    return None if q is None else replace(q, indicator=ShownIndicator(q.indicator.name, q.indicator.target))


# --------------------------------------------------------------------------- all three, and one edited filing


@dataclass
class SiteViews:
    """The site-wide views the explorer pages print, computed once per build."""

    quality: QualityReport
    indicators: list[Level1Page]
    compare: CompareIndex


def site_views(site: SiteModel) -> SiteViews:
    return SiteViews(quality_report(site), indicator_pages(site), compare_index(site))


def replace_in_views(views: SiteViews, old: FilingInfo, new: FilingInfo, places: Places | None = None) -> None:
    """Put ``new`` in the place of ``old`` in every view, in place, and
    correct the site-wide counts by the difference. Only for an edit that
    keeps ``analysis.site.filing_shape`` (so no listing gains or loses a filing, a
    project or a group); equals what ``site_views`` makes from scratch."""
    places = places or Places()
    derive(new)
    # /quality/
    q = views.quality
    fq_old, fq_new = old.derived["quality"], new.derived["quality"]
    places.swap(q.filings, fq_old, fq_new)
    q.warnings += len(fq_new.warnings) - len(fq_old.warnings)
    q.infos += len(fq_new.infos) - len(fq_old.infos)
    q.measurable += fq_new.measurable - fq_old.measurable
    q.indicators += fq_new.indicators - fq_old.indicators
    delta = Counter(n.code for n in new.notes)
    delta.subtract(n.code for n in old.notes)
    for nc in q.counts:
        nc.count += delta[nc.code]
    # /indicators/
    old_counts, new_counts = old.derived["indicator_counts"], new.derived["indicator_counts"]
    for lp in views.indicators:
        if lp.slug not in new_counts:
            continue
        places.swap(lp.filings, old, new)
        before, after = old_counts[lp.slug], new_counts[lp.slug]
        for g in lp.groups:
            key = (g.level1, g.level2)
            n0, m0 = before.get(key, (0, 0))
            n1, m1 = after.get(key, (0, 0))
            g.count += n1 - n0
            g.measurable += m1 - m0
    # /compare/: the same projects in the same categories (the shape is kept)
    by_slug = {cc.slug: cc for cc in views.compare.categories}
    for (p_old, row_old), (p_new, row_new) in zip(old.derived["compare_rows"], new.derived["compare_rows"]):
        if row_old is None:
            places.swap(views.compare.uncategorised, p_old, p_new)
            continue
        cc = by_slug[p_old.category.slug]
        places.swap(cc.rows, row_old, row_new)
        # the cached sums, corrected (the same agencies and years)
        if "budget" in cc.__dict__:
            cc.__dict__["budget"] += p_new.project.budget.total - p_old.project.budget.total
        if "with_unit_cost" in cc.__dict__:
            cc.__dict__["with_unit_cost"] += (row_new.unit_cost is not None) - (row_old.unit_cost is not None)
