"""One field of an OWRS class block, read into a :class:`Field` ready to evaluate.

A field's value is of one of five kinds:

* a number (``service_charge: 21.32``);
* a formula (``commodity_charge: flat_rate*usage_ccf``, see :mod:`tariffcore_owrs.formula`);
* a list, the tier starts or prices (``tier_starts: [0, 15, 20]``; a budget's starts may be
  ``N%``, ``indoor`` or ``outdoor``);
* a map (``depends_on: [meter_size]`` and ``values: {3/4": 21.32, …}``), whose values are
  numbers, lists or formulas;
* a rate type, ``Tiered`` or ``Budget``, for ``commodity_charge`` and ``sewer_charge``.

A field name that contains ``budget`` is rounded piece by piece, as RateParser does: its formula
is cut at ``+``, ``*`` and ``^`` and every piece is rounded (half to even) before it is combined,
so ``budget: indoor+outdoor`` is ``round(indoor)+round(outdoor)``.

A value that cannot be evaluated is a problem at the field's place: a formula outside the
language, a rate type on another field, a map without values, a tier start that is neither a
number nor a budget word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from .exact import ExactError, checked, from_yaml, literal, r_text
from .formula import MAX_LENGTH, FormulaError, Node, Round, parse, parse_sequence

__all__ = [
    "BUDGET_WORDS",
    "RATE_FIELDS",
    "Field",
    "Item",
    "MapField",
    "Path",
    "Value",
    "budget_rounded",
    "key_text",
    "percent",
    "read_field",
]

Path = tuple[str | int, ...]

#: The fields a rate type (``Tiered``/``Budget``) may stand for, with the fields it reads:
#: (tier starts, tier prices, budget).
RATE_FIELDS: Mapping[str, tuple[str, str, str]] = {
    "commodity_charge": ("tier_starts", "tier_prices", "budget"),
    "sewer_charge": ("sewer_tier_starts", "sewer_tier_prices", "sewer_budget"),
}
#: What a budget tier start may say besides a number (``N%`` of the budget aside).
BUDGET_WORDS = ("indoor", "outdoor")

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$")
_R_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_R_FALSE = frozenset({"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})

#: A list item: a number, or a budget start's text (``"150%"``, ``"indoor"``).
Item = Fraction | str


@dataclass(frozen=True, slots=True)
class MapField:
    """``depends_on`` columns and ``values`` by key (``Summer|1|Low``)."""

    depends_on: tuple[str, ...]
    values: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a class, read: exactly one of the kinds is set."""

    name: str
    kind: Literal["number", "formula", "list", "map", "rate"]
    path: Path  # where the field is written, inside the rate_structure
    text: str  # the value as written, for explanations
    number: Fraction | None = None
    formula: Node | None = None
    items: tuple[Item, ...] | None = None
    map: MapField | None = None
    rate: Literal["Tiered", "Budget"] | None = None


#: A value a map gives: a number (as written: made exact when a bill picks it), a formula, or
#: a list.
Value = int | Decimal | Fraction | Node | tuple[Item, ...]


def key_text(key: object) -> str:
    """A map key as R's YAML reader makes it text: numbers the R way (``1``, not ``1.0``),
    YAML 1.1 booleans as ``TRUE``/``FALSE``."""
    if isinstance(key, bool):
        return "TRUE" if key else "FALSE"
    if isinstance(key, (int, Decimal)):
        try:
            return r_text(from_yaml(key))
        except ExactError:
            return str(key)
    if isinstance(key, date):
        return key.isoformat()
    text = str(key)
    if text in _R_TRUE:
        return "TRUE"
    if text in _R_FALSE:
        return "FALSE"
    return text


def read_field(name: str, value: Any, path: Path, problems: list[tuple[Path, str]]) -> Field | None:
    """The field ``name`` of ``value`` (written at ``path``); ``None``, with its problems added
    to ``problems``, where it cannot be evaluated."""
    if isinstance(value, bool) or value is None:
        shown = "nothing" if value is None else str(value).lower()
        problems.append((path, f"{name} is {shown}: give a number, a formula, a list or a map"))
        return None
    if isinstance(value, (int, Decimal)):
        try:
            return Field(name, "number", path, str(value), number=from_yaml(value))
        except ExactError as exc:
            problems.append((path, f"{name}: {exc}"))
            return None
    if isinstance(value, str):
        text = value.strip()
        if text in ("Tiered", "Budget"):
            if name not in RATE_FIELDS:
                problems.append(
                    (path, f"{name}: {text} is a rate type, which only {' and '.join(RATE_FIELDS)} may be")
                )
                return None
            return Field(name, "rate", path, text, rate="Tiered" if text == "Tiered" else "Budget")
        node = _formula(name, text, path, problems)
        return Field(name, "formula", path, text, formula=node) if node is not None else None
    if isinstance(value, list):
        items = _items(name, value, path, problems)
        return Field(name, "list", path, _list_text(value), items=items) if items is not None else None
    if isinstance(value, dict):
        read = _map(name, value, path, problems)
        return Field(name, "map", path, "map", map=read) if read is not None else None
    problems.append((path, f"{name}: {value!r} is not a number, a formula, a list or a map"))
    return None


