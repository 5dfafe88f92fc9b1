"""A run report written out: an aligned text table, CSV, JSON and a self-contained HTML page.

Every view is made from :meth:`Report.to_dict`, so they never disagree. Amounts are exact:
grouped by thousands for people (``12,345``), plain decimal strings in CSV and JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

from ..charts import Bars, bar_chart, column_chart, grouped
from ._html import escape, page, table
from ._runreport import Report
from ._runrow import NO_METER, NOT_RECORDED, REDUCTION_SUFFIX

__all__ = ["CSV_COLUMNS", "report_csv", "report_html", "report_json", "report_table"]

#: The columns of the CSV view: one row per figure, ``section`` naming the table it is from.
CSV_COLUMNS = ("section", "key", "item", "count", "amount")

_NAMES = {NOT_RECORDED: "(not recorded)", NO_METER: "(none given)"}


def _name(key: str) -> str:
    return _NAMES.get(key, key)


def _n(text: str | None) -> str:
    """An exact decimal string grouped by thousands (``-`` for none)."""
    return "-" if text is None else grouped(Decimal(text))


def _title(data: dict[str, Any], title: str | None) -> str:
    return title or (f"Billing run report: {data['source']}" if data["source"] else "Billing run report")


def _summary(data: dict[str, Any]) -> str:
    unit = f" {data['currency']}" if data["currency"] else ""
    return (
        f"{data['rows']:,} row(s): {data['bills']:,} bill(s), {data['error_rows']:,} error row(s) "
        f"(counted, not in the totals); {data['estimated_bills']:,} on estimated usage. "
        f"Revenue {_n(data['total'])}{unit} for {_n(data['usage_m3'])} m³."
    )


def _reduction(charge: str) -> bool:
    return charge.endswith(REDUCTION_SUFFIX)


def _class_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The use class × charge table: a column per charge, the reductions of every charge in
    one column (the reductions table details them), the total."""
    charges = [c for c in data["by_charge"] if not _reduction(c)]
    reduced = any(_reduction(c) for c in data["by_charge"])
    header = ["use class", "bills", "m³", *charges, *(["reductions"] if reduced else []), "total"]

    def cells(amounts: dict[str, Any]) -> list[str]:
        out = [_n(amounts[c]["amount"]) if c in amounts else "-" for c in charges]
        if reduced:
            cut = [Decimal(v["amount"]) for c, v in amounts.items() if _reduction(c)]
            out.append(grouped(sum(cut, Decimal(0))) if cut else "-")
        return out

    rows = [
        [
            _name(name),
            f"{group['bills']:,}",
            _n(group["usage_m3"]),
            *cells(group["charges"]),
            _n(group["total"]),
        ]
        for name, group in data["by_use_class"].items()
    ]
    rows.append(
        ["total", f"{data['bills']:,}", _n(data["usage_m3"]), *cells(data["by_charge"]), _n(data["total"])]
    )
    return header, rows


def _group_rows(groups: dict[str, Any]) -> list[list[str]]:
    return [[_name(key), f"{g['bills']:,}", _n(g["usage_m3"]), _n(g["total"])] for key, g in groups.items()]


