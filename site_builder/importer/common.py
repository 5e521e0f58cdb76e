"""Shared pieces of the recognizer: the draft being built, text helpers.

The recognizer fills a :class:`Draft`: a plain dict in the filing format plus
the review items (what to check, the field, the source position) and the
comments (for values that were inferred rather than read) that end up in the
YAML draft. Every review item is also a warning of the import command.

Amounts are kept as :class:`Num`, a ``str`` holding the digits exactly
(``"35.00"``); the YAML writer emits them as plain numbers, so money never
passes through float.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..content.load import format_path
from .grid import Pos
from .units import Num

Path_ = tuple[str | int, ...]

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = (
    "数量指标", "质量指标", "时效指标", "成本指标",
    "经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标",
    "服务对象满意度指标",
    "经济成本指标", "社会成本指标", "生态环境成本指标",
)
CHECKPOINT_BY_MONTH = {3: "mar", 6: "jun", 10: "oct", 12: "dec"}

AMOUNT_RE = re.compile(r"^\d{1,12}(?:\.\d{1,4})?$")
PROJECT_CODE_RE = re.compile(r"^[0-9A-Za-z]{4,40}$")
DIVISION_RE = re.compile(r"^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])\d{4}$")
# "430001唐山市路南区机关事务中心(接待中心)本级", "507001 乐亭县机关事务中心本级"
AGENCY_LINE_RE = re.compile(r"^\s*(?P<code>\d{6})?\s*(?P<name>\S.*?)\s*(?P<scope>本级|汇总)\s*(?:单位[:：]\s*万元)?\s*$")
UNIT_RE = re.compile(r"^\s*单位\s*[:：]\s*(?P<unit>\S+)\s*$")
# "1.保安保洁物业管理服务绩效目标表", "5. 综合服务管理经费绩效目标表"
PROJECT_HEADING_RE = re.compile(r"^\s*(?P<num>\d{1,3})\s*[.．、]\s*(?P<name>\S.*?)\s*绩效目标表\s*$")
BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
NOISE_RES = (
    re.compile(r"^\s*Evaluation Warning\b.*$", re.I),
    re.compile(r"^\s*Created with .*(Spire|Aspose).*$", re.I),
    re.compile(r"^\s*-\s*\d+\s*-\s*$"),  # page numbers "- 3 -"
)
# leading enumeration of list items and goals
ENUM_RE = re.compile(
    r"^\s*(?:"
    r"目标\s*\d+\s*[:：]"
    r"|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]"
    r"|[一二三四五六七八九十]+\s*[、.．]"
    r"|\d+\s*[.．、](?!\d)"
    r")\s*"
)


# a year that starts or ends a period (2021-2035年, 2019年--2021年) or names a plan's horizon (2035年远景目标)
_PERIOD_BEFORE_RE = re.compile(r"20\d\d\s*年?度?\s*[-－—–~～至到]+\s*$")
_PERIOD_AFTER_RE = re.compile(r"^\s*年?度?\s*(?:[-－—–~～至到]+\s*20\d\d|远景)")


def budget_year(rx: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``rx`` whose year (group 1) may be a budget year: not
    a year of a period or a plan's horizon, which a filing of any year cites."""
    for m in rx.finditer(text):
        if not (_PERIOD_BEFORE_RE.search(text[: m.start(1)]) or _PERIOD_AFTER_RE.match(text[m.end(1):])):
            return m
    return None


def is_wide(ch: str) -> bool:
    """CJK ideographs and full-width punctuation."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def width(text: str) -> float:
    """Display width in CJK characters (ASCII counts half)."""
    return sum(1.0 if is_wide(c) else 0.5 for c in text)


def compact(text: str) -> str:
    """Text with every whitespace removed (for matching labels)."""
    return re.sub(r"\s+", "", text or "")


def join_wrapped(a: str, b: str) -> str:
    """Join two pieces of one cell or paragraph broken across lines."""
    a, b = a.rstrip(), b.strip()
    if not a:
        return b
    if not b:
        return a
    if is_wide(a[-1]) or is_wide(b[0]):
        return a + b
    return a + " " + b


_CJK_SPACE_RE = re.compile(r"(?<=[^\x00-\x7f\s])[ \t\u3000]+(?=[^\x00-\x7f\s])")
_DATE_SPACE_RES = (
    re.compile(r"(年\s*\d{1,2})\s+(?=月)"),
    re.compile(r"(月\s*\d{1,2})\s+(?=日)"),
    re.compile(r"(\d{4})\s+(?=年\d)"),
)


def remove_conversion_spaces(text: str) -> tuple[str, bool]:
    """Remove spaces a PDF converter put inside words (``平 方米``).

    Only spaces between two wide (CJK) characters, and inside a date
    (``2025年12 月31日``), are removed; a space between a number and its unit
    (``298 辆``) may be printed that way and is kept. Returns the text and
    whether anything changed.
    """
    out = _CJK_SPACE_RE.sub("", text)
    for rx in _DATE_SPACE_RES:
        out = rx.sub(r"\1", out)
    return out, out != text


def clean_cell(text: str) -> str:
    """A cell's text for the draft: its lines joined, converter spaces removed."""
    if "\n" in text:
        out = ""
        for part in text.split("\n"):
            out = join_wrapped(out, part)
        text = out
    return remove_conversion_spaces(text.strip())[0]


def as_printed(pieces: list[str], raw: str) -> str:
    """Pieces of one cell, split at its spaces, joined as the line prints them."""
    if raw and pieces:
        a = raw.find(pieces[0])
        if a >= 0:
            b = raw.find(pieces[-1], a)
            if b >= 0:
                return raw[a:b + len(pieces[-1])].strip()
    return " ".join(pieces)


