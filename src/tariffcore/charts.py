"""Charts as SVG text, in pure Python: the one chart module of tariffcore.

What the documents, the comparison report and the documentation's city pages draw:

- :func:`line_chart`: several lines over shared axes (a charge against usage, one line per
  ordinance version), with a legend and a mark where a line stops because a value is unknown;
- :func:`bar_chart`: horizontal bars, one group per category and one bar per series (revenue
  by use class and charge); values may be negative (a reduction);
- :func:`column_chart`: vertical columns (a distribution in bins, a year of monthly usage).

Geometry is exact decimal arithmetic, and every coordinate is written with one decimal place,
so the same data always gives the same bytes. A chart is an ``<svg>`` element with a
``viewBox``: a page may scale it down to its width (``svg {max-width: 100%; height: auto}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from html import escape

__all__ = ["PALETTE", "Bars", "Series", "bar_chart", "column_chart", "grouped", "line_chart", "nice_ticks"]

#: Colours, distinguishable in colour and in grey.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")
DASHES = ("", "6 3", "2 3", "8 3 2 3")

WIDTH, HEIGHT = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 84, 216, 40, 56

_TENTH = Decimal("0.1")
_STEPS = (Decimal(1), Decimal(2), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (x, y) in data units, in x order; ``stop`` says why the line
    ends early (drawn at its last point)."""

    name: str
    points: Sequence[tuple[Decimal, Decimal]]
    stop: str | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Bars:
    """One series of a bar chart: a value per category (``None``: no bar)."""

    name: str
    values: Sequence[Decimal | None]
    colour: str | None = None


