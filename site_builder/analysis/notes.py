"""Analysis: consistency notes on a filing (DESIGN.md section 6).

A note states, neutrally and in Chinese, a fact about what is printed that
does not add up: two numbers that should agree and do not, a spending plan
that stops early, an indicator block repeated from another project. Notes
never change the data; they are computed from the typed filing at build time.

Every note has a stable ``code`` (used in URLs, CSV and tests), a severity,
the field it is about, the Decimal numbers involved and a link target in the
methodology page (``/pages/methodology/#note-<code>``). ``NOTE_TYPES`` holds
the Chinese title and explanation of each code for that page.

All arithmetic is Decimal; the order of the notes is deterministic (filing
level first, then by project, then in the order of ``NOTE_TYPES``).

The rules, precisely (the explanations in ``NOTE_TYPES`` say the same):

* funding parts: only when at least one of 财政资金 / 上年结转资金 / 其他资金
  is printed; the printed parts are added and compared with the total (for
  the unit-level table: with 收入预算合计, else 支出预算合计).
* unit-level table (单位整体支出): sum of project totals = 项目支出;
  人员经费 + 公用经费 = 基本支出; 基本支出 + 项目支出 = 支出预算合计;
  收入预算合计 = 支出预算合计 — each checked only when all its numbers are printed.
* cost bound: an indicator is a cost indicator when its 二级指标 is 成本指标
  (under 产出指标), its 一级指标 is 成本指标 (newer template), or it is an
  经济效益指标 whose target is in 万元. Only targets read as a number in 万元
  are compared with the project's 预算数 T. A bound ≤v / <v / =v / plain v is
  noted when v ≠ T (except <T, which a budget of T satisfies loosely); a lower
  bound ≥v / >v only when v > T (``> 135 万元`` on 135 is not noted). One note
  per project and distinct printed target; rows carrying the same target are
  named together.
* spending plan: checkpoints 3月底/6月底/10月底/12月底. Missing checkpoints
  give ``plan-missing-checkpoint`` (and then no ``plan-not-complete``: a plan
  without 12月底 is reported once). Given values must not decrease
  (``plan-not-cumulative``). 12月底 must be 100 (percent) or the 预算数
  (amount) (``plan-not-complete``).
* indicator block copied: two projects' indicator rows are compared as
  multisets of (一级指标, 三级指标, 绩效指标描述, 指标值) after normalisation
  (NFKC, whitespace removed, numeric targets as comparator+number+unit so that
  ``$\\geq 98\\%$`` equals ``≥98%``). The 二级指标 label is left out: 和政's
  copied block swaps 经济效益/社会效益 labels. The later project is noted when
  at least 3 rows are shared and the shared rows are at least 80% of the larger
  block — "identical except one row in ten" counts. Descriptions take part:
  临西's 双创园 and 机关院内 blocks share names and targets but each
  description names its own building, so they are a shared template, not a copy.
* goal copied: a project's goal list (normalised, as a set) is identical to
  an earlier project's. Single shared boilerplate lines (提高后勤服务保障工作服务水平)
  are not noted.
* goal naming another project: a goal line contains a run of three Chinese
  characters from another project Q's name that occurs in the texts (name,
  purpose, goals, indicators) of no project but Q and this one, and nowhere in
  this project's name, purpose or indicators; and the goal line shares no
  three-character run with this project's own name. (Generic words such as
  后勤服务 or 办公楼 occur in several projects and are never such a run.)
* qualitative targets: one note per project (and one for the unit-level
  table) with the count of targets the parser reads as neither a number nor
  a deadline, and up to three examples.
"""
from __future__ import annotations

import re
from functools import lru_cache
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, NamedTuple, Optional

from ..content.load import format_path
from ..content.model import CHECKPOINT_LABELS, Filing, Indicator, Project
from ..content.pickling import slots_pickle
from ..content.targets import NUMBER, QUALITATIVE, parse_target

INFO = "info"
WARNING = "warning"

METHODOLOGY_PAGE = "/pages/methodology/"

