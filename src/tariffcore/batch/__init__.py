"""Billing many rows: the batch engine with its result cache, worker processes, and Dask
partitions.
"""

from __future__ import annotations

import typing as _typing

from ..lazy import lazy_face as _lazy_face
from ..rows import read_chunks
from .cache import (
    DEFAULT_CACHE_SIZE,
    ENTRY_WEIGHT,
    LARGEST_JOB_CACHE,
    OBJECT_WEIGHT,
    CacheStats,
    ResultCache,
    job_cache_size,
)
from .engine import BatchEngine, CatalogRecipe, column_text
from .fast import (
    AUTO_BYTES,
    BACKENDS,
    FAST_MISSING,
    fast_available,
    fast_csv_file_to_jsonl,
    fast_csv_to_jsonl,
    kind_bills,
    require_fast,
    use_fast,
)
from .fastcsv import fast_csv_file_to_csv, fast_csv_to_csv
from .fastframe import fast_frame
from .fastparquet import fast_csv_file_to_parquet, read_payloads
from .fastrecords import fast_parquet_file_to_jsonl
from .fasttable import TABLE_BLOCK, fast_table
from .forms import AS_FIGURES, AS_JSON, AS_LEAN_JSON, AS_OBJECT, Figured, Form, Printed, fragment, json_form
from .keys import CsvKeys, RecordKeys, RowKeys, Uncacheable, freeze, parsed_key
from .lean import LeanRows
from .outcome import BilledOutcome, FailedOutcome, Outcome
from .partitions import (
    PartitionResult,
    bill_dataset,
    bill_partition,
)
from .workers import (
    bill_csv_part,
    bill_csv_range,
    csv_file_to_csv,
    csv_file_to_jsonl,
    csv_parts,
    figures_work,
    jsonl_parallel,
    jsonl_work,
    results_work,
    run_chunks,
)

if _typing.TYPE_CHECKING:
    from .pool import WorkerError, WorkerPool


# The worker pool, imported when first used (with multiprocessing): a run in one process
# does not read it.
__getattr__, __dir__ = _lazy_face(__name__, {"WorkerError": "pool", "WorkerPool": "pool"})


__all__ = [
    "AUTO_BYTES",
    "TABLE_BLOCK",
    "BACKENDS",
    "FAST_MISSING",
    "fast_available",
    "kind_bills",
    "read_payloads",
    "fast_csv_file_to_jsonl",
    "fast_csv_file_to_csv",
    "fast_csv_file_to_parquet",
    "fast_frame",
    "fast_parquet_file_to_jsonl",
    "fast_table",
    "fast_csv_to_csv",
    "fast_csv_to_jsonl",
    "require_fast",
    "use_fast",
    "AS_FIGURES",
    "AS_JSON",
    "AS_LEAN_JSON",
    "AS_OBJECT",
    "BatchEngine",
    "BilledOutcome",
    "CacheStats",
    "CatalogRecipe",
    "CsvKeys",
    "DEFAULT_CACHE_SIZE",
    "Form",
    "ENTRY_WEIGHT",
    "FailedOutcome",
    "Figured",
    "LARGEST_JOB_CACHE",
    "LeanRows",
    "OBJECT_WEIGHT",
    "Outcome",
    "PartitionResult",
    "Printed",
    "RecordKeys",
    "ResultCache",
    "RowKeys",
    "Uncacheable",
    "WorkerError",
    "WorkerPool",
    "bill_csv_part",
    "bill_csv_range",
    "column_text",
    "bill_dataset",
    "bill_partition",
    "csv_file_to_csv",
    "csv_file_to_jsonl",
    "csv_parts",
    "figures_work",
    "fragment",
    "freeze",
    "job_cache_size",
    "json_form",
    "jsonl_parallel",
    "jsonl_work",
    "parsed_key",
    "read_chunks",
    "results_work",
    "run_chunks",
]
