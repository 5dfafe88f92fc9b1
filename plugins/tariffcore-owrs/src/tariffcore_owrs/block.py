"""One customer class of an OWRS file, read once into fields ready to evaluate.

An OWRS class block maps field names to values of five kinds, each read here into a
:class:`Field`:

* a number (``service_charge: 21.32``);
* a formula (``commodity_charge: flat_rate*usage_ccf``, see :mod:`tariffcore_owrs.formula`);
* a list, the tier starts or prices (``tier_starts: [0, 15, 20]``; a budget's starts may be
  ``N%``, ``indoor`` or ``outdoor``);
* a map (``depends_on: [meter_size]`` and ``values: {3/4": 21.32, …}``), whose values are
  numbers, lists or formulas;
* a rate type, ``Tiered`` or ``Budget``, for ``commodity_charge`` and ``sewer_charge``.

Before that, field names are standardised as the OWRS survey did before billing (OWRS-Analysis
``standardize_OWRS_names``): ``tier_starts_commodity`` and its kin lose the ``_commodity``
suffix, ``commodity_charge: flat_rate_commodity*usage_ccf`` becomes ``flat_rate*usage_ccf``,
and the four drought and wastewater fields no survey bill used are set aside. Two departures,
both where RateParser would stop: a formula that still names a field by its old name reads
that field (with a warning), and a set-aside field that a formula does use is kept.

A field name that contains ``budget`` is rounded piece by piece, as RateParser does: its formula
is cut at ``+``, ``*`` and ``^`` and every piece is rounded (half to even) before it is combined,
so ``budget: indoor+outdoor`` is ``round(indoor)+round(outdoor)``.

Everything that cannot be evaluated is a problem at the field's place, found once when the file
is read: a formula outside the language, a rate type on another field, a map without values, a
tier start that is neither a number nor a budget word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from .exact import ExactError, checked, from_yaml, literal, r_text
from .formula import (
    MAX_LENGTH,
    Bin,
    FormulaError,
    Name,
    Neg,
    Node,
    Round,
    names,
    parse,
    parse_sequence,
)

__all__ = [
    "BUDGET_WORDS",
    "DROPPED",
    "MAX_FIELDS",
    "RATE_FIELDS",
    "RENAMED",
    "Block",
    "additive_names",
    "Field",
    "MapField",
    "compile_block",
    "key_text",
]

Path = tuple[str | int, ...]

#: Fields renamed before billing (OWRS-Analysis ``standardize_OWRS_names``).
RENAMED: Mapping[str, str] = {
    f"{name}_commodity": name
    for name in (
        "tier_starts",
        "tier_prices",
        "flat_rate",
        "budget",
        "indoor",
        "outdoor",
        "gpcd",
        "landscape_factor",
    )
}
#: Fields set aside before billing: no survey bill formula uses them.
DROPPED = frozenset(
    {
        "fixed_drought_surcharge",
        "variable_drought_surcharge",
        "fixed_wastewater_charge",
        "variable_wastewater_charge",
    }
)
#: The fields a rate type (``Tiered``/``Budget``) may stand for, with the fields it reads:
#: (tier starts, tier prices, budget).
RATE_FIELDS: Mapping[str, tuple[str, str, str]] = {
    "commodity_charge": ("tier_starts", "tier_prices", "budget"),
    "sewer_charge": ("sewer_tier_starts", "sewer_tier_prices", "sewer_budget"),
}
#: What a budget tier start may say besides a number (``N%`` of the budget aside).
BUDGET_WORDS = ("indoor", "outdoor")
#: The most fields one class may have.
MAX_FIELDS = 300

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


@dataclass(frozen=True)
class Block:
    """A class, read: its fields in file order, the charges its bill names, what is wrong.

    ``problems`` make the class impossible to bill (each at a path inside the file's data);
    ``warnings`` are worth knowing but leave it billable. ``aliases`` maps a field's name as
    written before standardisation (``tier_starts_commodity``) to its standard name.
    """

    name: str
    fields: Mapping[str, Field]
    problems: tuple[tuple[Path, str], ...] = ()
    warnings: tuple[tuple[Path, str], ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    charges: tuple[str, ...] = ()

    def canonical(self, name: str) -> str:
        """The standard name of the field ``name`` refers to."""
        return self.aliases.get(name, name)


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


def compile_block(name: str, raw: Any, where: Path, known_data: frozenset[str] = frozenset()) -> Block:
    """Read the class ``name`` (``raw``, written at ``where``) into a :class:`Block`.

    ``known_data`` names the data columns rows are expected to give; a name that is neither a
    field nor one of them is reported as a warning (every bill will need it as a data value).
    """
    problems: list[tuple[Path, str]] = []
    warnings: list[tuple[Path, str]] = []
    if not isinstance(raw, dict):
        return Block(name, {}, (((*where,), f"class {name} must be a mapping of fields"),))
    if len(raw) > MAX_FIELDS:
        return Block(
            name, {}, (((*where,), f"class {name} has {len(raw)} fields; at most {MAX_FIELDS} are accepted"),)
        )
    fields: dict[str, Field] = {}
    aliases: dict[str, str] = {}
    set_aside: list[str] = []
    held: dict[str, list[tuple[Path, str]]] = {}
    for written, value in raw.items():
        key = str(written)
        path = (*where, written)
        new = RENAMED.get(key, key)
        if new != key:
            if new in raw:
                problems.append(
                    (
                        path,
                        f"{key} and {new} are both given; {key} is read as {new} "
                        "(the survey's standard name), so one of them must go",
                    )
                )
                continue
            aliases[key] = new
        own: list[tuple[Path, str]] = []
        if (
            new == "commodity_charge"
            and isinstance(value, str)
            and (value.strip() == "flat_rate_commodity*usage_ccf")
        ):
            value = "flat_rate*usage_ccf"  # as the survey rewrites it, with the rename
        read = _field(new, value, path, own)
        if new in DROPPED:
            held[new] = own  # reported only if the field is kept
        else:
            problems += own
        if read is not None:
            fields[new] = read
    used = _uses(fields)
    for dropped in sorted(DROPPED & (set(fields) | set(held))):
        if any(dropped in names_used for names_used in used.values()):
            problems += held.get(dropped, [])
        else:
            fields.pop(dropped, None)
            set_aside.append(dropped)
    if "bill" not in fields and not any(p == (*where, "bill") for p, _ in problems):
        problems.append(((*where,), f"class {name} has no 'bill' formula"))
    for item_name, names_used in used.items():
        item = fields.get(item_name)
        if item is None:
            continue
        for used_name in names_used:
            if used_name in aliases:
                warnings.append(
                    (
                        item.path,
                        f"{item.name} uses {used_name}, which the survey's "
                        f"standard names call {aliases[used_name]}: read as that field "
                        "(RateParser, without the renaming, finds no such name)",
                    )
                )
            elif used_name not in fields and used_name not in known_data and used_name != "usage_ccf":
                warnings.append(
                    (
                        item.path,
                        f"{item.name} uses {used_name}, which is not a field "
                        f"of {name}: every bill needs it as a data value (a column "
                        f"'{used_name}'), and the survey's data has no such column",
                    )
                )
    problems += _circles(fields, aliases)
    warnings += _sparse_maps(fields)
    charges = (
        tuple(
            aliases.get(n, n) for n in additive_names(fields["bill"].formula) if aliases.get(n, n) in fields
        )
        if "bill" in fields and fields["bill"].formula is not None
        else ()
    )
    return Block(
        name,
        fields,
        tuple(problems),
        tuple(warnings),
        aliases,
        tuple(set_aside),
        tuple(dict.fromkeys(charges)),
    )


def _uses(fields: Mapping[str, Field]) -> dict[str, list[str]]:
    """The names each field's formula or map uses."""
    found: dict[str, list[str]] = {}
    for item in fields.values():
        used: list[str] = []
        if item.formula is not None:
            used += names(item.formula)
        if item.map is not None:
            used += item.map.depends_on
            for value in item.map.values.values():
                if not isinstance(value, (int, Decimal, Fraction, tuple)):
                    used += names(value)
        found[item.name] = used
    return found


def _circles(fields: Mapping[str, Field], aliases: Mapping[str, str]) -> list[tuple[Path, str]]:
    """Formulas that use each other in a circle (no data value can be meant to break it)."""
    edges = {
        name: [
            aliases.get(n, n)
            for n in names(item.formula)
            if aliases.get(n, n) in fields and fields[aliases.get(n, n)].formula is not None
        ]
        for name, item in fields.items()
        if item.formula is not None
    }
    state: dict[str, int] = {}
    problems: list[tuple[Path, str]] = []
    for start in edges:
        if state.get(start):
            continue
        stack = [(start, iter(edges[start]))]
        trail = [start]
        state[start] = 1
        while stack:
            node, following = stack[-1]
            step = next(following, None)
            if step is None:
                state[node] = 2
                stack.pop()
                trail.pop()
            elif state.get(step) == 1:
                circle = " → ".join([*trail[trail.index(step) :], step])
                problems.append((fields[step].path, f"formulas refer to each other in a circle: {circle}"))
            elif not state.get(step):
                state[step] = 1
                stack.append((step, iter(edges[step])))
                trail.append(step)
    return problems


def _sparse_maps(fields: Mapping[str, Field]) -> list[tuple[Path, str]]:
    """Maps on several columns whose keys leave out combinations of the values they use."""
    warnings = []
    for item in fields.values():
        if item.map is None or len(item.map.depends_on) < 2:
            continue
        parts = [key.split("|") for key in item.map.values]
        if any(len(part) != len(item.map.depends_on) for part in parts):
            continue  # a value holds '|' itself (1|1/2"): the combinations cannot be told apart
        seen = [
            list(dict.fromkeys(part[index] for part in parts)) for index in range(len(item.map.depends_on))
        ]
        combinations = 1
        for values in seen:
            combinations *= len(values)
        if combinations > len(item.map.values):
            missing = next(
                "|".join(combo) for combo in _product(seen) if "|".join(combo) not in item.map.values
            )
            warnings.append(
                (
                    item.path,
                    f"{item.name} depends on {'|'.join(item.map.depends_on)} "
                    f"and has values for {len(item.map.values)} of the "
                    f"{combinations} combinations its keys use (none for {missing!r}, "
                    "for one): a row with a missing combination cannot be billed",
                )
            )
    return warnings


def _product(columns: list[list[str]]) -> Iterator[tuple[str, ...]]:
    if not columns:
        yield ()
        return
    for head in columns[0]:
        for rest in _product(columns[1:]):
            yield (head, *rest)


def additive_names(node: Node | None) -> tuple[str, ...]:
    """The names ``node`` adds up (its charges): names reached from the top through ``+``,
    ``-`` and products or quotients by constants only (``1.014*(a+b)`` adds ``a`` and ``b``;
    ``a*b`` and ``(a+b)*c`` add nothing, as neither factor is a charge on its own)."""
    if node is None:
        return ()
    if isinstance(node, Name):
        return (node.name,)
    if isinstance(node, Neg):
        return additive_names(node.operand)
    if isinstance(node, Bin):
        if node.op in "+-":
            return additive_names(node.left) + additive_names(node.right)
        if node.op == "*" and not names(node.left):
            return additive_names(node.right)
        if not names(node.right):
            return additive_names(node.left)
    return ()


def _field(name: str, value: Any, path: Path, problems: list[tuple[Path, str]]) -> Field | None:
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
