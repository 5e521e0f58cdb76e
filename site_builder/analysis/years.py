"""Analysis: the same project in an agency's consecutive filings, and what
changed between them — budgets (exact Decimal differences) and indicator
targets (lowered, raised, a new value, new wording).

Matching works on what light filings keep (project code, name, budget), so
agency pages and site-wide pages can match without the whole filings.
Indicator rows come from the whole filing when a page has it, else from the
light filing's packed listing rows (``analysis.views``); both give the same
comparison.

Rules (stated on the methodology page):

* a project is matched by its code without the year part (``13020225P…``
  and ``13020224P…`` are one project), when that code is unique in both
  filings; the rest by their normalised names (full-width folded, spaces,
  punctuation and years such as ``2024年`` removed), when unique in both;
* an indicator is matched within a matched project by 一级, 二级 and
  normalised 三级指标 name (in table order when a name repeats), then by
  name alone where that is unique;
* a target is *lowered* (要求降低) when both targets are numbers in the same
  unit with a comparator of the same direction and the new one asks less: a
  lower floor (≥, >) or a higher ceiling (≤, <); *raised* the other way; a
  plain number (no comparator) that changed is a *new value*, its direction
  unknown; anything else that reads differently is *new wording*. A deadline
  is compared within its budget year (2024年12月31日前 → 2025年12月31日前 is
  no change).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, NamedTuple, Optional, Sequence

from ..content.targets import DEADLINE, NUMBER, parse_target, shown
from . import urls
from .site import ZERO, AgencyInfo, FilingInfo, ProjectInfo, share
from .views import indicators_in_order, level1_slug, unpacked_indicator_rows

# how a project was matched, and how sure that is (printed on the pages)
BY_CODE, BY_NAME = "code", "name"
RULES = {BY_CODE: "项目编码相同（不计编码中的年份）", BY_NAME: "项目名称相同（不计空格、标点和年份）"}
CONFIDENCE = {BY_CODE: "高", BY_NAME: "中"}

# what happened to a target
LOWERED, RAISED, VALUE, WORDING = "lowered", "raised", "value", "wording"
VERDICTS = {LOWERED: "要求降低", RAISED: "要求提高", VALUE: "数值改变", WORDING: "表述改变"}

_YEAR = re.compile(r"(?:19|20)\d\d年度?|^(?:19|20)\d\d(?!\d)")
_AT_LEAST, _AT_MOST = frozenset("≥>"), frozenset("≤<")


def code_stem(code: str) -> str:
    """A project code without its year: ``<division><yy>…`` loses the two
    digits after the division code (``13020225P00005210001P`` →
    ``130202P00005210001P``); other codes are kept whole."""
    code = code.upper()
    return code[:6] + code[8:] if len(code) > 8 and code[:8].isdigit() else code


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A name as matching compares it: full-width folded (NFKC), years
    (``2024年``, ``2024年度``) removed, and only letters and digits kept."""
    s = _YEAR.sub("", unicodedata.normalize("NFKC", name))
    return "".join(ch for ch in s if ch.isalnum()).lower()


def _unique(keys: Iterable[tuple[int, str]]) -> dict[str, int]:
    """key → index for the keys that occur once (an empty key never matches)."""
    seen: dict[str, int] = {}
    twice: set[str] = set()
    for i, k in keys:
        if not k:
            continue
        if k in seen:
            twice.add(k)
        seen[k] = i
    return {k: i for k, i in seen.items() if k not in twice}


def match_projects(old: Sequence, new: Sequence) -> tuple[list[tuple[int, int, str]], list[int], list[int]]:
    """Match two filings' projects (anything with ``code`` and ``name``).
    Returns ([(old index, new index, rule)] in the new filing's order,
    unmatched new indices, unmatched old indices)."""
    pairs: dict[int, tuple[int, str]] = {}  # new index → (old index, rule)
    taken_old: set[int] = set()
    for rule, key in ((BY_CODE, lambda p: code_stem(p.code) if p.code else ""), (BY_NAME, lambda p: name_key(p.name))):
        a = _unique((i, key(p)) for i, p in enumerate(old) if i not in taken_old)
        b = _unique((j, key(p)) for j, p in enumerate(new) if j not in pairs)
        for k, j in b.items():
            i = a.get(k)
            if i is not None:
                pairs[j] = (i, rule)
                taken_old.add(i)
    matched = [(pairs[j][0], j, pairs[j][1]) for j in sorted(pairs)]
    return matched, [j for j in range(len(new)) if j not in pairs], [i for i in range(len(old)) if i not in taken_old]


