"""The charges section of a notice: every line of the bill with how it was reckoned (its tiers,
quantities and unit prices, parts of a split period, rounding, rule and sources), the total,
and the charges the bill does not include.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from ..bill import Bill, BillLine, TierSlice
from ..charts import grouped
from ._html import escape
from ._labels import Words
from ._runrow import REDUCTION_SUFFIX

__all__ = ["lines_section"]


def _span(piece: TierSlice, w: Words) -> str:
    """The tier's range as ordinances write it (``1~20 m³``, ``101 m³ 이상``, ``전량``)."""
    if piece.lower == piece.lower.to_integral_value():
        first = grouped(piece.lower + 1)
        if piece.upper is None:
            return w.all_usage if piece.tier == 1 and piece.lower == 0 else w.span_open.format(first=first)
        return w.span.format(first=first, last=grouped(piece.upper))
    over = w.span_over.format(lower=grouped(piece.lower))
    return over if piece.upper is None else f"{over} ~ {grouped(piece.upper)} m³"


def _product(
    w: Words, quantity: Decimal, unit: str | None, price: Decimal, amount: Decimal, currency: str
) -> str:
    """``quantity × price = amount``, as HTML text."""
    return (
        f"{escape(w.quantity(quantity, unit))} × "
        f"{escape(w.money(price, currency))} = {escape(w.money(amount, currency))}"
    )


def _slices(pieces: Sequence[TierSlice], bill: Bill, w: Words, classes: Mapping[str, str]) -> list[str]:
    out = []
    for piece in pieces:
        tier = w.tier.format(n=piece.tier)
        if piece.use_class != bill.use_class:
            tier = f"{classes.get(piece.use_class, piece.use_class)} {tier}"
        out.append(
            f'<div class="tier"><span>{escape(tier)} ({escape(_span(piece, w))})</span>'
            f"<span>{_product(w, piece.quantity, 'm3', piece.rate, piece.amount, bill.currency)}</span></div>"
        )
    return out


def _how(line: BillLine, bill: Bill, w: Words, classes: Mapping[str, str]) -> list[str]:
    cur = bill.currency
    out: list[str] = []
    if line.parts:
        for part in line.parts:
            out.append(
                f'<div class="part">{escape(w.part.format(start=w.day(part.start), end=w.day(part.end), days=part.days, period_days=part.period_days, version=part.version))}: '
                f"{escape(w.money(part.amount, cur))}</div>"
            )
            out += _slices(part.slices, bill, w, classes)
            if not part.slices and part.quantity is not None and part.unit_price is not None:
                out.append(
                    f"<div>{_product(w, part.quantity, line.unit, part.unit_price, part.amount, cur)}</div>"
                )
            out += [f'<div class="note">{escape(note)}</div>' for note in part.notes]
    elif line.slices:
        out += _slices(line.slices, bill, w, classes)
    elif line.quantity is not None and line.unit_price is not None:
        out.append(
            f"<div>{_product(w, line.quantity, line.unit, line.unit_price, line.unrounded, cur)}</div>"
        )
    elif line.quantity is not None:
        out.append(f"<div>{escape(w.quantity(abs(line.quantity), line.unit))}</div>")
    out += [f'<div class="note">{escape(note)}</div>' for note in line.notes]
    rounding = w.rounding(line.rounding, cur)
    # The rounding is shown where it changed the amount; a whole amount it left as it was needs
    # no row of its own (the rule is in the bill's data and in `tariffcore explain`).
    if rounding is not None and line.unrounded != line.amount:
        change = f": {w.money(line.unrounded, cur)} → {w.money(line.amount, cur)}"
        out.append(f'<div class="round">{escape(rounding + change)}</div>')
    sources = ", ".join(source.id for source in line.sources)
    ref = w.rule_ref.format(rule=line.rule, version=line.version)
    out.append(f'<div class="ref">{escape(ref + (" · " + sources if sources else ""))}</div>')
    return out


def lines_section(bill: Bill, w: Words, classes: Mapping[str, str]) -> list[str]:
    cur = bill.currency
    rows = []
    for line in bill.lines:
        css = ' class="reduction"' if line.charge.endswith(REDUCTION_SUFFIX) else ""
        rows.append(
            f'<tr{css}><td>{escape(line.label)}</td><td class="how">'
            + "".join(_how(line, bill, w, classes))
            + f'</td><td class="amt">{escape(w.money(line.amount, cur))}</td></tr>'
        )
    out = [
        "<section>",
        f"<h2>{escape(w.charges_section)}</h2>",
        '<table class="lines"><colgroup><col class="item"><col class="how"><col class="amt"></colgroup>',
        f"<thead><tr><th>{escape(w.item)}</th><th>{escape(w.basis)}</th>"
        f'<th class="amt">{escape(w.amount)}</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody>",
        f'<tfoot><tr><td colspan="2">{escape(w.total)}</td>'
        f'<td class="amt">{escape(w.money(bill.total, cur))}</td></tr></tfoot></table>',
    ]
    if bill.not_included:
        out.append(f'<p class="small"><strong>{escape(w.not_included)}</strong></p><ul class="small">')
        out += [f"<li>{escape(n.charge)}: {escape(n.reason)}</li>" for n in bill.not_included]
        out.append("</ul>")
    return out + ["</section>"]
