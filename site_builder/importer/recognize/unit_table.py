"""The agency-wide table (单位整体支出绩效目标表): agency name, goals, the
budget by spending type and by funding source, the agency's indicators.

Its amounts sit in the 预算金额 column to the right of their label (two label
columns share one header row); labels and sections come from the lexicon.
Printed as text, a line holds labels each followed by its value, two
columns of the table run together (`其中:一般公共预算:952.22其中:基本支出:875.22`).
"""
from __future__ import annotations

import re
from typing import Any

from ..common import Draft, budget_year, strip_enum
from ..lexicon import lexicon, nfkc, norm
from ..units import Num, read_amount
from .indicators import IndicatorReader, header_of
from .lines import Line

YEAR_RE = re.compile(r"[（(]\s*(20\d\d)\s*年度?\s*[)）]")


def read_unit_table(lines: list[Line], draft: Draft) -> dict[str, Any] | None:
    lex = lexicon()
    P = ("unit_budget",)
    money: dict[tuple[str, ...], Any] = {}
    goals: list[str] = []
    reader: IndicatorReader | None = None
    value_cols: list[int] = []
    mode = ""
    for line in lines:
        if line.kind != "cells":
            m = budget_year(YEAR_RE, line.text)
            if m:
                draft.year_hints.append((line.pos, int(m.group(1)), "the table heading (年度)"))
            if mode != "indicators":
                _text_line(line, money, goals, draft)
                continue
        if reader is not None:
            reader.feed(line)
            continue
        toks = line.toks
        first = norm(toks[0].text) if toks else ""
        role = lex.unit_labels.get(first, "")
        # the agency's label may share a row with others (部门编码: | 316 | 部门名称: | 浮梁县林业局 | *联系人: | …)
        ag = next((k for k, t in enumerate(toks) if lex.unit_labels.get(norm(t.text)) == "agency"), None)
        if ag is not None:
            vals = [t for t in toks[ag + 1:] if not t.blank]
            # a cell ending in a colon (*联系人:) is a label, the agency's cell being empty
            if vals and lex.label(vals[0].text) is None and not lex.label_like(vals[0].text) \
                    and not re.search(r"[:：]\s*$", vals[0].text):
                draft.agency_lines.append((line.pos, "", vals[0].text.strip(), ""))
            mode = ""
            continue
        if role == "goals" or (mode == "goals" and not first):
            vals = [t for t in toks[1:] if not t.blank]
            for t in vals:
                g = strip_enum(t.text)
                if g:
                    goals.append(g)
            if len(vals) > 1:
                draft.warn(line.pos, P + ("goals",), "a goal row with more than one cell; each cell read as a goal")
            mode = "goals" if vals else ""
            continue
        if role == "money" or any(norm(t.text) == "预算金额" for t in toks):
            value_cols = [k for k, t in enumerate(toks) if norm(t.text) == "预算金额"]
            mode = "money"
            continue
        if mode == "money" and not first:
            _money_row(line, value_cols, money, draft)
            continue
        if role == "indicators":
            h = header_of(line)
            if h is not None:
                reader = IndicatorReader(h, P + ("indicators",), draft, stream=False)
                mode = "indicators"
                continue
        if mode == "indicators" and reader is None:
            continue
        draft.warn(line.pos, P, f"row not understood and skipped: '{' | '.join(t.text for t in line.values())[:60]}'")
    out: dict[str, Any] = {}
    money = {k: v for k, v in money.items() if v is not None}
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
    if goals:
        out["goals"] = goals
    if reader is not None:
        inds = reader.finish()
        if inds:
            out["indicators"] = inds
    if not out:
        draft.warn(lines[0].pos, P, "单位整体支出绩效目标表 holds nothing readable")
        return None
    return out


def _money_row(line: Line, value_cols: list[int], money: dict[tuple[str, ...], Any], draft: Draft) -> None:
    lex = lexicon()
    toks = line.toks
    for k, t in enumerate(toks):
        key = lex.unit_money.get(norm(t.text))
        if not key:
            continue
        # the value sits in the next 预算金额 column to the right
        cols = [v for v in value_cols if v > k]
        if cols:
            vi = cols[0]
            vtok = toks[vi] if vi < len(toks) else None
        else:
            nxt = [x for x in toks[k + 1:] if not x.blank]
            vtok = nxt[0] if nxt and not lex.unit_money.get(norm(nxt[0].text)) else None
        if vtok is None or vtok.blank:
            continue  # blank: left out
        if _heads_group(toks, k, vtok):
            continue
        _put(money, key, t.text, vtok.text, vtok.pos, draft)


def _heads_group(toks: list, k: int, vtok: Any) -> bool:
    """A label followed at once by another amount label heads a group
    (基本支出 | 人员经费 | 595.51): the amount after them is the second's."""
    lex = lexicon()
    nxt = next((x for x in toks[k + 1:] if not x.blank), None)
    return nxt is not None and nxt is not vtok and bool(lex.unit_money.get(norm(nxt.text)))


def _put(money: dict[tuple[str, ...], Any], key: tuple[str, ...], label: str, text: str, pos: Any, draft: Draft) -> None:
    field = "unit_budget." + ".".join(key)
    r = read_amount(text)
    if r is None or r[2]:
        draft.warn(pos, field, f"{label.strip()} '{text.strip()[:40]}' is not an amount; left out")
        return
    value = Num(format(r[0], "f"))
    if key in money and money[key] != value:
        # two labels of one amount (资金总额, 按支出性质分) that disagree: neither is trusted
        draft.warn(pos, field, f"{label.strip()} '{text.strip()}' differs from {money[key]} printed before; left out")
        money[key] = None
        return
    money.setdefault(key, value)


_OF_WHICH_RE = re.compile(r"[(（]?其中[)）]?[:：]?\s*$")


def _text_line(line: Line, money: dict[tuple[str, ...], Any], goals: list[str], draft: Draft) -> None:
    """A line of text that starts with a label of the table: each label of
    the line followed by its value, up to the next label (two label columns
    printed run together on one line). The agency's name and the goals run
    to the end of the line: their text may hold words that are labels."""
    lex = lexicon()
    text = line.text.strip()
    t = "".join(nfkc(c) if len(nfkc(c)) == 1 else c for c in text)  # position for position with the printed text
    words = lex.unit_words
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(t):
        w = next((w for w in words if t.startswith(w, i)), None)
        if w is None:
            i += 1
            continue
        found.append((i, i + len(w), w))
        i += len(w)
    lead = re.match(r"^(?:[(（]?其中[)）]?[:：]?\s*)?", t).end()
    if not found or found[0][0] != lead:
        return  # not a line of the table's labels (a title, an indicator row, a label the lexicon does not know)
    for n, (a, b, w) in enumerate(found):
        role = lex.unit_labels.get(w, "")
        if role in ("agency", "goals"):
            value = re.sub(r"^[:：\s]+", "", text[b:]).strip()
            if value and role == "agency":
                draft.agency_lines.append((line.pos, "", value, ""))
            elif value:
                goals.append(strip_enum(value))
            return
        end = found[n + 1][0] if n + 1 < len(found) else len(t)
        value = _OF_WHICH_RE.sub("", re.sub(r"^[:：\s]+", "", text[b:end])).strip()
        key = lex.unit_money.get(w)
        # labels after labels (…其他资金基本支出项目支出一级指标二级指标…) are the table's header, not a value
        if key and value and lex.leading_label(value) is None:
            _put(money, key, text[a:b], value, line.pos, draft)
