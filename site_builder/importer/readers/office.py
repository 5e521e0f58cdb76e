"""Word and spreadsheet files: python-docx, openpyxl (.xlsx) and xlrd (.xls).

Positions name table, row and cell (Word) or sheet and cell (spreadsheets),
since these files have no lines. Merged cells: the cell that holds the text
keeps its span; every other place the merge covers becomes an empty
``merged`` cell when it starts a row's column of its own (a vertical merge),
so that a row's cells stay under the grid columns they belong to.
"""
from __future__ import annotations

import io
from typing import Any

from ..grid import Cell, Document, Para, Pos, Row, Table
from .text import is_noise


def read_docx(raw: bytes, source: str) -> Document:
    import docx
    from docx.table import Table as DocxTable, _Cell
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(raw))
    doc = Document([], source, "docx")
    n_par = 0
    n_table = 0

    def walk_table(tbl_el: Any) -> None:
        nonlocal n_table
        n_table += 1
        tbl = DocxTable(tbl_el, document)
        table = Table([], Pos(table=n_table, row=1))
        for r, tr in enumerate(tbl_el.tr_lst, start=1):
            cells: list[Cell] = []
            col = 0
            for c, tc in enumerate(tr.tc_lst, start=1):
                span = int(tc.grid_span or 1)
                pos = Pos(table=n_table, row=r, cell=c)
                if tc.vMerge == "continue":
                    cells.append(Cell("", pos, col, span, merged=True))
                else:
                    cell = _Cell(tc, tbl)
                    text = "\n".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
                    cells.append(Cell(text, pos, col, span))
                col += span
            table.rows.append(Row(cells, Pos(table=n_table, row=r)))
        doc.blocks.append(table)

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n_par += 1
            text = Paragraph(child, document).text.strip()
            if text and not is_noise(text):
                doc.blocks.append(Para(text, Pos(para=n_par)))
        elif tag == "tbl":
            walk_table(child)
    return doc


def _column_name(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def _sheet_table(sheet_name: str, n: int, values: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> Table:
    """Rows of values (0-based) and merged ranges (first row, last row,
    first col, last col; inclusive) → a table."""
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, r1, c0, c1 in merges:
        spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0)
    table = Table([], Pos(sheet=sheet_name, ref="A1"))
    for r, row in enumerate(values):
        cells: list[Cell] = []
        for c, v in enumerate(row):
            pos = Pos(sheet=sheet_name, ref=f"{_column_name(c)}{r + 1}")
            top = covered.get((r, c))
            if top is not None:
                if top[1] == c:  # the first column of a vertical merge: a place of its own
                    cells.append(Cell("", pos, c, merged=True))
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            cells.append(Cell(_cell_text(v), pos, c, colspan, rowspan))
        if any(cell.text for cell in cells):
            table.rows.append(Row(cells, Pos(sheet=sheet_name, ref=f"A{r + 1}")))
    return table


def _cell_text(v: Any) -> str:
    from decimal import Decimal

    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        # a number cell: its shortest exact decimal text (Decimal(repr) keeps 241.74 as 241.74)
        d = Decimal(repr(v))
        return format(d.normalize(), "f") if d == d.to_integral_value() else repr(v)
    return str(v).strip()


def read_xlsx(raw: bytes, source: str) -> Document:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=True, read_only=False)
    doc = Document([], source, "xlsx")
    for n, ws in enumerate(wb.worksheets, start=1):
        values = [[c.value for c in row] for row in ws.iter_rows()]
        merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        table = _sheet_table(ws.title, n, values, merges)
        if table.rows:
            doc.blocks.append(table)
    return doc


def read_xls(raw: bytes, source: str) -> Document:
    import xlrd

    book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=False,
                              logfile=io.StringIO())
    doc = Document([], source, "xls")
    for n in range(book.nsheets):
        sh = book.sheet_by_index(n)
        values = [[sh.cell_value(r, c) if sh.cell_type(r, c) != xlrd.XL_CELL_EMPTY else None
                   for c in range(sh.ncols)] for r in range(sh.nrows)]
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
        table = _sheet_table(sh.name, n + 1, values, merges)
        if table.rows:
            doc.blocks.append(table)
    return doc
