"""Read filings whose project tables arrive as rows of cells.

Three front-ends produce the same blocks (paragraphs and table rows):
Word tables dumped one cell per line (seeds 000, 001), Markdown tables from a
PDF converter (004), and .docx files read with python-docx. This module turns
the blocks into the overview and the projects of a filing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .common import (
    AGENCY_LINE_RE, CHECKPOINT_BY_MONTH, PROJECT_CODE_RE, PROJECT_HEADING_RE, UNIT_RE, Draft, Num,
    compact, join_wrapped, parse_amount, split_items, strip_enum,
)


@dataclass
class Cell:
    text: str
    line: int


@dataclass
class Row:
    cells: list[Cell]
    line: int
    table: int = 0  # ordinal of the table the row belongs to

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def nonempty(self) -> list[Cell]:
        return [c for c in self.cells if c.text.strip()]

    def first(self) -> Cell | None:
        ne = self.nonempty()
        return ne[0] if ne else None


@dataclass
class Para:
    text: str
    line: int


Block = Row | Para
Cleaner = Callable[[str], tuple[str, bool]]

SECTION_TITLES = {"总体绩效目标": "overall_goal", "分项绩效目标": "sub_goals", "工作保障措施": "safeguards"}
PART2_RE = re.compile(r"^(第二部分|预算项目绩效目标|第二部分预算项目绩效目标)$")
LABELS = {
    "项目编码": "code", "项目代码": "code",
    "项目名称": "name",
    "预算数": "total", "年度资金总额": "total", "预算金额": "total",
    "财政资金": "fiscal", "当年财政拨款": "fiscal", "财政拨款": "fiscal",
    "上年结转资金": "carryover", "上年结转": "carryover",
    "其他资金": "other",
    "实施单位": "implementer",
}
HEADER_COLUMNS = {
    "一级指标": "level1", "二级指标": "level2", "三级指标": "name",
    "绩效指标描述": "description", "指标描述": "description",
    "指标值": "target", "指标值确定依据": "basis", "确定依据": "basis",
}
IND_ORDER = ("level1", "level2", "name", "description", "target", "basis")
PLAN_MONTH_RE = re.compile(r"^(\d{1,2})月(?:底|末)?$")
PLAN_VALUE_RE = re.compile(r"^(\d{1,12}(?:\.\d{1,4})?)\s*([%％]?)$")


def norm_label(text: str) -> str:
    t = compact(text)
    t = re.sub(r"^其中[:：]?", "", t)
    return t.rstrip(":：")


def overview_from(paras: list[tuple[str, int]]) -> dict[str, Any] | None:
    """一、总体绩效目标 / 二、分项绩效目标 / 三、工作保障措施 → overview."""
    sections: dict[str, list[tuple[str, int]]] = {}
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


def find_title(paras: Iterable[tuple[str, int]], draft: Draft) -> None:
    for n, (text, line) in enumerate(paras):
        t = compact(text)
        if t in ("第一部分", "目录") or n > 12:
            break
        m = re.search(r"(20\d\d)年", t)
        if m and ("绩效" in t or "预算" in t) and len(t) <= 60:
            draft.title_line = (line, t)
            draft.year_hints.append((line, int(m.group(1)), "the title"))
            if t != text.strip():
                draft.comment(("source", "title"), "spaces of the printed title removed")
            return


def is_agency(text: str) -> re.Match[str] | None:
    t = text.strip()
    if not t or len(t) > 80:
        return None
    return AGENCY_LINE_RE.match(t)


def read_blocks(blocks: list[Block], draft: Draft, clean: Cleaner | None = None) -> None:
    """Fill draft.data with the overview and projects found in the blocks."""
    clean = clean or (lambda s: (s, False))

    # ---- part 1: everything before the first project marker
    start = len(blocks)
    for i, b in enumerate(blocks):
        if _is_marker(b) or (isinstance(b, Para) and PART2_RE.match(compact(b.text))):
            start = i
            break
    part1 = [(b.text, b.line) for b in blocks[:start] if isinstance(b, Para)]
    find_title(part1, draft)
    ov = overview_from(part1)
    if ov:
        draft.data["overview"] = ov
    stray = [b for b in blocks[:start] if isinstance(b, Row)]
    if stray:
        draft.warn(stray[0].line, "overview", f"{len(stray)} table row(s) before the project tables were not read")

    # ---- part 2: split into one segment per project
    segments: list[list[Block]] = []
    cur: list[Block] = []
    has_content = False
    has_code_row = False
    for b in blocks[start:]:
        kind = _marker_kind(b)
        if kind:
            new = has_content if kind in ("heading", "agency") else (has_code_row or (has_content and not _only_markers(cur)))
            if new and cur:
                segments.append(cur)
                cur, has_content, has_code_row = [], False, False
            if kind == "coderow":
                has_code_row = True
                has_content = True
        elif isinstance(b, Row) and not _is_unit(b):
            has_content = True
        cur.append(b)
    if cur:
        segments.append(cur)

    projects: list[dict[str, Any]] = []
    for seg in segments:
        if not any(isinstance(b, Row) and not _is_unit(b) and not _marker_kind(b) for b in seg) and not any(
                _marker_kind(b) == "coderow" for b in seg):
            # headings or text without a table
            for b in seg:
                if isinstance(b, Para) and PROJECT_HEADING_RE.match(b.text):
                    draft.warn(b.line, f"projects[{len(projects)}]",
                               f"heading '{b.text.strip()}' is not followed by a project table; skipped")
                elif isinstance(b, Para) and not PART2_RE.match(compact(b.text)) and not _is_unit(b):
                    draft.warn(b.line, "", f"text outside the tables ignored: '{b.text.strip()[:40]}'")
                elif _marker_kind(b) == "agency":
                    _agency(b, draft)
            continue
        p = _read_project(seg, len(projects), draft, clean)
        if p is not None:
            draft.project_lines[len(projects)] = (seg[0].line, seg[-1].line)
            projects.append(p)
    if projects:
        draft.data["projects"] = projects
    else:
        draft.warn(blocks[-1].line if blocks else 1, "projects", "no project table (项目编码 / 项目名称 / 绩效指标) was found")


def _only_markers(seg: list[Block]) -> bool:
    return all(_marker_kind(b) or _is_unit(b) or isinstance(b, Para) for b in seg)


def _is_unit(b: Block) -> bool:
    if isinstance(b, Para):
        return bool(UNIT_RE.match(b.text))
    ne = b.nonempty()
    return len(ne) == 1 and bool(UNIT_RE.match(ne[0].text))


def _is_marker(b: Block) -> bool:
    return _marker_kind(b) != ""


def _marker_kind(b: Block) -> str:
    if isinstance(b, Para):
        if PROJECT_HEADING_RE.match(b.text):
            return "heading"
        if is_agency(b.text) and is_agency(b.text).group("code"):
            return "agency"
        return ""
    first = b.first()
    if first is None:
        return ""
    m = is_agency(first.text)
    if m and (m.group("code") or any(UNIT_RE.match(c.text) for c in b.cells)):
        return "agency"
    labels = {norm_label(c.text) for c in b.cells}
    if "项目编码" in labels or ("项目名称" in labels and norm_label(first.text) == "项目名称"):
        return "coderow"
    return ""


def _agency(b: Block, draft: Draft) -> None:
    text = b.text if isinstance(b, Para) else (b.first().text if b.first() else "")
    m = is_agency(text)
    if m:
        name = m.group("name").strip()
        draft.agency_lines.append((b.line, m.group("code") or "", name, m.group("scope")))
    cells = [b.text] if isinstance(b, Para) else b.texts()
    for c in cells:
        u = re.search(r"单位\s*[:：]\s*(\S+)", c)
        if u and u.group(1) != "万元":
            draft.warn(b.line, "unit", f"the table is in {u.group(1)}, not 万元; amounts were copied as printed — convert them")


def _read_project(seg: list[Block], index: int, draft: Draft, clean: Cleaner) -> dict[str, Any] | None:
    P = ("projects", index)
    proj: dict[str, Any] = {}
    budget: dict[str, Any] = {}
    heading: tuple[str, int] | None = None
    plan_header: dict[int, str] | None = None
    plan_is_percent_header = False
    plan_line = 0
    header: dict[str, int] | None = None
    header_len = 0
    indicators: list[dict[str, Any]] = []
    last_level1 = last_level2 = ""
    expect = ""  # "purpose" after the budget row, "plan" after the plan header
    goals: list[str] = []
    seg_line = seg[0].line
    cleaned = [0]

    def val(text: str, path: tuple[Any, ...], line: int) -> str:
        if "\n" in text:  # paragraphs of one Word cell
            joined = ""
            for part in text.split("\n"):
                joined = join_wrapped(joined, part)
            text = joined
        out, changed = clean(text.strip())
        if changed:
            cleaned[0] += 1
            if path[-1] in ("name", "target"):
                draft.comment(path, f"spaces inside words removed (line {line}: '{text.strip()}')")
        return out

    for b in seg:
        if isinstance(b, Para):
            m = PROJECT_HEADING_RE.match(b.text)
            if m:
                heading = (m.group("name").strip(), b.line)
            elif _marker_kind(b) == "agency":
                _agency(b, draft)
            elif _is_unit(b):
                _agency(b, draft)
            elif not PART2_RE.match(compact(b.text)):
                draft.warn(b.line, P, f"text between the table rows ignored: '{b.text.strip()[:40]}'")
            continue
        kind = _marker_kind(b)
        if kind == "agency" or _is_unit(b):
            _agency(b, draft)
            continue
        first = b.first()
        if first is None:
            continue
        flabel = norm_label(first.text)

        if expect == "plan":
            expect = ""
            if plan_header is not None and not _row_has_label(b):
                _read_plan(b, plan_header, plan_is_percent_header, plan_line, proj, budget, P, draft)
                continue
            draft.warn(b.line, P + ("spending_plan",), "资金支出计划 header without a row of values below it")
        if expect == "purpose":
            expect = ""
            ne = b.nonempty()
            if not b.cells[0].text.strip() and len(ne) == 1 and not _row_has_label(b):
                proj["purpose"] = val(ne[0].text, P + ("purpose",), ne[0].line)
                continue
            if flabel == "资金用途" and len(ne) == 2:
                proj["purpose"] = val(ne[1].text, P + ("purpose",), ne[1].line)
                continue

        if header is not None:
            texts = [norm_label(c.text) for c in b.cells]
            if "一级指标" in texts and "二级指标" in texts:
                header, header_len = _header(b), len(b.cells)
                draft.comment(P + ("indicators",), f"the indicator table continues after a repeated header (line {b.line})")
                continue
            ind = _read_indicator_row(b, header, header_len, P, len(indicators), draft, val)
            if ind is None:
                continue
            if ind.get("_fragment"):
                if not indicators:
                    draft.warn(b.line, P + ("indicators",), "a table row with only part of an indicator and no indicator above it; ignored")
                    continue
                prev = indicators[-1]
                j = len(indicators) - 1
                for k, v in ind.items():
                    if k.startswith("_"):
                        continue
                    prev[k] = join_wrapped(prev.get(k, ""), v)
                    draft.comment(P + ("indicators", j, k),
                                  f"joined with line {b.line}: the cell continues across a page break")
                indicators[-1] = {k: prev[k] for k in IND_ORDER if k in prev}
                continue
            lv1 = ind.get("level1", "")
            if lv1:
                last_level1 = lv1
                if not ind.get("level2"):
                    draft.warn(b.line, P + ("indicators", len(indicators), "level2"), "empty 二级指标 cell in a row that starts a new 一级指标")
                else:
                    last_level2 = ind["level2"]
            else:
                if not last_level1:
                    draft.warn(b.line, P + ("indicators", len(indicators), "level1"), "empty 一级指标 cell with no row above to continue")
                else:
                    ind["level1"] = last_level1
                if ind.get("level2"):
                    last_level2 = ind["level2"]
                elif last_level2:
                    ind["level2"] = last_level2
                else:
                    draft.warn(b.line, P + ("indicators", len(indicators), "level2"), "empty 二级指标 cell with no row above to continue")
            ordered = {k: ind[k] for k in IND_ORDER if ind.get(k)}
            indicators.append(ordered)
            continue

        labels = [norm_label(c.text) for c in b.cells]
        if "一级指标" in labels and "二级指标" in labels:
            header, header_len = _header(b), len(b.cells)
            continue
        if flabel.startswith("资金支出计划"):
            plan_header = {}
            for i, c in enumerate(b.cells):
                m = PLAN_MONTH_RE.match(compact(c.text))
                if m:
                    month = int(m.group(1))
                    if month in CHECKPOINT_BY_MONTH:
                        plan_header[i] = CHECKPOINT_BY_MONTH[month]
                    else:
                        draft.warn(c.line, P + ("spending_plan",), f"checkpoint '{c.text.strip()}' is not one of 3月底/6月底/10月底/12月底; ignored")
            plan_is_percent_header = bool(re.search(r"[%％]", first.text))
            plan_line = b.line
            expect = "plan"
            continue
        if flabel == "绩效目标" or flabel == "总体目标" or flabel == "年度绩效目标":
            for c in b.cells[b.cells.index(first) + 1:]:
                for part in c.text.split("\n"):
                    g = strip_enum(part)
                    if g:
                        goals.append(val(g, P + ("goals", len(goals)), c.line))
            continue
        pairs = _label_pairs(b)
        if pairs:
            for key, cell, vcell in pairs:
                vtext = vcell.text.strip() if vcell else ""
                if key in ("code", "name", "implementer"):
                    if not vtext:
                        if key != "implementer":
                            draft.warn(cell.line, P + (key,), f"empty {cell.text.strip()} cell")
                        continue
                    v = val(vtext, P + (key,), vcell.line)
                    if key == "code":
                        v2 = compact(v)
                        if not PROJECT_CODE_RE.match(v2):
                            draft.warn(vcell.line, P + ("code",), f"'{vtext}' does not look like a project code (4-40 letters/digits); left out")
                            continue
                        v = v2
                    proj[key] = v
                else:
                    if not vtext:
                        continue  # a blank cell: leave the field out
                    n = parse_amount(vtext)
                    if n is None:
                        draft.warn(vcell.line, P + ("budget", key), f"{cell.text.strip()} '{vtext}' is not an amount; left out")
                        continue
                    if key in budget and budget[key] != n:
                        draft.warn(vcell.line, P + ("budget", key), f"{cell.text.strip()} printed twice ({budget[key]}, {n}); kept {budget[key]}")
                        continue
                    budget[key] = n
            if any(k in ("total", "fiscal", "other", "carryover") for k, _, _ in pairs):
                expect = "purpose"
            continue
        if not b.cells[0].text.strip() and len(b.nonempty()) == 1 and "purpose" not in proj and budget:
            ne = b.nonempty()[0]
            proj["purpose"] = val(ne.text, P + ("purpose",), ne.line)
            draft.comment(P + ("purpose",), "read as 资金用途: a one-cell row in the budget part of the table")
            continue
        draft.warn(b.line, P, f"table row not understood and skipped: '{' | '.join(c.text.strip() for c in b.nonempty())[:60]}'")

    if expect == "plan":
        draft.warn(plan_line, P + ("spending_plan",), "资金支出计划 header without a row of values below it")

    if cleaned[0]:
        draft.comment(P, f"spaces inside words (PDF conversion) removed in {cleaned[0]} cell(s) of this table")
    # ---- assemble in the format's order
    if "name" not in proj:
        if heading:
            proj["name"] = heading[0]
            draft.comment(P + ("name",), f"from the heading (line {heading[1]}): no 项目名称 cell was read")
        else:
            draft.warn(seg_line, P + ("name",), "no 项目名称 found for this project table")
    elif heading and compact(heading[0]) != compact(proj["name"]):
        draft.warn(heading[1], P + ("name",), f"the heading names '{heading[0]}' but the 项目名称 cell reads '{proj['name']}'; took the cell")
    if heading is None:
        draft.comment(P, "no numbered heading (…绩效目标表) before this table; found by its 项目编码 row")
    out: dict[str, Any] = {}
    for k in ("code", "name", "implementer"):
        if k in proj:
            out[k] = proj[k]
    if "total" not in budget:
        draft.warn(seg_line, P + ("budget", "total"), "no 预算数 amount read for this project")
    out["budget"] = {k: budget[k] for k in ("total", "fiscal", "carryover", "other") if k in budget}
    if "purpose" in proj:
        out["purpose"] = proj["purpose"]
    if "spending_plan" in proj:
        out["spending_plan"] = proj["spending_plan"]
    if goals:
        out["goals"] = goals
    if indicators:
        out["indicators"] = indicators
    elif header is None:
        draft.warn(seg[-1].line, P + ("indicators",), "no indicator table (一级指标 / 二级指标 …) in this project")
    return out


def _row_has_label(b: Row) -> bool:
    return any(norm_label(c.text) in LABELS for c in b.cells)


def _label_pairs(b: Row) -> list[tuple[str, Cell, Cell | None]]:
    out = []
    cells = b.cells
    for i, c in enumerate(cells):
        key = LABELS.get(norm_label(c.text))
        if not key:
            continue
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if nxt is not None and norm_label(nxt.text) in LABELS:
            nxt = None
        out.append((key, c, nxt))
    return out


def _header(b: Row) -> dict[str, int]:
    h: dict[str, int] = {}
    for i, c in enumerate(b.cells):
        key = HEADER_COLUMNS.get(norm_label(c.text))
        if key and key not in h:
            h[key] = i
    return h


def _read_indicator_row(b: Row, header: dict[str, int], header_len: int, P: tuple[Any, ...], j: int,
                        draft: Draft, val: Callable[..., str]) -> dict[str, Any] | None:
    cells = b.cells
    if not b.nonempty():
        return None
    if len(cells) != header_len:
        draft.warn(b.line, P + ("indicators", j),
                   f"row has {len(cells)} cells but the header has {header_len}; read by position — check this indicator")
    ind: dict[str, Any] = {}
    for key, i in header.items():
        if i < len(cells) and cells[i].text.strip():
            ind[key] = val(cells[i].text, P + ("indicators", j, key), cells[i].line)
    used = set(header.values())
    extra = [c for i, c in enumerate(cells) if i not in used and c.text.strip()]
    if extra:
        draft.warn(b.line, P + ("indicators", j),
                   f"text outside the header's columns ignored: '{' | '.join(c.text.strip() for c in extra)[:60]}'")
    if not any(ind.get(k) for k in ("level1", "level2", "name", "target")) and ind:
        ind["_fragment"] = True
        return ind
    if not ind.get("name"):
        draft.warn(b.line, P + ("indicators", j, "name"), "empty 三级指标 cell")
    if not ind.get("target"):
        draft.warn(b.line, P + ("indicators", j, "target"), "empty 指标值 cell: no target read")
    return ind


def _read_plan(b: Row, plan_header: dict[int, str], percent_header: bool, header_line: int,
               proj: dict[str, Any], budget: dict[str, Any], P: tuple[Any, ...], draft: Draft) -> None:
    values: dict[str, tuple[str, str, int]] = {}
    for i, c in enumerate(b.cells):
        t = compact(c.text)
        if not t:
            continue
        if i not in plan_header:
            draft.warn(c.line, P + ("spending_plan",), f"value '{c.text.strip()}' is not under a checkpoint heading; ignored")
            continue
        m = PLAN_VALUE_RE.match(t)
        if not m:
            draft.warn(c.line, P + ("spending_plan", plan_header[i]), f"'{c.text.strip()}' is not a number; left out")
            continue
        values[plan_header[i]] = (m.group(1), m.group(2), c.line)
    if not values:
        draft.warn(b.line, P + ("spending_plan",), "资金支出计划 row holds no values")
        return
    plan_plan = plan_from_values(values, percent_header, budget.get("total"), P, draft, header_line)
    if plan_plan:
        proj["spending_plan"] = plan_plan
    missing = [k for k in ("mar", "jun", "oct", "dec") if k not in values and k not in plan_header.values()]
    if missing:
        draft.comment(P + ("spending_plan",), f"the text prints no {'/'.join(missing)} checkpoint")


def plan_from_values(values: dict[str, tuple[str, str, int]], percent_header: bool, total: str | None,
                     P: tuple[Any, ...], draft: Draft, line: int) -> dict[str, Any] | None:
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