def _sections(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], set[int], str]]:
    """(heading, header, rows, numeric columns, note) of every table of the report."""
    header, rows = _class_rows(data)
    unit = f" ({data['currency']})" if data["currency"] else ""
    out = [(f"Revenue by use class and charge{unit}", header, rows, set(range(1, len(header))), "")]
    out.append(
        (
            "By meter size",
            ["meter mm", "bills", "m³", "total"],
            _group_rows(data["by_meter_mm"]),
            {1, 2, 3},
            "",
        )
    )
    out.append(
        (
            "By ruleset version",
            ["ruleset", "bills", "m³", "total"],
            _group_rows(data["by_ruleset_version"]),
            {1, 2, 3},
            "",
        )
    )
    out.append(
        (
            "Error rows by code",
            ["code", "rows"],
            [[code, f"{rows:,}"] for code, rows in data["errors"].items()],
            {1},
            "" if data["errors"] else "No row failed.",
        )
    )
    other = data["other_error_messages"]
    note = ""
    if other["rows"]:
        note = (
            f"{other['rows']:,} more error row(s) have other messages"
            + (
                f" ({other['untracked_rows']:,} of them beyond the {other['distinct']:,} "
                "distinct messages counted one by one)"
                if other["untracked_rows"]
                else ""
            )
            + "."
        )
    if data["top_error_messages"]:
        out.append(
            (
                "Most frequent error messages",
                ["rows", "code", "message"],
                [[f"{m['rows']:,}", m["code"], m["message"]] for m in data["top_error_messages"]],
                {0},
                note,
            )
        )
    out.append(
        (
            "Reductions granted",
            ["charge", "reduction", "lines", "amount"],
            [
                [r["charge"], r["reduction"] or "(not recorded)", f"{r['lines']:,}", _n(r["amount"])]
                for r in data["reductions"]
            ],
            {2, 3},
            "" if data["reductions"] else "No reduction was granted.",
        )
    )
    if data["not_included"]:
        out.append(
            (
                "Charges not included",
                ["charge", "bills"],
                [[c, f"{n:,}"] for c, n in data["not_included"].items()],
                {1},
                "Charges the ordinance has but the ruleset data lacks: these bills leave them out.",
            )
        )
    out.append(
        (
            "Bill totals",
            ["from", "below", "bills", "total"],
            [
                [
                    _n(b["from"]) if b["from"] is not None else "",
                    _n(b["below"]) if b["below"] else "",
                    f"{b['bills']:,}",
                    _n(b["total"]),
                ]
                for b in data["bill_totals"]
                if b["bills"]
            ],
            {0, 1, 2, 3},
            "",
        )
    )
    return out


# --------------------------------------------------------------------------- text


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> list[str]:
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    last = len(header) - 1

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else (c if i == last else c.ljust(w))
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return [line(header), *(line(row) for row in rows)]


def report_table(report: Report, title: str | None = None) -> str:
    """The report as aligned text tables, for a terminal."""
    data = report.to_dict()
    out = [_title(data, title), _summary(data)]
    for heading, header, rows, numeric, note in _sections(data):
        out += ["", heading]
        if rows:
            out += _aligned(header, rows, numeric)
        if note:
            out.append(note)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- CSV and JSON


def report_json(report: Report) -> str:
    """The report as one JSON document (amounts as exact decimal strings)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def report_csv(report: Report, stream: IO[str]) -> None:
    """The report as CSV, one figure per row (:data:`CSV_COLUMNS`): ``section`` is
    ``summary``, ``use_class_charge`` (key: use class, item: charge, count: lines),
    ``use_class``, ``meter_mm``, ``ruleset_version`` (count: bills, amount: total),
    ``error_code``, ``error_message`` (key: code, item: message, count: rows), ``reduction``
    (key: charge, item: reduction, count: lines), ``not_included`` (count: bills) or
    ``bill_total`` (key: from, item: below, count: bills, amount: their total)."""
    data = report.to_dict()
    out = csv.writer(stream, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    out.writerow(["summary", "rows", "", data["rows"], ""])
    out.writerow(["summary", "bills", "", data["bills"], data["total"]])
    out.writerow(["summary", "error_rows", "", data["error_rows"], ""])
    out.writerow(["summary", "estimated_bills", "", data["estimated_bills"], ""])
    out.writerow(["summary", "usage_m3", "", "", data["usage_m3"]])
    out.writerow(["summary", "currency", data["currency"] or "", "", ""])
    for name, group in data["by_use_class"].items():
        for charge, cell in group["charges"].items():
            out.writerow(["use_class_charge", name, charge, cell["lines"], cell["amount"]])
    for section, key in (
        ("use_class", "by_use_class"),
        ("meter_mm", "by_meter_mm"),
        ("ruleset_version", "by_ruleset_version"),
    ):
        for name, group in data[key].items():
            out.writerow([section, name, "", group["bills"], group["total"]])
    for code, rows in data["errors"].items():
        out.writerow(["error_code", code, "", rows, ""])
    for message in data["top_error_messages"]:
        out.writerow(["error_message", message["code"], message["message"], message["rows"], ""])
    for reduction in data["reductions"]:
        out.writerow(
            [
                "reduction",
                reduction["charge"],
                reduction["reduction"] or "",
                reduction["lines"],
                reduction["amount"],
            ]
        )
    for charge, bills in data["not_included"].items():
        out.writerow(["not_included", charge, "", bills, ""])
    for bin_ in data["bill_totals"]:
        out.writerow(["bill_total", bin_["from"] or "", bin_["below"] or "", bin_["bills"], bin_["total"]])


# --------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,"Noto Sans KR","Nanum Gothic",sans-serif;margin:2rem auto;color:#222;
max-width:60rem;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:last-child td{font-weight:600}
table.plain tbody tr:last-child td{font-weight:normal}
svg{max-width:100%;height:auto}.note{color:#555;font-size:.9rem}
.figures{font-size:1.05rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
"""


