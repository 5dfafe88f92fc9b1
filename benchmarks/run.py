"""The city-scale benchmark: tariffcore against OpenFisca and a hand-written Decimal function.

    python benchmarks/run.py [--accounts 500000] [--distinct 1000000] [--runs 3]
                             [--flatness 5000000] [--only NAME ...]

Two cities, both billed in ``daejeon_by_hand.BILLING_MONTH`` (a month of the 2023-07 step, the
last Daejeon table the digest gives whole), under ``kr/daejeon``:

* **the benchmark city** (``--accounts`` rows, ``tariffcore.synthetic``): whole-m³ usage,
  so most rows repeat (about 4 % are distinct) and the result cache serves the rest;
* **the distinct city** (``--distinct`` rows, ``tariffcore.synthetic --reads``): each row
  gives its meter's previous and current reads, so every row is distinct, as real readings
  are.

For each city the same job, CSV in and JSON lines out, whole process (start-up, reading,
billing, writing), runs in its own child process, ``--runs`` times in interleaved rounds:
``tariffcore bill --backend python`` (and, on the benchmark city, ``--jobs 2``), with the
fast backend installed (``tariffcore[fast]``) ``--backend fast`` to JSON lines and to Parquet
and ``--explain full`` (the default backend), OpenFisca
(``peer_openfisca.py``, a small OpenFisca model of the same tariff) and the hand-written
function (``peer_handwritten.py``). Wall and CPU seconds (user + system of the child and its
workers) and the child's peak resident memory (``wait4`` rusage; for ``--jobs 2`` the largest
process, not the sum) are recorded; medians are reported.

Exactness: every bill of tariffcore's output and of OpenFisca's is compared with the
hand-written function's, line by line and total, to the won (a Parquet output is read back
with pyarrow in a child process, so this process stays small: a child's peak memory counts
what it was forked with). Memory flatness: tariffcore's peak memory billing the distinct city
at ``--distinct`` rows and at ``--flatness`` rows, per backend (JSON lines to /dev/null, so
disk space is not the limit).

Results go to ``benchmarks/results/latest.json`` and ``latest.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results"

sys.path.insert(0, str(ROOT))
from benchmarks.daejeon_by_hand import BILLING_MONTH  # noqa: E402

Run = tuple[float, int, float]


def run_child(command: list[str]) -> Run:
    """Run ``command``; return (wall seconds, peak resident memory in MiB, CPU seconds).

    CPU is user + system time of the child and the children it waited for (``--jobs``
    workers); peak memory is the largest of those processes, not their sum."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: some rows became error rows
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def make_city(path: Path, accounts: int, reads: bool = False) -> None:
    if path.exists():
        return
    print(f"generating {accounts:,} accounts into {path}", flush=True)
    command = [sys.executable, "-m", "tariffcore.synthetic", str(accounts), "--billing-month", BILLING_MONTH]
    with path.open("w", encoding="utf-8") as stream:
        subprocess.run(command + (["--reads"] if reads else []), stdout=stream, check=True)


def parquet_lines(path: Path) -> Iterator[str]:
    """The bills of a Parquet output as JSON lines of their amounts (what :func:`amounts`
    reads), made by a child process (see the module)."""
    target = path.with_suffix(".amounts.jsonl")
    subprocess.run([sys.executable, __file__, "--amounts-of", str(path), str(target)], check=True)
    with target.open(encoding="utf-8") as stream:
        yield from stream
    target.unlink()


def write_amounts(source: Path, target: Path) -> None:
    """Write the amounts of the Parquet bills ``source`` as JSON lines to ``target``."""
    import pyarrow.parquet as pq

    columns = ["account", "lines", "total", "error_code"]
    with target.open("w", encoding="utf-8") as out:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=8192, columns=columns):
            for row in batch.to_pylist():
                if row["error_code"] is not None:
                    out.write(json.dumps({"account": row["account"], "error": {}}) + "\n")
                    continue
                lines = [{"charge": line["charge"], "amount": str(line["amount"])} for line in row["lines"]]
                out.write(
                    json.dumps({"account": row["account"], "lines": lines, "total": str(row["total"])}) + "\n"
                )


def amounts(line: str) -> tuple[str, dict[str, Decimal] | None]:
    data = json.loads(line)
    if "error" in data:
        return data["account"], None
    found = {item["charge"]: Decimal(item["amount"]) for item in data["lines"]}
    found["total"] = Decimal(data["total"])
    return data["account"], found


def differences(candidate: Path, reference: Path) -> tuple[int, int, list[str]]:
    """(bills compared, bills differing, a few examples), streaming both files."""
    compared = differing = 0
    examples: list[str] = []
    with contextlib.ExitStack() as stack:
        a: Iterable[str] = (
            parquet_lines(candidate)
            if candidate.suffix == ".parquet"
            else stack.enter_context(candidate.open(encoding="utf-8"))
        )
        b = stack.enter_context(reference.open(encoding="utf-8"))
        for left, right in zip(a, b, strict=True):
            account, mine = amounts(left)
            other_account, theirs = amounts(right)
            compared += 1
            if account != other_account or mine != theirs:
                differing += 1
                if len(examples) < 5:
                    examples.append(f"{account}: {mine} vs {theirs}")
    return compared, differing, examples