def _formula(name: str, text: str, path: Path, problems: list[tuple[Path, str]]) -> Node | None:
    try:
        return budget_rounded(text) if "budget" in name else parse(text)
    except FormulaError as exc:
        problems.append((path, f"{name}: {exc.message} (at character {exc.offset + 1} of {text[:60]!r})"))
        return None


def budget_rounded(text: str) -> Node:
    """RateParser's reading of a budget formula: cut at ``+``, ``*`` and ``^``, every piece
    rounded (half to even), the pieces combined by the operators between them."""
    if len(text) > MAX_LENGTH:
        return parse(text)  # refused, with parse()'s own message
    pieces: list[tuple[str, Node]] = []
    op = ""
    start = 0
    for index, char in enumerate(text):
        if char == "^":
            raise FormulaError(
                "the power operator '^' is not supported: a formula holds only "
                "numbers, names, + - * / and parentheses",
                index,
            )
        if char in "+*":
            pieces.append((op, Round(_piece(text, start, index))))
            op, start = char, index + 1
    pieces.append((op, Round(_piece(text, start, len(text)))))
    return parse_sequence(pieces)


def _piece(text: str, start: int, end: int) -> Node:
    try:
        return parse(text[start:end])
    except FormulaError as exc:
        raise FormulaError(
            f"{exc.message} (a budget formula is rounded piece by piece, cut at "
            "'+' and '*', and each piece must be a formula of its own)",
            start + exc.offset,
        ) from None


def _items(
    name: str, value: list[Any], path: Path, problems: list[tuple[Path, str]]
) -> tuple[Item, ...] | None:
    items: list[Item] = []
    if not value:
        problems.append((path, f"{name} is an empty list"))
        return None
    if len(value) > 100:
        problems.append((path, f"{name} has {len(value)} items; at most 100 tiers are accepted"))
        return None
    for index, item in enumerate(value):
        at = (*path, index)
        if isinstance(item, (int, Decimal)) and not isinstance(item, bool):
            try:
                items.append(from_yaml(item))
            except ExactError as exc:
                problems.append((at, f"{name} item {index + 1}: {exc}"))
                return None
        elif isinstance(item, str) and (item.strip() in BUDGET_WORDS or _PERCENT.match(item)):
            items.append(item.strip())
        else:
            problems.append(
                (
                    at,
                    f"{name} item {index + 1} is {item!r}: a tier start or price is "
                    "a number, or for a budget a percentage ('150%'), 'indoor' or "
                    "'outdoor'",
                )
            )
            return None
    return tuple(items)


def _map(name: str, value: dict[Any, Any], path: Path, problems: list[tuple[Path, str]]) -> MapField | None:
    extra = [str(key) for key in value if key not in ("depends_on", "values")]
    if extra:
        problems.append(
            (
                (*path, extra[0]),
                f"{name}: a map has 'depends_on' and 'values' only, not {', '.join(repr(e) for e in extra)}",
            )
        )
        return None
    depends = value.get("depends_on")
    if isinstance(depends, str):
        depends = [depends]
    if (
        not isinstance(depends, list)
        or not depends
        or not all(isinstance(d, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", d.strip()) for d in depends)
    ):
        problems.append(
            ((*path, "depends_on"), f"{name}: depends_on must name one or more data columns or fields")
        )
        return None
    values = value.get("values")
    if not isinstance(values, dict) or not values:
        problems.append(
            (
                (*path, "values") if "values" in value else path,
                f"{name}: a map needs 'values', a mapping from a key ({'|'.join(depends)}) to a value",
            )
        )
        return None
    read: dict[str, Value] = {}
    for key, item in values.items():
        at = (*path, "values", key)
        text = key_text(key)
        if text in read:
            problems.append((at, f"{name}: the key {text!r} is given twice"))
            continue
        if isinstance(item, str):
            node = _formula(f"{name} ({text})" if "budget" not in name else name, item.strip(), at, problems)
            if node is None:
                return None
            read[text] = node
        elif isinstance(item, list):
            items = _items(f"{name} ({text})", item, at, problems)
            if items is None:
                return None
            read[text] = items
        elif isinstance(item, (int, Decimal)) and not isinstance(item, bool):
            try:
                read[text] = checked(item)  # made exact when a bill picks it
            except ExactError as exc:
                problems.append((at, f"{name} ({text}): {exc}"))
                return None
        else:
            problems.append((at, f"{name} ({text}): {item!r} is not a number, a formula or a list"))
            return None
    return MapField(tuple(d.strip() for d in depends), read)


def _list_text(value: list[Any]) -> str:
    return "[" + ", ".join(str(item) for item in value) + "]"


def percent(text: str) -> Fraction | None:
    """``"150%"`` → 150, else ``None``."""
    match = _PERCENT.match(text)
    return literal(match.group(1)) if match else None
