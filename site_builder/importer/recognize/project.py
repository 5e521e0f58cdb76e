"""The recognizer's reading of a document in tables: the agency-wide part,
then each project's header (its fields by their labels) and its indicator
table (:mod:`.indicators`). Used for tables (:func:`read`), and by the
outline and broken-lines readers for what they share (titles, agency names,
footers)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..common import (AGENCY_LINE_RE, CHECKPOINT_BY_MONTH, PROJECT_CODE_RE, PROJECT_HEADING_RE, Draft, as_printed,
                      budget_year, clean_cell, compact, join_wrapped, strip_enum)
from ..grid import Pos
from ..lexicon import Label, lexicon, nfkc, norm
from ..units import WAN, YUAN, Num, allocated_amounts, amount_text, read_amount, to_wan, unit_in
from .indicators import Column, Header, IndicatorReader, header_of, subheader
from .lines import Line, Tok, split_run_together
from .overview import PART2_RE, find_title, overview_from, plan_from_values

MONEY_KEYS = ("total", "fiscal", "carryover", "other")
PLAN_MONTH_RE = re.compile(r"^(\d{1,2})月(?:底|末)?$")
PLAN_VALUE_RE = re.compile(r"^(\d{1,12}(?:\.\d{1,6})?)\s*([%％]?)$")
YEAR_RE = re.compile(r"[（(]?\s*(20\d\d)\s*年度?\s*[)）]")


def _units(lines: list[Line], draft: Draft) -> None:
    for line in lines:
        for t in line.toks:
            if len(t.text) <= 40:
                u = unit_in(t.text)
                if u:
                    draft.unit_hints.append((t.pos, u))
        if line.kind == "spaces" and len(line.text) <= 60:
            u = unit_in(line.text)
            if u and not any(p == line.pos for p, _ in draft.unit_hints):
                draft.unit_hints.append((line.pos, u))


# ---------------------------------------------------------------- segmentation

def _title_kind(line: Line) -> str:
    """'project' / 'unit' when the line is a table title (or starts with one)."""
    lex = lexicon()
    if len(line.values()) > 3:
        return ""
    t = norm(line.text)
    if len(t) > 60:
        t = t[:60]
    for w in lex.unit_titles:
        if w in t and len(t) <= len(w) + 30:
            return "unit"
    for w in lex.project_titles:
        if w in t and (len(t) <= len(w) + 30) and not t.startswith("附"):
            return "project"
    return ""


def _heading(line: Line) -> re.Match[str] | None:
    if line.kind == "cells" and len(line.values()) > 1:
        return None
    return PROJECT_HEADING_RE.match(line.text)


def _agency_line(line: Line) -> re.Match[str] | None:
    vals = line.values()
    if not vals:
        return None
    t = vals[0].text.strip() if line.kind == "cells" else line.text.strip()
    if len(t) > 80:
        return None
    m = AGENCY_LINE_RE.match(t)
    if m and (m.group("code") or (line.kind == "cells" and any(unit_in(v.text) for v in vals[1:]))):
        return m
    # "207101天津市河北区人民法院 | 单位:万元": the agency's code and name above its table, without 本级
    m = AGENCY_CODE_NAME_RE.match(t)
    if m and line.kind == "cells" and len(vals) == 2 and unit_in(vals[1].text) and _agency_name_like(m.group("name")):
        return m
    return None


AGENCY_CODE_NAME_RE = re.compile(r"^\s*(?P<code>\d{6})\s*(?P<name>[^\d\s][^|]{1,40}?)\s*(?P<scope>)$")


def _agency_name_like(name: str) -> bool:
    """A name that is not a label, a title or a sentence."""
    lex = lexicon()
    return lex.label(name) is None and not _title_kind(Line([Tok(name, Pos())], Pos(), "para", name)) \
        and not re.search(r"[，,。；;:：]", name)


def _labels_in(line: Line) -> list[Label]:
    lex = lexicon()
    out = []
    for t in line.toks:
        for piece in (split_run_together(t) if line.kind != "cells" else [t]):
            lab = lex.label(piece.text)
            if lab is not None:
                out.append(lab)
    return out


def _segments(lines: list[Line]) -> tuple[list[Line], list[tuple[str, list[Line]]]]:
    part1: list[Line] = []
    segs: list[tuple[str, list[Line]]] = []
    cur: list[Line] | None = None
    seen: set[str] = set()
    started = False
    for line in lines:
        kind = ""
        title = _title_kind(line)
        labels = [lab.key for lab in _labels_in(line) if lab.kind == "field"]
        if title == "unit":
            kind = "unit"
        elif title == "project" or _heading(line) or _agency_line(line):
            kind = "start"
        elif "code" in labels or ("name" in labels and (not started or "name" in seen)):
            kind = "code" if "code" in labels else "name"
        elif PART2_RE.match(compact(line.text)):
            started = True  # the agency-wide part ends here
            continue
        if kind:
            # a unit table's title printed twice (the page's heading, then the table's) starts one table
            again = kind == "unit" and bool(segs) and segs[-1][0] == "unit" and not seen
            new = (cur is None or (kind == "unit" and not again) or (kind == "start" and bool(seen))
                   or (kind == "code" and "code" in seen) or (kind == "name" and "name" in seen)
                   or (cur is not None and segs and segs[-1][0] == "unit" and kind != "unit"))
            if new:
                cur = []
                segs.append(("unit" if kind == "unit" else "project", cur))
                seen = set()
            started = True
        if cur is None:
            if not started:
                part1.append(line)
            continue
        cur.append(line)
        seen.update(k for k in labels if k in ("code", "name"))
        if labels and kind == "":
            seen.add("content")
    return part1, segs


def read(lines: list[Line], draft: Draft) -> None:
    part1, segs = _segments(lines)
    paras = [(line.text, line.pos) for line in part1 if line.kind != "cells" or len(line.values()) <= 1]
    find_title(paras, draft)
    for line in part1:
        m = budget_year(YEAR_RE, line.text)
        if m:
            draft.year_hints.append((line.pos, int(m.group(1)), "a heading (年度)"))
    ov = overview_from(paras)
    if ov:
        draft.data["overview"] = ov
    projects: list[dict[str, Any]] = []
    from .unit_table import read_unit_table

    for kind, seg in segs:
        if kind == "unit":
            ub = read_unit_table(seg, draft)
            if ub:
                if "unit_budget" in draft.data:
                    draft.warn(seg[0].pos, "unit_budget", "a second 单位整体支出绩效目标表; not read")
                else:
                    draft.data["unit_budget"] = ub
            continue
        for p, first, last in ProjectReader(seg, len(projects), draft).read_all():
            draft.project_lines[len(projects)] = (first, last)
            projects.append(p)
    if projects:
        draft.data["projects"] = projects
    elif not segs:
        draft.warn(lines[-1].pos if lines else Pos(line=1), "projects",
                   "no project table found (no 项目名称 / 项目编码 label or …绩效目标表 title)")


# ---------------------------------------------------------------- one project

class ProjectReader:
    def __init__(self, seg: list[Line], index: int, draft: Draft):
        self.seg = seg
        self.P: tuple[Any, ...] = ("projects", index)
        self.draft = draft
        self.lex = lexicon()
        self.proj: dict[str, Any] = {}
        self.pos: dict[str, Pos] = {}
        self.budget: dict[str, tuple[Decimal, str | None, Tok, bool]] = {}  # key → (value, unit, cell, year label)
        self.goals: list[str] = []
        self.goal_pos: Pos | None = None
        self.heading: tuple[str, Pos] | None = None
        self.queue: list[tuple[Label, Tok]] = []
        self.queue_line: list[int] = []  # the line each queued label is on
        self.saw_period = False  # a label of the whole period's amounts (中期资金总额) was printed
        self.goal_buffer: list[Tok] = []
        self.last_exploded = 0  # the exploded line of the last label queued (run-together text)
        self.labelled = False  # a label of the table was seen (text before it is the page's, not the table's)
        self.section = ""
        self.last_field = ""
        self.stream = _stream(seg)
        self.agency: list[tuple[str, Pos]] = []
        self.units: list[tuple[Pos, str]] = []
        self.label_follows = False  # the line after the one being read starts with a label
        self.warn_start = len(draft.warnings)  # this table's review items come after this index
        self.named_start = (len(draft.agency_lines), len(draft.implementers))  # the agencies this table names after

    # ------------------------------------------------------------ driving

    def read_all(self) -> list[tuple[dict[str, Any], Pos, Pos]]:
        """The project of this table — or, for a wide table that prints each
        project's fields in the first columns of its indicator rows, all of them."""
        self.wide: list[tuple[dict[str, Any], Pos, Pos]] | None = None
        p = self.read()
        if self.wide is not None:
            return self.wide
        return [(p, self.seg[0].pos, self.seg[-1].pos)] if p is not None else []

    def read(self) -> dict[str, Any] | None:
        mode = "header"
        reader: IndicatorReader | None = None
        header = None
        plan: tuple[dict[int, str], bool, Pos] | None = None
        lines = _gather_headers(_join_pieces(self.seg))
        filled = [k for k, ln in enumerate(lines) if ln.values()]
        separated = sum(1 for k in filled if k + 1 < len(lines) and not lines[k + 1].values())
        blank_lines_are_cells = not (filled and separated >= 0.8 * len(filled))  # not a separator after every cell
        last_label_line = 0
        block = heading = ""  # the whole period's or the year's indicators (长期绩效指标, 年度绩效指标): the one read, the next
        for k_line, line in enumerate(lines):
            heading = self._block_heading(line) or heading
            if mode == "indicators":
                assert reader is not None and header is not None
                h = header_of(line)
                if h is not None and block == "period" and heading == "year":
                    # the year's indicators after the whole period's: the year's are the filing's
                    self.draft.drop_warnings(_path(self.P + ("indicators",)), reader.warn_start)
                    reader = self._indicator_reader(h, blank_lines_are_cells)
                    header, block, heading = h, heading, ""
                    self.draft.comment(self.P + ("indicators",), f"the year's indicators ({line.pos}); those printed "
                                                                 "for the whole period before them are left out")
                    continue
                if h is not None:
                    reader.h = h
                    header = h
                    self.draft.comment(self.P + ("indicators",), f"the indicator table continues after a repeated header ({line.pos})")
                    continue
                if subheader(line, header):
                    continue
                if _footer(line) or _title_kind(line):
                    mode = "after"
                    continue
                reader.feed(line)
                continue
            if mode == "after":
                continue
            if plan is not None:
                self._plan_values(line, plan)
                plan = None
                continue
            m = _heading(line)
            if m:
                self.heading = (m.group("name").strip(), line.pos)
                continue
            ma = _agency_line(line)
            if ma:
                self.agency.append((ma.group("name").strip(), line.pos))
                self.draft.agency_lines.append((line.pos, ma.group("code") or "", ma.group("name").strip(), ma.group("scope")))
                continue
            if _title_kind(line):
                m2 = budget_year(YEAR_RE, line.text)
                if m2:
                    self.draft.year_hints.append((line.pos, int(m2.group(1)), "the table's title"))
                if not self._title_with_labels(line):
                    continue
            if line.kind != "cells" and YEAR_RE.fullmatch(line.text.strip()):
                self.draft.year_hints.append((line.pos, int(YEAR_RE.search(line.text).group(1)), "the table's title"))
                continue
            h = header_of(line)
            if h is not None:
                if sum(c.kind == "field" for c in h.columns) >= 2 and (line.kind == "cells" or h.all_labels):
                    self._flush()
                    rest = lines[lines.index(line) + 1:]
                    self.wide = self._read_wide(h, rest)
                    return None
                header = h
                reader = self._indicator_reader(h, blank_lines_are_cells)
                block, heading = heading, ""
                mode = "indicators"
                self._flush()
                continue
            vals = line.values()
            if vals and self.lex.label(vals[0].text) is not None and self.lex.label(vals[0].text).kind == "plan":
                plan = self._plan_header(line)
                continue
            if self.stream and not line.values():
                # one cell per line: a label, blank lines, then another label — the first one's cell is empty
                # (with no blank line between them, labels of one row wait for their values in order)
                if self.queue and self.queue_line[-1] == last_label_line and self._label_next(lines, k_line):
                    self.queue.pop()
                    self.queue_line.pop()
                continue
            para = self._level_paragraph(line)
            if para is not None:
                if reader is None:
                    header = Header([Column("name", 0), Column("target", 1)], line.pos)
                    reader = self._indicator_reader(header, blank_lines_are_cells)
                if not reader.level_paragraph(*para):
                    self.draft.warn(line.pos, self.P + ("indicators",), f"'{para[1].text.strip()[:40]}…' holds more "
                                    "than one indicator: not read; add its indicators by hand")
                continue
            self.label_follows = self._label_next(lines, k_line)
            self._header_line(line)
            if self.queue:
                last_label_line = self.queue_line[-1]
        self._flush()
        indicators = reader.finish() if reader is not None else []
        if reader is not None:
            self.draft.table_ends[self.P[1]] = reader.last_pos
        return self._assemble(indicators, header is not None)

    def _level_paragraph(self, line: Line) -> tuple[Tok, Tok] | None:
        """A row of cells whose last two are a level and a paragraph of several
        indicators (年度绩效总目标 | 产出指标 | 名称8次;名称≥86%。), with no value
        before them: (level, paragraph)."""
        vals = line.values()
        if line.kind != "cells" or len(vals) < 2:
            return None
        level, body = vals[-2], vals[-1]
        text = nfkc(body.text).strip().rstrip(";；。")
        if self.lex.level(level.text) is None or self.lex.level(body.text) is not None or not re.search(r"[;；。]", text):
            return None
        if any(self.lex.label(v.text) is None and not self.lex.label_like(v.text) for v in vals[:-2]):
            return None
        return level, body

    def _indicator_reader(self, h: Any, blank_lines_are_cells: bool) -> IndicatorReader:
        reader = IndicatorReader(h, self.P + ("indicators",), self.draft, self.stream)
        reader.keep_blanks = self.stream and blank_lines_are_cells and any(c.kind == "ignored" for c in h.value_columns())
        return reader

    def _block_heading(self, line: Line) -> str:
        """'period' / 'year' for a heading of a block of indicators (长期绩效指标,
        年度绩效指标), alone on its line or before the header's labels."""
        vals = line.values()
        lab = self.lex.label(vals[0].text) if vals else None
        return self.lex.group_of(vals[0].text) if lab is not None and lab.kind == "section" else ""

    def _read_wide(self, header: Any, rows: list[Line]) -> list[tuple[dict[str, Any], Pos, Pos]]:
        """A header that holds project fields and indicator columns side by
        side (单位名称 | 项目名称 | 预算数 | 年度目标 | 一级指标 | …): a row whose
        cells before its first indicator level are filled starts a project;
        merged cells on the left are missing from the flattened rows, so the
        filled cells are the last field columns. In a line of text split at
        its spaces a cell's own spaces would split it too: there the pieces
        before the first level must be as many as the project's columns."""
        from .indicators import Header

        k0 = next((i for i, c in enumerate(header.columns) if c.kind in ("level1", "level2", "name")), len(header.columns))
        fields = header.columns[:k0]  # the project's columns: its fields, and those the format does not hold
        ih = Header(header.columns[k0:], header.pos, False, len(header.columns) - k0)
        out: list[tuple[dict[str, Any], Pos, Pos]] = []
        cur: ProjectReader | None = None
        reader: IndicatorReader | None = None
        first = last = self.seg[0].pos

        def close() -> None:
            if cur is not None and reader is not None:
                self.draft.table_ends[cur.P[1]] = reader.last_pos
                p = cur._assemble(reader.finish(), True)
                if p is not None:
                    out.append((p, first, last))

        for line in rows:
            if _footer(line) or _title_kind(line):
                break
            vals = line.values()
            if not vals:
                continue
            k = next((i for i, t in enumerate(vals) if self.lex.level(t.text)), None)
            lead = vals[:k] if k is not None else []
            if lead and not (len(lead) == len(fields) or (line.kind == "cells" and len(lead) < len(fields))):
                close()
                cur = reader = None
                self.draft.warn(line.pos, self.P[:1], f"a project's row whose {len(lead)} pieces before its first "
                                f"level do not fit the {len(fields)} columns of the header: not read "
                                f"('{' | '.join(t.text for t in lead)[:60]}')")
                continue
            if lead:
                close()
                cur = ProjectReader(self.seg, self.P[1] + len(out), self.draft)
                cur.units = self.units
                reader = IndicatorReader(ih, cur.P + ("indicators",), self.draft, False)
                first = line.pos
                for col, t in zip(fields[len(fields) - len(lead):], lead):
                    lab = self.lex.label(col.text)
                    if lab is not None and col.kind == "field":
                        if cur._accepts(lab, t.text):
                            cur._assign(lab, Tok(col.text, header.pos), t)
                        else:
                            self.draft.warn(t.pos, cur.P, f"'{t.text.strip()[:40]}' under {col.text} is not a "
                                                          f"{col.text}; not read")
            if cur is None or reader is None:
                continue
            reader._sequence(vals[k or 0:], line, by_count=False)  # a row without a level continues the project
            last = line.pos
        close()
        return out

    def _label_next(self, lines: list[Line], k: int) -> bool:
        """Is the next line with text after lines[k] a label?"""
        for line in lines[k + 1:]:
            vals = line.values()
            if vals:
                lab = self.lex.label(vals[0].text)
                return lab is not None and lab.kind in ("field", "year", "ignored", "section", "column", "plan")
        return False

    def _title_with_labels(self, line: Line) -> bool:
        """A run-together line that starts with the title and goes on with labels."""
        if line.kind == "cells":
            return False
        t = norm(line.text)
        for w in self.lex.project_titles:
            t = t.replace(w, "")
        return len([lab for lab in _labels_in(Line([Tok(t, line.pos)], line.pos, "spaces", t)) if lab.kind == "field"]) >= 2

    # ------------------------------------------------------------ header part

    def _tokens(self, line: Line) -> list[Tok]:
        out: list[Tok] = []
        if line.kind == "cells":
            for t in line.toks:
                if t.merged:
                    continue
                if not t.blank and self.lex.label(t.text) is None:
                    pieces = split_run_together(t)
                    out.extend(pieces if len(pieces) > 1 and self.lex.label(pieces[0].text) else [t])
                else:
                    out.append(t)
            return out
        # a line of text: pieces between labels are one value each
        pieces: list[Tok] = []
        for t in line.toks:
            pieces.extend(split_run_together(t))
        value: list[Tok] = []

        def flush_value() -> None:
            if value:
                text = _joined(value, line)
                out.append(Tok(text, value[0].pos, value[0].col))
                value.clear()

        # a label printed with spaces inside it ("年度主要目标     和成果"): the longest label wins
        joined: list[Tok] = []
        i = 0
        while i < len(pieces):
            for j in range(min(len(pieces), i + 3), i + 1, -1):
                text = "".join(p.text for p in pieces[i:j])
                if self.lex.label(text) is not None:
                    joined.append(Tok(text, pieces[i].pos, pieces[i].col))
                    i = j
                    break
            else:
                joined.append(pieces[i])
                i += 1
        for t in joined:
            if t.blank or not norm(t.text):
                continue  # "其中", ":" on their own
            if self.lex.label(t.text) is not None or unit_in(t.text) and len(nfkc(t.text).strip()) <= 8:
                flush_value()
                out.append(t)
            else:
                value.append(t)
        flush_value()
        return out

    def _header_line(self, line: Line) -> None:
        toks = self._tokens(line)
        had_value = False
        waiting = 0  # labels queued when the line's last value was read
        prev_label = False
        last_filled = max((k for k, t in enumerate(toks) if t.text.strip()), default=-1)
        self.line_keys: set[str] = set()
        unknown_amounts = self._unknown_amount_labels(line, toks)
        for n, t in enumerate(toks):
            text = t.text.strip()
            if n in unknown_amounts:
                self.draft.warn(t.pos, self.P, f"'{text}' stands among amount labels: an amount label the lexicon "
                                               "does not know; its value is not read (add it to lexicon.yaml)")
                self.queue.append((Label("ignored", "", norm(text)), t))
                self.queue_line.append(id(line))
                prev_label = True
                continue
            if not text:
                # a label's empty cell — not the padding after a row's last cell
                if line.kind == "cells" and self.queue and prev_label and n < last_filled:
                    # the cell of the label just before is empty: that field is left out
                    self.queue.pop()
                    self.queue_line.pop()
                prev_label = False
                continue
            lab = self.lex.label(text)
            if lab is None and self.lex.label_like(text) and not self._joins_label(text):
                # a label the lexicon does not know: neither it nor its value is a value of the label before
                self.draft.warn(t.pos, self.P, f"'{text}' looks like a label the lexicon does not know; it and "
                                               "its value are not read (add it to lexicon.yaml)")
                lab = Label("ignored", "", norm(text))
            prev_label = lab is not None
            if lab is None and unit_in(text) and len(nfkc(text)) <= 8:
                self.units.append((t.pos, unit_in(text) or ""))
                continue
            if lab is not None:
                self.labelled = True
                if self.goal_buffer:
                    self._resolve_goals()
                u = unit_in(text)
                if u:
                    self.units.append((t.pos, u))
                if lab.kind == "section":
                    self.section = lab.key
                    self.last_field = ""  # a heading ends the field above it
                    continue
                if lab.kind in ("field", "year", "ignored"):
                    if line.data.get("exploded") and self.queue and self.queue_line[-1] == self.last_exploded \
                            and not (lab.key == "goals" and self._period_goals(self.queue[-1])):
                        # run-together text: a label right after a label had an empty cell — but the
                        # period's and the year's goal labels (长期目标年度目标) head a row of two cells below,
                        # unless another goal label follows them (实施期目标年度目标总体目标: their cells were empty)
                        popped, _ = self.queue.pop(), self.queue_line.pop()
                        if lab.key == "goals" and popped[0].key == "goals":
                            keep = [k for k, q in enumerate(self.queue) if not self._period_goals(q)]
                            self.queue = [self.queue[k] for k in keep]
                            self.queue_line = [self.queue_line[k] for k in keep]
                    if line.data.get("exploded"):
                        self.last_exploded = id(line)
                    if lab.kind == "ignored" and any(w in nfkc(text) for w in self.lex.period_marks):
                        self.saw_period = True
                    if lab.kind == "field" and lab.key == "goals":
                        # 总体目标 above 年度目标 (and 中期目标): the year's goals
                        keep = [k for k, q in enumerate(self.queue) if q[0].key != "goals"]
                        self.queue = [self.queue[k] for k in keep]
                        self.queue_line = [self.queue_line[k] for k in keep]
                    self.queue.append((lab, t))
                    self.queue_line.append(id(line))
                    continue
                if lab.kind == "column":
                    continue
            had_value = True
            self.last_exploded = 0
            self._value(t, line)
            waiting = len(self.queue)
        only_labels = all(self.lex.label(t.text) is not None or n in unknown_amounts
                          for n, t in enumerate(toks) if t.text.strip())
        if had_value or (line.kind == "cells" and not self.stream and not only_labels):
            # labels of this row left without a value are blank; labels of a row
            # of labels above still wait for the values below them. A line of text
            # that ends with a label ("部门名称 某局 资金总额") may hold its value on the
            # next line: a label after the line's last value waits.
            tail = len(self.queue) - waiting if had_value and line.kind != "cells" else 0
            keep = [k for k, ln in enumerate(self.queue_line) if ln != id(line) or k >= len(self.queue) - tail]
            self.queue = [self.queue[k] for k in keep]
            self.queue_line = [self.queue_line[k] for k in keep]

    def _unknown_amount_labels(self, line: Line, toks: list[Tok]) -> set[int]:
        """A row of amount labels above a row of their amounts (财政拨款 | 非税安排 |
        上年结转 | 政府债券 | 其他): a short text between two labels, in a row of
        labels of which two or more are amounts', is an amount label the lexicon
        does not know. Its place keeps the amounts below in step."""
        if line.kind != "cells":
            return set()
        filled = [(n, t) for n, t in enumerate(toks) if t.text.strip()]
        labels = [self.lex.label(t.text) for _n, t in filled]
        if sum(1 for lab in labels if lab is not None and lab.key.startswith("budget.")) < 2:
            return set()
        out: set[int] = set()
        for k, ((n, t), lab) in enumerate(zip(filled, labels)):
            if lab is not None:
                continue
            if not (0 < k < len(filled) - 1 and labels[k - 1] is not None and labels[k + 1] is not None) \
                    or not re.fullmatch(r"[\u4e00-\u9fff]{2,6}", norm(t.text)) or self.lex.level(t.text):
                return set()
            out.add(n)
        return out

    def _joins_label(self, text: str) -> bool:
        """Does ``text`` complete the label waiting before it (主管部门 / 及编码)?"""
        return bool(self.queue) and self.lex.label(self.queue[-1][1].text + text) is not None

    def _accepts(self, lab: Label, text: str) -> bool:
        if lab.key.startswith("budget."):
            r = read_amount(text)
            return r is not None and _amount_rest_ok(r[2])
        if lab.key == "code":
            return bool(PROJECT_CODE_RE.match(compact(text)))
        if lab.key == "goals":
            return read_amount(text) is None or bool(read_amount(text)[2])  # type: ignore[index]
        return True

    def _value(self, t: Tok, line: Line) -> None:
        if re.match(r"^\s*[:：]\s*\S", t.text):  # ":2430.30": the label's colon, cut from the label in run-together text
            t = Tok(re.sub(r"^\s*[:：]\s*", "", t.text), t.pos, t.col, t.span, t.merged)
        if self.queue:
            # a label broken over two lines: 主管部门 / 及编码
            lab, ltok = self.queue[-1]
            joined = self.lex.label(ltok.text + t.text)
            if joined is not None and joined.kind in ("field", "year", "ignored"):
                self.queue[-1] = (joined, Tok(ltok.text + t.text, ltok.pos, ltok.col))
                return
        if id(line) in self.queue_line[1:]:
            # a label on the value's own line wins over labels left blank above it
            k = len(self.queue_line) - 1 - self.queue_line[::-1].index(id(line))
            self.queue, self.queue_line = self.queue[k:], self.queue_line[k:]
        while len(self.queue) > 1 and self.queue[0][0].key.startswith("budget.") and not self._accepts(self.queue[0][0], t.text) \
                and read_amount(t.text) is None:
            self.queue.pop(0)  # amount labels left blank above a text
            self.queue_line.pop(0)
        if len(self.queue) >= 2 and self.queue[0][0].kind == "ignored" and self._period(self.queue[0][1]) \
                and any(q[0].key == "goals" for q in self.queue[1:]) and line.kind != "cells":
            # 中期目标 | 年度目标 above their paragraphs: which paragraph is whose is known only at the end
            self.goal_buffer.append(t)
            return
        if self.stream and len(self.queue) >= 2 and self.queue_line[-1] != self.queue_line[-2] \
                and self.label_follows and len(line.values()) == 1:
            # one cell per line, labels one above the other, one value, then a label again: the value is the
            # nearest label's; the cells of the labels above it are empty (a flattening drops empty lines)
            self.queue, self.queue_line = self.queue[-1:], self.queue_line[-1:]
        while self.queue:
            lab, ltok = self.queue.pop(0)
            self.queue_line.pop(0)
            if self._accepts(lab, t.text):
                self._assign(lab, ltok, t)
                return
            if lab.key.startswith("budget.") and read_amount(t.text) is not None:
                # an amount that is not one amount ("854万854万(…)"): the field is left empty
                self.draft.warn(t.pos, self.P + ("budget", lab.key.split(".")[1]),
                                f"{ltok.text.strip()} reads '{t.text.strip()[:40]}', which is not one amount; left empty")
                return
        if len(t.text.strip()) == 1 and not t.text.strip().isdigit():
            self.draft.warn(t.pos, "", f"a single character '{t.text.strip()}' (a label printed a character a line?) not read")
            return
        if self.section == "purpose" and self.budget:
            self._set_text("purpose", t)
            return
        if self.last_field in ("goals", "purpose") and len(norm(t.text)) <= 3:
            # a few characters on their own after a text: a piece of a label printed a few characters a
            # line (专项 / 年度 / 绩效 / 指标), not more of the text
            self.draft.warn(t.pos, "", f"'{t.text.strip()}' (a piece of a label printed over several lines?) not read")
            self.last_field = ""
            return
        if self.last_field == "goals":
            self._goals(t)
            return
        if self.last_field == "purpose":
            self.proj["purpose"] = join_wrapped(self.proj["purpose"], _clean(t.text))
            return
        if not self.labelled:
            return  # text around the table's title (a web page's date, source, font size): not the table's
        self.draft.warn(t.pos, self.P, f"text not read: '{t.text.strip()[:50]}' (no label before it)")

    def _assign(self, lab: Label, ltok: Tok, t: Tok) -> None:
        key = lab.key
        if re.match(r"^\s*[:：]", t.text):  # "预算单位:东莞市交通运输局" split after its label
            t = Tok(re.sub(r"^\s*[:：]\s*", "", t.text), t.pos, t.col, t.span, t.merged)
        if lab.kind == "ignored":
            self.last_field = ""  # text after the ignored field's value is not the field before it
            m = _ONE_YEAR_SPAN_RE.match(nfkc(t.text).strip()) if "起止" in lab.text else None
            if m and m.group(2) in (None, m.group(1)):
                # a project that runs from one month to another of one year (2022年1月—12月): that year's budget
                self.draft.year_hints.append((t.pos, int(m.group(1)), f"{ltok.text.strip()} ({t.text.strip()})"))
            return
        self.last_field = key
        if key.startswith("budget."):
            k = key.split(".")[1]
            value, unit, _rest = read_amount(t.text)  # type: ignore[misc]
            prev = self.budget.get(k)
            year = lab.kind == "year"
            if prev is not None and k in getattr(self, "line_keys", set()):
                # one row, two groups (the whole period's, then the year's): the year's is the filing's
                self.budget[k] = (value, unit or (unit_in(ltok.text) if unit is None else unit), t, year)
                self.draft.comment(self.P + ("budget", k), f"{t.pos}: the row prints {ltok.text.strip()} twice "
                                   f"({prev[2].text.strip()}, {t.text.strip()}); the second (the year's) is taken")
                return
            if prev is not None and not year and prev[3]:
                return  # the year's value is already read
            if prev is not None and self.saw_period and prev[2].pos != t.pos:
                # printed for the whole period, then for the year (中期资金总额 … 年度资金总额 …)
                self.budget[k] = (value, unit, t, year)
                self.draft.comment(self.P + ("budget", k), f"{ltok.text.strip()} is printed for the period "
                                   f"({prev[2].text.strip()}) and for the year ({t.text.strip()}); the year's is taken")
                return
            if prev is not None and prev[3] == year and prev[0] != value:
                self.draft.warn(t.pos, self.P + ("budget", k),
                                f"{ltok.text.strip()} printed twice ({prev[2].text.strip()}, {t.text.strip()}); kept the first")
                return
            self.budget[k] = (value, unit, t, year)
            if hasattr(self, "line_keys"):
                self.line_keys.add(k)
            u = unit_in(ltok.text)
            if u and unit is None:
                self.budget[k] = (value, u, t, year)
            return
        if key == "goals":
            self.goal_pos = self.goal_pos or t.pos
            self._goals(t)
            return
        if key == "agency":
            name, code = agency_name(t.text)
            self.agency.append((name, t.pos))
            self.draft.agency_lines.append((t.pos, "", name, ""))
            return
        if key == "code":
            self.proj["code"] = compact(t.text)
            self.pos["code"] = t.pos
            return
        if key in ("name", "implementer", "purpose"):
            if key in self.proj and key != "purpose":
                if compact(self.proj[key]) != compact(t.text):
                    self.draft.warn(t.pos, self.P + (key,), f"{ltok.text.strip()} printed twice ('{self.proj[key]}', "
                                                            f"'{t.text.strip()[:40]}'); kept the first")
                return
            self._set_text(key, t)

    def _set_text(self, key: str, t: Tok) -> None:
        text = _clean(t.text)
        if key == "purpose" and "purpose" in self.proj:
            self.proj["purpose"] = join_wrapped(self.proj["purpose"], text)
        else:
            self.proj[key] = text
        self.pos.setdefault(key, t.pos)
        self.last_field = key

    def _goals(self, t: Tok) -> None:
        for part in t.text.split("\n"):
            pieces = _enumerated(part)
            if len(pieces) == 1:
                m = re.match(r"^(?P<lead>.{4,200}?[:：])\s*(?P<rest>(?:目标\s*1\s*[:：]|1\s*[、.．]).*)$", part.strip())
                if m and len(_enumerated(m.group("rest"))) > 1:
                    # "…达成以下目标: 目标1:… 目标2:…": the lead-in is no goal of its own
                    self.draft.comment(self.P + ("goals",), f"{t.pos}: lead-in not copied: '{m.group('lead')[:60]}'")
                    pieces = _enumerated(m.group("rest"))
            for piece in pieces:
                g = strip_enum(piece)
                if g:
                    self.goals.append(_clean(g))
        self.last_field = "goals"

    def _period_goals(self, queued: tuple[Label, Tok]) -> bool:
        lab, tok = queued
        return lab.kind == "ignored" and self._period(tok) and "目标" in nfkc(tok.text)

    def _period(self, tok: Tok) -> bool:
        return any(w in nfkc(tok.text) for w in self.lex.period_marks + ["中期"])

    def _resolve_goals(self) -> None:
        """Paragraphs under a period's and a year's goal label, side by side:
        an even number splits in halves (the year's second); otherwise the
        editor decides."""
        buf, self.goal_buffer = self.goal_buffer, []
        if not buf:
            return
        k = next((i for i, q in enumerate(self.queue) if q[0].key == "goals"), None)
        if len(buf) % 2 == 0 and k is not None:
            for t in buf[len(buf) // 2:]:
                self._assign(self.queue[k][0], self.queue[k][1], t)
            self.draft.comment(self.P + ("goals",), f"{buf[0].pos}: {len(buf)} paragraphs under two goal labels "
                                                    "(the period's, the year's); the second half is the year's")
        else:
            self.draft.warn(buf[0].pos, self.P + ("goals",), f"{len(buf)} paragraphs under two goal labels (the "
                            "period's and the year's): cannot tell which are the year's; fill in goals")
        self.queue, self.queue_line = [], []

    def _flush(self) -> None:
        self._resolve_goals()
        self.queue, self.queue_line = [], []

    # ------------------------------------------------------------ spending plan

    def _plan_header(self, line: Line) -> tuple[dict[int, str], bool, Pos]:
        months: dict[int, str] = {}
        for i, t in enumerate(line.toks):
            m = PLAN_MONTH_RE.match(compact(nfkc(t.text)))
            if m:
                month = int(m.group(1))
                if month in CHECKPOINT_BY_MONTH:
                    months[i] = CHECKPOINT_BY_MONTH[month]
                else:
                    self.draft.warn(t.pos, self.P + ("spending_plan",),
                                    f"checkpoint '{t.text.strip()}' is not one of 3月底/6月底/10月底/12月底; not read")
        percent = bool(re.search(r"[%％]", line.toks[0].text if line.toks else ""))
        return months, percent, line.pos

    def _plan_values(self, line: Line, plan: tuple[dict[int, str], bool, Pos]) -> None:
        months, percent, hpos = plan
        values: dict[str, tuple[str, str, Any]] = {}
        for i, t in enumerate(line.toks):
            text = compact(nfkc(t.text))
            if not text:
                continue
            if i not in months:
                self.draft.warn(t.pos, self.P + ("spending_plan",), f"value '{t.text.strip()}' is not under a checkpoint heading; not read")
                continue
            m = PLAN_VALUE_RE.match(text)
            if not m:
                self.draft.warn(t.pos, self.P + ("spending_plan", months[i]), f"'{t.text.strip()}' is not a number; left out")
                continue
            values[months[i]] = (m.group(1), m.group(2), t.pos)
        if not values:
            self.draft.warn(line.pos, self.P + ("spending_plan",), "资金支出计划 row holds no values")
            return
        total = self.budget.get("total")
        p = plan_from_values(values, percent, str(total[0]) if total else None, self.P, self.draft, hpos)
        if p:
            self.proj["spending_plan"] = p
        missing = [k for k in ("mar", "jun", "oct", "dec") if k not in values and k not in months.values()]
        if missing:
            self.draft.comment(self.P + ("spending_plan",), f"the text prints no {'/'.join(missing)} checkpoint")

    # ------------------------------------------------------------ result

    def _unit(self, cell: Tok, value: Decimal) -> tuple[str, str]:
        """The unit of an amount without one attached: the nearest caption
        before it in this table, else anywhere before it in the document,
        else the unit of the same amount where the text allocates it (a
        notice's "现将…资金500万元下达" above its table)."""
        if self.units:
            return self.units[-1][1], f"the caption at {self.units[-1][0]}"
        hints = self.draft.unit_hints
        first = self.seg[0].pos
        before = [h for h in hints if _before(h[0], first)]
        inside = [h for h in hints if not _before(h[0], first) and _before(h[0], cell.pos, strict=False)]
        if inside:
            return inside[-1][1], f"the caption at {inside[-1][0]}"
        if before:
            return before[-1][1], f"the caption at {before[-1][0]}"
        same = [(unit, printed) for v, unit, printed in allocated_amounts(self.draft.all_text) if v == value and value]
        if len({unit for unit, _ in same}) == 1:
            return same[0][0], f"the same amount allocated in the text ('{same[0][1]}')"
        return "", ""

    def _assemble(self, indicators: list[dict[str, Any]], had_header: bool) -> dict[str, Any] | None:
        P, d = self.P, self.draft
        out: dict[str, Any] = {}
        if "code" in self.proj:
            out["code"] = self.proj["code"]
        if "name" not in self.proj and self.heading:
            self.proj["name"] = self.heading[0]
            d.comment(P + ("name",), f"from the heading ({self.heading[1]}): no 项目名称 cell was read")
        elif self.heading and compact(self.heading[0]) != compact(self.proj.get("name", "")):
            d.warn(self.heading[1], P + ("name",), f"the heading names '{self.heading[0]}' but 项目名称 reads "
                                                   f"'{self.proj.get('name')}'; took 项目名称")
        if self.heading is None and "code" in self.proj and self.seg and self.seg[0].kind == "cells":
            d.comment(P, "no numbered heading (…绩效目标表) before this table; found by its 项目编码 row")
        if "name" in self.proj:
            out["name"] = self.proj["name"]
        else:
            d.warn(self.seg[0].pos, P + ("name",), "no 项目名称 found for this project table")
        if "implementer" in self.proj:
            out["implementer"] = self.proj["implementer"]
            d.implementers.append((self.pos.get("implementer", self.seg[0].pos), self.proj["implementer"]))
        budget: dict[str, Any] = {}
        for k in MONEY_KEYS:
            if k not in self.budget:
                continue
            value, unit, cell, _year = self.budget[k]
            where = "attached to the amount"
            if unit is None:
                unit, where = self._unit(cell, value)
            if not unit:
                unit = WAN
                d.warn(cell.pos, P + ("budget", k), f"no amount unit printed for '{cell.text.strip()}'; "
                                                    "assumed 万元 — check the document's unit")
            else:
                d.source_units.append(unit)
            conv = to_wan(value, unit)
            budget[k] = amount_text(conv) if unit == YUAN or value != conv or not _plain(cell.text) else Num(_printed(cell.text))
            if unit == YUAN:
                d.comment(P + ("budget", k), f"printed '{cell.text.strip()}' 元 ({where}); converted exactly to 万元")
            elif where.startswith("the same amount"):
                d.comment(P + ("budget", k), f"printed '{cell.text.strip()}' without a unit; 万元 from {where}")
            elif not _plain(cell.text):
                d.comment(P + ("budget", k), f"printed '{cell.text.strip()[:40]}'")
        if budget:
            out["budget"] = budget
            self._check_budget(budget)
            if "total" not in budget:
                d.warn(self.seg[0].pos, P + ("budget", "total"), "no total amount (预算数 / 年度资金总额) printed or read; "
                                                              "fill in budget.total")
        else:
            d.warn(self.seg[0].pos, P + ("budget", "total"), "no amount (预算数 / 年度资金总额) read for this project")
            out["budget"] = {}
        for k in ("purpose", "spending_plan"):
            if k in self.proj:
                out[k] = self.proj[k]
        if self.goals:
            out["goals"] = self.goals
        if indicators:
            out["indicators"] = indicators
        elif not had_header:
            d.warn(self.seg[-1].pos, P + ("indicators",), "no indicator table (一级指标 / 二级指标 …) in this project")
        if not self.budget and not indicators and not had_header:
            # a 项目名称 label in another kind of table (a list of allocations): no project here, and the
            # agencies it names are not the filing's (its 单位名称 may be a heading run together: 会展项目名称)
            d.drop_warnings(_path(P), self.warn_start)
            del d.agency_lines[self.named_start[0]:]
            del d.implementers[self.named_start[1]:]
            if self.proj.get("name"):
                d.warn(self.pos.get("name", self.seg[0].pos), "", f"'{self.proj['name']}' has no amount and no "
                       "indicator table: not read as a project")
            return None
        return out

    def _check_budget(self, budget: dict[str, Any]) -> None:
        if "total" not in budget:
            return
        total = Decimal(budget["total"])
        parts = [Decimal(budget[k]) for k in ("fiscal", "carryover", "other") if k in budget]
        if parts and sum(parts) > total:
            self.draft.warn(self.budget["total"][2].pos, self.P + ("budget", "total"),
                            f"the parts ({' + '.join(str(p) for p in parts)}) exceed the total {total}: check the amounts")
        elif len(parts) >= 2 and sum(parts) != total and all(k in budget for k in ("fiscal", "other")):
            self.draft.warn(self.budget["total"][2].pos, self.P + ("budget", "total"),
                            f"the total {total} is not the sum of its parts ({' + '.join(str(p) for p in parts)}): "
                            "check the amounts")


def _page_breaks(lines: list[Line]) -> list[Line]:
    """A table row broken by a page break: the first row of the next page's
    table holds the rest of each cell. Joined when the first cells together
    make a label that neither is alone (预算规模 / 及资金用途)."""
    lex = lexicon()
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and line.kind == prev.kind == "cells" and line.pos.page and prev.pos.page
                and line.pos.page == prev.pos.page + 1 and line.pos.row == 1 and len(line.toks) == len(prev.toks)
                and prev.toks and line.toks):
            a, b = prev.toks[0].text.strip(), line.toks[0].text.strip()
            if a and b and lex.label(b) is None and lex.label(a + b) is not None:
                toks = [Tok(join_wrapped(x.text, y.text) if y.text.strip() else x.text, x.pos, x.col, x.span, x.merged)
                        for x, y in zip(prev.toks, line.toks)]
                out[-1] = Line(toks, prev.pos, prev.kind, "", prev.table, prev.spans)
                continue
        out.append(line)
    return out


