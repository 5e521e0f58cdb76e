"""Text flattened from a table, read back into a grid.

Each flattening keeps some of the table and loses the rest; each reader
keeps what its flattening kept and says (``Table.cells``) how sure it is of
the cell boundaries:

- ``word-cells``: a Word dump, one cell per line indented by a tab, an empty
  line ending a row — rows and cells are known;
- ``tabs``: one row per line, cells separated by tabs — rows and cells known;
- ``pipes``: ``|``-separated rows (Markdown, web pages), including tables
  flattened to one cell per line ending in ``|`` — cells known;
- ``lines``: anything else (cells separated by spaces, cells run together,
  one cell per line, PDF text with lines broken inside cells): every line is
  a row split at its runs of spaces, and the line itself is kept.

Converter noise (``Evaluation Warning…`` lines, ``[bookmark: …]`` markers,
page numbers ``- 3 -``) and a table of contents (entries ending in dot
leaders and a page number) are dropped and counted in ``Document.notes``.
"""
from __future__ import annotations

import re

from ..grid import SPACES, Cell, Document, Para, Pos, Row, Table

BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
NOISE_RES = (
    re.compile(r"^\s*Evaluation Warning\b.*$", re.I),
    re.compile(r"^\s*Created with .*(Spire|Aspose).*$", re.I),
    re.compile(r"^\s*-\s*\d+\s*-\s*$"),  # page numbers "- 3 -"
)
WORD_CELL_RE = re.compile(r"^ *\t(.*)$")
SEPARATOR_RE = re.compile(r"^\s*\|?[\s:\-|]+\|?\s*$")
TOC_RE = re.compile(r"(\.{3,}|…{2,}|·{3,})\s*\|?\s*\d+\s*\|?\s*$")
SPACE_RE = re.compile(r"[ \t\u3000\u00a0]+")


def is_noise(line: str) -> bool:
    return any(rx.match(line) for rx in NOISE_RES)


def sniff(lines: list[str]) -> str:
    """Which flattening the text is, by counting its lines' shapes."""
    word = tabs = pipes = content = 0
    for line in lines[:20000]:
        if not line.strip():
            continue
        content += 1
        m = WORD_CELL_RE.match(line)
        if m and "\t" not in m.group(1):
            word += 1
        elif "\t" in line.strip():
            tabs += 1
        elif "|" in line:
            pipes += 1
    if not content:
        return "lines"
    best = max((word, "word-cells"), (tabs, "tabs"), (pipes, "pipes"))
    return best[1] if best[0] >= max(2, content * 0.2) else "lines"


