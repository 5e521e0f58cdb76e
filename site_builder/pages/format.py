"""How numbers and text are printed.

Amounts are shown with two decimals (万元 to the hundred yuan), so that a
column reads alike (1,100.05 / 1,022.00 / 484.00, not 1,100.0539 / 1,022 /
484.00); the exact value as published stays in the data downloads and, where
the two differ, in the page: ``<data value="1100.0539">`` with a tooltip.
Shares always have one decimal (12.3%, 100.0%).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from markupsafe import Markup, escape

try:  # the C function markupsafe.escape wraps (markupsafe 3): text escaped for HTML, as a str
    from markupsafe._speedups import _escape_inner as escape_text
except ImportError:  # pragma: no cover - a markupsafe without it: the same text, more slowly
    def escape_text(s: str) -> str:
        return str(escape(s))

CENT = Decimal("0.01")


def money(value: Decimal | None, empty: str = "—") -> str:
    """``Decimal("1962.52")`` → ``1,962.52``; ``1022`` → ``1,022.00``;
    ``53.4857`` → ``53.49`` (half up). Text: for sentences, feeds, metadata."""
    if value is None:
        return empty
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), ",f")


def exact(value: Decimal) -> str:
    """As published, with separators: ``1,100.0539``."""
    return format(value, ",f")


def amount(value: Decimal | None, empty: str = "—") -> Markup | str:
    """An amount for a page: two decimals, and the exact value kept in a
    ``<data>`` element (and its tooltip) when rounding changed it. (Not
    cached: 53.4857 and 53.48570 are equal keys that print differently.)"""
    if value is None:
        return empty
    shown = money(value)
    if value == value.quantize(CENT):  # nothing lost: 1,022 shown as 1,022.00
        return Markup(shown)
    return Markup(f'<data value="{format(value, "f")}" title="原文：{exact(value)}">{shown}</data>')


def signed(value: Decimal | None, empty: str = "—") -> Markup | str:
    """A change of an amount: ``+1,234.56``, ``-12.00``, ``0.00``, the exact
    value kept as ``amount`` keeps it."""
    if value is None:
        return empty
    shown = ("+" if value > 0 else "-" if value < 0 else "") + money(abs(value))
    if value == value.quantize(CENT):
        return Markup(shown)
    return Markup(f'<data value="{format(value, "f")}" title="精确值：{exact(value)}">{shown}</data>')


def signed_percent(value: Decimal | None, empty: str = "—") -> str:
    """A change in percent (display only): ``+5.0%``, ``-1.2%``."""
    if value is None:
        return empty
    return ("+" if value > 0 else "") + percent(value)


_AMOUNT_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)? ?万元")


_TAG = re.compile(r"(<[^>]*>)")


def keep_units(text: str) -> Markup:
    """Text (a summary, a figure's note, a rendered Markdown page) with each
    amount and its 万元 held on one line: a phone broke "615.51 万元" between
    万 and 元. Plain text is escaped first; in HTML only text between tags
    is touched."""
    html = str(escape(text))  # Markup stays as it is
    return Markup("".join(part if part.startswith("<") else
                          _AMOUNT_IN_TEXT.sub(lambda m: f'<span class="amount">{m.group(0)}</span>', part)
                          for part in _TAG.split(html)))


def percent(value: Decimal | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{format(value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP), 'f')}%"


def plain(value: Decimal | None) -> str:
    """Machine-readable: no separators, as published (for CSV/JSON)."""
    return "" if value is None else format(value, "f")
