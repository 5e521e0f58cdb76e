"""The 和政 template (seed 002): one table row per line, cells separated by tabs.

A 单位整体支出绩效目标表 (agency-wide: basic / project spending, funding
sources, goals, indicators) followed by one 项目支出绩效目标表 per project
(no project codes; 一级指标 includes 成本指标). Rows whose cells sit one
column off (a layout artefact) are read by the order of their non-empty
cells, and merged 一级/二级 cells are carried down.
"""
from __future__ import annotations

import re
from typing import Any

from .common import Draft, compact, parse_amount, strip_enum
from .tables import Cell, Para, Row

TITLE_UNIT = "单位整体支出绩效目标表"
TITLE_PROJECT = "项目支出绩效目标表"
YEAR_RE = re.compile(r"[（(]\s*(20\d\d)\s*年度?\s*[)）]")

UNIT_LABELS = {
    "人员经费": ("basic", "personnel"), "公用经费": ("basic", "operating"), "合计": ("basic", "total"),
    "项目支出": ("project",), "当年财政拨款": ("funding", "fiscal"), "上年结转资金": ("funding", "carryover"),
    "其他资金": ("funding", "other"), "收入预算合计": ("revenue_total",), "支出预算合计": ("expenditure_total",),
}
PROJECT_MONEY = {"年度资金总额": "total", "当年财政拨款": "fiscal", "上年结转资金": "carryover", "其他资金": "other"}


def _label(text: str) -> str:
    t = compact(text)
    t = re.sub(r"^其中[:：]?", "", t)
    return t.rstrip(":：")


def text_to_items(text: str) -> list[Row | Para]:
    items: list[Row | Para] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if "\t" in line:
            items.append(Row([Cell(c.strip(), n) for c in line.split("\t")], n))
        else:
            items.append(Para(line.strip(), n))
    return items


def read(text: str, draft: Draft) -> None:
    read_items(text_to_items(text), draft)


def read_items(items: list[Row | Para], draft: Draft) -> None:
    draft.layout = "hezheng"
    tables: list[tuple[str, int, list[Row | Para]]] = []
    cur: list[Row | Para] | None = None
    for it in items:
        t = compact(it.text) if isinstance(it, Para) else compact(it.cells[0].text if it.cells else "")
        if isinstance(it, Para) and (TITLE_UNIT in t or TITLE_PROJECT in t):
            cur = []
            tables.append((TITLE_UNIT if TITLE_UNIT in t else TITLE_PROJECT, it.line, cur))
            continue
        if isinstance(it, Para):
            m = YEAR_RE.search(it.text)
            if m:
                draft.year_hints.append((it.line, int(m.group(1)), "the table heading (年度)"))
                continue
        if cur is None:
            if isinstance(it, Row):
                # a project table without its title line
                if _label(it.cells[0].text) == "项目名称":
                    cur = []
                    tables.append((TITLE_PROJECT, it.line, cur))
                else:
                    draft.warn(it.line, "", f"row before any 绩效目标表 title ignored: '{' | '.join(c.text for c in it.nonempty())[:50]}'")
                    continue
            else:
                continue
        cur.append(it)
    if not tables:
        draft.warn(1, "projects", "no 单位整体支出绩效目标表 or 项目支出绩效目标表 found")
        return
    projects: list[dict[str, Any]] = []
    for kind, line, rows in tables:
        if kind == TITLE_UNIT:
            ub = _unit_table(rows, draft, line)
            if ub:
                if "unit_budget" in draft.data:
                    draft.warn(line, "unit_budget", "a second 单位整体支出绩效目标表; ignored")
                else:
                    draft.data["unit_budget"] = ub
        else:
            p = _project_table(rows, draft, len(projects), line)
            if p:
                draft.project_lines[len(projects)] = (line, rows[-1].line if rows else line)
                projects.append(p)
    if projects:
        draft.data["projects"] = projects
    else:
        draft.warn(tables[-1][1], "projects", "no 项目支出绩效目标表 could be read")


def _goal_rows(rows: list[Row], start: int, path: tuple[Any, ...], draft: Draft) -> tuple[list[str], int]:
    goals: list[str] = []
    i = start
    while i < len(rows):
        r = rows[i]
        first = _label(r.cells[0].text)
        if i > start and first:
            break
        vals = [c for c in r.cells[1:] if c.text.strip()]
        if i > start and not vals:
            break
        for c in vals:
            g = strip_enum(c.text)
            if g:
                goals.append(g)
        if len(vals) > 1:
            draft.warn(r.line, path, "a goal row with more than one cell; each cell read as a goal")
        i += 1
    return goals, i


