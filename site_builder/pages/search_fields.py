"""What Pagefind reads from a project, filing or agency page (docs/search.md).

Each of those pages ends its ``<main data-pagefind-body>`` with two hidden
blocks that show nothing and say nothing to a screen reader:

- ``data-pagefind-ignore``: the filters (页面类型, 地区, 年度, 单位,
  指标类别), the 预算金额 sort and the result metadata (title, amount and
  what it is, context, and the summary where the page's own first
  paragraph is not indexed: a project page indexes its summary as text);
- the name-fragment field: every suffix, cut to FRAGMENT_CHARS, of every
  name of the page, and the project code's suffixes, so that a piece cut
  from the middle of a name finds the page although the browser's segmenter
  cuts it differently from Pagefind's (docs/search.md, "The fix").

They are written here, not in a Jinja partial: choosing the values and
printing ~15 spans was a third of a project page's render time, and the
blocks are data for the indexer, not layout. The page contexts
(``pages.map.project_context`` …) carry the result as ``search_fields``.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from markupsafe import Markup

from . import format as fmt
from .format import escape_text

if TYPE_CHECKING:
    from ..analysis.site import AgencyInfo, FilingInfo, ProjectInfo, RegionInfo
    from ..content.model import Region

# the 页面类型 filter's values (a filing is not an annual report: 年度报告 was wrong)
PROJECT, FILING, AGENCY, REGION = "项目", "绩效目标文件", "单位", "地区"

FRAGMENT_CHARS = 8  # longest search fragment token; see docs/search.md
FIELD_MARK = "⁂"  # starts the fragment field; static/js/search.js strips it from excerpts
NAME_WEIGHT = 10  # an agency's or region's own name on its page: its name finds it first
SORT_KEY = "预算金额"  # the one sort; search.py splits a large index by its ranges


def project(proj: "ProjectInfo") -> Markup:
    """No summary metadata: the page's first paragraph is the summary, and
    it is indexed (a copy in the metadata was 4 % of Pagefind's work on a
    project page). The project's name is its heading and each indicator's
    starts its sentence (``IndicatorGroup.sentences``): names shown."""
    f = proj.filing.filing
    p = proj.project
    return _fields(
        PROJECT, f.region, [f.year], f.agency.name, [g.level1 for g in proj.groups], p.budget.total, "预算",
        p.name, f"{f.agency.name} · {f.year}年", None,
        [p.name, *unique_names(p.indicators)], code_suffixes(p.code) if p.code else "", shown=True,
    )


def filing(info: "FilingInfo", summary: str) -> Markup:
    f = info.filing
    return _fields(FILING, f.region, [f.year], f.agency.name, [], info.totals.total, "项目支出预算合计",
                   info.title, f.region.name, summary, [f.agency.name])


def agency(ag: "AgencyInfo", summary: str) -> Markup:
    """An agency's amount is its newest year's project sum, named with its
    year: sums of different years are never added up."""
    newest = ag.filings[0]
    return _fields(AGENCY, newest.filing.region, [f.year for f in ag.filings], ag.name, [], newest.totals.total,
                   f"{newest.year}年项目支出预算合计", ag.name, ag.region_name, summary, [ag.name]) + _own_name(ag.name)


def _own_name(name: str) -> Markup:
    """The page's own name again, hidden and weighted, after the fragment
    field (so never in an excerpt): a search for an agency's or a place's
    name lists its page among the first, ahead of its projects."""
    return Markup(f'\n<div hidden class="search-name" data-pagefind-weight="{NAME_WEIGHT}">{escape_text(name)}</div>')


def region(r: "RegionInfo", summary: str) -> Markup:
    """A region's page: found by its name (and any part of it) like an
    agency's; no amount (its years are not added up) and no 单位."""
    e = escape_text
    return Markup(
        '<div hidden data-pagefind-ignore>\n'
        f'  <span data-pagefind-filter="页面类型">{REGION}</span>\n'
        f'  <span data-pagefind-filter="地区">{e(r.name)}</span>\n'
        + "".join(f'<span data-pagefind-filter="年度">{y}</span>' for y in sorted(r.by_year, reverse=True))
        + f'\n  <span data-pagefind-meta="title">{e(r.short_name)}</span>\n'
        f'  <span data-pagefind-meta="context">{e(r.name)} · {r.totals.filings} 份绩效目标文件（{e(r.year_span)}）</span>\n'
        f'  <span data-pagefind-meta="summary">{e(summary)}</span>\n'
        '</div>\n'
        f'<div hidden class="search-fragments" data-pagefind-weight="0.2">{FIELD_MARK}'
        f'{e(name_fragments([r.name, r.short_name]))}</div>'
    ) + _own_name(r.short_name)


