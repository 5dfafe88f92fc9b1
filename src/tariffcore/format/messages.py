"""Validation problems in a rule author's words.

Pydantic reports ``Input should be a valid decimal`` at ``('rates', 20,
'function-before[_exact(), decimal]')``; a rule author needs ``expected a number or 'unknown',
got 'abc'`` at the line of ``20:``. This module turns pydantic errors into such messages
(merging the alternatives of one union into one sentence, suggesting the field or name that was
probably meant) and builds a stand-in version from a file whose top level is broken, so that
its charges can still be checked in the same run.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["did_you_mean", "lenient_version", "pydantic_problems", "real_path"]

Path = tuple[str | int, ...]

#: What a failed check of one kind expected, in words (pydantic error type → phrase).
_EXPECTED = {
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """`` (did you mean 'household'?)`` when ``word`` is close to one of ``choices``.

    Ids that share a prefix (``kr/…``) are compared on what follows it, so two ids are not
    "close" merely for their common ``kr/``.
    """
    text = str(word)
    names = [str(choice) for choice in choices]
    head, slash, tail = text.rpartition("/")
    if slash:
        same = {name.rpartition("/")[2]: name for name in names if name.rpartition("/")[0] == head}
        close = get_close_matches(tail, list(same), n=1, cutoff=0.6)
        if close:
            return f" (did you mean {same[close[0]]!r}?)"
    close = get_close_matches(text, names, n=1, cutoff=0.6)
    if close and slash and close[0].rpartition("/")[0] == head:
        return ""  # same prefix, different name: not close after all
    return f" (did you mean {close[0]!r}?)" if close else ""


def pydantic_problems(
    exc: ValidationError, model: type[BaseModel] | None = None, data: Any = None
) -> list[tuple[Path, str]]:
    """Turn a pydantic ``ValidationError`` into (location, message) pairs a rule author reads.

    With ``data`` (what was validated), each location keeps only the keys and indexes found in
    it (pydantic also names union members and validators), so it maps to a YAML node. Errors of
    the alternatives of one union at one place become one message (``expected a number or
    'unknown', got 'abc'``). With ``model``, an unknown field gets a did-you-mean from the
    fields the model at that place accepts.
    """
    found: list[tuple[Path, str]] = []
    grouped: dict[Path, list[Mapping[str, Any]]] = {}
    for error in exc.errors(include_url=False):
        raw = tuple(error["loc"])
        where = real_path(data, raw) if data is not None else raw
        kind = error.get("type")
        if kind == "missing":
            field = raw[-1] if raw else "?"
            about = _description(model, raw[:-1], field) if model is not None else ""
            found.append((where, f"missing field {field!r}" + (f" ({about})" if about else "")))
        elif kind == "extra_forbidden":
            field = raw[-1] if raw else "?"
            hint = did_you_mean(field, _fields_at(model, raw[:-1])) if model is not None else ""
            found.append((where, f"unknown field {field!r}{hint}"))
        else:
            grouped.setdefault(where, []).append(error)
    found += [(loc, _sentence(errors)) for loc, errors in grouped.items()]
    return found


def real_path(data: Any, loc: Sequence[Any]) -> Path:
    """Keep only the parts of a pydantic location that exist in ``data`` (union member names
    and validator tags are dropped), so that the path leads to a YAML node."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            key: Any = part
            if key not in node and isinstance(part, str) and part.lstrip("-").isdigit():
                key = int(part)
            if key in node:
                path.append(key)
                node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _sentence(errors: Sequence[Mapping[str, Any]]) -> str:
    expected: list[str] = []
    others: list[str] = []
    given: Any = None
    for error in errors:
        kind = str(error.get("type", ""))
        given = error.get("input")
        if kind in _EXPECTED:
            phrase = _EXPECTED[kind]
        elif kind == "literal_error":
            phrase = str(error.get("ctx", {}).get("expected", ""))
        else:
            phrase = ""
        if phrase:
            if phrase not in expected:
                expected.append(phrase)
            continue
        text = str(error.get("msg", "invalid value"))
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        text = text[:1].lower() + text[1:]
        if kind == "string_pattern_mismatch":
            text = f"{_shown(given)} is not in the expected form ({text})"
        elif kind.startswith(("greater_than", "less_than", "too_short", "too_long")) and _simple(given):
            text = f"{text} (got {_shown(given)})"
        if text not in others:
            others.append(text)
    parts = others[:]
    if expected:
        parts.insert(0, f"expected {' or '.join(expected)}, got {_shown(given)}")
    return "; ".join(parts) or "invalid value"


