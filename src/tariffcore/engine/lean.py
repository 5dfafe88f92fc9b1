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

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..bill import Account, BillFigures, FigureLine, Reading
from ..charges import ChargeKernel, LeanCharge, LeanFallback, kernel_of, lean_of
from ..errors import BillingError
from ..money import (
    MINOR_UNITS,
    MONEY_CONTEXT,
    Rounding,
    at_scale,
    format_amount,
    format_money,
    minor_unit,
)
from ..rows import (
    CSV_ACCOUNT,
    CSV_LINES,
    CSV_TOTAL,
    CSV_USAGE,
    BillTemplate,
    LineTemplate,
    csv_template,
    reading_to_dict,
)
from .calendar import complete_dates
from .leansteps import Room, Step, plain_text
from .plan import ChargeEntry
from .requested import charge_ids, left_out, requested_charges
from .ruleset import Ruleset
from .version import CompiledVersion

__all__ = ["LeanBill", "LeanFacts", "Room", "lean_bill"]

_ONE = Decimal(1)
#: ``FigureLine(*fields)`` without the Python call of a named tuple's constructor.
_figure_line: Callable[[tuple[Any, ...]], FigureLine] = functools.partial(tuple.__new__, FigureLine)
_add = MONEY_CONTEXT.add


#: About the bytes a kept line of figures (or a total) holds, counted against a lean bill's room.
_FIGURES_WEIGHT = 256


@dataclass(frozen=True, slots=True)
class LeanFacts:
    """What every bill of a lean bill's account shares: its version's label, the reading
    (dates completed, usage aside), the account's class, meter and households, the charges
    not included and those left out on request."""

    label: str
    currency: str
    reading: Reading
    use_class: str | None
    meter_mm: int | None
    households: int
    not_included: tuple[str, ...]
    not_requested: tuple[str, ...] = ()