# thresholds of the copy rule (documented in NOTE_TYPES)
COPY_MIN_ROWS = 3
COPY_MIN_SHARE = Decimal("0.8")
QUALITATIVE_EXAMPLES = 3


class NoteType(NamedTuple):
    title_zh: str
    explanation_zh: str
    severity: str


NOTE_TYPES: dict[str, NoteType] = {
    "funding-parts-mismatch": NoteType(
        "资金来源合计与预算数不一致",
        "项目表（或单位整体支出表）列出了按来源分的资金（财政资金、上年结转资金、其他资金）时，"
        "把列出的各项相加，与预算数（年度资金总额；单位表为收入预算合计）比较。只在至少列出一项来源时比较；"
        "空白的来源不计。两者不等时列出两个数和差额。",
        WARNING,
    ),
    "project-sum-mismatch": NoteType(
        "项目预算合计与单位项目支出不一致",
        "单位整体支出表写明项目支出金额时，把本文件全部项目的预算数相加，与该金额比较。"
        "不等可能说明有项目未公开，或金额有误。",
        WARNING,
    ),
    "basic-parts-mismatch": NoteType(
        "人员经费与公用经费之和不等于基本支出",
        "单位整体支出表中，基本支出应等于人员经费与公用经费之和。三项都列出时比较。",
        WARNING,
    ),
    "unit-total-mismatch": NoteType(
        "基本支出与项目支出之和不等于支出预算合计",
        "单位整体支出表中，支出预算合计应等于基本支出与项目支出之和。三项都列出时比较。",
        WARNING,
    ),
    "revenue-expenditure-mismatch": NoteType(
        "收入预算合计与支出预算合计不一致",
        "部门预算收支平衡，收入预算合计与支出预算合计应相等。两项都列出时比较。",
        WARNING,
    ),
    "plan-not-cumulative": NoteType(
        "资金支出计划不是逐期累计",
        "资金支出计划按 3月底、6月底、10月底、12月底 列出截至该时点的累计数（百分比或万元），"
        "后一时点不应小于前一时点。出现减少时列出这两个时点的数值。",
        WARNING,
    ),
    "plan-missing-checkpoint": NoteType(
        "资金支出计划缺少时点",
        "资金支出计划应列出 3月底、6月底、10月底、12月底 四个时点。缺少某一时点时说明缺少哪一个，"
        "并列出已列出的最后一个时点的数值。缺少 12月底 时不再另记“未达到全年总额”。",
        WARNING,
    ),
    "plan-not-complete": NoteType(
        "资金支出计划 12月底 未达到全年总额",
        "按百分比列出的计划，12月底 应为 100%；按金额列出的计划，12月底 的累计金额应等于项目预算数。"
        "不等时列出两个数和差额。",
        WARNING,
    ),
    "cost-bound-mismatch": NoteType(
        "成本指标的金额与预算数不一致",
        "成本指标（产出指标下的成本指标、一级指标为成本指标的各行，以及单位为万元的经济效益指标）"
        "写有万元金额时，与项目预算数比较。上限（≤、=、或只写数值）与预算数不同即列出；"
        "下限（≥、>）只在高于预算数时列出（例如预算 135 万元、指标值 >135 万元 不列出）。"
        "同一项目中写有相同金额的几行合为一条。",
        WARNING,
    ),
    "indicators-copied": NoteType(
        "绩效指标与另一项目基本相同",
        "逐行比较同一文件中两个项目的绩效指标：一级指标、三级指标名称、指标描述和指标值"
        "（去掉空格，数值按“比较符+数值+单位”统一写法，如 $\\geq 98\\%$ 与 ≥98% 视为相同）都相同的行算作相同；"
        "二级指标名称不参与比较（同一指标可能被标在不同的二级指标下）。相同的行不少于 3 行、"
        "且占两个项目中指标较多一方的 80% 以上时，在后出现的项目上列出，并说明相同的行数。"
        "因此“只有一行不同”的两个指标表也会列出。",
        WARNING,
    ),
    "goal-copied": NoteType(
        "绩效目标与另一项目相同",
        "一个项目的全部绩效目标（去掉空格和标点差异后，不计顺序）与同一文件中前面某个项目的绩效目标完全相同时列出。"
        "只是其中一句常用语相同的，不列出。",
        INFO,
    ),
    "goal-names-other-project": NoteType(
        "绩效目标提到另一项目的内容",
        "一条绩效目标中出现另一项目名称中的连续三个汉字，这几个字在全文件中只见于那个项目（名称、资金用途、目标、指标）"
        "和本项目的这条目标，本项目的名称、资金用途和绩效指标中都没有；且这条目标与本项目名称没有任何连续三个汉字相同时列出。"
        "“后勤服务”“办公楼”这类在多个项目中出现的词不会引起这一提示。"
        "这通常说明这条目标是从另一项目复制来的。",
        WARNING,
    ),
    "no-output-indicator": NoteType(
        "没有产出指标",
        "绩效目标表应有产出指标（数量、质量、时效等）。项目的绩效指标中没有一级指标为产出指标的行时列出。",
        WARNING,
    ),
    "no-satisfaction-indicator": NoteType(
        "没有满意度指标",
        "绩效目标表应有满意度指标（服务对象满意度）。项目的绩效指标中没有一级指标为满意度指标的行时列出。",
        WARNING,
    ),
    "qualitative-targets": NoteType(
        "指标值无法读出数值或期限",
        "指标值写成数值（如 ≥59人、≤241.74万元、≥95%）或期限（如 2025年12月31日前）时，可以在年底核对是否达到。"
        "只写文字（如“提升”“保障工作正常开展”）的指标值无法核对。每个项目列出一条，说明这类指标值的个数并举例。",
        INFO,
    ),
}