def commands_for(
    city: Path, work: Path, tag: str, jobs: bool, fast: bool = False
) -> dict[str, tuple[list[str], Path]]:
    """The engines' commands for ``city``, each with the file it writes."""
    tariffcore = [str(BIN / "tariffcore"), "bill", str(city), "--ruleset", "kr/daejeon", "--progress", "off"]
    found: dict[str, tuple[list[str], Path]] = {}
    out = work / f"{tag}-tariffcore.jsonl"
    found["tariffcore"] = ([*tariffcore, "-o", str(out), "--backend", "python"], out)
    if jobs:
        out = work / f"{tag}-tariffcore-j2.jsonl"
        found["tariffcore-j2"] = ([*tariffcore, "-o", str(out), "--jobs", "2", "--backend", "python"], out)
    if fast:  # the fast backend (tariffcore[fast]): JSON lines, Parquet, and the full explanation
        out = work / f"{tag}-tariffcore-fast.jsonl"
        found["tariffcore-fast"] = ([*tariffcore, "-o", str(out), "--backend", "fast"], out)
        out = work / f"{tag}-tariffcore-fast.parquet"
        found["tariffcore-fast-parquet"] = ([*tariffcore, "-o", str(out), "--backend", "fast"], out)
        out = work / f"{tag}-tariffcore-full.jsonl"
        found["tariffcore-full"] = ([*tariffcore, "-o", str(out), "--explain", "full"], out)
    out = work / f"{tag}-openfisca.jsonl"
    found["openfisca"] = ([sys.executable, str(HERE / "peer_openfisca.py"), str(city), str(out)], out)
    out = work / f"{tag}-handwritten.jsonl"
    found["handwritten"] = ([sys.executable, str(HERE / "peer_handwritten.py"), str(city), str(out)], out)
    return found


def summarise(runs: dict[str, list[Run]], rows: int) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for name, found in runs.items():
        seconds = statistics.median(s for s, _, _ in found)
        cpu = statistics.median(c for _, _, c in found)
        summary[name] = {
            "median_seconds": round(seconds, 3),
            "bills_per_second": round(rows / seconds),
            "peak_mib": statistics.median(m for _, m, _ in found),
            "median_cpu_seconds": round(cpu, 3),
            "bills_per_cpu_second": round(rows / cpu),
            "runs_seconds": [round(s, 3) for s, _, _ in found],
        }
    return summary


