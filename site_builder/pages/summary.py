"""The plain-language texts a reader meets first: where a filing came from,
how it was transcribed, and what it adds up to.

Everything here is prepared for the templates (which only print), from the
typed filing and the analysed totals, in exact Decimal arithmetic; a
sentence never names anything its page does not depend on.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from ..analysis.site import year_span
from .format import money
from ..content.model import Filing, Project

if TYPE_CHECKING:
    from ..analysis.site import AgencyInfo, FilingInfo, ProjectInfo, RegionInfo, SiteModel, Totals, YearInfo
    from ..analysis.years import RegionChanges, YearPair

PROJECT_SUM = "项目支出预算合计"  # what every sum of project budgets is called
UNIT_TOTAL = "单位支出预算合计"  # the unit-level table's 支出预算合计: the agency's whole budget
SCOPES = {"本级": "只含本单位，不含下属单位", "汇总": "本单位与下属单位的合计"}  # agency.scope, explained where it appears


@dataclass(frozen=True, slots=True)
class Fact:
    """One line of a filing's provenance: a label and its value (a link when
    ``href`` is set; ``missing`` when the source does not say)."""

    label: str
    text: str
    href: str | None = None
    missing: bool = False


NOT_PRINTED = "原文未注明"


def provenance(f: Filing) -> list[Fact]:
    """Where the filing came from and when this site added and corrected it.
    Unknown facts are said to be unknown, never guessed."""
    s = f.source
    facts = [Fact("文件", f"《{s.title}》", s.url)]
    if s.publisher:
        facts.append(Fact("署名", s.publisher))
    facts.append(Fact("发布日期", s.published.isoformat()) if s.published else Fact("发布日期", NOT_PRINTED, missing=True))
    facts.append(Fact("原文网址", "查看原文", s.url) if s.url else Fact("原文网址", "未注明", missing=True))
    if s.added:
        facts.append(Fact("本站收录", s.added.isoformat()))
    if s.updated:
        facts.append(Fact("最近更正", s.updated.isoformat()))
    return facts


def note_count(f: Filing) -> int:
    """Editor's notes in a filing: on its source, its unit-level table, its
    projects and their indicators (the data downloads carry them all)."""
    n = int(bool(f.source.note))
    if f.unit_budget:
        n += int(bool(f.unit_budget.note)) + sum(1 for ind in f.unit_budget.indicators if ind.note)
    return n + sum(project_note_count(p) for p in f.projects)


def project_note_count(p: Project) -> int:
    return int(bool(p.note)) + sum(1 for ind in p.indicators if ind.note)


def transcription(f: Filing) -> str:
    """One plain sentence on how the page was made from the filing. The
    editors' own notes (often in English, on converter artefacts) stay in the
    data downloads."""
    n = note_count(f)
    records = f"编辑的 {n} 条转录记录随 JSON 数据下载提供。" if n else ""
    return f"本页按原文转录：保留原文的用字、数字和错别字，只去掉文字提取造成的断行和空格。{records}"


def project_transcription(p: Project) -> str:
    n = project_note_count(p)
    if not n:
        return ""
    return f"转录说明：编辑对本项目作了 {n} 条转录记录（原文个别内容如何录入），见本文件的 JSON 数据下载。"


def source_line(f: Filing) -> str:
    """The provenance in one line, for the top of a filing page and the foot
    of a project page."""
    s = f.source
    parts = [f"来源：《{s.title}》"]
    parts.append(f"发布于 {s.published.isoformat()}" if s.published else "发布日期原文未注明")
    if s.added:
        parts.append(f"本站收录于 {s.added.isoformat()}")
    if s.updated:
        parts.append(f"最近更正于 {s.updated.isoformat()}")
    return "，".join(parts) + "。"


# --------------------------------------------------------------------------- headline figures

@dataclass(frozen=True, slots=True)
class Stat:
    """One figure of a page's headline: what it is, the number, its unit, a
    line saying what it covers."""

    label: str
    value: Decimal | int
    unit: str
    note: str = ""

    @property
    def money(self) -> bool:
        return self.unit == "万元"


def filing_stats(info: "FilingInfo") -> list[Stat]:
    """A filing's headline. With a unit-level table its whole budget leads and
    the project sum is named as the part it is; otherwise the project sum,
    named as such."""
    t = info.totals
    out = []
    if info.unit_total is not None:
        basic = f"含基本支出 {money(info.unit_basic)} 万元" if info.unit_basic is not None else "单位整体支出表"
        out.append(Stat(UNIT_TOTAL, info.unit_total, "万元", basic))
        out.append(Stat(PROJECT_SUM, t.total, "万元", f"{t.projects} 个项目之和"))
    else:
        out.append(Stat(PROJECT_SUM, t.total, "万元", f"{t.projects} 个项目之和；原文没有单位整体支出表"))
    out.append(Stat("预算项目", t.projects, "个"))
    out.append(Stat("绩效指标", info.indicators_all, "条", f"其中 {info.measurable_all} 条可计量"))
    return out


def per_year_stats(years: list[tuple[int, "Totals"]]) -> list[Stat]:
    """One project-sum figure per year, newest first: sums of different years
    are never added together."""
    return [Stat(f"{y}年{PROJECT_SUM}", t.total, "万元",
                 f"{t.projects} 个项目" if t.filings == 1 else f"{t.filings} 份文件、{t.projects} 个项目")
            for y, t in years]


def count_stats(totals: "Totals", years: Iterable[int]) -> list[Stat]:
    span = year_span(years)
    return [Stat("绩效目标文件", totals.filings, "份", span), Stat("预算项目", totals.projects, "个", span),
            Stat("项目绩效指标", totals.indicators, "条", span)]


def agency_stats(ag: "AgencyInfo") -> list[Stat]:
    years = [(f.year, f.totals) for f in ag.filings]
    if len(years) == 1:
        return [Stat(f"{ag.filings[0].year}年" + s.label if s.money else s.label, s.value, s.unit, s.note)
                for s in filing_stats(ag.filings[0])]
    return per_year_stats(years) + count_stats(ag.totals, [y for y, _ in years])


def region_stats(region: "RegionInfo") -> list[Stat]:
    return per_year_stats(region.years) + count_stats(region.totals, region.by_year)


def site_stats(site: "SiteModel") -> list[Stat]:
    return per_year_stats([(y.year, y.totals) for y in site.years]) + count_stats(site.totals, [y.year for y in site.years])


def project_stats(proj: "ProjectInfo") -> list[Stat]:
    p = proj.project
    share = f"占本单位{PROJECT_SUM}的 {format(proj.share, 'f')}%" if proj.share is not None else ""
    return [Stat("预算数", p.budget.total, "万元", share),
            Stat("绩效指标", len(p.indicators), "条", f"其中 {proj.measurable} 条可计量")]


# --------------------------------------------------------------------------- plain-language summaries

def _largest(projects: list["ProjectInfo"], n: int) -> list["ProjectInfo"]:
    return sorted(projects, key=lambda p: (-p.project.budget.total, p.index))[:n]


def _pct(part: Decimal, whole: Decimal) -> str:
    from ..analysis.site import share

    s = share(part, whole)
    return f"{s:f}%" if s is not None else "—"


def _largest_sentence(projects: list["ProjectInfo"], total: Decimal) -> str:
    if len(projects) < 2:
        return ""
    top = _largest(projects, 3)
    named = "、".join(f"「{p.name}」（{money(p.project.budget.total)} 万元，占 {_pct(p.project.budget.total, total)}）"
                      for p in top)
    if len(projects) == len(top):
        return f"按金额依次是{named}。"
    together = sum((p.project.budget.total for p in top), Decimal(0))
    return f"最大的 {len(top)} 个项目是{named}，合计占项目支出的 {_pct(together, total)}。"


def _budget_sentence(info: "FilingInfo", who: str) -> str:
    t = info.totals
    if info.unit_total is not None:
        return (f"{who}单位支出预算合计 {money(info.unit_total)} 万元，其中项目支出预算合计 {money(t.total)} 万元，"
                f"分为 {t.projects} 个项目。")
    return f"{who}项目支出预算合计 {money(t.total)} 万元，分为 {t.projects} 个项目（原文没有列出单位的全部预算）。"


def filing_summary(info: "FilingInfo") -> str:
    """What a filing adds up to, in a few plain sentences: its budget, the
    largest projects and their share, how many targets can be measured, and
    whether the checks found anything that needs attention."""
    f = info.filing
    out = [_budget_sentence(info, f"{f.agency.name}{f.year}年的"), _largest_sentence(info.projects, info.totals.total)]
    n, m = info.indicators_all, info.measurable_all
    if n:
        out.append(f"{n} 条绩效指标中有 {m} 条（{_pct(Decimal(m), Decimal(n))}）的指标值可以计量（数值或期限），其余只有文字。")
    warnings = sum(1 for note in info.notes if note.severity == "warning")
    out.append(f"程序核对发现 {warnings} 处需要注意的不一致。" if warnings else "程序核对没有发现需要注意的不一致。")
    return "".join(out)


def change_words(old: Decimal, new: Decimal) -> str:
    """"增加 12.00 万元（+5.0%）", "减少 3.00 万元（-1.2%）", "持平"."""
    from ..analysis.site import share

    d = new - old
    if not d:
        return "持平"
    p = share(d, old)
    rate = f"（{'+' if d > 0 else ''}{p:f}%）" if p is not None else ""
    return f"{'增加' if d > 0 else '减少'} {money(abs(d))} 万元{rate}"


def pair_sentence(pair: "YearPair") -> str:
    """What changed from an agency's previous filing to this one, in a sentence."""
    return (f"{pair.new.year}年项目支出预算合计比{pair.old.year}年{change_words(pair.before, pair.after)}："
            f"{len(pair.continued)} 个项目延续，新增 {len(pair.added)} 个，{len(pair.ended)} 个未再列出。")


