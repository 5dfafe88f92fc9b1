"""Billing: carrying out a :class:`~tariffcore.engine.plan.BillPlan` for one account.

Version selection has already decided which version bills each charge, which days of a split
period each part covers and which version grants each reduction; :func:`bill` computes the
lines in the plan's order, rounds and labels them, takes off the account's reductions and sums
the bill. It is a pure function of (plan, account, reading).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, localcontext

from ..bill import Account, Bill, BillLine, LinePart, NotIncluded, Reading, SourceRef, TierSlice
from ..charges import BillContext, Charged
from ..errors import (
    BillingError,
    PluginError,
    SplitChargeMissingError,
    SplitUnsupportedError,
    UnknownReductionError,
    UnknownValueError,
)
from ..money import MONEY_CONTEXT, Rounding, format_amount, minor_unit
from ..plugins import failure
from ..reductions import (
    ReductionContext,
    ReductionSpec,
    check_claims,
    combine_guard,
    reduction_line_id,
)
from .amounts import whole_lines
from .plan import BillPlan, ChargeEntry, PeriodPart, ReductionEntry, Version
from .requested import left_out

__all__ = ["bill"]


def bill(plan: BillPlan, account: Account, reading: Reading, charges: frozenset[str] | None = None) -> Bill:
    """Bill ``account`` for ``reading`` as ``plan`` says; only the charges in ``charges`` when
    given (the others are not computed, and the bill lists them as not requested)."""
    version = plan.version
    spec = version.spec
    households = version.households(account)
    months = version.months(reading)
    per_month = version.per_month
    claimed = _claimed(plan, account)
    lines: list[BillLine] = []
    used: dict[str, ChargeEntry] = {}
    missing, skipped = left_out(version, plan.not_included, charges)
    with localcontext(MONEY_CONTEXT):
        for planned in plan.charges:
            if charges is not None and planned.id not in charges:
                continue
            scale = months if planned.id in per_month else 1
            if planned.parts:
                line = _split_line(planned.id, account, reading, planned.parts, lines, scale)
                if line is not None:
                    lines.append(line)
                continue
            charge, owner = planned.entry, planned.version
            if charge.applies_to is not None and account.use_class not in charge.applies_to:
                continue
            units = households if owner is version else owner.households(account)
            context = BillContext(account, reading, units, owner.label, tuple(lines), months=scale)
            charged = _compute(charge, context)
            if charged is None:
                continue
            lines.append(
                _line(
                    charge.id,
                    charge.label,
                    charged.amount,
                    charge.rounding,
                    _rule(charge.id, charged.rule),
                    owner.version,
                    charge.sources,
                    quantity=charged.quantity,
                    unit=charged.unit,
                    unit_price=charged.unit_price,
                    slices=charged.slices,
                    notes=charged.notes,
                )
            )
            used[charge.id] = charge
        if claimed:
            lines += _reduce(plan, claimed, account, reading, months, lines, used, missing)
        whole = whole_lines(lines, spec.ruleset, spec.currency)
        total = minor_unit(spec.currency) * 0  # zero at the currency's scale
        for line in whole:
            total += line.amount
    return Bill(
        account.id,
        spec.ruleset,
        spec.version,
        spec.currency,
        reading.usage_m3,
        whole,
        total,
        tuple(missing),
        reading,
        account.use_class,
        account.meter_mm,
        households,
        skipped,
    )


def _line(
    charge: str,
    label: str,
    unrounded: Decimal,
    rounding: Rounding | None,
    rule: str,
    version: str,
    sources: tuple[SourceRef, ...],
    *,
    amount: Decimal | None = None,
    quantity: Decimal | None = None,
    unit: str | None = None,
    unit_price: Decimal | None = None,
    slices: tuple[TierSlice, ...] = (),
    notes: tuple[str, ...] = (),
    parts: tuple[LinePart, ...] = (),
) -> BillLine:
    """A bill line: ``unrounded`` rounded by ``rounding``, or the ``amount`` given (a reduction,
    rounded before its sign is turned and capped at its gross line)."""
    if amount is None:
        amount = rounding.apply(unrounded) if rounding is not None else unrounded
    return BillLine(
        charge=charge,
        label=label,
        amount=amount,
        unrounded=unrounded,
        rounding=rounding.describe() if rounding is not None else None,
        rule=rule,
        version=version,
        sources=sources,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        slices=slices,
        notes=notes,
        parts=parts,
    )


def _rule(charge_id: str, rule: str) -> str:
    """The rule a line names: ``water.general`` (``water`` when the type names none)."""
    return f"{charge_id}.{rule}" if rule else charge_id


def _compute(charge: ChargeEntry, context: BillContext) -> Charged | None:
    """Run one compiled charge, holding its plug-in to the contract."""
    try:
        charged = charge.compute(context)
    except BillingError:
        raise
    except (Exception, SystemExit) as exc:  # a plug-in that exits is at fault too
        raise PluginError(
            charge.plugin, f"charge {charge.id!r} of {context.version} raised {failure(exc)}"
        ) from exc
    if charged is None:
        return None
    amount = charged.amount
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PluginError(
            charge.plugin,
            f"charge {charge.id!r} of {context.version} returned amount {amount!r}, not a finite Decimal",
        )
    return charged


def _split_line(
    charge_id: str,
    account: Account,
    reading: Reading,
    parts: Sequence[PeriodPart],
    lines: list[BillLine],
    months: int = 1,
) -> BillLine | None:
    """One line for ``charge_id`` billed in parts, each under the version of its days."""
    ctx = MONEY_CONTEXT
    usage = reading.usage_m3
    pieces: list[LinePart] = []
    used: list[ChargeEntry] = []
    amount = Decimal(0)
    quantity: Decimal | None = Decimal(0)
    unit: str | None = None
    prices: set[Decimal | None] = set()
    last_rule = ""
    for part in parts:
        version, share = part.version, part.share
        charge = _part_charge(version, charge_id, part)
        if charge.applies_to is not None and account.use_class not in charge.applies_to:
            continue
        part_usage = share.m3(usage)
        part_reading = replace(
            reading, usage_m3=part_usage, period_start=part.start, period_end=part.end, meter=None
        )
        try:
            context = BillContext(
                account,
                part_reading,
                version.households(account),
                version.label,
                tuple(lines),
                share,
                months,
            )
            charged = _compute(charge, context)
        except BillingError as exc:
            exc.add_note(
                f"usage {part.start}..{part.end}: {share.days} of the "
                f"{share.total_days} days of a period split by days"
            )
            raise
        if charged is None:
            continue
        used.append(charge)
        last_rule = charged.rule
        amount = ctx.add(amount, charged.amount)
        if charged.quantity is None or quantity is None:
            quantity = None
        else:
            quantity = ctx.add(quantity, charged.quantity)
        unit = charged.unit or unit
        prices.add(charged.unit_price)
        note = f"days {part.start}..{part.end}: {share.days} of {share.total_days}; " + (
            share.describe(usage)
            if charged.unit == "m3"
            else f"share {format_amount(charged.quantity)}"
            if charged.quantity is not None
            else "share of the period"
        )
        pieces.append(
            LinePart(
                version=version.version,
                start=part.start,
                end=part.end,
                days=share.days,
                period_days=share.total_days,
                quantity=charged.quantity,
                amount=charged.amount,
                unit_price=charged.unit_price,
                slices=tuple(replace(piece, version=version.version) for piece in charged.slices),
                notes=(note, *charged.notes),
            )
        )
    if not used:
        return None
    last = used[-1]
    sources: list[SourceRef] = []
    for charge in used:
        sources += [ref for ref in charge.sources if ref not in sources]
    return _line(
        charge_id,
        last.label,
        amount,
        last.rounding,
        _rule(charge_id, last_rule),
        "+".join(piece.version for piece in pieces),
        tuple(sources),
        quantity=quantity,
        unit=unit,
        unit_price=next(iter(prices)) if len(prices) == 1 else None,
        slices=tuple(s for piece in pieces for s in piece.slices),
        notes=(f"split by days between versions {', '.join(p.version for p in pieces)}",),
        parts=tuple(pieces),
    )


def _part_charge(version: Version, charge_id: str, part: PeriodPart) -> ChargeEntry:
    """The entry that bills ``charge_id`` for ``part``: the version must have it, with figures,
    from a charge type that can bill part of a period."""
    charge = version.charge(charge_id)
    days = f"usage {part.start}..{part.end}"
    if charge is None:
        if any(n.charge == charge_id for n in version.not_included):
            raise UnknownValueError(
                f"{version.label} has no figures for {charge_id}, and "
                f"it is in force for {days} of the split period"
            )
        raise SplitChargeMissingError(
            f"{version.label} has no {charge_id} charge, and it is in force for {days} of the split period"
        )
    if not charge.apportions:
        raise SplitUnsupportedError(
            f"{version.label} {charge_id}: its charge type (plug-in {charge.plugin!r}) "
            "cannot bill part of a period, which split_by_days needs"
        )
    return charge


# --------------------------------------------------------------------------- reductions


def _claimed(plan: BillPlan, account: Account) -> list[tuple[ReductionEntry, Version]]:
    """The account's reductions, each from the version the plan has grant it."""
    if not account.reductions:
        return []
    own = plan.version
    found: list[tuple[ReductionEntry, Version]] = []
    specs: dict[str, ReductionSpec] = {}
    for rid in account.reductions:
        version = plan.reductions.get(rid, own)
        reduction = version.reduction(rid)
        if reduction is None:
            listed = ", ".join(r.id for r in version.reductions) or "none"
            kind = (
                f" (in force by {version.reductions[0].basis.replace('_', ' ')})"
                if (version is not own and version.reductions)
                else ""
            )
            raise UnknownReductionError(
                f"{version.label}{kind} has no reduction {rid!r} (its reductions: {listed})"
            )
        specs[rid] = reduction.spec
        found.append((reduction, version))
    check_claims(own.label, account, specs)
    return found


