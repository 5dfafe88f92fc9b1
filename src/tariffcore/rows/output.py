"""Writing bills: JSON lines for programs, CSV for spreadsheets, a table and an explanation
for people. Every amount is written as an exact decimal string."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..bill import Bill, BillFigures, BillLine, LinePart, Reading, TierSlice
from ..errors import BillingError
from ..money import format_amount, format_money
from .csvbills import ACCOUNT_COLUMNS, CSV_LEADING, CSV_TRAILING, csv_cells

__all__ = [
    "EXPLAIN_LEVELS",
    "bill_to_dict",
    "compact_json",
    "CsvWriter",
    "error_to_dict",
    "explain_bill",
    "line_to_dict",
    "reading_to_dict",
    "BillWriter",
    "writer_for",
]

Result = tuple[str, Bill | BillingError]


# One encoder for every line: json.dumps with options would build a new one each time.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(data: Any) -> str:
    """``data`` as JSON on one line, as every JSON-lines output writes it (no spaces; text
    such as Korean kept as it is, not escaped)."""
    return _COMPACT.encode(data)


def utf8(text: str) -> bytes:
    """JSON ``text`` in UTF-8; a lone surrogate (which JSON input may escape, ``\\ud800``, and
    UTF-8 cannot hold) is written escaped again, so the output is the JSON it was read as."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(ch):04x}" if "\ud800" <= ch <= "\udfff" else ch for ch in text).encode()


def _amount(value: Any) -> str | None:
    return None if value is None else format_amount(value)


def slice_to_dict(piece: TierSlice) -> dict[str, Any]:
    data = {
        "tier": piece.tier,
        "use_class": piece.use_class,
        "above": format_amount(piece.lower),
        "upto": _amount(piece.upper),
        "quantity": format_amount(piece.quantity),
        "rate": format_amount(piece.rate),
        "amount": format_amount(piece.amount),
    }
    if piece.version is not None:
        data["version"] = piece.version
    return data


def part_to_dict(part: LinePart) -> dict[str, Any]:
    """One version's days of a split line as JSON-ready data."""
    data: dict[str, Any] = {
        "version": part.version,
        "from": part.start.isoformat(),
        "to": part.end.isoformat(),
        "days": part.days,
        "period_days": part.period_days,
        "quantity": _amount(part.quantity),
        "unit_price": _amount(part.unit_price),
        "amount": format_amount(part.amount),
    }
    if part.slices:
        data["slices"] = [slice_to_dict(piece) for piece in part.slices]
    if part.notes:
        data["notes"] = list(part.notes)
    return data


def reading_to_dict(reading: Reading) -> dict[str, Any]:
    """The dates and reads a bill was computed from (only those known)."""
    data: dict[str, Any] = {}
    for name in ("billing_month", "period_start", "period_end", "due_date"):
        value = getattr(reading, name)
        if value is not None:
            data[name] = value.isoformat()[:7] if name == "billing_month" else value.isoformat()
    meter = reading.meter
    if meter is not None:
        reads: dict[str, Any] = {
            "previous": format_amount(meter.previous),
            "current": format_amount(meter.current),
        }
        if meter.digits is not None:
            reads["digits"] = meter.digits
        if meter.old_final is not None and meter.new_initial is not None:
            reads["old_final"] = format_amount(meter.old_final)
            reads["new_initial"] = format_amount(meter.new_initial)
        if meter.rolled_over:
            reads["rolled_over"] = True
        data["reads"] = reads
    return data


#: How much of each line a bill's data explains: ``lean`` gives the charge, label, amount,
#: quantity, unit, unit price, rule and version of each line (what bulk output writes by
#: default); ``full`` adds its rounding and unrounded amount, its sources, tier slices, notes
#: and the parts of a line split by days (what the API, ``explain`` and notices use).
EXPLAIN_LEVELS = ("lean", "full")


def line_to_dict(line: BillLine, currency: str | None = None, explain: str = "full") -> dict[str, Any]:
    """A bill line as JSON-ready data (amounts as strings; the amount at the scale of
    ``currency`` when given), explained as ``explain`` says (:data:`EXPLAIN_LEVELS`)."""
    data: dict[str, Any] = {
        "charge": line.charge,
        "label": line.label,
        "amount": format_money(line.amount, currency) if currency else format_amount(line.amount),
        "quantity": _amount(line.quantity),
        "unit": line.unit,
        "unit_price": _amount(line.unit_price),
        "rule": line.rule,
        "version": line.version,
    }
    if explain == "lean":
        return data
    data["rounding"] = line.rounding
    data["unrounded"] = format_amount(line.unrounded)
    data["source"] = [source.id for source in line.sources]
    if line.slices:
        data["slices"] = [slice_to_dict(piece) for piece in line.slices]
    if line.notes:
        data["notes"] = list(line.notes)
    if line.parts:
        data["parts"] = [part_to_dict(part) for part in line.parts]
    return data


