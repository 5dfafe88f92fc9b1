"""Rows in and out: reading input rows (CSV, JSON lines, Parquet) into accounts and readings,
in chunks, and writing bills and error rows.
"""

from __future__ import annotations

from .arrow import AMOUNT_PRECISION, AMOUNT_SCALE, BillColumns, pyarrow
from .cells import plain_record, plain_value
from .chunks import (
    CHUNK_ROWS,
    Chunk,
    Payload,
    input_format,
    open_text,
    read_chunks,
)
from .csvtext import FIELD_LIMIT, blank, check_csv_file, check_header, csv_reader, records, unreadable
from .dates import parse_date, parse_month
from .inputs import (
    JSONL_SUFFIXES,
    KNOWN_COLUMNS,
    Row,
    field_text,
    jsonl_records,
    missing_columns,
    parse_row,
    read_rows,
)
from .jsonlines import json_lines
from .output import (
    CSV_LEADING,
    CSV_TRAILING,
    BillWriter,
    bill_to_dict,
    charge_cells,
    compact_json,
    error_to_dict,
    explain_bill,
    line_to_dict,
    utf8,
    writer_for,
)
from .parquet import (
    ParquetBillWriter,
    ParquetRowsWriter,
)
from .progress import (
    Progress,
    clock,
)
from .sqlite import (
    SqliteBillWriter,
    SqliteFile,
    Table,
    line_rows,
    quoted,
    sql_text,
)

__all__ = [
    "FIELD_LIMIT",
    "blank",
    "check_csv_file",
    "check_header",
    "csv_reader",
    "records",
    "unreadable",
    "AMOUNT_PRECISION",
    "AMOUNT_SCALE",
    "BillColumns",
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
    "bill_to_dict",
    "charge_cells",
    "clock",
    "compact_json",
    "utf8",
    "error_to_dict",
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
    "sql_text",
    "writer_for",
]
