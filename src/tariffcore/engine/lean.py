"""Lean bills: a bill specialised to one account, a function of the usage alone.

:func:`lean_bill` takes the account and the reading of a row (its usage aside), chooses the
version and plans the bill as :meth:`~tariffcore.Ruleset.bill` does, and specialises each
planned charge to the account (:mod:`tariffcore.charges.lean`). What it returns,
a :class:`LeanBill`, computes a bill of any usage for that account with the same decimal
operations as :func:`~tariffcore.engine.billing.bill` and writes it as its lean JSON line
(:mod:`tariffcore.rows.render`), without building the :class:`~tariffcore.Bill`.

It covers the common bill: one version for every charge, no period split by days, no
reduction, charge types that can be specialised. For anything else :func:`lean_bill` returns
``None`` and :meth:`LeanBill.render` raises :class:`~tariffcore.charges.LeanFallback` (a usage
that reaches an unknown rate, a line left with a fraction of the minor unit): the row is then
billed by the engine itself, which gives the bill or its error row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..bill import Account, Reading
from ..charges import LeanCharge, LeanFallback, lean_of
from ..errors import BillingError
from ..money import (
    MINOR_UNITS,
    MONEY_CONTEXT,
    ROUNDING_METHODS,
    Rounding,
    at_scale,
    format_amount,
    minor_unit,
)
from ..rows import BillTemplate, LineTemplate, reading_to_dict
from .calendar import complete_dates
from .requested import charge_ids, requested_charges
from .ruleset import Ruleset
from .version import CompiledVersion

__all__ = ["LeanBill", "lean_bill"]

_ONE = Decimal(1)
Round = Callable[[Decimal], Decimal]


def _rounder(rounding: Rounding | None) -> tuple[Round | None, bool]:
    """``rounding.apply``, or the one quantize it comes to for a unit of exactly 1; and
    whether it is that quantize (its results are whole, written without a fraction)."""
    if rounding is None:
        return None, False
    if rounding.unit == 1 and rounding.unit.as_tuple().exponent == 0:
        mode = ROUNDING_METHODS[rounding.method]
        return (lambda value: value.quantize(_ONE, mode, MONEY_CONTEXT)), True
    return rounding.apply, False


class LeanBill:
    """The bills of one account under one version, by usage (see :func:`lean_bill`)."""

    __slots__ = ("charges", "template", "limit", "zero", "currency", "texts")

    def __init__(
        self,
        charges: list[tuple[LeanCharge, Round | None, bool, LineTemplate]],
        template: BillTemplate,
        limit: Decimal | None,
        currency: str,
    ) -> None:
        # Each charge with the last result of its lean charge, and that result's amount and
        # line: a charge that gives the very same result again (a fixed charge) is not
        # rounded or written again.
        self.charges: list[tuple[LeanCharge, Round | None, bool, LineTemplate, list[Any]]] = [
            (kernel, rounding, exact, line, [None, None, ""]) for kernel, rounding, exact, line in charges
        ]
        self.template = template
        self.limit = limit
        self.zero = minor_unit(currency) * 0  # zero at the currency's scale, as a bill's total
        self.currency = currency
        #: The text of the unit prices written so far, by identity (a table's own rates).
        self.texts: dict[int, tuple[Decimal, str]] = {}

    def render(self, usage: Decimal, reads: str = "") -> str:
        """The JSON line of the bill of ``usage`` m³ after its account (``reads`` as
        :func:`~tariffcore.rows.reads_text` writes them); :class:`LeanFallback` for a bill this
        account's lean bill leaves to the engine."""
        if self.limit is not None and usage >= self.limit:
            raise LeanFallback  # the billing cycle refuses it: the engine says why
        usage_text = _text(usage)
        add = MONEY_CONTEXT.add
        texts = self.texts
        total = self.zero
        lines: list[str] = []
        for kernel, rounding, exact, template, last in self.charges:
            found = kernel(usage)
            if found is None:
                continue
            if found is last[0]:
                total = add(total, last[1])
                lines.append(last[2])
                continue
            unrounded, rule, quantity, unit, price = found
            amount = rounding(unrounded) if rounding is not None else unrounded
            if not exact:
                scaled = at_scale(amount, self.currency)
                if scaled is None:
                    raise LeanFallback  # a fraction of the minor unit: an error row
                amount = scaled
            total = add(total, amount)
            if price is None:
                price_text = None
            else:
                known = texts.get(id(price))
                if known is not None and known[0] is price:
                    price_text = known[1]
                else:
                    price_text = _text(price)
                    if len(texts) < 1024:
                        texts[id(price)] = (price, price_text)  # kept, so its id is not reused
            text = format(amount, "f")
            line = template.render(
                format_amount(amount) if text[0] == "-" else text,
                usage_text if quantity is usage else None if quantity is None else _text(quantity),
                unit,
                price_text,
                rule,
            )
            last[0], last[1], last[2] = found, amount, line
            lines.append(line)
        return self.template.render(usage_text, lines, _text(total), reads)