def bill_to_dict(bill: Bill, explain: str = "full") -> dict[str, Any]:
    """A bill as JSON-ready data: ``account, ruleset, currency, usage_m3, estimated, lines,
    total, not_included``, ``not_requested`` (only when charges were left out on request),
    ``use_class, meter_mm, household_units``, then the reading's known dates and meter reads.
    Each line is explained as ``explain`` says (:data:`EXPLAIN_LEVELS`; ``full`` by default)."""
    if explain not in EXPLAIN_LEVELS:
        raise ValueError(f"unknown explanation level {explain!r} (one of {', '.join(EXPLAIN_LEVELS)})")
    data = {
        "account": bill.account,
        "ruleset": bill.label,
        "currency": bill.currency,
        "usage_m3": format_amount(bill.usage_m3),
        "estimated": bill.estimated,
        "lines": [line_to_dict(line, bill.currency, explain) for line in bill.lines],
        "total": format_money(bill.total, bill.currency),
        "not_included": [{"charge": n.charge, "reason": n.reason} for n in bill.not_included],
        **({"not_requested": list(bill.not_requested)} if bill.not_requested else {}),
        "use_class": bill.use_class,
        "meter_mm": bill.meter_mm,
        "household_units": bill.household_units,
    }
    if bill.reading is not None:
        data.update(reading_to_dict(bill.reading))
    return data


def error_to_dict(account: str, error: BillingError) -> dict[str, Any]:
    """An error row: ``{"account", "error": {"code", "message"}}``."""
    return {"account": account, "error": {"code": error.code, "message": error.message}}


class BillWriter:
    """Writes results (a bill or an error per input row) in one format."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, account: str, result: Bill | BillingError) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (tables are written here, once all widths are known)."""


class JsonlWriter(BillWriter):
    def write(self, account: str, result: Bill | BillingError) -> None:
        data = bill_to_dict(result) if isinstance(result, Bill) else error_to_dict(account, result)
        self.stream.write(compact_json(data) + "\n")


class CsvWriter(BillWriter):
    """One row per bill: a column per charge, the total, what is not included, the error, then
    the account's use class, meter size and households (:func:`csv_cells`). With ``header``
    false, the header row is not written (rows written after one already written)."""

    def __init__(self, stream: IO[str], charges: Sequence[str], *, header: bool = True) -> None:
        super().__init__(stream)
        self.charges = list(charges)
        self.writer = csv.writer(stream, lineterminator="\n")
        if header:
            self.writer.writerow([*CSV_LEADING, *self.charges, *CSV_TRAILING, *ACCOUNT_COLUMNS])

    def write(self, account: str, result: Bill | BillFigures | BillingError) -> None:
        """One row (a bill's figures write the same row as the bill)."""
        self.writer.writerow(csv_cells(account, result, self.charges))