@dataclass(frozen=True)
class MethodologyAnchor:
    """Where a note code is explained: ``/pages/methodology/#note-<code>``."""

    code: str

    @property
    def slug(self) -> str:
        return f"note-{self.code}"

    @property
    def href(self) -> str:
        return f"{METHODOLOGY_PAGE}#{self.slug}"


METHODOLOGY_ANCHORS: dict[str, MethodologyAnchor] = {code: MethodologyAnchor(code) for code in NOTE_TYPES}
_CODE_ORDER = {code: i for i, code in enumerate(NOTE_TYPES)}


@slots_pickle
@dataclass(frozen=True, slots=True)
class Note:
    code: str
    severity: str  # "info" | "warning"
    project_index: Optional[int]  # None: about the filing (unit-level table)
    field: str  # e.g. projects[1].indicators[3].target
    message_zh: str
    numbers: dict[str, Decimal] = field(default_factory=dict, hash=False)
    related_project_index: Optional[int] = None
    project_name: Optional[str] = None
    examples: tuple[str, ...] = ()

    @property
    def title_zh(self) -> str:
        return NOTE_TYPES[self.code].title_zh

    @property
    def anchor(self) -> MethodologyAnchor:
        return METHODOLOGY_ANCHORS[self.code]

    @property
    def href(self) -> str:
        return self.anchor.href

    def as_dict(self) -> dict[str, object]:
        """Plain values for CSV/JSON (Decimals as their exact text)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "project_index": self.project_index,
            "project_name": self.project_name,
            "field": self.field,
            "message_zh": self.message_zh,
            "numbers": {k: fmt(v) for k, v in self.numbers.items()},
            "related_project_index": self.related_project_index,
            "examples": list(self.examples),
            "href": self.href,
        }


def _note(code: str, project_index: Optional[int], path: tuple, message: str, *,
          numbers: Optional[dict[str, Decimal]] = None, related: Optional[int] = None,
          project_name: Optional[str] = None, examples: tuple[str, ...] = ()) -> Note:
    return Note(code, NOTE_TYPES[code].severity, project_index, format_path(path), message,
                dict(numbers or {}), related, project_name, examples)


# --------------------------------------------------------------------------- helpers


def fmt(value: Decimal) -> str:
    """A Decimal as plain text, never in exponent form (645.13, 0.01, 3)."""
    text = format(value, "f")
    return text


def _diff(a: Decimal, b: Decimal) -> Decimal:
    return abs(a - b)


@lru_cache(maxsize=1 << 16)
def norm_text(text: Optional[str]) -> str:
    """Text for comparisons: NFKC (full-width → half-width), no whitespace,
    no trailing sentence punctuation."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    return s.rstrip("。.;；,，")


