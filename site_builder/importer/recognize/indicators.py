"""The indicator table: its header's columns, then each row's 一级/二级/三级
指标 and 指标值, by the header's positions where the cells are where the
header has them, and otherwise by the cells' content (the lexicon's levels,
what a target looks like).

A value is placed only when its column is certain; a row that cannot be
split with confidence becomes a review item, never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...content.model import LEVEL2 as STANDARD_LEVEL2
from ..common import Draft, as_printed, clean_cell, remove_conversion_spaces
from ..lexicon import lexicon, nfkc, norm
from .lines import Line, Tok, split_run_together

ORDER = ("level1", "level2", "name", "description", "target", "basis")
VALUE_KINDS = ("name", "description", "target_op", "target", "target_unit", "basis")
_CMP = r"(?:>=|<=|≥|≤|≧|≦|>|<|=|＞|＜|＝)"
_TARGET_START_RE = re.compile(rf"^(?:{_CMP}|\d)")
_TRAILING_TARGET_RE = re.compile(rf"({_CMP}?\s*\d+(?:\.\d+)?\s*(?:%|[a-zA-Z\u4e00-\u9fff/]{{0,5}}))$")
_BARE_RE = re.compile(rf"^{_CMP}\s*\d+(?:\.\d+)?$")
# the old template puts the satisfaction indicators under 效益指标
_OLD_TEMPLATE = {"效益指标": ("社会公众或服务对象满意度指标", "服务对象满意度指标")}


def target_like(text: str) -> bool:
    t = nfkc(text).strip()
    if not t:
        return False
    if _TARGET_START_RE.match(t) or t.endswith("%"):
        return True
    return any(t == q or (t.endswith(q) and len(t) <= len(q) + 2) for q in lexicon().qualitative)


def unit_like(text: str) -> bool:
    """What a 计量单位 cell holds: a short unit (万元, %, 人次, 元/人), not a sentence."""
    t = nfkc(text).strip()
    return 0 < len(t) <= 6 and not re.search(r"[\d。，,;；:：、]", t) and lexicon().level(t) is None


def split_name_target(text: str) -> tuple[str, str] | None:
    """Name and target run together in one cell → (name, target), when the
    target is a number (with comparator and unit) or a words-only target of
    the lexicon at the end of the text."""
    t = text.strip()
    n = nfkc(t)
    if len(n) != len(t):
        t = n
    m = _TRAILING_TARGET_RE.search(t)
    if m:
        start = m.start(1)
        # the number must start after a non-digit: "覆盖率100%", not the middle of "2021"
        while start < len(t) and t[start].isspace():
            start += 1
        name = t[:start].strip()
        if len(name) >= 2 and not name[-1].isdigit() and not re.search(r"[(（]$", name):
            return name, t[start:].strip()
    for q in lexicon().qualitative:
        if t.endswith(q) and len(t) - len(q) >= 2:
            return t[: -len(q)].strip(), q
    return None


@dataclass
class Column:
    kind: str  # level1 level2 name description target target_op target_unit basis ignored label
    col: int  # grid column (or index)
    span: int = 1
    group: str = ""  # "period", "year" or ""
    text: str = ""


@dataclass
class Header:
    columns: list[Column]
    pos: Any
    spans: bool = False
    width: int = 0  # number of cells of the header line
    all_labels: bool = False  # every piece of the header is a label: its columns are known even split at spaces

    def kinds(self) -> list[str]:
        return [c.kind for c in self.columns]

    @property
    def groups(self) -> bool:
        return any(c.group == "year" for c in self.columns) and any(c.group == "period" for c in self.columns)

    def value_columns(self) -> list[Column]:
        """The columns after 二级指标 that a row fills, in order: the year's
        group where the header has two."""
        start = 0
        for i, c in enumerate(self.columns):
            if c.kind in ("label", "level1", "level2", "field") or (c.kind == "ignored" and i == start):
                start = i + 1
            elif c.kind == "name":
                break
        cols = [c for c in self.columns[start:] if c.kind not in ("level1", "level2")]
        if self.groups:
            cols = [c for c in cols if c.group != "period"]
        return cols


def header_of(line: Line) -> Header | None:
    """A line that is the indicator table's header (≥ 2 column labels)."""
    lex = lexicon()
    toks: list[Tok] = []
    for t in line.toks:
        toks.extend(split_run_together(t) if line.kind != "cells" else [t])
    cols: list[Column] = []
    n_labels = 0
    for i, t in enumerate(toks):
        if t.blank:
            continue
        lab = lex.label(t.text)
        col = t.col if line.spans else i
        if lab is not None and lab.kind == "column":
            n_labels += 1
            kind = lab.key
            cols.append(Column(kind, col, t.span, lex.group_of(t.text), t.text))
        elif lab is not None and lab.kind == "section" and not cols:
            cols.append(Column("label", col, t.span, "", t.text))
        elif lab is not None and lab.kind in ("field", "year") and n_labels == 0:
            # a wide table: project fields first (or a 年度绩效目标 label heading the indicator rows)
            cols.append(Column("label" if lab.key == "goals" and not cols else "field", col, t.span, "", t.text))
        elif cols and lab is None and not any(c.kind in ("level1", "level2", "name") for c in cols):
            return None
        else:
            cols.append(Column("ignored", col, t.span, "", t.text))
    kinds = [c.kind for c in cols]
    if n_labels < 2 or not ({"level1", "level2", "name"} & set(kinds)):
        return None
    # 三级指标 | 指标内容 | 指标值: one group, whose second name column describes the first
    if sum(c.kind == "name" for c in cols) == 2 and sum(c.kind == "target" for c in cols) == 1 \
            and "description" not in kinds and not any(c.group for c in cols):
        second = [c for c in cols if c.kind == "name"][1]
        second.kind = "description"
    # two groups: a second 二级指标/三级指标/指标值 without a qualifier is the year's
    seen: dict[str, int] = {}
    for c in cols:
        seen[c.kind] = seen.get(c.kind, 0) + 1
        if seen[c.kind] == 2 and not c.group and c.kind in ("level2", "name", "target"):
            c.group = "year"
            for d in cols:
                if d.kind == c.kind and d is not c and not d.group:
                    d.group = "period"
    known = all(lex.label(t.text) is not None for t in toks if not t.blank)
    return Header(cols, line.pos, line.spans, len(line.toks), known)


