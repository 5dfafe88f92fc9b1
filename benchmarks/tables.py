"""``tariffcore.bill_table`` by columns and record by record, side by side.

    python benchmarks/tables.py [--distinct 1000000] [--runs 3]

The distinct city of ``run.py`` (every row its own meter reads, under ``kr/daejeon``) is read
into an Arrow table (``account`` and ``billing_month`` as text, the other columns as Arrow
guesses them: whole numbers) and billed by ``bill_table`` with ``backend="fast"`` and with
``backend="python"``, each run a child process doing everything (imports, reading the CSV,
billing, writing the table as Parquet), runs alternating. Reported per backend: wall seconds
(median), peak memory, rows a second, and whether the two tables are equal, value for value.
Needs ``tariffcore[fast,dataframe]``; not part of ``make test`` (nor of ``make bench``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import BILLING_MONTH, make_city  # noqa: E402

BACKENDS = ("fast", "python")


def bill(source: str, backend: str, target: str) -> None:
    """One run: read ``source``, bill it with ``backend``, write the table to ``target``."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    import tariffcore

    convert = pcsv.ConvertOptions(column_types={"account": "string", "billing_month": "string"})
    table = pcsv.read_csv(source, convert_options=convert)
    pq.write_table(tariffcore.bill_table(table, ruleset="kr/daejeon", backend=backend), target)


def run(source: Path, backend: str, target: Path) -> tuple[float, int]:
    """(wall seconds, peak MiB) of one child run."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--one", str(source), backend, str(target)])
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status:
        raise SystemExit(f"the {backend} run failed (status {status})")
    return elapsed, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--distinct", type=int, default=1_000_000, help="rows of the distinct city")
    parser.add_argument("--runs", type=int, default=3, help="runs of each backend")
    parser.add_argument("--work", default="benchmarks/results/work", help="where the city and tables go")
    parser.add_argument("--one", nargs=3, metavar=("CSV", "BACKEND", "PARQUET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        bill(*args.one)
        return
    import pyarrow.parquet as pq

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    city = work / f"distinct-{args.distinct}-{BILLING_MONTH}.csv"
    make_city(city, args.distinct, reads=True)
    found: dict[str, list[tuple[float, int]]] = {backend: [] for backend in BACKENDS}
    targets = {backend: work / f"bill-table-{backend}.parquet" for backend in BACKENDS}
    for _ in range(args.runs):
        for backend in BACKENDS:
            found[backend].append(run(city, backend, targets[backend]))
    same = pq.read_table(targets["fast"]).equals(pq.read_table(targets["python"]))
    print(f"bill_table, {args.distinct:,} distinct kr/daejeon rows, {args.runs} runs each (medians):")
    for backend in BACKENDS:
        wall = statistics.median(seconds for seconds, _ in found[backend])
        peak = max(memory for _, memory in found[backend])
        print(f"  {backend:<7} {wall:7.2f} s  {peak:5} MiB  {args.distinct / wall:10,.0f} rows/s")
    print(f"  the two tables are {'equal' if same else 'NOT EQUAL'}, value for value")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
