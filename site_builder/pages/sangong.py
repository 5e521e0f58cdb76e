"""What the 三公经费 pages print: the three per year for the site, a region,
its child regions and its agencies (sums from analysis.sangong)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..analysis import urls
from ..analysis.sangong import YearSums, region_sums, site_sums, year_sums
from ..analysis.site import RegionInfo, SiteModel

LEVELS = {"province": "省级", "city": "市级", "county": "县级"}


@dataclass(frozen=True)
class Row:
    """A line of a 三公 table: whose (a region or an agency), which year, the sums."""

    label: str
    url: str
    year: int
    sums: YearSums
    note: str = ""  # a line under the name (a region's level)


def _rows(label: str, url: str, sums: list[YearSums], note: str = "") -> list[Row]:
    return [Row(label, url, ys.year, ys, note) for ys in sums]


def common(site: SiteModel) -> dict[str, Any]:
    tax = site.taxonomy
    return {"groups": tax.sangong, "categories": {c.slug: c for c in tax.categories}}


def index(site: SiteModel, part: Iterable[tuple[str, int]], first: bool) -> dict[str, Any]:
    """/sangong/: on page 1 the site's sums per year; on every page its rows
    (region, year)."""
    tax, memo = site.taxonomy, site.memo
    rows = []
    for code, year in part:
        r = site.regions[code]
        ys = next(s for s in region_sums(r, tax, memo) if s.year == year)
        rows.append(Row(r.name, urls.sangong_region(code), year, ys, f"{LEVELS.get(r.level, '')} · {ys.filings} 份文件"))
    return {**common(site), "years": site_sums(site.region_roots, tax, memo) if first else [], "rows": rows}


def region(site: SiteModel, r: RegionInfo, part: Iterable[int], first: bool) -> dict[str, Any]:
    """/sangong/<region>/: on page 1 the region's sums per year and its child
    regions'; on every page its part of the rows of the agencies filed at
    the region itself (positions in ``r.filings``)."""
    tax, memo = site.taxonomy, site.memo
    children: list[Row] = []
    if first:
        for c in r.child_regions:
            children.extend(_rows(c.short_name, urls.sangong_region(c.code), region_sums(c, tax, memo)))
    agencies = []
    for k in part:
        f = r.filings[k]
        agencies.extend(_rows(f.filing.agency.name, f.url, year_sums([f], tax)))
    return {**common(site), "region": r, "years": region_sums(r, tax, memo) if first else [],
            "children": children, "agencies": agencies, "region_url": r.url}
