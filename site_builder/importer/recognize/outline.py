"""Indicators printed as an outline rather than as a table with a header.

Some filings print no indicator header (一级指标 | 二级指标 | …): the levels
are headings and the indicators are the items under them —

- a tree exported one cell per line, the depth shown by indentation
  (unit → project → 一级指标 → 二级指标 → 三级指标), each value on the line
  after its item (批复表 of Ningxia);
- headings 【产出指标-数量指标】 followed by items 指标1:名称(目标值);
- an enumerated outline in a letter: 一、产出指标 / (一)数量指标 /
  名称≥目标值; (name and value separated by their comparator or a comma),
  or each group's indicators in one paragraph (数量指标:名称≥值;名称>=值;时效指标:…).

Only the relations are relied on, never a number of spaces: an item is
deeper than its heading, a project is shallower than its levels and has
its amount on the next line. What cannot be split with confidence is left
out with a review item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..common import Draft, clean_cell, enum_kind
from ..grid import Pos
from ..lexicon import lexicon, nfkc, norm
from ..units import allocated_amounts, read_amount, unit_in
from .indicators import Column, Header, IndicatorReader, paragraph_items as _paragraph_items, target_like
from .lines import Line, Tok
from .project import ProjectReader, _agency_name_like, _footer, _title_kind

_ENUM_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[、.．](?!\d))\s*")
_ITEM_RE = re.compile(r"^\s*指标\s*\d+\s*[:：]\s*")  # 指标1: — a template that prints the value in brackets after the name
_CMP_RE = re.compile(r"(?:>=|<=|≥|≤|≧|≦|＞|＜|>|<|=|＝)")


@dataclass
class Entry:
    text: str
    pos: Pos
    indent: int  # the column where the text starts; 0 where the source keeps none


def heading(text: str) -> tuple[str, str] | None:
    """('产出指标', '数量指标'), ('产出指标', ''), ('', '数量指标') for a level
    heading: a level alone on its line, enumerated (一、产出指标, (一)数量指标)
    or in brackets (【产出指标-数量指标】)."""
    lex = lexicon()
    t = nfkc(text).strip()
    t = re.sub(r"^[【\[]\s*(.*?)\s*[】\]]$", r"\1", t)
    t = _ENUM_RE.sub("", t).rstrip(":：")
    if not t or len(t) > 30:
        return None
    parts = [p.strip() for p in re.split(r"\s*[-－—]\s*", t) if p.strip()]
    if len(parts) == 2:
        a, b = lex.level(parts[0]), lex.level(parts[1])
        if a and b and norm(parts[0]) in lex.level1:
            return parts[0], parts[1]
        return None
    lv = lex.level(t)
    if lv is None:
        return None
    if lv[0] == "level1" and norm(t) in lex.level1:
        return t, ""
    return "", t


def is_outline(lines: list[Line]) -> bool:
    """Level headings on lines of their own (three or more) and no indicator
    header anywhere: the indicators are an outline."""
    lex = lexicon()
    n = 0
    for line in lines:
        vals = line.values()
        for t in vals:
            lab = lex.label(t.text)
            if lab is not None and lab.kind == "column" and lab.key in ("level1", "level2", "name"):
                return False
        if len(vals) == 1 and heading(vals[0].text) is not None:
            n += 1
    return n >= 3


def _entries(lines: list[Line]) -> list[Entry]:
    out = []
    for line in lines:
        vals = line.values()
        if not vals:
            continue
        indent = vals[0].pos.col if line.kind == "spaces" and vals[0].pos.line else 0
        out.append(Entry(line.text.strip(), line.pos, indent))
    return out


def _value_line(text: str) -> bool:
    """A line that is a value of the item above it: an amount, a percentage, a short target."""
    t = nfkc(text).strip()
    if heading(t) is not None or lexicon().label(t) is not None:
        return False
    r = read_amount(t)
    return (r is not None and not r[2].strip()) or (len(t) <= 20 and target_like(t) and bool(re.match(r"^[\d<>=≥≤≧≦＜＞]", t)))


def letter_fields(paras: list[tuple[str, Pos]]) -> dict[str, Any]:
    """What a letter's prose before its outline says of the project: the one amount it allocates
    (资金50万元), and the goals after a goal label and its colon (项目总体绩效目标是:…), without the
    sentence that leads in to the outline (现将绩效目标设定如下:)."""
    lex = lexicon()
    out: dict[str, Any] = {}
    amounts = [(v, u, printed, pos) for text, pos in paras for v, u, printed in allocated_amounts(text)]
    if len(amounts) == 1:
        out["total"] = amounts[0]
    goal_labels = sorted((n for n, lab in lex.labels.items() if lab.key == "goals" and len(n) >= 4), key=len, reverse=True)
    for text, pos in paras:
        t = nfkc(text)
        m = re.search(rf"(?:{'|'.join(map(re.escape, goal_labels))})[是为]?[:]", t) if goal_labels else None
        if m is None:
            continue
        sentences = re.findall(r"[^。]+(?:。|$)", t[m.end():].strip())
        while sentences and re.search(r"[:]\s*$", sentences[-1]):
            sentences.pop()
        goal = "".join(sentences).strip()
        if goal and not re.search(r"[:]", goal):
            out["goals"] = (clean_cell(goal), pos)
        break
    return out


def read(lines: list[Line], draft: Draft, letter: dict[str, Any] | None = None) -> None:
    lex = lexicon()
    letter = letter or {}
    entries = _entries(lines)
    margin = min((e.indent for e in entries), default=0)
    projects: list[dict[str, Any]] = []
    header = Header([Column(k, i) for i, k in enumerate(("level1", "level2", "name", "target"))], Pos(line=1), False, 4)
    cur: dict[str, Any] | None = None  # the project being read: its ProjectReader, IndicatorReader, extent
    candidate: tuple[Entry, Entry] | None = None  # the last item with its amount on the line after it
    nodes: list[Entry] = []  # the items of the tree above the projects
    goals_open = False

    def close() -> None:
        nonlocal cur
        if cur is None:
            return
        pr, reader = cur["project"], cur["indicators"]
        inds = reader.finish()
        if not inds and not pr.budget:
            cur = None  # nothing of a project read: the outline's paragraphs are named in review items
            return
        draft.table_ends[pr.P[1]] = reader.last_pos
        p = pr._assemble(inds, bool(inds))
        if p is not None:
            draft.project_lines[len(projects)] = (cur["first"], cur["last"])
            how = "".join(f"; {n}" for n in sorted(cur["notes"]))
            draft.comment(pr.P, f"{cur['first']}: read from an outline of headings and items, not from a table{how}")
            projects.append(p)
        cur = None

    def open_project(at: Entry) -> dict[str, Any]:
        nonlocal candidate
        close()
        pr = ProjectReader([Line([Tok(at.text, at.pos)], at.pos, "para", at.text)], len(projects), draft)
        if candidate is not None:
            node, amount = candidate
            pr.proj["name"] = clean_cell(node.text)
            pr.pos["name"] = node.pos
            value, unit, _rest = read_amount(amount.text)  # type: ignore[misc]
            pr.budget["total"] = (value, unit, Tok(amount.text, amount.pos), False)
            candidate = None
        elif not projects:
            # a letter: what its prose says of the one project its outline is of
            if "total" in letter:
                value, unit, printed, pos = letter["total"]
                pr.budget["total"] = (value, unit, Tok(printed, pos), False)
                draft.comment(pr.P + ("budget", "total"), f"{pos}: the one amount the letter's text allocates")
            if "goals" in letter:
                pr.goals.append(letter["goals"][0])
                pr.goal_pos = letter["goals"][1]
                draft.comment(pr.P + ("goals",), f"{letter['goals'][1]}: after the goal label in the letter's text")
        return {"project": pr, "indicators": IndicatorReader(header, pr.P + ("indicators",), draft, False),
                "first": at.pos, "last": at.pos, "level1": None, "indent": -1, "notes": set()}

    def amount_below(k: int) -> Entry | None:
        """The amount on the line after entries[k], printed in the column before the tree's items."""
        if k + 1 >= len(entries):
            return None
        nxt = entries[k + 1]
        r = read_amount(nxt.text)
        return nxt if r is not None and not r[2].strip() and nxt.indent < entries[k].indent else None

    i = 0
    while i < len(entries):
        e = entries[i]
        line = Line([Tok(e.text, e.pos)], e.pos, "para", e.text)
        if _footer(line):
            if cur is not None:
                break
            i += 1
            continue
        u = unit_in(e.text)
        if (u and len(nfkc(e.text)) <= 12) or _title_kind(line):
            if u:
                draft.unit_hints.append((e.pos, u))
            i += 1
            continue
        h = heading(e.text)
        if h is not None:
            if cur is None:
                cur = open_project(e)
            reader = cur["indicators"]
            l1, l2 = h
            if l1 and cur["level1"] is not None and norm(l1) in lex.level2 and \
                    ((e.indent > cur["level1"][0] > margin) or enum_kind(e.text.strip()) != cur["level1"][1]):
                l1, l2 = "", l1  # below its 一级指标 (deeper, or (四) under 一、): 成本指标 as a 二级指标
            if l1:
                reader._level1(Tok(l1, e.pos))
                cur["level1"] = (e.indent, enum_kind(e.text.strip()))
            if l2:
                reader._level2(Tok(l2, e.pos))
            cur["indent"] = e.indent
            cur["last"] = e.pos
            goals_open = False
            i += 1
            continue
        found = lex.leading_label(re.sub(r"^[【\[]\s*(.*?)\s*[】\]]", r"\1", nfkc(e.text)))
        if found is not None and found[0].kind in ("field", "year", "ignored", "section", "column"):
            lab, rest = found
            goals_open = lab.key == "goals" and lab.kind == "field" and (cur is not None or candidate is not None)
            if goals_open:
                if cur is None:
                    cur = open_project(e)
                if rest:
                    cur["project"].goals.append(clean_cell(rest))
                cur["last"] = e.pos
            elif candidate is not None and cur is None and e.indent <= margin:
                cur = open_project(e)  # the project's content starts (【项目概况】)
            i += 1
            continue
        if goals_open and cur is not None and cur["indent"] < 0:
            cur["project"].goals.append(clean_cell(e.text))
            cur["last"] = e.pos
            i += 1
            continue
        if cur is not None and cur["indent"] >= 0 and (e.indent == margin if cur["indent"] == margin
                                                       else e.indent > cur["indent"]):
            # headings at the margin (【产出指标-数量指标】): their items are there too, a deeper line is the tree's;
            # indented headings: their items are deeper
            # an item under the headings, its value on the line after it where the tree prints one
            nxt = entries[i + 1] if i + 1 < len(entries) else None
            value = nxt if nxt is not None and nxt.indent < e.indent and _value_line(nxt.text) else None
            note = _item(e, value, cur["indicators"], draft)
            if note:
                cur["notes"].add(note)
            cur["last"] = (value or e).pos
            i += 2 if value is not None else 1
            continue
        # an item of the tree above the headings: the agency, a category, a project with its amount
        close()
        goals_open = False
        amount = amount_below(i)
        if amount is not None:
            candidate = (e, amount)
            nodes.append(e)
            i += 2
            continue
        if e.indent > margin:
            nodes.append(e)
        i += 1
    close()
    title = draft.title_line[1] if draft.title_line else ""
    for node in nodes:
        name = clean_cell(node.text)
        if title and len(name) >= 4 and title.startswith(re.sub(r"\s+", "", name)):
            # an item of the tree that the title names first: the agency that publishes the outline
            draft.agency_lines.append((node.pos, "", name, ""))
            break
    if projects and not draft.agency_lines:
        _signature(entries, draft)
    if projects:
        draft.data["projects"] = projects
    else:
        draft.warn(entries[-1].pos if entries else Pos(line=1), "projects", "an outline of indicator levels, but no "
                   "project could be read from it")


