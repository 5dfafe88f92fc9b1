"""The Dask path: a partitioned dataset billed on a local cluster of processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffcore.batch import BatchEngine, bill_dataset, bill_partition
from tariffcore.synthetic import COLUMNS, synthetic_city


def test_a_partitioned_city_bills_on_a_local_cluster_as_in_one_process(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    # billed in 2024-03, under Daejeon's step of the 2023-07 bill, which knows every class
    rows = [",".join(row.values()) for row in synthetic_city(4000, seed=5, billing_month="2024-03")]
    rows[17] = "X,household,13,1,5,2024-03"  # an error row travels too (no 13 mm meter)
    header = ",".join(COLUMNS)
    parts = []
    for index in range(4):
        part = tmp_path / f"in-{index}.csv"
        part.write_text(header + "\n" + "\n".join(rows[index * 1000 : (index + 1) * 1000]) + "\n")
        parts.append(part)
    whole = tmp_path / "all.csv"
    whole.write_text(header + "\n" + "\n".join(rows) + "\n")
    engine = BatchEngine.load("kr/daejeon")
    single = bill_partition(engine, whole, tmp_path / "single.jsonl")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = bill_dataset(engine, parts, tmp_path / "out", client)
    assert [r.rows for r in results] == [1000] * 4
    assert sum(r.errors for r in results) == single.errors == 1
    joined = b"".join(Path(r.output).read_bytes() for r in results)
    assert joined == Path(single.output).read_bytes()