def _revenue_chart(data: dict[str, Any]) -> str:
    classes = list(data["by_use_class"])
    if not classes:
        return ""
    charges = [c for c in data["by_charge"] if not _reduction(c)]
    series = [
        Bars(
            charge,
            [
                Decimal(data["by_use_class"][c]["charges"][charge]["amount"])
                if charge in data["by_use_class"][c]["charges"]
                else None
                for c in classes
            ],
        )
        for charge in charges
    ]
    cut = [
        sum(
            (Decimal(v["amount"]) for k, v in data["by_use_class"][c]["charges"].items() if _reduction(k)),
            Decimal(0),
        )
        for c in classes
    ]
    if any(cut):
        series.append(Bars("reductions", [v or None for v in cut], "#2e8b57"))
    unit = data["currency"] or ""
    return bar_chart(
        [_name(c) for c in classes],
        series,
        title=f"Revenue by use class and charge{f' ({unit})' if unit else ''}",
    )


def _distribution_chart(data: dict[str, Any]) -> str:
    bins = data["bill_totals"]
    if not bins:
        return ""
    counts = [Decimal(b["bills"]) for b in bins]
    edges = {0: _n(bins[0]["from"]) if bins[0]["from"] is not None else "< 0"}
    stride = max(1, len(bins) // 6)
    for index in range(stride, len(bins) + 1, stride):
        below = bins[index - 1]["below"]
        edges[index] = _n(below) if below is not None else "+"
    tips = [
        f"{_n(b['from']) if b['from'] is not None else 'below'} – {_n(b['below'])}: {b['bills']:,} bill(s)"
        for b in bins
    ]
    unit = data["currency"] or "amount"
    return column_chart(
        counts,
        title="Bills by total",
        edge_labels=edges,
        tips=tips,
        y_label=f"bills per range of totals ({unit})",
        value_text=lambda v: f"{int(v):,}" if v else "",
    )


def report_html(report: Report, title: str | None = None) -> str:
    """The report as one self-contained HTML page with charts (inline SVG; no scripts, no
    links, nothing fetched)."""
    data = report.to_dict()
    name = _title(data, title)
    body = [f"<h1>{escape(name)}</h1>", f'<p class="figures">{escape(_summary(data))}</p>']
    charts = {0: _revenue_chart(data), len(_sections(data)) - 1: _distribution_chart(data)}
    for index, (heading, header, rows, numeric, note) in enumerate(_sections(data)):
        body.append(f"<h2>{escape(heading)}</h2>")
        if index in charts and charts[index]:
            body.append(charts[index])
        if rows:
            totals = index == 0
            body.append(table(header, rows, numeric, css="" if totals else "plain"))
        if note:
            body.append(f'<p class="note">{escape(note)}</p>')
    body.append(
        '<p class="note">Amounts are exact sums of the bills\' lines; error rows are '
        "counted but carry no amounts. Use classes and meter sizes are as the bills "
        "record them: (not recorded) where the run's output does not carry them.</p>"
    )
    return page(name, _STYLE, body)