class LeanBill:
    """The bills of one account under one version, by usage (see :func:`lean_bill`)."""

    __slots__ = (
        "steps",
        "template",
        "limit",
        "zero",
        "currency",
        "fields",
        "kernels",
        "facts",
        "written",
        "room",
        "rows",
        "seen",
    )

    def __init__(
        self,
        charges: list[tuple[LeanCharge, Rounding | None, bool, LineTemplate, str, str]],
        template: BillTemplate,
        limit: Decimal | None,
        currency: str,
        fields: tuple[Any, ...] = (),
        kernels: tuple[tuple[ChargeEntry, ChargeKernel | None], ...] = (),
        facts: LeanFacts | None = None,
    ) -> None:
        self.steps = tuple(Step(*charge) for charge in charges)
        self.template = template
        self.limit = limit
        self.zero = minor_unit(currency) * 0  # zero at the currency's scale, as a bill's total
        self.currency = currency
        #: What every bill of this account shares, for :meth:`figures`: (ruleset, version,
        #: not included, estimated, use class, meter, households, not requested).
        self.fields = fields
        #: Each charge's compiled entry and its kernel for this account (``None`` where its
        #: type has none): what the columnar backend computes a column of usages with.
        self.kernels = kernels
        #: What every bill of this account shares, as values (for typed outputs).
        self.facts = facts
        #: The line of each usage written so far (after the account, up to the meter reads),
        #: by ``str`` of the usage, within :attr:`room` (none unless given one): the bill of
        #: an account is a function of its usage alone.
        self.written: dict[str, bytes] = {}
        self.room = Room()
        #: For a CSV of bills, by its columns: the format of a row by the steps that give a
        #: line, and the rows written so far by ``str`` of the usage (within :attr:`room`).
        self.rows: dict[tuple[str, ...], tuple[dict[tuple[int, ...], str], dict[str, bytes]]] = {}
        #: The lines and total of each usage's figures so far, by ``str`` of the usage (within
        #: :attr:`room`).
        self.seen: dict[str, tuple[tuple[FigureLine, ...], Decimal]] = {}

    def figures(self, usage: Decimal, account: str) -> BillFigures:
        """The figures of the bill of ``usage`` m³ for the account ``account`` (those of the
        :class:`~tariffcore.Bill` the engine would give); :class:`LeanFallback` for a bill
        left to the engine."""
        if self.limit is not None and usage >= self.limit:
            raise LeanFallback  # the billing cycle refuses it: the engine says why
        key = str(usage)  # the very Decimal: its sign, digits and exponent
        known = self.seen.get(key)  # the same usage billed before
        if known is None:
            total = self.zero
            lines: list[FigureLine] = []
            for step in self.steps:
                found = step.kernel(usage)
                if found is None:
                    continue
                if found is not step.kept:
                    self._figure(step, found)
                line = step.figure
                total = _add(total, line.amount)
                lines.append(line)
            known = (tuple(lines), total)
            room = self.room
            weight = _FIGURES_WEIGHT * (len(lines) + 1) + len(key)
            if room.left >= weight:
                room.left -= weight
                self.seen[key] = known
        ruleset, version, missing, estimated, use_class, meter_mm, households, skipped, dates = self.fields
        return BillFigures(
            account,
            ruleset,
            version,
            self.currency,
            usage,
            *known,
            missing,
            estimated,
            use_class,
            meter_mm,
            households,
            skipped,
            dates,
        )

    def _figure(self, step: Step, found: Any) -> None:
        """Make ``step``'s figure line of what its kernel ``found``, and keep both."""
        unrounded, rule, quantity, unit, price = found
        named = step.rules.get(rule)
        if named is None:
            named = step.rules[rule] = f"{step.template.charge}.{rule}" if rule else step.template.charge
        step.figure = _figure_line(
            (
                step.template.charge,
                step.label,
                self._amount(step, unrounded),
                quantity,
                unit,
                price,
                named,
                step.version,
            )
        )
        step.cell = None
        step.kept = found

    def csv_row(self, usage: Decimal, columns: tuple[str, ...]) -> bytes:
        """The row of the bill of ``usage`` m³ in a CSV of bills with a column per charge of
        ``columns``, after the account's cell, in UTF-8: :func:`~tariffcore.rows.csv_rest`
        of the bill's figures. :class:`LeanFallback` for a bill left to the engine."""
        found_rows = self.rows.get(columns)
        if found_rows is None:
            found_rows = self.rows[columns] = ({}, {})
        formats, written = found_rows
        key = str(usage)  # the very Decimal: its sign, digits and exponent
        known = written.get(key)  # the same usage billed before
        if known is not None:
            return known
        if self.limit is not None and usage >= self.limit:
            raise LeanFallback  # the billing cycle refuses it: the engine says why
        total = self.zero
        present: list[int] = []
        cells: list[str] = []
        for index, step in enumerate(self.steps):
            found = step.kernel(usage)
            if found is None:
                continue
            if found is not step.kept:
                self._figure(step, found)
            amount = step.figure.amount
            cell = step.cell
            if cell is None:
                cell = step.cell = format_money(amount, self.currency)
            total = _add(total, amount)
            present.append(index)
            cells.append(cell)
        shape = tuple(present)
        row = formats.get(shape)
        if row is None:
            row = formats[shape] = self._row(columns, present)
        text = row.format(format_amount(usage), format_amount(total), *cells).encode()
        room = self.room
        if room.left >= len(text) + len(key):
            room.left -= len(text) + len(key)
            written[key] = text
        return text

    def _row(self, columns: tuple[str, ...], present: list[int]) -> str:
        """The format of a row after the account's cell: ``{0}`` the usage, ``{1}`` the
        total, ``{2}``… the amounts of the lines of the steps ``present``, in order."""
        facts = self.facts
        if facts is None:
            raise LeanFallback
        pieces = csv_template(
            facts.label,
            [self.steps[index].template.charge for index in present],
            facts.not_included,
            (facts.use_class, facts.meter_mm, facts.households),
            columns,
        )
        if pieces is None or pieces[:2] != ["", CSV_ACCOUNT]:
            raise LeanFallback  # the engine writes such a row
        found = []
        for piece in pieces[2:]:
            if isinstance(piece, str):
                found.append(piece.replace("{", "{{").replace("}", "}}"))
            else:
                slot = 0 if piece == CSV_USAGE else 1 if piece == CSV_TOTAL else 2 + piece - CSV_LINES
                found.append("{" + str(slot) + "}")
        return "".join(found)

    def _amount(self, step: Step, unrounded: Decimal) -> Decimal:
        """A line's amount: ``unrounded`` rounded as its charge declares, at the currency's scale."""
        if step.mode is not None:
            amount = unrounded.quantize(_ONE, step.mode, MONEY_CONTEXT)
        else:
            amount = step.apply(unrounded) if step.apply is not None else unrounded
        if not step.exact:
            scaled = at_scale(amount, self.currency)
            if scaled is None:
                raise LeanFallback  # a fraction of the minor unit: an error row
            amount = scaled
        return amount

    def render(self, usage: Decimal, reads: bytes = b"") -> bytes:
        """The JSON line of the bill of ``usage`` m³ after its account, in UTF-8 (``reads``
        as :func:`~tariffcore.rows.reads_text` writes them); :class:`LeanFallback` for a bill
        this account's lean bill leaves to the engine."""
        key = str(usage)  # the very Decimal: its sign, digits and exponent
        known = self.written.get(key)  # the same usage billed before
        if known is not None:
            return known + reads + b"}\n"
        usage_text = (key if key[0] != "-" and "E" not in key else format_amount(usage)).encode()
        if self.limit is not None and usage >= self.limit:
            raise LeanFallback  # the billing cycle refuses it: the engine says why
        quantity_usage = b'","quantity":"' + usage_text + b'"'
        total = self.zero
        lines: list[bytes] = []
        append = lines.append
        for step in self.steps:
            found = step.kernel(usage)
            if found is None:
                continue
            if found is step.found:
                total = _add(total, step.amount)
                append(step.line)
                continue
            unrounded, rule, quantity, unit, price = found
            if step.exact:  # whole, at the currency's scale: written without an exponent
                amount = unrounded.quantize(_ONE, step.mode, MONEY_CONTEXT)
                text = str(amount)
                if text[0] == "-":
                    text = format_amount(amount)
            else:
                amount = self._amount(step, unrounded)
                text = plain_text(amount)
            total = _add(total, amount)
            rest = (
                step.rest
                if rule is step.rule and price is step.price and unit is step.unit
                else step.end(rule, unit, price)
            )
            if quantity is usage:
                line = step.head + text.encode() + quantity_usage + rest
            else:
                written = (
                    b'","quantity":null'
                    if quantity is None
                    else b'","quantity":"' + plain_text(quantity).encode() + b'"'
                )
                line = step.head + text.encode() + written + rest
            step.found = found
            step.amount = amount
            step.line = line
            append(line)
        body = self.template.body_bytes(usage_text, lines, plain_text(total).encode())
        room = self.room
        if room.left >= len(body) + len(key):
            room.left -= len(body) + len(key)
            self.written[key] = body
        return body + reads + b"}\n"


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
    found: list[tuple[LeanCharge, Rounding | None, bool, LineTemplate, str, str]] = []
    kernels: list[tuple[ChargeEntry, ChargeKernel | None]] = []
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
        # A unit of 1 in a currency of whole units leaves every amount at the currency's scale.
        line = LineTemplate(charge.id, charge.label, version.version)
        found.append((kernel, charge.rounding, whole, line, charge.label, version.version))
        column = kernel_of(charge.compute)
        kernels.append((charge, column(account, households, scale) if column is not None else None))
    missing, skipped = left_out(version, plan.not_included, wanted)
    template = BillTemplate(
        f"{spec.ruleset}@{spec.version}",
        spec.currency,
        reading.estimated,
        [(n.charge, n.reason) for n in missing],
        skipped,
        (account.use_class, account.meter_mm, households),
        reading_to_dict(reading),
    )
    fields = (
        spec.ruleset,
        spec.version,
        tuple(missing),
        reading.estimated,
        account.use_class,
        account.meter_mm,
        households,
        skipped,
        reading.dates,
    )
    facts = LeanFacts(
        f"{spec.ruleset}@{spec.version}",
        spec.currency,
        reading,
        account.use_class,
        account.meter_mm,
        households,
        tuple(n.charge for n in missing),
        tuple(skipped),
    )
    return LeanBill(found, template, limit, spec.currency, fields, tuple(kernels), facts)
