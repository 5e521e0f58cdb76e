"""What the year-over-year sections and pages print: an agency's budget per
year and what changed between its filings, a project's other years and its
targets side by side, a region's changes from one year to the next.

An agency's and a project's sections use only that agency's filings (its
pages depend on them already); a region's page uses the region's filings of
the two years it compares.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from ..analysis.site import AgencyInfo, FilingInfo
from ..analysis.years import (BY_CODE, BY_NAME, CONFIDENCE, LOWERED, RULES, VERDICTS, IndicatorDiff, ProjectChange,
                              Row, Sighting, YearPair, agency_pairs, diff_indicators, other_years, pair_targets,
                              project_rows)
from . import charts
from .summary import pair_sentence

LARGEST_CHANGES = 10  # continued projects listed by the size of their change, per pair of years

# the match rules as the pages state them: how, and how sure
MATCH_RULES = [(RULES[r], CONFIDENCE[r]) for r in (BY_CODE, BY_NAME)]
VERDICT_NOTES = {
    LOWERED: "下限调低（≥、>）或上限调高（≤、<）",
    "raised": "下限调高或上限调低",
    "value": "原文没有写 ≥ 或 ≤，无法判断高低",
    "wording": "写法或单位不同，无法直接比较",
}


@dataclass(frozen=True)
class YearRow:
    """One year of an agency's budget table."""

    info: FilingInfo
    change: Optional[Decimal]  # against the agency's previous filing
    pct: Optional[Decimal]
    since: Optional[int]  # the year of that filing


@dataclass
class PairView:
    pair: YearPair
    largest: list[ProjectChange]
    lowered: list[tuple[ProjectChange, int]]  # projects with targets asking less, and how many
    verdicts: dict[str, int]
    sentence: str

    @property
    def verdict_counts(self) -> list[tuple[str, int]]:
        """(label, count) of each kind of target change that occurred."""
        return [(VERDICTS[v], n) for v, n in self.verdicts.items() if n]

    @property
    def title(self) -> str:
        return f"{self.pair.new.year}年与{self.pair.old.year}年相比"

    @property
    def anchor(self) -> str:
        return f"y{self.pair.new.year}"


@dataclass
class AgencyYears:
    bars: list[charts.Bar]  # the project sum per year, oldest first
    rows: list[YearRow]  # newest first
    pairs: list[PairView]  # newest first


def year_bars(filings: list[FilingInfo]) -> list[charts.Bar]:
    """An agency's project sum per year as bars, oldest first."""
    biggest = max((f.totals.total for f in filings), default=Decimal(0))
    out = []
    for f in reversed(filings):
        v = f.totals.total
        width = int((v * 100 / biggest).to_integral_value(ROUND_HALF_UP)) if biggest else 0
        out.append(charts.Bar(f"{f.year}年", f.url, v, None, max(width, 1) if v else 0))
    return out


class AgencyMemo:
    """What an agency's pages share of its years: its pairs of filings and
    each filing's indicator rows, made once for all of its pages (which the
    agency's filings — light or whole — are, the pages say the same)."""

    def __init__(self, ag: AgencyInfo):
        self.ag = ag
        self._pairs: Optional[list[YearPair]] = None
        self._rows: dict[str, list[list[Row]]] = {}

    @property
    def pairs(self) -> list[YearPair]:
        if self._pairs is None:
            self._pairs = agency_pairs(self.ag)
        return self._pairs

    def rows(self, info: FilingInfo) -> list[list[Row]]:
        if info.dep not in self._rows:
            self._rows[info.dep] = project_rows(info)
        return self._rows[info.dep]


def agency_years(ag: AgencyInfo, memo: Optional[AgencyMemo] = None) -> Optional[AgencyYears]:
    """The agency's year-over-year section; None for an agency with one filing
    (no empty section)."""
    if len(ag.filings) < 2:
        return None
    memo = memo or AgencyMemo(ag)
    pairs = memo.pairs
    rows = []
    for k, info in enumerate(ag.filings):
        p = pairs[k] if k < len(pairs) else None
        rows.append(YearRow(info, p.change if p else None, p.pct if p else None, p.old.year if p else None))
    views = []
    for p in pairs:
        diffs = pair_targets(p, memo.rows(p.old), memo.rows(p.new))
        verdicts = {v: sum(d.count(v) for _c, d in diffs) for v in VERDICTS}
        views.append(PairView(p, p.largest(LARGEST_CHANGES),
                              [(c, len(d.lowered)) for c, d in diffs if d.lowered], verdicts, pair_sentence(p)))
    return AgencyYears(year_bars(ag.filings), rows, views)


@dataclass
class ProjectYears:
    """A project page's year-over-year section."""

    sightings: list[Sighting]  # the project in other years, oldest first
    prev_filing: Optional[FilingInfo]  # the agency's previous filing, if any
    prev: Optional[ProjectChange]  # this project in it
    diff: Optional[IndicatorDiff]  # its indicators against this year's
    next_filing: Optional[FilingInfo]
    next: Optional[ProjectChange]

    @property
    def rule(self) -> tuple[str, str] | None:
        return (self.prev.rule_text, self.prev.confidence) if self.prev else None


def project_years(info: FilingInfo, index: int, memo: Optional[AgencyMemo] = None) -> Optional[ProjectYears]:
    """The year-over-year section of project ``index`` of ``info`` (a filing of
    the site model, or a whole one whose agency holds whole filings); None
    when the agency has one filing."""
    ag = info.agency
    if ag is None or len(ag.filings) < 2:
        return None
    memo = memo or AgencyMemo(ag)
    pairs = memo.pairs
    before = next((p for p in pairs if p.new.dep == info.dep), None)
    after = next((p for p in pairs if p.old.dep == info.dep), None)
    prev = before.of_new(index) if before else None
    diff = None
    if prev is not None:
        diff = diff_indicators(memo.rows(before.old)[prev.old.index], memo.rows(info)[index], before.old.year, info.year)
    return ProjectYears(other_years(pairs, info, index), before.old if before else None, prev, diff,
                        after.new if after else None, after.of_old(index) if after else None)
