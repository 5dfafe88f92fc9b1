"""A ruleset: every version of one ruleset id, and choosing the version that bills a reading.

:meth:`Ruleset.bill` selects, for each charge, the version in force by that charge's kind of
date (usage, meter read, billing month or due month), splits a period between versions by days
where the governing version says so, and bills the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from ..bill import Account, Bill, NotIncluded, Reading
from ..errors import (
    BillingError,
    InputError,
    NoTariffError,
    NoVersionError,
    UnknownRulesetError,
)
from ..format import Span, Timeline
from ..money import Rounding
from ..periods import DayShare, Segment
from . import billing
from .calendar import anchor_date, complete_dates
from .plan import BillPlan, PeriodPart, PlannedCharge, Version
from .requested import charge_ids, requested_charges
from .version import CompiledVersion

if TYPE_CHECKING:
    from ..arrears import ArrearsVersion

__all__ = ["Ruleset"]


@dataclass(frozen=True)
class Ruleset:
    """All versions of one ruleset id, in order of taking effect.

    ``versions`` are the tariff versions (what bills are computed with); ``arrears_versions``
    hold late-payment rules, dated by due date or billing month (see :mod:`tariffcore.arrears.rules`).
    A ruleset may have either kind only.
    """

    id: str
    versions: tuple[CompiledVersion, ...]
    golden_files: tuple[str, ...] = ()
    arrears_versions: tuple[ArrearsVersion, ...] = ()
    # Derived from the versions once, in __post_init__: what selecting a version needs.
    _timeline: Timeline[CompiledVersion] = field(init=False, repr=False, compare=False)
    _uniform: bool = field(init=False, repr=False, compare=False)
    _bases: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _splits: bool = field(init=False, repr=False, compare=False)
    _reduction_basis: dict[str, str] = field(init=False, repr=False, compare=False)
    _apportioning: tuple[tuple[Rounding, Rounding] | None, ...] = field(init=False, repr=False, compare=False)
    # Whether two versions (by place) bill a charge alike: learnt as bills need it.
    _alike: dict[tuple[int, int, str], bool] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_timeline", Timeline(self.versions))
        # The roundings of apportioned m³ and fixed shares, of each version that splits by days.
        object.__setattr__(
            self,
            "_apportioning",
            tuple(
                (rules.m3.to_rounding(), rules.fixed.to_rounding()) if rules is not None else None
                for rules in (v.spec.effective.apportion for v in self.versions)
            ),
        )
        bases = {v.basis for v in self.versions} | {c.basis for v in self.versions for c in v.charges}
        # One kind of date everywhere: a charge's version is the bill's version.
        object.__setattr__(self, "_uniform", len(bases) == 1)
        object.__setattr__(self, "_bases", tuple(sorted(bases)))
        object.__setattr__(
            self, "_splits", any(v.spec.effective.policy == "split_by_days" for v in self.versions)
        )
        # The kind of date each reduction id is granted by (its latest declaration wins).
        object.__setattr__(
            self,
            "_reduction_basis",
            {reduction.id: reduction.basis for version in self.versions for reduction in version.reductions},
        )

    @property
    def title(self) -> str:
        if self.versions:
            return self.versions[-1].spec.title
        return self.arrears_versions[-1].spec.title

    def arrears_version(self, label: str) -> ArrearsVersion:
        """The arrears version labelled ``label``."""
        for version in self.arrears_versions:
            if version.version == label:
                return version
        known = ", ".join(v.version for v in self.arrears_versions) or "none"
        raise UnknownRulesetError(
            f"{self.id} has no late-payment rules version {label!r} (versions: {known})"
        )

    def select_arrears(self, due: date, billing_month: date | None = None) -> ArrearsVersion:
        """The late-payment rules in force for a bill due on ``due``."""
        from ..arrears import select_arrears  # read when late-payment rules are asked for

        return select_arrears(self.id, self.arrears_versions, due, billing_month)

    def in_force(self, version: CompiledVersion) -> Span:
        """First and last day (``None``: open) that ``version`` selects bills for."""
        return self._timeline.span(version)

    def version(self, label: str) -> CompiledVersion:
        """The version labelled ``label`` (``2025`` in ``kr/example@2025``)."""
        for version in self.versions:
            if version.version == label:
                return version
        known = ", ".join(v.version for v in self.versions)
        raise UnknownRulesetError(f"{self.id} has no version {label!r} (versions: {known})")

    def select(self, reading: Reading, basis: str | None = None, what: str | None = None) -> CompiledVersion:
        """The version in force for ``reading``.

        Each version is judged by its own kind of date, or by ``basis`` when given (the kind
        of date a particular charge is selected by); ``what`` names that charge in errors.
        A billing month or due date the reading lacks is derived by each version's date rules
        (``dates:``) where it states them.
        """
        if not self.versions:
            raise NoTariffError(f"{self.id} holds late-payment rules only: it has no tariff to bill with")
        chosen = self._timeline.pick(
            lambda version: anchor_date(
                basis or version.spec.effective.basis, reading, self.id, version.spec.dates, what
            )
        )
        if chosen is None:
            kind = basis or self.versions[0].spec.effective.basis
            anchor = anchor_date(kind, reading, self.id, self.versions[0].spec.dates, what)
            raise NoVersionError(
                f"no version of {self.id} is known to be in force on {anchor} "
                f"by {kind.replace('_', ' ')} ({self._timeline.describe()})"
            )
        return chosen

    @property
    def charge_ids(self) -> tuple[str, ...]:
        """Every charge id any version of this ruleset has or lists as not included."""
        return charge_ids(self.versions)

    def bill(self, account: Account, reading: Reading, charges: Iterable[str] | None = None) -> Bill:
        """Bill ``account`` for ``reading`` under the version in force.

        A charge that declares its own kind of effective date (``basis:``) is billed under
        the version in force by that date, which may differ from the bill's version; its line
        names the version used. When the version in force on the last day of usage declares
        ``policy: split_by_days`` and the period straddles versions, every charge selected by
        usage date is billed in parts, each under the version of its days (see
        :mod:`tariffcore.periods`).

        ``charges`` (ids) bills only those charges: the others are not computed, so what they
        would need cannot fail the bill, and the bill lists them in ``not_requested``. An id no
        version of the ruleset knows is an :class:`~tariffcore.InputError` (``unknown_charge``).
        """
        wanted = requested_charges(charges, self.charge_ids, self.id)
        version = self.select(reading) if self._uniform else self._latest(reading)
        reading = complete_dates(reading, version.spec.dates)
        return billing.bill(self.plan(version, account, reading, wanted), account, reading, wanted)

    def plan(
        self,
        version: CompiledVersion,
        account: Account,
        reading: Reading,
        charges: frozenset[str] | None = None,
    ) -> BillPlan:
        """Which version bills each charge and grants each reduction of a bill under ``version``
        (the bill's version, selected for ``reading``, whose dates are complete); only the
        ``charges`` given, when given."""
        # Only a bill with a charge selected by usage date looks at the days of usage.
        by_usage = any(
            charge.basis == "usage" and (charges is None or charge.id in charges)
            for charge in version.charges
        )
        runs = self.usage_segments(reading) if by_usage else None
        if runs is None and self._uniform:
            plan = version.plan
            granted = self._granted(version, account, reading)
            return replace(plan, reductions=granted) if granted else plan
        planned: list[PlannedCharge] = []
        missing = list(version.not_included)
        by_basis: dict[str, CompiledVersion] = {}  # the version in force by each kind of date
        for charge in version.charges:
            if charges is not None and charge.id not in charges:
                continue
            if charge.basis == "usage" and runs is not None:
                split = self.charge_parts(charge.id, runs, reading)
                if len(split) > 1:
                    planned.append(PlannedCharge(charge.id, version, charge, split))
                    continue
                chosen = split[0].version
            elif self._uniform and charge.basis == version.basis:
                chosen = version
            elif charge.basis in by_basis:
                chosen = by_basis[charge.basis]
            else:
                chosen = self.select(reading, charge.basis, f"{version.label} {charge.id}")
                by_basis[charge.basis] = chosen
            entry = chosen.charge(charge.id) if chosen is not version else charge
            if entry is None:
                missing.append(
                    NotIncluded(
                        charge.id,
                        f"{chosen.label}, the version in force by {charge.basis.replace('_', ' ')}, "
                        f"has no {charge.id} charge",
                    )
                )
                continue
            planned.append(PlannedCharge(charge.id, chosen, entry))
        granted = self._granted(version, account, reading)
        return BillPlan(version, tuple(planned), tuple(missing), granted)

    def _granted(self, version: CompiledVersion, account: Account, reading: Reading) -> dict[str, Version]:
        """The versions granting the account's reductions, where not ``version`` itself. Where
        charges are selected by different kinds of date, the bill's version is the latest of
        those in force by each kind, so a reduction is granted by the version in force by its
        own kind of date even when that is the bill's kind too."""
        granted: dict[str, Version] = {}
        for rid in account.reductions:
            basis = self._reduction_basis.get(rid)
            if basis is not None and (basis != version.basis or not self._uniform):
                chosen = self.select(reading, basis, f"{version.label} reduction {rid}")
                if chosen is not version:
                    granted[rid] = chosen
        return granted

    def _latest(self, reading: Reading) -> CompiledVersion:
        """The bill's version when charges are selected by different kinds of date: the latest
        of the versions in force by each kind (a kind the reading cannot date is skipped here;
        the charges that need it fail with that error)."""
        chosen: list[CompiledVersion] = []
        failure: BillingError | None = None
        for basis in self._bases:
            try:
                chosen.append(self.select(reading, basis))
            except BillingError as exc:
                failure = failure or exc
        if failure is not None and not chosen:
            raise failure
        if not chosen:  # no tariff versions at all: select says so
            return self.select(reading)
        return max(chosen, key=self._timeline.place)

    def usage_segments(self, reading: Reading) -> list[Segment[CompiledVersion]] | None:
        """The versions in force on each day of usage, when the period is to be split by days.

        ``None`` unless the version in force on the period's last day of usage declares
        ``policy: split_by_days``; that version's policy governs every change inside the period.
        """
        if not self._splits or reading.period_end is None:
            return None
        governing = self.select(reading, "usage")
        if governing.spec.effective.policy != "split_by_days":
            return None
        if reading.period_start is None:
            raise InputError(
                f"{governing.label} splits periods by days when a version changes "
                "within them: period_start is required"
            )
        found, gaps = self._timeline.segments(reading.period_start, reading.period_end)
        if gaps:
            days = ", ".join(f"{a}..{b}" for a, b in gaps)
            raise NoVersionError(
                f"no version of {self.id} is known to be in force for usage on "
                f"{days}, part of the period {reading.period_start}.."
                f"{reading.period_end} that {governing.label} splits by days"
            )
        return found

    def charge_parts(
        self, charge_id: str, runs: Sequence[Segment[CompiledVersion]], reading: Reading
    ) -> tuple[PeriodPart, ...]:
        """The parts of the period ``charge_id`` is billed in: consecutive days whose versions
        bill the charge identically are one part, under the later version."""
        merged: list[Segment[CompiledVersion]] = []
        alike, place = self._alike, self._timeline.place
        for run in runs:
            if merged:
                key = (place(merged[-1].item), place(run.item), charge_id)
                same = alike.get(key)
                if same is None:
                    same = alike[key] = _same_charge(merged[-1].item, run.item, charge_id)
                if same:
                    merged[-1] = Segment(run.item, merged[-1].start, run.end)
                    continue
            merged.append(run)
        total = sum(run.days for run in merged)
        roundings = self._apportioning[place(runs[-1].item)]  # the governing version's
        assert roundings is not None, "a version that splits by days declares apportion"
        m3, fixed = roundings
        result = []
        before = 0
        for run in merged:
            share = DayShare(before, run.days, total, m3, fixed)
            result.append(PeriodPart(run.item, run.start, run.end, share))
            before += run.days
        return tuple(result)


def _same_charge(first: CompiledVersion, second: CompiledVersion, charge_id: str) -> bool:
    """Whether two versions bill ``charge_id`` identically (same entry, rounding, classes)."""
    if first is second:
        return True
    a, b = first.spec, second.spec
    return (
        charge_id in a.charges
        and a.charges.get(charge_id) == b.charges.get(charge_id)
        and a.rounding == b.rounding
        and a.use_classes == b.use_classes
    )
