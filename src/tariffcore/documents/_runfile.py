"""Reading the output of a billing run (``tariffcore bill``) back, row by row.

Two readers, for two needs:

- :func:`counted_rows` streams a run as :class:`RunRow` summaries, each with the number of
  rows it stands for: what a report adds up. A city's run repeats itself (the same bill for
  every account with the same class, meter and usage, and ``bill`` writes such rows byte for
  byte the same but for the account id), so a row is parsed once per distinct text and
  counted after that; the texts are kept within a fixed budget, in two generations, so memory
  is the same for fifty thousand rows or fifty million.
- :func:`bill_records` streams the JSON lines of a run as whole records, for documents that
  show a bill in full (a notice); :func:`bill_from_dict` turns one back into a
  :class:`~tariffcore.Bill`.

The JSON lines of ``bill`` carry everything; its CSV and Parquet outputs carry the amounts by
charge (Parquet also the lines as JSON) but not the reading's dates and reads.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..batch import Outcome
from ..bill import Bill, BillLine, LinePart, NotIncluded, Reading, SourceRef, TierSlice
from ..engine import Catalog
from ..errors import BillingError, InputError
from ..meter import MeterReads
from ..money import plain
from ..reductions import reduction_line_id
from ..rows import input_format, read_chunks

__all__ = [
    "NO_METER",
    "NOT_RECORDED",
    "REDUCTION_SUFFIX",
    "RunRow",
    "bill_from_dict",
    "bill_records",
    "counted_rows",
    "run_row",
]

#: The use class or meter size of a row whose run output does not record it (written by an
#: older tariffcore, or a bill made without it).
NOT_RECORDED = "?"
#: The meter size of an account that gave none.
NO_METER = "-"
#: The ending of the charge id of a line that reduces another charge (``water_reduction``).
REDUCTION_SUFFIX = reduction_line_id("")

#: Bytes of distinct row texts :func:`counted_rows` keeps (two generations of half each).
DEFAULT_BUDGET = 32 << 20
_ENTRY = 300  # what a kept row weighs besides its text: key, slot, the summary

_PREFIX = b'{"account":"'

Line = tuple[str, Decimal, str | None]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One row of a run, as a report needs it (its account id aside).

    An error row has ``error`` = (code, message) and nothing else. A bill has its
    ``ruleset`` (``id@version``), ``currency`` (``None`` where the output has none: CSV),
    ``use_class`` and ``meter`` (text: ``15``, :data:`NO_METER`, :data:`NOT_RECORDED`), usage,
    total, and its ``lines`` as (charge, amount, rule) in bill order (``rule`` is ``None``
    where the output does not carry it: CSV).
    """

    error: tuple[str, str] | None = None
    ruleset: str = ""
    currency: str | None = None
    use_class: str = NOT_RECORDED
    meter: str = NOT_RECORDED
    usage: Decimal = Decimal(0)
    estimated: bool = False
    total: Decimal = Decimal(0)
    lines: tuple[Line, ...] = ()
    not_included: tuple[str, ...] = ()


# --------------------------------------------------------------------------- one row