def _indicator_rows(rows: list[Row], start: int, header: Row, path: tuple[Any, ...], draft: Draft) -> list[dict[str, Any]]:
    cols = {}
    for i, c in enumerate(header.cells):
        key = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标值": "target"}.get(_label(c.text))
        if key:
            cols[key] = i
    out: list[dict[str, Any]] = []
    last1 = last2 = ""
    for r in rows[start:]:
        ne = [(i, c) for i, c in enumerate(r.cells) if c.text.strip()]
        if not ne:
            continue
        j = len(out)
        positional = all(i in cols.values() for i, _ in ne) and "target" in cols
        ind: dict[str, Any] = {}
        if positional:
            for key, i in cols.items():
                if i < len(r.cells) and r.cells[i].text.strip():
                    ind[key] = r.cells[i].text.strip()
        else:
            vals = [c.text.strip() for _, c in ne]
            keys = {4: ("level1", "level2", "name", "target"), 3: ("level2", "name", "target"),
                    2: ("name", "target")}.get(len(vals))
            if keys is None:
                draft.warn(r.line, path + (j,), f"indicator row with {len(vals)} filled cells cannot be read: "
                                                 f"'{' | '.join(vals)[:60]}'")
                continue
            ind = dict(zip(keys, vals))
            where = "starts in the first column" if ne[0][0] == 0 else "has cells off the header's columns"
            draft.comment(path + (j,), f"line {r.line}: the row {where}; read by the order of its cells "
                                       f"as {'/'.join(_CN[k] for k in keys)}"
                                       + ("" if "level1" in keys else ", 一级指标 continuing the row above"))
        if ind.get("level1"):
            last1 = ind["level1"]
            last2 = ind.get("level2", "")
        else:
            if not last1:
                draft.warn(r.line, path + (j, "level1"), "empty 一级指标 with no row above to continue")
            else:
                ind["level1"] = last1
            if ind.get("level2"):
                last2 = ind["level2"]
            elif last2:
                ind["level2"] = last2
            else:
                draft.warn(r.line, path + (j, "level2"), "empty 二级指标 with no row above to continue")
        if not ind.get("name"):
            draft.warn(r.line, path + (j, "name"), "empty 三级指标 cell")
        if not ind.get("target"):
            draft.warn(r.line, path + (j, "target"), "empty 指标值 cell: no target read")
        out.append({k: ind[k] for k in ("level1", "level2", "name", "target") if ind.get(k)})
    return out


_CN = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "指标值"}


def _unit_table(items: list[Row | Para], draft: Draft, line: int) -> dict[str, Any] | None:
    rows = [r for r in items if isinstance(r, Row)]
    P = ("unit_budget",)
    ub: dict[str, Any] = {}
    money: dict[tuple[str, ...], Any] = {}
    value_cols: list[int] = []
    i = 0
    while i < len(rows):
        r = rows[i]
        first = _label(r.cells[0].text)
        if first == "单位名称":
            vals = [c.text.strip() for c in r.cells[1:] if c.text.strip()]
            if vals:
                draft.agency_lines.append((r.line, "", vals[0], ""))
            i += 1
            continue
        if first == "总体目标":
            goals, i = _goal_rows(rows, i, P + ("goals",), draft)
            if goals:
                ub["goals"] = goals
            continue
        if first.startswith("预算情况") or any(_label(c.text) == "预算金额" for c in r.cells):
            value_cols = [k for k, c in enumerate(r.cells) if _label(c.text) == "预算金额"]
            i += 1
            while i < len(rows) and not _label(rows[i].cells[0].text):
                _unit_money_row(rows[i], value_cols, money, draft)
                i += 1
            continue
        if first == "绩效指标":
            inds = _indicator_rows(rows, i + 1, r, P + ("indicators",), draft)
            if inds:
                ub["indicators"] = inds
            break
        draft.warn(r.line, P, f"row not understood and skipped: '{' | '.join(c.text for c in r.nonempty())[:60]}'")
        i += 1
    out: dict[str, Any] = {}
    basic = {k[1]: v for k, v in money.items() if k[0] == "basic"}
    if basic:
        out["basic"] = {k: basic[k] for k in ("personnel", "operating", "total") if k in basic}
    if ("project",) in money:
        out["project"] = money[("project",)]
    funding = {k[1]: v for k, v in money.items() if k[0] == "funding"}
    if funding:
        out["funding"] = {k: funding[k] for k in ("fiscal", "carryover", "other") if k in funding}
    for k in ("revenue_total", "expenditure_total"):
        if (k,) in money:
            out[k] = money[(k,)]
    if "goals" in ub:
        out["goals"] = ub["goals"]
    if "indicators" in ub:
        out["indicators"] = ub["indicators"]
    if not out:
        draft.warn(line, P, "单位整体支出绩效目标表 holds nothing readable")
        return None
    return out


