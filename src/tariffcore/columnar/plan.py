"""A kind of account's bills over a column of usages: kernels run, lines rounded and summed.

:class:`KindPlan` is made once per lean bill (one version, one kind of account; see
:class:`~tariffcore.engine.LeanBill`): its charges' kernels, their roundings and the fixed
text of its JSON line. :meth:`KindPlan.compute` bills a column of usages of that kind: every
charge's :class:`~tariffcore.charges.KernelLine`, its amount rounded and in minor units, and
the total, with the rows the scalar engine must bill instead (a kernel's fallback, a figure
over ``int64``, a fraction of the minor unit, a usage the billing cycle refuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import numpy as np

from ..charges import ChargeKernel, KernelLine
from ..money import MINOR_UNITS, Rounding
from ..rows import compact_json
from .amounts import minor_units
from .column import DecimalColumn, Ops

__all__ = ["Computed", "KindBill", "KindPlan", "LineText", "Texts"]


class _Entry(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def rounding(self) -> Rounding | None: ...


class _LineTemplate(Protocol):
    head: str
    tail: str
    charge: str


class _BillTemplate(Protocol):
    head: str
    middle: str
    tail: str


class KindBill(Protocol):
    """What the columnar backend reads of a lean bill (:class:`~tariffcore.engine.LeanBill`)."""

    steps: Sequence[Any]  # each with its line's template, ``template``
    template: Any
    limit: Decimal | None
    currency: str
    kernels: Sequence[tuple[Any, ChargeKernel | None]]
    facts: Any


class Texts:
    """Texts numbered in order of first use: a column of numbers stands for a column of texts."""

    __slots__ = ("items", "numbers")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.numbers: dict[str, int] = {}

    def number(self, text: str) -> int:
        found = self.numbers.get(text)
        if found is None:
            found = self.numbers[text] = len(self.items)
            self.items.append(text)
        return found


def _text(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


@dataclass
class LineText:
    """The fixed text of one charge's lean line (:class:`~tariffcore.rows.LineTemplate`),
    split around its amount and its quantity: ``head`` + amount + ``middle`` + the usage (on
    the rows where the quantity is the usage) + one of ``tails`` (by unit price and rule)."""

    head: int
    usage_middle: int
    fixed_middle: int | None
    tails: dict[tuple[int, int], int]
    template: Any
    unit: str | None

    def tail(self, texts: Texts, rule: str, price: Decimal | None, after_usage: bool) -> int:
        key = (texts.number(rule), -1 if price is None else texts.number(_text(price)))
        key = (key[0] * 2 + after_usage, key[1])
        found = self.tails.get(key)
        if found is None:
            named = f"{self.template.charge}.{rule}" if rule else self.template.charge
            text = (
                ('"' if after_usage else "")
                + f',"unit":{compact_json(self.unit)},"unit_price":'
                + ("null" if price is None else '"' + _text(price) + '"')
                + f',"rule":{compact_json(named)}'
                + self.template.tail
            )
            found = self.tails[key] = texts.number(text)
        return found


@dataclass
class Computed:
    """A column of bills of one kind: per line, its amount in minor units, its text numbers
    (head, middle, tail), whether its quantity is the usage; the total; the rows left to the
    scalar engine (``fallback``)."""

    amounts: list[Any]
    heads: list[int]
    middles: list[Any]
    tails: list[Any]
    usage_quantity: list[Any]
    total: Any
    fallback: Any
    #: Each charge's line as its kernel gave it (for outputs that explain lines in full).
    lines: list[KernelLine] = field(default_factory=list)


class KindPlan:
    """The bills of one kind of account by columns (see the module)."""

    __slots__ = ("bill", "digits", "lines", "head", "middle", "tail", "kernels")

    def __init__(self, bill: KindBill, texts: Texts) -> None:
        self.bill = bill
        self.digits = MINOR_UNITS[bill.currency]
        self.kernels = [(entry, kernel) for entry, kernel in bill.kernels]
        template: _BillTemplate = bill.template
        self.head = texts.number(template.head)
        self.middle = texts.number(template.middle)
        self.tail = texts.number(template.tail)
        self.lines: list[LineText] = []
        for step in bill.steps:
            line = step.template
            self.lines.append(
                LineText(texts.number(line.head), texts.number('","quantity":"'), None, {}, line, None)
            )

    @property
    def covered(self) -> bool:
        """Whether every charge of the bill has a kernel."""
        return all(kernel is not None for _, kernel in self.kernels)

    def compute(self, usage: DecimalColumn, texts: Texts) -> Computed:
        """The bills of the usages ``usage`` (see :class:`Computed`)."""
        ops = usage.ops
        rows = ops.rows
        fallback = np.zeros(rows, dtype=bool)
        if self.bill.limit is not None:
            fallback |= usage.ge(self.bill.limit)  # the billing cycle refuses it: the engine says why
        total: Any = np.zeros(rows, dtype=np.int64)
        amounts, heads, middles, tails, quantities, made = [], [], [], [], [], []
        for (entry, kernel), text in zip(self.kernels, self.lines):
            assert kernel is not None
            line: KernelLine = kernel(usage, ops)
            if line.fallback is not None:
                fallback |= ops.mask(line.fallback)
            if line.present is not None:
                fallback |= ~ops.mask(line.present)  # a line some rows lack: the engine writes those
            amount = line.amount
            assert isinstance(amount, DecimalColumn)
            minor, inexact = minor_units(amount, entry.rounding, self.digits)
            fallback |= inexact
            total = ops.add(total, minor)
            text.unit = line.unit
            quantity: Any = line.quantity
            is_usage = quantity is usage
            if not is_usage and isinstance(quantity, DecimalColumn):
                fallback[:] = True  # a quantity of its own per row: the engine writes it
                is_usage = True
            if is_usage:
                middle: Any = text.usage_middle
            elif quantity is None:
                middle = texts.number('","quantity":null')
            else:
                middle = texts.number('","quantity":"' + _text(quantity))
            after = quantity is not None
            tails.append(_tails(ops, text, texts, line, after))
            amounts.append(minor)
            heads.append(text.head)
            middles.append(middle)
            quantities.append(is_usage)
            made.append(line)
        fallback |= ops.bad
        return Computed(amounts, heads, middles, tails, quantities, total, fallback, made)


def _tails(ops: Ops, text: LineText, texts: Texts, line: KernelLine, after_usage: bool) -> Any:
    """The number of each row's line tail (unit price and rule), as an int or an array."""
    rules, prices = line.rule, line.unit_price
    numbers = {
        (r, p): text.tail(texts, rule, price, after_usage)
        for r, rule in enumerate(rules.options)
        for p, price in enumerate(prices.options)
    }
    rule, price = _uniform(rules.index), _uniform(prices.index)
    if rule is not None and price is not None:  # the same on every row
        return numbers[rule, price]
    width = len(prices.options)
    table = np.full(len(rules.options) * width, -1, dtype=np.int32)
    for (r, p), number in numbers.items():
        table[r * width + p] = number
    index = np.asarray(rules.index, dtype=np.int64) * width + np.asarray(prices.index, dtype=np.int64)
    return table[np.broadcast_to(index, (ops.rows,))]


def _uniform(index: Any) -> int | None:
    """``index`` as one int when it is the same on every row, else ``None``."""
    if isinstance(index, (int, np.integer)):
        return int(index)
    values = np.asarray(index)
    if not len(values) or values.min() != values.max():
        return None
    return int(values[0])
