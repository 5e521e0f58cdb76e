"""Import a published filing (text, .docx, .xlsx/.xls, .pdf, .html) into a
YAML draft in the filing format.

    from site_builder.importer import import_file
    result = import_file("filing.docx")
    result.data        # dict in the filing format (amounts as Num: exact text, in 万元)
    result.warnings    # [(Pos, field path, message), ...]: the review items
    result.to_yaml()   # the draft, with comments and its review: list

The pipeline (docs/import.md): a reader turns the source into a grid of
cells (``readers``, ``grid``), the recognizer reads the grid by the lexicon
of labels (``recognize``, ``lexicon.yaml``), ``assemble`` adds year, region
and agency. The importer never raises on bad input and never invents values:
what it cannot place is left out and listed as a review item.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Draft, Path_
from .grid import Pos
from .units import Num

__all__ = ["ImportResult", "import_file", "import_text", "import_bytes", "Num", "Pos"]

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ImportResult:
    data: dict[str, Any]
    warnings: list[tuple[Pos, str, str]]
    layout: str = ""
    source_name: str = "<text>"
    comments: dict[Path_, list[str]] = field(default_factory=dict, repr=False)
    source_unit: str = ""  # the unit the amounts were printed in (元 / 万元), "" when none was read

    @property
    def usable(self) -> bool:
        """Something worth writing a draft for was read."""
        d = self.data
        return bool(d.get("projects") or d.get("overview") or d.get("unit_budget"))

    @property
    def review(self) -> list[dict[str, str]]:
        out = []
        for pos, path, message in self.warnings:
            item = {"check": message}
            if path:
                item["field"] = path
            item["source"] = str(pos)
            out.append(item)
        return out

    def to_yaml(self) -> str:
        from .emit import to_yaml

        header = [
            f"Draft imported by `site-builder import` from {self.source_name} (read as: {self.layout or 'unknown'}).",
            "Check it against the published document, then run `site-builder check`.",
            "Comments mark values the importer inferred rather than read.",
        ]
        if self.warnings:
            header.append(f"{len(self.warnings)} review item(s) at the end (review:) name what could not be read with "
                          "confidence; check each, fix the data, then delete the entry.")
        else:
            header.append("No review items.")
        header_text = ["yaml-language-server: $schema=../../site_builder/schema/filing.schema.json", ""] + header
        data = dict(self.data)
        if self.warnings:
            data["review"] = self.review
        return to_yaml(data, self.comments, ["\n".join(header_text)])


def _result(draft: Draft, doc_reader: str) -> ImportResult:
    return ImportResult(draft.data, sorted(draft.warnings, key=lambda w: _order(w[0])), draft.layout or doc_reader,
                        draft.source_name, draft.comments, draft.source_unit)


def _order(pos: Pos) -> tuple[Any, ...]:
    return (pos.page, pos.sheet, pos.line, pos.table, pos.row, pos.cell, pos.para, pos.ref)


def _run(doc_factory: Any, source_name: str, **given: Any) -> ImportResult:
    from . import assemble, script
    from .recognize import recognize

    draft = Draft(source_name=source_name)
    reader = ""
    try:
        doc = doc_factory()
        reader = doc.reader
        doc, printed = script.simplified(doc)
        draft = recognize(doc)
        if printed is not None:
            draft.notes.append("The text is printed in traditional characters: it was read in a simplified copy "
                               "(OpenCC t2s), and the values are kept as printed.")
        if not doc.blocks and not doc.problems:
            draft.warn(Pos(line=1), "", "the file is empty: there is no text to import")
        assemble.finish(draft, **given)
        if printed is not None:
            for path in script.restore(draft.data, printed):
                draft.warn(Pos(line=1), path, "printed in traditional characters, and which of them this "
                                              "simplified text stands for is not certain; check it")
    except RecursionError:
        draft.warn(Pos(line=1), "", "the document is nested too deeply to read; the draft is partial")
        draft.data.setdefault("schema", 1)
    except Exception as exc:  # a bug must not lose the user's work: report it
        draft.warn(Pos(line=1), "", f"internal error while importing ({type(exc).__name__}: {exc}); the draft is partial. "
                                    "Please report this with the input file.")
        if os.environ.get("SITE_BUILDER_DEBUG"):
            traceback.print_exc()
        draft.data.setdefault("schema", 1)
    return _result(draft, reader)


def import_text(text: str, *, region: str | None = None, agency: str | None = None, year: int | None = None,
                source_name: str = "<text>") -> ImportResult:
    """Import text flattened from a filing. Never raises for bad input."""
    from .readers import read_text

    return _run(lambda: read_text(text, source_name), source_name, region=region, agency=agency, year=year)


def import_bytes(raw: bytes, source_name: str = "<bytes>", *, region: str | None = None, agency: str | None = None,
                 year: int | None = None) -> ImportResult:
    """Import a file's bytes (any supported kind). Never raises for bad input."""
    from .readers import read_bytes

    return _run(lambda: read_bytes(raw, source_name), source_name, region=region, agency=agency, year=year)


def import_file(path: str | os.PathLike[str], *, region: str | None = None, agency: str | None = None,
                year: int | None = None) -> ImportResult:
    """Import a file: text (UTF-8, UTF-16 or GB18030), .docx, .xlsx, .xls, .pdf or .html."""
    name = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            return _failed(name, f"file is {size / 1024 / 1024:.1f} MB; a filing is far smaller — is this the right file?")
        raw = p.read_bytes()
    except OSError as exc:
        return _failed(name, f"cannot read file: {exc.strerror or exc}")
    return import_bytes(raw, name, region=region, agency=agency, year=year)


def _failed(name: str, message: str) -> ImportResult:
    return ImportResult({"schema": 1}, [(Pos(line=1), "", message)], "", name)
