"""What every reader produces: a document of paragraphs and tables of cells.

Readers know nothing of filings; they only say what the source holds and
where. A :class:`Table` is rows of :class:`Cell` s; each cell knows its grid
column, its spans and its position in the source (a line of a text file, or
page/table/row/cell of a binary one), so that every later message can name
the right place. How sure the reader is of the cell boundaries is part of the
table (:attr:`Table.cells`), because flattened text loses some of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Pos:
    """A place in the source. Text sources have a line (and a column); binary
    ones a page (PDF), sheet (spreadsheets), table, row and cell."""

    line: int = 0
    col: int = 0
    page: int = 0
    sheet: str = ""
    table: int = 0
    row: int = 0
    cell: int = 0
    para: int = 0  # a paragraph of a Word document, counted from its start
    ref: str = ""  # a spreadsheet cell: B4

    def __str__(self) -> str:
        if self.line:
            return f"line {self.line}" + (f", column {self.col}" if self.col else "")
        if self.para:
            return f"paragraph {self.para}"
        if self.ref:
            return f"sheet {self.sheet}, cell {self.ref}"
        parts = []
        if self.page:
            parts.append(f"page {self.page}")
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.table:
            parts.append(f"table {self.table}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts) or "start of the file"

    @property
    def where(self) -> str:
        """The part after ``FILE:`` in a warning: ``12`` for a line (``12:5``
        with a column), ``page 2, table 1, row 3, cell 4`` otherwise."""
        if self.line:
            return f"{self.line}:{self.col}" if self.col else str(self.line)
        return str(self)


START = Pos(line=1)


@dataclass
class Cell:
    text: str
    pos: Pos
    col: int = 0  # grid column where the cell starts (0-based)
    colspan: int = 1
    rowspan: int = 1
    # an empty place covered by a cell above (a vertical merge): the reader
    # keeps it so that the row's columns stay where the grid has them
    merged: bool = False


@dataclass
class Row:
    cells: list[Cell]
    pos: Pos
    # the text of the row as a line of the source, when it was one
    raw: str = ""

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def nonempty(self) -> list[Cell]:
        return [c for c in self.cells if c.text.strip()]


# How a table's cell boundaries are known:
CELLS = "cells"  # real cells (Word, spreadsheets, HTML, PDF tables, tab- or |-separated text)
SPACES = "spaces"  # a line's runs of spaces: a cell's own spaces split it too
NONE = "none"  # lines of text whose cells may run together, or whose lines are broken inside cells


@dataclass
class Table:
    rows: list[Row]
    pos: Pos
    cells: str = CELLS


@dataclass
class Para:
    text: str
    pos: Pos


Block = Union[Para, Table]


@dataclass
class Document:
    blocks: list[Block]
    source: str = "<text>"
    reader: str = ""
    notes: list[str] = field(default_factory=list)  # what the reader dropped (noise, a table of contents)
    problems: list[tuple[Pos, str]] = field(default_factory=list)  # what it could not read