def _text(value: Decimal) -> str:
    """:func:`~tariffcore.money.format_amount`, with one look at the sign for the common case."""
    text = format(value, "f")
    return format_amount(value) if text[0] == "-" else text


def lean_bill(
    ruleset: Ruleset,
    pinned: CompiledVersion | None,
    account: Account,
    reading: Reading,
    charges: tuple[str, ...] | None = None,
) -> LeanBill | None:
    """The lean bill of ``account`` under ``ruleset`` (or its version ``pinned``), for readings
    like ``reading`` but for their usage (its meter reads are not looked at); only ``charges``
    when given. ``None`` when the engine must bill such rows itself."""
    try:
        return _lean_bill(ruleset, pinned, account, reading, charges)
    except BillingError:
        return None


def _lean_bill(
    ruleset: Ruleset,
    pinned: CompiledVersion | None,
    account: Account,
    reading: Reading,
    requested: tuple[str, ...] | None,
) -> LeanBill | None:
    if account.reductions or reading.meter is not None:
        return None
    if pinned is not None:  # as CompiledVersion.bill: this version's plan, the dates as given
        version = pinned
        wanted = requested_charges(requested, charge_ids([version]), version.label)
        plan = version.plan
    else:  # as Ruleset.bill
        if not ruleset._uniform:
            return None
        wanted = requested_charges(requested, ruleset.charge_ids, ruleset.id)
        version = ruleset.select(reading)
        reading = complete_dates(reading, version.spec.dates)
        if ruleset._splits and reading.period_end is not None:
            return None
        plan = ruleset.plan(version, account, reading, wanted)
    if plan.reductions:
        return None
    spec = version.spec
    if spec.currency not in MINOR_UNITS:
        return None
    households = version.households(account)
    months = version.months(reading)
    cycle = spec.billing_cycle
    below = cycle.below_monthly_m3.get(months) if cycle is not None else None
    limit = MONEY_CONTEXT.multiply(below, months) if below is not None else None
    whole = minor_unit(spec.currency).as_tuple().exponent == 0
    found: list[tuple[LeanCharge, Round | None, bool, LineTemplate]] = []
    for planned in plan.charges:
        if wanted is not None and planned.id not in wanted:
            continue
        if planned.parts or planned.version is not version:
            return None
        charge = planned.entry
        if charge.applies_to is not None and account.use_class not in charge.applies_to:
            continue
        specialise = lean_of(charge.compute)
        scale = months if planned.id in version.per_month else 1
        kernel = specialise(account, households, scale) if specialise is not None else None
        if kernel is None:
            return None
        rounding, to_one = _rounder(charge.rounding)
        # A unit of 1 in a currency of whole units leaves every amount at the currency's scale.
        exact = whole and to_one
        found.append((kernel, rounding, exact, LineTemplate(charge.id, charge.label, version.version)))
    missing = list(plan.not_included)
    skipped: tuple[str, ...] = ()
    if wanted is not None:
        every = [c.id for c in version.charges] + [n.charge for n in plan.not_included]
        skipped = tuple(dict.fromkeys(c for c in every if c not in wanted))
        missing = [n for n in missing if n.charge in wanted]
    template = BillTemplate(
        f"{spec.ruleset}@{spec.version}",
        spec.currency,
        reading.estimated,
        [(n.charge, n.reason) for n in missing],
        skipped,
        (account.use_class, account.meter_mm, households),
        reading_to_dict(reading),
    )
    return LeanBill(found, template, limit, spec.currency)