def _simple(value: Any) -> bool:
    return isinstance(value, (str, int, Decimal, date)) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, Decimal):
        return str(value)
    return repr(value) if isinstance(value, str) else str(value)


def _fields_at(model: type[BaseModel] | None, loc: Path) -> list[str]:
    """The field names (and aliases) the model at ``loc`` inside ``model`` accepts."""
    found = _model_at(model, loc)
    if found is None:
        return []
    names: list[str] = []
    for name, info in found.model_fields.items():
        names.append(info.alias or name)
    return names


def _description(model: type[BaseModel] | None, loc: Path, field: Any) -> str:
    """The first sentence of the description of ``field`` in the model at ``loc``."""
    found = _model_at(model, loc)
    info = found.model_fields.get(str(field)) if found is not None else None
    if info is None and found is not None:
        info = next((f for f in found.model_fields.values() if f.alias == field), None)
    text = (info.description or "") if info is not None else ""
    first = re.split(r"(?<!e\.g)\. ", text)[0].rstrip(".")
    if first[1:2].isupper():  # an acronym such as ISO keeps its capitals
        return first
    return first[:1].lower() + first[1:]


def _model_at(annotation: Any, loc: Path) -> type[BaseModel] | None:
    """Follow ``loc`` through fields, lists, mappings and unions to the model found there."""
    candidates = _models_in(annotation)
    for part in loc:
        if any(getattr(c, "__name__", None) == part for c in candidates):
            continue  # pydantic names the union member it tried
        following: list[Any] = []
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                info = candidate.model_fields.get(str(part))
                if info is None:
                    info = next((f for f in candidate.model_fields.values() if f.alias == part), None)
                if info is not None:
                    following += _models_in(info.annotation)
            else:
                origin = typing.get_origin(candidate)
                args = typing.get_args(candidate)
                if origin in (list, tuple, Sequence) and args:
                    following += _models_in(args[0])
                elif origin in (dict, Mapping) and len(args) == 2:
                    following += _models_in(args[1])
        candidates = following
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _models_in(annotation: Any) -> list[Any]:
    """Unwrap Annotated, Optional and unions into the alternatives a value may take."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found += _models_in(arg)
        return found
    return [annotation]


def lenient_version(data: Mapping[str, Any]) -> Any:
    """A stand-in :class:`~tariffcore.format.model.RulesetVersion` built from whatever of ``data``
    is usable, so that the charges of a file with a broken top level can still be checked.

    Only what charge types consult at compile time is filled in: ids, use class and source
    ids, rounding and the charges mapping. Never used to bill.
    """
    from .model import BASES, Effective, RoundingSpec, RulesetVersion, Source, UseClass

    classes = data.get("use_classes")
    use_classes = {
        str(key): UseClass.model_construct(label=str(key), household_units_default=1)
        for key in (classes if isinstance(classes, dict) else {})
    }
    sources = []
    listed = data.get("sources")
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            sources.append(
                Source.model_construct(
                    id=entry["id"],
                    title=str(entry.get("title", "")),
                    url=entry.get("url"),
                    tag=entry.get("tag", "INF"),
                )
            )
    rounding = None
    try:
        if isinstance(data.get("rounding"), dict):
            rounding = RoundingSpec.model_validate(data["rounding"])
    except ValidationError:
        rounding = None
    charges = data.get("charges")
    not_included = data.get("not_included")
    try:
        effective = Effective.model_validate(data.get("effective"))
    except ValidationError:
        given = data.get("effective")
        basis = given.get("basis") if isinstance(given, dict) else None
        effective = Effective.model_construct(
            from_=date.min, basis=basis if basis in BASES else "billing_month"
        )
    fields: dict[str, Any] = {
        "effective": effective,
        "ruleset": str(data.get("ruleset", "?")),
        "version": str(data.get("version", "?")),
        "use_classes": use_classes,
        "sources": sources,
        "rounding": rounding,
        "charges": (
            {k: v for k, v in charges.items() if isinstance(v, dict)} if isinstance(charges, dict) else {}
        ),
        "not_included": not_included if isinstance(not_included, dict) else {},
    }
    reductions = data.get("reductions")
    if "reductions" in RulesetVersion.model_fields and isinstance(reductions, dict):
        fields["reductions"] = {k: v for k, v in reductions.items() if isinstance(v, dict)}
    return RulesetVersion.model_construct(**fields)
