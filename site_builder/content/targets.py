"""Parse a published indicator target (指标值) into comparator, number, unit.

The published text is always kept; the parse is an addition. Every form in
the seeds is covered: ``≥59人``, ``≤241.74万元``, ``≥90百分比``,
``$\\geq 95\\%$``, ``> 135 万元``, ``100次/辆``, ``≥12000平 方米``, ``12 个``,
``95%以上``, ``不低于98%``, ``后勤人员考核达标率>95%``, ``7个工作日内缴纳``,
``2025年年底``, ``2025年12月31日前``, and word-only targets such as ``提升``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .pickling import slots_pickle

# kinds of target
NUMBER = "number"  # comparator + number + unit, measurable
DEADLINE = "deadline"  # a date to finish by, measurable
QUALITATIVE = "qualitative"  # words only

_LATEX = [
    (re.compile(r"\\geq?\b|\\geqslant\b"), "≥"),
    (re.compile(r"\\leq?\b|\\leqslant\b"), "≤"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\(?:,|;|quad|qquad| )"), ""),
    (re.compile(r"[${}]"), ""),
]
_OPS = {
    ">=": "≥", "=>": "≥", "≧": "≥", "⩾": "≥",
    "<=": "≤", "=<": "≤", "≦": "≤", "⩽": "≤",
    "＞": ">", "＜": "<", "＝": "=",
}
_UNIT_ALIASES = {"百分比": "%", "％": "%", "平米": "平方米"}
_PREFIX_WORDS = [("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("大于", ">"), ("高于", ">"),
                 ("不高于", "≤"), ("不超过", "≤"), ("不大于", "≤"), ("不多于", "≤"), ("小于", "<"),
                 ("低于", "<"), ("达到", "≥"), ("控制在", "≤")]
_SUFFIX_WORDS = [("以上", "≥"), ("以下", "≤"), ("以内", "≤"), ("之内", "≤"), ("内", "≤")]

_NUM = r"\d+(?:\.\d+)?"
# optional label, comparator, number, unit (no digits), nothing else
_NUMBER_RE = re.compile(
    rf"^(?P<label>[^\d≥≤<>=]*?)(?P<op>[≥≤<>=])?(?P<num>{_NUM})(?P<unit>[^\d≥≤<>=]*)$"
)
_DATE_RE = re.compile(
    r"^(?P<y>20\d\d)年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?|年?底|年末|全年)(?P<rest>前|之前|以前|内|底前)?$"
)
# a list of alternative units, "≥2张/把/套/台等" (等: "and the like")
_UNIT_LIST = re.compile(r"[^\W\d_]{1,3}(?:/[^\W\d_]{1,3})+等?")
_YEAR_END = re.compile(r"^(?P<y>20\d\d)年(?:年底|年末|底)$")


@slots_pickle
@dataclass(frozen=True, slots=True)
class Target:
    text: str  # as published
    kind: str  # NUMBER | DEADLINE | QUALITATIVE
    op: str = ""  # one of ≥ ≤ > < = or "" (a plain number means "equal to / reach")
    value: Decimal | None = None
    unit: str = ""
    date: str = ""  # ISO date for deadlines

    @property
    def measurable(self) -> bool:
        return self.kind != QUALITATIVE

    @property
    def normalized(self) -> str:
        if self.kind == NUMBER:
            return f"{self.op}{self.value}{self.unit}"
        if self.kind == DEADLINE:
            return f"≤{self.date}"
        return self.text


def _clean(text: str) -> str:
    s = text.strip()
    for pattern, repl in _LATEX:
        s = pattern.sub(repl, s)
    for a, b in _OPS.items():
        s = s.replace(a, b)
    # conversion artefacts: spaces inside "≥12000平 方米", "12 个", "> 48 人"
    s = re.sub(r"\s+", "", s)
    return s.replace("，", ",")


_MATH = re.compile(r"\$([^$]*)\$")


def shown(text: str) -> str:
    """A target as the page shows it: inline LaTeX that the PDF's text
    extraction left ("$\\geq 95\\%$", 和政 2024) as the symbols the filing
    prints ("≥95%"); any other text exactly as published. The data
    downloads keep the text as published."""
    return _shown(text) if "$" in text else text


@lru_cache(maxsize=4096)
def _shown(text: str) -> str:
    def symbols(m: re.Match) -> str:
        s = m.group(1)
        for pattern, repl in _LATEX:
            s = pattern.sub(repl, s)
        return re.sub(r"\s+", "", s)

    return _MATH.sub(symbols, text)


def _days_in(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


@lru_cache(maxsize=65536)
def parse_target(text: str) -> Target:
    s = _clean(text)
    if not s:
        return Target(text, QUALITATIVE)

    m = _YEAR_END.match(s)
    if m:
        return Target(text, DEADLINE, op="≤", date=f"{m['y']}-12-31")
    m = _DATE_RE.match(s)
    if m and m["m"]:
        y, mo = int(m["y"]), int(m["m"])
        if 1 <= mo <= 12:
            d = int(m["d"]) if m["d"] else _days_in(y, mo)
            if 1 <= d <= _days_in(y, mo):
                return Target(text, DEADLINE, op="≤", date=f"{y:04d}-{mo:02d}-{d:02d}")

    op_from_words = ""
    for word, op in _PREFIX_WORDS:
        if s.startswith(word):
            s, op_from_words = s[len(word):], op
            break
    for word, op in _SUFFIX_WORDS:
        # "95%以上", "7个工作日内缴纳" -> the word may be followed by a verb
        idx = s.find(word)
        if idx > 0 and re.search(r"\d", s[:idx]) and not op_from_words:
            tail = s[idx + len(word):]
            if len(tail) <= 4 and not re.search(r"\d", tail):
                s, op_from_words = s[:idx], op
                break

    m = _NUMBER_RE.match(s)
    if not m:
        return Target(text, QUALITATIVE)
    label, unit = m["label"], m["unit"]
    if label and not m["op"] and not op_from_words:
        # "2024年1-12月", "通过及时维修..." : text around a number, not a target
        return Target(text, QUALITATIVE)
    if "," in unit or "、" in unit or (len(unit) > 6 and not _UNIT_LIST.fullmatch(unit)):
        return Target(text, QUALITATIVE)
    op = m["op"] or op_from_words
    unit = _UNIT_ALIASES.get(unit, unit)
    unit = unit.replace("百分比", "%")
    return Target(text, NUMBER, op=op, value=Decimal(m["num"]), unit=unit)
