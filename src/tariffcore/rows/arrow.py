"""Bills as Arrow columns: exact decimals, calendar dates, lines as nested structs.

Every amount and quantity is an Arrow ``decimal128(38, 6)`` (:data:`AMOUNT_PRECISION`,
:data:`AMOUNT_SCALE`): 32 digits before the decimal point and 6 after it, more than any bill
or meter needs. The type is the same in every file and table, so tables from different runs
concatenate. A value that does not fit (a ruleset without rounding that bills more than six
decimal places) is never rounded to make it fit: the conversion stops with an error naming the
account, and JSON lines or CSV, which keep every digit, remain the way to write it. Dates are
``date32``; the billing month is the first day of its month.

pyarrow is imported only when a table is built (the optional ``tariffcore[parquet]`` or
``tariffcore[dataframe]``).
"""

from __future__ import annotations

import decimal
import importlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..bill import Bill, BillFigures, BillLine, FigureLine, LinePart, TierSlice
from ..errors import BillingError, TariffcoreError
from .csvbills import ACCOUNT_COLUMNS
from .output import EXPLAIN_LEVELS

__all__ = ["AMOUNT_PRECISION", "AMOUNT_SCALE", "LEAN_LINE", "BillColumns", "pyarrow"]

#: Digits of every amount column in Arrow and Parquet, and how many follow the decimal point.
AMOUNT_PRECISION = 38
AMOUNT_SCALE = 6

_LIMIT = Decimal(10) ** (AMOUNT_PRECISION - AMOUNT_SCALE)
_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
#: Digits enough to quantize any value below :data:`_LIMIT` exactly, whatever the caller's context.
_WIDE = decimal.Context(prec=2 * AMOUNT_PRECISION, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def pyarrow(extra: str = "parquet") -> Any:
    """The ``pyarrow`` module, or a clear error naming the extra that installs it."""
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        raise TariffcoreError(f"this needs pyarrow: pip install 'tariffcore[{extra}]'") from None


def fits(value: Decimal | None) -> bool:
    """Whether ``value`` is exactly a ``decimal128(38, 6)`` value, written in at most 38 digits
    (Arrow reads a ``Decimal`` at the precision it is written with: ``20`` followed by 40
    zeros after the point is refused, though its value fits)."""
    if value is None:
        return True
    if not value.is_finite() or value.copy_abs() >= _LIMIT:
        return False
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or len(digits) > AMOUNT_PRECISION:
        return False
    return exponent >= -AMOUNT_SCALE or value.quantize(_QUANTUM, context=_WIDE) == value


#: The fields of a bill line in a lean table (``explain="lean"``), the fields of a lean JSON
#: line: the rest of a full line (rounding, unrounded amount, sources, slices, notes, parts)
#: comes with ``explain="full"``.
LEAN_LINE: tuple[str, ...] = FigureLine._fields


def _types(pa: Any, lean: bool = False) -> dict[str, Any]:
    amount = pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)
    piece = pa.struct(
        [
            ("tier", pa.int32()),
            ("use_class", pa.string()),
            ("above", amount),
            ("upto", amount),
            ("quantity", amount),
            ("rate", amount),
            ("amount", amount),
            ("version", pa.string()),
        ]
    )
    part = pa.struct(
        [
            ("version", pa.string()),
            ("from", pa.date32()),
            ("to", pa.date32()),
            ("days", pa.int32()),
            ("period_days", pa.int32()),
            ("quantity", amount),
            ("unit_price", amount),
            ("amount", amount),
            ("slices", pa.list_(piece)),
            ("notes", pa.list_(pa.string())),
        ]
    )
    line = pa.struct(
        [
            ("charge", pa.string()),
            ("label", pa.string()),
            ("amount", amount),
            ("quantity", amount),
            ("unit", pa.string()),
            ("unit_price", amount),
            ("rule", pa.string()),
            ("version", pa.string()),
            ("rounding", pa.string()),
            ("unrounded", amount),
            ("source", pa.list_(pa.string())),
            ("slices", pa.list_(piece)),
            ("notes", pa.list_(pa.string())),
            ("parts", pa.list_(part)),
        ]
    )
    if lean:
        line = pa.struct([line.field(name) for name in LEAN_LINE])
    other = pa.struct([("charge", pa.string()), ("amount", amount)])
    return {"amount": amount, "line": line, "other": other}


def _slice(piece: TierSlice) -> dict[str, Any]:
    return {
        "tier": piece.tier,
        "use_class": piece.use_class,
        "above": piece.lower,
        "upto": piece.upper,
        "quantity": piece.quantity,
        "rate": piece.rate,
        "amount": piece.amount,
        "version": piece.version,
    }


