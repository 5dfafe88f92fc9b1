"""Rows in and out: reading input rows (CSV, JSON lines, Parquet) into accounts and readings,
in chunks, and writing bills and error rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cells import plain_account, plain_record, plain_value
from .chunks import (
    CHUNK_ROWS,
    Chunk,
    Payload,
    input_format,
    open_text,
    read_chunks,
)
from .csvbills import (
    CSV_ACCOUNT,
    CSV_LEADING,
    CSV_LINES,
    CSV_MARK,
    CSV_TOTAL,
    CSV_TRAILING,
    CSV_USAGE,
    SAFE_CELL,
    charge_cells,
    csv_account,
    csv_cells,
    csv_line,
    csv_rest,
    csv_template,
)
from .csvtext import (
    FIELD_LIMIT,
    blank,
    check_csv_file,
    check_header,
    csv_reader,
    header_record,
    records,
    stdin_text,
    unreadable,
)
from .dates import parse_date, parse_month
from .inputs import (
    JSONL_SUFFIXES,
    KNOWN_COLUMNS,
    Row,
    account_id,
    error_account,
    field_text,
    jsonl_records,
    missing_columns,
    parse_row,
    read_rows,
)
from .jsonlines import Twice, TwiceError, exact_json, json_lines, record_error, reworded, twice_in
from .output import (
    EXPLAIN_LEVELS,
    BillWriter,
    CsvWriter,
    bill_to_dict,
    compact_json,
    error_to_dict,
    explain_bill,
    line_to_dict,
    reading_to_dict,
    utf8,
    writer_for,
)
from .progress import (
    Progress,
    clock,
)
from .render import BillTemplate, LineTemplate, reads_text

if TYPE_CHECKING:
    from .arrow import AMOUNT_PRECISION, AMOUNT_SCALE, LEAN_LINE, BillColumns, pyarrow
    from .parquet import ParquetBillWriter, ParquetRowsWriter
    from .sqlite import SqliteBillWriter, SqliteFile, Table, line_rows, quoted, sql_text

#: Where the names of Arrow, Parquet and SQLite output live: imported on first use, so that a
#: run writing JSON lines or CSV does not load them.
_LAZY = {
    **dict.fromkeys(("AMOUNT_PRECISION", "AMOUNT_SCALE", "LEAN_LINE", "BillColumns", "pyarrow"), "arrow"),
    **dict.fromkeys(("ParquetBillWriter", "ParquetRowsWriter"), "parquet"),
    **dict.fromkeys(("SqliteBillWriter", "SqliteFile", "Table", "line_rows", "quoted", "sql_text"), "sqlite"),
}


def __getattr__(name: str) -> Any:
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # found once: the next use is a plain attribute
    return value


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
    "AMOUNT_PRECISION",
    "AMOUNT_SCALE",
    "LEAN_LINE",
    "BillColumns",
    "plain_account",
    "plain_record",
    "plain_value",
    "pyarrow",
    "parse_date",
    "parse_month",
    "BillWriter",
    "CHUNK_ROWS",
    "CSV_LEADING",
    "CSV_TRAILING",
    "Chunk",
    "JSONL_SUFFIXES",
    "KNOWN_COLUMNS",
    "ParquetBillWriter",
    "ParquetRowsWriter",
    "Payload",
    "Progress",
    "Row",
    "SqliteBillWriter",
    "SqliteFile",
    "Table",
    "Twice",
    "TwiceError",
    "BillTemplate",
    "EXPLAIN_LEVELS",
    "LineTemplate",
    "account_id",
    "error_account",
    "bill_to_dict",
    "reading_to_dict",
    "reads_text",
    "charge_cells",
    "CSV_ACCOUNT",
    "CSV_LINES",
    "CSV_MARK",
    "CSV_TOTAL",
    "CSV_USAGE",
    "SAFE_CELL",
    "csv_account",
    "csv_cells",
    "csv_line",
    "csv_rest",
    "csv_template",
    "CsvWriter",
    "clock",
    "compact_json",
    "utf8",
    "error_to_dict",
    "exact_json",
    "explain_bill",
    "field_text",
    "input_format",
    "json_lines",
    "jsonl_records",
    "line_rows",
    "line_to_dict",
    "missing_columns",
    "open_text",
    "parse_row",
    "quoted",
    "read_chunks",
    "read_rows",
    "record_error",
    "reworded",
    "sql_text",
    "twice_in",
    "writer_for",
]
