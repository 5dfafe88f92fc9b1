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
from .budgets import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

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


def _compose(text: str, source: str) -> tuple[Any, Any]:
    """The document's root node and the loader that composed it (libyaml when it can; a
    document it rejects is parsed again in Python, whose messages the errors quote, unless
    the Python parser cannot go as deep as the document: then libyaml's message stands)."""
    first: yaml.YAMLError | None = None
    for index, kind in enumerate(_LOADERS):
        loader = kind(text)
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError as exc:
            first = first or exc
            if index + 1 == len(_LOADERS) or "maximum nesting depth" in str(exc):
                raise  # no parser goes deeper than libyaml's limit: say so at once
        except RecursionError:
            if first is not None:
                raise first from None
            raise RulesetError(
                [
                    Problem(
                        source,
                        1,
                        1,
                        f"the file nests deeper than {MAX_DEPTH} levels, the most a rule file may",
                    )
                ]
            ) from None
        finally:
            loader.dispose()
    raise AssertionError("unreachable")  # pragma: no cover


class _OverBudget(Exception):
    """The file holds more values than :data:`MAX_NODES` (aliases counted at each use)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


_TOO_DEEP = f"the file nests deeper than {MAX_DEPTH} levels, the most a rule file may"

#: The longest integer text converted to an int (digits beyond are kept as a Decimal).
_LONGEST_INT = 100

#: The tags a rule file may use: YAML's own for plain data. A custom tag (``!thing``) or a
#: language-specific one (``!!python/object``) is a problem, never constructed.
_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


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
    if len(text) > MAX_FILE_BYTES:
        raise RulesetError(
            [
                Problem(
                    source,
                    1,
                    1,
                    f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most a rule file may be",
                )
            ]
        )
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
        node, loader = _compose(text, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        row, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        # libyaml's own limit of nesting is far beyond the budget: say the budget's words
        message = _TOO_DEEP if "maximum nesting depth" in message else f"YAML syntax: {message}"
        raise RulesetError([Problem(source, row, col, message)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, at its place
        before = text[: exc.position]
        row, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise RulesetError(
            [Problem(source, row, col, f"the character U+{ord(character):04X} is not allowed in YAML text")]
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors in practice
        raise RulesetError([Problem(source, 1, 1, "YAML: " + " ".join(str(exc).split()))]) from None
    positions: dict[Path, tuple[int, int]] = {}
    if node is None:
        return Located(source, None, positions)
    try:
        data = _Builder(loader, positions, problems, source).build(node, (), None)
    except _OverBudget as exc:
        raise RulesetError([exc.problem]) from None
    if problems and not keep_going:
        raise RulesetError(problems)
    return Located(source, data, positions, tuple(problems))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Builds plain data from the composed nodes within the budgets: depth, number of values
    (an alias counts anew at every use), no alias inside itself, plain tags, billable numbers."""

    def __init__(
        self, loader: Any, positions: dict[Path, tuple[int, int]], problems: list[Problem], source: str
    ) -> None:
        self.loader = loader
        self.positions = positions
        self.problems = problems
        self.source = source
        self.count = 0
        self.open: set[int] = set()  # the nodes being built: an alias to one is recursive

    def problem(self, mark: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.source, *mark, message))

    def build(self, node: yaml.Node, path: Path, at: tuple[int, int] | None) -> Any:
        """The data of ``node`` at ``path``; ``at`` is where the path is written (its key)."""
        mark = _mark(node)
        self.positions.setdefault(path, mark)
        self.count += 1
        if self.count > MAX_NODES:
            raise _OverBudget(
                Problem(
                    self.source,
                    *(at or mark),
                    f"the file holds more than {MAX_NODES:,} values (each use of an alias "
                    "counted), the most a rule file may",
                )
            )
        if node.tag not in _TAGS:
            self.problem(
                mark,
                f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not part of the format: write plain values",
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.open:
            self.problem(at or mark, "an alias inside the value it names: the value would never end")
            return None
        if len(path) >= MAX_DEPTH:
            self.problem(mark, _TOO_DEEP)
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.build(item, (*path, index), None) for index, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, tuple[int, Any]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(_mark(key_node), "merge keys ('<<') are not supported; use 'extends'")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(_mark(key_node), "a key must be a plain value")
                continue
            key = self.build(key_node, (*path, "\0key"), None)
            self.positions.pop((*path, "\0key"), None)
            if key is None and key_node.tag not in ("tag:yaml.org,2002:null",):
                continue
            if not isinstance(key, (str, int)):
                key = str(key)
            same = _same_key(key)
            if same in seen:
                line, first = seen[same]
                also = "" if first == key else f", the same as {first!r}"
                self.problem(_mark(key_node), f"duplicate key {key!r}{also} (first given on line {line})")
                continue
            seen[same] = (key_node.start_mark.line + 1, key)
            child = (*path, key)
            self.positions[child] = _mark(key_node)
            result[key] = self.build(value_node, child, _mark(key_node))
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = str(node.value)
        if node.tag == _FLOAT_TAG:
            try:
                number = Decimal(text.replace("_", ""))
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                self.problem(_mark(node), f"{node.value!r} is not a finite number")
                return node.value
            return number
        if node.tag == _INT_TAG or (not node.style and _LEADING_ZERO.fullmatch(text)):  # plain
            unclear = _unclear_number(text)
            if unclear:
                self.problem(_mark(node), unclear)
                return text
        if node.tag == _INT_TAG:
            if ":" in text:
                # YAML 1.1 reads 1:20 as a base-60 integer; nobody writing a tariff means that.
                return text
            if len(text) > _LONGEST_INT:
                # Python converts at most 4,300 digits to an int; a number this long is kept
                # exact as a Decimal and refused by the models that expect a billable number.
                try:
                    return Decimal(text.replace("_", ""))
                except InvalidOperation:
                    return text
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            what = "date" if node.tag.endswith(":timestamp") else node.tag.rpartition(":")[2]
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(_mark(node), f"{_short(text)!r} is not a valid {what}: {reason}")
            return None
        return value


#: A plain number written with a leading zero (``0170``), or in base 16, 8 or 2 (``0x10``,
#: ``0o17``, ``0b101``).
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
_OTHER_BASE = re.compile(r"[-+]?0[xXoObB][0-9a-fA-F_]*")


def _unclear_number(text: str) -> str | None:
    """Why the plain number ``text`` cannot be taken as written, or ``None`` when it can.

    YAML 1.1 reads ``0170`` as octal (120), ``0x10`` as hexadecimal (16) and ``0b11`` as
    binary, but ``0850`` as the text "0850": a rate or a tier bound written so would bill a
    figure nobody wrote. Such numbers are refused; text that looks so is quoted.
    """
    if _LEADING_ZERO.fullmatch(text):
        digits = text.lstrip("+-").lstrip("0_") or "0"
        return (
            f"{text!r} starts with a zero, so YAML reads it as an octal number (0170 is 120) "
            f"or as text: write {digits} (or quote it, if it is text)"
        )
    if _OTHER_BASE.fullmatch(text):
        return f"{text!r} is not a decimal number: write numbers in decimal (or quote it, if it is text)"
    return None


def _same_key(key: str | int) -> str | int:
    """What ``key`` stands for when keys are compared: a number, written in any of the ways
    that read as the same number (``13``, ``"13"``, ``13.0``), is one key."""
    text = str(key)
    if _DECIMAL_KEY.fullmatch(text):
        number = Decimal(text.replace("_", "")).normalize()
        return f"{number:f}"
    return key


_DECIMAL_KEY = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?")


def _short(text: str) -> str:
    """``text``, cut to 40 characters for a message."""
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text):,} characters)"