def _join_pieces(seg: list[Line]) -> list[Line]:
    """A label or level printed a few characters a line (总 / 体 / 目 / 标,
    专项立项 / 依据): the pieces are joined when together they are one."""
    lex = lexicon()

    def piece(line: Line) -> str | None:
        v = line.values()
        if len(v) == 1 and len(v[0].text.strip()) <= 4 and not lex.level(v[0].text):
            return v[0].text.strip()
        return None

    out: list[Line] = []
    i = 0
    while i < len(seg):
        first = piece(seg[i])
        if first is not None:
            text, j, best = first, i + 1, None
            while j < len(seg) and j - i <= 8:
                if not seg[j].values():
                    j += 1
                    continue
                p = piece(seg[j])
                if p is None:
                    break
                text += p
                j += 1
                if lex.label(text) is not None or lex.level(text):
                    best = (text, j)
            if best is not None:
                text, j = best
                tok = seg[i].values()[0]
                out.append(Line([Tok(text, tok.pos, tok.col)], seg[i].pos, seg[i].kind, text, seg[i].table))
                i = j
                continue
        out.append(seg[i])
        i += 1
    return out


_ONE_YEAR_SPAN_RE = re.compile(r"^(20\d\d)\s*年\s*\d{1,2}\s*月[^-—－–~至到]{0,6}[-—－–~至到]+\s*(?:(20\d\d)\s*年)?\s*\d{1,2}\s*月")


