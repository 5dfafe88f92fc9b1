"""A safe arithmetic language for OWRS formulas: numbers, names, ``+ - * /`` and parentheses.

An OWRS rate file writes charges as formulas such as ``service_charge+commodity_charge`` or
``1.014*(service_charge+commodity_charge)``. They are parsed here into a small tree of our own
(:class:`Num`, :class:`Name`, :class:`Neg`, :class:`Bin`) and evaluated over exact rationals;
nothing is ever handed to Python's ``eval`` or compiled. Anything outside the language — a
function call, an attribute, an exponent, a string, a comparison — is a :class:`FormulaError`
that names what was found and where. The parser bounds the text's length, the nesting depth and
the number of nodes, and every literal's digits, so no formula can exhaust the stack, the memory
or the time of a bill.

:class:`Round` (R's ``round``, half to even) is never parsed from a file: it is built by
:mod:`tariffcore_owrs.field` for the budget rounding RateParser applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .exact import ExactError, check_size, literal, round_half_even

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Bin",
    "FormulaError",
    "Name",
    "Neg",
    "Node",
    "Num",
    "Round",
    "evaluate",
    "names",
    "parse",
    "parse_sequence",
    "show",
]

#: The longest formula accepted, in characters (the longest in the OWRS corpus has 133).
MAX_LENGTH = 1000
#: The deepest nesting of parentheses and signs accepted.
MAX_DEPTH = 40
#: The most numbers, names and operators one formula may hold.
MAX_NODES = 250


class FormulaError(ValueError):
    """A formula outside the language, with the 0-based ``offset`` of what is wrong."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Num:
    value: Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # one of + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Round:
    """``round(operand)``, half to even (R's ``round``); built, never parsed."""

    operand: Node


