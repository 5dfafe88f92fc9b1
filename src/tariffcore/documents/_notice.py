"""The customer's bill (고지서): one account's bill as a printable HTML page.

:func:`render_notice` shows a :class:`~tariffcore.Bill` as the customer reads it: who and what
was billed (account, use class, meter, households, period, reads, usage), every line with its
tiers, unit prices and rounding, the reductions, the total, the due date and the late-payment
rule in force, the ordinance version and the sources of every figure, and optionally a year of
usage as a small chart. The words are those of the ruleset's language (Korean for ``kr/…``).

The page is one self-contained document made for A4 paper (a print style sheet with
``@page {size: A4}``): no scripts, nothing fetched, no links; the same bill always gives the
same bytes. It shows the bill's own figures and computes nothing again, except the example of
a late payment, which the ruleset's late-payment rules compute.

The page is put together here; the charges section is written in ``_notice_lines``, the
late-payment section in ``_notice_late``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from ..bill import Bill, SourceRef
from ..charts import PALETTE, column_chart, grouped
from ..engine import Catalog, load_catalog
from ..errors import InputError
from ..money import in_money_context
from ._history import month_key
from ._html import escape, page
from ._labels import Words, language_of, words
from ._notice_late import late_section
from ._notice_lines import lines_section

__all__ = ["render_notice"]

_STYLE = """
@page{size:A4;margin:10mm 12mm}
*{box-sizing:border-box}
html{background:#e8ebef}
body{margin:0;color:#1d2733;font:9pt/1.4 "Noto Sans KR","Nanum Gothic","Malgun Gothic",
"Apple SD Gothic Neo",system-ui,sans-serif;font-variant-numeric:tabular-nums}
.sheet{width:210mm;max-width:100%;min-height:297mm;margin:0 auto;padding:11mm 12mm;background:#fff}
header{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:3px solid #1f4e79;
padding-bottom:2.5mm;margin-bottom:3.5mm}
.title{font-size:17pt;font-weight:700;color:#1f4e79;letter-spacing:.02em}
.issuer{color:#4a5866;font-size:8.5pt;margin-top:.5mm}
.month{font-size:12.5pt;font-weight:700;color:#1f4e79;white-space:nowrap;margin-left:4mm}
.top{display:grid;grid-template-columns:1fr 64mm;gap:4mm}
table{border-collapse:collapse;width:100%}
th,td{padding:1mm 1.8mm;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.facts th{width:26mm;background:#eef3f8;color:#1f4e79;font-weight:600;border:1px solid #c9d6e3}
.facts td{border:1px solid #c9d6e3}
.due{border:2px solid #1f4e79;border-radius:2mm;padding:3mm 4mm;display:flex;flex-direction:column;
justify-content:center;background:#f5f8fc}
.due .label{font-weight:600;color:#1f4e79}
.due .big{font-size:19pt;font-weight:700;text-align:right;margin:1mm 0 2mm}
.due .row{display:flex;justify-content:space-between;border-top:1px solid #c9d6e3;padding-top:1.5mm}
.due .est{margin-top:1.5mm}
h2{font-size:10pt;color:#1f4e79;margin:4mm 0 1.2mm;padding-left:2mm;border-left:3px solid #1f4e79}
.lines{table-layout:fixed}
.lines thead th{background:#1f4e79;color:#fff;font-weight:600}
.lines td{border-bottom:1px solid #d5dde6}
.lines col.item{width:28%}.lines col.how{width:52%}.lines col.amt{width:20%}
.lines .amt,.lines th.amt{text-align:right;white-space:nowrap}
.lines tr.reduction td{background:#f2f8f2}
.lines tr.reduction td.amt{color:#1d6b35}
.lines tfoot td{border-top:2px solid #1f4e79;font-weight:700;font-size:10.5pt}
.how div{margin:.2mm 0}
.how .tier{display:flex;justify-content:space-between;gap:2mm}
.how .tier span:last-child{white-space:nowrap}
.how .part{font-weight:600;margin-top:1mm}
.how .round{color:#1f4e79}
.small,.note,.ref{color:#5b6773;font-size:7.5pt}
.note,.ref{line-height:1.3}.ref{font-size:7pt;line-height:1.2}
ul{margin:.8mm 0;padding-left:5mm}li{margin:.4mm 0}
.late{border:1px solid #c9d6e3;border-radius:1.5mm;padding:1.5mm 3mm;background:#fbfcfd}
.late p{margin:.6mm 0}
.chart svg{width:100%;height:auto;display:block}
.sources{padding-left:0;line-height:1.3}.sources li{display:inline;overflow-wrap:anywhere}.sources li+li::before{content:" · "}
.tag{display:inline-block;border:1px solid #9fb3c8;border-radius:1mm;padding:0 1mm;font-size:7pt;
color:#1f4e79;margin-right:1mm}
footer{margin-top:4mm;padding-top:1.5mm;border-top:1px solid #c9d6e3;color:#5b6773;font-size:7.5pt}
.warn{color:#8a4b00}
@media print{html{background:none}.sheet{width:auto;min-height:0;margin:0;padding:0}
tr,.top,.late,.chart{break-inside:avoid}h2{break-after:avoid}}
"""


@in_money_context
def render_notice(
    bill: Bill,
    *,
    catalog: Catalog | None = None,
    history: Mapping[Any, Any] | None = None,
    language: str | None = None,
) -> str:
    """The notice (고지서) of ``bill`` as one HTML page for screen and A4 paper.

    ``catalog`` holds the bill's ruleset (default: the installed rulesets, loaded now; pass
    one when rendering many); its version gives the use-class names, the sources and the
    ordinance's title, and the ruleset's late-payment rules the late fee in force on the bill's
    due date. ``history`` maps billing months (a date in the month, or ``YYYY-MM``) to this
    account's usage in m³: the twelve months up to the bill's are drawn as a chart.
    ``language`` overrides the ruleset's (``ko`` or ``en``).
    """
    catalog = catalog if catalog is not None else load_catalog()
    ruleset = catalog.ruleset(bill.ruleset)
    version = ruleset.version(bill.version)
    spec = version.spec
    w = words(language or language_of(bill.ruleset))
    reading = bill.reading
    month = reading.billing_month if reading is not None else None
    labels = {line.charge: line.label for line in bill.lines}
    classes = {cid: use_class.label for cid, use_class in spec.use_classes.items()}
    body = [
        '<div class="sheet">',
        "<header>",
        "<div>",
        f'<div class="title">{escape(w.title)}</div>',
        f'<div class="issuer">{escape(spec.jurisdiction)}</div>',
        "</div>",
    ]
    if month is not None:
        body.append(f'<div class="month">{escape(w.month(month))}</div>')
    body.append("</header>")
    body += _top(bill, w, spec)
    body += lines_section(bill, w, classes)
    if history is not None:
        body += _history(bill, history, w)
    late, late_sources = late_section(bill, ruleset, w, labels)
    body += late
    body += _ordinance(bill, ruleset, w, late_sources)
    body += [f"<footer>{escape(w.footer)}</footer>", "</div>"]
    title = f"{w.title} — {bill.account}" + (f" — {w.month(month)}" if month else "")
    return page(title, _STYLE, body, lang=w.lang)


# --------------------------------------------------------------------------- parts


def _top(bill: Bill, w: Words, spec: Any) -> list[str]:
    reading = bill.reading
    use_class = spec.use_classes.get(bill.use_class) if bill.use_class else None
    facts: list[tuple[str, str]] = [(w.account, bill.account)]
    if bill.use_class is not None:
        facts.append((w.use_class, use_class.label if use_class is not None else bill.use_class))
    if bill.meter_mm is not None:
        facts.append((w.meter, f"{bill.meter_mm} mm"))
    if bill.household_units is not None:
        facts.append((w.households, str(bill.household_units)))
    if reading is not None and reading.period_start is not None and reading.period_end is not None:
        facts.append(
            (
                w.period,
                f"{w.day(reading.period_start)} ~ {w.day(reading.period_end)} "
                f"({w.days.format(n=reading.days)})",
            )
        )
    elif reading is not None and reading.period_end is not None:
        facts.append((w.period, f"~ {w.day(reading.period_end)}"))
    meter = reading.meter if reading is not None else None
    if meter is not None:
        facts.append(
            (
                w.reads,
                f"{w.previous_read} {w.number(meter.previous)} → {w.current_read} {w.number(meter.current)}",
            )
        )
    facts.append((w.usage, w.quantity(bill.usage_m3, "m3")))
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    notes = []
    if meter is not None and meter.rolled_over:
        notes.append(w.rolled_over)
    if meter is not None and meter.old_final is not None and meter.new_initial is not None:
        notes.append(
            w.replaced.format(old_final=w.number(meter.old_final), new_initial=w.number(meter.new_initial))
        )
    if notes:
        rows += f'<tr><td colspan="2" class="note">{escape(" ".join(notes))}</td></tr>'
    due = reading.due_date if reading is not None else None
    box = [
        '<div class="due">',
        f'<div class="label">{escape(w.amount_due)}</div>',
        f'<div class="big">{escape(w.money(bill.total, bill.currency))}</div>',
        f'<div class="row"><span>{escape(w.due_date)}</span>'
        f"<strong>{escape(w.day(due) if due is not None else w.due_unknown)}</strong></div>",
    ]
    if bill.estimated:
        box.append(f'<div class="est note warn">{escape(w.estimated)}</div>')
    return [
        '<section class="top">',
        f'<table class="facts"><tbody>{rows}</tbody></table>',
        *box,
        "</div>",
        "</section>",
    ]


def _months(last: date) -> list[date]:
    return [last - relativedelta(months=back) for back in range(11, -1, -1)]


def _history(bill: Bill, history: Mapping[Any, Any], w: Words) -> list[str]:
    reading = bill.reading
    anchor = None
    if reading is not None:
        anchor = reading.billing_month or (reading.period_end.replace(day=1) if reading.period_end else None)
    if anchor is None:
        return []
    usage: dict[date, Decimal] = {}
    for key, value in history.items():
        usage[month_key(key, "the usage history")] = Decimal(str(value))
    own = usage.get(anchor)
    if own is not None and own != bill.usage_m3:
        raise InputError(
            f"the usage history gives {own:f} m³ for account {bill.account} in "
            f"{anchor:%Y-%m}, but the bill {bill.usage_m3:f} m³"
        )
    usage[anchor] = bill.usage_m3
    months = _months(anchor)
    values = [usage.get(month) for month in months]
    labels = [w.short_month(month, index == 0 or month.month == 1) for index, month in enumerate(months)]
    colours = ["#9fb3c8"] * 11 + [PALETTE[0]]
    chart = column_chart(
        values,
        title=w.history_section,
        labels=labels,
        colours=colours,
        value_text=grouped,
        y_label=w.history_axis,
        width=680,
        height=150,
        heading=False,
        tips=[
            f"{label}: {w.quantity(v, 'm3') if v is not None else '–'}" for label, v in zip(labels, values)
        ],
    )
    out = ["<section>", f"<h2>{escape(w.history_section)}</h2>", f'<div class="chart">{chart}</div>']
    if any(value is None for value in values):
        out.append(f'<p class="note">{escape(w.history_missing)}</p>')
    return out + ["</section>"]


def _ordinance(bill: Bill, ruleset: Any, w: Words, more: Sequence[SourceRef]) -> list[str]:
    labels = [bill.version]
    for line in bill.lines:
        for one in line.version.split("+"):
            if one not in labels:
                labels.append(one)
    out = ["<section>", f"<h2>{escape(w.ordinance_section)}</h2>", '<ul class="small">']
    for label in labels:
        compiled = ruleset.version(label)
        spec = compiled.spec
        start, end = ruleset.in_force(compiled)
        basis = w.bases.get(spec.effective.basis, spec.effective.basis)
        when = (
            w.in_force.format(start=w.day(start), end=w.day(end), basis=basis)
            if end is not None
            else w.in_force_open.format(start=w.day(start), basis=basis)
        )
        out.append(
            f"<li><strong>{escape(w.version_line.format(label=f'{ruleset.id}@{label}', title=spec.title))}</strong>"
            f"<br>{escape(when)}<br>{escape(w.confidence.format(text=spec.confidence))}</li>"
        )
    out.append("</ul>")
    seen: dict[str, SourceRef] = {}
    for line in bill.lines:
        for source in line.sources:
            seen.setdefault(source.id, source)
    for source in more:
        seen.setdefault(source.id, source)
    if seen:
        out.append(f'<p class="small"><strong>{escape(w.sources)}</strong></p><ul class="small sources">')
        for source in seen.values():
            tag = w.tags.get(source.tag, source.tag)
            url = f" — {escape(source.url)}" if source.url else ""
            out.append(
                f'<li>{escape(source.id)} <span class="tag">{escape(tag)}</span>'
                f"{escape(source.title)}{url}</li>"
            )
        out.append("</ul>")
    return out + ["</section>"]