def _unit_money_row(r: Row, value_cols: list[int], money: dict[tuple[str, ...], Any], draft: Draft) -> None:
    for k, c in enumerate(r.cells):
        key = UNIT_LABELS.get(_label(c.text))
        if not key:
            continue
        # the value sits in the next 预算金额 column to the right
        cols = [v for v in value_cols if v > k]
        if cols:
            vi = cols[0]
            vtext = r.cells[vi].text.strip() if vi < len(r.cells) else ""
        else:
            nxt = [x for x in r.cells[k + 1:] if x.text.strip()]
            vtext = nxt[0].text.strip() if nxt and not UNIT_LABELS.get(_label(nxt[0].text)) else ""
        if not vtext:
            continue  # blank: leave out
        n = parse_amount(vtext)
        if n is None:
            draft.warn(r.line, "unit_budget." + ".".join(key), f"{c.text.strip()} '{vtext}' is not an amount; left out")
            continue
        money[key] = n


def _project_table(items: list[Row | Para], draft: Draft, index: int, line: int) -> dict[str, Any] | None:
    rows = [r for r in items if isinstance(r, Row)]
    P = ("projects", index)
    proj: dict[str, Any] = {}
    budget: dict[str, Any] = {}
    goals: list[str] = []
    indicators: list[dict[str, Any]] = []
    seen_indicators = False
    i = 0
    while i < len(rows):
        r = rows[i]
        first = _label(r.cells[0].text)
        if first == "项目名称":
            vals = [c.text.strip() for c in r.cells[1:] if c.text.strip()]
            if vals:
                proj["name"] = vals[0]
            i += 1
            continue
        if first.startswith("主管部门"):
            labels = [_label(c.text) for c in r.cells]
            if "实施单位" in labels:
                k = labels.index("实施单位")
                vals = [c.text.strip() for c in r.cells[k + 1:] if c.text.strip()]
                if vals:
                    proj["implementer"] = vals[0]
            vals = [c.text.strip() for c in r.cells[1:labels.index("实施单位") if "实施单位" in labels else None]
                    if c.text.strip()]
            if vals:
                m = re.match(r"^(?P<code>\d{3,12})?\s*(?P<name>.+?)$", vals[0])
                if m:
                    draft.agency_lines.append((r.line, m.group("code") or "", m.group("name"), ""))
            i += 1
            continue
        if first == "总体目标":
            goals, i = _goal_rows(rows, i, P + ("goals",), draft)
            continue
        if first == "绩效指标":
            indicators = _indicator_rows(rows, i + 1, r, P + ("indicators",), draft)
            seen_indicators = True
            break
        # 项目资金 rows: "项目资金 | 年度资金总额: | 100", "(万元) | 其中:当年财政拨款 | 100", …
        hit = False
        for k, c in enumerate(r.cells):
            key = PROJECT_MONEY.get(_label(c.text))
            if not key:
                continue
            hit = True
            nxt = [x for x in r.cells[k + 1:] if x.text.strip()]
            if not nxt:
                continue
            n = parse_amount(nxt[0].text)
            if n is None:
                draft.warn(r.line, P + ("budget", key), f"{c.text.strip()} '{nxt[0].text.strip()}' is not an amount; left out")
                continue
            budget[key] = n
        if hit or first in ("项目资金", "(万元)", "（万元）"):
            i += 1
            continue
        draft.warn(r.line, P, f"row not understood and skipped: '{' | '.join(c.text for c in r.nonempty())[:60]}'")
        i += 1
    if not proj.get("name"):
        draft.warn(line, P + ("name",), "no 项目名称 in this 项目支出绩效目标表")
    if "total" not in budget:
        draft.warn(line, P + ("budget", "total"), "no 年度资金总额 in this 项目支出绩效目标表")
    if not seen_indicators:
        draft.warn(rows[-1].line if rows else line, P + ("indicators",), "no 绩效指标 rows in this 项目支出绩效目标表")
    if not proj and not budget and not indicators:
        return None
    out: dict[str, Any] = {k: proj[k] for k in ("name", "implementer") if k in proj}
    out["budget"] = {k: budget[k] for k in ("total", "fiscal", "carryover", "other") if k in budget}
    if goals:
        out["goals"] = goals
    if indicators:
        out["indicators"] = indicators
    return out
