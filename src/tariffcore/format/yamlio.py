"""Reading YAML exactly: Decimal numbers, every node's line and column, no duplicate keys.

PyYAML's own loader turns ``12.30`` into a float and keeps the last of two equal keys. Rule
files need the opposite: every number exact, every duplicate reported, and every value traceable
to the ``file:line:col`` it came from so that a validation error can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ..errors import Problem, RulesetError

__all__ = ["Located", "load_yaml", "locate"]

Path = tuple[str | int, ...]

_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"


@dataclass(frozen=True)
class Located:
    """A YAML document as plain Python data plus the position of every node in it."""

    source: str
    data: Any
    positions: Mapping[Path, tuple[int, int]] = field(repr=False)
    #: Problems found while reading but kept (with ``keep_going``): duplicate keys and the like.
    problems: tuple[Problem, ...] = ()

    def where(self, path: Path) -> tuple[int, int]:
        """Line and column (1-based) of the node at ``path``, or of its nearest ancestor."""
        return locate(self.positions, path)

    def problem(self, path: Path, message: str) -> Problem:
        """A :class:`Problem` at the node at ``path``."""
        line, col = self.where(path)
        return Problem(self.source, line, col, message)


def locate(positions: Mapping[Path, tuple[int, int]], path: Path) -> tuple[int, int]:
    """Line and column of ``path``, falling back to the closest ancestor that has one."""
    for end in range(len(path), -1, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return (1, 1)


class _Constructor(yaml.SafeLoader):
    """SafeLoader whose scalars we construct one at a time (numbers become Decimal).

    Booleans follow YAML 1.2: only ``true`` and ``false``. YAML 1.1 also reads ``yes``,
    ``no``, ``on`` and ``off`` as booleans, which would turn a source tag ``OFF`` into False.
    """


_Constructor.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Constructor.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


if getattr(yaml, "__with_libyaml__", False):

    class _FastConstructor(yaml.CSafeLoader):
        """libyaml's parser with the same resolvers: a catalog of many rulesets loads fast."""

    _FastConstructor.yaml_implicit_resolvers = _Constructor.yaml_implicit_resolvers
    _LOADERS: tuple[Any, ...] = (_FastConstructor, _Constructor)
else:  # pragma: no cover - depends on how PyYAML was built
    _LOADERS = (_Constructor,)


def _compose(text: str) -> tuple[Any, Any]:
    """The document's root node and the loader that composed it (libyaml when it can; a
    document it rejects is parsed again in Python, whose messages the errors quote)."""
    for index, kind in enumerate(_LOADERS):
        loader = kind(text)
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError:
            if index + 1 == len(_LOADERS):
                raise
        finally:
            loader.dispose()
    raise AssertionError("unreachable")  # pragma: no cover


def load_yaml(text: str, source: str, *, keep_going: bool = False) -> Located:
    """Parse one YAML document into :class:`Located` data.

    Floats become :class:`~decimal.Decimal` from their written text; integers stay ``int``.
    Duplicate keys, tabs in indentation, several documents in one file and YAML syntax errors
    are raised together as a :class:`~tariffcore.errors.RulesetError` with ``file:line:col``.
    With ``keep_going``, problems that still leave usable data (a duplicate key keeps its first
    value) are returned in :attr:`Located.problems` instead, so that the data can be checked
    further in the same run; syntax errors and tabs still raise.
    """
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines() if "\t" in text else (), start=1):
        match = re.match(r"^( *)\t", line)
        if match:
            problems.append(
                Problem(
                    source,
                    number,
                    len(match.group(1)) + 1,
                    "tab character in indentation; YAML indents with spaces only",
                )
            )
    if problems:
        raise RulesetError(problems)
    try:
        node, loader = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise RulesetError([Problem(source, row, col, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors in practice
        raise RulesetError([Problem(source, 1, 1, f"YAML: {exc}")]) from None
    positions: dict[Path, tuple[int, int]] = {}
    if node is None:
        return Located(source, None, positions)
    data = _build(node, (), loader, positions, problems, source)
    if problems and not keep_going:
        raise RulesetError(problems)
    return Located(source, data, positions, tuple(problems))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _build(
    node: yaml.Node,
    path: Path,
    loader: _Constructor,
    positions: dict[Path, tuple[int, int]],
    problems: list[Problem],
    source: str,
) -> Any:
    positions.setdefault(path, _mark(node))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(source, *_mark(key_node), "merge keys ('<<') are not supported; use 'extends'")
                )
                continue
            key = _scalar(key_node, loader, problems, source)
            if isinstance(key, (dict, list)):
                problems.append(Problem(source, *_mark(key_node), "a key must be a plain value"))
                continue
            if not isinstance(key, (str, int)):
                key = str(key)
            if key in seen:
                problems.append(
                    Problem(
                        source,
                        *_mark(key_node),
                        f"duplicate key {key!r} (first given on line {seen[key]})",
                    )
                )
                continue
            seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            positions[child] = _mark(key_node)
            result[key] = _build(value_node, child, loader, positions, problems, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, index), loader, positions, problems, source)
            for index, item in enumerate(node.value)
        ]
    return _scalar(node, loader, problems, source)


def _scalar(node: yaml.Node, loader: _Constructor, problems: list[Problem], source: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return {} if isinstance(node, yaml.MappingNode) else []
    if node.tag == _FLOAT_TAG:
        text = str(node.value).replace("_", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            problems.append(Problem(source, *_mark(node), f"{node.value!r} is not a finite number"))
            return node.value
        return number
    if node.tag == _INT_TAG and ":" in str(node.value):
        # YAML 1.1 reads 1:20 as a base-60 integer; nobody writing a tariff means that.
        return str(node.value)
    return loader.construct_object(node, deep=True)