def _fields(kind: str, region: "Region", years: Iterable[int], agency_name: str, levels: Iterable[str],
            amount: Decimal, amount_label: str, title: str, context: str, summary: str | None, names: list[str],
            code: str = "", shown: bool = False) -> Markup:
    e = escape_text  # markupsafe.escape's text (every value is a str), without a Markup object each
    province = e(region.province)
    out = [
        '<div hidden data-pagefind-ignore>\n',
        f'  <span data-pagefind-filter="页面类型">{kind}</span>\n',
        f'  <span data-pagefind-filter="地区">{province}</span>\n',
    ]
    if region.city:
        out.append(f'<span data-pagefind-filter="地区">{province}{e(region.city)}</span>')
    if region.county:
        out.append(f'<span data-pagefind-filter="地区">{e(region.name)}</span>')
    out.extend(f'<span data-pagefind-filter="年度">{y}</span>' for y in years)
    out.append(f'  <span data-pagefind-filter="单位">{e(agency_name)}</span>\n')
    out.extend(f'<span data-pagefind-filter="指标类别">{e(level)}</span>' for level in levels)
    out.append(
        f'  <span data-pagefind-sort="{SORT_KEY}">{e(fmt.plain(amount))}</span>\n'
        f'  <span data-pagefind-meta="title">{e(title)}</span>\n'
        f'  <span data-pagefind-meta="amount">{e(fmt.money(amount))} 万元</span>\n'
        f'  <span data-pagefind-meta="amount_label">{e(amount_label)}</span>\n'
        f'  <span data-pagefind-meta="context">{e(context)}</span>\n'
        + (f'  <span data-pagefind-meta="summary">{e(summary)}</span>\n' if summary is not None else '')
        + '</div>\n'
        f'<div hidden class="search-fragments" data-pagefind-weight="0.2">{FIELD_MARK}'
        f'{e(name_fragments(names, shown))}{e(name_fragments([region.province, region.city, region.county]))}'
        f'{e(code)}</div>'
    )
    return Markup("".join(out))


def name_fragments(names: list[str | None], shown: bool = False) -> str:
    """The name part of the fragment field: every suffix, at most
    FRAGMENT_CHARS long, from each position of every whitespace-separated part
    of each name, each after a space. Pagefind segments each token on its
    own, so every position of a name starts an indexed word, which a query
    word cut from there matches by prefix. ``shown``: each name starts a
    run of the page's indexed text (a heading, a sentence), whose words
    Pagefind already indexes from the name's first character, so its
    suffixes start at the second (those of whole names were a twentieth of
    Pagefind's work on a project page)."""
    return "".join([_fragments(name, 1 if shown else 0) for name in names if name])


@lru_cache(maxsize=65536)  # names repeat: indicator names across projects, places across pages
def _fragments(name: str, start: int) -> str:
    return "".join([f" {part[i:i + FRAGMENT_CHARS]}" for part in name.split() for i in range(start, len(part) - 1)])


def code_suffixes(code: str) -> str:
    """The project code's part of the same field: every suffix of the
    lower-cased code from its second character on, at least four long, each
    after a space (so that a search for the code's tail finds the project)."""
    code = code.lower()
    return "".join([f" {code[i:]}" for i in range(1, len(code) - 3)])


def unique_names(items) -> list:
    """``items``' names, each once, in order, ignoring case (as Jinja's
    ``map(attribute="name")|unique|list``, which the template used)."""
    seen: set = set()
    out = []
    for item in items:
        name = item.name
        key = name.lower() if isinstance(name, str) else name
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out
