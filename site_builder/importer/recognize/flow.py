"""Text whose table cells and words were broken across lines (PDF text).

The text of a PDF table comes out row by row, but a cell wider than its
column wraps onto several lines, and one line may hold the ends of several
cells ("9 部 工作计划"), so no grid of cells can be made from it. It is
recognised by its labels broken over two lines ("资金支出计" / "划（%）") and
read line by line, relying on what is certain:

- the labels of the project table, from the lexicon (项目编码, 项目名称, 预算数,
  其中：财政资金, 其他资金, 资金支出计划, 绩效目标, 一级指标 …), a label broken
  over two lines joined first; a field's text ends at the next label;
- project codes are letters and digits, and may be split over two lines;
- an indicator row starts with its 二级指标 (the lexicon's levels, itself
  possibly broken: 社会效益指 / 标), optionally after its 一级指标;
- an indicator row ends with a line "… 指标值 指标值确定依据"; a row without
  it keeps only its levels, since which of its lines are the name's is a guess;
- the 三级指标 column is narrow: its lines are at most the column width, and
  a name continues on the next line only while its lines are full.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ..common import (
    AGENCY_LINE_RE, CHECKPOINT_BY_MONTH, PROJECT_CODE_RE, PROJECT_HEADING_RE, Draft, compact, has_enum, join_wrapped,
    parse_amount, strip_enum, width,
)
from ..grid import Pos
from ..lexicon import Label, lexicon
from .lines import Line as GridLine
from .overview import PART2_RE, SECTION_TITLES, find_title, overview_from, plan_from_values
from .project import agency_name

Line = tuple[str, Pos]


def broken(lines: list[GridLine]) -> bool:
    """Labels broken over two lines ("预算规模及" / "资金用途", "其中：财政" /
    "资金"), several times: the text's lines are not the table's rows."""
    if any(line.kind != "spaces" for line in lines):
        return False
    texts = [line.text.strip() for line in lines if line.text.strip()]
    return sum(_broken_label(a, b) for a, b in zip(texts, texts[1:])) >= 3


def _broken_label(a: str, b: str) -> bool:
    """Does a label start at the end of line ``a`` and end at the start of ``b``?"""
    lex = lexicon()
    last = a.split()[-1] if a.split() else ""
    first = b.split()[0] if b.split() else ""
    if not last or not first or lex.label(last) or lex.label(a):
        return False
    return lex.label(last + first) is not None or lex.label(a + b) is not None


def _join_broken(lines: list[Line]) -> list[Line]:
    """Each label broken over two lines made whole on the first line."""
    out: list[Line] = []
    for t, n in lines:
        if out and _broken_label(out[-1][0], t):
            out[-1] = (out[-1][0].rstrip() + t.lstrip(), out[-1][1])
        else:
            out.append((t, n))
    return out


def _label(t: str) -> Label | None:
    """The label a line starts with."""
    found = lexicon().leading_label(t)
    return found[0] if found else None


def _is(t: str, *keys: str) -> bool:
    """Does the line start with a label of one of these fields (``name``,
    ``budget.*``, ``goals``, ``spending_plan``) or columns (``level1``)?"""
    lab = _label(t)
    if lab is None:
        return False
    return any(lab.key == k or (k.endswith(".*") and lab.key.startswith(k[:-1])) for k in keys) \
        and (lab.kind != "column" or "level1" in keys)


def _budget_start(t: str) -> bool:
    lab = _label(t)
    return lab is not None and (lab.key.startswith("budget.") or (lab.key == "purpose" and lab.kind in ("field", "section")))

BASIS_RE = re.compile(r"^[\u4e00-\u9fff（）()、“”]{2,16}$")
NUMBER_RE = re.compile(r"^[≥≤<>＞＜=]?\d+(?:\.\d+)?$")
UNIT_WORD_RE = re.compile(r"^[\u4e00-\u9fff]{1,3}$")
MONTH_RE = re.compile(r"(\d{1,2})\s*月底")


def read(grid_lines: list[GridLine], draft: Draft) -> None:
    lines: list[Line] = _join_broken([(line.text.strip(), line.pos) for line in grid_lines if line.text.strip()])

    start = len(lines)
    for i, (t, _n) in enumerate(lines):
        if PART2_RE.match(compact(t)) or PROJECT_HEADING_RE.match(t) or _is(t, "code", "name") or _agency(t):
            start = i
            break
    part1 = lines[:start]
    find_title(part1, draft)
    for t, n in part1:
        _agency_label(t, n, draft)
    ov = overview_from(paragraphs(part1))
    if ov:
        draft.data["overview"] = ov

    # ---- one segment per project
    segments: list[list[Line]] = []
    cur: list[Line] = []
    has_code = has_name = False
    for t, n in lines[start:]:
        if PART2_RE.match(compact(t)):
            continue
        code, name = _is(t, "code"), _is(t, "name")
        # a project starts at its heading, its agency line or its 项目编码; a 项目名称 starts one where the
        # project above has a name already (tables without codes)
        starts = PROJECT_HEADING_RE.match(t) or _agency(t) or code or (name and has_name and not has_code)
        if starts and (has_code or has_name):
            segments.append(cur)
            cur, has_code, has_name = [], False, False
        has_code, has_name = has_code or code, has_name or name
        cur.append((t, n))
    if cur:
        segments.append(cur)
    segments = [s for s in segments if any(_is(t, "code", "name", "budget.total", "level1") for t, _ in s)]

    name_width = _name_width(segments)
    projects = []
    for seg in segments:
        p = _project(seg, len(projects), draft, name_width)
        if p:
            draft.project_lines[len(projects)] = (seg[0][1], seg[-1][1])
            projects.append(p)
    if projects:
        draft.data["projects"] = projects
    else:
        draft.warn(lines[-1][1] if lines else Pos(line=1), "projects", "no project table (项目编码 / 预算数 / 一级指标) was found")


def _agency(t: str) -> re.Match[str] | None:
    m = AGENCY_LINE_RE.match(t)
    return m if m and m.group("code") else None


def _agency_label(t: str, n: Pos, draft: Draft) -> bool:
    """An agency label with its value on its line (填报单位：某局)."""
    found = lexicon().leading_label(t)
    if found is None or found[0].key != "agency" or found[0].kind != "field":
        return False
    if found[1]:
        name, code = agency_name(found[1])
        draft.agency_lines.append((n, code, name, ""))
    return True


def paragraphs(lines: list[Line]) -> list[Line]:
    """PDF lines → paragraphs: a line continues the paragraph above when the
    line above was full (as wide as the widest lines of the text)."""
    widths = sorted((width(t) for t, _ in lines), reverse=True)
    full = widths[min(2, len(widths) - 1)] if widths else 0
    out: list[list[Any]] = []
    prev_full = False
    prev_heading = True
    for t, n in lines:
        heading = compact(strip_enum(t)).rstrip("。：:") in SECTION_TITLES or compact(t) in ("第一部分", "部门整体绩效目标")
        new = heading or prev_heading or not prev_full or has_enum(t) or not out
        if new:
            out.append([t, n])
        else:
            out[-1][0] = join_wrapped(out[-1][0], t)
        prev_full = width(t) >= full * 0.85  # a paragraph's first line is indented
        prev_heading = heading
    return [(t, n) for t, n in out]


def _name_width(segments: list[list[Line]]) -> float:
    """The width of the 三级指标 column: the most common width of a
    name's first line among names that wrap (default 5)."""
    c: Counter[float] = Counter()
    for seg in segments:
        rows = _indicator_rows(seg, None, None)
        for r in rows:
            body = r["body"]
            if len(body) >= 3:
                c[width(body[0][0])] += 1
    for w, _ in c.most_common():
        if 3 <= w <= 12:
            return w
    return 5.0


