"""Inline SVG charts drawn at build time: no JavaScript, no external files.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (its
text alternative); the page puts the same numbers in a real table next to
it. Geometry uses Decimal → float only for pixel positions, never for the
numbers printed.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import NamedTuple

from markupsafe import Markup

from .format import money
from ..content.model import CHECKPOINT_LABELS

BAR = "#1d5a8c"
AXIS = "#5b6470"
TEXT = "#1f2328"


def _e(text: str) -> str:
    return escape(str(text), quote=True)


class Bar(NamedTuple):
    """One project's bar: printed as HTML (its label is text at the page's
    size, so it stays legible at 375 px; an SVG scaled to the screen shrank
    it to ~7 px) and a width class (``w0``…``w100``, % of the largest)."""

    name: str
    url: str
    amount: Decimal
    share: Decimal | None  # of the filing's project sum, for display
    width: int


def project_bars(projects: list[tuple[str, str, Decimal, Decimal | None]]) -> list[Bar]:
    """(name, url, amount, share) → bars, largest first (ties in published order)."""
    biggest = max((v for _, _, v, _ in projects), default=Decimal(0))
    order = sorted(range(len(projects)), key=lambda i: (-projects[i][2], i))
    out = []
    for i in order:
        name, url, value, part = projects[i]
        width = int((value * 100 / biggest).to_integral_value(ROUND_HALF_UP)) if biggest else 0
        out.append(Bar(name, url, value, part, max(width, 1) if value else 0))
    return out


# The plan chart's fixed geometry, worked out once (a filing draws one per
# project): the same expressions, so the same digits, as computing it per chart.
_PLAN_W, _PLAN_H = 480, 220
_PLAN_LEFT, _PLAN_BOTTOM, _PLAN_TOP = 56, 36, 16
_PLAN_PLOT_H = _PLAN_H - _PLAN_BOTTOM - _PLAN_TOP
_PLAN_SLOT = (_PLAN_W - _PLAN_LEFT - 8) / 4
# per grid line: its fraction of the scale; the line and its label's opening tag
_PLAN_GRID = tuple(
    (Decimal(str(frac)),
     f'<line x1="{_PLAN_LEFT}" x2="{_PLAN_W - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" stroke-width="1"/>'
     f'<text x="{_PLAN_LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{AXIS}">')
    for frac in (0, 0.5, 1)
    for y in [_PLAN_TOP + _PLAN_PLOT_H * (1 - frac)]
)
_CENT = Decimal("0.01")


def _plan_column(i: int) -> tuple[str, str, str]:
    """Column ``i``'s left edge, width and centre as printed."""
    x = _PLAN_LEFT + i * _PLAN_SLOT + _PLAN_SLOT * 0.2
    w = _PLAN_SLOT * 0.6
    return f"{x:.1f}", f"{w:.1f}", f"{x + w / 2:.1f}"


_PLAN_COLUMNS = tuple(_plan_column(i) for i in range(len(CHECKPOINT_LABELS)))


def spending_plan(points: list[tuple[str, Decimal | None]], unit: str, total: Decimal, chart_id: str, title: str) -> Markup:
    """Four columns (3月底 … 12月底) of the cumulative plan; a missing
    checkpoint is drawn as an empty, labelled slot, not silently skipped."""
    percent = unit == "percent"
    top, plot_h = _PLAN_TOP, _PLAN_PLOT_H
    scale_max = Decimal(100) if percent else max([total] + [v for _, v in points if v is not None])
    scale_max = scale_max or Decimal(1)
    suffix = "%" if percent else "万元"
    def shown(v: Decimal) -> str:  # percentages as published (25%, 33.3%), amounts as every amount
        return f"{v:f}%" if percent else money(v)

    desc = "；".join(
        f"{CHECKPOINT_LABELS[k]}：{(shown(v) + ('' if percent else suffix)) if v is not None else '未列出'}"
        for k, v in points
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {_PLAN_W} {_PLAN_H}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>',
    ]
    for frac, line in _PLAN_GRID:
        val = scale_max * frac
        label = f"{val.normalize():f}%" if percent else money(val.quantize(_CENT))
        parts.append(f"{line}{_e(label)}</text>")
    for i, (key, value) in enumerate(points):
        x_s, w_s, cx_s = _PLAN_COLUMNS[i]
        parts.append(
            f'<text x="{cx_s}" y="{_PLAN_H - 12}" font-size="13" text-anchor="middle" fill="{TEXT}">{CHECKPOINT_LABELS[key]}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{x_s}" y="{top}" width="{w_s}" height="{plot_h}" fill="none" stroke="{AXIS}" stroke-dasharray="4 3"/>'
                f'<text x="{cx_s}" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" fill="{AXIS}">未列出</text>'
            )
            continue
        h = float(min(value, scale_max) / scale_max) * plot_h
        y = top + plot_h - h
        parts.append(f'<rect x="{x_s}" y="{y:.1f}" width="{w_s}" height="{h:.1f}" rx="2" fill="{BAR}"/>')
        parts.append(
            f'<text x="{cx_s}" y="{max(y - 4, 12):.1f}" font-size="12" text-anchor="middle" fill="{TEXT}">'
            f'{_e(shown(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