def strip_enum(text: str) -> str:
    """Drop leading enumeration: ``1.``, ``（一）``, ``一、``, ``目标1:``, ``(1)``."""
    return ENUM_RE.sub("", text, count=1).strip()


def has_enum(text: str) -> bool:
    return bool(ENUM_RE.match(text)) and bool(strip_enum(text))


def enum_kind(text: str) -> str:
    m = ENUM_RE.match(text)
    if not m:
        return ""
    tok = m.group(0).strip()
    if tok.startswith("目标"):
        return "goal"
    if tok[0] in "（(":
        return "paren-cn" if re.search(r"[一二三四五六七八九十]", tok) else "paren"
    if tok[0] in "一二三四五六七八九十":
        return "cn"
    return "arabic"


def is_noise(line: str) -> bool:
    return any(rx.match(line) for rx in NOISE_RES)


def parse_amount(text: str) -> Num | None:
    """An amount exactly as printed, or None when the text is not one."""
    t = compact(text).replace(",", "").replace("，", "")
    if AMOUNT_RE.match(t):
        return Num(t)
    return None


@dataclass
class Draft:
    """The filing being built, with warnings and comments."""

    source_name: str = "<text>"
    layout: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[tuple[Pos, str, str]] = field(default_factory=list)
    comments: dict[Path_, list[str]] = field(default_factory=dict)
    # facts found in the text, for filing-level inference
    agency_lines: list[tuple[Pos, str, str, str]] = field(default_factory=list)  # where, code, name, scope
    title_line: tuple[Pos, str] | None = None
    year_hints: list[tuple[Pos, int, str]] = field(default_factory=list)  # where, year, what says so
    notes: list[str] = field(default_factory=list)
    project_lines: dict[int, tuple[Pos, Pos]] = field(default_factory=dict)  # index → (first, last) source position
    unit_hints: list[tuple[Pos, str]] = field(default_factory=list)  # where the amount unit is named, which
    source_units: list[str] = field(default_factory=list)  # the unit each amount was printed in
    source_unit: str = ""  # the unit most amounts were printed in
    all_text: str = ""  # the document's text, for year/agency/region
    implementers: list[tuple[Pos, str]] = field(default_factory=list)
    last_line: Any = None  # the document's last line (a table that ends there may be cut short)
    table_ends: dict[int, Pos] = field(default_factory=dict)  # project index → its indicator table's last row
    seen: set[tuple[Pos, str, str]] = field(default_factory=set, repr=False)  # the warnings, for a check in O(1)

    def warn(self, pos: Pos | int, path: Path_ | str, message: str) -> None:
        """A review item: something to check, where it is printed, the field."""
        if isinstance(pos, int):
            pos = Pos(line=max(pos, 1))
        p = path if isinstance(path, str) else format_path(path)
        item = (pos, p, " ".join(message.split("\n")))
        if item not in self.seen:
            self.seen.add(item)
            self.warnings.append(item)

    def drop_warnings(self, path: str, since: int = 0) -> None:
        """Forget the review items of a field and the fields below it (added from index ``since``)."""
        kept = [w for w in self.warnings[since:] if not (w[1] == path or w[1].startswith((path + ".", path + "[")))]
        self.seen.difference_update(set(self.warnings[since:]) - set(kept))
        self.warnings[since:] = kept

    def comment(self, path: Path_, text: str) -> None:
        lst = self.comments.setdefault(tuple(path), [])
        if text not in lst:
            lst.append(text)


def split_items(paragraphs: Iterable[tuple[str, int]]) -> list[str]:
    """Numbered paragraphs → list items (enumeration dropped).

    A paragraph with a number starts an item; an unnumbered paragraph before
    the first number is an item of its own (an introduction); an unnumbered
    paragraph after a numbered one belongs to that item (a heading followed
    by its text). Numbers of a second kind inside an item (``1.`` under
    ``一、``, ``(1)`` under ``1.``) become a nested Markdown list.
    """
    items: list[list[str]] = []
    top_kind = ""
    for text, _line in paragraphs:
        text = text.strip()
        if not text:
            continue
        kind = enum_kind(text) if has_enum(text) else ""
        if kind and (not top_kind or kind == top_kind or not items):
            top_kind = top_kind or kind
            items.append([strip_enum(text)])
            continue
        if not items or (not kind and not top_kind):
            items.append([text])
            continue
        cur = items[-1]
        if kind:
            # nested list: the first nested kind is level 1, others level 2
            level = 0 if _nested_level(cur, kind) == 0 else 1
            cur.append(("  " * level) + "- " + strip_enum(text) + f"\x00{kind}")
        elif any(x.lstrip().startswith("- ") for x in cur[1:]):
            cur.append("  - " + text + "\x00")
        else:
            cur.append(text)
    out = []
    for parts in items:
        head, rest = parts[0], parts[1:]
        paras = [head]
        bullets: list[str] = []
        for r in rest:
            if "\x00" in r:
                bullets.append(r.split("\x00")[0])
            else:
                if bullets:
                    paras.append("\n".join(bullets))
                    bullets = []
                paras.append(r)
        if bullets:
            paras.append("\n".join(bullets))
        out.append("\n\n".join(paras))
    return out


def _nested_level(cur: list[str], kind: str) -> int:
    kinds = [x.split("\x00")[1] for x in cur[1:] if "\x00" in x and x.split("\x00")[1]]
    if not kinds or kinds[0] == kind:
        return 0
    return 1
