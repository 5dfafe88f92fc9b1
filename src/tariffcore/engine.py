"""Compiling a ruleset version once, and billing one account with it.

:func:`compile_version` turns a validated :class:`~tariffcore.model.RulesetVersion` into a
:class:`CompiledVersion`: each charge entry is compiled by its charge type into a plain
function, rounding rules and source references are resolved, and nothing is left to parse or
validate per bill. :meth:`CompiledVersion.bill` is then a pure function of (account, reading).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from .bill import Account, Bill, BillLine, NotIncluded, Reading, SourceRef
from .charges import BillContext, ChargeType, CompileContext, CompiledCharge, rounding_of
from .errors import BillingError, NotApplicableError, PluginError
from .model import RulesetVersion
from pydantic import ValidationError

from .money import MONEY_CONTEXT, Rounding
from .validation import did_you_mean, pydantic_problems

__all__ = ["CompiledCharge", "CompiledVersion", "compile_version", "pydantic_problems"]

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


@dataclass(frozen=True)
class CompiledVersion:
    """One ordinance version, ready to bill. Build it with :func:`compile_version`."""

    spec: RulesetVersion
    path: str
    charges: tuple[_Charge, ...]
    not_included: tuple[NotIncluded, ...]

    @property
    def ruleset(self) -> str:
        return self.spec.ruleset

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def label(self) -> str:
        return self.spec.label

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

    def bill(
        self,
        account: Account,
        reading: Reading,
        charge_versions: Mapping[str, CompiledVersion] | None = None,
    ) -> Bill:
        """Bill ``account`` for ``reading`` under this version.

        ``charge_versions`` maps a charge id to another version that bills that charge, for
        charges selected by a different kind of date than this version (see
        :meth:`tariffcore.Ruleset.bill`); the line then names that version.
        """
        spec = self.spec
        use_class = spec.use_classes.get(account.use_class)
        if use_class is None:
            from .charges import _unknown_class

            raise NotApplicableError(
                f"{self.label}: {_unknown_class(account.use_class, spec.use_classes).split(';')[0]}"
                f" (this version knows {', '.join(spec.use_classes)})",
                code="unknown_use_class",
            )
        households = (
            account.household_units
            if account.household_units is not None
            else use_class.household_units_default
        )
        lines: list[BillLine] = []
        missing = list(self.not_included)
        with localcontext(MONEY_CONTEXT):
            for own in self.charges:
                charge = own
                version = self
                if charge_versions and own.id in charge_versions:
                    version = charge_versions[own.id]
                    found = version.charge(own.id)
                    if found is None:
                        missing.append(NotIncluded(own.id, f"{version.label}, the version in force "
                                                   f"by {own.basis.replace('_', ' ')}, has no {own.id} charge"))
                        continue
                    charge = found
                if charge.applies_to is not None and account.use_class not in charge.applies_to:
                    continue
                context = BillContext(account, reading, households, version.label, tuple(lines))
                try:
                    charged = charge.compute(context)
                except BillingError:
                    raise
                except Exception as exc:
                    raise PluginError(charge.plugin, f"charge {charge.id!r} of {self.label} "
                                      f"raised {type(exc).__name__}: {exc}") from exc
                if charged is None:
                    continue
                amount = charged.amount
                if not isinstance(amount, Decimal) or not amount.is_finite():
                    raise PluginError(charge.plugin, f"charge {charge.id!r} of {self.label} "
                                      f"returned amount {amount!r}, not a finite Decimal")
                rounded = charge.rounding.apply(amount) if charge.rounding is not None else amount
                rule = f"{charge.id}.{charged.rule}" if charged.rule else charge.id
                lines.append(BillLine(
                    charge=charge.id, label=charge.label, amount=rounded, unrounded=amount,
                    rounding=charge.rounding.describe() if charge.rounding is not None else None,
                    rule=rule, version=version.version, sources=charge.sources,
                    quantity=charged.quantity, unit=charged.unit, unit_price=charged.unit_price,
                    slices=charged.slices, notes=charged.notes,
                ))
            total = Decimal(0)
            for line in lines:
                total += line.amount
        return Bill(account.id, spec.ruleset, spec.version, spec.currency, reading.usage_m3,
                    tuple(lines), total, tuple(missing))


def _references(
    entry: Mapping[str, Any], where: Path, spec: RulesetVersion,
    sources: Mapping[str, SourceRef], problems: list[tuple[Path, str]],
) -> tuple[tuple[SourceRef, ...], frozenset[str] | None]:
    """Check the source ids and use classes a charge entry names (its shape is left to its
    spec model), so they are reported even when the rest of the entry is invalid."""
    cited = entry.get("source")
    names = [cited] if isinstance(cited, str) else cited if isinstance(cited, list) else []
    refs = []
    for source_id in names:
        if not isinstance(source_id, str):
            continue
        if source_id in sources:
            refs.append(sources[source_id])
        else:
            problems.append(((*where, "source"), f"source {source_id!r} is not among this "
                             f"version's sources{did_you_mean(source_id, sources)}; "
                             f"sources: {', '.join(sources) or 'none'}"))
    classes = entry.get("applies_to")
    if not isinstance(classes, list):
        return tuple(refs), None
    for index, cls in enumerate(classes):
        if isinstance(cls, str) and cls not in spec.use_classes:
            problems.append(((*where, "applies_to", index), f"unknown use class {cls!r}"
                             f"{did_you_mean(cls, spec.use_classes)}"))
    return tuple(refs), frozenset(str(cls) for cls in classes)


def compile_version(
    spec: RulesetVersion,
    raw_charges: Mapping[str, Any],
    charge_types: Mapping[str, ChargeType],
    owners: Mapping[str, str],
    path: str = "<memory>",
) -> tuple[CompiledVersion | None, list[tuple[Path, str]]]:
    """Compile ``spec``; return it with the problems found, each at a path in the YAML file.

    ``raw_charges`` is the ``charges`` mapping as written (for problem locations); ``owners``
    maps each charge type name to the plug-in that provides it.
    """
    problems: list[tuple[Path, str]] = []
    sources = {source.id: SourceRef(source.id, source.title, source.tag, source.url)
               for source in spec.sources}
    if len(sources) != len(spec.sources):
        problems.append((("sources",), "two sources have the same id"))
    charges: list[_Charge] = []
    for charge_id, entry in spec.charges.items():
        where: Path = ("charges", charge_id)
        refs, applies_to = _references(entry, where, spec, sources, problems)
        type_name = entry.get("type")
        charge_type = charge_types.get(type_name) if isinstance(type_name, str) else None
        if charge_type is None:
            hint = did_you_mean(type_name, charge_types)
            problems.append(((*where, "type"), f"unknown charge type {type_name!r}{hint}; "
                             f"installed types: {', '.join(sorted(charge_types))}"))
            continue
        try:
            charge_spec = charge_type.spec.model_validate(entry)
        except ValidationError as exc:
            problems.extend(((*where, *loc), message)
                            for loc, message in pydantic_problems(exc, charge_type.spec, entry))
            # The type cannot compile an invalid entry; still name the use classes it lists.
            classes = entry.get("classes")
            for cls in classes if isinstance(classes, dict) else ():
                if cls not in spec.use_classes:
                    problems.append(((*where, "classes", cls), f"unknown use class {cls!r}"
                                     f"{did_you_mean(cls, spec.use_classes)}; declare it under "
                                     "use_classes"))
            continue
        context = CompileContext(spec, charge_id, raw_charges.get(charge_id, {}))
        try:
            compute = charge_type.compile(charge_spec, context)
        except Exception as exc:
            raise PluginError(owners.get(charge_type.name, "?"), f"charge type {charge_type.name!r} "
                              f"failed to compile {spec.label} {charge_id}: {exc}") from exc
        problems.extend(((*where, *loc), message) for loc, message in context.problems)
        charges.append(_Charge(charge_id, charge_spec.label, compute, rounding_of(charge_spec, spec),
                               tuple(refs), applies_to, owners.get(charge_type.name, "?"),
                               charge_spec.basis or spec.effective.basis))
    for charge_id in spec.not_included:
        if charge_id in spec.charges:
            problems.append((("not_included", charge_id),
                             f"charge {charge_id!r} is both billed and listed as not included"))
    if problems:
        return None, problems
    not_included = tuple(NotIncluded(cid, reason) for cid, reason in spec.not_included.items())
    return CompiledVersion(spec, path, tuple(charges), not_included), problems
