"""Charges whose figures depend on an account attribute: one entry, a variant per value.

An ordinance table sometimes has a column of rates for accounts of one kind beside its main
column: an area served by sewer pipes only, a zone. A charge entry says so with ``variants``:
the input column (account attribute) that picks the column, and for each of its values what it
changes in the entry, merged key by key as ``extends`` merges a version (``{}`` bills the entry
as written). Each variant is validated and compiled by the charge's own type, so any charge type
can have variants; the engine picks the variant per bill.

Every account must give the attribute: a bill without it, or with a value the entry does not
list, is an error row, never billed at the main column by default. A variant changes figures
only: the charge's type, label, sources, kind of date, use classes and rounding belong to the
charge and are the same for every variant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from pydantic import ValidationError

from ..charges import BillContext, Charged, CompiledCharge
from ..errors import BillingError, InputError, MissingValueError
from ..format import ChargeSpec, ChargeVariants, pydantic_problems

__all__ = ["FIXED", "CompileOne", "compile_variants", "merged"]

Path = tuple[str | int, ...]
#: Compiles one entry (a variant merged into the charge): its spec and function, or ``None``
#: when it has problems; the second argument maps a path inside the entry to where it is written.
CompileOne = Callable[[dict[str, Any], Callable[[Path], Path]], "tuple[ChargeSpec, CompiledCharge] | None"]

#: What belongs to the charge, not to one variant.
FIXED = ("type", "label", "source", "basis", "applies_to", "rounding", "variants")


def merged(entry: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` with ``change`` merged in: mappings key by key, recursively; a list or a plain
    value replaces what it overrides; ``None`` deletes the key."""
    result = dict(entry)
    for key, value in change.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _where(path: Path, change: Mapping[str, Any], prefix: Path) -> Path:
    """Where a problem at ``path`` of a merged entry is written: under the variant (``prefix``)
    when the variant wrote that value, else in the charge entry it inherited it from."""
    node: Any = change
    for index, key in enumerate(path):
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif index and not isinstance(node, Mapping):
            break  # inside a list or value the variant replaced whole
        else:
            return path
    return (*prefix, *path)


def compile_variants(
    entry: Mapping[str, Any],
    compile_one: CompileOne,
    name: str,
    where: Path,
    problems: list[tuple[Path, str]],
) -> tuple[ChargeSpec, CompiledCharge] | None:
    """Compile each variant of the charge ``entry`` (written at ``where``, named ``name`` in
    errors) with ``compile_one``: the charge's spec and one function that bills each account by
    its variant, or ``None`` when the variants have problems (added to ``problems``)."""
    raw = entry.get("variants")
    try:
        variants = ChargeVariants.model_validate(raw)
    except ValidationError as exc:
        problems.extend(
            ((*where, "variants", *loc), text) for loc, text in pydantic_problems(exc, ChargeVariants, raw)
        )
        return None
    base = {key: value for key, value in entry.items() if key != "variants"}
    computes: dict[str, CompiledCharge] = {}
    spec: ChargeSpec | None = None
    for value, change in variants.values.items():
        prefix: Path = ("variants", "values", value)
        fixed = [key for key in change if key in FIXED]
        for key in fixed:
            problems.append(
                ((*where, *prefix, key), f"a variant changes figures only: {key!r} belongs to the charge")
            )
        if fixed:
            continue
        compiled = compile_one(merged(base, change), partial(_where, change=change, prefix=prefix))
        if compiled is not None:
            spec, computes[value] = compiled
    if spec is None or len(computes) != len(variants.values):
        return None
    return spec, _by_variant(variants, computes, name)


def _by_variant(
    variants: ChargeVariants, computes: Mapping[str, CompiledCharge], name: str
) -> CompiledCharge:
    column = variants.input
    allowed = ", ".join(computes)
    called = f"{variants.label} ({column} {{}})" if variants.label else f"{column} {{}}"

    def compute(bill: BillContext) -> Charged | None:
        value = bill.account.attributes.get(column)
        if value is None or value == "":
            raise MissingValueError(f"{name}: the account must give {column!r} (one of {allowed})")
        chosen = computes.get(value)
        if chosen is None:
            raise InputError(f"{name}: {column} {value!r} is not one of {allowed}")
        try:
            charged = chosen(bill)
        except BillingError as exc:
            exc.add_note(called.format(value))
            raise
        if charged is None:
            return None
        return replace(charged, notes=(*charged.notes, called.format(value)))

    return compute
