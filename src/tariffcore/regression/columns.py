"""The per-account output of ``compare``: one column per charge and side, in CSV, JSON lines,
Parquet and SQLite.

The sides are ``old`` and ``new``, or, with several candidates, ``old`` and ``new1``,
``new2``, …. The columns, in order:

- ``row, account, use_class, meter_mm, usage_m3``;
- ``<side>_ruleset`` for each side (the ``id@version`` that billed it);
- for each charge, ``<side>_<charge>`` for each side: ``old_water, new_water, old_sewer,
  new_sewer, …`` (empty where that bill has no such line);
- ``<side>_other_charges``: lines of charges without a column (a reduction line, a charge of
  a ruleset a row names itself), as ``charge=amount;…`` in CSV, ``{charge: amount}`` in JSON,
  a list of ``{charge, amount}`` in Parquet (the SQLite ``lines`` table has every line);
- ``<side>_total``;
- ``change, change_percent`` (the candidate's total less the old one, and that in per cent of
  the old total, to 0.01 half up); with several candidates ``<side>_change`` and
  ``<side>_change_percent`` for each;
- ``<side>_error_code, <side>_error_message`` for each side that could not bill the row.

Amounts are exact: decimal strings in CSV and JSON, ``decimal128(38, 6)`` in Parquet, exact
decimal ``TEXT`` in SQLite (see :mod:`tariffcore.rows.sqlite`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..bill import Bill, BillFigures, BillLine, FigureLine
from ..errors import BillingError, TariffcoreError
from ..money import MONEY_CONTEXT, format_amount
from ..rows import SqliteFile, Table
from .compare import Comparison, percent

__all__ = ["ScenarioColumns", "SqliteComparisonWriter", "side_names"]

INT, TEXT, AMOUNT, OTHERS = "int", "text", "amount", "others"


def side_names(candidates: int) -> list[str]:
    """``old`` and a name for each candidate: ``new``, or ``new1``, ``new2``, … for several."""
    if candidates == 1:
        return ["old", "new"]
    return ["old", *(f"new{number}" for number in range(1, candidates + 1))]


class ScenarioColumns:
    """The columns of a comparison of ``candidates`` candidates with ``charges`` as columns."""

    def __init__(self, charges: Sequence[str], candidates: int = 1) -> None:
        self.charges = list(charges)
        self.sides = side_names(candidates)
        self.candidates = self.sides[1:]
        columns: list[tuple[str, str]] = [
            ("row", INT),
            ("account", TEXT),
            ("use_class", TEXT),
            ("meter_mm", INT),
            ("usage_m3", AMOUNT),
            *((f"{side}_ruleset", TEXT) for side in self.sides),
            *((f"{side}_{charge}", AMOUNT) for charge in self.charges for side in self.sides),
            *((f"{side}_other_charges", OTHERS) for side in self.sides),
            *((f"{side}_total", AMOUNT) for side in self.sides),
        ]
        for side in self.candidates:
            prefix = "" if candidates == 1 else f"{side}_"
            columns += [(f"{prefix}change", AMOUNT), (f"{prefix}change_percent", AMOUNT)]
        for side in self.sides:
            columns += [(f"{side}_error_code", TEXT), (f"{side}_error_message", TEXT)]
        names = [name for name, _ in columns]
        clash = sorted({name for name in names if names.count(name) > 1})
        if clash:
            raise TariffcoreError(
                f"a charge's column would have the name of another column ({', '.join(clash)}); "
                "compare with --format none and the summary, or bill each ordinance on its own"
            )
        self.columns = columns
        self.known = frozenset(self.charges)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def values(self, item: Comparison) -> list[Any]:
        """The row's values in column order: ``Decimal`` amounts, ``int`` counts, text, and
        the other charges as ``(charge, amount)`` pairs; ``None`` where empty."""
        results = item.results
        bills = [result if isinstance(result, (Bill, BillFigures)) else None for result in results]
        amounts = [
            {line.charge: line.amount for line in bill.lines} if bill is not None else {} for bill in bills
        ]
        out: list[Any] = [item.number, item.account, item.use_class or None, item.meter_mm]
        out.append(item.usage)
        out += [bill.label if bill is not None else None for bill in bills]
        for charge in self.charges:
            out += [found.get(charge) for found in amounts]
        known = self.known
        out += [
            [(charge, amount) for charge, amount in found.items() if charge not in known]
            if bill is not None
            else None
            for bill, found in zip(bills, amounts)
        ]
        out += [bill.total if bill is not None else None for bill in bills]
        for index in range(1, len(results)):
            out += [item.change_of(index), item.change_percent_of(index)]
        for result in results:
            out += [None, None] if isinstance(result, (Bill, BillFigures)) else [result.code, result.message]
        return out

    def csv_row(self, item: Comparison) -> list[str]:
        """The row as CSV cells (amounts as exact decimal strings): the cells of
        :meth:`values`, empty where ``None``, the other charges as ``charge=amount;…``, and
        a usage the row gives that is not a number as given. Made directly rather than from
        :meth:`values` (the hot path of ``compare``); a test holds the two in step."""
        results = item.results
        bills = [result if isinstance(result, (Bill, BillFigures)) else None for result in results]
        usage = item.usage
        cells = [
            str(item.number),
            item.account,
            item.use_class or "",
            "" if item.meter_mm is None else str(item.meter_mm),
            format_amount(usage) if usage is not None else item.usage_m3,  # else as the row gives it
        ]
        amounts = [
            {line.charge: line.amount for line in bill.lines} if bill is not None else None for bill in bills
        ]
        cells += [bill.label if bill is not None else "" for bill in bills]
        for charge in self.charges:
            for found in amounts:
                value = found.get(charge) if found is not None else None
                cells.append("" if value is None else format_amount(value))
        known = self.known
        for found in amounts:
            others = () if found is None else [(c, a) for c, a in found.items() if c not in known]
            cells.append(";".join(f"{charge}={format_amount(amount)}" for charge, amount in others))
        cells += ["" if bill is None else format_amount(bill.total) for bill in bills]
        old = bills[0]
        for new in bills[1:]:
            if old is None or new is None:
                cells += ("", "")
                continue
            change = MONEY_CONTEXT.subtract(new.total, old.total)
            rate = percent(change, old.total)
            cells += (format_amount(change), "" if rate is None else format_amount(rate))
        for result, bill in zip(results, bills):
            cells += (
                ("", "")
                if bill is not None or not isinstance(result, BillingError)
                else (result.code, result.message)
            )
        return cells

    def to_dict(self, item: Comparison) -> dict[str, Any]:
        """The row as JSON-ready data: amounts as exact decimal strings, other charges as
        ``{charge: amount}``."""
        data: dict[str, Any] = {}
        for (name, kind), value in zip(self.columns, self.values(item)):
            if value is None:
                data[name] = None
            elif kind == OTHERS:
                data[name] = {charge: format_amount(amount) for charge, amount in value}
            elif kind == AMOUNT:
                data[name] = format_amount(value)
            else:
                data[name] = value
        if item.usage_m3 and data["usage_m3"] is None:
            data["usage_m3"] = item.usage_m3
        return data


class SqliteComparisonWriter:
    """The comparison as a database: ``comparisons`` (the columns above, but the other
    charges) and ``lines`` (every line of every bill: ``row, side, account, ruleset,
    position, charge, amount, rule, version``); indexes on ``account`` and ``charge``."""

    def __init__(self, path: str | Path, columns: ScenarioColumns, run: dict[str, str]) -> None:
        self.columns = columns
        self.keep = [index for index, (_, kind) in enumerate(columns.columns) if kind != OTHERS]
        types = {INT: "INTEGER", TEXT: "TEXT", AMOUNT: "TEXT"}
        table = Table(
            "comparisons",
            [(columns.columns[index][0], types[columns.columns[index][1]]) for index in self.keep],
            key=("row",),
            indexes=("account", "use_class"),
        )
        lines = Table(
            "lines",
            [
                ("row", "INTEGER NOT NULL"),
                ("side", "TEXT NOT NULL"),
                ("account", "TEXT NOT NULL"),
                ("ruleset", "TEXT NOT NULL"),
                ("position", "INTEGER NOT NULL"),
                ("charge", "TEXT NOT NULL"),
                ("amount", "TEXT NOT NULL"),
                ("rule", "TEXT"),
                ("version", "TEXT"),
            ],
            key=("row", "side", "position"),
            indexes=("account", "charge"),
        )
        self.file = SqliteFile(path, [table, lines], run)

    def write(self, item: Comparison) -> None:
        values = self.columns.values(item)
        row = [values[index] for index in self.keep]
        usage = self.keep.index(4)
        if row[usage] is None and item.usage_m3:
            row[usage] = item.usage_m3
        self.file.add("comparisons", [format_amount(v) if isinstance(v, Decimal) else v for v in row])
        for side, result in zip(self.columns.sides, item.results):
            if isinstance(result, (Bill, BillFigures)):
                lines: Sequence[BillLine | FigureLine] = result.lines
                for position, line in enumerate(lines, start=1):
                    self.file.add(
                        "lines",
                        [
                            item.number,
                            side,
                            item.account,
                            result.label,
                            position,
                            line.charge,
                            format_amount(line.amount),
                            line.rule,
                            line.version,
                        ],
                    )

    def close(self) -> None:
        self.file.close()

    def discard(self) -> None:
        self.file.discard()