def norm_target(ind: Indicator) -> str:
    return _norm_target(ind.target)


@lru_cache(maxsize=1 << 16)
def _norm_target(target: str) -> str:
    """norm_target by the target's text (what ``Indicator.parsed`` reads):
    the same few hundred targets recur across a site's indicators."""
    t = parse_target(target)
    if t.kind == NUMBER and t.value is not None:
        return f"{t.op}{t.value.normalize():f}{t.unit}"
    return t.normalized if t.kind != QUALITATIVE else norm_text(t.text)


def measurable_share(indicators: Iterable[Indicator]) -> tuple[int, int]:
    """(indicators whose target reads as a number or a deadline, all indicators)."""
    total = measurable = 0
    for ind in indicators:
        total += 1
        if ind.parsed.measurable:
            measurable += 1
    return measurable, total


def _pname(p: Project) -> str:
    return f"项目「{p.name}」"


# --------------------------------------------------------------------------- unit level


def _unit_notes(filing: Filing) -> list[Note]:
    ub = filing.unit_budget
    if ub is None:
        return []
    out: list[Note] = []
    if ub.funding is not None:
        parts = {k: v for k in ("fiscal", "carryover", "other") if (v := getattr(ub.funding, k)) is not None}
        against, label, key = (
            (ub.revenue_total, "收入预算合计", "revenue_total") if ub.revenue_total is not None
            else (ub.expenditure_total, "支出预算合计", "expenditure_total")
        )
        if parts and against is not None:
            s = sum(parts.values(), Decimal(0))
            if s != against:
                listed = "、".join(f"{_PART_LABELS[k]} {fmt(v)} 万元" for k, v in parts.items())
                out.append(_note(
                    "funding-parts-mismatch", None, ("unit_budget", "funding"),
                    f"单位整体支出表中按来源列出的资金（{listed}）合计 {fmt(s)} 万元，"
                    f"{label}为 {fmt(against)} 万元，两者相差 {fmt(_diff(s, against))} 万元。",
                    numbers={**parts, "parts_sum": s, key: against, "difference": _diff(s, against)},
                ))
    if ub.project is not None:
        s = filing.total
        if s != ub.project:
            out.append(_note(
                "project-sum-mismatch", None, ("unit_budget", "project"),
                f"单位整体支出表中项目支出为 {fmt(ub.project)} 万元，本文件 {len(filing.projects)} 个项目的预算数合计为 "
                f"{fmt(s)} 万元，两者相差 {fmt(_diff(s, ub.project))} 万元。",
                numbers={"declared": ub.project, "projects_sum": s, "difference": _diff(s, ub.project)},
            ))
    basic = ub.basic
    if basic is not None and None not in (basic.personnel, basic.operating, basic.total):
        s = basic.personnel + basic.operating  # type: ignore[operator]
        if s != basic.total:
            out.append(_note(
                "basic-parts-mismatch", None, ("unit_budget", "basic", "total"),
                f"单位整体支出表中基本支出为 {fmt(basic.total)} 万元，人员经费 {fmt(basic.personnel)} 万元与公用经费 "  # type: ignore[arg-type]
                f"{fmt(basic.operating)} 万元合计 {fmt(s)} 万元，两者相差 {fmt(_diff(s, basic.total))} 万元。",  # type: ignore[arg-type]
                numbers={"personnel": basic.personnel, "operating": basic.operating, "parts_sum": s,  # type: ignore[dict-item]
                         "total": basic.total, "difference": _diff(s, basic.total)},  # type: ignore[dict-item,arg-type]
            ))
    if basic is not None and basic.total is not None and ub.project is not None and ub.expenditure_total is not None:
        s = basic.total + ub.project
        if s != ub.expenditure_total:
            out.append(_note(
                "unit-total-mismatch", None, ("unit_budget", "expenditure_total"),
                f"单位整体支出表中支出预算合计为 {fmt(ub.expenditure_total)} 万元，基本支出 {fmt(basic.total)} 万元与项目支出 "
                f"{fmt(ub.project)} 万元合计 {fmt(s)} 万元，两者相差 {fmt(_diff(s, ub.expenditure_total))} 万元。",
                numbers={"basic": basic.total, "project": ub.project, "parts_sum": s,
                         "expenditure_total": ub.expenditure_total, "difference": _diff(s, ub.expenditure_total)},
            ))
    if ub.revenue_total is not None and ub.expenditure_total is not None and ub.revenue_total != ub.expenditure_total:
        d = _diff(ub.revenue_total, ub.expenditure_total)
        out.append(_note(
            "revenue-expenditure-mismatch", None, ("unit_budget", "revenue_total"),
            f"单位整体支出表中收入预算合计为 {fmt(ub.revenue_total)} 万元，支出预算合计为 {fmt(ub.expenditure_total)} 万元，"
            f"两者相差 {fmt(d)} 万元。",
            numbers={"revenue_total": ub.revenue_total, "expenditure_total": ub.expenditure_total, "difference": d},
        ))
    q = [ind for ind in ub.indicators if not ind.parsed.measurable]
    if q:
        out.append(_qualitative_note(None, None, ("unit_budget", "indicators"), "单位整体支出表", q, len(ub.indicators)))
    return out


