"""Inline SVG charts drawn at build time: no JavaScript, no external files.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (its
text alternative); the page puts the same numbers in a real table next to
it. Geometry uses Decimal → float only for pixel positions, never for the
numbers printed.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

from markupsafe import Markup

from .format import money
from .model import CHECKPOINT_LABELS

BAR = "#1d5a8c"
BAR_ALT = "#7a9cc0"
AXIS = "#5b6470"
TEXT = "#1f2328"


def _e(text: str) -> str:
    return escape(str(text), quote=True)


def project_budgets(items: list[tuple[str, Decimal]], chart_id: str, title: str) -> Markup:
    """Horizontal bars, one per project: name above, amount at the bar's end."""
    if not items:
        return Markup("")
    width, left, right = 640, 8, 110
    row_h, bar_h = 44, 16
    height = row_h * len(items) + 8
    biggest = max(v for _, v in items) or Decimal(1)
    usable = width - left - right
    desc = "；".join(f"{name}：{money(v)}万元" for name, v in items)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>',
    ]
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        w = max(1.0, float(value / biggest) * usable) if value else 0.0
        label = name if len(name) <= 30 else name[:29] + "…"
        parts.append(f'<text x="{left}" y="{y + 13}" font-size="13" fill="{TEXT}">{_e(label)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 19}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{BAR if i % 2 == 0 else BAR_ALT}"/>'
        )
        parts.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 32}" font-size="13" fill="{TEXT}">{_e(money(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def spending_plan(points: list[tuple[str, Decimal | None]], unit: str, total: Decimal, chart_id: str, title: str) -> Markup:
    """Four columns (3月底 … 12月底) of the cumulative plan; a missing
    checkpoint is drawn as an empty, labelled slot, not silently skipped."""
    width, height = 480, 220
    left, bottom, top = 56, 36, 16
    plot_h = height - bottom - top
    scale_max = Decimal(100) if unit == "percent" else max([total] + [v for _, v in points if v is not None])
    scale_max = scale_max or Decimal(1)
    suffix = "%" if unit == "percent" else "万元"
    slot = (width - left - 8) / 4
    desc = "；".join(
        f"{CHECKPOINT_LABELS[k]}：{(money(v) + suffix) if v is not None else '未列出'}" for k, v in points
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>',
    ]
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        val = scale_max * Decimal(str(frac))
        label = f"{val.normalize():f}{'%' if unit == 'percent' else ''}" if unit == "percent" else money(val.quantize(Decimal('0.01')))
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{AXIS}">{_e(label)}</text>')
    for i, (key, value) in enumerate(points):
        x = left + i * slot + slot * 0.2
        w = slot * 0.6
        cx = x + w / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{height - 12}" font-size="13" text-anchor="middle" fill="{TEXT}">{CHECKPOINT_LABELS[key]}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{top}" width="{w:.1f}" height="{plot_h}" fill="none" stroke="{AXIS}" stroke-dasharray="4 3"/>'
                f'<text x="{cx:.1f}" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" fill="{AXIS}">未列出</text>'
            )
            continue
        h = float(min(value, scale_max) / scale_max) * plot_h
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="2" fill="{BAR}"/>')
        parts.append(
            f'<text x="{cx:.1f}" y="{max(y - 4, 12):.1f}" font-size="12" text-anchor="middle" fill="{TEXT}">'
            f'{_e(money(value))}{"%" if unit == "percent" else ""}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