Node = Num | Name | Neg | Bin | Round

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[-+*/()])
""",
    re.VERBOSE,
)

#: What a character the language lacks usually means, for the message.
_REFUSED = {
    "^": "the power operator '^' is not supported",
    "%": "'%' operators are not supported",
    ".": "attribute access ('.') is not supported",
    "[": "indexing ('[') is not supported",
    "]": "indexing (']') is not supported",
    "'": "text in quotes is not supported",
    '"': "text in quotes is not supported",
    "=": "assignments and comparisons are not supported",
    "<": "comparisons are not supported",
    ">": "comparisons are not supported",
    "!": "logical operators are not supported",
    "&": "logical operators are not supported",
    "|": "logical operators are not supported",
    ",": "',' (argument lists) is not supported",
    ";": "';' (several statements) is not supported",
    "$": "'$' (element access) is not supported",
    "@": "'@' (slot access) is not supported",
    "~": "'~' (formulas of models) is not supported",
    "{": "braces are not supported",
    "}": "braces are not supported",
}

_LANGUAGE = "a formula holds only numbers, names, + - * / and parentheses"


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            reason = _REFUSED.get(char, f"the character {char!r} is not part of the language")
            if char == "*" and text.startswith("**", position):  # pragma: no cover - '*' matches
                reason = _REFUSED["^"]
            raise FormulaError(f"{reason}: {_LANGUAGE}", position)
        kind = match.lastgroup or ""
        if kind != "space":
            yield kind, match.group(), position
        position = match.end()
    yield "end", "", len(text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)  # read as the parser goes: the first fault is reported
        self.ahead: tuple[str, str, int] | None = None
        self.nodes = 0

    def peek(self) -> tuple[str, str, int]:
        if self.ahead is None:
            self.ahead = next(self.tokens)
        return self.ahead

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.ahead = None
        return token

    def count(self, offset: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError(f"the formula has more than {MAX_NODES} numbers, names and operators", offset)

    def expression(self, depth: int) -> Node:
        node = self.term(depth)
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            _, op, offset = self.take()
            self.count(offset)
            node = Bin(op, node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            _, op, offset = self.take()
            if op == "*" and self.peek()[1] == "*":
                raise FormulaError(f"the power operator '**' is not supported: {_LANGUAGE}", offset)
            self.count(offset)
            node = Bin(op, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        kind, value, offset = self.peek()
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula nests parentheses and signs more than {MAX_DEPTH} deep", offset)
        if kind == "op" and value in ("-", "+"):
            self.take()
            self.count(offset)
            operand = self.unary(depth + 1)
            return Neg(operand) if value == "-" else operand
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        kind, value, offset = self.take()
        self.count(offset)
        if kind == "number":
            following = self.text[offset + len(value) : offset + len(value) + 1]
            if following[:1] in ("e", "E"):
                raise FormulaError(
                    f"exponent notation ({value}{following}…) is not supported: write the number out", offset
                )
            try:
                return Num(literal(value), value)
            except ExactError as exc:
                raise FormulaError(str(exc), offset) from None
        if kind == "name":
            ahead = self.peek()
            if ahead[1] == "(" and ahead[0] == "op":
                raise FormulaError(f"function calls ({value}(…)) are not supported: {_LANGUAGE}", offset)
            return Name(value)
        if kind == "op" and value == "(":
            inner = self.expression(depth + 1)
            closing = self.take()
            if closing[1] != ")":
                raise FormulaError(_unexpected(closing, "')'"), closing[2])
            return inner
        raise FormulaError(_unexpected((kind, value, offset), "a number, a name or '('"), offset)


def _unexpected(token: tuple[str, str, int], wanted: str) -> str:
    kind, value, _ = token
    found = "the end of the formula" if kind == "end" else repr(value)
    return f"expected {wanted}, found {found}"


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """The tree of ``text``; a :class:`FormulaError` when it is not in the language.

    Parsed trees are immutable and cached by text: the same formula (``service_charge+
    commodity_charge``) appears in hundreds of rate files.
    """
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are accepted", MAX_LENGTH
        )
    if not text.strip():
        raise FormulaError("the formula is empty", 0)
    parser = _Parser(text)
    node = parser.expression(0)
    kind, value, offset = parser.peek()
    if kind != "end":
        raise FormulaError(_unexpected((kind, value, offset), "an operator or the end"), offset)
    return node


def parse_sequence(pieces: list[tuple[str, Node]]) -> Node:
    """``Node op Node op …`` combined with the usual precedence (``*`` before ``+``); ``pieces``
    is ``[("", first), (op, second), …]`` with ``op`` in ``+`` and ``*``."""
    sums: list[tuple[str, Node]] = []
    for op, node in pieces:
        if op == "*" and sums:
            sign, left = sums[-1]
            sums[-1] = (sign, Bin("*", left, node))
        else:
            sums.append((op, node))
    result = sums[0][1]
    for op, node in sums[1:]:
        result = Bin(op or "+", result, node)
    return result


@lru_cache(maxsize=8192)
def names(node: Node) -> tuple[str, ...]:
    """The names ``node`` uses, each once, in the order R evaluates them (left to right)."""
    found: dict[str, None] = {}
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.setdefault(current.name, None)
        elif isinstance(current, Bin):
            stack.append(current.right)
            stack.append(current.left)
        elif isinstance(current, (Neg, Round)):
            stack.append(current.operand)
    return tuple(found)


def evaluate(node: Node, value_of: Callable[[str], Fraction]) -> Fraction:
    """The exact value of ``node``; ``value_of`` gives each name's value (or raises).

    Division by zero raises :class:`ZeroDivisionError`; a value that outgrows
    :func:`~tariffcore_owrs.exact.check_size` raises :class:`~tariffcore_owrs.exact.ExactError`.
    """
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return value_of(node.name)
    if isinstance(node, Neg):
        return -evaluate(node.operand, value_of)
    if isinstance(node, Round):
        return Fraction(round_half_even(evaluate(node.operand, value_of)))
    left = evaluate(node.left, value_of)
    right = evaluate(node.right, value_of)
    if node.op == "+":
        result = left + right
    elif node.op == "-":
        result = left - right
    elif node.op == "*":
        result = left * right
    else:
        result = left / right
    return check_size(result)


def show(node: Node, parent: int = 0) -> str:
    """``node`` written back as a formula (with only the parentheses it needs)."""
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Neg):
        return "-" + show(node.operand, 3)
    if isinstance(node, Round):
        return f"round({show(node.operand)})"
    level = 1 if node.op in "+-" else 2
    right_level = level + 1 if node.op in "-/" else level
    text = f"{show(node.left, level)}{node.op}{show(node.right, right_level)}"
    return f"({text})" if level < parent else text