def _footer(line: Line) -> bool:
    """Text after a table: notes, approval rows, a web page's links."""
    t = re.sub(r"\s+", "", nfkc(line.text))
    lex = lexicon()
    return any(t.startswith(w) for w in lex.footer_starts) or any(w in t for w in lex.footer_words)


def _gather_headers(seg: list[Line]) -> list[Line]:
    """A table flattened to one cell per line prints its indicator header one
    label a line: those lines are joined into one header line."""
    lex = lexicon()
    out: list[Line] = []
    i = 0
    while i < len(seg):
        line = seg[i]
        vals = line.values()
        def header_labels(vs: list[Tok], first: bool) -> list[Any] | None:
            labs = [lex.label(v.text) for v in vs]
            if not vs or any(lab is None for lab in labs):
                return None
            ok = all(lab.kind == "column" or (lab.kind == "section" and not lab.key and first and k == 0)
                     for k, lab in enumerate(labs))
            return labs if ok else None

        labs0 = header_labels(vals, True)
        if labs0 is not None and len(vals) < 4:
            j = i
            toks: list[Tok] = []
            n_cols = 0
            while j < len(seg):
                v = seg[j].values()
                if not v:
                    j += 1
                    continue
                labs = header_labels(v, not toks)
                if labs is None:
                    break
                n_cols += sum(lab.kind == "column" for lab in labs)
                toks.extend(Tok(x.text, x.pos, len(toks) + k) for k, x in enumerate(v))
                j += 1
            if n_cols >= 2:
                out.append(Line(toks, line.pos, "spaces", " ".join(t.text for t in toks), line.table))
                i = j
                continue
        out.append(line)
        i += 1
    return out