_PART_LABELS = {"fiscal": "财政资金", "carryover": "上年结转资金", "other": "其他资金"}


# --------------------------------------------------------------------------- per project


def _funding_note(i: int, p: Project) -> list[Note]:
    parts = p.budget.parts
    if not parts:
        return []
    s = sum(parts.values(), Decimal(0))
    if s == p.budget.total:
        return []
    listed = "、".join(f"{_PART_LABELS[k]} {fmt(v)} 万元" for k, v in parts.items())
    d = _diff(s, p.budget.total)
    return [_note(
        "funding-parts-mismatch", i, ("projects", i, "budget"),
        f"{_pname(p)}预算数为 {fmt(p.budget.total)} 万元，按来源列出的资金（{listed}）合计 {fmt(s)} 万元，"
        f"两者相差 {fmt(d)} 万元。",
        numbers={**parts, "parts_sum": s, "total": p.budget.total, "difference": d}, project_name=p.name,
    )]


def _plan_value(unit: str, v: Decimal) -> str:
    return f"{fmt(v)}%" if unit == "percent" else f"{fmt(v)} 万元"


def _plan_notes(i: int, p: Project) -> list[Note]:
    plan = p.spending_plan
    if plan is None:
        return []
    out: list[Note] = []
    points = plan.points
    given = [(k, v) for k, v in points if v is not None]
    missing = [k for k, v in points if v is None]
    unit_word = "百分比" if plan.unit == "percent" else "金额"

    # not cumulative: the first decrease
    for (ka, a), (kb, b) in zip(given, given[1:]):
        if b < a:
            out.append(_note(
                "plan-not-cumulative", i, ("projects", i, "spending_plan", kb),
                f"{_pname(p)}的资金支出计划（按{unit_word}累计）中，{CHECKPOINT_LABELS[kb]} 为 {_plan_value(plan.unit, b)}，"
                f"低于 {CHECKPOINT_LABELS[ka]} 的 {_plan_value(plan.unit, a)}。",
                numbers={ka: a, kb: b, "difference": a - b}, project_name=p.name,
            ))
            break

    if missing:
        labels = "、".join(CHECKPOINT_LABELS[k] for k in missing)
        if given:
            last_k, last_v = given[-1]
            tail = f"已列出的最后一个时点 {CHECKPOINT_LABELS[last_k]} 为 {_plan_value(plan.unit, last_v)}"
            if "dec" in missing:
                goal = "100%" if plan.unit == "percent" else f"预算数 {fmt(p.budget.total)} 万元"
                tail += f"，计划中没有写出全年达到 {goal}"
            tail += "。"
        else:
            tail = "计划中没有任何时点的数值。"
        numbers = {k: v for k, v in given}
        if plan.unit == "amount":
            numbers["total"] = p.budget.total
        out.append(_note(
            "plan-missing-checkpoint", i, ("projects", i, "spending_plan"),
            f"{_pname(p)}的资金支出计划缺少 {labels}；{tail}",
            numbers=numbers, project_name=p.name,
        ))
    elif plan.dec is not None:
        expected = Decimal(100) if plan.unit == "percent" else p.budget.total
        if plan.dec != expected:
            d = _diff(plan.dec, expected)
            if plan.unit == "percent":
                msg = f"{_pname(p)}的资金支出计划 12月底 为 {fmt(plan.dec)}%，不是 100%，相差 {fmt(d)} 个百分点。"
            else:
                msg = (f"{_pname(p)}的资金支出计划 12月底 累计 {fmt(plan.dec)} 万元，预算数为 {fmt(p.budget.total)} 万元，"
                       f"两者相差 {fmt(d)} 万元。")
            out.append(_note(
                "plan-not-complete", i, ("projects", i, "spending_plan", "dec"), msg,
                numbers={"dec": plan.dec, "expected": expected, "difference": d}, project_name=p.name,
            ))
    return out