def agency_summary(ag: "AgencyInfo", latest: "YearPair | None" = None) -> str:
    """An agency's filings, one sentence per year, newest first; with two or
    more, what changed from the previous filing to the newest (``latest``)."""
    years = [f.year for f in ag.filings]
    out = [f"本站收录了{ag.name}（{ag.region_name}）{year_span(years)}的部门预算绩效目标，共 {len(years)} 份。"]
    for info in ag.filings:
        sentence = _budget_sentence(info, f"{info.year}年")
        top = _largest(info.projects, 1)
        if len(info.projects) > 1:
            p = top[0]
            sentence = sentence[:-1] + (f"，最大的是「{p.name}」（{money(p.project.budget.total)} 万元，"
                                        f"占 {_pct(p.project.budget.total, info.totals.total)}）。")
        out.append(sentence)
    if latest is not None:
        out.append(pair_sentence(latest))
    return "".join(out)


def project_summary(proj: "ProjectInfo", years=None) -> str:
    """A project in a few plain sentences; ``years`` (pages.years.ProjectYears):
    its change from the agency's previous filing, if it has one."""
    f = proj.filing.filing
    p = proj.project
    share = f"，占本单位项目支出预算合计的 {proj.share:f}%" if proj.share is not None and len(proj.filing.projects) > 1 else ""
    n = len(p.indicators)
    targets = f"{n} 条绩效指标中有 {proj.measurable} 条的指标值可以计量。" if n else "原文没有列出绩效指标。"
    out = f"「{p.name}」是{f.agency.name}{f.year}年的预算项目，预算 {money(p.budget.total)} 万元{share}。{targets}"
    if years is not None and years.prev is not None:
        c = years.prev
        out += f"预算比{c.old.filing.year}年{change_words(c.before, c.after)}"
        lowered = len(years.diff.lowered) if years.diff else 0
        out += f"，{lowered} 条指标值的要求降低。" if lowered else "。"
    elif years is not None and years.prev_filing is not None:
        out += f"{years.prev_filing.year}年的文件中没有对应的项目。"
    return out


def region_changes_summary(region: "RegionInfo", c: "RegionChanges") -> str:
    """A region's year over year in a few sentences."""
    n = len(c.pairs)
    out = (f"{region.name}有 {n} 个单位在{c.year - 1}年和{c.year}年都有文件，"
           f"它们的项目支出预算合计{change_words(c.before, c.after)}。")
    out += f"新增 {c.added_count} 个项目（{money(c.added_total)} 万元），{c.ended_count} 个项目未再列出（{money(c.ended_total)} 万元）。"
    lowered = c.verdicts.get("lowered", 0)
    out += f"{lowered} 条指标值的要求降低。" if lowered else "没有指标值的要求降低。"
    return out


def region_summary(region: "RegionInfo") -> str:
    years = "；".join(f"{y}年项目支出预算合计 {money(t.total)} 万元（{t.filings} 份、{t.projects} 个项目）"
                     for y, t in region.years)
    return f"本站收录的{region.name}部门预算绩效目标共 {region.totals.filings} 份。{years}。"


def year_summary(year: "YearInfo") -> str:
    t = year.totals
    return (f"本站收录的{year.year}年部门预算绩效目标共 {t.filings} 份，"
            f"项目支出预算合计 {money(t.total)} 万元，{t.projects} 个项目。")
