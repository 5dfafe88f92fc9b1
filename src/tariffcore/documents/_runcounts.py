"""Counting the rows of a billing run (``tariffcore bill``): what a report adds up.

:func:`counted_rows` streams a run as :class:`~._runrow.RunRow` summaries, each with the number
of rows it stands for. A city's run repeats itself (the same bill for every account with the
same class, meter and usage, and ``bill`` writes such rows byte for byte the same but for the
account id), so a row is parsed once per distinct text and counted after that; the texts are
kept within a fixed budget, in two generations, so memory is the same for fifty thousand rows
or fifty million.

The JSON lines of ``bill`` carry everything; its CSV and Parquet outputs carry the amounts by
charge (Parquet also the lines as JSON) but not the reading's dates and reads.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..money import plain
from ..rows import CSV_LEADING, CSV_TRAILING, input_format, read_chunks
from ._runrow import NOT_RECORDED, Line, RunRow, exact_number, json_record, meter_text, reconciled, run_row

__all__ = ["DEFAULT_BUDGET", "counted_rows"]

#: Bytes of distinct row texts :func:`counted_rows` keeps (two generations of half each).
DEFAULT_BUDGET = 32 << 20
_ENTRY = 300  # what a kept row weighs besides its text: key, slot, the summary

_PREFIX = b'{"account":"'


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
            yield run_row(json_record(line, where), where), 1
            continue
        tail = line[end + 2 :]
        cell = young.get(tail)
        if cell is None:
            where = f"{name}: line {number}"
            cell = counter.add(
                tail,
                len(tail),
                lambda: run_row(json_record(b"{" + tail, where), where),  # noqa: B023 (add calls it at once)
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
    for required in (*CSV_LEADING, *CSV_TRAILING):
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
                lines.append((charge, exact_number(text, f"the amount of {charge}", where), None))
        for pair in filter(None, get("other_charges").split(";")):
            charge, _, amount = pair.partition("=")
            lines.append((charge, exact_number(amount, f"the amount of {charge}", where), None))
        return reconciled(
            RunRow(
                ruleset=get("ruleset"),
                currency=None,
                use_class=get("use_class") or NOT_RECORDED,
                meter=meter_text(get("meter_mm"), "meter_mm" in at),
                usage=exact_number(get("usage_m3") or "0", "usage_m3", where),
                total=exact_number(get("total"), "total", where),
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