def subheader(line: Line, header: Header) -> bool:
    """A second header line that splits the target column in groups
    ("2021年实际实现值 | 预期2022年实现值"): the header is refined in place."""
    lex = lexicon()
    vals = line.values()
    if not vals or len(vals) > 4:
        return False
    groups = [lex.group_of(t.text) for t in vals]
    if not all(groups) or not all(re.search(r"值|目标", nfkc(t.text)) for t in vals):
        return False
    targets = [c for c in header.columns if c.kind == "target"]
    if len(targets) != 1:
        return False
    t0 = targets[0]
    k = header.columns.index(t0)
    header.columns[k:k + 1] = [Column("target", t0.col + i, 1, g, t.text) for i, (t, g) in enumerate(zip(vals, groups))]
    return True


@dataclass
class State:
    level1: str = ""
    level2: str = ""
    level1_pos: Any = None
    pending: list[dict[str, Any]] = field(default_factory=list)  # rows read before their (merged) 一级指标 was printed


class IndicatorReader:
    """Reads the rows of one project's indicator table into ``out``."""

    def __init__(self, header: Header, path: tuple[Any, ...], draft: Draft, stream: bool):
        self.h = header
        self.P = path
        self.draft = draft
        self.stream = stream
        self.out: list[dict[str, Any]] = []
        self.st = State()
        self.cur: dict[str, Any] | None = None
        self.cur_cols: list[Column] = []
        self.held: Tok | None = None
        self.last_pos: Any = header.pos
        self.l2_in_row = 0
        self.discard = False
        self.last_level1 = False
        self.ambiguous_l2 = False
        self.keep_blanks = False  # one cell per line with empty cells printed: every column has its line
        self.spill: tuple[dict[str, Tok], Any] | None = None  # a row whose value is on the line after it
        self.spill_tail = False  # the line after a spilled value may hold the row's score
        self.name_is_level2 = False  # the header's 指标名称 column holds the 二级指标 (a two-level grid)
        self.lex = lexicon()
        self.warn_start = len(draft.warnings)  # the review items of this table's rows come after this index

    # ---------------------------------------------------------------- rows

    def feed(self, line: Line) -> None:
        if line.values():
            self.last_pos = line.pos
        if "target" not in self.h.kinds():
            if not self.out and not getattr(self, "_no_target", False):
                self._no_target = True
                self.draft.warn(self.h.pos, self.P, "the indicator header has no 指标值 column that the lexicon "
                                                    f"knows ({' | '.join(c.text for c in self.h.columns)[:60]}): "
                                                    "the indicators were not read")
            return
        if line.kind == "cells" and not self.stream:
            cells = line.toks
            if not any(not t.blank for t in cells):
                return
            mapped = self._positional(line)
            if mapped is not None:
                if mapped and not ({"level1", "level2", "name", "target"} & set(mapped)) and self.out:
                    self._fragment(mapped, line)
                    return
                self._emit(mapped, line)
                return
            self._sequence(line.values(), line, by_count=True)
            return
        toks = []
        values = line.values()
        if self.stream and self.keep_blanks and not values and self.cur is not None and self.cur_cols:
            self.cur_cols.pop(0)  # an empty cell: its column stays empty
            if not self.cur_cols:
                self._close()
            return
        if self.stream and line.kind == "spaces" and len(values) > 1 and line.raw:
            values = [Tok(line.raw.strip(), values[0].pos, values[0].col)]  # one cell per line: the line is the cell
        for t in values:
            lab = self.lex.label(t.text)
            joins = self.held is not None and not toks and self.lex.level(self.held.text + t.text)
            if lab is not None and not joins and (lab.kind == "section" or (lab.kind == "column" and self.stream)):
                continue  # the header's labels repeated (绩效指标, 二级指标 …): never a value
            toks.extend(self._split_levels(t))
        if not self.stream and toks:
            if self.held is not None:
                held, self.held = self.held, None
                if self.lex.level(held.text + toks[0].text):
                    toks[0] = Tok(held.text + toks[0].text, held.pos, held.col)
                else:
                    toks.insert(0, held)
            last = toks[-1]
            if norm(last.text) in self.lex.level_prefixes and self.lex.level(last.text) is None \
                    and all(self.lex.level(t.text) for t in toks[:-1]):
                self.held = last  # a merged level broken over lines: 项目完成 / 指标
                toks = toks[:-1]
                if not toks:
                    return
        if self.stream and len(toks) == 1:
            t = toks[0]
            if self.held is not None:
                held, self.held = self.held, None
                joined = self.lex.level(held.text + t.text)
                if joined is not None:
                    self._sequence([Tok(held.text + t.text, held.pos, held.col)], line, by_count=False)
                    return
                self._sequence([held], line, by_count=False)
            if norm(t.text) in self.lex.level_prefixes and self.lex.level(t.text) is None:
                self.held = t  # a level broken over two lines: 经济效益 / 指标
                return
        self._sequence(toks, line, by_count=False)

    def _split_levels(self, t: Tok) -> list[Tok]:
        """Levels run together at the start of a token: 产出指标数量指标…"""
        out: list[Tok] = []
        text = t.text.strip()
        if self.lex.level(text):
            return [t]
        while text:
            lead = self.lex.leading_level(text)
            if not lead:
                break
            n = nfkc(text)
            out.append(Tok(n[: lead[2]], t.pos, t.col))
            text = n[lead[2]:].strip()
        if text:
            out.append(Tok(text, t.pos, t.col))
        return out or [t]

    def _positional(self, line: Line) -> dict[str, Tok] | None:
        """Cells where the header has its columns → {kind: cell}."""
        h = self.h
        toks = line.toks
        got: dict[str, Tok] = {}
        if h.spans and line.spans:
            for t in toks:
                if t.blank:
                    continue
                col = next((c for c in h.columns if c.col <= t.col < c.col + c.span), None)
                if col is None:
                    return None
                self._put(got, col, t)
            return got if self._plausible(got) else None
        same = len(toks) == h.width
        nonempty = [(i, t) for i, t in enumerate(toks) if not t.blank]
        if len(nonempty) < 2 and not same:
            return None  # one cell: its column is told by its content
        by_index = {c.col: c for c in h.columns}
        first_level = min((c.col for c in h.columns if c.kind in ("level1", "level2", "name")), default=0)
        if any(by_index.get(i) is not None and by_index[i].kind in ("label", "ignored") and i < first_level
               for i, _ in nonempty):
            return None  # text under the header's label column: the row is shifted
        if not same and not all(i in by_index for i, _ in nonempty):
            return None
        if not same and "target" not in {by_index[i].kind for i, _ in nonempty if i in by_index} \
                and len(nonempty) < len([c for c in h.columns if c.kind != "label"]):
            return None
        for i, t in nonempty:
            col = by_index.get(i)
            if col is None:
                return None
            if col.kind in ("ignored", "label", "field") and self.lex.level(t.text):
                return None  # a level under a column that holds none: the row is shifted
            self._put(got, col, t)
        return got if self._plausible(got) else None

    def _plausible(self, got: dict[str, Tok]) -> bool:
        """Levels where the header has its level columns, and nowhere else."""
        any_level = False
        for k, t in got.items():
            lv = self.lex.level(t.text)
            both = norm(t.text) in self.lex.level1 and norm(t.text) in self.lex.level2
            if lv:
                any_level = True
            if k == "level1" and lv and lv[0] != "level1" and not both:
                return False
            if k == "level2" and lv and lv[0] != "level2" and not both:
                return False
            if k not in ("level1", "level2") and lv:
                return False
        odd = [k for k in ("level1", "level2") if k in got and not self.lex.level(got[k].text)]
        return not (odd and any_level) and self._units_fit(got)

    def _fragment(self, mapped: dict[str, Tok], line: Line) -> None:
        """A row holding only the rest of a cell broken by a page break."""
        from ..common import join_wrapped

        j = len(self.out) - 1
        prev = self.out[j]
        for k, t in mapped.items():
            if k in ORDER:
                prev[k] = join_wrapped(prev.get(k, ""), _clean(t.text))
                self.draft.comment(self.P + (j, k), f"joined with {line.pos}: the cell continues across a page break")
        self.out[j] = {k: prev[k] for k in ORDER if k in prev}
        if prev in self.st.pending:
            self.st.pending[self.st.pending.index(prev)] = self.out[j]

    def _put(self, got: dict[str, Tok], col: Column, t: Tok) -> None:
        if col.kind in ("label", "ignored", "field"):
            return
        if self.h.groups and col.group == "period":
            return
        if col.kind in got and col.kind == "target":
            # two target groups flattened into one row: the year's wins
            if col.group == "year":
                got[col.kind] = t
            return
        got[col.kind] = t

    def _sequence(self, toks: list[Tok], line: Line, by_count: bool) -> None:
        """Cells whose columns are not where the header has them: levels by
        the lexicon, the rest by what the cells look like."""
        if not toks or self._spilled(toks):
            return
        if self.h.groups and not self.stream:
            # two column groups flattened into one row: the year's group is the last one
            k2 = [i for i, t in enumerate(toks) if i > 0 and (self.lex.level(t.text) or ("", ""))[0] == "level2"
                  and not (self.lex.level(toks[i - 1].text))]
            if k2:
                lead = [t for t in toks[: k2[-1]] if (self.lex.level(t.text) or ("", ""))[0] == "level1"][:1]
                toks = lead + toks[k2[-1]:]
            else:
                n = len(self.h.value_columns())
                lead = [t for t in toks if self.lex.level(t.text)]
                if not lead and len(toks) == 2 * n:
                    toks = toks[n:]  # both groups' cells, no level: the year's are the second half
                elif not lead and len(toks) == 2 * (n + 1) and any(c.kind == "level2" and c.group == "year"
                                                                 for c in self.h.columns):
                    # each group starts with its 二级指标, printed in words the lexicon does not know
                    self._level2(toks[n + 1])
                    toks = toks[n + 2:]
        prev_l1, self.last_level1 = self.last_level1, False
        levels: list[Tok] = []
        rest: list[Tok] = []
        for t in toks:
            lv = self.lex.level(t.text)
            if lv and not rest:
                levels.append(t)
            else:
                rest.append(t)
        if by_count and line.kind == "cells":
            self._name_column_levels(line, levels, rest)
        if self.name_is_level2 and not levels and len(rest) == len(self._level2_grid_columns()) + 1 \
                and nfkc(rest[0].text).strip().endswith("指标"):
            # a two-level grid's row without its merged 一级指标: the first cell is under 指标名称, the
            # column of 二级指标 — a level printed in words the lexicon does not know is still the level
            # (it is named as levels are: …指标)
            levels, rest = rest[:1], rest[1:]
            self._level2(levels[0])
            self._row_values(rest, line, by_count, True)
            return
        for t in levels:
            kind, std = self.lex.level(t.text) or ("", "")
            cur_std = self.lex.level1.get(norm(self.st.level1), "")
            if kind == "level1" and len(levels) == 1 and cur_std and cur_std not in STANDARD_LEVEL2 \
                    and std in STANDARD_LEVEL2:
                kind = "level2"  # 产出指标 under a 一级指标 above the standard ones (实施效果指标)
            if kind == "level1" and prev_l1 and self.cur is None and len(toks) == 1:
                kind = "level2"  # a 一级指标 alone right after a 一级指标 alone: the 二级指标
            parent = self.lex.level1.get(norm(self.st.level1)) or next(
                (p for p, kids in STANDARD_LEVEL2.items() if self.lex.level2.get(norm(self.st.level2)) in kids
                 and p != self.lex.level2.get(norm(self.st.level2))), "")
            if std in self.lex.level2 and len(levels) == 1 and kind == "level1" \
                    and parent == "产出指标" and std in STANDARD_LEVEL2["产出指标"]:
                kind = "level2"  # 成本指标 under 产出指标 (the template before 成本指标 became a 一级指标)
                if not rest_after(toks, t):
                    self._level2(t)
                    self.ambiguous_l2 = True
                    continue
            if kind == "level1" and levels.index(t) == 0 and (len(levels) > 1 or not self.stream or self.cur is None):
                self._level1(t)
                self.last_level1 = len(toks) == 1
                continue
            elif kind == "level1" and levels.index(t) > 0:
                self._level2(t)  # "满意度指标 | 满意度指标": the second is the 二级指标
            else:
                self._level2(t)
        if not rest:
            return
        self.ambiguous_l2 = False
        if self.stream:
            for t in rest:
                self._stream_value(t, line)
            return
        self._row_values(rest, line, by_count, bool(levels))

    def _name_column_levels(self, line: Line, levels: list[Tok], rest: list[Tok]) -> None:
        """A header that has no level column (指标类型 | 指标名称 | 指标值 | 指标描述)
        and whose rows print a 二级指标 under its 指标名称 column, each cell under
        its column: the grid has two levels and no 三级指标; 指标名称 is the
        二级指标's column for the rest of the table."""
        h = self.h
        if self.name_is_level2 or self.out or h.spans or any(c.kind in ("level1", "level2") for c in h.columns):
            return
        names = [c for c in h.columns if c.kind == "name"]
        if len(names) != 1 or not levels or (self.lex.level(levels[-1].text) or ("",))[0] != "level2":
            return
        filled = [i for i, t in enumerate(line.toks) if not t.blank]
        if len(filled) != len([c for c in h.columns if c.text.strip()]) or filled != list(range(len(filled))):
            return  # not one cell under each column of the header
        if filled[len(levels) - 1] == names[0].col and len(rest) == len(self._level2_grid_columns()):
            self.name_is_level2 = True

    def _level2_grid_columns(self) -> list[Column]:
        return [c for c in self.h.value_columns() if c.kind != "name"]

    def level_paragraph(self, level: Tok, body: Tok) -> bool:
        """A row that prints a level and, in the cell after it, its indicators as
        one paragraph (产出指标 | 开展文物安全巡查频次8次;…;文物保护项目验收合格率≥86%。):
        each item's value starts at its comparator, or is the number and unit
        that end it. False when the items cannot be told apart."""
        items = paragraph_items(f"{level.text.strip()}:{body.text.strip()}")
        if items is None:
            return False
        for lv, name, target in items:
            if lv:
                kind = "level2" if norm(lv) in self.lex.level2 and (self.st.level1 or norm(lv) not in self.lex.level1) \
                    else "level1"
                (self._level2 if kind == "level2" else self._level1)(Tok(lv, level.pos))
                continue
            if not target and (sp := split_name_target(name)) is not None and re.search(r"\d", sp[1]):
                name, target = sp  # 巡查频次8次: the number and its unit end the item
            got = {"name": Tok(name, body.pos)}
            if target:
                got["target"] = Tok(target, body.pos)
            self._emit(got, None, pos=body.pos)
            if not target:
                # no comparator, no number: the value may be words run into the name (数据库基本健全)
                self.draft.warn(body.pos, self.P + (len(self.out) - 1, "name"), f"'{name[:40]}': no value told apart "
                                "from the name; the name may hold its value — check where it ends")
        return True

    def _spilled(self, toks: list[Tok]) -> bool:
        """Text split at its spaces prints the rest of a cell with line breaks on
        the lines after its row (定性 rows: the value, then the score). Is this
        line such a rest? It is consumed then."""
        if self.spill is not None:
            got, where = self.spill
            self.spill = None
            t = nfkc(toks[0].text).strip()
            if len(toks) == 1 and not self.lex.level(t) and not self._qualifier(t) and not re.fullmatch(r"[\d.]+", t) \
                    and self.lex.label(t) is None:
                got["target"] = toks[0]
                self._emit(got, None, pos=where, note="the value is printed on the line after its row (a cell "
                                                      "with a line break)")
                self.spill_tail = True
                return True
            self._emit(got, None, pos=where)  # no value after it: a review item asks for it
        if self.spill_tail:
            self.spill_tail = False
            if len(toks) == 1 and re.fullmatch(r"[\d.]+", nfkc(toks[0].text).strip()):
                return True  # the row's score, after its value
        return False

    def _level1(self, t: Tok) -> None:
        self._close()
        self.l2_in_row = 0
        text = _level_text(t.text)
        if not self.st.level1 and not (norm(text) in self.lex.level2 and norm(text) in self.lex.level1):
            # a merged 一级指标 printed in the middle of its group: the rows above have none yet
            for ind in self.st.pending:
                ind["level1"] = text
            self.st.pending = []
        self.st.level1 = text
        self.st.level1_pos = t.pos
        self.st.level2 = ""

    def _level2(self, t: Tok) -> None:
        self._close()
        if self.ambiguous_l2 and self.cur is None:
            # "成本指标 | 经济成本指标": the first was the 一级指标
            self._level1(Tok(self.st.level2, t.pos))
        self.ambiguous_l2 = False
        self.st.level2 = _level_text(t.text)
        self.l2_in_row += 1
        # one cell per line, two column groups: a row's first 二级指标 opens the whole period's group
        self.discard = self.stream and self.h.groups and self.l2_in_row % 2 == 1

    def _row_values(self, rest: list[Tok], line: Line, by_count: bool, had_levels: bool) -> None:
        cols = self._level2_grid_columns() if self.name_is_level2 else self.h.value_columns()
        kinds = [c.kind for c in cols]
        vals = [t for t in rest]
        got: dict[str, Tok] = {}
        if by_count and not had_levels and len(vals) <= len([c for c in cols if c.kind != "ignored"]):
            # real cells whose row lost its merged level cells: the filled cells start at 三级指标
            for c, t in zip([c for c in cols if c.kind != "ignored"], vals):
                got[c.kind] = t
            self._emit(got, line)
            return
        if self.name_is_level2 and not had_levels:
            # a two-level grid's row with a cell under 指标名称 that is no level: it holds no name either
            self._unread(line, rest)
            return
        if by_count and not had_levels:
            # real cells whose row lost its merged cells: by the number of filled cells
            full = [c for c in self.h.columns if c.kind not in ("label", "ignored") and not (self.h.groups and c.group == "period")]
            if len(vals) <= len(full):
                start = len(full) - len(vals)
                if vals and len(full) > len(vals):
                    # the filled cells are the last columns of the row
                    pass
                for c, t in zip(full[start:], vals):
                    got[c.kind] = t
                if not ({"name", "target"} & set(got)):
                    return
                self._emit(got, line, shifted=True)
                return
        if line.kind != "cells" and len(vals) == 2 and self.st.level2 and "target" in kinds \
                and nfkc(vals[1].text).strip() in self.lex.value_types[:1]:
            # "名称 定性" and nothing after: the value is words with line breaks, printed on the next line
            self.spill = ({"name": vals[0]}, line.pos)
            return
        if line.kind != "cells" and self.st.level1 and not self.st.level2 and len(vals) == len(cols) + 1 \
                and any(c.kind == "level2" for c in self.h.columns):
            # a row that opens a 一级指标 group prints its 二级指标 too, in words the lexicon may not know: the
            # pieces are the columns from 二级指标 on when each holds what its column holds
            got = self._zip([Column("level2", -1)] + cols, vals)
            if all(self._fits(c.kind, got.get(c.kind), vals) for c in [Column("level2", -1)] + cols):
                self._emit(got, line)
                return
            got = {}
        if len(vals) == len(cols):
            got = self._zip(cols, vals)
            if "target" in got and not target_like(got["target"].text) and line.kind == "spaces" \
                    and kinds.index("target") == len(kinds) - 1 and any(target_like(v.text) for v in vals[:-1]):
                got = self._fit(vals, cols, line) or {}
            self._emit(got, line)
            return
        if line.kind == "cells" and 1 < len(vals) < len(cols):
            # real cells, the last ones missing (empty, or the row is cut short)
            got = self._zip(cols, vals)
            if not self._units_fit(got):
                # a cell of the target's split is missing (定性 rows print no unit): told by content
                fitted = self._by_content(vals, line)
                if fitted is None:
                    self._unread(line, rest)
                    return
                got = fitted
            if line is self.draft.last_line:
                self.draft.warn(line.pos, self.P + (len(self.out),), "the text ends inside this row: "
                                "check it is complete")
            self._emit(got, line)
            return
        if line.kind != "cells" and ("target_op" in kinds or "target_unit" in kinds) and len(vals) != len(cols):
            fitted = self._by_content(vals, line)
            if fitted is not None:
                self._emit(fitted, line)
                return
        if line.kind != "cells" and (len(vals) > len(cols) or (len(vals) < len(cols) and len(vals) > 1)):
            fitted = self._fit(vals, cols, line)
            if fitted is not None:
                self._emit(fitted, line)
                return
        if len(vals) == 1 and self._name_then_target():
            sp = split_name_target(vals[0].text)
            if sp is not None:
                name, target = sp
                self._emit({"name": Tok(name, vals[0].pos), "target": Tok(target, vals[0].pos)}, line,
                           note="name and target run together in one cell; split before the target")
                return
        if len(vals) == 1 and self._value_and_basis(vals[0], line):
            return
        self._unread(line, rest)

    def _value_and_basis(self, t: Tok, line: Line) -> bool:
        """A row run together to its end: the basis is a word of the lexicon
        (计划标准), the target the number just before it; where the name ends
        and its description begins is not known, so neither is read."""
        kinds = [c.kind for c in self.h.value_columns()]
        if not self.lex.basis_values or kinds[-1:] != ["basis"] or "target" not in kinds:
            return False
        basis = "|".join(re.escape(w) for w in self.lex.basis_values)
        m = re.match(rf"^(?P<text>.+?)(?P<target>(?:{_CMP})?\d+(?:\.\d+)?(?:%|[^\d\s]{{0,6}}?))(?P<basis>{basis})$",
                     nfkc(t.text).strip())
        if m is None or len(m.group("text")) < 2:
            return False
        since = len(self.draft.warnings)
        self._emit({"target": Tok(m.group("target"), t.pos), "basis": Tok(m.group("basis"), t.pos)}, line)
        path = self.P + (len(self.out) - 1, "name")
        self.draft.drop_warnings(_path(path), since)  # said better below
        self.draft.warn(t.pos, path, f"the 三级指标 and its description ran together ('{m.group('text')[:40]}'): "
                                     "where the name ends is not known; fill in name and description")
        return True

    def _zip(self, cols: list[Column], vals: list[Tok]) -> dict[str, Tok]:
        """Pieces under their columns. A comparator is never dropped: printed in
        a column the header does not call a comparator column (指标方向 beside a
        指标性质 that holds 正向), it is still the target's."""
        got: dict[str, Tok] = {}
        for c, t in zip(cols, vals):
            op = got.get("target_op")
            if c.kind == "ignored" and self._comparator(t.text) and (op is None or not self._comparator(op.text)):
                got["target_op"] = t
            elif c.kind == "target_op" and "target_op" in got and not self._comparator(t.text):
                continue
            else:
                got[c.kind] = t
        return got

    def _fits(self, kind: str, t: Tok | None, row: list[Tok]) -> bool:
        """Does a piece hold what its column holds?"""
        if t is None or t.blank:
            return kind not in ("level2", "name", "target")
        text = nfkc(t.text).strip()
        number = bool(re.match(r"^[\d.,%]+$", text))
        if kind in ("level2", "name"):
            lv = self.lex.level(text)
            return not number and not self._qualifier(text) and not (kind == "level2" and lv and lv[0] == "level1"
                                                                     and text not in self.lex.level2) \
                and not (kind == "name" and lv)
        if kind == "target_op":
            return self._qualifier(text)
        if kind == "target":
            words = any(nfkc(v.text).strip() in self.lex.value_types[:1] for v in row)
            return bool(re.match(rf"^(?:{_CMP}|\d)", text)) or (words and not self._qualifier(text))
        if kind == "target_unit":
            return unit_like(text)
        return True

    def _units_fit(self, got: dict[str, Tok]) -> bool:
        """The pieces of a target split over cells are what such cells hold."""
        op, unit = got.get("target_op"), got.get("target_unit")
        if unit is not None and not unit.blank and not unit_like(unit.text):
            return False
        return op is None or op.blank or self._qualifier(op.text)

    def _name_then_target(self) -> bool:
        """Can one piece holding a name and a target run together be split?
        Only where the row holds nothing else: a description, a basis or a
        score run into it would be taken as part of the name or the target."""
        return [c.kind for c in self.h.value_columns()] == ["name", "target"]

    def _by_content(self, vals: list[Tok], line: Line) -> dict[str, Tok] | None:
        """A row whose target is split over columns (指标性质 / 指标值 / 计量单位,
        with 指标方向 and 分值 beside them) and whose empty cells are lost: each
        piece's column is told by its content — a comparator, 正向/反向, 定性/定量,
        the value, its unit — and the name is what comes before them. A words-only
        value is taken only after 定性, which says the value is words."""
        k = next((i for i, t in enumerate(vals) if i > 0 and self._qualifier(t.text)), None)
        if k is None:
            return None
        if k > 1 and self.st.level1 and not self.st.level2 and any(c.kind == "level2" for c in self.h.columns):
            return None  # a row that opens a 一级指标 group: its first piece may be the 二级指标, not the name's
        got: dict[str, Tok] = {"name": Tok(_join(vals[:k], line), vals[0].pos)}
        rest = vals[k:]
        words = False
        while rest and self._qualifier(rest[0].text):
            q = nfkc(rest[0].text).strip()
            if self._comparator(q):
                got["target_op"] = rest[0]
            words = words or q in self.lex.value_types[:1]
            rest = rest[1:]
        if not rest:
            return None
        if re.match(r"^[\d.,]+", nfkc(rest[0].text)):
            got["target"] = rest[0]
            if len(rest) > 1 and not re.match(r"^[\d.,]+$", nfkc(rest[1].text)) and unit_like(rest[1].text):
                got["target_unit"] = rest[1]
            return got
        if words and "target_op" not in got and len(nfkc(rest[0].text).strip()) <= 20 \
                and not re.search(r"[。;；]", rest[0].text):
            got["target"] = rest[0]  # a 定性 row prints no unit: what follows is not one
            return got
        return None

    def _qualifier(self, text: str) -> bool:
        """What stands between a name and its value: a comparator, 正向/反向, 定性/定量."""
        t = nfkc(text).strip()
        return self._comparator(t) or t in self.lex.directions or t in self.lex.value_types

    def _comparator(self, text: str) -> bool:
        t = nfkc(text).strip()
        return bool(re.fullmatch(_CMP, t)) or t in self.lex.comparators

    def _fit(self, vals: list[Tok], cols: list[Column], line: Line) -> dict[str, Tok] | None:
        """More (or fewer) pieces than columns — spaces inside cells, or empty
        cells lost: the target is the last piece that looks like one, the
        name everything before it."""
        kinds = [c.kind for c in cols]
        if "target" not in kinds or "name" not in kinds:
            return None
        after = len(kinds) - kinds.index("target") - 1
        before = [k for k in kinds[: kinds.index("target")] if k != "name"]
        if any(k in ("description",) for k in before) and len(vals) != len(cols):
            return None  # a description column makes the split ambiguous
        for i in range(1, len(vals)):
            if len(vals) - i - 1 > after:
                continue
            if target_like(vals[i].text):
                got: dict[str, Tok] = {}
                ops = [k for k in before if k == "target_op"]
                j = i
                if ops and j >= 2 and re.fullmatch(_CMP, nfkc(vals[j - 1].text).strip()):
                    got["target_op"] = vals[j - 1]
                    j -= 1
                name = _join(vals[:j], line)
                got["name"] = Tok(name, vals[0].pos)
                got["target"] = vals[i]
                tail = vals[i + 1:]
                for k, t in zip(kinds[kinds.index("target") + 1:], tail):
                    got[k] = t
                return got
        return None

    def _stream_value(self, t: Tok, line: Line) -> None:
        """One cell per line: fill the columns after 二级指标 in order."""
        kinds = ("name", "description", "target_op", "target", "target_unit", "basis")
        cols = [c for c in self.h.value_columns() if c.kind in kinds or (self.keep_blanks and c.kind == "ignored")]
        if not cols:
            self._unread(line, [t])
            return
        if self.cur is None:
            self.cur = {}
            self.cur_cols = list(cols)
            self.cur["_pos"] = t.pos
        if not self.cur_cols:
            self._close()
            self.cur = {"_pos": t.pos}
            self.cur_cols = list(cols)
        col = self.cur_cols.pop(0)
        if col.kind == "name" and line.data.get("exploded"):
            # run-together text is cut only before labels and levels: the piece holds the rest of the row
            sp = split_name_target(t.text) if self._name_then_target() else None
            got = self._split_by_columns(t) if sp is None else None
            if sp is not None:
                name, target = sp
                self.cur["name"] = Tok(name, t.pos, t.col)
                self.cur["target"] = Tok(target, t.pos, t.col)
                self.cur["_split"] = True
                self._close()
                return
            if got is not None:
                self.cur.update(got)
                self._close()
                return
            self.cur["_unsplit"] = True
            self.cur[col.kind] = t
            self._close()  # nothing more of this row follows: a 一级指标 after it heads the next
            return
        self.cur[col.kind] = t
        if not self.cur_cols:
            self._close()

    def _split_by_columns(self, t: Tok) -> dict[str, Tok] | None:
        """A row run together after its levels, whose columns after the name
        each hold what can be told by content, in this order: a comparator
        (which ends the name), the number, its unit, a weight, a direction
        (全年实现会展业综合收入≥280亿元30%正向指标). Every column must be
        filled but the direction, and the unit must stand between the number
        and a weight (28030% is not told apart); otherwise None."""
        cols = self.h.value_columns()
        if not cols or cols[0].kind != "name":
            return None
        kinds = []
        for c in cols[1:]:
            if c.kind in ("target_op", "target", "target_unit"):
                kinds.append(c.kind)
            elif c.kind == "ignored" and re.search(r"权重|分值", nfkc(c.text)):
                kinds.append("weight")
            elif c.kind == "ignored" and "方向" in nfkc(c.text):
                kinds.append("direction")
            else:
                return None
        order = ["target_op", "target", "target_unit", "weight", "direction"]
        if "target" not in kinds or kinds != [k for k in order if k in kinds]:
            return None
        words = "|".join(re.escape(w) for w in self.lex.comparators)
        directions = "|".join(re.escape(w) for w in sorted(self.lex.directions, key=len, reverse=True))
        rx = rf"^(?P<name>[^<>=≥≤≧≦＞＜＝]{{2,}}?)(?P<target_op>{_CMP}|{words})(?P<target>\d+(?:\.\d+)?)"
        if "target_unit" in kinds or "weight" in kinds:
            rx += r"(?P<target_unit>%|[^\d\s%.,;；。，、:：]{1,6}?)"
        if "weight" in kinds:
            rx += r"(?P<weight>\d+(?:\.\d+)?%?)"
        if "direction" in kinds:
            rx += rf"(?P<direction>{directions})?"
        m = re.match(rx + "$", nfkc(t.text).strip())
        if m is None or m.group("name")[-1].isdigit() or \
                ("target_unit" in m.groupdict() and not unit_like(m.group("target_unit"))):
            return None
        return {k: Tok(m.group(k), t.pos, t.col) for k in ("name", "target_op", "target", "target_unit")
                if m.groupdict().get(k)}

    def _close(self) -> None:
        if self.cur is None:
            return
        cur, self.cur = self.cur, None
        pos = cur.pop("_pos", None)
        split = cur.pop("_split", False)
        unsplit = cur.pop("_unsplit", False)
        if not any(k in cur for k in ("name", "target")) or self.discard:
            return
        self._emit(cur, None, pos=pos)
        if unsplit and "target" not in self.out[-1]:
            self.draft.warn(pos, self.P + (len(self.out) - 1,), f"'{self.out[-1].get('name', '')}' holds a name and "
                            "a target run together that could not be told apart: split it by hand")
        if split:
            self._boundary(self.out[-1], cur["name"].pos)

    def _boundary(self, ind: dict[str, Any], pos: Any) -> None:
        """Where run-together text was split between name and target: a
        review item when the boundary is not certain (a words-only target, a
        symbol or a CJK numeral before the number)."""
        name, target = ind.get("name", ""), ind.get("target", "")
        j = len(self.out) - 1
        if not re.match(rf"^(?:{_CMP}|\d)", nfkc(target)) or re.search(r"[%％.,，、一二三四五六七八九十]$", name):
            self.draft.warn(pos, self.P + (j,), f"name and target ran together ('{name}{target}'); split "
                                                f"before '{target}': check where the name ends")

    # ---------------------------------------------------------------- output

    def _emit(self, got: dict[str, Tok], line: Line | None, *, shifted: bool = False, note: str = "",
              pos: Any = None) -> None:
        if not any(k in got and got[k].text.strip() for k in VALUE_KINDS):
            for k in ("level1", "level2"):  # a row of levels only: they head the rows below
                if k in got and got[k].text.strip():
                    (self._level1 if k == "level1" else self._level2)(got[k])
            return
        j = len(self.out)
        IP = self.P + (j,)
        where = line.pos if line is not None else pos
        ind: dict[str, Any] = {}
        l1 = got.get("level1")
        l2 = got.get("level2")
        if l1 is not None and l1.text.strip():
            self._level1(l1)
        if l2 is not None and l2.text.strip():
            self.st.level2 = _level_text(l2.text)
        elif l1 is not None and l1.text.strip():
            self.st.level2 = ""
        for k in ("name", "description", "basis"):
            if k in got and got[k].text.strip():
                ind[k] = _clean(got[k].text)
        target = ""
        if "target" in got and got["target"].text.strip():
            target = _clean(got["target"].text)
            op = got.get("target_op")
            unit = got.get("target_unit")
            if op is not None and self._comparator(op.text) and not re.match(_CMP, nfkc(target)) \
                    and not any(nfkc(target).startswith(w) for w in self.lex.comparators):
                target = op.text.strip() + target
            if unit is not None and unit.text.strip() and not target.endswith(unit.text.strip()):
                target = target + unit.text.strip()
            ind["target"] = target
        if self.st.level1:
            ind["level1"] = self.st.level1
        if self.st.level2:
            ind["level2"] = self.st.level2
        ordered = {k: ind[k] for k in ORDER if k in ind}
        self.out.append(ordered)
        if "level1" not in ordered:
            self.st.pending.append(ordered)
        if shifted:
            self.draft.comment(IP, f"{where}: the row's cells are not under the header's columns; read by the "
                                   f"order of its filled cells")
        if note:
            self.draft.comment(IP, f"{where}: {note}")
        self._check(ordered, IP, where)

    def _check(self, ind: dict[str, Any], IP: tuple[Any, ...], where: Any) -> None:
        d = self.draft
        if not ind.get("level2"):
            d.warn(where, IP + ("level2",), "no 二级指标 read for this row; fill it in from the document")
        if not ind.get("name"):
            d.warn(where, IP + ("name",), "no 三级指标 read in this row; fill it in from the document")
        if not ind.get("target"):
            d.warn(where, IP + ("target",), "no 指标值 read in this row; fill it in from the document")
        elif re.fullmatch(_CMP, nfkc(ind["target"]).strip()):
            d.warn(where, IP + ("target",), f"the target '{ind['target']}' is a comparator without a number: "
                                            "check it is not cut short")
        elif _BARE_RE.match(nfkc(ind["target"]).strip()):
            d.warn(where, IP + ("target",), f"the target '{ind['target']}' is a comparator and a number without a "
                                            "unit: check it is not cut short")
        l1, l2 = ind.get("level1", ""), ind.get("level2", "")
        std1 = self.lex.level1.get(norm(l1), "")
        std2 = self.lex.level2.get(norm(l2), "")
        if std1 and std2 and std1 in STANDARD_LEVEL2 and std2 not in STANDARD_LEVEL2[std1] \
                and std2 not in _OLD_TEMPLATE.get(std1, ()):
            d.warn(where, IP + ("level1",), f"二级指标 {l2} does not belong under 一级指标 {l1} in the standard "
                                            "template: check the merged 一级指标 cell")

    def finish(self) -> list[dict[str, Any]]:
        if self.spill is not None:
            got, where = self.spill
            self.spill = None
            self._emit(got, None, pos=where)
        if self.held is not None:
            held, self.held = self.held, None
            self._sequence([held], Line([held], held.pos, "spaces"), by_count=False)
        self._close()
        for ind in self.st.pending:
            j = self.out.index(ind)
            self.draft.warn(self.h.pos, self.P + (j, "level1"), "no 一级指标 printed for this row")
        return self.out

    def _unread(self, line: Line, toks: list[Tok]) -> None:
        text = " | ".join(t.text.strip() for t in toks)[:60]
        self.draft.warn(line.pos, self.P, f"indicator row not read: '{text}' — its cells could not be placed "
                                          "with confidence; add it by hand")