# --------------------------------------------------------------------------- budgets


def pct(old: Decimal, new: Decimal) -> Decimal | None:
    """The change in percent of ``old``, one decimal, for display; None when ``old`` is 0."""
    return share(new - old, old)


class Change:
    """An amount ``before`` and ``after``: the exact change and, for display, in percent."""

    __slots__ = ()
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        return self.after - self.before

    @property
    def pct(self) -> Decimal | None:
        return pct(self.before, self.after)


@dataclass(slots=True)
class ProjectChange(Change):
    """One project in two consecutive filings."""

    old: ProjectInfo
    new: ProjectInfo
    rule: str  # BY_CODE | BY_NAME

    @property
    def before(self) -> Decimal:  # type: ignore[override]
        return self.old.project.budget.total

    @property
    def after(self) -> Decimal:  # type: ignore[override]
        return self.new.project.budget.total

    @property
    def renamed(self) -> bool:
        return self.old.name != self.new.name

    @property
    def rule_text(self) -> str:
        return RULES[self.rule]

    @property
    def confidence(self) -> str:
        return CONFIDENCE[self.rule]


def _sum(projects: Iterable[ProjectInfo]) -> Decimal:
    return sum((p.project.budget.total for p in projects), ZERO)


@dataclass
class YearPair(Change):
    """An agency's filing and its previous one on the site (``old.year`` may
    be more than a year earlier: the page says which years it compares)."""

    old: FilingInfo
    new: FilingInfo
    continued: list[ProjectChange]  # in the new filing's order
    added: list[ProjectInfo]  # new filing's projects with no match: 新增
    ended: list[ProjectInfo]  # old filing's projects with no match: 未再列出

    @property
    def before(self) -> Decimal:  # type: ignore[override]
        return self.old.totals.total

    @property
    def after(self) -> Decimal:  # type: ignore[override]
        return self.new.totals.total

    @property
    def added_total(self) -> Decimal:
        return _sum(self.added)

    @property
    def ended_total(self) -> Decimal:
        return _sum(self.ended)

    @property
    def by_code(self) -> int:
        return sum(1 for c in self.continued if c.rule == BY_CODE)

    @property
    def by_name(self) -> int:
        return sum(1 for c in self.continued if c.rule == BY_NAME)

    def largest(self, n: int) -> list[ProjectChange]:
        """The ``n`` continued projects whose budget changed most (in 万元,
        either way), largest first; unchanged ones left out."""
        moved = [c for c in self.continued if c.change]
        return sorted(moved, key=lambda c: (-abs(c.change), c.new.index))[:n]

    def of_new(self, index: int) -> Optional[ProjectChange]:
        return next((c for c in self.continued if c.new.index == index), None)

    def of_old(self, index: int) -> Optional[ProjectChange]:
        return next((c for c in self.continued if c.old.index == index), None)


def pair(old: FilingInfo, new: FilingInfo) -> YearPair:
    matched, added, ended = match_projects([p.project for p in old.projects], [p.project for p in new.projects])
    return YearPair(old, new, [ProjectChange(old.projects[i], new.projects[j], rule) for i, j, rule in matched],
                    [new.projects[j] for j in added], [old.projects[i] for i in ended])


def agency_pairs(ag: AgencyInfo, cache: "PairCache | None" = None) -> list[YearPair]:
    """Each of the agency's filings with the one before it, newest first."""
    fs = ag.filings  # newest first
    make = cache.pair if cache is not None else pair
    return [make(fs[k + 1], fs[k]) for k in range(len(fs) - 1)]


class Sighting(NamedTuple):
    """The same project in another year."""

    year: int
    project: ProjectInfo
    rule: str  # how this year's project was matched to the one next to it on the way


