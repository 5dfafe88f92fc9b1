"""Billing a partitioned dataset, one task per partition, on one machine or a Dask cluster.

A partitioned dataset is a list of input files (CSV, JSON lines or Parquet), each a part of
the city. :func:`bill_partition` bills one part into its own JSON-lines file, streaming, with
the same engine and the same output as ``tariffcore bill``; :func:`bill_dataset` runs every
part as a task on a Dask cluster (``dask.distributed``, optional: ``tariffcore[dask]``) and
returns what each task did. Concatenating the parts' outputs in order gives exactly the output
of one ``tariffcore bill`` over the concatenated input.

The engine travels to the workers pickled (as the recipe to load its rulesets), and each
worker process loads and compiles the rulesets once::

    from dask.distributed import Client, LocalCluster
    from tariffcore.batch import BatchEngine
    from tariffcore.partitions import bill_dataset

    engine = BatchEngine.load("kr/<city>")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \\
            Client(cluster) as client:
        parts = bill_dataset(engine, ["city/part-0.csv", "city/part-1.csv"], "bills/", client)
    sum(part.errors for part in parts)  # error rows, as `tariffcore bill` counts them
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..rows import input_format, read_chunks
from .engine import BatchEngine
from .workers import csv_file_to_jsonl

__all__ = ["PartitionResult", "bill_dataset", "bill_partition"]


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """What billing one partition did: its input, its output, rows and error rows."""

    source: str
    output: str
    rows: int
    errors: int


def bill_partition(
    engine: BatchEngine, source: str | Path, output: str | Path, given: str | None = None
) -> PartitionResult:
    """Bill every row of ``source`` into the JSON-lines file ``output``, streaming.

    ``given`` is the input format (``csv``, ``jsonl`` or ``parquet``; default from the name).
    """
    rows = errors = 0
    if input_format(str(source), given) == "csv":
        with open(output, "wb") as stream:
            rows, errors = csv_file_to_jsonl(engine, source, stream)
        return PartitionResult(str(source), str(output), rows, errors)
    with open(output, "wb") as stream:
        for chunk in read_chunks(source, given):
            data, count, failed = engine.jsonl(chunk)
            stream.write(data)
            rows += count
            errors += failed
    return PartitionResult(str(source), str(output), rows, errors)


def output_name(source: str | Path, index: int) -> str:
    """``part-00003.jsonl`` for the fourth partition (names keep the input order)."""
    return f"part-{index:05d}.jsonl"


def bill_dataset(
    engine: BatchEngine,
    sources: Sequence[str | Path],
    output_dir: str | Path,
    client: Any = None,
    input_format: str | None = None,
) -> list[PartitionResult]:
    """Bill every partition in ``sources`` as one Dask task each; results in input order.

    ``client`` is a ``dask.distributed.Client``; without one, Dask's default scheduler runs
    the tasks (processes are then the caller's choice through ``dask.config``).
    """
    import dask

    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    outputs = [str(target / output_name(source, index)) for index, source in enumerate(sources)]
    if client is not None:
        engine_future = client.scatter(engine, broadcast=True)
        futures = [
            client.submit(bill_partition, engine_future, str(source), out, input_format, pure=False)
            for source, out in zip(sources, outputs)
        ]
        return list(client.gather(futures))
    tasks = [
        dask.delayed(bill_partition)(engine, str(source), out, input_format)  # type: ignore[attr-defined]
        for source, out in zip(sources, outputs)
    ]
    return list(dask.compute(*tasks))  # type: ignore[attr-defined,no-untyped-call]