def is_cost_indicator(ind: Indicator) -> bool:
    """成本指标 under 产出指标, any row under 一级 成本指标, or an 经济效益指标 in 万元."""
    if ind.level2 == "成本指标" or ind.level1 == "成本指标":
        return True
    return ind.level2 == "经济效益指标" and ind.parsed.kind == NUMBER and ind.parsed.unit == "万元"


def _cost_bound_differs(op: str, v: Decimal, total: Decimal) -> bool:
    if op in ("≥", ">"):
        return v > total
    if op == "<":
        return v < total
    return v != total  # ≤, =, or a plain amount


def _cost_notes(i: int, p: Project) -> list[Note]:
    total = p.budget.total
    groups: dict[str, list[int]] = {}
    for j, ind in enumerate(p.indicators):
        t = ind.parsed
        if not is_cost_indicator(ind) or t.kind != NUMBER or t.unit != "万元" or t.value is None:
            continue
        if _cost_bound_differs(t.op, t.value, total):
            groups.setdefault(norm_target(ind), []).append(j)
    out: list[Note] = []
    for rows in groups.values():
        first = p.indicators[rows[0]]
        t = first.parsed
        named = "和".join(f"{p.indicators[j].level2}「{p.indicators[j].name}」" for j in rows)
        verb = "的指标值均为" if len(rows) > 1 else "的指标值为"
        d = _diff(t.value, total)  # type: ignore[arg-type]
        out.append(_note(
            "cost-bound-mismatch", i, ("projects", i, "indicators", rows[0], "target"),
            f"{_pname(p)}预算数为 {fmt(total)} 万元，{named}{verb} {first.target}，两者相差 {fmt(d)} 万元。",
            numbers={"total": total, "bound": t.value, "difference": d},  # type: ignore[dict-item]
            project_name=p.name,
        ))
    return out


def _level1_notes(i: int, p: Project) -> list[Note]:
    out: list[Note] = []
    n = len(p.indicators)
    levels = {ind.level1 for ind in p.indicators}
    if "产出指标" not in levels:
        out.append(_note(
            "no-output-indicator", i, ("projects", i, "indicators"),
            f"{_pname(p)}的 {n} 项绩效指标中没有产出指标。",
            numbers={"indicators": Decimal(n)}, project_name=p.name,
        ))
    if "满意度指标" not in levels:
        out.append(_note(
            "no-satisfaction-indicator", i, ("projects", i, "indicators"),
            f"{_pname(p)}的 {n} 项绩效指标中没有满意度指标。",
            numbers={"indicators": Decimal(n)}, project_name=p.name,
        ))
    return out