def _reduce(
    plan: BillPlan,
    claimed: list[tuple[ReductionEntry, Version]],
    account: Account,
    reading: Reading,
    months: int,
    lines: list[BillLine],
    used: Mapping[str, ChargeEntry],
    missing: list[NotIncluded],
) -> list[BillLine]:
    """The negative lines of the account's reductions (see :mod:`tariffcore.reductions.contract`)."""
    own = plan.version
    per_month = own.per_month
    planned = {charge.id: charge for charge in plan.charges}
    gross = {line.charge: line for line in lines}
    settled = list(lines)

    def charge_for(charge_id: str, usage: Decimal) -> Decimal:
        """The charge, unrounded, as it would be for ``usage`` m³ (same everything else)."""
        smaller = replace(reading, usage_m3=usage, meter=None)
        scale = months if charge_id in per_month else 1
        step = planned.get(charge_id)
        if step is not None and step.parts:
            line = _split_line(charge_id, account, smaller, step.parts, settled, scale)
            return line.unrounded if line is not None else Decimal(0)
        version = step.version if step is not None else own
        context = BillContext(
            account, smaller, version.households(account), version.label, tuple(settled), months=scale
        )
        charged = _compute(used[charge_id], context)
        return charged.amount if charged is not None else Decimal(0)

    context = ReductionContext(
        account, reading, own.households(account), months, own.label, gross, charge_for
    )
    taken: dict[str, str] = {}
    out: list[BillLine] = []
    for reduction, version in claimed:
        try:
            amounts = reduction.compute(context)
        except BillingError:
            raise
        except (Exception, SystemExit) as exc:  # a plug-in that exits is at fault too
            raise PluginError(
                reduction.plugin,
                f"reduction {reduction.id!r} of {version.label} raised {failure(exc)}",
            ) from exc
        for charge_id in reduction.spec.charges:
            if charge_id not in gross:
                why = next((m.reason for m in missing if m.charge == charge_id), None)
                if why is not None:
                    missing.append(
                        NotIncluded(
                            reduction_line_id(charge_id),
                            f"{reduction.spec.label} reduces {charge_id}, which is not included: {why}",
                        )
                    )
        for charge_id, reduced in amounts.items():
            line = gross.get(charge_id)
            if line is None:
                continue
            combine_guard(own.label, taken, charge_id, reduction.id)
            value = reduced.amount
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise PluginError(
                    reduction.plugin,
                    f"reduction {reduction.id!r} of "
                    f"{version.label} returned {value!r}, not a finite "
                    "Decimal at or above 0",
                )
            rounding = reduction.rounding
            if isinstance(rounding, str):  # "charge": the reduced charge's line rounding
                owner = used.get(charge_id) or own.charge(charge_id)
                rounding = owner.rounding if owner is not None else None
            rounded = rounding.apply(value) if rounding is not None else value
            notes = reduced.notes
            if rounded > line.amount:
                notes += (f"capped at the gross {charge_id} line {line.amount}",)
                rounded = line.amount
                value = line.amount
            out.append(
                _line(
                    reduction_line_id(charge_id),
                    f"{reduction.spec.label} ({line.label})",
                    -value,
                    rounding,
                    f"{reduction_line_id(charge_id)}.{reduction.id}",
                    version.version,
                    reduction.sources,
                    amount=-rounded,
                    quantity=reduced.quantity,
                    unit=reduced.unit,
                    notes=notes,
                )
            )
    return out
