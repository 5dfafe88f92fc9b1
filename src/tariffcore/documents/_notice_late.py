"""The late-payment section of a notice: the late-payment rules in force on the bill's due date,
in words, with an example of a late payment that the rules compute.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..accounts import compute_arrears
from ..arrears import month_end
from ..bill import Bill, SourceRef
from ..charts import grouped
from ..errors import BillingError
from ._html import escape
from ._labels import Words
from ._runrow import REDUCTION_SUFFIX

__all__ = ["late_section"]

_DAY = timedelta(days=1)
_ZERO = Decimal(0)


def _percent(value: Any) -> str | None:
    """A rule's percentage, or ``None`` where the data marks it unknown."""
    return None if not isinstance(value, Decimal) else grouped(value)


def late_section(
    bill: Bill, ruleset: Any, w: Words, labels: Mapping[str, str]
) -> tuple[list[str], list[SourceRef]]:
    """The late-payment section, and the sources of the rules it states."""
    out = ["<section>", f"<h2>{escape(w.late_section)}</h2>", '<div class="late">']
    end = ["</div>", "</section>"]
    reading = bill.reading
    due = reading.due_date if reading is not None else None
    if not ruleset.arrears_versions:
        return out + [f"<p>{escape(w.late_none)}</p>", *end], []
    if due is None:
        return out + [f"<p>{escape(w.late_no_due)}</p>", *end], []
    try:
        version = ruleset.select_arrears(due, reading.billing_month if reading is not None else None)
    except BillingError as exc:
        return out + [f"<p>{escape(w.late_unknown.format(reason=exc.message))}</p>", *end], []
    cur = bill.currency
    cited: list[SourceRef] = []
    order = {charge: index for index, charge in enumerate(labels)}
    for rule in version.rules:
        spec = rule.spec
        percent = _percent(spec.percent)
        shown = percent if percent is not None else "?"
        if spec.kind == "daily":
            # The divisor: 30, '?' when unknown, (365/12) for a rate per day of 12/365.
            per_day = getattr(spec, "per_day", None)
            divisor = getattr(spec, "divisor", "?")
            days = (
                f"({_percent(per_day[1])}/{_percent(per_day[0])})"
                if per_day is not None
                else "?"
                if divisor == "unknown"
                else str(divisor)
            )
            text = w.late_daily.format(label=spec.label, percent=shown, days=days)
            extra = [
                w.late_daily_cap.format(days=days, percent=shown)
                if spec.beyond == "cap"
                else w.late_daily_unknown.format(days=days)
            ]
        elif spec.kind == "monthly":
            text = w.late_monthly.format(label=spec.label, percent=shown, months=spec.max_months)
            extra = (
                [w.late_threshold.format(amount=w.money(spec.threshold, cur))]
                if spec.threshold is not None
                else []
            )
        else:
            text = w.late_once.format(label=spec.label, percent=shown)
            extra = []
        if percent is None:
            extra.append(w.late_percent_unknown)
        charges = (
            [labels.get(c, c) for c in sorted(rule.charges, key=lambda c: (order.get(c, len(order)), c))]
            if rule.charges is not None
            else None
        )
        extra.append(w.late_on.format(charges=", ".join(charges)) if charges is not None else w.late_on_all)
        rounding = w.rounding(rule.rounding.describe(), cur) if rule.rounding is not None else None
        extra.append(w.late_rounding.format(rounding=rounding) if rounding else w.late_no_rounding)
        sources = ", ".join(source.id for source in rule.sources)
        cited += rule.sources
        out.append(
            f"<p><strong>{escape(text)}</strong> ({escape('; '.join(extra))})"
            f'<span class="ref"> · {escape(sources)}</span></p>'
        )
    limitation = version.spec.arrears.limitation
    if limitation is not None:
        out.append(f'<p class="small">{escape(w.late_limitation.format(years=limitation.years))}</p>')
    example = _late_example(bill, ruleset, version, due, w)
    if example:
        out.append(f"<p>{escape(example)}</p>")
    out.append(
        f'<p class="small">{escape(w.late_version.format(label=version.label))} — '
        f"{escape(version.spec.title)}</p>"
    )
    return out + end, cited


def _late_example(bill: Bill, ruleset: Any, version: Any, due: date, w: Words) -> str | None:
    """What the rules add when the bill is paid the day after its first full month of
    lateness; ``None`` when they cannot say (a charge they do not cover, an unknown rate)."""
    principal: dict[str, Decimal] = {}
    for line in bill.lines:
        charge = line.charge.removesuffix(REDUCTION_SUFFIX)
        principal[charge] = principal.get(charge, _ZERO) + line.amount
    principal = {charge: amount for charge, amount in principal.items() if amount}
    covered = version.covered_charges()
    on = month_end(due, 1) + _DAY
    try:
        result = compute_arrears(
            ruleset,
            principal=principal if covered is not None else bill.total,
            due=due,
            as_of=on,
            billing_month=bill.reading.billing_month if bill.reading else None,
        )
    except BillingError:
        return None
    if result.version != version.version:
        return None
    surcharge = sum((s.amount for s in result.surcharges), _ZERO)
    return w.late_example.format(
        day=w.day(on),
        surcharge=w.money(surcharge, bill.currency),
        total=w.money(result.total_due, bill.currency),
    )