def _levels() -> tuple[list[str], list[str]]:
    """The lexicon's 一级指标 and 二级指标 as printed, longest first."""
    lex = lexicon()
    return sorted(lex.level1, key=len, reverse=True), sorted(lex.level2, key=len, reverse=True)


def _match_level2(lines: list[Line], i: int, level1: str) -> tuple[str, int, str] | None:
    """Does an indicator row start at lines[i]? → (level2, lines used, rest of the last line)."""
    t = lines[i][0]
    LEVEL2 = _levels()[1]
    for l2 in LEVEL2:
        if t == l2 or t.startswith(l2 + " "):
            if l2 == "成本指标" and t == l2 and level1 not in ("产出指标", ""):
                return None  # a level-1 成本指标 (newer template)
            return l2, 1, t[len(l2):].strip()
    if " " in t or len(t) < 3:
        return None
    acc = t
    k = i + 1
    while k < len(lines) and k - i <= 3:
        cands = [l2 for l2 in LEVEL2 if l2.startswith(acc) and l2 != acc]
        if not cands:
            return None
        nxt = lines[k][0]
        for l2 in cands:
            rem = l2[len(acc):]
            if nxt == rem or nxt.startswith(rem + " "):
                return l2, k - i + 1, nxt[len(rem):].strip()
        if " " not in nxt and any(l2[len(acc):].startswith(nxt) for l2 in cands):
            acc += nxt
            k += 1
            continue
        return None
    return None


