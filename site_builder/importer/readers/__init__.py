"""Readers: one per kind of source, each producing a :class:`~..grid.Document`.

``read_bytes`` picks the reader by the file's first bytes (not its name),
so a renamed file is still read: ZIP containers are told apart by their
members (Word's ``word/document.xml``, Excel's ``xl/workbook.xml``), old
Excel files by the OLE signature, PDF by ``%PDF``, HTML by its tags; all
else is text. A reader that fails on a damaged file reports it as a
problem of the document; nothing is raised.

Libraries: python-docx (Word), openpyxl (.xlsx), xlrd (.xls — the only
maintained reader of the old binary format), pdfplumber (PDF tables found
from their ruling lines, with each cell's box), lxml (HTML as browsers parse
it, with source lines).
"""
from __future__ import annotations

import io
import re
import zipfile

from ..grid import Document, Pos
from .text import read_text

__all__ = ["read_bytes", "read_text", "decode", "kind_of"]


def kind_of(raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(raw)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"  # .xls (or an old .doc, which no reader here takes)
    if raw.lstrip()[:5] == b"%PDF-" or raw[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    head = raw[:4096].lower()
    if re.search(rb"<\s*(html|table|body|!doctype html)", head):
        return "html"
    return "text"


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes → text, and a note when the encoding had to be guessed."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), ""
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    if b"\x00" not in raw:
        try:
            return raw.decode("gb18030"), "the file is not UTF-8; read it as GB18030 (GBK)"
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", errors="replace"), "the file is not valid text (UTF-8/GBK); undecodable bytes were replaced"


def read_bytes(raw: bytes, source: str = "<bytes>") -> Document:
    """Any supported file's bytes → a document. Never raises for bad input."""
    kind = kind_of(raw)
    try:
        if kind == "docx":
            from .office import read_docx

            return read_docx(raw, source)
        if kind == "xlsx":
            from .office import read_xlsx

            return read_xlsx(raw, source)
        if kind == "ole":
            from .office import read_xls

            return read_xls(raw, source)
        if kind == "pdf":
            from .pdf import read_pdf

            return read_pdf(raw, source)
        if kind == "zip":
            return _failed(source, kind, "a ZIP file that is neither a Word (.docx) nor an Excel (.xlsx) file")
        if kind == "html":
            from .html import read_html

            return read_html(raw, source)
    except RecursionError:
        return _failed(source, kind, f"cannot read the {kind} file: it is nested too deeply")
    except Exception as exc:  # each library raises its own errors on damaged files
        what = {"ole": "Excel (.xls)"}.get(kind, kind)
        return _failed(source, kind, f"cannot read the {what} file ({type(exc).__name__}: {str(exc)[:120]})")
    text, note = decode(raw)
    doc = read_text(text, source)
    if note:
        doc.problems.insert(0, (Pos(line=1), note))
    return doc


def _failed(source: str, kind: str, message: str) -> Document:
    return Document([], source, kind, problems=[(Pos(line=1), message)])