def ratios(summary: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Each tariffcore engine against OpenFisca (speed, CPU, memory) and the hand-written loop."""
    of, hand = summary["openfisca"], summary["handwritten"]
    found = {}
    for name, result in summary.items():
        if not name.startswith("tariffcore"):
            continue
        key = name.replace("-", "_")
        found[f"{key}_vs_openfisca_speed"] = round(of["median_seconds"] / result["median_seconds"], 2)
        found[f"{key}_vs_openfisca_cpu"] = round(of["median_cpu_seconds"] / result["median_cpu_seconds"], 2)
        found[f"{key}_vs_openfisca_memory"] = round(result["peak_mib"] / of["peak_mib"], 2)
        found[f"{key}_vs_handwritten_speed"] = round(hand["median_seconds"] / result["median_seconds"], 2)
    return found


#: Whether the fast backend (tariffcore[fast]: numpy, pyarrow) is installed.
FAST = all(importlib.util.find_spec(name) is not None for name in ("numpy", "pyarrow"))


def bench_city(name: str, city: Path, rows: int, runs: int, work: Path, jobs: bool) -> dict[str, Any]:
    """Interleaved rounds of every engine on ``city``, then exactness against the hand-written function."""
    commands = commands_for(city, work, name, jobs, FAST)
    found: dict[str, list[Run]] = {engine: [] for engine in commands}
    loads = []
    for round_number in range(1, runs + 1):
        loads.append(os.getloadavg()[0])
        for engine, (command, _) in commands.items():
            seconds, memory, cpu = run_child(command)
            found[engine].append((seconds, memory, cpu))
            print(
                f"{name} round {round_number} {engine:<14} {seconds:7.2f} s  {rows / seconds:>10,.0f} "
                f"bills/s  {memory:>6} MiB  cpu {cpu:6.2f} s",
                flush=True,
            )
    summary = summarise(found, rows)
    exact = {}
    for engine, (_, out) in commands.items():
        if engine == "handwritten":
            continue
        compared, differing, examples = differences(out, commands["handwritten"][1])
        exact[engine] = {"bills": compared, "differing": differing, "examples": examples}
        print(
            f"{name} exactness {engine}: {differing} of {compared:,} bills differ from the hand-written function",
            flush=True,
        )
    return {
        "rows": rows,
        "load_average_before_rounds": [round(x, 2) for x in loads],
        "results": summary,
        "ratios": ratios(summary),
        "exactness_vs_handwritten": exact,
    }


def flatness(work: Path, small: tuple[int, Path], large: int) -> dict[str, Any]:
    """tariffcore's peak memory on the distinct city at two sizes, per backend (and, with the
    fast backend, writing Parquet)."""
    big = work / f"distinct-{large}-{BILLING_MONTH}.csv"
    make_city(big, large, reads=True)
    runs: dict[str, list[str]] = {"python": ["--backend", "python", "-o", "/dev/null"]}
    if FAST:
        runs["fast"] = ["--backend", "fast", "-o", "/dev/null"]
        runs["fast-parquet"] = ["--backend", "fast", "-o", str(work / "flatness.parquet")]
    flat: dict[str, Any] = {}
    for backend, options in runs.items():
        found: dict[str, Any] = {}
        for rows, source in (small, (large, big)):
            command = [str(BIN / "tariffcore"), "bill", str(source), "--ruleset", "kr/daejeon"]
            seconds, memory, _ = run_child([*command, *options, "--progress", "off"])
            found[str(rows)] = {"seconds": round(seconds, 2), "peak_mib": memory}
            print(
                f"flatness {backend:<13} {rows:>10,} distinct rows: {memory} MiB in {seconds:.1f} s",
                flush=True,
            )
        sizes = sorted(found, key=int)
        found["growth"] = round(found[sizes[-1]]["peak_mib"] / found[sizes[0]]["peak_mib"] - 1, 3)
        flat[backend] = found
    return flat


def table(title: str, result: dict[str, Any]) -> list[str]:
    lines = [
        f"## {title}: {result['rows']:,} accounts",
        "",
        "| engine | median s | bills/s | peak MiB | CPU s | bills/CPU s | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in result["results"].items():
        lines.append(
            f"| {name} | {r['median_seconds']} | {r['bills_per_second']:,} | "
            f"{r['peak_mib']:.0f} | {r['median_cpu_seconds']} | "
            f"{r['bills_per_cpu_second']:,} | {', '.join(map(str, r['runs_seconds']))} |"
        )
    lines += [
        "",
        "Ratios (× OpenFisca's or the hand-written function's time; memory as a fraction of "
        "OpenFisca's): " + ", ".join(f"{k} {v}" for k, v in result["ratios"].items()),
        "Load average (1 min) before each round: "
        + ", ".join(f"{x:.2f}" for x in result["load_average_before_rounds"]),
        "",
    ]
    for name, e in result["exactness_vs_handwritten"].items():
        lines.append(
            f"- exactness {name}: {e['differing']} of {e['bills']:,} bills differ from "
            "the hand-written Decimal function"
        )
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=500_000, help="rows of the benchmark city (0: skip)")
    parser.add_argument("--distinct", type=int, default=1_000_000, help="rows of the distinct city (0: skip)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--flatness", type=int, default=5_000_000, help="distinct rows of the memory-flatness run (0: skip)"
    )
    parser.add_argument("--work", default=str(RESULTS / "work"), help="where inputs and outputs go")
    parser.add_argument("--amounts-of", nargs=2, metavar=("PARQUET", "JSONL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.amounts_of:
        write_amounts(Path(args.amounts_of[0]), Path(args.amounts_of[1]))
        return 0
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "billing_month": BILLING_MONTH,
        "runs": args.runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    lines = [
        f"# Benchmark under kr/daejeon ({BILLING_MONTH}), CSV → JSON lines, median of {args.runs} runs",
        "",
    ]
    if args.distinct:
        city = work / f"distinct-{args.distinct}-{BILLING_MONTH}.csv"
        make_city(city, args.distinct, reads=True)
        report["distinct"] = bench_city("distinct", city, args.distinct, args.runs, work, jobs=False)
        lines += table("Distinct city (meter reads, every row distinct)", report["distinct"])
        if args.flatness:
            report["memory_flatness"] = flat = flatness(work, (args.distinct, city), args.flatness)
            for backend, found in flat.items():
                sizes = sorted((k for k in found if k != "growth"), key=int)
                lines += [
                    f"- memory ({backend}) {int(k):,} distinct rows: {found[k]['peak_mib']} MiB "
                    f"({found[k]['seconds']} s)"
                    for k in sizes
                ]
                lines.append(
                    f"- memory growth ({backend}) {int(sizes[0]):,} → {int(sizes[-1]):,} rows: {found['growth']:.1%}"
                )
            lines.append("")
    if args.accounts:
        city = work / f"city-{args.accounts}-{BILLING_MONTH}.csv"
        make_city(city, args.accounts)
        report["benchmark"] = bench_city("benchmark", city, args.accounts, args.runs, work, jobs=True)
        lines += table("Benchmark city (whole-m³ usage, about 4 % of rows distinct)", report["benchmark"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
