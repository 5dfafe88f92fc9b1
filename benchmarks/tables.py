"""``tariffcore.bill_table`` and ``bill_frame`` by columns and record by record, side by side.

    python benchmarks/tables.py [--distinct 1000000] [--runs 3]

The distinct city of ``run.py`` (every row its own meter reads, under ``kr/daejeon``) is read
into an Arrow table (``account`` and ``billing_month`` as text, the other columns as Arrow
guesses them: whole numbers) and billed by ``bill_table``, and read into a pandas DataFrame
(``pd.read_csv``, the same columns as text) and billed by ``bill_frame``, each with
``backend="fast"`` and with ``backend="python"``. Each run is a child process doing
everything (imports, reading the CSV, billing, writing the result: the table as Parquet, the
frame as a pickle), the two backends in turn. Reported per backend: wall seconds (median),
peak memory, rows a second, and whether the two results are equal, value for value (for the
frames, each value's ``repr``: a Decimal's exponent too). Needs
``tariffcore[fast,dataframe]``; not part of ``make test`` (nor of ``make bench``).
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


def bill(source: str, kind: str, backend: str, target: str) -> None:
    """One run: read ``source`` as a ``kind`` (``table`` or ``frame``), bill it with
    ``backend``, write what comes to ``target``."""
    import tariffcore

    if kind == "frame":
        import pandas as pd

        frame = pd.read_csv(source, dtype={"account": str, "billing_month": str})
        tariffcore.bill_frame(frame, ruleset="kr/daejeon", backend=backend).to_pickle(target)
        return
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    convert = pcsv.ConvertOptions(column_types={"account": "string", "billing_month": "string"})
    table = pcsv.read_csv(source, convert_options=convert)
    pq.write_table(tariffcore.bill_table(table, ruleset="kr/daejeon", backend=backend), target)


def same(kind: str, first: Path, second: Path) -> bool:
    """Whether two results are equal, value for value."""
    if kind == "frame":
        import pandas as pd

        a, b = pd.read_pickle(first), pd.read_pickle(second)
        return list(a.columns) == list(b.columns) and all(
            a[name].dtype == b[name].dtype and list(map(repr, a[name])) == list(map(repr, b[name]))
            for name in a.columns
        )
    import pyarrow.parquet as pq

    return bool(pq.read_table(first).equals(pq.read_table(second)))


def run(source: Path, kind: str, backend: str, target: Path) -> tuple[float, int]:
    """(wall seconds, peak MiB) of one child run."""
    started = time.perf_counter()
    command = [sys.executable, __file__, "--one", str(source), kind, backend, str(target)]
    child = subprocess.Popen(command)
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
    parser.add_argument("--one", nargs=4, metavar=("CSV", "KIND", "BACKEND", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        bill(*args.one)
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    city = work / f"distinct-{args.distinct}-{BILLING_MONTH}.csv"
    make_city(city, args.distinct, reads=True)
    failed = False
    for kind in ("table", "frame"):
        found: dict[str, list[tuple[float, int]]] = {backend: [] for backend in BACKENDS}
        suffix = ".parquet" if kind == "table" else ".pickle"
        targets = {backend: work / f"bill-{kind}-{backend}{suffix}" for backend in BACKENDS}
        for _ in range(args.runs):
            for backend in BACKENDS:
                found[backend].append(run(city, kind, backend, targets[backend]))
        equal = same(kind, targets["fast"], targets["python"])
        print(f"bill_{kind}, {args.distinct:,} distinct kr/daejeon rows, {args.runs} runs each (medians):")
        for backend in BACKENDS:
            wall = statistics.median(seconds for seconds, _ in found[backend])
            peak = max(memory for _, memory in found[backend])
            print(f"  {backend:<7} {wall:7.2f} s  {peak:5} MiB  {args.distinct / wall:10,.0f} rows/s")
        print(f"  the two {kind}s are {'equal' if equal else 'NOT EQUAL'}, value for value", flush=True)
        failed |= not equal
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
