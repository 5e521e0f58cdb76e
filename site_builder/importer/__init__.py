"""Import a filing's published text into a YAML draft in the filing format.

    from site_builder.importer import import_file
    result = import_file("filing.txt")        # or .docx
    result.data        # dict in the filing format (amounts as Num: exact text)
    result.warnings    # [(source_line, field_path, message), ...]
    result.to_yaml()   # the draft, with comments and a header listing the warnings

Four layouts are read (see ``detect``): Word tables dumped one cell per line,
the 和政 template (tab-separated rows), PDF text with broken cells, and
Markdown tables from a PDF converter; ``.docx`` files are read directly.
The importer never raises on bad input and never invents values: what it
cannot place goes into the warnings, what it inferred gets a comment.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Draft, Num, Path_

__all__ = ["ImportResult", "import_file", "import_text", "Num"]

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ImportResult:
    data: dict[str, Any]
    warnings: list[tuple[int, str, str]]
    layout: str = ""
    source_name: str = "<text>"
    comments: dict[Path_, list[str]] = field(default_factory=dict, repr=False)

    @property
    def usable(self) -> bool:
        """Something worth writing a draft for was read."""
        d = self.data
        return bool(d.get("projects") or d.get("overview") or d.get("unit_budget"))

    def to_yaml(self) -> str:
        from .emit import to_yaml

        header = [
            f"Draft imported by `site-builder import` from {self.source_name} (layout: {self.layout or 'unknown'}).",
            "Check it against the published document, then run `site-builder check`.",
            "Comments mark values the importer inferred rather than read.",
        ]
        if self.warnings:
            lines = [f"{len(self.warnings)} warning(s) — fields the importer could not read with confidence:"]
            for line, path, msg in self.warnings:
                lines.append(f"  line {line}: {msg}" + (f" ({path})" if path else ""))
            header.append("\n".join(lines))
        else:
            header.append("No warnings.")
        header_text = ["yaml-language-server: $schema=../../site_builder/schema/filing.schema.json", ""] + header
        return to_yaml(self.data, self.comments, ["\n".join(header_text)])


def import_text(text: str, *, region: str | None = None, agency: str | None = None, year: int | None = None,
                source_name: str = "<text>", layout: str | None = None) -> ImportResult:
    """Import extracted text. Never raises for bad input."""
    from . import assemble, detect

    draft = Draft(source_name=source_name)
    try:
        if text.startswith("\ufeff"):
            text = text[1:]
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            draft.warn(1, "", "the file is empty: there is no text to import")
            draft.data["schema"] = 1
            return ImportResult(draft.data, draft.warnings, "", source_name, draft.comments)
        kind = layout or detect.detect(text)
        reader = detect.READERS.get(kind)
        if reader is None:
            draft.warn(1, "", "layout not recognised (no 项目编码 / 项目名称 / 绩效指标 tables found); "
                              "tried every reader, the draft is partial")
            kind = detect.best_effort(text, draft)
        else:
            reader(text, draft)
        assemble.finish(draft, text, region=region, agency=agency, year=year)
    except Exception as exc:  # a bug must not lose the user's work: report it as a warning
        draft.warn(1, "", f"internal error while importing ({type(exc).__name__}: {exc}); the draft is partial. "
                          "Please report this with the input file.")
        if os.environ.get("SITE_BUILDER_DEBUG"):
            traceback.print_exc()
        draft.data.setdefault("schema", 1)
    return ImportResult(draft.data, sorted(draft.warnings, key=lambda w: w[0]), draft.layout, source_name, draft.comments)


def import_file(path: str | os.PathLike[str], *, region: str | None = None, agency: str | None = None,
                year: int | None = None) -> ImportResult:
    """Import a text file (UTF-8, UTF-16 or GB18030) or a .docx file."""
    name = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            return _failed(name, f"file is {size / 1024 / 1024:.1f} MB; a filing's text is far smaller — is this the right file?")
        raw = p.read_bytes()
    except OSError as exc:
        return _failed(name, f"cannot read file: {exc.strerror or exc}")
    if raw[:4] == b"PK\x03\x04":
        from .docx_reader import import_docx

        return import_docx(raw, name, region=region, agency=agency, year=year)
    text, note = decode(raw)
    result = import_text(text, region=region, agency=agency, year=year, source_name=name)
    if note:
        result.warnings.insert(0, (1, "", note))
    return result


def decode(raw: bytes) -> tuple[str, str]:
    """Bytes → text, and a warning when the encoding had to be guessed."""
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


def _failed(name: str, message: str) -> ImportResult:
    return ImportResult({"schema": 1}, [(1, "", message)], "", name)
