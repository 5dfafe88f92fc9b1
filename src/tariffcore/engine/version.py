"""A compiled ruleset version: its charges and reductions, ready to bill.

:class:`CompiledVersion` is built by :func:`~tariffcore.engine.compile.compile_version` and billed
with :meth:`CompiledVersion.bill`, a pure function of (account, reading).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from ..bill import Account, Bill, BillLine, LinePart, NotIncluded, Reading, SourceRef
from ..charges import (
    BillContext,
    Charged,
    CompiledCharge,
    unknown_class,
)
from ..errors import (
    BillingError,
    InputError,
    NotApplicableError,
    PluginError,
    Problem,
    UnknownValueError,
)
from ..format import RulesetVersion
from ..money import MONEY_CONTEXT, Rounding, format_amount
from ..periods import DayShare
from ..reductions import (
    CompiledReduction,
    ReductionContext,
    ReductionSpec,
    check_claims,
    combine_guard,
    reduction_line_id,
)

__all__ = ["CompiledVersion", "PeriodPart"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Charge:
    id: str
    label: str
    compute: CompiledCharge
    rounding: Rounding | None
    sources: tuple[SourceRef, ...]
    applies_to: frozenset[str] | None
    plugin: str
    basis: str
    apportions: bool = False


@dataclass(frozen=True, slots=True)
class PeriodPart:
    """The days ``start``..``end`` of a split period billed under ``version`` (``share``)."""

    version: CompiledVersion
    start: date
    end: date
    share: DayShare


@dataclass(frozen=True, slots=True)
class _Reduction:
    id: str
    spec: ReductionSpec
    compute: CompiledReduction
    rounding: Rounding | None | Literal["charge"]  # "charge": the reduced charge's rounding
    sources: tuple[SourceRef, ...]
    plugin: str
    basis: str


@dataclass(frozen=True)
class CompiledVersion:
    """One ordinance version, ready to bill. Build it with :func:`compile_version`.

    ``data`` is the version as resolved from its file and the versions it ``extends``
    (plain YAML data), for showing it; ``path`` is the version's own file. ``hints`` are what
    its charge types found valid but probably wrong while compiling it (lint findings, each a
    :class:`~tariffcore.Problem` with a kind).
    """

    spec: RulesetVersion
    path: str
    charges: tuple[_Charge, ...]
    not_included: tuple[NotIncluded, ...]
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    reductions: tuple[_Reduction, ...] = ()
    hints: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def ruleset(self) -> str:
        return self.spec.ruleset

    @property
    def version(self) -> str:
        return self.spec.version

    @cached_property
    def label(self) -> str:
        """``id@version``; kept once made, as every charge of every bill names it."""
        return self.spec.label

    @cached_property
    def per_month(self) -> frozenset[str]:
        """Ids of the charges stated per month (see :class:`~tariffcore.format.model.BillingCycle`)."""
        cycle = self.spec.billing_cycle
        return frozenset(cycle.per_month) if cycle is not None else frozenset()

    @property
    def basis(self) -> str:
        """The kind of date that selects this version."""
        return self.spec.effective.basis

    def charge(self, charge_id: str) -> _Charge | None:
        """The compiled charge ``charge_id``, or ``None`` if this version has no such charge."""
        for charge in self.charges:
            if charge.id == charge_id:
                return charge
        return None

    def reduction(self, reduction_id: str) -> _Reduction | None:
        """The compiled reduction ``reduction_id``, or ``None``."""
        for reduction in self.reductions:
            if reduction.id == reduction_id:
                return reduction
        return None

    def months(self, reading: Reading) -> int:
        """How many months the bill for ``reading`` covers, checked against the billing cycle.

        The reading's ``months`` if given, else the cycle's default (1 without a cycle). A
        length the cycle does not allow, or a usage per month at or above the cycle's limit
        for that length, is an input error (code ``billing_cycle``).
        """
        cycle = self.spec.billing_cycle
        allowed = cycle.months if cycle is not None else [1]
        months = reading.months
        if months is None:
            months = cycle.default if cycle is not None else 1
            if months is None:
                raise InputError(
                    f"{self.label} bills every {' or '.join(map(str, allowed))} "
                    "month(s): the reading must say how many months it covers "
                    "(column 'months')",
                    code="billing_cycle",
                )
        if months not in allowed:
            raise InputError(
                f"{self.label} bills every {' or '.join(map(str, allowed))} month(s), not {months}",
                code="billing_cycle",
            )
        limit = cycle.below_monthly_m3.get(months) if cycle is not None else None
        if limit is not None and reading.usage_m3 >= MONEY_CONTEXT.multiply(limit, months):
            per_month = MONEY_CONTEXT.divide(reading.usage_m3, months)
            raise InputError(
                f"{self.label}: a {months}-month bill is only for usage below "
                f"{limit} m³ per month, and {reading.usage_m3} m³ over {months} "
                f"months is {per_month.normalize():f} m³ per month; bill it monthly",
                code="billing_cycle",
            )
        return months

    def households(self, account: Account) -> int:
        """Households behind ``account``'s meter under this version (its class's default
        when the account does not say); an unknown use class is not applicable."""
        use_class = self.spec.use_classes.get(account.use_class)
        if use_class is None:
            raise NotApplicableError(
                f"{self.label}: {unknown_class(account.use_class, self.spec.use_classes).split(';')[0]}"
                f" (this version knows {', '.join(self.spec.use_classes)})",
                code="unknown_use_class",
            )
        if account.household_units is not None:
            return account.household_units
        return use_class.household_units_default

    def bill(
        self,
        account: Account,
        reading: Reading,
        charge_versions: Mapping[str, CompiledVersion] | None = None,
        charge_parts: Mapping[str, Sequence[PeriodPart]] | None = None,
        reduction_versions: Mapping[str, CompiledVersion] | None = None,
    ) -> Bill:
        """Bill ``account`` for ``reading`` under this version.

        ``charge_versions`` maps a charge id to another version that bills that charge, for
        charges selected by a different kind of date than this version (see
        :meth:`tariffcore.Ruleset.bill`); the line then names that version.
        ``charge_parts`` maps a charge id to the parts of a period split by days between
        versions (``split_by_days``); the line then sums its parts and lists them.
        ``reduction_versions`` maps a reduction id to the version granting it, for reductions
        selected by a different kind of date (see :mod:`tariffcore.reductions.contract`).
        """
        spec = self.spec
        households = self.households(account)
        months = self.months(reading)
        per_month = self.per_month
        claimed = self._claimed(account, reduction_versions or {})
        lines: list[BillLine] = []
        used: dict[str, _Charge] = {}
        missing = list(self.not_included)
        with localcontext(MONEY_CONTEXT):
            for own in self.charges:
                if charge_parts and own.id in charge_parts:
                    line = self._split_line(
                        own.id,
                        account,
                        reading,
                        charge_parts[own.id],
                        lines,
                        months if own.id in per_month else 1,
                    )
                    if line is not None:
                        lines.append(line)
                    continue
                charge = own
                version = self
                if charge_versions and own.id in charge_versions:
                    version = charge_versions[own.id]
                    other = version.charge(own.id)
                    if other is None:
                        missing.append(
                            NotIncluded(
                                own.id,
                                f"{version.label}, the version in force "
                                f"by {own.basis.replace('_', ' ')}, has no {own.id} charge",
                            )
                        )
                        continue
                    charge = other
                if charge.applies_to is not None and account.use_class not in charge.applies_to:
                    continue
                units = households if version is self else version.households(account)
                context = BillContext(
                    account,
                    reading,
                    units,
                    version.label,
                    tuple(lines),
                    months=months if charge.id in per_month else 1,
                )
                charged = self._compute(charge, context)
                if charged is None:
                    continue
                amount = charged.amount
                rounded = charge.rounding.apply(amount) if charge.rounding is not None else amount
                rule = f"{charge.id}.{charged.rule}" if charged.rule else charge.id
                lines.append(
                    BillLine(
                        charge=charge.id,
                        label=charge.label,
                        amount=rounded,
                        unrounded=amount,
                        rounding=charge.rounding.describe() if charge.rounding is not None else None,
                        rule=rule,
                        version=version.version,
                        sources=charge.sources,
                        quantity=charged.quantity,
                        unit=charged.unit,
                        unit_price=charged.unit_price,
                        slices=charged.slices,
                        notes=charged.notes,
                    )
                )
                used[charge.id] = charge
            if claimed:
                lines += self._reduce(
                    claimed,
                    account,
                    reading,
                    months,
                    per_month,
                    lines,
                    used,
                    charge_versions or {},
                    charge_parts or {},
                    missing,
                )
            total = Decimal(0)
            for line in lines:
                total += line.amount
        return Bill(
            account.id,
            spec.ruleset,
            spec.version,
            spec.currency,
            reading.usage_m3,
            tuple(lines),
            total,
            tuple(missing),
            reading,
            account.use_class,
            account.meter_mm,
            households,
        )

    def _claimed(
        self, account: Account, elsewhere: Mapping[str, CompiledVersion]
    ) -> list[tuple[_Reduction, CompiledVersion]]:
        """The account's reductions, each from the version in force by its own kind of date."""
        if not account.reductions:
            return []
        found: list[tuple[_Reduction, CompiledVersion]] = []
        specs: dict[str, ReductionSpec] = {}
        for rid in account.reductions:
            version = elsewhere.get(rid, self)
            reduction = version.reduction(rid)
            if reduction is None:
                listed = ", ".join(r.id for r in version.reductions) or "none"
                kind = (
                    f" (in force by {version.reductions[0].basis.replace('_', ' ')})"
                    if (version is not self and version.reductions)
                    else ""
                )
                raise NotApplicableError(
                    f"{version.label}{kind} has no reduction {rid!r} (its reductions: {listed})",
                    code="unknown_reduction",
                )
            specs[rid] = reduction.spec
            found.append((reduction, version))
        check_claims(self.label, account, specs)
        return found

    def _reduce(
        self,
        claimed: list[tuple[_Reduction, CompiledVersion]],
        account: Account,
        reading: Reading,
        months: int,
        per_month: frozenset[str],
        lines: list[BillLine],
        used: Mapping[str, _Charge],
        charge_versions: Mapping[str, CompiledVersion],
        charge_parts: Mapping[str, Sequence[PeriodPart]],
        missing: list[NotIncluded],
    ) -> list[BillLine]:
        """The negative lines of the account's reductions (see :mod:`tariffcore.reductions.contract`)."""
        gross = {line.charge: line for line in lines}
        settled = list(lines)
        households = self.households(account)

        def charge_for(charge_id: str, usage: Decimal) -> Decimal:
            """The charge, unrounded, as it would be for ``usage`` m³ (same everything else)."""
            smaller = replace(reading, usage_m3=usage, meter=None)
            scale = months if charge_id in per_month else 1
            if charge_id in charge_parts:
                line = self._split_line(charge_id, account, smaller, charge_parts[charge_id], settled, scale)
                return line.unrounded if line is not None else Decimal(0)
            version = charge_versions.get(charge_id, self)
            context = BillContext(
                account, smaller, version.households(account), version.label, tuple(settled), months=scale
            )
            charged = self._compute(used[charge_id], context)
            return charged.amount if charged is not None else Decimal(0)

        context = ReductionContext(account, reading, households, months, self.label, gross, charge_for)
        taken: dict[str, str] = {}
        out: list[BillLine] = []
        for reduction, version in claimed:
            try:
                amounts = reduction.compute(context)
            except BillingError:
                raise
            except Exception as exc:
                raise PluginError(
                    reduction.plugin,
                    f"reduction {reduction.id!r} of {version.label} raised {type(exc).__name__}: {exc}",
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
                combine_guard(self.label, taken, charge_id, reduction.id)
                value = reduced.amount
                if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                    raise PluginError(
                        reduction.plugin,
                        f"reduction {reduction.id!r} of "
                        f"{version.label} returned {value!r}, not a finite "
                        "Decimal at or above 0",
                    )
                owner = used.get(charge_id) or self.charge(charge_id)
                own_rounding = owner.rounding if owner is not None else None
                rounding = own_rounding if reduction.rounding == "charge" else reduction.rounding
                rounded = rounding.apply(value) if isinstance(rounding, Rounding) else value
                notes = reduced.notes
                if rounded > line.amount:
                    notes += (f"capped at the gross {charge_id} line {line.amount}",)
                    rounded = line.amount
                    value = line.amount
                out.append(
                    BillLine(
                        charge=reduction_line_id(charge_id),
                        label=f"{reduction.spec.label} ({line.label})",
                        amount=-rounded,
                        unrounded=-value,
                        rounding=rounding.describe() if isinstance(rounding, Rounding) else None,
                        rule=f"{reduction_line_id(charge_id)}.{reduction.id}",
                        version=version.version,
                        sources=reduction.sources,
                        quantity=reduced.quantity,
                        unit=reduced.unit,
                        notes=notes,
                    )
                )
        return out

    def _compute(self, charge: _Charge, context: BillContext) -> Charged | None:
        """Run one compiled charge, holding its plug-in to the contract."""
        try:
            charged = charge.compute(context)
        except BillingError:
            raise
        except Exception as exc:
            raise PluginError(
                charge.plugin, f"charge {charge.id!r} of {context.version} raised {type(exc).__name__}: {exc}"
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
        self,
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
        used: list[_Charge] = []
        amount = Decimal(0)
        quantity: Decimal | None = Decimal(0)
        unit: str | None = None
        prices: set[Decimal | None] = set()
        last_rule = ""
        for part in parts:
            version, share = part.version, part.share
            days = f"usage {part.start}..{part.end}"
            charge = version.charge(charge_id)
            if charge is None:
                if any(n.charge == charge_id for n in version.not_included):
                    raise UnknownValueError(
                        f"{version.label} has no figures for {charge_id}, and "
                        f"it is in force for {days} of the split period"
                    )
                raise NotApplicableError(
                    f"{version.label} has no {charge_id} charge, and it is in "
                    f"force for {days} of the split period"
                )
            if not charge.apportions:
                raise NotApplicableError(
                    f"{version.label} {charge_id}: its charge type (plug-in {charge.plugin!r}) "
                    "cannot bill part of a period, which split_by_days needs"
                )
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
                charged = self._compute(charge, context)
            except BillingError as exc:
                exc.message += (
                    f" (usage {part.start}..{part.end}: {share.days} of the "
                    f"{share.total_days} days of a period split by days)"
                )
                exc.args = (exc.message,)
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
        rounded = last.rounding.apply(amount) if last.rounding is not None else amount
        sources: list[SourceRef] = []
        for charge in used:
            sources += [ref for ref in charge.sources if ref not in sources]
        rule = f"{charge_id}.{last_rule}" if last_rule else charge_id
        single = next(iter(prices)) if len(prices) == 1 else None
        return BillLine(
            charge=charge_id,
            label=last.label,
            amount=rounded,
            unrounded=amount,
            rounding=last.rounding.describe() if last.rounding is not None else None,
            rule=rule,
            version="+".join(piece.version for piece in pieces),
            sources=tuple(sources),
            quantity=quantity,
            unit=unit,
            unit_price=single,
            slices=tuple(s for piece in pieces for s in piece.slices),
            notes=(f"split by days between versions {', '.join(p.version for p in pieces)}",),
            parts=tuple(pieces),
        )