def _qualitative_note(i: Optional[int], p: Optional[Project], path: tuple, who: str,
                      rows: list[Indicator], n: int) -> Note:
    examples: list[str] = []
    for ind in rows:
        if ind.target not in examples:
            examples.append(ind.target)
        if len(examples) == QUALITATIVE_EXAMPLES:
            break
    shown = "".join(f"「{e}」" for e in examples)
    return _note(
        "qualitative-targets", i, path,
        f"{who}的 {n} 项绩效指标中有 {len(rows)} 项的指标值只有文字，读不出数值或期限，例如{shown}。",
        numbers={"qualitative": Decimal(len(rows)), "indicators": Decimal(n)},
        project_name=p.name if p else None, examples=tuple(examples),
    )


def _qualitative_project_note(i: int, p: Project) -> list[Note]:
    rows = [ind for ind in p.indicators if not ind.parsed.measurable]
    if not rows:
        return []
    return [_qualitative_note(i, p, ("projects", i, "indicators"), _pname(p), rows, len(p.indicators))]


# --------------------------------------------------------------------------- across projects


def indicator_row_key(ind: Indicator) -> tuple[str, str, str, str]:
    """What makes two indicator rows 'the same' for the copy rule (二级 left out)."""
    return (ind.level1, norm_text(ind.name), norm_text(ind.description), norm_target(ind))


def shared_rows(a: Project, b: Project) -> int:
    ca = Counter(indicator_row_key(x) for x in a.indicators)
    cb = Counter(indicator_row_key(x) for x in b.indicators)
    return sum((ca & cb).values())


def _copied_indicator_notes(filing: Filing) -> dict[int, Note]:
    out: dict[int, Note] = {}
    projects = filing.projects
    # one Counter per project, not one per pair: the pair loop is quadratic
    keys = [Counter(indicator_row_key(x) for x in p.indicators) for p in projects]
    for j, pj in enumerate(projects):
        best: tuple[int, int] | None = None  # (shared, i)
        for i in range(j):
            pi = projects[i]
            shared = sum((keys[i] & keys[j]).values())
            larger = max(len(pi.indicators), len(pj.indicators))
            if shared >= COPY_MIN_ROWS and Decimal(shared) >= COPY_MIN_SHARE * larger:
                if best is None or shared > best[0]:
                    best = (shared, i)
        if best is None:
            continue
        shared, i = best
        pi = projects[i]
        nj, ni = len(pj.indicators), len(pi.indicators)
        if shared == nj == ni:
            detail = "逐行相同"
        else:
            detail = f"有 {nj - shared} 项不同" if ni == nj else f"对方有 {ni} 项"
        out[j] = _note(
            "indicators-copied", j, ("projects", j, "indicators"),
            f"{_pname(pj)}的 {nj} 项绩效指标中有 {shared} 项与{_pname(pi)}的指标相同"
            f"（一级指标、三级指标名称、指标描述和指标值一致），{detail}。",
            numbers={"shared": Decimal(shared), "indicators": Decimal(nj), "other_indicators": Decimal(ni)},
            related=i, project_name=pj.name,
        )
    return out


def _goal_set(p: Project) -> frozenset[str]:
    return frozenset(g for g in (norm_text(x) for x in p.goals) if g)


def _copied_goal_notes(filing: Filing) -> dict[int, Note]:
    out: dict[int, Note] = {}
    projects = filing.projects
    for j, pj in enumerate(projects):
        gj = _goal_set(pj)
        if not gj:
            continue
        for i in range(j):
            if _goal_set(projects[i]) == gj:
                pi = projects[i]
                n = len(pj.goals)
                which = f"（{n} 条）" if n > 1 else f"「{pj.goals[0]}」"
                out[j] = _note(
                    "goal-copied", j, ("projects", j, "goals"),
                    f"{_pname(pj)}的绩效目标{which}与{_pname(pi)}的绩效目标相同。",
                    numbers={"goals": Decimal(n)}, related=i, project_name=pj.name,
                )
                break
    return out


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def cjk_trigrams(text: Optional[str]) -> set[str]:
    out: set[str] = set()
    for run in _CJK.findall(unicodedata.normalize("NFKC", text or "")):
        out.update(run[k:k + 3] for k in range(len(run) - 2))
    return out