def _indicator_rows(seg: list[Line], draft: Draft | None, P: tuple[Any, ...] | None) -> list[dict[str, Any]]:
    """Split the indicator part of a project into rows (level1, level2, body lines)."""
    i = 0
    while i < len(seg) and not _is(seg[i][0], "level1"):
        i += 1
    if i == len(seg):
        return []
    i += 1
    rows: list[dict[str, Any]] = []
    skipped: list[Line] = []
    cur: dict[str, Any] | None = None
    level1 = ""
    pending1 = ""
    while i < len(seg):
        t, n = seg[i]
        if not rows and cur is None and (_label(t) or Label("", "", "")).kind == "column":
            i += 1
            continue
        is_l1 = t in _levels()[0] and not (t == "成本指标" and (pending1 or level1) == "产出指标")
        if is_l1:
            pending1 = t
            cur = None
            i += 1
            continue
        m = _match_level2(seg, i, pending1 or level1)
        if m:
            l2, used, rest = m
            level1 = pending1 or level1
            cur = {"level1": level1, "level1_printed": bool(pending1), "level2": l2, "line": n,
                   "body": [(rest, seg[i + used - 1][1])] if rest else []}
            pending1 = ""
            rows.append(cur)
            i += used
            continue
        if cur is None:
            skipped.append((t, n))
        else:
            cur["body"].append((t, n))
        i += 1
    if skipped and draft is not None:
        first, last = skipped[0], skipped[-1]
        where = f"{len(skipped)} lines ({first[1]} to {last[1]})" if len(skipped) > 1 else "a line"
        draft.warn(first[1], P + ("indicators",), f"{where} before the first indicator row (an 二级指标) ignored: "
                                                  f"'{first[0][:40]}'{' …' if len(skipped) > 1 else ''}")
    return rows


def _split_tail(line: str) -> tuple[str, str, str] | None:
    """'… 指标值 依据' → (description tail, target, basis)."""
    toks = line.split()
    if len(toks) < 2 or not BASIS_RE.match(toks[-1]):
        return None
    basis, rest = toks[-1], toks[:-1]
    if len(rest) >= 2 and NUMBER_RE.match(rest[-2]) and UNIT_WORD_RE.match(rest[-1]):
        target, rest = rest[-2] + " " + rest[-1], rest[:-2]
    else:
        target, rest = rest[-1], rest[:-1]
    return " ".join(rest), target, basis


