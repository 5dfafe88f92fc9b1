"""A compiled ruleset version: its charges and reductions, ready to bill.

:class:`CompiledVersion` is built by :func:`~tariffcore.engine.compile.compile_version`: a record
of the version's compiled entries with the lookups billing needs. Billing itself is
:mod:`tariffcore.engine.billing`, which carries out the plan version selection makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from ..bill import Account, Bill, NotIncluded, Reading
from ..charges import unknown_class
from ..errors import BillingCycleError, Problem, UnknownUseClassError
from ..format import RulesetVersion
from ..money import MONEY_CONTEXT
from ..periods import MONTH_TOLERANCE_DAYS, period_months
from . import billing
from .plan import BillPlan, ChargeEntry, ReductionEntry
from .requested import charge_ids, requested_charges

__all__ = ["CompiledVersion"]


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
    charges: tuple[ChargeEntry, ...]
    not_included: tuple[NotIncluded, ...]
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)
    reductions: tuple[ReductionEntry, ...] = ()
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

    def charge(self, charge_id: str) -> ChargeEntry | None:
        """The compiled charge ``charge_id``, or ``None`` if this version has no such charge."""
        for charge in self.charges:
            if charge.id == charge_id:
                return charge
        return None

    def reduction(self, reduction_id: str) -> ReductionEntry | None:
        """The compiled reduction ``reduction_id``, or ``None``."""
        for reduction in self.reductions:
            if reduction.id == reduction_id:
                return reduction
        return None

    def months(self, reading: Reading) -> int:
        """How many months the bill for ``reading`` covers, checked against the billing cycle.

        With both period dates, the months the period covers (:func:`~tariffcore.periods.period_months`);
        a ``months`` the reading also gives must agree with them. Without them, the reading's
        ``months`` if given, else the cycle's default (1 without a cycle). A period that is not
        a whole number of months, a length the cycle does not allow, or a usage per month at or
        above the cycle's limit for that length, is an input error (code ``billing_cycle``).
        """
        cycle = self.spec.billing_cycle
        allowed = cycle.months if cycle is not None else [1]
        every = f"{self.label} bills every {' or '.join(map(str, allowed))} month(s)"
        months = reading.months
        period = ""
        start, end = reading.period_start, reading.period_end
        if start is not None and end is not None:
            days = (end - start).days + 1
            period = f"the period {start}..{end} ({days} days)"
            covered = period_months(start, end)
            if covered is None:
                raise BillingCycleError(
                    f"{every}, and {period} is not a whole number of months "
                    f"(it must end within {MONTH_TOLERANCE_DAYS} days of a whole number of "
                    "calendar months after its start)"
                )
            if months is not None and months != covered:
                raise BillingCycleError(
                    f"{every}: months {months} disagrees with {period}, which covers {covered} month(s)"
                )
            months = covered
            period = f": {period} covers {covered}"
        if months is None:
            months = cycle.default if cycle is not None else 1
            if months is None:
                raise BillingCycleError(
                    f"{every}: the reading must say how many months it covers "
                    "(column 'months', or the period dates)"
                )
        if months not in allowed:
            raise BillingCycleError(f"{every}, not {months}{period}")
        limit = cycle.below_monthly_m3.get(months) if cycle is not None else None
        if limit is not None and reading.usage_m3 >= MONEY_CONTEXT.multiply(limit, months):
            per_month = MONEY_CONTEXT.divide(reading.usage_m3, months)
            raise BillingCycleError(
                f"{self.label}: a {months}-month bill is only for usage below "
                f"{limit} m³ per month, and {reading.usage_m3} m³ over {months} "
                f"months is {per_month.normalize():f} m³ per month; bill it monthly",
            )
        return months

    def households(self, account: Account) -> int:
        """Households behind ``account``'s meter under this version (its class's default
        when the account does not say); an unknown use class is not applicable."""
        use_class = self.spec.use_classes.get(account.use_class)
        if use_class is None:
            raise UnknownUseClassError(
                f"{self.label}: {unknown_class(account.use_class, self.spec.use_classes).split(';')[0]}"
                f" (this version knows {', '.join(self.spec.use_classes)})"
            )
        if account.household_units is not None:
            return account.household_units
        return use_class.household_units_default

    def bill(self, account: Account, reading: Reading, charges: Iterable[str] | None = None) -> Bill:
        """Bill ``account`` for ``reading`` under this version alone: every charge and
        reduction as this version states it (how a pinned ``id@version`` bills); only
        ``charges`` when given (see :meth:`tariffcore.Ruleset.bill`)."""
        wanted = requested_charges(charges, charge_ids([self]), self.label)
        return billing.bill(self.plan, account, reading, wanted)

    @cached_property
    def plan(self) -> BillPlan:
        """The plan of a bill under this version alone; kept once made."""
        return BillPlan.of(self)
