"""Compiling a ruleset version once.

:func:`compile_version` turns a validated :class:`~tariffcore.format.model.RulesetVersion` into a
:class:`CompiledVersion`: each charge entry is compiled by its charge type into a plain
function, rounding rules and source references are resolved, and nothing is left to parse or
validate per bill (see :mod:`tariffcore.engine.billing`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import PydanticUserError, ValidationError

from ..bill import NotIncluded
from ..charges import (
    ChargeType,
    CompileContext,
    CompiledCharge,
    unknown_class,
)
from ..errors import (
    PluginError,
)
from ..format import (
    ChargeSpec,
    RulesetVersion,
    Sources,
    check_use_classes,
    did_you_mean,
    pydantic_problems,
    resolve_rounding,
)
from ..money import MINOR_UNITS, minor_unit
from ..plugins import failure
from ..reductions import (
    BUILTIN_REDUCTION_TYPES,
    ReductionCompileContext,
    ReductionType,
)
from .fractions import fraction_reason
from .plan import ChargeEntry, ReductionEntry
from .variants import CompileOne, compile_variants
from .version import CompiledVersion

__all__ = ["compile_version"]

Path = tuple[str | int, ...]


def _same(path: Path) -> Path:
    return path


def _hints(
    where: Path, applies_to: frozenset[str] | None, context: CompileContext, at: Callable[[Path], Path]
) -> list[tuple[Path, str, str]]:
    """One charge's hints: its type's, or, for a charge that applies to no use class, only that."""
    if applies_to is not None and not applies_to:
        message = f"charge {context.charge_id!r} applies to no use class, so no bill has it"
        return [((*where, "applies_to"), "unreached", message)]
    return [((*where, *at(loc)), kind, message) for loc, kind, message in context.hints]


def _compile_entry(
    charge_type: ChargeType,
    spec: RulesetVersion,
    charge_id: str,
    entry: dict[str, Any],
    raw: Mapping[str, Any],
    owners: Mapping[str, str],
    problems: list[tuple[Path, str]],
    hints: list[tuple[Path, str, str]] | None,
    applies_to: frozenset[str] | None,
    at: Callable[[Path], Path] = _same,
) -> tuple[ChargeSpec, CompiledCharge] | None:
    """Validate ``entry`` by its charge type's model and compile it; ``at`` maps a path inside
    the entry to where it is written (a variant's figures are written under ``variants``)."""
    where: Path = ("charges", charge_id)
    try:
        charge_spec = charge_type.spec.model_validate(entry)
    except PydanticUserError as exc:  # a model pydantic cannot build: the plug-in is at fault
        raise PluginError(
            owners.get(charge_type.name, "?"),
            f"charge type {charge_type.name!r} has a spec model that cannot validate: {failure(exc)}",
        ) from exc
    except ValidationError as exc:
        problems.extend(
            ((*where, *at(loc)), message) for loc, message in pydantic_problems(exc, charge_type.spec, entry)
        )
        # The type cannot compile an invalid entry; still name the use classes it lists.
        classes = entry.get("classes")
        for cls in classes if isinstance(classes, dict) else ():
            if cls not in spec.use_classes:
                problems.append(((*where, *at(("classes", cls))), unknown_class(cls, spec.use_classes)))
        return None
    context = CompileContext(spec, charge_id, raw)
    try:
        compute = charge_type.compile(charge_spec, context)
    except (Exception, SystemExit) as exc:  # a plug-in that exits is at fault too
        raise PluginError(
            owners.get(charge_type.name, "?"),
            f"charge type {charge_type.name!r} failed to compile {spec.label} {charge_id}: {failure(exc)}",
        ) from exc
    problems.extend(((*where, *at(loc)), message) for loc, message in context.problems)
    if hints is not None:
        hints += [hint for hint in _hints(where, applies_to, context, at) if hint not in hints]
    return charge_spec, compute


def _variant_compiler(
    charge_type: ChargeType,
    spec: RulesetVersion,
    charge_id: str,
    owners: Mapping[str, str],
    problems: list[tuple[Path, str]],
    hints: list[tuple[Path, str, str]] | None,
    applies_to: frozenset[str] | None,
) -> CompileOne:
    """What compiles one variant of a charge: its entry merged with the variant's figures."""

    def one(entry: dict[str, Any], at: Callable[[Path], Path]) -> tuple[ChargeSpec, CompiledCharge] | None:
        return _compile_entry(
            charge_type, spec, charge_id, entry, entry, owners, problems, hints, applies_to, at
        )

    return one


def compile_version(
    spec: RulesetVersion,
    raw_charges: Mapping[str, Any],
    charge_types: Mapping[str, ChargeType],
    owners: Mapping[str, str],
    path: str = "<memory>",
    reduction_types: Mapping[str, ReductionType] | None = None,
    hints: list[tuple[Path, str, str]] | None = None,
) -> tuple[CompiledVersion | None, list[tuple[Path, str]]]:
    """Compile ``spec``; return it with the problems found, each at a path in the YAML file.

    ``raw_charges`` is the ``charges`` mapping as written (for problem locations); ``owners``
    maps each charge type name (and ``reduction:<name>``) to the plug-in that provides it;
    ``reduction_types`` defaults to the built-in ones. The charge types' hints (what is valid
    but probably wrong, ``(path, kind, message)``) are added to ``hints`` when given.
    """
    problems: list[tuple[Path, str]] = []
    sources = Sources(spec.sources, problems)
    charges: list[ChargeEntry] = []
    for charge_id, entry in spec.charges.items():
        where: Path = ("charges", charge_id)
        # Checked before the entry's own model, so they are reported even when it is invalid.
        refs = sources.cite(entry.get("source"), where, problems)
        applies_to = check_use_classes(entry.get("applies_to"), where, spec.use_classes, problems)
        type_name = entry.get("type")
        charge_type = charge_types.get(type_name) if isinstance(type_name, str) else None
        if charge_type is None:
            hint = did_you_mean(type_name, charge_types)
            problems.append(
                (
                    (*where, "type"),
                    f"unknown charge type {type_name!r}{hint}; "
                    f"installed types: {', '.join(sorted(charge_types))}",
                )
            )
            continue
        raw = raw_charges.get(charge_id, {})
        if entry.get("variants") is None:
            compiled = _compile_entry(
                charge_type, spec, charge_id, entry, raw, owners, problems, hints, applies_to
            )
        else:  # figures that depend on an account attribute: each variant compiled alike
            one = _variant_compiler(charge_type, spec, charge_id, owners, problems, hints, applies_to)
            compiled = compile_variants(entry, one, f"{spec.label} {charge_id}", where, problems)
        if compiled is None:
            continue
        charge_spec, compute = compiled
        basis = charge_spec.basis or spec.effective.basis
        if (
            spec.effective.policy == "split_by_days"
            and basis == "usage"
            and not charge_type.apportions_by_days
        ):
            problems.append(
                (
                    (*where, "type"),
                    f"charge type {charge_type.name!r} cannot bill part "
                    "of a period, so this version cannot split periods by days",
                )
            )
        rounding = resolve_rounding(charge_spec.rounding, spec.rounding)
        currency = getattr(spec, "currency", None)  # a stand-in for a broken version has none
        known = currency in MINOR_UNITS
        coarse = rounding is not None and known and not rounding.unit % minor_unit(str(currency))
        if known and not coarse and hints is not None:
            split = spec.effective.policy == "split_by_days" and basis == "usage"
            why = fraction_reason(raw_charges.get(charge_id, entry), str(currency), split)
            if why is not None:
                hints.append(
                    (
                        where,
                        "rounding",
                        f"charge {charge_id!r} can come to a fraction of the minor unit of "
                        f"{spec.currency} ({why}) and declares no rounding to it: such a bill "
                        "is an error row; declare how the ordinance rounds it ('rounding:')",
                    )
                )
        charges.append(
            ChargeEntry(
                charge_id,
                charge_spec.label,
                compute,
                rounding,
                refs,
                applies_to,
                owners.get(charge_type.name, "?"),
                basis,
                charge_type.apportions_by_days,
            )
        )
    if spec.effective.policy == "split_by_days" and not any(c.basis == "usage" for c in charges):
        problems.append(
            (
                ("effective", "policy"),
                "split_by_days splits periods of usage, but "
                "neither this version nor any of its charges is selected by usage date",
            )
        )
    for charge_id in spec.not_included:
        if charge_id in spec.charges:
            problems.append(
                (
                    ("not_included", charge_id),
                    f"charge {charge_id!r} is both billed and listed as not included",
                )
            )
    cycle = spec.billing_cycle
    for index, charge_id in enumerate(cycle.per_month if cycle is not None else []):
        if charge_id not in spec.charges and charge_id not in spec.not_included:
            problems.append(
                (
                    ("billing_cycle", "per_month", index),
                    f"per_month names {charge_id!r}, which is not a charge of this version",
                )
            )
    types = reduction_types if reduction_types is not None else {t.name: t for t in BUILTIN_REDUCTION_TYPES}
    reductions = _compile_reductions(spec, types, owners, sources, problems)
    if problems:
        return None, problems
    not_included = tuple(NotIncluded(cid, reason) for cid, reason in spec.not_included.items())
    return CompiledVersion(spec, path, tuple(charges), not_included, reductions=reductions), problems


def _compile_reductions(
    spec: RulesetVersion,
    types: Mapping[str, ReductionType],
    owners: Mapping[str, str],
    sources: Sources,
    problems: list[tuple[Path, str]],
) -> tuple[ReductionEntry, ...]:
    compiled = []
    for rid, entry in spec.reductions.items():
        where: Path = ("reductions", rid)
        type_name = entry.get("type")
        kind = types.get(type_name) if isinstance(type_name, str) else None
        if kind is None:
            problems.append(
                (
                    (*where, "type"),
                    f"unknown reduction type {type_name!r}"
                    f"{did_you_mean(type_name, types)}; installed types: "
                    f"{', '.join(sorted(types))}",
                )
            )
            continue
        try:
            rspec = kind.spec.model_validate(entry)
        except PydanticUserError as exc:  # a model pydantic cannot build: the plug-in is at fault
            raise PluginError(
                owners.get(f"reduction:{kind.name}", "tariffcore.plugins.builtin"),
                f"reduction type {kind.name!r} has a spec model that cannot validate: {failure(exc)}",
            ) from exc
        except ValidationError as exc:
            problems.extend(
                ((*where, *loc), message) for loc, message in pydantic_problems(exc, kind.spec, entry)
            )
            continue
        refs = sources.cite(rspec.source_ids(), where, problems)
        for index, charge_id in enumerate(rspec.charges):
            if charge_id not in spec.charges and charge_id not in spec.not_included:
                problems.append(
                    (
                        (*where, "charges", index),
                        f"reduces {charge_id!r}, which is not a charge of this version",
                    )
                )
        check_use_classes(rspec.applies_to, where, spec.use_classes, problems)
        context = ReductionCompileContext(spec, rid)
        plugin = owners.get(f"reduction:{kind.name}", "tariffcore.plugins.builtin")
        try:
            compute = kind.compile(rspec, context)
        except (Exception, SystemExit) as exc:  # a plug-in that exits is at fault too
            raise PluginError(
                plugin, f"reduction type {kind.name!r} failed to compile {spec.label} {rid}: {failure(exc)}"
            ) from exc
        problems.extend(((*where, *loc), message) for loc, message in context.problems)
        compiled.append(
            ReductionEntry(
                rid,
                rspec,
                compute,
                resolve_rounding(rspec.rounding, "charge"),
                refs,
                plugin,
                rspec.basis or spec.effective.basis,
            )
        )
    return tuple(compiled)