def _signature(entries: list[Entry], draft: Draft) -> None:
    """A letter names no 主管部门: it is signed, by the agency above the date at its end."""
    dates = [k for k, e in enumerate(entries) if k and re.fullmatch(r"20\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", e.text)]
    if not dates:
        return
    signer = entries[dates[-1] - 1]
    name = clean_cell(signer.text)
    if 4 <= len(name) <= 30 and re.fullmatch(r"[\u4e00-\u9fff()（）]+", name) and _agency_name_like(name):
        draft.agency_lines.append((signer.pos, "", name, ""))
        draft.comment(("agency", "name"), f"{signer.pos}: the letter's signature, above its date")


def _item(e: Entry, value: Entry | None, reader: IndicatorReader, draft: Draft) -> str:
    """One indicator: its name and value, from the item (and the line after it).
    Returns how the value was told from the name."""
    text = clean_cell(e.text)
    numbered = bool(_ITEM_RE.match(text))
    text = _ITEM_RE.sub("", text)
    text = re.sub(r"[;；。,，]+$", "", text).strip()
    lex = lexicon()
    if re.search(r"[;；。]", text) or any(w in nfkc(text) for w in lex._levels if len(w) >= 4):
        items = _paragraph_items(text)
        if items is None:
            # several indicators in one paragraph whose boundaries are not marked: where each ends is a guess
            draft.warn(e.pos, reader.P, f"'{text[:40]}…' holds more than one indicator or level: not read; add its "
                                        "indicators by hand")
            return ""
        for level, item_name, item_target in items:
            if level:
                kind = "level2" if norm(level) in lex.level2 and (reader.st.level1 or norm(level) not in lex.level1) \
                    else "level1"
                (reader._level2 if kind == "level2" else reader._level1)(Tok(level, e.pos))
                continue
            got = {"name": Tok(item_name, e.pos)}
            if item_target:
                got["target"] = Tok(item_target, e.pos)
            reader._emit(got, None, pos=e.pos)
        return "several indicators of a paragraph told apart by their levels, separators and comparators"
    name, target, note = text, "", ""
    if value is not None:
        target = clean_cell(value.text)
    else:
        m = re.match(r"^(?P<name>.+?)[(（](?P<value>[^()（）]+)[)）]$", text)
        if m and (numbered or re.search(rf"\d|{_CMP_RE.pattern}", m.group("value"))):
            name, target = m.group("name").strip(), m.group("value").strip()
            note = "values printed in brackets after their names"
        else:
            c = _CMP_RE.search(text)
            if c and c.start() >= 2:
                name, target = text[: c.start()].strip(), text[c.start():].strip()
                note = "name and value told apart by the comparator"
            elif re.search(r"[,，]", text):
                k = max(text.rfind(","), text.rfind("，"))
                if 2 <= k and 0 < len(text) - k - 1 <= 15:
                    name, target = text[:k].strip(), text[k + 1:].strip()
                    note = "name and value told apart by the last comma"
    got = {"name": Tok(name, e.pos)}
    if target:
        got["target"] = Tok(target, (value or e).pos)
    reader._emit(got, None, pos=e.pos)
    return note
