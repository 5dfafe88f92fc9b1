"""``tariffcore.bill_table`` and ``bill_frame`` by columns and record by record, side by side.

    python benchmarks/tables.py [--distinct 1000000] [--runs 3]

The distinct city of ``run.py`` (every row its own meter reads, under ``kr/daejeon``) is read
into an Arrow table (``account`` and ``billing_month`` as text, the other columns as Arrow
guesses them: whole numbers) and billed by ``bill_table``, and read into a pandas DataFrame
(``pd.read_csv``, the same columns as text) and billed by ``bill_frame``, each with
``backend="fast"`` and with ``backend="python"``. Each run is a child process doing
everything but writing the result (imports, reading the CSV, billing), the two backends in
turn. Reported per backend: wall seconds (median), peak memory, rows a second; and whether
the two results are equal, value for value (for the frames, each value's type and ``repr``:
a Decimal's exponent too), checked by one more child process, not timed. Needs
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import BILLING_MONTH, make_city  # noqa: E402

BACKENDS = ("fast", "python")


def read(source: str, kind: str) -> Any:
    """``source`` as a ``kind``: an Arrow ``table`` or a pandas ``frame``."""
    if kind == "frame":
        import pandas as pd

        return pd.read_csv(source, dtype={"account": str, "billing_month": str})
    import pyarrow.csv as pcsv

    convert = pcsv.ConvertOptions(column_types={"account": "string", "billing_month": "string"})
    return pcsv.read_csv(source, convert_options=convert)


def bill(data: Any, kind: str, backend: str) -> Any:
    """``data`` (a ``kind``) billed by ``backend``."""
    import tariffcore

    billing = tariffcore.bill_frame if kind == "frame" else tariffcore.bill_table
    return billing(data, ruleset="kr/daejeon", backend=backend)


def same(source: str, kind: str) -> bool:
    """Whether both backends make the same result of ``source``, value for value (for a
    frame, each value's type and ``repr``: a Decimal's exponent too)."""
    data = read(source, kind)
    first, second = (bill(data, kind, backend) for backend in BACKENDS)
    if kind == "table":
        return bool(first.equals(second))
    return list(first.columns) == list(second.columns) and all(
        first[name].dtype == second[name].dtype
        and [(type(v), repr(v)) for v in first[name]] == [(type(v), repr(v)) for v in second[name]]
        for name in first.columns
    )


def run(source: Path, kind: str, backend: str) -> tuple[float, int]:
    """(wall seconds, peak MiB) of one child run."""
    started = time.perf_counter()
    command = [sys.executable, __file__, "--one", str(source), kind, backend]
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
    parser.add_argument("--one", nargs=3, metavar=("CSV", "KIND", "BACKEND"), help=argparse.SUPPRESS)
    parser.add_argument("--same", nargs=2, metavar=("CSV", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        source, kind, backend = args.one
        bill(read(source, kind), kind, backend)
        return
    if args.same:
        raise SystemExit(0 if same(*args.same) else 1)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    city = work / f"distinct-{args.distinct}-{BILLING_MONTH}.csv"
    make_city(city, args.distinct, reads=True)
    failed = False
    for kind in ("table", "frame"):
        found: dict[str, list[tuple[float, int]]] = {backend: [] for backend in BACKENDS}
        for _ in range(args.runs):
            for backend in BACKENDS:
                found[backend].append(run(city, kind, backend))
        equal = subprocess.run([sys.executable, __file__, "--same", str(city), kind]).returncode == 0
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