def rest_after(toks: list[Tok], t: Tok) -> bool:
    """Does anything follow ``t`` in its row?"""
    return toks.index(t) < len(toks) - 1


def _path(P: tuple[Any, ...]) -> str:
    from ..common import format_path

    return format_path(P)


def _level_text(text: str) -> str:
    """A level as printed (成本指标(0-20)分 keeps its score range: 照录原文)."""
    return remove_conversion_spaces(text.strip())[0]


def _clean(text: str) -> str:
    return clean_cell(text)


def _join(toks: list[Tok], line: Line) -> str:
    """Pieces of one cell split at its spaces, joined as the line prints them."""
    return as_printed([t.text for t in toks], line.raw)


# a level heading inside a paragraph: at its start or after a separator, followed by a colon or comma
_PARA_SEP = "[;；。,，:：]"
# a value that ends an indicator: comparator, number, a short unit (≥80万元, ≤28.40/株, >=100%)
_VALUE_END_RE = re.compile(rf"{_CMP}\s*\d[\d.]*\s*[^\s\d,，;；。:：()（）]{{0,4}}$")
# the comparator that starts an item's value: followed by its number (not a template's hint, (≥**株))
_VALUE_CMP_RE = re.compile(rf"{_CMP}(?=\s*\d)")


def paragraph_items(text: str) -> list[tuple[str, str, str]] | None:
    """A paragraph of several indicators (数量指标:名称≥17600株;名称>=85;时效指标:…。成本指标:…):
    (level, "", "") for each level heading and ("", name, target) for each item, in order. Items end
    at ; and 。, and at a comma right after a value; a value starts at its comparator. Where an item
    cannot be told apart with confidence (a comma or colon with no value before it, a level left
    inside), None: the paragraph is left to the editor."""
    lex = lexicon()
    t = nfkc(text)
    src = text if len(text) == len(t) else t  # slices as printed where NFKC kept the length
    levels = [w for w in lex._levels if len(w) >= 4]
    pieces: list[tuple[str, str]] = []  # (level, "") or ("", the text between levels)
    start = i = 0
    while i < len(t):
        if i == 0 or re.match(_PARA_SEP, t[i - 1]):
            w = next((w for w in levels if t.startswith(w, i) and re.match(_PARA_SEP, t[i + len(w):i + len(w) + 1])), None)
            if w is not None:
                pieces += [("", src[start:i]), (src[i:i + len(w)], "")]
                start = i = i + len(w) + 1
                continue
        i += 1
    pieces.append(("", src[start:]))
    if not any(level for level, _ in pieces):
        return None
    out: list[tuple[str, str, str]] = []
    for level, body in pieces:
        if level:
            out.append((level, "", ""))
            continue
        for chunk in re.split(r"[;；。]", body):
            item = ""
            for part in re.split(r"([,，])", chunk):
                item += part
                if part in (",", "，") and _VALUE_END_RE.search(item[:-1]):
                    out.append(("", *_name_value(item[:-1])))
                    item = ""
            if item.strip(" ,，"):
                out.append(("", *_name_value(item.strip(" ,，"))))
    items = [(name, target) for level, name, target in out if not level]

    def doubtful(name: str, target: str) -> bool:
        return not name or bool(re.search(r"[:：]", name)) or any(w in nfkc(name) for w in levels) \
            or bool(re.search(r"[,，]", name)) and not target

    if not items or any(doubtful(name, target) for name, target in items):
        return None
    return out


def _name_value(item: str) -> tuple[str, str]:
    """An item's name and value, told apart by the comparator of its value (none: a name alone)."""
    m = list(_VALUE_CMP_RE.finditer(item))
    if m and m[-1].start() >= 2:
        return item[: m[-1].start()].strip(), item[m[-1].start():].strip()
    return item.strip(), ""
