"""Billing many rows: the batch engine with its result cache, worker processes, and Dask
partitions.
"""

from __future__ import annotations

from ..rows import read_chunks
from .cache import (
    DEFAULT_CACHE_SIZE,
    ENTRY_WEIGHT,
    OBJECT_WEIGHT,
    CacheStats,
    ResultCache,
    Uncacheable,
    freeze,
    parsed_key,
)
from .engine import BatchEngine, CatalogRecipe, column_text, fragment
from .outcome import BilledOutcome, FailedOutcome, Outcome
from .partitions import (
    PartitionResult,
    bill_dataset,
    bill_partition,
)
from .workers import (
    bill_csv_part,
    csv_file_to_jsonl,
    csv_parts,
    jsonl_parallel,
    jsonl_work,
    results_work,
    run_chunks,
)

__all__ = [
    "BatchEngine",
    "BilledOutcome",
    "CacheStats",
    "CatalogRecipe",
    "DEFAULT_CACHE_SIZE",
    "ENTRY_WEIGHT",
    "FailedOutcome",
    "OBJECT_WEIGHT",
    "Outcome",
    "PartitionResult",
    "ResultCache",
    "Uncacheable",
    "bill_csv_part",
    "column_text",
    "bill_dataset",
    "bill_partition",
    "csv_file_to_jsonl",
    "csv_parts",
    "fragment",
    "freeze",
    "jsonl_parallel",
    "jsonl_work",
    "parsed_key",
    "read_chunks",
    "results_work",
    "run_chunks",
]