def _path(P: tuple[Any, ...]) -> str:
    from ...content.load import format_path

    return format_path(P)


def _before(a: Pos, b: Pos, strict: bool = True) -> bool:
    ka = (a.page, a.line, a.table, a.row, a.para)
    kb = (b.page, b.line, b.table, b.row, b.para)
    return ka < kb if strict else ka <= kb


def _stream(seg: list[Line]) -> bool:
    """One cell per line: the labels of the header part stand alone on their lines."""
    alone = together = 0
    lex = lexicon()
    for line in seg:
        vals = line.values()
        if not vals:
            continue
        first = lex.label(vals[0].text)
        if first is None or first.kind not in ("field", "year"):
            continue
        if len(vals) == 1:
            alone += 1
        else:
            together += 1
    return alone >= 2 and alone > together


def _amount_rest_ok(rest: str) -> bool:
    """What may follow an amount in its cell: nothing, or an explanation in brackets."""
    rest = rest.strip()
    return not rest or (rest[0] in "(（" and not re.match(r"^\d", rest))


def _plain(text: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?", compact(text)))


def _printed(text: str) -> str:
    return compact(nfkc(text))


def _clean(text: str) -> str:
    return clean_cell(text)


def _joined(toks: list[Tok], line: Line) -> str:
    return as_printed([t.text for t in toks], line.raw)


_BRACKET_CODE_RE = re.compile(r"^\s*(?:[\[【(（]\s*(?P<c1>[0-9A-Za-z]{2,12})\s*[\]】)）]|(?P<c2>[0-9]{2,12})\s*[-－—])\s*")


def agency_name(text: str) -> tuple[str, str]:
    """'[015001]武汉市青山区教育局', '820001-井研县马踏镇人民政府' → name, code."""
    t = _clean(text)
    m = _BRACKET_CODE_RE.match(t)
    if m:
        return t[m.end():].strip(), m.group("c1") or m.group("c2") or ""
    m = re.match(r"^(.*\S)\s+(\d{3,12})$", t)  # "湘潭市城市管理和综合执法局 308001"
    if m:
        return m.group(1), m.group(2)
    return t, ""


_ENUM_SPLIT_RE = re.compile(r"(?:(?<=[。；;])|\s+)(?=(?:目标\s*\d+\s*[:：]|\d+\s*[、.．](?!\d)|[（(]\d+[)）]))")


_GOAL_NUMBER_RE = re.compile(r"目标\s*(\d+)\s*[:：]")


def _enumerated(text: str) -> list[str]:
    """'1、改善… 2、水泥路…' → the numbered items (only when numbered from 1).
    '目标1:…目标2:…' needs no space or full stop before its numbers when they
    run 1, 2, 3 …: a 目标N: in the middle of a sentence would break the run."""
    marks = list(_GOAL_NUMBER_RE.finditer(text))
    if len(marks) > 1 and marks[0].start() == len(text) - len(text.lstrip()) \
            and [int(m.group(1)) for m in marks] == list(range(1, len(marks) + 1)):
        ends = [m.start() for m in marks[1:]] + [len(text)]
        return [text[m.start():e].strip() for m, e in zip(marks, ends)]
    parts = [p.strip() for p in _ENUM_SPLIT_RE.split(text) if p.strip()]
    if len(parts) > 1 and re.match(r"^(目标\s*1\s*[:：]|1\s*[、.．]|[（(]1[)）])", parts[0]):
        return parts
    return [text]