def nice_ticks(high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values from 0 to at least ``high`` (1, 2 or 5 times a power of ten apart)."""
    if high <= 0:
        return [Decimal(0), Decimal(1)]
    with localcontext() as ctx:
        ctx.prec = 28
        raw = high / count
        power = Decimal(10) ** int(raw.log10().to_integral_value(rounding=ROUND_FLOOR))
        step = next(power * m for m in _STEPS if power * m >= raw)
        ticks = [Decimal(0)]
        while ticks[-1] < high:
            ticks.append(ticks[-1] + step)
    return ticks


def grouped(value: Decimal) -> str:
    """``12345`` → ``12,345``; ``0.5`` stays ``0.5``; never an exponent."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _num(value: Decimal | int) -> str:
    """A coordinate with one decimal place."""
    return f"{Decimal(value).quantize(_TENTH, rounding=ROUND_HALF_EVEN):f}"


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return part / whole


def _svg_open(width: int, height: int, title: str, font_size: int = 12) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="sans-serif" font-size="{font_size}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
    ]


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

    def px(x: Decimal) -> Decimal:
        return LEFT + _ratio(x, x_top) * plot_w

    def py(y: Decimal) -> Decimal:
        return TOP + plot_h - _ratio(y, y_top) * plot_h

    # Many versions: keep the legend to names (the page lists where lines stop).
    brief = len(series) > 6
    rows = sum(16 + 4 + (0 if brief else 13 * (bool(s.stop) + len(s.notes))) for s in series)
    height = max(HEIGHT, TOP + 8 + rows + 8)
    out = _svg_open(WIDTH, height, title)
    out.append(f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>')
    for tick in y_ticks:
        at = _num(py(tick))
        out.append(f'<line x1="{LEFT}" y1="{at}" x2="{LEFT + plot_w}" y2="{at}" stroke="#e5e5e5"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{at}" text-anchor="end" dominant-baseline="middle">'
            f"{grouped(tick)}</text>"
        )
    for tick in x_ticks:
        at = _num(px(tick))
        out.append(f'<line x1="{at}" y1="{TOP}" x2="{at}" y2="{TOP + plot_h}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{at}" y="{TOP + plot_h + 16}" text-anchor="middle">{grouped(tick)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
    out.append(
        f'<text x="{_num(LEFT + Decimal(plot_w) / 2)}" y="{HEIGHT - 14}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    out.append(
        f'<text transform="translate(16 {_num(TOP + Decimal(plot_h) / 2)}) rotate(-90)" '
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
                last_x, last_y = line.points[-1]
                out.append(
                    f'<circle cx="{_num(px(last_x))}" cy="{_num(py(last_y))}" r="4" fill="white" '
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


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Bars],
    *,
    title: str,
    value_text: Callable[[Decimal], str] = grouped,
    width: int = 720,
    label_width: int = 130,
    bar: int = 14,
) -> str:
    """Horizontal bars: a group per category, a bar per series, a legend above.

    Bars start at a zero line; a negative value (a reduction) is drawn to its left. Each bar
    is labelled with ``value_text(value)``. Category labels longer than the label column
    allows are cut with an ellipsis (the whole name is the bar's tooltip).
    """
    values = [v for s in series for v in s.values if v is not None]
    high = max([Decimal(0), *values])
    low = min([Decimal(0), *values])
    text_room = 96  # for the value written beside a bar
    area = width - label_width - text_room - (text_room if low < 0 else 0)
    span = (high - low) or Decimal(1)
    zero = label_width + (text_room if low < 0 else 0) + _ratio(-low, span) * area
    legend_h = 22 if len(series) > 1 else 0
    group = bar * len(series) + 12
    height = 8 + legend_h + group * len(categories) + 8
    out = _svg_open(width, height, title, font_size=11)
    x = label_width
    for index, one in enumerate(series):
        colour = one.colour or PALETTE[index % len(PALETTE)]
        out.append(
            f'<rect x="{x}" y="8" width="12" height="10" fill="{colour}"/>'
            f'<text x="{x + 16}" y="17">{escape(one.name)}</text>'
        )
        x += 28 + 7 * len(one.name)
    top = 8 + legend_h
    for row, name in enumerate(categories):
        y0 = top + row * group
        shown = name if len(name) <= label_width // 8 else name[: label_width // 8 - 1] + "…"
        out.append(
            f'<text x="0" y="{y0 + bar * len(series) // 2 + 4}">{escape(shown)}'
            f"<title>{escape(name)}</title></text>"
        )
        for index, one in enumerate(series):
            value = one.values[row] if row < len(one.values) else None
            if value is None:
                continue
            colour = one.colour or PALETTE[index % len(PALETTE)]
            length = _ratio(abs(value), span) * area
            y = y0 + index * bar
            left = zero - length if value < 0 else zero
            out.append(
                f'<rect x="{_num(left)}" y="{y}" width="{_num(max(length, Decimal(1)))}" '
                f'height="{bar - 2}" fill="{colour}"><title>{escape(name)}, '
                f"{escape(one.name)}: {escape(value_text(value))}</title></rect>"
            )
            if value < 0:
                out.append(
                    f'<text x="{_num(left - 4)}" y="{y + bar - 4}" text-anchor="end">'
                    f"{escape(value_text(value))}</text>"
                )
            else:
                out.append(
                    f'<text x="{_num(left + length + 4)}" y="{y + bar - 4}">'
                    f"{escape(value_text(value))}</text>"
                )
    out.append(f'<line x1="{_num(zero)}" y1="{top - 2}" x2="{_num(zero)}" y2="{height - 6}" stroke="#555"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def column_chart(
    values: Sequence[Decimal | None],
    *,
    title: str,
    labels: Sequence[str] | None = None,
    edge_labels: Mapping[int, str] | None = None,
    tips: Sequence[str] | None = None,
    colours: Sequence[str] | None = None,
    value_text: Callable[[Decimal], str] | None = None,
    y_label: str = "",
    missing: str = "–",
    width: int = 720,
    height: int = 230,
    heading: bool = True,
) -> str:
    """Vertical columns over a y axis from 0, one per value (``None``: no value, ``missing``
    is written in its place).

    ``labels`` go under each column, ``edge_labels`` under the boundary between columns
    (index 0 is the left edge: bins of a distribution); ``tips`` are the columns' tooltips;
    ``colours`` one per column (default: the first colour of :data:`PALETTE`);
    ``value_text`` writes each value above its column; ``heading=False`` leaves the title
    out of the picture (a page that heads the chart itself).
    """
    count = max(len(values), 1)
    known = [v for v in values if v is not None]
    whole = all(v == v.to_integral_value() for v in known)  # counts: no tick between 0 and 1
    ticks = nice_ticks(max([*known, Decimal(4 if whole else 1)]), 4)
    y_top = ticks[-1]
    left, right, top = 56, 12, 28 if heading or y_label else 14
    bottom = 36 if (labels or edge_labels) else 16
    plot_w, plot_h = width - left - right, height - top - bottom
    step = _ratio(Decimal(plot_w), Decimal(count))
    gap = min(Decimal(8), step / 5)
    out = _svg_open(width, height, title, font_size=11)
    if heading:
        out.append(f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>')
    if y_label:
        out.append(f'<text x="{width - right}" y="14" text-anchor="end" fill="#555">{escape(y_label)}</text>')
    base = top + plot_h
    for tick in ticks:
        y = _num(base - _ratio(tick, y_top) * plot_h)
        out.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="#e5e5e5"/>')
        out.append(
            f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{grouped(tick)}</text>"
        )
    for index, value in enumerate(values):
        x = left + step * index
        centre = _num(x + step / 2)
        if value is None:
            out.append(
                f'<text x="{centre}" y="{base - 4}" text-anchor="middle" fill="#888">{escape(missing)}</text>'
            )
        else:
            tall = _ratio(max(value, Decimal(0)), y_top) * plot_h
            colour = colours[index] if colours is not None and index < len(colours) else PALETTE[0]
            tip = f"<title>{escape(tips[index])}</title>" if tips is not None and index < len(tips) else ""
            out.append(
                f'<rect x="{_num(x + gap / 2)}" y="{_num(base - tall)}" '
                f'width="{_num(step - gap)}" height="{_num(tall)}" fill="{colour}">{tip}</rect>'
            )
            if value_text is not None:
                out.append(
                    f'<text x="{centre}" y="{_num(base - tall - 4)}" text-anchor="middle">'
                    f"{escape(value_text(value))}</text>"
                )
        if labels is not None and index < len(labels):
            out.append(
                f'<text x="{centre}" y="{base + 15}" text-anchor="middle">{escape(labels[index])}</text>'
            )
    for index, text in (edge_labels or {}).items():
        anchor = "end" if index >= count else "middle"
        out.append(
            f'<text x="{_num(left + step * index)}" y="{base + 15}" text-anchor="{anchor}">'
            f"{escape(text)}</text>"
        )
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#555"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
