"""The agency-wide part before the project tables (title, 总体绩效目标 /
分项绩效目标 / 工作保障措施) and the spending plan's unit."""
from __future__ import annotations

import re
from typing import Any, Iterable

from ..common import Draft, budget_year, compact, split_items, strip_enum
from ..units import Num
from ..grid import Pos

SECTION_TITLES = {"总体绩效目标": "overall_goal", "分项绩效目标": "sub_goals", "工作保障措施": "safeguards"}
_TITLE_YEAR_RE = re.compile(r"(20\d\d)年")
PART2_RE = re.compile(r"^(第二部分|预算项目绩效目标|第二部分预算项目绩效目标)$")


def overview_from(paras: list[tuple[str, Pos]]) -> dict[str, Any] | None:
    """一、总体绩效目标 / 二、分项绩效目标 / 三、工作保障措施 → overview."""
    sections: dict[str, list[tuple[str, Pos]]] = {}
    cur = None
    for text, line in paras:
        t = compact(strip_enum(text)).rstrip("。：:")
        if t in SECTION_TITLES and len(compact(text)) <= 14:
            cur = SECTION_TITLES[t]
            sections.setdefault(cur, [])
            continue
        if cur is not None:
            sections[cur].append((text, line))
    if not sections:
        return None
    ov: dict[str, Any] = {}
    goal = "\n\n".join(t.strip() for t, _ in sections.get("overall_goal", []) if t.strip())
    if goal:
        ov["overall_goal"] = goal
    for key in ("sub_goals", "safeguards"):
        items = split_items(sections.get(key, []))
        if items:
            ov[key] = items
    return ov or None


def find_title(paras: Iterable[tuple[str, Pos]], draft: Draft) -> None:
    for n, (text, line) in enumerate(paras):
        t = compact(text)
        if t in ("第一部分", "目录") or n > 12:
            break
        m = budget_year(_TITLE_YEAR_RE, t)
        if re.search(r"[>＞»]|当前位置|您的位置", t):
            continue  # a web page's navigation (首页 > 财政预决算 > 部门预算 > 2020年), not a title
        if m and ("绩效" in t or "预算" in t) and len(t) <= 60:
            draft.title_line = (line, t)
            draft.year_hints.append((line, int(m.group(1)), "the title"))
            if t != text.strip():
                draft.comment(("source", "title"), "spaces of the printed title removed")
            return



def plan_from_values(values: dict[str, tuple[str, str, Any]], percent_header: bool, total: str | None,
                     P: tuple[Any, ...], draft: Draft, line: Any) -> dict[str, Any] | None:
    """Checkpoint values (number, '%' or '', line) → spending_plan, deciding the unit."""
    from decimal import Decimal

    signs = {s for _, s, _ in values.values()}
    if signs == {"%"} or signs == {"％"} or signs == {"%", "％"}:
        unit = "percent"
    elif signs == {""}:
        nums = [Decimal(n) for n, _, _ in values.values()]
        last = values.get("dec")
        if total is not None and last is not None and Decimal(last[0]) == Decimal(total) and Decimal(total) != 100:
            unit = "amount"
            if percent_header:
                draft.comment(P + ("spending_plan", "unit"),
                              "the header says （%） but the values are cumulative amounts: 12月底 equals 预算数")
        elif percent_header and max(nums) <= 100:
            unit = "percent"
            draft.comment(P + ("spending_plan", "unit"), "values printed without %; the header says （%）")
        else:
            draft.warn(line, P + ("spending_plan", "unit"),
                       "cannot tell whether the spending plan is in % or in 万元; check spending_plan.unit")
            unit = "percent" if percent_header else "amount"
    else:
        draft.warn(line, P + ("spending_plan", "unit"), "some checkpoints carry % and some do not; check spending_plan.unit")
        unit = "percent"
    plan: dict[str, Any] = {"unit": unit}
    for k in ("mar", "jun", "oct", "dec"):
        if k in values:
            plan[k] = Num(values[k][0])
    return plan
