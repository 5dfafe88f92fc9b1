"""Billing one class of an OWRS file for one row of data, as RateParser does, exactly.

RateParser (``calculate_class_bill``) evaluates **every** field of the class in file order:

* a field whose name is also a data column is not evaluated — the data value wins;
* a formula may use a field written further down: that field is evaluated first;
* a map looks up the text of its ``depends_on`` values joined by ``|`` (``Summer|1|Low``) among
  its keys; those values must be data or fields already evaluated (a map does not look ahead);
* ``Tiered`` and ``Budget`` split the usage between tiers (:mod:`tariffcore_owrs.tiers`);
* any failure fails the bill.

The result keeps what explains the bill: every value, the key each map used, the tier slices.
Nothing is guessed: a value the row lacks, a key a map lacks, text where a number is needed,
a division by zero, each is an :class:`EvaluationError` that names the field and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .block import Block
from .errors import EvaluationError
from .exact import ExactError, literal, r_text
from .field import RATE_FIELDS, Field, Item
from .formula import Node, evaluate, names
from .tiers import TierCharge, budget_starts, split

__all__ = ["Chosen", "Evaluation", "EvaluationError", "evaluate_block"]

#: What a field evaluates to: a number, or a list of tier starts or prices.
Result = Fraction | tuple[Item, ...]
#: The value a map picked: a number, a formula or a list.
Chosen = Fraction | Node | tuple[Item, ...]


@dataclass
class Evaluation:
    """Every value of one class evaluated for one row."""

    values: dict[str, Result] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # fields in the order evaluated
    keys: dict[str, str] = field(default_factory=dict)  # map field → the key it used
    chosen: dict[str, Chosen] = field(default_factory=dict)  # map field → the value it used
    tiers: dict[str, TierCharge] = field(default_factory=dict)
    data_used: set[str] = field(default_factory=set)  # the row's data values the class read


class _Run:
    def __init__(self, block: Block, data: Mapping[str, str | Fraction]) -> None:
        self.block = block
        self.fields = block.fields
        self.data = data
        self.result = Evaluation()

    # -- names

    def available(self, name: str) -> bool:
        return name in self.data or self.block.canonical(name) in self.result.values

    def value(self, name: str, user: str) -> Result:
        """The value of ``name`` for ``user``'s formula (data first, then fields)."""
        if name in self.data:
            self.result.data_used.add(name)
            given = self.data[name]
            if isinstance(given, Fraction):
                return given
            try:
                return literal(given)
            except ExactError:
                raise EvaluationError(
                    f"{user} needs {name} as a number, and the row gives {given!r}"
                ) from None
        found = self.result.values.get(self.block.canonical(name))
        if found is None:
            raise EvaluationError(
                f"{user} uses {name}, which is neither a field of "
                f"{self.block.name} nor a data value of the row: give the "
                f"column '{name}'",
                code="missing_value",
            )
        return found

    def number(self, name: str, user: str) -> Fraction:
        value = self.value(name, user)
        if not isinstance(value, Fraction):
            raise EvaluationError(f"{user} uses {name} as a number, but it is a list ({_items(value)})")
        return value

    # -- dependencies

    def needs(self, item: Field) -> list[str]:
        """The fields ``item`` needs before it can be evaluated, in the order RateParser meets
        them; raises when a map's key uses a field not evaluated yet."""
        if item.kind == "formula":
            assert item.formula is not None
            return [self.block.canonical(n) for n in names(item.formula) if n not in self.data]
        if item.kind == "map":
            assert item.map is not None
            for column in item.map.depends_on:
                if not self.available(column):
                    later = column in self.fields
                    raise EvaluationError(
                        f"{item.name} depends on {column}, "
                        + (
                            "a field not evaluated yet at that point: a map looks its key up "
                            "only among data values and fields already evaluated (RateParser "
                            f"does not look ahead for a key); give the column '{column}' or "
                            "write the field earlier"
                            if later
                            else f"which the row does not give: give the column '{column}'"
                        ),
                        code="invalid_value" if later else "missing_value",
                    )
            chosen = self.select(item)
            if isinstance(chosen, (Fraction, tuple)):
                return []
            return [self.block.canonical(n) for n in names(chosen) if n not in self.data]
        if item.kind == "rate":
            starts, prices, budget = RATE_FIELDS[item.name]
            wanted = [starts, prices] + ([budget] if item.rate == "Budget" else [])
            if item.rate == "Budget" and self.available(starts):
                value = self.value(starts, item.name)
                if isinstance(value, tuple):
                    wanted += [word for word in ("indoor", "outdoor") if word in value]
            return wanted
        return []

    def select(self, item: Field) -> Chosen:
        assert item.map is not None
        parts = []
        for column in item.map.depends_on:
            value = (
                self.data[column] if column in self.data else self.result.values[self.block.canonical(column)]
            )
            if column in self.data:
                self.result.data_used.add(column)
            if isinstance(value, tuple):
                raise EvaluationError(f"{item.name} depends on {column}, which is a list")
            parts.append(_key_part(value))
        key = "|".join(parts)
        found = item.map.values.get(key)
        if found is None:
            described = " and ".join(f"{c} = {p!r}" for c, p in zip(item.map.depends_on, parts))
            if any(part.strip() in ("", "NA") for part in parts):
                raise EvaluationError(
                    f"{item.name} depends on {', '.join(item.map.depends_on)}, "
                    f"and the row gives no value ({described})",
                    code="missing_value",
                )
            known = ", ".join(list(item.map.values)[:12])
            more = ", …" if len(item.map.values) > 12 else ""
            raise EvaluationError(
                f"{item.name} has no value for {described} (its keys: {known}{more})", code="no_rate"
            )
        chosen = Fraction(found) if isinstance(found, (int, Decimal)) else found  # bounded when read
        self.result.keys[item.name] = key
        self.result.chosen[item.name] = chosen
        return chosen

    # -- evaluation

    def run(self) -> Evaluation:
        for name in self.fields:
            self.ensure(name)
        return self.result

    def ensure(self, target: str) -> None:
        """Evaluate ``target`` after the fields it needs, without recursion (a chain of
        forward references is as long as the class, not the stack)."""
        if self.available(target):
            return
        stack = [target]
        while stack:
            name = stack[-1]
            if self.available(name):
                stack.pop()
                continue
            item = self.fields[name]
            missing = [n for n in self.needs(item) if not self.available(n) and n in self.fields]
            if missing:
                ahead = missing[0]
                if ahead in stack:
                    circle = " → ".join([*stack[stack.index(ahead) :], ahead])
                    raise EvaluationError(
                        f"fields of {self.block.name} refer to each other in a circle: {circle}"
                    )
                stack.append(ahead)
                continue
            self.result.values[name] = self.compute(item)
            self.result.order.append(name)
            stack.pop()

    def compute(self, item: Field) -> Result:
        try:
            if item.kind == "number":
                assert item.number is not None
                return item.number
            if item.kind == "list":
                assert item.items is not None
                return item.items
            if item.kind == "formula":
                assert item.formula is not None
                return self.formula(item.formula, item.name)
            if item.kind == "map":
                chosen = self.result.chosen[item.name]
                if isinstance(chosen, (Fraction, tuple)):
                    return chosen
                return self.formula(chosen, item.name)
            return self.rate(item)
        except ZeroDivisionError:
            raise EvaluationError(f"{item.name} divides by zero") from None
        except ExactError as exc:
            raise EvaluationError(f"{item.name}: {exc}") from None

    def formula(self, node: Node, user: str) -> Fraction:
        return evaluate(node, lambda name: self.number(name, user))

    def rate(self, item: Field) -> Fraction:
        starts_name, prices_name, budget_name = RATE_FIELDS[item.name]
        starts = self.value(starts_name, item.name)
        prices = self.value(prices_name, item.name)
        starts_list = starts if isinstance(starts, tuple) else (starts,)
        prices_list = prices if isinstance(prices, tuple) else (prices,)
        if len(starts_list) != len(prices_list):
            raise EvaluationError(
                f"{item.name} is {item.rate}: {starts_name} has "
                f"{len(starts_list)} tiers but {prices_name} has "
                f"{len(prices_list)}"
            )
        rates = []
        for index, price in enumerate(prices_list):
            if not isinstance(price, Fraction):
                raise EvaluationError(f"{prices_name} item {index + 1} is {price!r}, not a price")
            rates.append(price)
        usage = self.number("usage_ccf", item.name)
        if item.rate == "Tiered":
            bounds = []
            for index, start in enumerate(starts_list):
                if not isinstance(start, Fraction):
                    raise EvaluationError(
                        f"{item.name} is Tiered, and {starts_name} item "
                        f"{index + 1} is {start!r}: percentages and budget "
                        "words are for Budget rates"
                    )
                bounds.append(start)
            charge = split(item.rate, usage, tuple(bounds), tuple(rates), starts_list)
        else:
            budget = self.number(budget_name, item.name)
            words = {
                word: self.number(word, item.name) for word in ("indoor", "outdoor") if word in starts_list
            }
            converted = budget_starts(starts_list, budget, words)
            charge = split("Budget", usage, converted, tuple(rates), starts_list, budget=budget)
        self.result.tiers[item.name] = charge
        return charge.amount


def _key_part(value: str | Fraction) -> str:
    """A data value or field as text in a map key, numbers printed the R way."""
    if isinstance(value, Fraction):
        return r_text(value)
    text = value.strip()
    try:
        return r_text(literal(text))
    except ExactError:
        return text


def _items(value: Result) -> str:
    return ", ".join(str(item) for item in value) if isinstance(value, tuple) else str(value)


def evaluate_block(block: Block, data: Mapping[str, str | Fraction]) -> Evaluation:
    """Evaluate every field of ``block`` for one row; ``data`` holds the row's data values
    (text as read, or exact numbers such as ``usage_ccf``)."""
    return _Run(block, data).run()
