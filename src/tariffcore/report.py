"""A self-contained HTML report of a comparison (inline SVG charts, no scripts, no links).

For the monthly management report the seed describes: revenue by use class under both
ordinances, the distribution of the change per bill, the accounts hit hardest and the rows
that could not be billed. Chart geometry is integer arithmetic on exact amounts.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_FLOOR, Decimal
from html import escape
from typing import Any

from .compare import CompareSummary, ranked
from .money import format_amount

__all__ = ["html_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.old{fill:#8aa9c9}.new{fill:#d9822b}.bar{fill:#5b8c5a}.neg{fill:#b5504a}
svg text{font-size:11px;fill:#333}.note{color:#666;font-size:.9rem}
"""


def _won(value: Decimal | str) -> str:
    amount = Decimal(value) if isinstance(value, str) else value
    return f"{amount:,}" if amount == amount.to_integral_value() else format_amount(amount)


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f'<th class="{"n" if i in numeric else ""}">{escape(h)}</th>'
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td class="{"n" if i in numeric else ""}">{escape(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _revenue_chart(classes: dict[str, Any]) -> str:
    names = list(classes)
    if not names:
        return ""
    values = [(Decimal(c["old_revenue"]), Decimal(c["new_revenue"])) for c in classes.values()]
    top = max(max(o, n) for o, n in values) or Decimal(1)
    width, bar_area, row = 720, 440, 44
    height = row * len(names) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="revenue by use class">']
    for index, (name, (old, new)) in enumerate(zip(names, values)):
        y = 10 + index * row
        parts.append(f'<text x="0" y="{y + 15}">{escape(name)}</text>')
        for offset, value, css in ((0, old, "old"), (18, new, "new")):
            length = int((value * bar_area / top).to_integral_value(ROUND_FLOOR))
            parts.append(f'<rect class="{css}" x="110" y="{y + offset}" width="{max(length, 1)}" '
                         f'height="16"/>')
            parts.append(f'<text x="{116 + length}" y="{y + offset + 12}">{_won(value)}</text>')
    legend_y = height - 8
    parts.append(f'<rect class="old" x="110" y="{legend_y - 10}" width="12" height="10"/>'
                 f'<text x="126" y="{legend_y}">old</text>'
                 f'<rect class="new" x="170" y="{legend_y - 10}" width="12" height="10"/>'
                 f'<text x="186" y="{legend_y}">new</text></svg>')
    return "".join(parts)


def _histogram(values: Counter[Decimal], bins: int = 24) -> str:
    """Counts of change per bill (%) in equal bins between the 1st and 99th percentiles;
    the outer bins also hold what lies beyond."""
    total = sum(values.values())
    if not total:
        return '<p class="note">No account was billed by both.</p>'
    low = ranked(values, total // 100 + 1)
    high = ranked(values, min(total, total * 99 // 100 + 1))
    if high <= low:
        high = low + 1
    step = (high - low) / bins
    counts = [0] * bins
    for value, times in values.items():
        index = int(((value - low) / step).to_integral_value(ROUND_FLOOR))
        counts[min(max(index, 0), bins - 1)] += times
    most = max(counts)
    width, height, base = 720, 230, 180
    bar = (width - 60) // bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="distribution of change per bill">']
    for index, count in enumerate(counts):
        tall = count * 160 // most
        x = 40 + index * bar
        start = low + step * index
        css = "neg" if start + step <= 0 else "bar"
        parts.append(f'<rect class="{css}" x="{x}" y="{base - tall}" width="{bar - 2}" '
                     f'height="{tall}"><title>{start:.2f}% to {start + step:.2f}%: {count}'
                     f'</title></rect>')
    for index in (0, bins // 2, bins):
        x = 40 + index * bar
        parts.append(f'<text x="{x - 10}" y="{base + 16}">{low + step * index:.1f}%</text>')
    parts.append(f'<text x="0" y="14">accounts (max {most:,} per bin)</text>'
                 f'<text x="{width // 2 - 60}" y="{base + 34}">change per bill (%)</text></svg>')
    return "".join(parts)


def html_report(summary: CompareSummary, title: str | None = None) -> str:
    """The report as one HTML document."""
    data = summary.to_dict()
    name = title or f"{summary.old_label} → {summary.new_label}"
    classes = data["by_use_class"]
    total = data["total"]
    class_rows = [[k, f"{c['accounts']:,}", f"{c['billed_by_both']:,}", f"{c['error_rows']:,}",
                   _won(c["old_revenue"]), _won(c["new_revenue"]), _won(c["change"]),
                   c["change_percent"] or "-"] for k, c in [*classes.items(), ("total", total)]]
    pct = data["change_percent_percentiles"]
    won = data["change_percentiles"]
    dist_rows = [[k, _won(won[k]), pct.get(k, "-")] for k in won]
    hard_rows = [[h["account"], h["use_class"], h["usage_m3"], _won(h["old_total"]),
                  _won(h["new_total"]), _won(h["change"]), h["change_percent"] or "-"]
                 for h in data["hardest_hit"]]
    error_rows = [[k, f"{v:,}"] for k, v in data["errors"].items()]
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{escape(name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(name)}</h1>",
        f"<p>{data['rows']:,} account(s); {data['billed_by_both']:,} billed under both; "
        f"{data['error_rows']:,} error row(s) (kept and counted, not in the totals). "
        f"Revenue {_won(total['old_revenue'])} → {_won(total['new_revenue'])} "
        f"({total['change_percent'] or '-'} %).</p>",
        "<h2>Revenue by use class</h2>",
        _revenue_chart(classes),
        _table(["use class", "accounts", "billed", "errors", "old revenue", "new revenue",
                "change", "change %"], class_rows, {1, 2, 3, 4, 5, 6, 7}),
        "<h2>Change per bill</h2>",
        _histogram(summary.percents),
        _table(["percentile", f"change ({summary.currency or 'amount'})", "change (%)"],
               dist_rows, {1, 2}),
        "<h2>Accounts hit hardest</h2>",
        _table(["account", "use class", "m³", "old", "new", "change", "change %"], hard_rows,
               {2, 3, 4, 5, 6}),
    ]
    if error_rows:
        parts += ["<h2>Rows that could not be billed</h2>",
                  _table(["side: error", "rows"], error_rows, {1})]
    unmatched = [[k, f"{v:,}"] for k, v in data["not_included_on_one_side"].items()]
    if unmatched:
        parts += ["<h2>Charges one side does not include</h2>",
                  "<p>On these bills one ordinance leaves out a charge the other bills, so their "
                  "totals compare different sets of charges.</p>",
                  _table(["side: charge not included", "bills"], unmatched, {1})]
    parts.append("</body></html>\n")
    return "\n".join(parts)
