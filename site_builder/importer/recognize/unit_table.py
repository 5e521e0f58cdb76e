"""The agency-wide table (单位整体支出绩效目标表): agency name, goals, the
budget by spending type and by funding source, the agency's indicators.

Its amounts sit in the 预算金额 column to the right of their label (two label
columns share one header row); labels and sections come from the lexicon.
"""
from __future__ import annotations

import re
from typing import Any

from ..common import Draft, budget_year, strip_enum
from ..lexicon import lexicon, norm
from ..units import read_amount
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
                continue
        if reader is not None:
            reader.feed(line)
            continue
        toks = line.toks
        first = norm(toks[0].text) if toks else ""
        role = lex.unit_labels.get(first, "")
        if role == "agency":
            vals = [t for t in toks[1:] if not t.blank]
            if vals:
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
        r = read_amount(vtok.text)
        if r is None or r[2]:
            draft.warn(vtok.pos, "unit_budget." + ".".join(key), f"{t.text.strip()} '{vtok.text.strip()}' is not an amount; left out")
            continue
        from ..units import Num

        money[key] = Num(format(r[0], "f"))