def _project(seg: list[Line], index: int, draft: Draft, name_width: float) -> dict[str, Any] | None:
    P = ("projects", index)
    proj: dict[str, Any] = {}
    budget: dict[str, Any] = {}
    heading = None
    i = 0
    n_lines = len(seg)

    def at(k: int) -> str:
        return seg[k][0] if k < n_lines else ""

    def text_to_next_label(k: int, first: str) -> tuple[list[Line], int]:
        """A field's text: the rest of its label's line and the lines after it, up to the next label."""
        pieces = [(first, seg[k][1])] if first else []
        k += 1
        while k < n_lines and _label(at(k)) is None and not _match_level2(seg, k, ""):
            pieces.append(seg[k])
            k += 1
        return pieces, k

    # ---- header part: up to the indicator table
    while i < n_lines and not _is(at(i), "level1"):
        t, n = seg[i]
        found = lexicon().leading_label(t)
        lab, rest = found if found else (None, "")
        m = PROJECT_HEADING_RE.match(t)
        if m:
            heading = (m.group("name").strip(), n)
            i += 1
            continue
        ma = _agency(t)
        if ma:
            draft.agency_lines.append((n, ma.group("code") or "", ma.group("name").strip(), ma.group("scope")))
            i += 1
            continue
        if lab is not None and lab.key == "code":
            parts: list[Line] = []
            if rest:
                parts.append((rest, n))
            i += 1
            while i < n_lines and re.fullmatch(r"[0-9A-Za-z]+", at(i)):
                parts.append(seg[i])
                i += 1
            code = "".join(p for p, _ in parts)
            if not parts:
                draft.warn(n, P + ("code",), "项目编码 label without a code")
            elif not PROJECT_CODE_RE.match(code):
                draft.warn(parts[0][1], P + ("code",), f"'{code}' does not look like a project code; left out")
            else:
                proj["code"] = code
                if len(parts) > 1:
                    draft.comment(P + ("code",), "joined from lines " + ", ".join(f"{ln.line or ln} ('{p}')" for p, ln in parts)
                                  + ": the code is split over lines in the PDF text")
            continue
        if lab is not None and lab.key == "name" and lab.kind == "field":
            pieces, i = text_to_next_label(i, rest)
            name = ""
            for p, _ln in pieces:
                name = join_wrapped(name, p)
            if name:
                proj["name"] = name
            continue
        if _budget_start(t):
            i = _budget(seg, i, P, proj, budget, draft)
            continue
        if lab is not None and lab.kind == "plan":
            i = _plan(seg, i, P, proj, budget, draft)
            continue
        if lab is not None and lab.key == "goals" and lab.kind == "field":
            pieces, i = text_to_next_label(i, rest)
            goals: list[str] = []
            for p, _ln in pieces:
                if has_enum(p) or not goals:
                    goals.append(strip_enum(p))
                else:
                    goals[-1] = join_wrapped(goals[-1], p)
            goals = [g for g in goals if g]
            if goals:
                proj["goals"] = goals
            else:
                draft.warn(n, P + ("goals",), f"no text after {lab.text} (it may be printed apart from its label); "
                                              "fill in goals")
            continue
        if _agency_label(t, n, draft) or (lab is not None and lab.kind in ("ignored", "section") and not rest):
            i += 1
            continue
        draft.warn(n, P, f"line not understood and skipped: '{t[:50]}'")
        i += 1

    # ---- indicator table
    rows = _indicator_rows(seg, draft, P)
    indicators: list[dict[str, Any]] = []
    for r in rows:
        j = len(indicators)
        IP = P + ("indicators", j)
        ind: dict[str, Any] = {"level1": r["level1"], "level2": r["level2"]}
        if not r["level1"]:
            draft.warn(r["line"], IP + ("level1",), "no 一级指标 above this row")
            del ind["level1"]
        body: list[Line] = r["body"]
        if not body:
            draft.warn(r["line"], IP, "indicator row without 三级指标, 指标值 or 依据")
            indicators.append(ind)
            continue
        tail = _split_tail(body[-1][0])
        if tail is None:
            # without the row's last cells its lines cannot be told apart: which are the name's is a guess
            draft.warn(body[-1][1], IP, f"cannot find '指标值 指标值确定依据' at the end of this row (line reads "
                                        f"'{body[-1][0][:40]}'); 三级指标, description, target and basis left out")
            indicators.append(ind)
            continue
        mid = body[:-1]
        desc_tail, target, basis = tail
        name_lines: list[Line] = []
        if mid:
            name_lines.append(mid[0])
            k = 1
            while (k < len(mid) and width(name_lines[-1][0]) >= name_width - 0.5
                   and width(mid[k][0]) <= name_width + 0.01):
                name_lines.append(mid[k])
                k += 1
            desc_lines = mid[k:]
        else:
            desc_lines = []
        if desc_tail:
            desc_lines = desc_lines + [(desc_tail, body[-1][1])]
        if not desc_lines and len(name_lines) > 1:
            desc_lines = [name_lines.pop()]
            draft.comment(IP + ("description",), "the last short line was taken as the description (三级指标 column full)")
        if not name_lines:
            draft.warn(r["line"], IP + ("name",), "no 三级指标 found in this row")
        else:
            name = ""
            for p, _ in name_lines:
                name = join_wrapped(name, p)
            ind["name"] = name
        if desc_lines:
            desc = ""
            for p, _ in desc_lines:
                desc = join_wrapped(desc, p)
            ind["description"] = desc
        if target:
            ind["target"] = target
        if basis:
            ind["basis"] = basis
        indicators.append(ind)

    if "name" not in proj:
        if heading:
            proj["name"] = heading[0]
            draft.comment(P + ("name",), f"from the heading ({heading[1]}): no 项目名称 was read")
        else:
            draft.warn(seg[0][1], P + ("name",), "no 项目名称 found for this project")
    elif heading and compact(heading[0]) != compact(proj["name"]):
        draft.warn(heading[1], P + ("name",), f"the heading names '{heading[0]}' but 项目名称 reads '{proj['name']}'; took 项目名称")
    if "total" not in budget:
        draft.warn(seg[0][1], P + ("budget", "total"), "no 预算数 amount read for this project")
    if not rows:
        draft.warn(seg[-1][1], P + ("indicators",), "no indicator rows (一级指标 / 二级指标 …) in this project")
    out: dict[str, Any] = {k: proj[k] for k in ("code", "name") if k in proj}
    out["budget"] = {k: budget[k] for k in ("total", "fiscal", "carryover", "other") if k in budget}
    for k in ("purpose", "spending_plan", "goals"):
        if k in proj:
            out[k] = proj[k]
    if indicators:
        out["indicators"] = indicators
    if not proj and not budget and not indicators:
        return None
    return out