def other_years(pairs: list[YearPair], info: FilingInfo, index: int) -> list[Sighting]:
    """The project ``index`` of ``info`` in the agency's other filings,
    following the matches from year to year (``pairs``: ``agency_pairs``),
    oldest first."""
    at = next((k for k, p in enumerate(pairs) if p.new.dep == info.dep), None)
    below = next((k for k, p in enumerate(pairs) if p.old.dep == info.dep), None)
    out: list[Sighting] = []
    k, i = at, index
    while k is not None and k < len(pairs):  # older
        c = pairs[k].of_new(i)
        if c is None:
            break
        out.append(Sighting(c.old.filing.year, c.old, c.rule))
        i, k = c.old.index, k + 1
    out.reverse()
    k, i = below, index
    while k is not None and k >= 0:  # newer
        c = pairs[k].of_old(i)
        if c is None:
            break
        out.append(Sighting(c.new.filing.year, c.new, c.rule))
        i, k = c.new.index, k - 1
    return out


# --------------------------------------------------------------------------- targets


def _family(op: str) -> Optional[frozenset]:
    return _AT_LEAST if op in _AT_LEAST else _AT_MOST if op in _AT_MOST else None


def _shift(iso: str, years: int) -> str:
    d = date.fromisoformat(iso)
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February into a common year
        return d.replace(year=d.year + years, day=28).isoformat()


def _words(text: str, year: int) -> str:
    return re.sub(r"\s+", "", shown(text)).replace(str(year), "{年}")


@lru_cache(maxsize=65536)
def target_change(old: str, new: str, old_year: int, new_year: int) -> Optional[str]:
    """What happened to a target from one year's filing to the next: None
    (the same target, however written), LOWERED, RAISED, VALUE or WORDING."""
    if old == new:
        return None
    a, b = parse_target(old), parse_target(new)
    if a.kind == NUMBER and b.kind == NUMBER and a.unit == b.unit:
        if a.op == b.op and a.value == b.value:
            return None
        fam = _family(a.op)
        if fam is not None and fam is _family(b.op) and a.value != b.value:
            asks_less = b.value < a.value if fam is _AT_LEAST else b.value > a.value  # type: ignore[operator]
            return LOWERED if asks_less else RAISED
        if a.op in ("", "=") and b.op in ("", "=") and a.value != b.value:
            return VALUE
        return WORDING
    if a.kind == DEADLINE and b.kind == DEADLINE:
        moved = _shift(a.date, new_year - old_year)
        if moved == b.date:
            return None
        return LOWERED if b.date > moved else RAISED  # more time asks less
    return None if _words(old, old_year) == _words(new, new_year) else WORDING


class Row(NamedTuple):
    """An indicator as comparisons read it."""

    level1: str
    level2: str
    name: str
    target: str


@dataclass(slots=True)
class TargetChange:
    old: Row
    new: Row
    verdict: str

    @property
    def label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def renamed(self) -> bool:
        return self.old.name != self.new.name


@dataclass
class IndicatorDiff:
    changed: list[TargetChange] = field(default_factory=list)  # in the new table's order
    added: list[Row] = field(default_factory=list)
    dropped: list[Row] = field(default_factory=list)
    unchanged: int = 0

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.changed if c.verdict == verdict)

    @property
    def lowered(self) -> list[TargetChange]:
        return [c for c in self.changed if c.verdict == LOWERED]

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.dropped)


def diff_indicators(old: Sequence[Row], new: Sequence[Row], old_year: int, new_year: int) -> IndicatorDiff:
    """Match two tables of indicators and compare the targets of each pair."""
    partner: dict[int, int] = {}  # new position → old position
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(old):
        groups.setdefault((r.level1, r.level2, name_key(r.name)), []).append(i)
    for j, r in enumerate(new):
        waiting = groups.get((r.level1, r.level2, name_key(r.name)))
        if waiting:
            partner[j] = waiting.pop(0)
    used = set(partner.values())
    a = _unique((i, name_key(r.name)) for i, r in enumerate(old) if i not in used)
    b = _unique((j, name_key(r.name)) for j, r in enumerate(new) if j not in partner)
    for k, j in b.items():
        if k in a:
            partner[j] = a[k]
    used = set(partner.values())
    out = IndicatorDiff(dropped=[r for i, r in enumerate(old) if i not in used])
    for j, r in enumerate(new):
        i = partner.get(j)
        if i is None:
            out.added.append(r)
            continue
        verdict = target_change(old[i].target, r.target, old_year, new_year)
        if verdict is None:
            out.unchanged += 1
        else:
            out.changed.append(TargetChange(old[i], r, verdict))
    return out


