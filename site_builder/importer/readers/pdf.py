"""PDF files with pdfplumber: its table finder (ruling lines) gives cells
with their spans; the text outside the tables becomes paragraphs. A page
whose tables are not ruled gives no table: its text lines are read as a
table of lines, as the text readers do with PDF text.

Positions name page, table, row and cell (or page and line of the page's
text).
"""
from __future__ import annotations

import io
import re

from ..grid import CELLS, SPACES, Cell, Document, Para, Pos, Row, Table

MAX_PAGES = 500


def read_pdf(raw: bytes, source: str) -> Document:
    import pdfplumber

    doc = Document([], source, "pdf")
    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        pages = pdf.pages[:MAX_PAGES]
        tables = [page.find_tables() for page in pages]
        ruled = any(tables)  # a document whose tables have no ruling lines is read as lines of text
        for p, (page, found) in enumerate(zip(pages, tables), start=1):
            boxes = [t.bbox for t in found]
            blocks: list[tuple[float, Para | Table]] = []
            for t_no, t in enumerate(found, start=1):
                table = Table([], Pos(page=p, table=t_no), CELLS)
                texts = t.extract()
                for r, (row, row_texts) in enumerate(zip(t.rows, texts), start=1):
                    cells: list[Cell] = []
                    right = -1.0  # where the last real cell of this row ends
                    for c, box in enumerate(row.cells):
                        pos = Pos(page=p, table=t_no, row=r, cell=c + 1)
                        if box is None:
                            x0 = _column_x(t, c)
                            if x0 is not None and x0 >= right - 1:
                                cells.append(Cell("", pos, c, merged=True))  # under a cell merged from above
                            continue  # else covered by the cell on its left
                        span = _span(t, box, c)
                        text = row_texts[c] if c < len(row_texts) and row_texts[c] else ""
                        cells.append(Cell(_clean(text), pos, c, span))
                        right = box[2]
                    if any(cell.text for cell in cells):
                        table.rows.append(Row(cells, Pos(page=p, table=t_no, row=r)))
                if table.rows:
                    blocks.append((t.bbox[1], table))
            outside = page
            for box in boxes:
                outside = outside.outside_bbox(_inside(box, page))
            text = (outside.extract_text() or "") if not ruled else ""
            words = [ln for ln in text.split("\n") if ln.strip()]
            if not ruled:
                table = Table([], Pos(page=p), SPACES)
                for k, line in enumerate(words, start=1):
                    cells = [Cell(m.group(0), Pos(page=p, row=k), i)
                             for i, m in enumerate(re.finditer(r"\S+", line))]
                    table.rows.append(Row(cells, Pos(page=p, row=k), line.strip()))
                if table.rows:
                    blocks.append((0.0, table))
            else:
                for top, text, k in _paragraphs(outside):
                    blocks.append((top, Para(text, Pos(page=p, row=k))))
            blocks.sort(key=lambda b: b[0])
            doc.blocks.extend(b for _, b in blocks)
        if len(pdf.pages) > MAX_PAGES:
            doc.problems.append((Pos(page=MAX_PAGES + 1), f"only the first {MAX_PAGES} pages were read"))
    return doc


def _inside(box: tuple[float, float, float, float], page) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    x0, top, x1, bottom = box
    return (max(x0, page.bbox[0]), max(top, page.bbox[1]), min(x1, page.bbox[2]), min(bottom, page.bbox[3]))


def _column_x(t, c: int) -> float | None:  # type: ignore[no-untyped-def]
    """Where grid column c starts: the left edge of any cell that starts there."""
    for row in t.rows:
        if c < len(row.cells) and row.cells[c] is not None:
            return float(row.cells[c][0])
    return None


def _span(t, box: tuple[float, float, float, float], c: int) -> int:  # type: ignore[no-untyped-def]
    """How many grid columns a cell covers."""
    n = 1
    width = max(len(r.cells) for r in t.rows)
    while c + n < width:
        x = _column_x(t, c + n)
        if x is None or x >= box[2] - 1:
            break
        n += 1
    return n


def _clean(text: str) -> str:
    # a cell's wrapped lines: joined without a space between CJK characters
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    out = ""
    for ln in lines:
        if out and (ord(out[-1]) > 0x2e7f or ord(ln[0]) > 0x2e7f):
            out += ln
        elif out:
            out += " " + ln
        else:
            out = ln
    return out


def _paragraphs(page) -> list[tuple[float, str, int]]:  # type: ignore[no-untyped-def]
    """Text lines → paragraphs: a line that reaches the right margin wraps
    into the next one. (top, text, number of its first line on the page)."""
    lines = [ln for ln in page.extract_text_lines() if str(ln.get("text", "")).strip()]
    if not lines:
        return []
    right = max(float(ln["x1"]) for ln in lines)
    left = min(float(ln["x0"]) for ln in lines)
    # a document that indents its paragraphs' first lines says where paragraphs start
    indents = any(float(ln["x0"]) > left + 12 for ln in lines)
    out: list[list] = []
    wraps = False
    for k, ln in enumerate(lines, start=1):
        text = str(ln["text"]).strip()
        starts = float(ln["x0"]) > left + 12 if indents else False
        if wraps and out and not starts:
            out[-1][1] = _clean(out[-1][1] + "\n" + text)
        else:
            out.append([float(ln["top"]), text, k])
        # within a character of the right margin, not at a sentence's end (without indents to tell)
        wraps = float(ln["x1"]) >= right - 12 and (indents or not text.endswith(("。", "；", "：", ":", "！", "？")))
    return [(a, b, c) for a, b, c in out]