class TableWriter(BillWriter):
    """An aligned table for people; buffered, written on :meth:`close`.

    A charge column appears when a bill first has that charge (a run may mix rulesets), so
    rows are kept by charge and laid out only once every column is known.
    """

    def __init__(self, stream: IO[str], charges: Sequence[str]) -> None:
        super().__init__(stream)
        self.charges = list(charges)
        self.rows: list[tuple[str, str] | tuple[str, str, str, dict[str, str], str, str]] = []
        self.errors = 0

    def write(self, account: str, result: Bill | BillFigures | BillingError) -> None:
        """One row (a bill's figures write the same row as the bill)."""
        if isinstance(result, BillingError):
            self.errors += 1
            self.rows.append((account, f"error {result.code}: {result.message}"))
            return
        amounts = {line.charge: format_amount(line.amount) for line in result.lines}
        for charge in amounts:
            if charge not in self.charges:
                self.charges.append(charge)
        note = ", ".join(
            ["estimated"] * result.estimated
            + [f"{n.charge} not included" for n in result.not_included]
            + ([f"not requested: {' '.join(result.not_requested)}"] if result.not_requested else [])
        )
        self.rows.append(
            (
                account,
                result.label,
                format_amount(result.usage_m3),
                amounts,
                format_amount(result.total),
                note,
            )
        )

    def close(self) -> None:
        header = ["account", "ruleset", "m3", *self.charges, "total", "notes"]
        numeric = set(range(2, 3 + len(self.charges) + 1))
        table: list[list[str]] = []
        for row in self.rows:
            if len(row) == 2:
                table.append(list(row))
            else:
                account, label, usage, amounts, total, note = row
                table.append(
                    [account, label, usage, *[amounts.get(c, "-") for c in self.charges], total, note]
                )
        widths = [len(h) for h in header]
        for cells in table:
            if len(cells) > 2:
                widths = [max(width, len(cell)) for width, cell in zip(widths, cells)]

        def render(cells: list[str]) -> str:
            if len(cells) == 2:
                return f"{cells[0].ljust(widths[0])}  {cells[1]}"
            return "  ".join(
                cell.rjust(width) if index in numeric else cell.ljust(width)
                for index, (cell, width) in enumerate(zip(cells, widths))
            ).rstrip()

        self.stream.write(render(header) + "\n")
        for cells in table:
            self.stream.write(render(cells) + "\n")
        bills = len(self.rows) - self.errors
        self.stream.write(f"\n{bills} bill(s), {self.errors} error row(s)\n")


def writer_for(format: str, stream: IO[str], charges: Sequence[str]) -> BillWriter:
    """The writer for ``jsonl``, ``csv`` or ``table``."""
    if format == "jsonl":
        return JsonlWriter(stream)
    if format == "csv":
        return CsvWriter(stream, charges)
    if format == "table":
        return TableWriter(stream, charges)
    raise ValueError(f"unknown output format {format!r}")


def explain_bill(bill: Bill, sources: Iterable[Any] = ()) -> str:
    """A bill in words: every line with its rule, tiers, rates, rounding and sources."""
    estimated = " (estimated)" if bill.estimated else ""
    out = [f"account {bill.account}: {format_amount(bill.usage_m3)} m³{estimated} under {bill.label}"]
    reading = bill.reading
    if reading is not None and reading.meter is not None:
        out.append(f"  usage    {reading.meter.describe()}")
    if reading is not None and reading.period_start is not None and reading.period_end is not None:
        out.append(f"  period   {reading.period_start}..{reading.period_end} ({reading.days} days)")
    for line in bill.lines:
        unit = "m³" if line.unit == "m3" else line.unit or ""
        out.append(
            f"\n{line.charge} — {line.label}: {format_money(line.amount, bill.currency)} {bill.currency}"
        )
        out.append(f"  rule     {line.rule} (version {line.version})")
        if line.parts:
            for part in line.parts:
                out.append(
                    f"  part     {part.start}..{part.end}, {part.days} of {part.period_days} "
                    f"days under {part.version}: {format_amount(part.amount)}"
                )
                for piece in part.slices:
                    out.append(f"    tier   {piece.describe(unit or 'm³')}")
                if not part.slices and part.quantity is not None and part.unit_price is not None:
                    out.append(
                        f"    amount {format_amount(part.quantity)} × "
                        f"{format_amount(part.unit_price)} = {format_amount(part.amount)}"
                    )
                for note in part.notes:
                    out.append(f"    note   {note}")
        elif line.slices:
            for piece in line.slices:
                out.append(f"  tier     {piece.describe(unit or 'm³')}")
        elif line.quantity is not None and line.unit_price is not None:
            out.append(
                f"  amount   {format_amount(line.quantity)} {unit} × "
                f"{format_amount(line.unit_price)} = {format_amount(line.unrounded)}"
            )
        for note in line.notes:
            out.append(f"  note     {note}")
        if line.rounding:
            out.append(
                f"  rounding {line.rounding}: {format_amount(line.unrounded)} → {format_amount(line.amount)}"
            )
        for source in line.sources:
            link = f" <{source.url}>" if source.url else ""
            out.append(f"  source   [{source.tag}] {source.title}{link}")
    for missing in bill.not_included:
        out.append(f"\n{missing.charge} — not included: {missing.reason}")
    if bill.not_requested:
        out.append(f"\nnot requested (left out on request): {', '.join(bill.not_requested)}")
    out.append(f"\ntotal {format_money(bill.total, bill.currency)} {bill.currency}")
    return "\n".join(out) + "\n"
