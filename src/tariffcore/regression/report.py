"""A self-contained HTML report of a comparison (inline SVG charts, no scripts, no links).

For each candidate against the old ordinance: revenue by use class, by charge, by use class ×
charge, by usage band and by meter size; the distribution of the change per bill; the accounts
hit hardest; the rows that could not be billed. Per use class, a chart of the mean bill
against usage under every ordinance compared. With several candidates, a table of them side by
side comes first. The charts are drawn by :mod:`tariffcore.charts`, which draws every chart of
tariffcore.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from html import escape
from typing import Any

from ..charts import column_chart
from .curves import UsageCurves
from .report_sections import (
    amount,
    class_charge_rows,
    revenue_chart,
    revenue_rows,
    scenario_table,
    table,
)
from .summary import CompareSummary, ranked

__all__ = ["html_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto}.note{color:#666;font-size:.9rem}
"""
_REVENUE = ["old revenue", "new revenue", "change", "change %"]


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


def _candidate(
    summary: CompareSummary, data: dict[str, Any], level: str, after_classes: Sequence[str] = ()
) -> list[str]:
    """The sections of one candidate against the old ordinance (``after_classes`` after its
    revenue by use class)."""
    total = data["total"]
    counts = ["accounts", "billed_by_both", "error_rows"]
    pct = data["change_percent_percentiles"]
    won = data["change_percentiles"]
    hard_rows = [
        [
            h["account"],
            h["use_class"],
            h["usage_m3"] or "",
            amount(h["old_total"]),
            amount(h["new_total"]),
            amount(h["change"]),
            h["change_percent"] or "-",
        ]
        for h in data["hardest_hit"]
    ]
    parts = [
        f"<p>{data['rows']:,} account(s); {data['billed_by_both']:,} billed under both; "
        f"{data['error_rows']:,} error row(s) (kept and counted, not in the totals). "
        f"Revenue {amount(total['old_revenue'])} → {amount(total['new_revenue'])} "
        f"({total['change_percent'] or '-'} %).</p>",
        f"<{level}>Revenue by use class</{level}>",
        revenue_chart(data["by_use_class"], "revenue by use class"),
        table(
            ["use class", "accounts", "billed", "errors", *_REVENUE],
            revenue_rows({**data["by_use_class"], "total": total}, counts),
            {1, 2, 3, 4, 5, 6, 7},
        ),
        *after_classes,
        f"<{level}>Revenue by charge</{level}>",
        revenue_chart(data["by_charge"], "revenue by charge"),
        table(
            ["charge", "old bills", "new bills", *_REVENUE],
            revenue_rows(data["by_charge"], ("old_bills", "new_bills")),
            {1, 2, 3, 4, 5, 6},
        ),
        f"<{level}>Revenue by use class and charge</{level}>",
        table(
            ["use class", "charge", "old bills", "new bills", *_REVENUE],
            class_charge_rows(data["by_use_class_and_charge"]),
            {2, 3, 4, 5, 6, 7},
        ),
        f"<{level}>Revenue by usage band (m³)</{level}>",
        '<p class="note">A band holds the usage above its lower edge up to and including its upper edge.</p>',
        revenue_chart(data["by_usage_band"], "revenue by usage band (m³)"),
        table(
            ["usage (m³)", "accounts", "billed", "errors", *_REVENUE],
            revenue_rows(data["by_usage_band"], counts),
            {1, 2, 3, 4, 5, 6, 7},
        ),
        f"<{level}>Revenue by meter size (mm)</{level}>",
        table(
            ["meter (mm)", "accounts", "billed", "errors", *_REVENUE],
            revenue_rows(data["by_meter_size"], counts),
            {1, 2, 3, 4, 5, 6, 7},
        ),
        f"<{level}>Change per bill</{level}>",
        _histogram(summary.percents),
        table(
            ["percentile", f"change ({summary.currency or 'amount'})", "change (%)"],
            [[k, amount(won[k]), pct.get(k, "-")] for k in won],
            {1, 2},
        ),
        f"<{level}>Accounts hit hardest</{level}>",
        table(["account", "use class", "m³", "old", "new", "change", "change %"], hard_rows, {2, 3, 4, 5, 6}),
    ]
    error_rows = [[k, f"{v:,}"] for k, v in data["errors"].items()]
    if error_rows:
        parts += [
            f"<{level}>Rows that could not be billed</{level}>",
            table(["side: error", "rows"], error_rows, {1}),
        ]
    unmatched = [[k, f"{v:,}"] for k, v in data["not_included_on_one_side"].items()]
    if unmatched:
        parts += [
            f"<{level}>Charges one side does not include</{level}>",
            "<p>On these bills one ordinance leaves out a charge the other bills, so their "
            "totals compare different sets of charges.</p>",
            table(["side: charge not included", "bills"], unmatched, {1}),
        ]
    return parts


def _curves(curves: UsageCurves) -> list[str]:
    charts = [(cls, curves.chart(cls)) for cls in sorted(curves.groups)]
    if not any(chart for _, chart in charts):
        return []
    return [
        "<h2>Bill against usage, by use class</h2>",
        '<p class="note">The mean bill of the accounts of each use class billed under every '
        "ordinance, by whole m³ of usage, up to the class's 99th percentile of usage. Accounts "
        "differ in meter size and households: a point is what the class pays on average at "
        "that usage, not one tariff's curve.</p>",
        *(chart for _, chart in charts if chart),
    ]


def html_report(
    summaries: CompareSummary | Sequence[CompareSummary],
    title: str | None = None,
    *,
    curves: UsageCurves | None = None,
) -> str:
    """The report as one HTML document: of one candidate (a summary), or of several side by
    side (a summary per candidate, in order); ``curves`` adds the charts of the bill against
    usage."""
    several = list(summaries) if isinstance(summaries, Sequence) else [summaries]
    first = several[0]
    labels = ", ".join(summary.new_label for summary in several)
    name = title or f"{first.old_label} → {labels}"
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(name)}</h1>",
    ]
    datas = [summary.to_dict() for summary in several]
    charts = _curves(curves) if curves is not None else []
    if len(several) == 1:
        parts += _candidate(first, datas[0], "h2", charts)
    else:
        parts += [scenario_table(first.old_label, datas), *charts]
        for summary, data in zip(several, datas):
            parts.append(f"<h2>{escape(summary.old_label)} → {escape(summary.new_label)}</h2>")
            parts += _candidate(summary, data, "h3")
    parts.append("</body></html>\n")
    return "\n".join(parts)
