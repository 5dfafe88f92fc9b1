"""Compiling a file of late-payment rules, read alone or with its ruleset's other versions.

A version of late-payment rules is loaded like a tariff version: the catalog reads every file,
resolves ``extends`` chains (an arrears version may extend another of the same ruleset) and
compiles each version by what it holds (:func:`compile_arrears` for an ``arrears`` section).
One run reports every problem it finds, each at the ``file:line:col`` that wrote it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import Problem, RulesetError
from ..format import (
    Resolved,
    Sources,
    load_single,
    ordered_problems,
    pydantic_problems,
    real_path,
    resolve_rounding,
)

if TYPE_CHECKING:
    from .version import ArrearsVersion

__all__ = ["compile_arrears", "holds_arrears", "load_arrears_version"]

Path = tuple[str | int, ...]

#: Fields of a tariff version, which a file of late-payment rules does not have.
_TARIFF_ONLY = ("use_classes", "charges", "not_included", "rounding")


def holds_arrears(version: Resolved) -> bool:
    """Whether a (resolved) version holds late-payment rules: an ``arrears`` section."""
    return isinstance(version.data, dict) and "arrears" in version.data


def load_arrears_version(text: str, name: str) -> ArrearsVersion:
    """Parse, validate and compile one arrears version file on its own; raise every problem
    at file:line:col (a file that ``extends`` another needs its ruleset's directory)."""
    return load_single(text, name, compile_arrears)


def compile_arrears(version: Resolved) -> ArrearsVersion:
    """Validate and compile one resolved arrears version; raise every problem at the file:line
    that wrote it (the version's own file, or the one it inherits the value from)."""
    from .rules import ArrearsVersionSpec  # the models, read once a file holds such rules
    from .version import ArrearsVersion, _Compiled

    data = version.data
    found: list[tuple[Path, str]] = [
        (
            (key,),
            f"{key!r} does not belong in a file of late-payment rules: keep tariffs and arrears "
            "rules in separate files",
        )
        for key in _TARIFF_ONLY
        if key in data
    ]
    try:
        spec = ArrearsVersionSpec.model_validate({k: v for k, v in data.items() if k not in _TARIFF_ONLY})
    except ValidationError as exc:
        found += [
            ((*loc, "kind") if message.startswith("input tag") else loc, message)
            for loc, message in pydantic_problems(exc, ArrearsVersionSpec, data)
        ]
        raise RulesetError(_located(version, found)) from None
    sources = Sources(spec.sources, found)
    section = spec.arrears
    compiled = []
    for rule_id, rule in section.rules.items():
        compiled.append(
            _Compiled(
                rule_id,
                rule,
                frozenset(rule.applies_to) if rule.applies_to is not None else None,
                resolve_rounding(rule.rounding, section.rounding),
                sources.cite(rule.source_ids(), ("arrears", "rules", rule_id), found),
            )
        )
    for key in ("allocation", "limitation"):
        part = getattr(section, key)
        if part is not None:
            sources.cite(part.source, ("arrears", key), found)
    effective = spec.effective
    if (
        isinstance(effective.from_, date)
        and effective.until is not None
        and effective.until < effective.from_
    ):
        found.append(
            (("effective", "until"), f"ends ({effective.until}) before it starts ({effective.from_})")
        )
    if found:
        raise RulesetError(_located(version, found))
    return ArrearsVersion(spec, version.source, tuple(compiled))


def _located(version: Resolved, found: list[tuple[Path, str]]) -> list[Problem]:
    return ordered_problems(
        (version.problem(real_path(version.data, loc), message) for loc, message in found), version.source
    )
