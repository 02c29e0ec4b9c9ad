"""Inline SVG charts for the report: a sparkline, a daily line with a target, labelled bars.

Pure functions from numbers to SVG text: no JavaScript, no fonts or files to
load, so the report opens offline and prints as it shows. Missing values
(``None``) leave a gap instead of pretending to be 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#1f2937"
MUTED = "#9ca3af"
GRID = "#e5e7eb"
GOOD = "#15803d"
BAD = "#b91c1c"
LINE = "#2563eb"


def _points(
    values: Sequence[float | None],
    width: float,
    height: float,
    low: float,
    high: float,
    pad: float = 2,
) -> list[list[tuple[float, float]]]:
    """Runs of (x, y) points, split where a value is missing."""
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        x = pad + index * step
        y = pad + (height - 2 * pad) * (1 - (value - low) / span)
        runs[-1].append((round(x, 1), round(y, 1)))
    return [run for run in runs if run]


def _path(run: list[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in run)


def sparkline(
    values: Sequence[float | None],
    *,
    width: int = 120,
    height: int = 28,
    color: str = LINE,
    label: str = "",
) -> str:
    """A small line of a series (one point per period) for a KPI tile."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    runs = _points(values, width, height, min(known), max(known))
    lines = "".join(
        f'<polyline points="{_path(run)}" fill="none" stroke="{color}" stroke-width="1.6" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        if len(run) > 1
        else f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="1.5" fill="{color}"/>'
        for run in runs
    )
    last_x, last_y = runs[-1][-1]
    return (
        f'<svg class="spark" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'{lines}<circle cx="{last_x}" cy="{last_y}" r="2.4" fill="{color}"/></svg>'
    )


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    target: float | None = None,
    width: int = 640,
    height: int = 200,
    percent: bool = True,
    title: str = "",
) -> str:
    """A daily series with its axis, optional target line and first/last labels."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    left, bottom, top = 44, 22, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    low = min([*known, target if target is not None else known[0]])
    high = max([*known, target if target is not None else known[0]])
    if percent:
        low, high = max(0.0, low - 0.05), min(1.0, high + 0.02)
    shown = (lambda v: f"{v:.0%}") if percent else (lambda v: f"{v:.3g}")
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f'<g font-family="system-ui, sans-serif" font-size="11" fill="{MUTED}">',
    ]
    for fraction in (0, 0.5, 1):
        value = low + (high - low) * fraction
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{shown(value)}</text>'
        )
    if target is not None and low <= target <= high:
        y = top + plot_h * (1 - (target - low) / ((high - low) or 1))
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{BAD}" '
            f'stroke-dasharray="4 3"/><text x="{width - 10}" y="{y - 4:.1f}" '
            f'text-anchor="end" fill="{BAD}">target {shown(target)}</text>'
        )
    parts.append("</g>")
    for run in _points(values, plot_w, plot_h, low, high, pad=0):
        shifted = [(x + left, y + top) for x, y in run]
        parts.append(
            f'<polyline points="{_path(shifted)}" fill="none" stroke="{LINE}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
        parts += [f'<circle cx="{x}" cy="{y}" r="2" fill="{LINE}"/>' for x, y in shifted]
    if labels:
        parts.append(
            f'<g font-family="system-ui, sans-serif" font-size="11" fill="{MUTED}">'
            f'<text x="{left}" y="{height - 6}">{escape(labels[0])}</text>'
            f'<text x="{width - 8}" y="{height - 6}" text-anchor="end">{escape(labels[-1])}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    target: float | None = None,
    width: int = 480,
    title: str = "",
) -> str:
    """Horizontal bars of ratios (0–1), one per ``(label, value, note)``, worst first."""
    if not rows:
        return ""
    bar_h, gap, label_w, value_w = 18, 8, 110, 120
    height = len(rows) * (bar_h + gap) + gap
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        '<g font-family="system-ui, sans-serif" font-size="12">',
    ]
    for index, (label, value, note) in enumerate(rows):
        y = gap + index * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="{GRID}" rx="3"/>'
        )
        if value is not None:
            color = GOOD if target is None or value >= target else BAD
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{max(plot_w * value, 1):.1f}" '
                f'height="{bar_h}" fill="{color}" rx="3"/>'
                f'<text x="{label_w + plot_w + 6}" y="{y + 13}" fill="{INK}">{value:.1%}'
                f'<tspan fill="{MUTED}"> {escape(note)}</tspan></text>'
            )
        else:
            parts.append(f'<text x="{label_w + 6}" y="{y + 13}" fill="{MUTED}">unavailable</text>')
    if target is not None:
        x = label_w + plot_w * target
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="{INK}" '
            'stroke-dasharray="3 3" stroke-width="1"/>'
        )
    parts.append("</g></svg>")
    return "".join(parts)
