"""Golden files: hand-computed cases stored in YAML in a ruleset's ``tests`` directory.

A golden file names its ruleset and holds golden bills (``bills:``, run by
:mod:`tariffcore.authoring.golden`), golden late-payment cases (``arrears:``, run by
:mod:`tariffcore.authoring.arrears_golden`), or both::

    ruleset: kr/example
    bills:
      - name: household, 35 m³
        account: {use_class: household, meter_mm: 15}
        reading: {usage_m3: 35, billing_month: 2025-03}
        expect: {lines: {water: 26250}, total: 26250}
    arrears:
      - name: 10 days late
        principal: 52000
        due: 2025-01-31
        as_of: 2025-02-10
        expect: {surcharges: {late_fee: 520}, total_due: 52520}

Every case has a ``name``, may name its own ``ruleset`` (or a pinned version of it) and has
an ``expect`` mapping. A golden bill may list the ``charges`` to bill (``charges: [water,
sewer]``): the others are not computed, so a case can test some charges of a version whose
other charges are unknown. :func:`load_golden_file` reads the file once and reports every problem
in it, in both lists, at file:line:col.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ..errors import BillingError, Problem, RulesetError
from ..format import Located, did_you_mean, load_yaml, read_rule_text
from ..money import D, format_amount
from ..rows import parse_month

__all__ = [
    "ArrearsCase",
    "GoldenCase",
    "GoldenCases",
    "load_arrears_golden",
    "load_golden",
    "load_golden_file",
    "number",
]

Where = tuple[str | int, ...]

_TOP_FIELDS = ("ruleset", "bills", "arrears")
_BILL_FIELDS = ("name", "account", "reading", "expect", "ruleset", "charges")
_EXPECT_FIELDS = ("version", "lines", "line_versions", "total", "not_included", "error", "message")
_ARREARS_FIELDS = ("name", "principal", "due", "as_of", "billing_month", "ruleset", "expect")
_ARREARS_EXPECT_FIELDS = ("version", "surcharges", "total_due", "past_limitation", "error", "message")


@dataclass(frozen=True)
class GoldenCase:
    """One golden bill: where it is written, what goes in and what must come out."""

    path: str
    line: int
    ruleset: str
    name: str
    fields: dict[str, Any]
    expect: dict[str, Any]
    #: The charges to bill (``charges: [water, sewer]``); ``None``: every charge.
    charges: tuple[str, ...] | None = None

    @property
    def id(self) -> str:
        return f"{self.ruleset}: {self.name}"


@dataclass(frozen=True)
class ArrearsCase:
    """One golden late-payment case."""

    path: str
    line: int
    ruleset: str
    name: str
    principal: Decimal | dict[str, Decimal]
    due: date
    as_of: date
    billing_month: date | None
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.ruleset}: {self.name}"


@dataclass(frozen=True)
class GoldenCases:
    """The cases of one golden file: its golden bills and its golden late-payment cases."""

    path: str
    ruleset: str
    bills: tuple[GoldenCase, ...] = ()
    arrears: tuple[ArrearsCase, ...] = ()


def number(value: Any) -> Decimal:
    """A number written in a golden file, exactly."""
    return D(format_amount(value) if isinstance(value, Decimal) else str(value))


def load_golden_file(path: str | Path) -> GoldenCases:
    """Read one golden file; a malformed one raises a :class:`~tariffcore.RulesetError` with
    every problem in it, each at file:line:col."""
    name = str(path)
    located = load_yaml(read_rule_text(path, name), name)
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("ruleset"), str):
        raise RulesetError([Problem(name, 1, 1, "a golden file needs 'ruleset', and 'bills' or 'arrears'")])
    problems = [
        located.problem((key,), f"unknown field {key!r}{did_you_mean(key, _TOP_FIELDS)}")
        for key in data
        if key not in _TOP_FIELDS
    ]
    if "bills" not in data and "arrears" not in data:
        problems.append(
            Problem(
                name, 1, 1, "a golden file needs 'bills' (golden bills) or 'arrears' (late-payment cases)"
            )
        )
    bills = _section(located, "bills", _BILL_FIELDS, _bill, problems)
    late = _section(located, "arrears", _ARREARS_FIELDS, _arrears, problems)
    if problems:
        raise RulesetError(sorted(problems, key=lambda p: (p.line, p.column)))
    return GoldenCases(name, data["ruleset"], tuple(bills), tuple(late))


def load_golden(path: str | Path) -> list[GoldenCase]:
    """The golden bills of one golden file (none if it has only late-payment cases)."""
    return list(load_golden_file(path).bills)


def load_arrears_golden(path: str | Path) -> list[ArrearsCase]:
    """The golden late-payment cases of one golden file (none if it has only bills)."""
    return list(load_golden_file(path).arrears)


class _Head(NamedTuple):
    """What every case has: its file, line, ruleset and name."""

    path: str
    line: int
    ruleset: str
    name: str


_Case = TypeVar("_Case")
#: Reads one case of a section from its mapping, or adds to the problems and returns None.
_Reader = Callable[[Located, Where, Mapping[str, Any], _Head, list[Problem]], _Case | None]


def _section(
    located: Located, section: str, fields: Sequence[str], read: _Reader[_Case], problems: list[Problem]
) -> list[_Case]:
    """The cases of one list of the file (``bills`` or ``arrears``)."""
    data = located.data
    if section not in data:
        return []
    items = data[section]
    if not isinstance(items, list) or not items:
        problems.append(located.problem((section,), f"{section!r} must be a non-empty list"))
        return []
    kind = "bill" if section == "bills" else "case"
    cases = []
    for index, item in enumerate(items):
        where: Where = (section, index)
        if not isinstance(item, dict):
            required = [name for name in fields if name not in ("name", "ruleset", "billing_month")]
            problems.append(
                located.problem(
                    where,
                    f"each {kind} is a mapping with 'name', "
                    f"{', '.join(repr(name) for name in required[:-1])} and {required[-1]!r}",
                )
            )
            continue
        found = [
            located.problem((*where, key), f"unknown field {key!r}{did_you_mean(key, fields)}")
            for key in item
            if key not in fields
        ]
        head = _Head(
            located.source,
            located.where(where)[0],
            str(item.get("ruleset", data["ruleset"])),
            str(item.get("name", f"{kind} {index + 1}")),
        )
        case = read(located, where, item, head, found)
        if case is not None and not found:
            cases.append(case)
        problems += found
    return cases


def _mapping_field(located: Located, where: Where, item: Mapping[str, Any], key: str) -> list[Problem]:
    if key not in item:
        return [located.problem(where, f"missing field {key!r}")]
    if not isinstance(item[key], dict):
        return [located.problem((*where, key), f"expected a mapping in field {key!r}")]
    return []


def _bill(
    located: Located, where: Where, item: Mapping[str, Any], head: _Head, problems: list[Problem]
) -> GoldenCase | None:
    for key in ("account", "reading", "expect"):
        problems += _mapping_field(located, where, item, key)
    expect = item.get("expect")
    if isinstance(expect, dict):
        problems += _expect_problems(located, (*where, "expect"), expect)
    charges = item.get("charges")
    if charges is not None and (
        not isinstance(charges, list) or not charges or not all(isinstance(c, str) and c for c in charges)
    ):
        problems.append(
            located.problem((*where, "charges"), f"expected a list of charge ids, got {charges!r}")
        )
    if problems:
        return None
    fields = {"account": item.get("name", f"#{int(where[-1]) + 1}")}
    fields.update(item["account"])
    fields.update(item["reading"])
    return GoldenCase(*head, fields, item["expect"], tuple(charges) if charges is not None else None)


def _unknown_expectations(
    located: Located, where: Where, expect: Mapping[str, Any], known: Sequence[str]
) -> list[Problem]:
    """A misspelt expectation would silently check nothing: report it."""
    return [
        located.problem((*where, key), f"unknown expectation {key!r}{did_you_mean(key, known)}")
        for key in expect
        if key not in known
    ]


def _expect_problems(located: Located, where: Where, expect: dict[str, Any]) -> list[Problem]:
    problems = _unknown_expectations(located, where, expect, _EXPECT_FIELDS)
    lines, total = expect.get("lines"), expect.get("total")
    if "lines" in expect and not isinstance(lines, dict):
        problems.append(located.problem((*where, "lines"), "'lines' maps charge ids to amounts"))
    if "total" in expect and not isinstance(total, (int, Decimal)):
        problems.append(located.problem((*where, "total"), f"expected a number, got {total!r}"))
    for charge, amount in lines.items() if isinstance(lines, dict) else ():
        if not isinstance(amount, (int, Decimal)) or isinstance(amount, bool):
            problems.append(
                located.problem(
                    (*where, "lines", charge), f"line {charge}: expected a number, got {amount!r}"
                )
            )
    if "error" in expect and ("lines" in expect or "total" in expect):
        problems.append(located.problem(where, "expect either an error or lines and a total, not both"))
    return problems


def _arrears(
    located: Located, where: Where, item: Mapping[str, Any], head: _Head, problems: list[Problem]
) -> ArrearsCase | None:
    problems += _mapping_field(located, where, item, "expect")
    if isinstance(item.get("expect"), dict):
        problems += _unknown_expectations(located, (*where, "expect"), item["expect"], _ARREARS_EXPECT_FIELDS)
    for key in ("principal", "due", "as_of"):
        if key not in item:
            problems.append(located.problem(where, f"missing field {key!r}"))
    raw = item.get("principal")
    principal: Decimal | dict[str, Decimal] = Decimal(0)
    if "principal" in item:
        try:
            principal = {str(k): number(v) for k, v in raw.items()} if isinstance(raw, dict) else number(raw)
        except (TypeError, ValueError) as exc:
            problems.append(
                located.problem((*where, "principal"), f"expected an amount, or amounts per charge: {exc}")
            )
    due, as_of = item.get("due"), item.get("as_of")
    for key, day in (("due", due), ("as_of", as_of)):
        if key in item and not isinstance(day, date):
            problems.append(located.problem((*where, key), f"{key!r} must be a date (YYYY-MM-DD)"))
    month = item.get("billing_month")
    billing_month = None
    if month is not None:
        try:
            billing_month = parse_month(str(month))
        except BillingError as exc:
            problems.append(located.problem((*where, "billing_month"), exc.message))
    if problems or not isinstance(due, date) or not isinstance(as_of, date):
        return None
    return ArrearsCase(*head, principal, due, as_of, billing_month, item["expect"])
