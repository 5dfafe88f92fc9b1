"""A self-contained HTML report of a comparison (inline SVG charts, no scripts, no links).

Revenue by use class under both ordinances, the distribution of the change per bill, the
accounts hit hardest and the rows that could not be billed. The charts are drawn by
:mod:`tariffcore.documents`, which draws every chart of tariffcore.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_FLOOR, Decimal
from html import escape
from typing import Any

from ..charts import Bars, bar_chart, column_chart
from ..money import format_amount
from .compare import CompareSummary, ranked

__all__ = ["html_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto}.note{color:#666;font-size:.9rem}
"""


def _won(value: Decimal | str) -> str:
    amount = Decimal(value) if isinstance(value, str) else value
    return f"{amount:,}" if amount == amount.to_integral_value() else format_amount(amount)


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="{"n" if i in numeric else ""}">{escape(h)}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"n" if i in numeric else ""}">{escape(c)}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _revenue_chart(classes: dict[str, Any]) -> str:
    names = list(classes)
    if not names:
        return ""
    old = Bars("old", [Decimal(c["old_revenue"]) for c in classes.values()], "#8aa9c9")
    new = Bars("new", [Decimal(c["new_revenue"]) for c in classes.values()], "#d9822b")
    return bar_chart(names, [old, new], title="revenue by use class", value_text=_won)


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
    starts = [low + step * index for index in range(bins)]
    return column_chart(
        [Decimal(count) for count in counts],
        title="distribution of change per bill",
        edge_labels={index: f"{low + step * index:.1f}%" for index in (0, bins // 2, bins)},
        tips=[f"{start:.2f}% to {start + step:.2f}%: {count}" for start, count in zip(starts, counts)],
        colours=["#b5504a" if start + step <= 0 else "#5b8c5a" for start in starts],
        y_label="accounts per bin of change per bill (%)",
    )


def html_report(summary: CompareSummary, title: str | None = None) -> str:
    """The report as one HTML document."""
    data = summary.to_dict()
    name = title or f"{summary.old_label} → {summary.new_label}"
    classes = data["by_use_class"]
    total = data["total"]
    class_rows = [
        [
            k,
            f"{c['accounts']:,}",
            f"{c['billed_by_both']:,}",
            f"{c['error_rows']:,}",
            _won(c["old_revenue"]),
            _won(c["new_revenue"]),
            _won(c["change"]),
            c["change_percent"] or "-",
        ]
        for k, c in [*classes.items(), ("total", total)]
    ]
    pct = data["change_percent_percentiles"]
    won = data["change_percentiles"]
    dist_rows = [[k, _won(won[k]), pct.get(k, "-")] for k in won]
    hard_rows = [
        [
            h["account"],
            h["use_class"],
            h["usage_m3"],
            _won(h["old_total"]),
            _won(h["new_total"]),
            _won(h["change"]),
            h["change_percent"] or "-",
        ]
        for h in data["hardest_hit"]
    ]
    error_rows = [[k, f"{v:,}"] for k, v in data["errors"].items()]
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(name)}</h1>",
        f"<p>{data['rows']:,} account(s); {data['billed_by_both']:,} billed under both; "
        f"{data['error_rows']:,} error row(s) (kept and counted, not in the totals). "
        f"Revenue {_won(total['old_revenue'])} → {_won(total['new_revenue'])} "
        f"({total['change_percent'] or '-'} %).</p>",
        "<h2>Revenue by use class</h2>",
        _revenue_chart(classes),
        _table(
            ["use class", "accounts", "billed", "errors", "old revenue", "new revenue", "change", "change %"],
            class_rows,
            {1, 2, 3, 4, 5, 6, 7},
        ),
        "<h2>Change per bill</h2>",
        _histogram(summary.percents),
        _table(["percentile", f"change ({summary.currency or 'amount'})", "change (%)"], dist_rows, {1, 2}),
        "<h2>Accounts hit hardest</h2>",
        _table(
            ["account", "use class", "m³", "old", "new", "change", "change %"], hard_rows, {2, 3, 4, 5, 6}
        ),
    ]
    if error_rows:
        parts += ["<h2>Rows that could not be billed</h2>", _table(["side: error", "rows"], error_rows, {1})]
    unmatched = [[k, f"{v:,}"] for k, v in data["not_included_on_one_side"].items()]
    if unmatched:
        parts += [
            "<h2>Charges one side does not include</h2>",
            "<p>On these bills one ordinance leaves out a charge the other bills, so their "
            "totals compare different sets of charges.</p>",
            _table(["side: charge not included", "bills"], unmatched, {1}),
        ]
    parts.append("</body></html>\n")
    return "\n".join(parts)