def _own_text(p: Project) -> str:
    """Name, purpose and indicator texts (not the goals)."""
    parts = [p.name, p.purpose or ""]
    for ind in p.indicators:
        parts += [ind.name, ind.description or "", ind.target]
    return unicodedata.normalize("NFKC", "\n".join(parts))


def _longest_common(a: str, b: str, containing: str) -> str:
    """The longest substring of both a and b that contains ``containing``."""
    best = containing
    for s in range(len(a)):
        for e in range(len(a), s + len(best), -1):
            piece = a[s:e]
            if containing in piece and piece in b:
                if len(piece) > len(best):
                    best = piece
                break
    return best


def _goal_names_other_notes(filing: Filing) -> dict[int, list[Note]]:
    projects = filing.projects
    name_grams = [cjk_trigrams(p.name) for p in projects]
    # cheap pre-check: the full-text trigram sets below are only needed when
    # some goal shares a trigram with another project's name
    if not any(
        not (gg & name_grams[i]) and any(j != i and name_grams[j] & gg for j in range(len(projects)))
        for i, p in enumerate(projects) for gg in (cjk_trigrams(g) for g in p.goals)
    ):
        return {}
    # A trigram is all CJK, so it is one of a normalised text's trigrams
    # exactly when it occurs in that text: look the few candidates up in the
    # texts instead of making every project's trigram sets (~1 ms a filing).
    own_texts = [_own_text(p) for p in projects]
    goal_texts = [unicodedata.normalize("NFKC", "\n".join(p.goals)) for p in projects]
    counted: dict[str, int] = {}

    def in_projects(g: str) -> int:
        if g not in counted:
            counted[g] = sum(1 for own, goals in zip(own_texts, goal_texts) if g in own or g in goals)
        return counted[g]

    out: dict[int, list[Note]] = {}
    for i, p in enumerate(projects):
        for k, goal in enumerate(p.goals):
            goal_n = unicodedata.normalize("NFKC", goal)
            goal_grams = cjk_trigrams(goal_n)
            if goal_grams & name_grams[i]:
                continue  # the goal speaks of this project's own subject
            for j, q in enumerate(projects):
                if j == i:
                    continue
                # a run of Q's name found in this goal, in no text of this project
                # but its goals, and in no other project at all
                hits = sorted(g for g in name_grams[j] & goal_grams
                              if g not in own_texts[i] and in_projects(g) == 2)
                if not hits:
                    continue
                q_name = unicodedata.normalize("NFKC", q.name)
                term = max((_longest_common(goal_n, q_name, h) for h in hits), key=lambda s: (len(s), s))
                out.setdefault(i, []).append(_note(
                    "goal-names-other-project", i, ("projects", i, "goals", k),
                    f"{_pname(p)}的绩效目标「{goal}」中的「{term}」出现在{_pname(q)}的名称中，"
                    f"而本项目的名称、资金用途和绩效指标中都没有这一内容。",
                    related=j, project_name=p.name, examples=(term,),
                ))
                break
    return out


# --------------------------------------------------------------------------- entry point


def filing_notes(filing: Filing) -> list[Note]:
    """All consistency notes of one filing, in a deterministic order."""
    notes = _unit_notes(filing)
    copied_ind = _copied_indicator_notes(filing)
    copied_goal = _copied_goal_notes(filing)
    goal_other = _goal_names_other_notes(filing)
    for i, p in enumerate(filing.projects):
        notes += _funding_note(i, p)
        notes += _plan_notes(i, p)
        notes += _cost_notes(i, p)
        if i in copied_ind:
            notes.append(copied_ind[i])
        if i in copied_goal:
            notes.append(copied_goal[i])
        notes += goal_other.get(i, [])
        notes += _level1_notes(i, p)
        notes += _qualitative_project_note(i, p)
    notes.sort(key=lambda n: (n.project_index is not None, n.project_index if n.project_index is not None else -1,
                              _CODE_ORDER[n.code]))  # stable: keeps field order within a code
    return notes