def _budget(seg: list[Line], i: int, P: tuple[Any, ...], proj: dict[str, Any], budget: dict[str, Any],
            draft: Draft) -> int:
    """From 预算规模及资金用途 to 资金支出计划: amounts, then the purpose text."""
    lex = lexicon()
    pending = ""
    seen_other = False
    purpose: list[Line] = []
    while i < len(seg):
        t, n = seg[i]
        lab = _label(t)
        if lab is not None and (lab.kind == "plan" or _is(t, "goals", "level1")):
            break
        if seen_other and not pending and not parse_amount(t):
            purpose.append((t, n))
            i += 1
            continue
        for tok in t.split():
            found = lex.leading_label(tok)
            if found is not None and (found[0].kind == "section" or found[0].key == "purpose") and not found[1]:
                continue  # 预算规模及资金用途, 资金用途: the amounts and the purpose follow
            if found is not None and found[0].key.startswith("budget.") and not found[1]:
                pending = found[0].key.split(".")[1]  # a label whose cell is blank is simply replaced
                if pending == "other":
                    seen_other = True
                continue
            amt = parse_amount(tok)
            if amt is not None and pending:
                if pending in budget and budget[pending] != amt:
                    draft.warn(n, P + ("budget", pending), f"two amounts for the same field ({budget[pending]}, {amt}); kept the first")
                else:
                    budget[pending] = amt
                pending = ""
                continue
            if pending == "other" or seen_other:
                # text after 其他资金: the purpose starts on this line
                rest = t[t.index(tok):]
                purpose.append((rest, n))
                pending = ""
                break
            draft.warn(n, P + ("budget",), f"'{tok}' in the budget part not understood; ignored")
        if pending == "other":
            pending = ""  # a blank 其他资金 cell: left out
        i += 1
    if purpose:
        text = ""
        for p, _ in purpose:
            text = join_wrapped(text, p)
        proj["purpose"] = text
    return i


def _plan(seg: list[Line], i: int, P: tuple[Any, ...], proj: dict[str, Any], budget: dict[str, Any],
          draft: Draft) -> int:
    """资金支出计 / 划（%） / 3 月底 6 月底 … / values."""
    label = ""
    start_line = seg[i][1]
    while i < len(seg) and not MONTH_RE.search(seg[i][0]):
        if _is(seg[i][0], "goals", "level1"):
            draft.warn(start_line, P + ("spending_plan",), "资金支出计划 without checkpoint headings (3月底 …)")
            return i
        label += seg[i][0]
        i += 1
    if i >= len(seg):
        return i
    months = [int(m) for m in MONTH_RE.findall(seg[i][0])]
    header_line = seg[i][1]
    i += 1
    if i >= len(seg):
        draft.warn(header_line, P + ("spending_plan",), "资金支出计划 headings without values")
        return i
    vals_text, vline = seg[i]
    toks = vals_text.split()
    if not toks or not all(re.fullmatch(r"\d+(?:\.\d+)?[%％]?", tk) for tk in toks):
        draft.warn(vline, P + ("spending_plan",), f"资金支出计划 values not understood: '{vals_text[:40]}'")
        return i
    i += 1
    if len(toks) != len(months):
        draft.warn(vline, P + ("spending_plan",),
                   f"{len(months)} checkpoints but {len(toks)} values; cannot tell which value belongs to which month")
        return i
    values: dict[str, tuple[str, str, int]] = {}
    for mo, tk in zip(months, toks):
        key = CHECKPOINT_BY_MONTH.get(mo)
        if key is None:
            draft.warn(header_line, P + ("spending_plan",), f"checkpoint {mo}月底 is not one of 3/6/10/12月底; ignored")
            continue
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([%％]?)", tk)
        values[key] = (m.group(1), m.group(2), vline)
    plan = plan_from_values(values, bool(re.search(r"[%％]", label)), budget.get("total"), P, draft, vline)
    if plan:
        proj["spending_plan"] = plan
    return i
