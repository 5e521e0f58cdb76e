"""Amounts and units: numbers as printed, 元 or 万元, exact conversion.

Full-width digits and punctuation are normalised (NFKC) wherever a number or
a comparator is read; the printed text itself is kept in the draft's
comments. Money is ``Decimal`` from the text, never float.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .lexicon import nfkc

WAN = "万元"
YUAN = "元"

# "1,234.56", "250", "250万", "250万元", "10000元", "854万(…)"
_AMOUNT_RE = re.compile(r"^(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>万元|万|元)?(?P<rest>.*)$", re.S)
_CAPTION_RES = (
    re.compile(r"(?:金额)?单位\s*:\s*(万元|元)"),
    re.compile(r"[(](万元|元)[)]"),
    re.compile(r"金额\s*[(]?\s*(万元|元)"),
)


# an amount that running text allocates (资金500万元, 预算安排5万元): a money word, then the amount with its unit
_ALLOCATED_RE = re.compile(r"(?:资金|经费|安排|下达|预算|总额|投资)\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(万元|元)"
                           r"(?![/每])")


class Num(str):
    """An amount as written to the draft (``"241.74"``), emitted as a plain YAML number."""

    __slots__ = ()


def unit_in(text: str) -> str | None:
    """The amount unit a caption or header names (单位：元, (万元), 金额(元))."""
    t = re.sub(r"\s+", "", nfkc(text))
    for rx in _CAPTION_RES:
        m = rx.search(t)
        if m:
            return WAN if m.group(1).startswith("万") else YUAN
    return None


def read_amount(text: str) -> tuple[Decimal, str | None, str] | None:
    """An amount cell → (value as printed, unit attached or None, what follows).

    None when the cell does not start with a number. Thousands separators
    are accepted only in groups of three.
    """
    t = re.sub(r"\s+", "", nfkc(text))
    if not t:
        return None
    m = _AMOUNT_RE.match(t)
    if not m:
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or len(m.group("num")) > 24:
        return None
    unit = m.group("unit")
    return value, (WAN if unit and unit.startswith("万") else YUAN if unit else None), m.group("rest")


def to_wan(value: Decimal, unit: str) -> Decimal:
    """Exact conversion into 万元 (a power-of-ten shift, no rounding)."""
    if unit == YUAN:
        value = value.scaleb(-4)
        # drop zeros the shift added beyond the printed precision, keep the rest
        if value == value.to_integral_value():
            return value.quantize(Decimal(1))
        return value.normalize()
    return value


def amount_text(value: Decimal) -> Num:
    s = format(value, "f")
    return Num(s)


def allocated_amounts(text: str) -> list[tuple[Decimal, str, str]]:
    """The amounts running text allocates, with their units and as printed: (50, 万元, 资金50万元) for
    "…资金50万元"; not a rate (元/人)."""
    out = []
    for m in _ALLOCATED_RE.finditer(re.sub(r"[ \t]+", "", nfkc(text))):
        try:
            out.append((Decimal(m.group(1).replace(",", "")), WAN if m.group(2) == WAN else YUAN, m.group(0)))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            continue
    return out
