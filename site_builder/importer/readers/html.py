"""HTML pages: every ``<table>`` a grid (rowspan/colspan kept), the text
around them paragraphs. lxml parses broken markup as browsers do.

Positions are lines of the HTML source (lxml's ``sourceline``), so a warning
points at the ``<td>`` the value came from.
"""
from __future__ import annotations

import re

from ..grid import Cell, Document, Para, Pos, Row, Table

BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article",
              "header", "footer", "center", "blockquote", "pre", "dd", "dt", "caption"}
SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg"}


def _text(el) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []

    def walk(e) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(e.tag, str) or e.tag.lower() in SKIP_TAGS:
            if e.tail:
                parts.append(e.tail)
            return
        if e.tag.lower() in BLOCK_TAGS and parts:
            parts.append("\n")
        if e.text:
            parts.append(e.text)
        for child in e:
            walk(child)
        if e.tag.lower() in BLOCK_TAGS:
            parts.append("\n")
        if e.tail:
            parts.append(e.tail)

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _int(v: str | None) -> int:
    try:
        return max(1, min(int(str(v).strip()), 1000))
    except (TypeError, ValueError):
        return 1


def read_html(raw: bytes, source: str) -> Document:
    import lxml.html

    doc = Document([], source, "html")
    root = lxml.html.document_fromstring(raw)
    n_table = 0

    def line_of(el) -> int:  # type: ignore[no-untyped-def]
        return int(el.sourceline or 1)

    def table(el) -> None:  # type: ignore[no-untyped-def]
        nonlocal n_table
        n_table += 1
        out = Table([], Pos(line=line_of(el)))
        pending: dict[tuple[int, int], Cell] = {}  # places covered by a rowspan from above
        trs = [tr for tr in el.iter("tr") if _owner(tr) is el]
        for r, tr in enumerate(trs):
            cells: list[Cell] = []
            col = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                    continue
                while (r, col) in pending:
                    cells.append(pending.pop((r, col)))
                    col += 1
                rowspan, colspan = _int(td.get("rowspan")), _int(td.get("colspan"))
                pos = Pos(line=line_of(td))
                cells.append(Cell(_text(td), pos, col, colspan, rowspan))
                for k in range(1, rowspan):
                    pending[(r + k, col)] = Cell("", pos, col, 1, 1, merged=True)
                col += colspan
            while (r, col) in pending:
                cells.append(pending.pop((r, col)))
                col += 1
            if any(c.text for c in cells):
                out.rows.append(Row(cells, Pos(line=line_of(tr))))
        if out.rows:
            doc.blocks.append(out)

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        if not isinstance(el.tag, str) or el.tag.lower() in SKIP_TAGS:
            return
        if el.tag.lower() == "table":
            table(el)
            return
        if not any(isinstance(c.tag, str) and c.tag.lower() == "table" for c in el.iter()):
            for k, line in enumerate(_text(el).split("\n")):
                if line.strip():
                    doc.blocks.append(Para(line.strip(), Pos(line=line_of(el))))
            return
        if el.text and el.text.strip():
            doc.blocks.append(Para(el.text.strip(), Pos(line=line_of(el))))
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                doc.blocks.append(Para(child.tail.strip(), Pos(line=line_of(child))))

    body = root.find("body")
    walk(body if body is not None else root)
    return doc


def _owner(tr):  # type: ignore[no-untyped-def]
    """The table a row belongs to (not a table nested in one of its cells)."""
    p = tr.getparent()
    while p is not None and (not isinstance(p.tag, str) or p.tag.lower() != "table"):
        p = p.getparent()
    return p
