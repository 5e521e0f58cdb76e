"""Markdown tables from a PDF converter (seed 004).

Tables are ``| a | b |`` lines; the converter adds an empty header row and a
``|---|`` separator, splits words inside narrow cells with spaces
(``经济效益指 标``, ``≥12000平 方米``) and may print a table of contents
(目录) whose entries end in dot leaders and page numbers. A table that
continues on the next page repeats its header; a cell broken by the page
break shows up as a row holding only the rest of that cell.
"""
from __future__ import annotations

import re

from .common import Draft, compact, is_noise, remove_conversion_spaces
from .tables import Block, Cell, Para, Row, read_blocks

SEPARATOR_RE = re.compile(r"^\s*\|?[\s:\-|]+\|?\s*$")
TOC_CELL_RE = re.compile(r"(\.{3,}|…{2,}|·{3,})")


def split_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = re.split(r"(?<!\\)\|", s)
    return [c.replace("\\|", "|").strip() for c in cells]


def text_to_blocks(text: str, draft: Draft | None = None) -> list[Block]:
    blocks: list[Block] = []
    table = 0
    in_table = False
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("|"):
            if not in_table:
                table += 1
                in_table = True
            if SEPARATOR_RE.match(line) and "-" in line:
                continue
            cells = split_row(line)
            if not any(c.strip() for c in cells):
                continue
            blocks.append(Row([Cell(c, n) for c in cells], n, table))
            continue
        in_table = False
        if not line.strip() or is_noise(line):
            continue
        blocks.append(Para(line.strip(), n))
    return _drop_toc(blocks, draft)


def _drop_toc(blocks: list[Block], draft: Draft | None) -> list[Block]:
    """Remove the table of contents: from 目录 to its last dotted entry."""
    start = next((i for i, b in enumerate(blocks) if isinstance(b, Para) and compact(b.text) in ("目录", "目次")), None)
    toc_rows = [i for i, b in enumerate(blocks)
                if isinstance(b, Row) and any(TOC_CELL_RE.search(c.text) for c in b.cells)]
    toc_paras = [i for i, b in enumerate(blocks) if isinstance(b, Para) and TOC_CELL_RE.search(b.text)
                 and re.search(r"\d+\s*$", b.text)]
    entries = sorted(toc_rows + toc_paras)
    if start is None and not entries:
        return blocks
    if start is None:
        start = entries[0]
    end = max([e for e in entries if e >= start], default=start)
    if draft is not None:
        draft.notes.append(f"The table of contents (lines {blocks[start].line}–{blocks[end].line}) was skipped.")
    return blocks[:start] + blocks[end + 1:]


def read(text: str, draft: Draft) -> None:
    draft.layout = "markdown"
    read_blocks(text_to_blocks(text, draft), draft, clean=remove_conversion_spaces)
