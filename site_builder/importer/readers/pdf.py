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
        for p, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            blocks: list[tuple[float, Para | Table]] = []
            for t_no, t in enumerate(found, start=1):
                table = Table([], Pos(page=p, table=t_no), CELLS)
                xs = sorted({round(c[0], 1) for c in t.cells})
                for r, row in enumerate(t.rows, start=1):
                    cells: list[Cell] = []
                    for c, box in enumerate(row.cells, start=1):
                        pos = Pos(page=p, table=t_no, row=r, cell=c)
                        if box is None:
                            continue  # covered by a merged cell
                        text = page.crop(_inside(box, page)).extract_text() or ""
                        col = _column(box[0], xs)
                        span = max(1, _column(box[2], xs + [float("inf")]) - col)
                        cells.append(Cell(_clean(text), pos, col, span))
                    if cells:
                        table.rows.append(Row(cells, Pos(page=p, table=t_no, row=r)))
                if table.rows:
                    blocks.append((t.bbox[1], table))
            outside = page
            for box in boxes:
                outside = outside.outside_bbox(_inside(box, page))
            text = outside.extract_text() or ""
            words = [ln for ln in text.split("\n") if ln.strip()]
            if not found:
                table = Table([], Pos(page=p), SPACES)
                for k, line in enumerate(words, start=1):
                    cells = [Cell(m.group(0), Pos(page=p, row=k), i)
                             for i, m in enumerate(re.finditer(r"\S+", line))]
                    table.rows.append(Row(cells, Pos(page=p, row=k), line.strip()))
                if table.rows:
                    blocks.append((0.0, table))
            else:
                tops = _line_tops(outside)
                for k, line in enumerate(words):
                    blocks.append((tops[k] if k < len(tops) else 1e9, Para(line.strip(), Pos(page=p, row=k + 1))))
            blocks.sort(key=lambda b: b[0])
            doc.blocks.extend(b for _, b in blocks)
        if len(pdf.pages) > MAX_PAGES:
            doc.problems.append((Pos(page=MAX_PAGES + 1), f"only the first {MAX_PAGES} pages were read"))
    return doc


def _inside(box: tuple[float, float, float, float], page) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    x0, top, x1, bottom = box
    return (max(x0, page.bbox[0]), max(top, page.bbox[1]), min(x1, page.bbox[2]), min(bottom, page.bbox[3]))


def _column(x: float, xs: list[float]) -> int:
    for i, v in enumerate(xs):
        if x <= v + 1:
            return i
    return len(xs)


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


def _line_tops(page) -> list[float]:  # type: ignore[no-untyped-def]
    tops: list[float] = []
    for line in page.extract_text_lines() if hasattr(page, "extract_text_lines") else []:
        tops.append(float(line.get("top", 0)))
    return tops
