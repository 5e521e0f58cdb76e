"""Analysis: the 三公经费 lens — 公务接待, 公务用车购置及运行, 因公出国（境） —
summed per agency, region and year from the projects whose category the
taxonomy maps to each of the three (``sangong:`` in content/taxonomy.yaml).

Sums are exact (Decimal) and per year: years are never added together. A
unit cost is given per category (purchase and running of cars are not one
thing), from the projects whose main quantity is in the category's
comparable unit: their budgets over their quantities; the page says how
many of the category's projects that covers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Iterable, Optional

from .categories import CENT, UNIT_COST_PRECISION, Category, SangongGroup, Taxonomy
from .site import ZERO, FilingInfo, ProjectInfo, RegionInfo
from .views import CompareRow, compare_rows


def category_groups(taxonomy: Taxonomy) -> dict[str, SangongGroup]:
    """Category slug → the 三公 group it counts in."""
    return {c: g for g in taxonomy.sangong for c in g.categories}


def filing_items(info: FilingInfo, taxonomy: Taxonomy) -> list[tuple[SangongGroup, CompareRow]]:
    """The filing's projects that count as one of the three, with their
    comparison rows (main quantity, unit cost), in filing order."""
    groups = category_groups(taxonomy)
    return [(groups[p.category.slug], row) for p, row in compare_rows(info)
            if row is not None and p.category.slug in groups]


def has_items(info: FilingInfo, taxonomy: Taxonomy) -> bool:
    groups = category_groups(taxonomy)
    return any(p.category is not None and p.category.slug in groups for p in info.projects)


@dataclass
class CostSum:
    """A category's unit cost over several projects: the budgets of those with
    a quantity in the category's unit, over their quantities."""

    category: Category
    projects: int = 0  # the category's projects in the sum
    counted: int = 0  # of them, those with a comparable quantity
    budget: Decimal = ZERO  # of the counted ones
    quantity: Decimal = ZERO

    @property
    def cost(self) -> Optional[Decimal]:
        if not self.counted or not self.quantity:
            return None
        with localcontext() as ctx:
            ctx.prec = UNIT_COST_PRECISION
            return self.budget / self.quantity

    @property
    def display(self) -> Optional[Decimal]:
        c = self.cost
        return None if c is None else c.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class GroupSum:
    """One of the three for one agency, region or the site, in one year."""

    group: SangongGroup
    amount: Decimal = ZERO
    projects: list[ProjectInfo] = field(default_factory=list)
    costs: dict[str, CostSum] = field(default_factory=dict)  # category slug → unit cost (categories with units)

    def merge(self, other: "GroupSum") -> None:
        self.amount += other.amount
        self.projects.extend(other.projects)
        for slug, c in other.costs.items():
            mine = self.costs.get(slug)
            if mine is None:
                mine = self.costs[slug] = CostSum(c.category)
            mine.projects += c.projects
            mine.counted += c.counted
            mine.budget += c.budget
            mine.quantity += c.quantity

    def add(self, row: CompareRow) -> None:
        p = row.project
        self.amount += p.project.budget.total
        self.projects.append(p)
        cat = p.category
        if not cat.units:
            return
        c = self.costs.get(cat.slug)
        if c is None:
            c = self.costs[cat.slug] = CostSum(cat)
        c.projects += 1
        if row.unit_cost is not None:
            c.counted += 1
            c.budget += p.project.budget.total
            c.quantity += row.unit_cost.quantity

    @property
    def cost_lines(self) -> list[CostSum]:
        """Unit costs in the group's category order, those that can be given."""
        return [self.costs[s] for s in self.group.categories if s in self.costs and self.costs[s].cost is not None]


@dataclass
class YearSums:
    year: int
    groups: list[GroupSum]  # the taxonomy's order, every group (zero where none)
    filings: int = 0  # filings of that year with at least one such project

    @property
    def total(self) -> Decimal:
        return sum((g.amount for g in self.groups), ZERO)

    @property
    def projects(self) -> int:
        return sum(len(g.projects) for g in self.groups)


def year_sums(infos: Iterable[FilingInfo], taxonomy: Taxonomy) -> list[YearSums]:
    """The three, per year (newest first), over ``infos``; only years with at
    least one such project."""
    years: dict[int, YearSums] = {}
    for info in infos:
        items = filing_items(info, taxonomy)
        if not items:
            continue
        ys = years.get(info.year)
        if ys is None:
            ys = years[info.year] = YearSums(info.year, [GroupSum(g) for g in taxonomy.sangong])
        ys.filings += 1
        by_slug = {g.group.slug: g for g in ys.groups}
        for group, row in items:
            by_slug[group.slug].add(row)
    return [years[y] for y in sorted(years, reverse=True)]


def merge(parts: Iterable[list[YearSums]], taxonomy: Taxonomy) -> list[YearSums]:
    """The sums of several disjoint sets of filings (each ``year_sums``)."""
    years: dict[int, YearSums] = {}
    for part in parts:
        for ys in part:
            into = years.get(ys.year)
            if into is None:
                into = years[ys.year] = YearSums(ys.year, [GroupSum(g) for g in taxonomy.sangong])
            into.filings += ys.filings
            for mine, theirs in zip(into.groups, ys.groups):
                mine.merge(theirs)
    return [years[y] for y in sorted(years, reverse=True)]


def region_sums(region: RegionInfo, taxonomy: Taxonomy, store: dict) -> list[YearSums]:
    """``year_sums`` of a region's filings, made from its child regions' and
    its own filings' and kept in ``store`` (``SiteModel.memo``): /sangong/
    sums every region, and an edit applied in place makes only its own
    region's and their parents' sums again."""
    memo: dict[str, tuple[tuple, int, list[YearSums]]] = store.setdefault("sangong", {})
    children = [(c.code, region_sums(c, taxonomy, store)) for c in region.child_regions]
    own = [f for f in region.filings if f.filing.region.code == region.code]
    key = (tuple(f.content_hash for f in own), tuple(memo[code][1] for code, _ in children))
    hit = memo.get(region.code)
    if hit is not None and hit[0] == key:
        return hit[2]
    sums = merge([year_sums(own, taxonomy), *(part for _, part in children)], taxonomy)
    serial = store["sangong_serial"] = store.get("sangong_serial", 0) + 1  # a new version of this region's sums
    memo[region.code] = (key, serial, sums)
    return sums


def site_sums(roots: Iterable[RegionInfo], taxonomy: Taxonomy, store: dict) -> list[YearSums]:
    return merge((region_sums(r, taxonomy, store) for r in roots), taxonomy)
