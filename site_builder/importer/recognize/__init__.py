"""The recognizer: a document's grid → a filing draft.

It knows nothing of file formats. It sees lines of tokens (paragraphs and
table rows, :mod:`.lines`) and reads them by the lexicon of labels
(``lexicon.yaml``) and by what values look like:

1. the text before the first project table is the agency-wide part (title,
   overview sections);
2. project tables are found by their titles, numbered headings, and by a
   项目编码 / 项目名称 label seen a second time;
3. in a project's header part a label's value is the cell (or text) after
   it, checked against the field (an amount field takes only an amount);
4. the indicator table is read by its header's columns (:mod:`.indicators`);
5. text whose lines were broken inside cells by a PDF converter (label
   pieces on separate lines) is read line by line (:mod:`.flow`).

What is not read with confidence is left out and becomes a review item with
its source position.
"""
from __future__ import annotations

import re

from ..common import Draft
from ..grid import Document
from . import flow, outline
from .lines import Line, document_lines, explode
from .overview import find_title
from .project import _page_breaks, _units, read

def recognize(doc: Document) -> Draft:
    draft = Draft(source_name=doc.source)
    draft.layout = doc.reader
    for pos, message in doc.problems:
        draft.warn(pos, "", message)
    if doc.notes:
        draft.notes.append(f"Dropped by the reader: {'; '.join(doc.notes[:3])}" + (f" and {len(doc.notes) - 3} more" if len(doc.notes) > 3 else "") + ".")
    lines = _page_breaks([piece for line in document_lines(doc) for piece in explode(line)])
    draft.all_text = "\n".join(line.text for line in lines)
    draft.last_line = lines[-1] if lines else None
    _units(lines, draft)
    if not lines:
        return draft
    if flow.broken(lines):
        draft.layout += " (lines broken inside cells)"
        flow.read(lines, draft)
        return draft
    if outline.is_outline(lines):
        draft.layout += " (indicators as an outline)"
        _outline(lines, draft)
        return draft
    read(lines, draft)
    return draft


def _outline(lines: list[Line], draft: Draft) -> None:
    """Indicators printed as headings and items: the title before them, then the outline."""
    first = next((k for k, line in enumerate(lines) if len(line.values()) == 1
                  and outline.heading(line.values()[0].text)), len(lines))
    # a row of cells (标 题: | 某县2025年…绩效目标设定 |) is a paragraph without its label cells
    cells = [[t.text for t in line.values()] if line.kind == "cells" else line.text.split("|") for line in lines[:first]]
    paras = [(" ".join(c.strip() for c in row if c.strip() and not re.search(r"[:：]\s*$", c)), line.pos)
             for row, line in zip(cells, lines[:first])]
    find_title(paras, draft)
    outline.read(lines, draft, outline.letter_fields([(line.text, line.pos) for line in lines[:first]]))