def project_rows(info: FilingInfo) -> list[list[Row]]:
    """Each project's indicators as rows, in one order whether ``info`` is
    whole or light: the order of the light filing's packed listing rows
    (by 一级指标 in the order the filing first prints each, then table
    order), so that a page made from either says the same."""
    if not info.projects or hasattr(info.projects[0].project, "indicators"):
        rank: dict[str, int] = {}
        for _info, _proj, ind in indicators_in_order([info]):
            rank.setdefault(level1_slug(ind.level1), len(rank))
        return [[Row(i.level1, i.level2, i.name, i.target) for _n, i in
                 sorted(enumerate(p.project.indicators), key=lambda ni: (rank[level1_slug(ni[1].level1)], ni[0]))]
                for p in info.projects]
    out: list[list[Row]] = [[] for _ in info.projects]
    for l1, l2, name, _desc, target, _measurable, k in unpacked_indicator_rows(info):
        if k is not None:
            out[k].append(Row(l1, l2, name, target))
    return out


def pair_targets(p: YearPair, old_rows: list[list[Row]] | None = None,
                 new_rows: list[list[Row]] | None = None) -> list[tuple[ProjectChange, IndicatorDiff]]:
    """Each continued project of ``p`` with the comparison of its indicators."""
    old_rows = old_rows if old_rows is not None else project_rows(p.old)
    new_rows = new_rows if new_rows is not None else project_rows(p.new)
    return [(c, diff_indicators(old_rows[c.old.index], new_rows[c.new.index], p.old.year, p.new.year))
            for c in p.continued]


class TargetSummary(NamedTuple):
    """What a region's page shows of a pair's indicators: how many targets
    changed each way, and those that ask less."""

    verdicts: dict[str, int]
    lowered: list[tuple[ProjectChange, TargetChange]]


def target_summary(p: YearPair) -> TargetSummary:
    verdicts = {v: 0 for v in VERDICTS}
    lowered = []
    for c, d in pair_targets(p):
        for t in d.changed:
            verdicts[t.verdict] += 1
            if t.verdict == LOWERED:
                lowered.append((c, t))
    return TargetSummary(verdicts, lowered)


class PairCache:
    """Pairs of filings and a summary of their indicators' changes, by the two
    filings' content, made once for the pages that list many pairs (a
    province's page and each of its cities' and counties'; an edit applied
    in place makes only its own pairs again). Only the summary is kept: the
    whole comparison of every pair of a province was ~60 MB of rows, which
    the open data makes again as it writes them. ``store``: a dict that lives
    as long as the site model (``SiteModel.memo``)."""

    def __init__(self, store: dict | None = None) -> None:
        store = store if store is not None else {}
        # (old dep, new dep) → (their contents, what was made of them): an edit replaces its pairs' entries
        self._pairs: dict[tuple[str, str], tuple[tuple[str, str], YearPair]] = store.setdefault("pairs", {})
        self._targets: dict[tuple[str, str], tuple[tuple[str, str], TargetSummary]] = (
            store.setdefault("pair_targets", {}))

    def pair(self, old: FilingInfo, new: FilingInfo) -> YearPair:
        key, content = (old.dep, new.dep), (old.content_hash, new.content_hash)
        hit = self._pairs.get(key)
        if hit is None or hit[0] != content or hit[1].old is not old or hit[1].new is not new:
            hit = self._pairs[key] = (content, pair(old, new))
        return hit[1]

    def targets(self, p: YearPair) -> TargetSummary:
        key, content = (p.old.dep, p.new.dep), (p.old.content_hash, p.new.content_hash)
        hit = self._targets.get(key)
        if hit is None or hit[0] != content:
            hit = self._targets[key] = (content, target_summary(p))
        return hit[1]


# --------------------------------------------------------------------------- a region's year


def region_year_pairs(filings: Iterable[FilingInfo], year: int, cache: PairCache | None = None
                      ) -> tuple[list[YearPair], list[FilingInfo], list[FilingInfo]]:
    """The region's agencies with filings in ``year`` and ``year - 1``: their
    pairs (site order), the ``year`` filings without a previous year's, and the
    previous year's filings without one in ``year``."""
    make = cache.pair if cache is not None else pair
    by_agency: dict[str, dict[int, FilingInfo]] = {}
    for f in filings:
        if f.year in (year, year - 1):
            by_agency.setdefault(f.agency_slug, {})[f.year] = f
    pairs, new_only, old_only = [], [], []
    for ys in by_agency.values():
        if year in ys and year - 1 in ys:
            pairs.append(make(ys[year - 1], ys[year]))
        elif year in ys:
            new_only.append(ys[year])
        else:
            old_only.append(ys[year - 1])
    return pairs, new_only, old_only