def read_text(text: str, source: str = "<text>") -> Document:
    """Text (any flattening) → a document of paragraphs and tables."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kind = sniff(lines)
    doc = Document([], source, kind)
    reader = {"word-cells": _word_cells, "tabs": _tabs, "pipes": _pipes, "lines": _lines}[kind]
    reader(lines, doc)
    _drop_contents(doc)
    return doc


def _noise(line: str, doc: Document) -> bool:
    if is_noise(line):
        doc.notes.append(f"line dropped as converter noise: {line.strip()[:40]}")
        return True
    return False


def _word_cells(lines: list[str], doc: Document) -> None:
    row: list[Cell] = []
    table: Table | None = None

    def end_row() -> None:
        nonlocal row
        if row:
            assert table is not None
            table.rows.append(Row(row, row[0].pos))
            row = []

    for n, raw in enumerate(lines, start=1):
        line = BOOKMARK_RE.sub("", raw)
        m = WORD_CELL_RE.match(line)
        if m:
            # " \t…": a paragraph mark directly followed by a new table
            if table is None or line.startswith(" "):
                end_row()
                table = Table([], Pos(line=n))
                doc.blocks.append(table)
            row.append(Cell(m.group(1).strip(), Pos(line=n), col=len(row)))
            continue
        end_row()
        if not line.strip() or _noise(line, doc):
            continue
        table = None
        doc.blocks.append(Para(line.strip(), Pos(line=n)))
    end_row()


def _tabs(lines: list[str], doc: Document) -> None:
    table: Table | None = None
    for n, line in enumerate(lines, start=1):
        if "\t" in line and line.strip():
            if table is None:
                table = Table([], Pos(line=n))
                doc.blocks.append(table)
            table.rows.append(Row(_split(line.split("\t"), n, line), Pos(line=n), line))
            continue
        table = None
        if line.strip() and not _noise(line, doc):
            doc.blocks.append(Para(line.strip(), Pos(line=n)))


def _pipes(lines: list[str], doc: Document) -> None:
    table: Table | None = None
    pending: list[tuple[int, str]] = []  # lines of a cell broken before its "|"
    for n, line in enumerate(lines, start=1):
        if table is not None and "|" not in line and line.strip() and _next_is_pipe(lines, n) \
                and table.rows and len(table.rows[-1].nonempty()) <= 1:
            pending.append((n, line.strip()))
            continue
        if "|" in line:
            if pending:
                # a cell whose text the flattening broke over lines: joined with the row's first cell
                head = "".join(p for _, p in pending)
                line = head + line.lstrip()
                n0 = pending[0][0]
                pending = []
            else:
                n0 = n
            if SEPARATOR_RE.match(line) and "-" in line:
                continue
            s = line.strip()
            s = s[1:] if s.startswith("|") else s
            s = s[:-1] if s.endswith("|") and not s.endswith("\\|") else s
            parts = [p.replace("\\|", "|") for p in re.split(r"(?<!\\)\|", s)]
            if table is None:
                table = Table([], Pos(line=n0))
                doc.blocks.append(table)
            table.rows.append(Row(_split(parts, n0, line), Pos(line=n0), line))
            continue
        for k, p in pending:
            doc.blocks.append(Para(p, Pos(line=k)))
        pending = []
        if not line.strip():
            continue  # a blank line inside a table flattened to one cell per line
        table = None
        if not _noise(line, doc):
            doc.blocks.append(Para(line.strip(), Pos(line=n)))


def _next_is_pipe(lines: list[str], n: int) -> bool:
    """Is the next non-blank line (after line n, 1-based) a row of cells?"""
    for line in lines[n:n + 6]:
        if line.strip():
            # a table flattened to one cell per line: "text |"
            return bool(re.match(r"^[^|]*\|\s*$", line))
    return False


def _split(parts: list[str], n: int, line: str) -> list[Cell]:
    """Cells of one line, each with the column where its text starts."""
    cells: list[Cell] = []
    at = 0
    for i, part in enumerate(parts):
        stripped = part.strip()
        found = line.find(stripped, at) if stripped else -1
        col = found + 1 if found >= 0 else 0
        if found >= 0:
            at = found + len(stripped)
        cells.append(Cell(stripped, Pos(line=n, col=col), col=i))
    return cells


def _lines(lines: list[str], doc: Document) -> None:
    table = Table([], Pos(line=1), SPACES)
    for n, raw in enumerate(lines, start=1):
        line = BOOKMARK_RE.sub("", raw)
        if not line:
            continue
        if not line.strip():
            # a line of spaces: an empty cell in a table flattened to one cell per line
            table.rows.append(Row([Cell("", Pos(line=n))], Pos(line=n), ""))
            continue
        if _noise(line, doc):
            continue
        cells = []
        for i, m in enumerate(re.finditer(r"[^ \t\u3000\u00a0]+", line)):
            cells.append(Cell(m.group(0), Pos(line=n, col=m.start() + 1), col=i))
        table.rows.append(Row(cells, Pos(line=n), line.strip()))
    if table.rows:
        doc.blocks.append(table)


def _drop_contents(doc: Document) -> None:
    """Remove a table of contents: 目录 and the entries after it that end in
    dot leaders and a page number."""
    def text_of(b: Para | Row) -> str:
        return b.text if isinstance(b, Para) else (b.raw or " ".join(b.texts()))

    items: list[tuple[list, int]] = []  # (container list, index) in document order
    for i, b in enumerate(doc.blocks):
        if isinstance(b, Para):
            items.append((doc.blocks, i))
        else:
            items.extend((b.rows, k) for k in range(len(b.rows)))
    entries = [j for j, (lst, k) in enumerate(items) if TOC_RE.search(text_of(lst[k]))]
    if not entries:
        return
    start = next((j for j, (lst, k) in enumerate(items)
                  if re.sub(r"\s+", "", text_of(lst[k])) in ("目录", "目次") and j <= entries[0]), entries[0])
    end = max(e for e in entries if e >= start)
    first, last = items[start][0][items[start][1]], items[end][0][items[end][1]]
    doc.notes.append(f"the table of contents ({first.pos}–{last.pos}) was skipped")
    drop = {(id(lst), k) for lst, k in items[start:end + 1]}
    for b in doc.blocks:
        if isinstance(b, Table):
            b.rows = [r for k, r in enumerate(b.rows) if (id(b.rows), k) not in drop]
    doc.blocks = [b for k, b in enumerate(doc.blocks)
                  if (id(doc.blocks), k) not in drop and not (isinstance(b, Table) and not b.rows)]
