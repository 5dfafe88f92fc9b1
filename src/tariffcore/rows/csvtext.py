"""Reading CSV text anyone may have written: its header, its records, within limits.

Every CSV input (bill rows, histories, ledgers) is read through these, so that one careless or
hostile file is read the same way everywhere:

- a header that names a column twice (``usage_m3,…,usage_m3``) is refused: the file cannot be
  read as rows (:class:`~tariffcore.InputFileError`, exit status 2), since either value could be
  the one meant; blank column names are no names and may repeat;
- an empty line, or a line of blanks only, is no record;
- a field may be as long as :data:`FIELD_LIMIT` (16 MiB, far past the CSV module's own 128 KiB):
  a long field is read whole, and its row billed or refused by what it holds; a field longer
  still (an unterminated quote running through the rest of a file) is the error of its record,
  and reading goes on from the next line;
- any other record the CSV module cannot read is the error of that record, in its place;
- standard input is read as a file is (:func:`stdin_text`): UTF-8 with or without a byte order
  mark, lines ended by LF, CRLF or CR alike.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, InputFileError

__all__ = [
    "FIELD_LIMIT",
    "blank",
    "check_csv_file",
    "check_header",
    "csv_reader",
    "header_record",
    "records",
    "stdin_text",
    "unreadable",
]

#: The longest field read (in characters): a record holding a longer one is an error row.
FIELD_LIMIT = 16 << 20


def stdin_text() -> IO[str]:
    """Standard input as text, read as input files are: UTF-8 (a byte order mark is dropped),
    every line ending (LF, CRLF, CR) kept for the CSV module to read (``newline=""``)."""
    if sys.stdin is None:  # started with standard input closed
        raise InputFileError("standard input is closed: give the input as a file, or pipe it in")
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream put in place of standard input (tests, embedding)
        return sys.stdin
    return io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")


def csv_reader(lines: Iterable[str]) -> Any:
    """A :func:`csv.reader` of ``lines`` that reads fields up to :data:`FIELD_LIMIT`.

    (The CSV module's limit is one for the whole process; it is raised, never lowered.)
    """
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    return csv.reader(lines)


def check_header(header: Sequence[str], what: str = "the input") -> tuple[str, ...]:
    """``header`` as a tuple; a column named twice refuses the file."""
    seen: dict[str, int] = {}
    for index, name in enumerate(header, start=1):
        if not name.strip():
            continue
        if name in seen:
            raise InputFileError(
                f"{what}: the column {name!r} is given twice (columns {seen[name]} and {index}); "
                "name each column once"
            )
        seen[name] = index
    return tuple(header)


def blank(values: Sequence[str]) -> bool:
    """Whether a record read is no record: an empty line, or a line of blanks only."""
    return not values or (len(values) == 1 and not values[0].strip())


def unreadable(exc: csv.Error, line: int) -> InputError:
    """The error row of a record the CSV module cannot read, ending on line ``line``."""
    reason = str(exc)
    if "field larger than field limit" in reason:
        reason = f"a field is longer than {FIELD_LIMIT:,} characters (an unterminated quote?)"
    return InputError(f"line {line} cannot be read as CSV: {reason}")


def records(reader: Any, offset: int = 0) -> Iterator[tuple[int, list[str] | InputError]]:
    """``(line number, values)`` for every record of ``reader`` (a :func:`csv_reader`), blank
    ones left out; a record the CSV module cannot read gives its :class:`InputError` in its
    place, and reading goes on with the next line."""
    while True:
        try:
            for values in reader:
                if blank(values):
                    continue
                yield reader.line_num + offset, values
            return
        except csv.Error as exc:
            number = reader.line_num + offset
            yield number, unreadable(exc, number)


def header_record(reader: Any, what: str = "the input") -> tuple[str, ...] | None:
    """The header of ``reader`` (a :func:`csv_reader`): its first record that is not blank,
    checked by :func:`check_header`; ``None`` for an input with no record. A header the CSV
    module cannot read makes the file unreadable (:class:`~tariffcore.InputFileError`)."""
    first = next(records(reader), None)
    if first is None:
        return None
    if isinstance(first[1], InputError):
        whose = "the" if what == "the input" else f"{what}'s"
        raise InputFileError(f"{whose} header cannot be read: {first[1].message}")
    return check_header(first[1], what)


def check_csv_file(path: str | Path, what: str = "the input") -> None:
    """Refuse the CSV file ``path`` before anything is written when its header names a column
    twice (the readers would refuse it at its first row)."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        first = next(records(csv_reader(stream)), None)
    if first is not None and isinstance(first[1], list):
        check_header(first[1], what)