def comparable_years(filings: Iterable[FilingInfo]) -> list[int]:
    """Years (newest first) in which some agency of ``filings`` also filed the year before."""
    years: dict[str, set[int]] = {}
    for f in filings:
        years.setdefault(f.agency_slug, set()).add(f.year)
    return sorted({y for ys in years.values() for y in ys if y - 1 in ys}, reverse=True)


@dataclass(frozen=True, slots=True)
class Part(Change):
    """A child region's (or an agency's) share of a region's year-over-year sums."""

    label: str
    url: str
    agencies: int
    before: Decimal
    after: Decimal


class Lowered(NamedTuple):
    pair: YearPair
    project: ProjectChange
    target: TargetChange


@dataclass
class RegionChanges(Change):
    """What changed in a region from ``year - 1`` to ``year``, over the
    agencies that filed in both years."""

    year: int
    pairs: list[YearPair]
    new_only: list[FilingInfo]
    old_only: list[FilingInfo]
    parts: list[Part]
    increases: list[ProjectChange]
    decreases: list[ProjectChange]
    added: list[ProjectInfo]  # the largest new projects
    ended: list[ProjectInfo]
    added_count: int
    ended_count: int
    added_total: Decimal
    ended_total: Decimal
    continued: int
    lowered: list[Lowered]  # the first ones (site order)
    verdicts: dict[str, int]  # how many targets of each verdict

    @property
    def before(self) -> Decimal:  # type: ignore[override]
        return sum((p.before for p in self.pairs), ZERO)

    @property
    def after(self) -> Decimal:  # type: ignore[override]
        return sum((p.after for p in self.pairs), ZERO)


def region_changes(filings: Sequence[FilingInfo], year: int, parts: list[tuple[str, str, set[str] | None]],
                   cache: PairCache | None = None, top: int = 10, lowered_shown: int = 30) -> RegionChanges:
    """``filings``: the region's; ``parts``: (label, url, deps of its filings)
    for each child region, and for the agencies filed at the region itself
    (deps None: the part is the agency, named by the label and url of its
    filing's agency)."""
    cache = cache or PairCache()
    pairs, new_only, old_only = region_year_pairs(filings, year, cache)
    rows: list[Part] = []
    for label, url, deps in parts:
        mine = [p for p in pairs if deps is not None and p.new.dep in deps]
        if mine:
            rows.append(Part(label, url, len(mine), sum((p.before for p in mine), ZERO),
                             sum((p.after for p in mine), ZERO)))
    for p in pairs:  # agencies of the region itself
        if not any(deps is not None and p.new.dep in deps for _l, _u, deps in parts):
            rows.append(Part(p.new.filing.agency.name, f"{urls.agency(p.new.agency_slug)}#y{year}", 1,
                             p.before, p.after))
    changes = [c for p in pairs for c in p.continued]
    added = [a for p in pairs for a in p.added]
    ended = [e for p in pairs for e in p.ended]
    lowered: list[Lowered] = []
    verdicts = {v: 0 for v in VERDICTS}
    for p in pairs:
        summary = cache.targets(p)
        for v, n in summary.verdicts.items():
            verdicts[v] += n
        lowered.extend(Lowered(p, c, t) for c, t in summary.lowered[:lowered_shown - len(lowered)])
    by_size = lambda p: (-p.project.budget.total, p.url)  # noqa: E731
    return RegionChanges(
        year=year, pairs=pairs, new_only=new_only, old_only=old_only, parts=rows,
        increases=sorted((c for c in changes if c.change > 0), key=lambda c: (-c.change, c.new.url))[:top],
        decreases=sorted((c for c in changes if c.change < 0), key=lambda c: (c.change, c.new.url))[:top],
        added=sorted(added, key=by_size)[:top], ended=sorted(ended, key=by_size)[:top],
        added_count=len(added), ended_count=len(ended), added_total=_sum(added), ended_total=_sum(ended),
        continued=len(changes), lowered=lowered, verdicts=verdicts,
    )
