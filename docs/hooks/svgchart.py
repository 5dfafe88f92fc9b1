"""Line charts as SVG text, in pure Python: what the city pages draw.

Only what a tariff chart needs: one x axis (usage), one y axis (money), several polylines
overlaid, a legend, and a mark where a line stops because a value is unknown. Numbers are
written with fixed precision, so the same data gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

__all__ = ["PALETTE", "Series", "line_chart", "nice_ticks"]

#: Line colours, distinguishable in colour and in grey.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")
DASHES = ("", "6 3", "2 3", "8 3 2 3")

WIDTH, HEIGHT = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 84, 216, 40, 56


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (x, y) in data units, in x order; ``stop`` says why the line
    ends early (drawn at its last point)."""

    name: str
    points: Sequence[tuple[Decimal, Decimal]]
    stop: str | None = None
    notes: tuple[str, ...] = field(default=())


def nice_ticks(high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values from 0 to at least ``high`` (1, 2 or 5 times a power of ten apart)."""
    if high <= 0:
        return [Decimal(0), Decimal(1)]
    raw = high / count
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(power * m for m in (Decimal(1), Decimal(2), Decimal(5), Decimal(10)) if power * m >= raw)
    ticks = [Decimal(0)]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _grouped(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value != value.to_integral_value() else f"{int(value):,}"
    return text


def _num(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    series: Sequence[Series], *, title: str, x_label: str, y_label: str, x_max: Decimal | None = None
) -> str:
    """An SVG document with every series overlaid on shared axes."""
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    x_ticks = nice_ticks(max([x_max or Decimal(0), *xs, Decimal(1)]))
    y_ticks = nice_ticks(max([*ys, Decimal(1)]))
    x_top, y_top = x_ticks[-1], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: Decimal) -> float:
        return LEFT + float(x / x_top) * plot_w

    def py(y: Decimal) -> float:
        return TOP + plot_h - float(y / y_top) * plot_h

    # Many versions: keep the legend to names (the page lists where lines stop).
    brief = len(series) > 6
    rows = sum(16 + 4 + (0 if brief else 13 * (bool(s.stop) + len(s.notes))) for s in series)
    height = max(HEIGHT, TOP + 8 + rows + 8)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in y_ticks:
        y = _num(py(tick))
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + plot_w}" y2="{y}" stroke="#e5e5e5"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{_grouped(tick)}</text>"
        )
    for tick in x_ticks:
        x = _num(px(tick))
        out.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{TOP + plot_h}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{x}" y="{TOP + plot_h + 16}" text-anchor="middle">{_grouped(tick)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle">{escape(x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    legend_y = TOP + 8
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[(index // len(PALETTE) + index) % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if line.points:
            path = " ".join(f"{_num(px(x))},{_num(py(y))}" for x, y in line.points)
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} '
                f'points="{path}"><title>{escape(line.name)}</title></polyline>'
            )
            if line.stop:
                x, y = line.points[-1]
                out.append(
                    f'<circle cx="{_num(px(x))}" cy="{_num(py(y))}" r="4" fill="white" '
                    f'stroke="{colour}" stroke-width="2"><title>{escape(line.stop)}</title></circle>'
                )
        lx = LEFT + plot_w + 14
        out.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 22}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        out.append(
            f'<text x="{lx + 28}" y="{legend_y}" dominant-baseline="middle">{escape(line.name)}</text>'
        )
        legend_y += 16
        for note in () if brief else ((f"stops: {line.stop}",) if line.stop else ()) + line.notes:
            out.append(
                f'<text x="{lx + 28}" y="{legend_y}" dominant-baseline="middle" '
                f'font-size="10" fill="#555">{escape(note)}</text>'
            )
            legend_y += 13
        legend_y += 4
    out.append("</svg>")
    return "\n".join(out) + "\n"