def _part(part: LinePart) -> dict[str, Any]:
    return {
        "version": part.version,
        "from": part.start,
        "to": part.end,
        "days": part.days,
        "period_days": part.period_days,
        "quantity": part.quantity,
        "unit_price": part.unit_price,
        "amount": part.amount,
        "slices": [_slice(p) for p in part.slices],
        "notes": list(part.notes),
    }


def _line(line: BillLine | FigureLine, lean: bool) -> dict[str, Any]:
    if lean:
        return {name: getattr(line, name) for name in LEAN_LINE}
    assert isinstance(line, BillLine)  # a full table holds bills, not their figures
    return {
        "charge": line.charge,
        "label": line.label,
        "amount": line.amount,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "rule": line.rule,
        "version": line.version,
        "rounding": line.rounding,
        "unrounded": line.unrounded,
        "source": [source.id for source in line.sources],
        "slices": [_slice(p) for p in line.slices],
        "notes": list(line.notes),
        "parts": [_part(p) for p in line.parts],
    }


def _line_amounts(line: BillLine | FigureLine, lean: bool) -> Iterable[Decimal | None]:
    yield from (line.amount, line.quantity, line.unit_price)
    if lean:
        return
    assert isinstance(line, BillLine)  # a full table holds bills, not their figures
    yield line.unrounded
    for part in line.parts:
        yield from (part.quantity, part.unit_price, part.amount)
        for piece in part.slices:
            yield from (piece.lower, piece.upper, piece.quantity, piece.rate, piece.amount)
    for piece in line.slices:
        yield from (piece.lower, piece.upper, piece.quantity, piece.rate, piece.amount)


