""".docx files, read directly with python-docx.

The document body is walked in order: each paragraph becomes a paragraph
block, each table row a row block with one cell per ``<w:tc>`` — a cell
spanning several columns counts once, and a cell continuing a vertical merge
is empty, exactly like the Word text dumps of seeds 000/001. The blocks then
go to the same interpreters as the text layouts.

Line numbers in warnings count the document's paragraphs and table rows
(there are no lines in a .docx).
"""
from __future__ import annotations

import io
import zipfile
from typing import Any

from .common import Draft, compact, is_noise
from .tables import Cell, Para, Row


def docx_blocks(raw: bytes) -> list[Para | Row]:
    import docx
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    doc = docx.Document(io.BytesIO(raw))
    blocks: list[Para | Row] = []
    n = 0
    table_no = 0

    def walk_table(tbl_el: Any) -> None:
        nonlocal n, table_no
        table_no += 1
        tbl = Table(tbl_el, doc)
        for tr in tbl_el.tr_lst:
            n += 1
            cells: list[Cell] = []
            for tc in tr.tc_lst:
                if tc.vMerge == "continue":
                    cells.append(Cell("", n))
                    continue
                cell = _Cell(tc, tbl)
                text = "\n".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
                cells.append(Cell(text, n))
            blocks.append(Row(cells, n, table_no))

    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n += 1
            text = Paragraph(child, doc).text.strip()
            if text and not is_noise(text):
                blocks.append(Para(text, n))
        elif tag == "tbl":
            walk_table(child)
        elif tag == "sdt":  # content controls (e.g. a table of contents)
            for p in child.iter():
                if p.tag.rsplit("}", 1)[-1] == "p":
                    n += 1
    return blocks


def import_docx(raw: bytes, name: str, *, region: str | None = None, agency: str | None = None,
                year: int | None = None) -> Any:
    from . import ImportResult, assemble, hezheng, tables

    draft = Draft(source_name=name)
    try:
        blocks = docx_blocks(raw)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return ImportResult({"schema": 1}, [(1, "", f"cannot read the .docx file ({type(exc).__name__}: {exc})")],
                            "docx", name)
    except Exception as exc:  # python-docx raises various errors on damaged files
        return ImportResult({"schema": 1}, [(1, "", f"cannot read the .docx file ({type(exc).__name__}: {exc})")],
                            "docx", name)
    try:
        rows = [b for b in blocks if isinstance(b, Row)]
        first_cells = {compact(r.cells[0].text) for r in rows if r.cells}
        all_cells = {compact(c.text) for r in rows for c in r.cells}
        titles = any(isinstance(b, Para) and ("项目支出绩效目标表" in compact(b.text) or "单位整体支出绩效目标表" in compact(b.text))
                     for b in blocks)
        if "项目编码" in all_cells or "预算数" in all_cells:
            tables.read_blocks(blocks, draft)
            draft.layout = "docx (Word tables)"
        elif titles or ("项目名称" in first_cells and "项目资金" in first_cells):
            hezheng.read_items(blocks, draft)
            draft.layout = "docx (和政 template)"
        else:
            draft.warn(1, "", "no project table (项目编码 / 项目名称 / 绩效指标) recognised in the document; the draft is partial")
            tables.read_blocks(blocks, draft)
            draft.layout = "docx"
        draft.notes.append("Line numbers of the import count the document's paragraphs and table rows.")
        text = "\n".join(b.text if isinstance(b, Para) else "\t".join(c.text for c in b.cells) for b in blocks)
        assemble.finish(draft, text, region=region, agency=agency, year=year)
    except Exception as exc:  # never lose the user's work to a bug
        draft.warn(1, "", f"internal error while importing ({type(exc).__name__}: {exc}); the draft is partial")
        draft.data.setdefault("schema", 1)
    return ImportResult(draft.data, sorted(draft.warnings, key=lambda w: w[0]), draft.layout, name, draft.comments)
