"""Version chains: a version file that ``extends`` another states only what changed.

A new ordinance version usually changes a few figures. Its file names the version it builds on
and gives only the differences::

    ruleset: kr/example
    version: 2024-03
    extends: 2023-07
    effective: {from: 2024-03, basis: billing_month}
    charges:
      levy:
        rate: {base: 170, factors: [...]}    # only the levy changed

The resolved version is the version it extends (itself resolved first), deep-merged with the
file:

* mappings merge key by key, recursively;
* lists and plain values replace what they override (a tier list is replaced whole);
* ``null`` deletes a key (``charges: {sewer: null}`` drops the sewer charge);
* ``sources`` (a list) merges by source ``id``: a source with a known id replaces it, a new id
  is added after the inherited ones;
* ``version``, ``extends`` and ``effective`` belong to each file and are never inherited.

Every value of the resolved version remembers the file, line and column it came from, so a
problem in an inherited figure points to the file that wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import yaml

from ..errors import Problem, RulesetError
from ..money import format_amount
from .yamlio import Located, load_yaml

__all__ = [
    "NOT_INHERITED",
    "Resolved",
    "extend",
    "load_single",
    "ordered_problems",
    "resolve_extends",
    "to_yaml",
]

Path = tuple[str | int, ...]
Origin = tuple[str, int, int]
_T = TypeVar("_T")

#: Top-level fields that describe one file and are never taken from the version it extends.
NOT_INHERITED = frozenset({"version", "extends", "effective"})


@dataclass(frozen=True)
class Resolved:
    """A version's data after ``extends``, with the origin (file, line, col) of every node."""

    source: str
    data: Any
    origins: Mapping[Path, Origin] = field(repr=False)

    @classmethod
    def of(cls, located: Located) -> Resolved:
        """A single file's data, as read (nothing extended yet)."""
        origins = {path: (located.source, line, col) for path, (line, col) in located.positions.items()}
        origins.setdefault((), (located.source, 1, 1))
        return cls(located.source, located.data, origins)

    def where(self, path: Path) -> Origin:
        """File, line and column of ``path`` or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found
        return (self.source, 1, 1)

    def problem(self, path: Path, message: str) -> Problem:
        """A :class:`Problem` at the file and place that wrote ``path``.

        A problem in an inherited value says which version inherits it.
        """
        source, line, col = self.where(path)
        if source != self.source:
            message += f" (inherited by {_label(self.data)}, {self.source})"
        return Problem(source, line, col, message)

    @property
    def ruleset(self) -> str:
        value = self.data.get("ruleset") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else ""

    @property
    def version(self) -> str:
        value = self.data.get("version") if isinstance(self.data, dict) else None
        return "" if value is None or isinstance(value, (dict, list)) else str(value)

    @property
    def extends(self) -> str | None:
        value = self.data.get("extends") if isinstance(self.data, dict) else None
        return None if value is None or isinstance(value, (dict, list)) else str(value)


def _label(data: Any) -> str:
    if isinstance(data, dict):
        return f"{data.get('ruleset')}@{data.get('version')}"
    return "?"


def extend(parent: Resolved, child: Resolved) -> Resolved:
    """``child`` deep-merged over ``parent`` (see the module docstring for the rules)."""
    data = {key: value for key, value in parent.data.items() if key not in NOT_INHERITED}
    origins = {
        path: origin for path, origin in parent.origins.items() if not (path and path[0] in NOT_INHERITED)
    }
    origins[()] = child.origins.get((), (child.source, 1, 1))
    merged = _merge(data, child.data, (), origins, child.origins)
    # Keep the fields in the order the chain wrote them (version, extends, effective in place).
    order = [*parent.data, *(key for key in child.data if key not in parent.data)]
    if "extends" not in parent.data and "extends" in merged:
        order.insert(order.index("version") + 1 if "version" in order else 0, "extends")
    ordered = {key: merged[key] for key in dict.fromkeys(order) if key in merged}
    return Resolved(child.source, ordered, origins)


def _merge(
    base: dict[Any, Any],
    over: dict[Any, Any],
    path: Path,
    origins: dict[Path, Origin],
    over_origins: Mapping[Path, Origin],
) -> dict[Any, Any]:
    result = dict(base)
    for key, value in over.items():
        here = (*path, key)
        old = result.get(key)
        if value is None:
            result.pop(key, None)
            _drop(origins, here)
        elif here == ("sources",) and isinstance(old, list) and isinstance(value, list):
            result[key] = _merge_sources(old, value, origins, over_origins)
        elif isinstance(old, dict) and isinstance(value, dict):
            if here in over_origins:
                origins[here] = over_origins[here]
            result[key] = _merge(old, value, here, origins, over_origins)
        else:
            _drop(origins, here)
            _copy(over_origins, here, origins, here)
            result[key] = value
    return result


def _merge_sources(
    old: list[Any], new: list[Any], origins: dict[Path, Origin], over_origins: Mapping[Path, Origin]
) -> list[Any]:
    """Sources merge by id: replaced in place, new ones appended."""
    base = ("sources",)
    inherited = dict(origins)
    entries: list[tuple[Any, Mapping[Path, Origin], int]] = [
        (item, inherited, index) for index, item in enumerate(old)
    ]
    positions = {_source_id(item): pos for pos, item in enumerate(old) if _source_id(item)}
    for index, item in enumerate(new):
        ident = _source_id(item)
        if ident is not None and ident in positions:
            entries[positions[ident]] = (item, over_origins, index)
        else:
            entries.append((item, over_origins, index))
    _drop(origins, base)
    origins[base] = over_origins.get(base, inherited.get(base, ("", 1, 1)))
    result = []
    for position, (item, where, index) in enumerate(entries):
        _copy(where, (*base, index), origins, (*base, position))
        result.append(item)
    return result


def _source_id(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _drop(origins: dict[Path, Origin], prefix: Path) -> None:
    size = len(prefix)
    for path in [p for p in origins if p[:size] == prefix]:
        del origins[path]


def _copy(source: Mapping[Path, Origin], prefix: Path, target: dict[Path, Origin], to: Path) -> None:
    size = len(prefix)
    for path, origin in source.items():
        if path[:size] == prefix:
            target[(*to, *path[size:])] = origin


def resolve_extends(files: Iterable[Resolved]) -> tuple[list[Resolved], list[tuple[str, Problem]]]:
    """Resolve every file's ``extends`` chain within its ruleset.

    Returns the resolved versions (files that extend nothing come back unchanged) and the
    problems found (a missing or looping chain), each with the ruleset id it belongs to.
    """
    given = list(files)
    by_key: dict[tuple[str, str], Resolved] = {}
    for item in given:
        by_key.setdefault((item.ruleset, item.version), item)
    done: dict[int, Resolved | None] = {}
    problems: list[tuple[str, Problem]] = []

    def resolve(item: Resolved, chain: Sequence[str]) -> Resolved | None:
        key = id(item)
        if key in done:
            return done[key]
        parent_label = item.extends
        if parent_label is None:
            done[key] = item
            return item
        if item.version in chain:
            loop = " → ".join([*chain[chain.index(item.version) :], item.version])
            problems.append((item.ruleset, item.problem(("extends",), f"the extends chain loops: {loop}")))
            done[key] = None
            return None
        parent = by_key.get((item.ruleset, parent_label))
        if parent is None:
            known = sorted(v for (r, v) in by_key if r == item.ruleset and v != item.version)
            hint = "" if known else "; load (or validate) the ruleset's whole directory"
            problems.append(
                (
                    item.ruleset,
                    item.problem(
                        ("extends",),
                        f"extends {parent_label!r}, but {item.ruleset} has no readable version "
                        f"{parent_label!r} (versions: {', '.join(known) or 'none'}){hint}",
                    ),
                )
            )
            done[key] = None
            return None
        base = resolve(parent, [*chain, item.version])
        if base is None:
            if key not in done:
                problems.append(
                    (
                        item.ruleset,
                        item.problem(("extends",), f"extends {parent_label!r}, which could not be resolved"),
                    )
                )
            done[key] = None
            return None
        merged = extend(base, item)
        done[key] = merged
        return merged

    resolved = []
    for item in given:
        result = resolve(item, [])
        if result is not None:
            resolved.append(result)
    return resolved, problems


def ordered_problems(problems: Iterable[Problem], first: str) -> list[Problem]:
    """Without repeats, the file ``first``'s own problems first, each file's in line order."""
    return sorted(set(problems), key=lambda p: (p.path != first, p.path, p.line, p.column, p.message))


def load_single(text: str, name: str, compile: Callable[[Resolved], _T]) -> _T:
    """Read one version file on its own and ``compile`` it, whatever it holds (a tariff or
    late-payment rules); raise every problem found at file:line:col.

    One run finds everything it can: duplicate keys and every problem ``compile`` reports,
    the file's own first. A file that ``extends`` another version needs that version's file
    too: load the ruleset's directory instead (see :func:`tariffcore.load_catalog`).
    """
    located = load_yaml(text, name, keep_going=True)
    if not isinstance(located.data, dict):
        raise RulesetError([Problem(name, 1, 1, "a ruleset file must be a mapping of fields")])
    version = Resolved.of(located)
    if version.extends is not None:
        raise RulesetError(
            [
                *located.problems,
                version.problem(
                    ("extends",),
                    f"extends {version.extends!r}: load the ruleset's directory to resolve "
                    "the version it extends",
                ),
            ]
        )
    try:
        compiled = compile(version)
    except RulesetError as exc:
        raise RulesetError(ordered_problems([*located.problems, *exc.problems], name)) from None
    if located.problems:
        raise RulesetError(located.problems)
    return compiled


class _Dumper(yaml.SafeDumper):
    """Writes resolved versions back as YAML: exact numbers, dates, keys in written order."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format_amount(value)
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(
    date, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())
)


def to_yaml(data: Mapping[str, Any]) -> str:
    """A resolved version as YAML that :func:`tariffcore.format.yamlio.load_yaml` reads back to the
    same data (numbers stay exact)."""
    return yaml.dump(
        dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
