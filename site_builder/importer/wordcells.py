"""Word tables dumped one cell per line (seeds 000, 001).

Each table cell is a line starting with a tab; an empty line ends a table
row; other lines are paragraphs. Converter noise ("Evaluation Warning: …"
lines, ``[bookmark: …]`` markers, lines holding only spaces) is dropped.
"""
from __future__ import annotations

import re

from .common import AGENCY_LINE_RE, BOOKMARK_RE, Draft, is_noise
from .tables import Block, Cell, Para, Row, read_blocks

CELL_RE = re.compile(r"^ *\t(.*)$")


def text_to_blocks(text: str, draft: Draft | None = None) -> list[Block]:
    blocks: list[Block] = []
    row: list[Cell] = []
    table = 0
    noise = 0

    def end_row() -> None:
        nonlocal row
        if row:
            blocks.append(Row(row, row[0].line, table))
            row = []

    for n, raw in enumerate(text.splitlines(), start=1):
        line = BOOKMARK_RE.sub("", raw)
        m = CELL_RE.match(line)
        if m:
            # " \t…": a paragraph mark directly followed by a new table
            if line.startswith(" ") or (row and AGENCY_LINE_RE.match(m.group(1)) and AGENCY_LINE_RE.match(m.group(1)).group("code")):
                end_row()
                table += 1
            row.append(Cell(m.group(1).strip(), n))
            continue
        end_row()
        if not line.strip():
            continue
        if is_noise(line):
            noise += 1
            continue
        table += 1
        blocks.append(Para(line.strip(), n))
    end_row()
    if draft is not None and noise:
        draft.notes.append(f"{noise} converter noise line(s) (Evaluation Warning …) were dropped.")
    return blocks


def read(text: str, draft: Draft) -> None:
    draft.layout = "word-cells"
    read_blocks(text_to_blocks(text, draft), draft)