def _number(value: Any, what: str, where: str) -> Decimal:
    """An exact amount written as text (or a JSON integer); anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InputError(f"{where}: {what} is {value!r}, not an amount")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise InputError(f"{where}: {what} is {value!r}, not an amount") from None
    if not number.is_finite():
        raise InputError(f"{where}: {what} is {value!r}, not an amount")
    return number


def _meter(value: Any, recorded: bool) -> str:
    if not recorded:
        return NOT_RECORDED
    if value is None or value == "":
        return NO_METER
    return str(value)


def _checked(row: RunRow, where: str) -> RunRow:
    """``row``, once its lines are seen to add up to its total (a report must reconcile)."""
    added = sum((amount for _, amount, _ in row.lines), Decimal(0))
    if added != row.total:
        raise InputError(f"{where}: the lines add up to {added:f}, but the total is {row.total:f}")
    return row


def run_row(data: Mapping[str, Any], where: str) -> RunRow:
    """The :class:`RunRow` of one JSON-lines record of ``bill`` (a bill or an error row)."""
    error = data.get("error")
    if error is not None:
        if not isinstance(error, Mapping):
            raise InputError(f"{where}: 'error' is not an object with a code and a message")
        return RunRow(error=(str(error.get("code") or ""), str(error.get("message") or "")))
    missing = [key for key in ("ruleset", "lines", "total") if key not in data]
    if missing:
        raise InputError(
            f"{where}: neither a bill nor an error row of `tariffcore bill` "
            f"(no {', '.join(repr(key) for key in missing)})"
        )
    lines = data["lines"]
    if not isinstance(lines, list):
        raise InputError(f"{where}: 'lines' is not a list")
    found: list[Line] = []
    for index, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping) or not isinstance(line.get("charge"), str):
            raise InputError(f"{where}: line {index} of the bill has no charge")
        rule = line.get("rule")
        found.append(
            (
                line["charge"],
                _number(line.get("amount"), f"the amount of {line['charge']}", where),
                rule if isinstance(rule, str) else None,
            )
        )
    use_class = data.get("use_class")
    return _checked(
        RunRow(
            ruleset=str(data["ruleset"]),
            currency=str(data["currency"]) if data.get("currency") else None,
            use_class=str(use_class) if use_class else NOT_RECORDED,
            meter=_meter(data.get("meter_mm"), "meter_mm" in data),
            usage=_number(data.get("usage_m3", "0"), "usage_m3", where),
            estimated=data.get("estimated") is True,
            total=_number(data["total"], "total", where),
            lines=tuple(found),
            not_included=tuple(
                str(n.get("charge")) for n in data.get("not_included") or () if isinstance(n, Mapping)
            ),
        ),
        where,
    )


def result_row(result: Bill | BillingError | Outcome | Mapping[str, Any]) -> RunRow:
    """The :class:`RunRow` of a result from Python: a bill, an error, a batch
    :class:`~tariffcore.Outcome`, or a record as :func:`tariffcore.bill_to_dict` makes it."""
    if isinstance(result, Outcome):
        result = result.result
    if isinstance(result, BillingError):
        return RunRow(error=(result.code, result.message))
    if isinstance(result, Bill):
        return RunRow(
            ruleset=result.label,
            currency=result.currency,
            use_class=result.use_class or NOT_RECORDED,
            meter=NOT_RECORDED if result.use_class is None else _meter(result.meter_mm, True),
            usage=result.usage_m3,
            estimated=result.estimated,
            total=result.total,
            lines=tuple((line.charge, line.amount, line.rule) for line in result.lines),
            not_included=tuple(n.charge for n in result.not_included),
        )
    if isinstance(result, Mapping):
        return run_row(result, f"result of account {result.get('account')!r}")
    raise TypeError(f"not a bill, an error or an outcome: {type(result).__name__}")


# --------------------------------------------------------------------------- whole runs


class _Counter:
    """Distinct row texts with the number of rows each stands for, within a budget.

    A new text is parsed and kept in the young generation; when the young generation weighs
    half the budget, the old one is handed out (each summary with its count) and dropped, and
    the young one becomes old. A text met again in the old generation moves back, with its
    count, so the texts that keep coming back stay parsed.
    """

    def __init__(self, budget: int) -> None:
        self.half = max(budget // 2, 1)
        self.young: dict[Any, list[Any]] = {}
        self.old: dict[Any, list[Any]] = {}
        self.weight = 0

    def add(self, key: Any, size: int, parse: Callable[[], RunRow]) -> list[Any]:
        """The kept entry ``[summary, count]`` of ``key`` (made with ``parse`` if new)."""
        cell = self.old.pop(key, None)
        if cell is None:
            cell = [parse(), 0]
        self.weight += size + _ENTRY
        self.young[key] = cell
        return cell

    def full(self) -> bool:
        return self.weight > self.half

    def retire(self) -> Iterator[tuple[RunRow, int]]:
        old, self.old, self.young, self.weight = self.old, self.young, {}, 0
        yield from _drain(old)

    def drain(self) -> Iterator[tuple[RunRow, int]]:
        yield from _drain(self.old)
        yield from _drain(self.young)
        self.old, self.young, self.weight = {}, {}, 0


def _drain(cells: dict[Any, list[Any]]) -> Iterator[tuple[RunRow, int]]:
    for cell in cells.values():
        if cell[1]:
            yield cell[0], cell[1]
            cell[1] = 0


def _json_record(text: bytes, where: str) -> Mapping[str, Any]:
    try:
        record = json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise InputError(
            f"{where} is not JSON ({reason}): is this the output of `tariffcore bill`?"
        ) from None
    if not isinstance(record, dict):
        raise InputError(f"{where} is not a JSON object")
    return record


def _jsonl_counts(stream: Iterable[bytes], name: str, budget: int) -> Iterator[tuple[RunRow, int]]:
    counter = _Counter(budget)
    young = counter.young
    for number, line in enumerate(stream, start=1):
        # Rows that differ only in their account share the rest of their text: count it.
        end = line.find(b'",', 12) if line.startswith(_PREFIX) else -1
        if end < 0 or line.find(b"\\", 12, end) >= 0:
            if not line.strip():
                continue
            where = f"{name}: line {number}"
            yield run_row(_json_record(line, where), where), 1
            continue
        tail = line[end + 2 :]
        cell = young.get(tail)
        if cell is None:
            where = f"{name}: line {number}"
            cell = counter.add(
                tail,
                len(tail),
                lambda: run_row(_json_record(b"{" + tail, where), where),  # noqa: B023 (add calls it at once)
            )
            if counter.full():
                yield from counter.retire()
                young = counter.young
        cell[1] += 1
    yield from counter.drain()


def _csv_counts(stream: IO[str], name: str, budget: int) -> Iterator[tuple[RunRow, int]]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    for required in (
        "account",
        "ruleset",
        "usage_m3",
        "other_charges",
        "total",
        "not_included",
        "error_code",
        "error_message",
    ):
        if required not in header:
            raise InputError(f"{name}: no column {required!r}: not the CSV output of `tariffcore bill`")
    at = {column: index for index, column in enumerate(header)}
    account = at["account"]
    charges = header[at["usage_m3"] + 1 : at["other_charges"]]
    first = at["usage_m3"] + 1
    counter = _Counter(budget)

    def parse(values: list[str], where: str) -> RunRow:
        def get(column: str) -> str:
            index = at.get(column)
            return values[index].strip() if index is not None and index < len(values) else ""

        if get("error_code"):
            return RunRow(error=(get("error_code"), get("error_message")))
        lines: list[Line] = []
        for offset, charge in enumerate(charges):
            text = values[first + offset].strip() if first + offset < len(values) else ""
            if text:
                lines.append((charge, _number(text, f"the amount of {charge}", where), None))
        for pair in filter(None, get("other_charges").split(";")):
            charge, _, amount = pair.partition("=")
            lines.append((charge, _number(amount, f"the amount of {charge}", where), None))
        return _checked(
            RunRow(
                ruleset=get("ruleset"),
                currency=None,
                use_class=get("use_class") or NOT_RECORDED,
                meter=_meter(get("meter_mm"), "meter_mm" in at),
                usage=_number(get("usage_m3") or "0", "usage_m3", where),
                total=_number(get("total"), "total", where),
                lines=tuple(lines),
                not_included=tuple(filter(None, get("not_included").split(";"))),
            ),
            where,
        )

    for values in reader:
        if not values:
            continue
        where = f"{name}: line {reader.line_num}"
        if len(values) > len(header):
            raise InputError(f"{where} has more fields than the header")
        key = tuple(values[:account] + values[account + 1 :])
        cell = counter.young.get(key)
        if cell is None:
            cell = counter.add(
                key,
                sum(map(len, key)),
                lambda: parse(values, where),  # noqa: B023 (add calls it at once)
            )
            if counter.full():
                yield from counter.retire()
        cell[1] += 1
    yield from counter.drain()


def _parquet_counts(path: Path, budget: int) -> Iterator[tuple[RunRow, int]]:
    counter = _Counter(budget)

    def parse(record: Mapping[str, Any], where: str) -> RunRow:
        if record.get("error_code"):
            return RunRow(error=(str(record["error_code"]), str(record.get("error_message") or "")))
        lines, missing = record.get("lines"), record.get("not_included")
        if not isinstance(lines, list) or record.get("total") is None:
            raise InputError(f"{where}: no 'lines' or 'total': not the Parquet output of `tariffcore bill`")
        # decimal128 columns carry six places: 17000.000000 is the 17000 of the JSON lines.
        lines = [{k: plain(v) if isinstance(v, Decimal) else v for k, v in line.items()} for line in lines]
        data = {k: plain(v) if isinstance(v, Decimal) else v for k, v in record.items()}
        data.update(lines=lines, not_included=[{"charge": c} for c in missing or ()])
        if "meter_mm" not in record:
            data.pop("meter_mm", None)
        return run_row(data, where)

    for chunk in read_chunks(path, "parquet"):
        for number, record in chunk.rows:
            where = f"{path}: row {number}"
            if not isinstance(record, Mapping):
                raise InputError(f"{where} cannot be read")
            # A row's nested lines and lists, as text: equal rows give equal keys.
            key = json.dumps([v for column, v in record.items() if column != "account"], default=str)
            cell = counter.young.get(key)
            if cell is None:
                cell = counter.add(
                    key,
                    len(key),
                    lambda: parse(record, where),  # noqa: B023 (add calls it at once)
                )
                if counter.full():
                    yield from counter.retire()
            cell[1] += 1
    yield from counter.drain()


def counted_rows(
    source: str | Path | IO[bytes], format: str | None = None, *, budget: int = DEFAULT_BUDGET
) -> Iterator[tuple[RunRow, int]]:
    """Every row of a run as ``(summary, count)`` pairs: the counts add up to the rows.

    ``source`` is a path (``-``: standard input) or an open binary stream; ``format`` is
    ``jsonl``, ``csv`` or ``parquet``, by default from the file name (standard input and
    streams: JSON lines, the default output of ``bill``). Equal rows come out together, so
    the pairs are not in input order.
    """
    if not isinstance(source, (str, Path)):
        yield from _stream_counts(source, "the input", format or "jsonl", budget)
        return
    if str(source) == "-":
        yield from _stream_counts(sys.stdin.buffer, "standard input", format or "jsonl", budget)
        return
    path = Path(source)
    if not path.is_file():
        raise OSError(f"no such run file: {source}")
    kind = input_format(str(path), format)
    if kind == "parquet":
        yield from _parquet_counts(path, budget)
        return
    with path.open("rb") as stream:
        yield from _stream_counts(stream, str(source), kind, budget)


def _stream_counts(stream: IO[bytes], name: str, kind: str, budget: int) -> Iterator[tuple[RunRow, int]]:
    if kind == "jsonl":
        yield from _jsonl_counts(stream, name, budget)
    elif kind == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from _csv_counts(text, name, budget)
        finally:
            text.detach()  # the stream is its opener's to close
    else:
        raise InputError(f"cannot read a run as {kind!r} from {name} (jsonl, csv or parquet)")


# --------------------------------------------------------------------------- whole bills


def bill_records(source: str | Path | IO[bytes]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(line number, record)`` for every row of the JSON lines of a run (a bill or an
    error row), one at a time."""
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            yield from bill_records(sys.stdin.buffer)
            return
        path = Path(source)
        if not path.is_file():
            raise OSError(f"no such run file: {source}")
        if input_format(str(path), None) != "jsonl":
            raise InputError(
                f"{source}: a notice needs the JSON lines of `tariffcore bill` (its "
                "default output, e.g. bills.jsonl), which carry every line's tiers, "
                "rounding and sources and the reading's dates and reads; its CSV and "
                "Parquet outputs do not"
            )
        with path.open("rb") as stream:
            yield from _records(stream, str(source))
        return
    yield from _records(source, "the input")


