"""One customer class of an OWRS file, read once into fields ready to evaluate.

Each field is read as :mod:`tariffcore_owrs.field` says; this module reads the class as a whole.
Before that, field names are standardised as the OWRS survey did before billing (OWRS-Analysis
``standardize_OWRS_names``): ``tier_starts_commodity`` and its kin lose the ``_commodity``
suffix, ``commodity_charge: flat_rate_commodity*usage_ccf`` becomes ``flat_rate*usage_ccf``,
and the four drought and wastewater fields no survey bill used are set aside. Two departures,
both where RateParser would stop: a formula that still names a field by its old name reads
that field (with a warning), and a set-aside field that a formula does use is kept.

Everything that cannot be evaluated is a problem at the field's place, found once when the file
is read; so are formulas that refer to each other in a circle. Names that are neither fields nor
data columns, and maps that leave out combinations of their keys, are warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .field import Field, Path, budget_rounded, read_field
from .formula import Bin, Name, Neg, Node, names

__all__ = [
    "DROPPED",
    "MAX_FIELDS",
    "RENAMED",
    "Block",
    "additive_names",
    "budget_rounded",  # defined in .field
    "compile_block",
]

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
#: The most fields one class may have.
MAX_FIELDS = 300


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
        read = read_field(new, value, path, own)
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
