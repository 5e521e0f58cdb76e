"""The recognizer's view of a document: lines of tokens.

Every paragraph and every table row becomes a :class:`Line`; its tokens are
the row's cells (or, for text whose cells are separated by spaces, its runs
of non-space text). Nothing here knows which file format the grid came from:
only how sure the reader was of the cell boundaries (``Line.kind``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..grid import CELLS, Document, Para, Pos, Table
from ..lexicon import _ENUM_LABEL, Label, lexicon, nfkc
from ..regions import starts_with_name

@dataclass
class Tok:
    text: str
    pos: Pos
    col: int = -1  # grid column, when the reader knew it
    span: int = 1
    merged: bool = False
    label: Label | None = None  # set when the token is a lexicon label

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Line:
    toks: list[Tok]
    pos: Pos
    kind: str  # "para", "cells" (real cells), "spaces" (a line of text split at its spaces)
    raw: str = ""
    table: int = 0  # which table of the document (0: a paragraph)
    spans: bool = False  # the reader knew each cell's grid column
    data: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        if self.raw:
            return self.raw
        return " ".join(t.text for t in self.toks if t.text.strip())

    def values(self) -> list[Tok]:
        return [t for t in self.toks if not t.blank]


def document_lines(doc: Document) -> list[Line]:
    out: list[Line] = []
    for n, b in enumerate(doc.blocks, start=1):
        if isinstance(b, Para):
            out.append(Line([Tok(b.text, b.pos)], b.pos, "para", b.text))
            continue
        assert isinstance(b, Table)
        spans = any(c.colspan > 1 or c.merged for r in b.rows for c in r.cells) and b.cells == CELLS
        for r in b.rows:
            toks = [Tok(c.text, c.pos, c.col, c.colspan, c.merged) for c in r.cells]
            out.append(Line(toks, r.pos, "cells" if b.cells == CELLS else "spaces", r.raw, n, spans))
    return out


_QUALIFIER_RE = re.compile(r"\s*:?\s*(\([^()]{1,8}\))")


def split_run_together(tok: Tok) -> list[Tok]:
    """A token that starts with a label, with more text run together after it
    ("项目名称农村义务…", "项目主管部门青山区教育局项目执行单位化工区学校"):
    split at the lexicon's labels. Other tokens are returned as they are."""
    lex = lexicon()
    t = re.sub(r"^(?:其中)?[:：\s]+|^其中(?=\S)", "", tok.text.strip())
    if not t or lex.label(t):
        return [Tok(t, tok.pos, tok.col, tok.span, tok.merged)] if t else []
    nt = nfkc(t)
    spans = lex.split_labels(nt)
    # a label may follow its enumeration (一、预算资金:250, (二)自有资金:0)
    if not spans or spans[0][0] != (m.end() if (m := _ENUM_LABEL.match(nt)) else 0):
        return [tok]
    # slices of the printed text where NFKC kept its length (the usual case)
    src = t if len(t) == len(nt) else nt
    # drop overlapping spans; a qualifier in brackets right after a label is
    # part of it ("填报单位(盖章):…", "填报单位:(盖章)"), not the start of its value
    kept: list[tuple[int, int, str]] = []
    for a, b in spans:
        if kept and a < kept[-1][1]:
            continue
        label = src[a:b]
        m = _QUALIFIER_RE.match(nt, b)
        if m and lex.label(label + m.group(1)) is not None:
            label, b = label + src[m.start(1):m.end(1)], m.end()
        kept.append((a, b, label))
    pieces: list[Tok] = []
    for k, (a, b, label) in enumerate(kept):
        end = kept[k + 1][0] if k + 1 < len(kept) else len(nt)
        pieces.append(Tok(label, tok.pos, tok.col, tok.span, tok.merged))
        rest = re.sub(r"^[:：\s]+", "", src[b:end]).strip()
        if rest:
            pieces.append(Tok(rest, tok.pos, tok.col, tok.span, tok.merged))
    return pieces


_OF_WHICH_RE = re.compile(r"其中[:：]?$")
_YEAR_PAREN_RE = re.compile(r"[(（]\s*20\d\d\s*年度?\s*[)）]")


def explode(line: Line) -> list[Line]:
    """A whole table run together on one line (a document-sharing preview):
    cut it before every label, table title and indicator level the lexicon
    knows, so that the pieces read like a table flattened to one cell per
    line. Other lines are returned as they are."""
    lex = lexicon()
    text = line.text
    if line.kind != "spaces" or len(text) < 150:
        return [line]
    # NFKC may change the length (… → ...): cut positions in ``t`` are mapped back to the printed text
    t = "".join(nfkc(c) for c in text)
    if t != nfkc(text):
        return [line]
    at = [k for k, c in enumerate(text) for _ in nfkc(c)] + [len(text)]
    words = [(w, "label") for w in lex._inner_all] + [(w, "title") for w in lex.project_titles if len(w) >= 5]
    words += [(w, "level") for w in lex._levels if len(w) >= 4]
    # a label too short to be cut wherever it occurs (区域 in 区域联防) is cut where the value after it is
    # a place's full name (区域新罗区、永定区…): a value that is a list of places is not the label's text
    words += [(w, "short") for w, lab in lex.labels.items() if len(w) < 4 and lab.kind in ("field", "ignored")]
    words.sort(key=lambda x: len(x[0]), reverse=True)
    cuts: list[tuple[int, int, str]] = []
    i = 0
    n_labels = 0
    while i < len(t):
        m = _YEAR_PAREN_RE.match(t, i)
        if m:
            cuts.append((i, m.end(), "year"))
            i = m.end()
            continue
        for w, kind in words:
            if t.startswith(w, i):
                end = i + len(w)
                if kind == "short":
                    if not starts_with_name(t[end:end + 12]):
                        continue
                    kind = "label"
                if kind == "label" and t.startswith("*", end):
                    end += 1  # the asterisk of a required field (一级指标*) is the label's
                m = _QUALIFIER_RE.match(t, end) if kind == "label" else None
                if m and lex.label(w + m.group(1)) is not None:
                    end = m.end()  # a qualifier that is part of the label: 填报单位(盖章)
                cuts.append((i, end, kind))
                n_labels += kind == "label"
                i = end
                break
        else:
            i += 1
    if n_labels < 5:
        return [line]
    out: list[Line] = []
    prev = 0

    def add(a: int, b: int) -> None:
        piece = text[a:b].strip()
        if piece:
            pos = type(line.pos)(**{**line.pos.__dict__, "col": (line.pos.col or 1) + a}) if line.pos.line else line.pos
            out.append(Line([Tok(piece, pos)], pos, "spaces", piece, line.table, data={"exploded": True}))

    for a, b, kind in cuts:
        m = _OF_WHICH_RE.search(t, prev, a) if kind == "label" else None
        if m:
            a = m.start()  # "35其中:财政拨款35": 其中 introduces the label after it, it is no part of the value before
        add(at[prev], at[a])
        add(at[a], at[b])
        prev = b
    add(at[prev], len(text))
    return out