def _records(stream: Iterable[bytes], name: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, _json_record(line, f"{name}: line {number}")


def _date(value: Any, what: str, where: str) -> date | None:
    if value is None:
        return None
    try:
        text = str(value)
        return date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise InputError(f"{where}: {what} {value!r} is not a date") from None


def _opt(value: Any, what: str, where: str) -> Decimal | None:
    return None if value is None else _number(value, what, where)


def bill_from_dict(data: Mapping[str, Any], catalog: Catalog, where: str = "the bill") -> Bill:
    """The :class:`~tariffcore.Bill` a JSON-lines record of ``bill`` was written from.

    The record names its sources by id; their titles and links are taken from the installed
    ruleset version that each line names, so a run billed with rulesets other than the
    installed ones fails here with a clear error rather than citing the wrong source.
    """
    if "error" in data:
        error = data["error"]
        raise InputError(
            f"{where}: an error row, not a bill ({error.get('code')}: {error.get('message')})"
            if isinstance(error, Mapping)
            else f"{where}: an error row, not a bill"
        )
    label = str(data.get("ruleset") or "")
    ruleset_id, _, version_label = label.partition("@")
    if not version_label:
        raise InputError(f"{where}: 'ruleset' is {label!r}, not id@version")
    ruleset = catalog.ruleset(ruleset_id)
    known: dict[str, dict[str, SourceRef]] = {}

    def sources(ids: Any, version: str, charge: str) -> tuple[SourceRef, ...]:
        refs: list[SourceRef] = []
        for one in version.split("+"):
            if one not in known:
                spec = ruleset.version(one).spec
                known[one] = {s.id: SourceRef(s.id, s.title, s.tag, s.url) for s in spec.sources}
        for source_id in ids or ():
            ref = next((known[v][source_id] for v in version.split("+") if source_id in known[v]), None)
            if ref is None:
                raise InputError(
                    f"{where}: line {charge} cites source {source_id!r}, which "
                    f"{ruleset_id}@{version} as installed does not have: the run "
                    "was billed with other rulesets than those installed"
                )
            refs.append(ref)
        return tuple(refs)

    def slices(items: Any, charge: str) -> tuple[TierSlice, ...]:
        return tuple(
            TierSlice(
                tier=int(s["tier"]),
                lower=_number(s["above"], "a tier bound", where),
                upper=_opt(s.get("upto"), "a tier bound", where),
                quantity=_number(s["quantity"], "a tier's quantity", where),
                rate=_number(s["rate"], "a tier's rate", where),
                amount=_number(s["amount"], "a tier's amount", where),
                use_class=str(s["use_class"]),
                version=s.get("version"),
            )
            for s in items or ()
        )

    lines = []
    try:
        for line in data["lines"]:
            charge = str(line["charge"])
            version = str(line["version"])
            parts = tuple(
                LinePart(
                    version=str(p["version"]),
                    start=_date(p["from"], "a part's start", where) or date.min,
                    end=_date(p["to"], "a part's end", where) or date.min,
                    days=int(p["days"]),
                    period_days=int(p["period_days"]),
                    quantity=_opt(p.get("quantity"), "a part's quantity", where),
                    amount=_number(p["amount"], "a part's amount", where),
                    unit_price=_opt(p.get("unit_price"), "a part's unit price", where),
                    slices=slices(p.get("slices"), charge),
                    notes=tuple(p.get("notes") or ()),
                )
                for p in line.get("parts") or ()
            )
            lines.append(
                BillLine(
                    charge=charge,
                    label=str(line["label"]),
                    amount=_number(line["amount"], f"the amount of {charge}", where),
                    unrounded=_number(
                        line.get("unrounded", line["amount"]), f"the unrounded {charge}", where
                    ),
                    rounding=line.get("rounding"),
                    rule=str(line["rule"]),
                    version=version,
                    sources=sources(line.get("source"), version, charge),
                    quantity=_opt(line.get("quantity"), f"the quantity of {charge}", where),
                    unit=line.get("unit"),
                    unit_price=_opt(line.get("unit_price"), f"the unit price of {charge}", where),
                    slices=slices(line.get("slices"), charge),
                    notes=tuple(line.get("notes") or ()),
                    parts=parts,
                )
            )
        reads = data.get("reads")
        meter = None
        if isinstance(reads, Mapping):
            meter = MeterReads(
                _number(reads["previous"], "the previous read", where),
                _number(reads["current"], "the current read", where),
                reads.get("digits"),
                _opt(reads.get("old_final"), "the old meter's final read", where),
                _opt(reads.get("new_initial"), "the new meter's first read", where),
            )
        usage = _number(data["usage_m3"], "usage_m3", where)
        reading = Reading(
            usage,
            _date(data.get("billing_month"), "billing_month", where),
            _date(data.get("period_start"), "period_start", where),
            _date(data.get("period_end"), "period_end", where),
            _date(data.get("due_date"), "due_date", where),
            data.get("estimated") is True,
            meter,
        )
        meter_mm = data.get("meter_mm")
        households = data.get("household_units")
        return Bill(
            account=str(data["account"]),
            ruleset=ruleset_id,
            version=version_label,
            currency=str(data["currency"]),
            usage_m3=usage,
            lines=tuple(lines),
            total=_number(data["total"], "total", where),
            not_included=tuple(
                NotIncluded(str(n["charge"]), str(n["reason"])) for n in data.get("not_included") or ()
            ),
            reading=reading,
            use_class=data.get("use_class"),
            meter_mm=int(meter_mm) if meter_mm is not None else None,
            household_units=int(households) if households is not None else None,
        )
    except (KeyError, TypeError) as exc:
        raise InputError(
            f"{where}: not a bill written by `tariffcore bill` (missing or malformed {exc})"
        ) from None
    except ValueError as exc:  # the bill's own checks: the lines do not add up to the total
        raise InputError(f"{where}: {exc}") from None