class BillColumns:
    """Results gathered column by column, then built into an Arrow table.

    ``charges`` are the first charge columns; with ``grow``, a charge met on a bill that is not
    among them gets a column of its own (in the order met); otherwise it goes to
    ``other_charges``. ``detail`` adds the dates, ``estimated``, ``other_charges`` and the
    bill's ``lines`` (the Parquet output); without it the table is the flat one of
    :func:`tariffcore.bill_table`, which a bill's figures (:class:`~tariffcore.BillFigures`)
    fill as the bill does. ``explain`` says how much of each line ``lines`` holds, as for JSON
    lines: ``full`` every field of the line, ``lean`` only :data:`LEAN_LINE`.
    """

    def __init__(self, charges: Sequence[str], *, detail: bool, grow: bool, explain: str = "full") -> None:
        if explain not in EXPLAIN_LEVELS:
            raise ValueError(f"unknown explanation level {explain!r} (one of {', '.join(EXPLAIN_LEVELS)})")
        self.charges = list(charges)
        self.detail = detail
        self.grow = grow
        self.lean = explain == "lean"
        self.rows: list[tuple[str, Bill | BillFigures | BillingError]] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, account: str, result: Bill | BillFigures | BillingError) -> None:
        """One input row's result (a bill's figures only without ``detail``, or with it and lean
        lines when they give the reading's ``dates``)."""
        if self.detail and isinstance(result, BillFigures) and not (self.lean and result.dates is not None):
            raise TypeError(
                "the lines of a detailed table need the bill itself (lean lines: its figures "
                "with the dates of its reading)"
            )
        if self.grow and not isinstance(result, BillingError):
            for line in result.lines:
                if line.charge not in self.charges:
                    self.charges.append(line.charge)
        self.rows.append((account, result))

    def names(self) -> list[str]:
        """The table's columns, in order."""
        head = ["account", "ruleset", "currency", "usage_m3"]
        tail = ["total", "not_included", "error_code", "error_message"]
        if self.detail:
            head += ["billing_month", "period_start", "period_end", "due_date", "estimated"]
            tail = ["other_charges", "total", "lines", "not_included", "error_code", "error_message"]
        tail += ACCOUNT_COLUMNS
        clash = sorted(set(self.charges) & {*head, *tail})
        if clash:
            raise TariffcoreError(
                f"charge(s) {', '.join(clash)} have the name of an output column; "
                "write JSON lines, where charges are lines, not columns"
            )
        return [*head, *self.charges, *tail]

    def schema(self, pa: Any) -> Any:
        """The Arrow schema of :meth:`names`."""
        types = _types(pa, self.lean)
        amount = types["amount"]
        known = {
            "account": pa.string(),
            "ruleset": pa.string(),
            "currency": pa.string(),
            "usage_m3": amount,
            "billing_month": pa.date32(),
            "period_start": pa.date32(),
            "period_end": pa.date32(),
            "due_date": pa.date32(),
            "estimated": pa.bool_(),
            "other_charges": pa.list_(types["other"]),
            "total": amount,
            "lines": pa.list_(types["line"]),
            "not_included": pa.list_(pa.string()),
            "error_code": pa.string(),
            "error_message": pa.string(),
            "use_class": pa.string(),
            "meter_mm": pa.int32(),
            "household_units": pa.int32(),
        }
        charges = set(self.charges)
        return pa.schema(
            [pa.field(name, amount if name in charges else known[name]) for name in self.names()]
        )

    def columns(self) -> dict[str, list[Any]]:
        """Column name → the Python values of every row (``Decimal`` amounts, ``date`` dates)."""
        return self._values(lines=True)

    def _values(self, lines: bool) -> dict[str, list[Any]]:
        """:meth:`columns`, ``lines`` left out unless ``lines``."""
        names = self.names()
        if not lines and "lines" in names:
            names.remove("lines")
        data: dict[str, list[Any]] = {name: [] for name in names}
        charges = self.charges
        for account, result in self.rows:
            data["account"].append(account)
            if isinstance(result, BillingError):
                for name in names:
                    if name != "account":
                        data[name].append(None)
                data["error_code"][-1] = result.code
                data["error_message"][-1] = result.message
                continue
            amounts = {line.charge: line.amount for line in result.lines}
            data["ruleset"].append(result.label)
            data["currency"].append(result.currency)
            data["usage_m3"].append(result.usage_m3)
            if self.detail:
                if isinstance(result, Bill):
                    reading = result.reading
                    dates = reading.dates if reading is not None else (None,) * 4
                else:  # lean lines, dates given (see add())
                    assert result.dates is not None
                    dates = result.dates
                for name, day in zip(("billing_month", "period_start", "period_end", "due_date"), dates):
                    data[name].append(day)
                data["estimated"].append(result.estimated)
                data["other_charges"].append(
                    [
                        {"charge": charge, "amount": amount}
                        for charge, amount in amounts.items()
                        if charge not in charges
                    ]
                )
                if lines:
                    data["lines"].append([_line(line, self.lean) for line in result.lines])
            for charge in charges:
                data[charge].append(amounts.get(charge))
            data["total"].append(result.total)
            data["not_included"].append([n.charge for n in result.not_included])
            data["error_code"].append(None)
            data["error_message"].append(None)
            data["use_class"].append(result.use_class)
            data["meter_mm"].append(result.meter_mm)
            data["household_units"].append(result.household_units)
        return data

    def table(self) -> Any:
        """The rows as an Arrow table of :meth:`schema`."""
        pa = pyarrow()
        schema = self.schema(pa)
        lean = self.detail and self.lean
        data = self._values(lines=not lean)
        try:
            arrays = [
                self._lean_lines(pa, field.type)
                if lean and field.name == "lines"
                else pa.array(data[field.name], field.type)
                for field in schema
            ]
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            self._refuse()
            raise
        return pa.Table.from_arrays(arrays, schema=schema)

    def _lean_lines(self, pa: Any, kind: Any) -> Any:
        """The ``lines`` column of lean lines, of type ``kind``, made field by field."""
        offsets = [0]
        missing: list[bool] = []
        found: list[Any] = []
        for _, result in self.rows:
            missing.append(isinstance(result, BillingError))
            if isinstance(result, Bill):
                found.extend(tuple(getattr(line, name) for name in LEAN_LINE) for line in result.lines)
            elif isinstance(result, BillFigures):
                found.extend(result.lines)  # a figure line's fields are LEAN_LINE, in order
            offsets.append(len(found))
        struct = kind.value_type
        fields = list(zip(*found)) if found else [()] * len(LEAN_LINE)
        values = pa.StructArray.from_arrays(
            [pa.array(column, field.type) for column, field in zip(fields, struct)], fields=list(struct)
        )
        mask = pa.array(missing, pa.bool_()) if any(missing) else None
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=kind, mask=mask)

    def _refuse(self) -> None:
        """Raise the error that names the first amount no ``decimal128`` column can hold."""
        for account, result in self.rows:
            if isinstance(result, BillingError):
                continue
            values: list[Decimal | None] = [result.usage_m3, result.total]
            lines: Sequence[BillLine | FigureLine] = result.lines
            for line in lines:
                if self.detail:  # see add()
                    values.extend(_line_amounts(line, self.lean))
                else:
                    values.append(line.amount)
            for value in values:
                if not fits(value):
                    raise TariffcoreError(
                        f"account {account}: the amount {value} cannot be written exactly as "
                        f"decimal128({AMOUNT_PRECISION}, {AMOUNT_SCALE}) (at most "
                        f"{AMOUNT_PRECISION - AMOUNT_SCALE} digits before the decimal point and "
                        f"{AMOUNT_SCALE} after it, in at most {AMOUNT_PRECISION} digits as written); "
                        "write JSON lines or CSV, which keep every digit"
                    )
