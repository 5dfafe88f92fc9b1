"""Sections of the comparison's HTML report: tables and the revenue charts (drawn by
:mod:`tariffcore.charts`, the one chart module)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from ..charts import Bars, bar_chart
from ..money import format_amount

__all__ = ["amount", "revenue_chart", "revenue_rows", "scenario_table", "table"]

OLD_COLOUR, NEW_COLOUR = "#8aa9c9", "#d9822b"
_CANDIDATE_COLOURS = ("#d9822b", "#5b8c5a", "#9467bd", "#b5504a", "#17becf", "#8c564b")


def amount(value: Decimal | str) -> str:
    """An amount for people: ``1,234,500``; a fraction keeps its digits."""
    figure = Decimal(value) if isinstance(value, str) else value
    return f"{figure:,}" if figure == figure.to_integral_value() else format_amount(figure)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
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


def revenue_chart(groups: Mapping[str, Mapping[str, Any]], title: str) -> str:
    """Old and new revenue of each group (a use class, a charge, a usage band) as bars."""
    names = list(groups)
    if not names:
        return ""
    old = Bars("old", [Decimal(g["old_revenue"]) for g in groups.values()], OLD_COLOUR)
    new = Bars("new", [Decimal(g["new_revenue"]) for g in groups.values()], NEW_COLOUR)
    return bar_chart(names, [old, new], title=title, value_text=amount)


def revenue_rows(groups: Mapping[str, Mapping[str, Any]], counts: Sequence[str]) -> list[list[str]]:
    """Rows of a revenue table: the group, its ``counts`` columns, old, new, change, change %."""
    return [
        [
            name,
            *(f"{group[key]:,}" for key in counts),
            amount(group["old_revenue"]),
            amount(group["new_revenue"]),
            amount(group["change"]),
            group["change_percent"] or "-",
        ]
        for name, group in groups.items()
    ]


def class_charge_rows(data: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[list[str]]:
    """Rows of the table of revenue by use class × charge."""
    return [
        [cls, *row]
        for cls, charges in data.items()
        for row in revenue_rows(charges, ("old_bills", "new_bills"))
    ]


def scenario_table(old: str, summaries: Sequence[Mapping[str, Any]]) -> str:
    """The candidates side by side: revenue in total and by use class, and the change."""
    rows = []
    for data in summaries:
        total = data["total"]
        rows.append(
            [
                data["new"],
                f"{data['billed_by_both']:,}",
                amount(total["old_revenue"]),
                amount(total["new_revenue"]),
                amount(total["change"]),
                total["change_percent"] or "-",
            ]
        )
    classes = sorted({cls for data in summaries for cls in data["by_use_class"]})
    by_class = []
    for cls in classes:
        cells = [cls]
        for data in summaries:
            found = data["by_use_class"].get(cls)
            cells.append(
                "-"
                if found is None
                else f"{amount(found['old_revenue'])} → {amount(found['new_revenue'])} "
                f"({found['change_percent'] or '-'} %)"
            )
        by_class.append(cells)
    bars = [Bars(old, [Decimal(summaries[0]["total"]["old_revenue"])], OLD_COLOUR)] + [
        Bars(data["new"], [Decimal(data["total"]["new_revenue"])], _CANDIDATE_COLOURS[i % 6])
        for i, data in enumerate(summaries)
    ]
    return "\n".join(
        [
            "<h2>Candidates</h2>",
            f"<p>Each candidate against {escape(old)}, on the accounts both bill.</p>",
            bar_chart(["revenue"], bars, title="revenue under each ordinance", value_text=amount),
            table(
                ["candidate", "billed by both", "old revenue", "new revenue", "change", "change %"],
                rows,
                {1, 2, 3, 4, 5},
            ),
            "<h3>Revenue by use class: old → new (change %)</h3>",
            table(
                ["use class", *(data["new"] for data in summaries)],
                by_class,
                set(range(1, 1 + len(summaries))),
            ),
        ]
    )
