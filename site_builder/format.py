"""How numbers are printed: thousands separators, decimals as published."""
from __future__ import annotations

from decimal import Decimal


def money(value: Decimal | None, empty: str = "—") -> str:
    """``Decimal("1962.52")`` → ``1,962.52``; ``Decimal("35.00")`` keeps ``35.00``.

    Decimal arithmetic keeps the exponent of its operands, so a sum of
    amounts published with two decimals prints with two decimals.
    """
    if value is None:
        return empty
    return format(value, ",f")


def percent(value: Decimal | None, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{format(value, 'f')}%"


def plain(value: Decimal | None) -> str:
    """Machine-readable: no separators, as published (for CSV/JSON)."""
    return "" if value is None else format(value, "f")
