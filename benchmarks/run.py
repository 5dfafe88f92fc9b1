"""The city-scale benchmark: tariffcore against OpenFisca and a hand-written Decimal function.

    python benchmarks/run.py [--accounts 500000] [--runs 3] [--flatness 5000000]

1. Generates a synthetic city (``tariffcore.synthetic``: realistic mix of use classes, meter
   sizes, household counts and usage; deterministic) as CSV, billed in
   ``daejeon_by_hand.BILLING_MONTH`` (a month of the 2023-07 step, the last Daejeon table the
   digest gives whole).
2. Runs the same job, CSV in and JSON lines out, whole process (start-up, reading, billing,
   writing), each in its own child process, ``--runs`` times in interleaved rounds:
   ``tariffcore bill`` (one process, and ``--jobs 2``), OpenFisca (``peer_openfisca.py``, a
   small OpenFisca model of the same tariff) and the hand-written function
   (``peer_handwritten.py``). Wall time per run and the child's peak resident memory
   (``wait4`` rusage) are recorded; the median is reported.
3. Checks exactness: every bill of tariffcore's output and of OpenFisca's against the
   hand-written function's, line by line, to the won.
4. Checks memory flatness: tariffcore's peak memory billing ``--accounts`` rows and
   ``--flatness`` rows (to /dev/null, so disk space is not the limit).

Results go to ``benchmarks/results/latest.json`` and ``latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results"

sys.path.insert(0, str(ROOT))
from benchmarks.daejeon_by_hand import BILLING_MONTH  # noqa: E402


def run_child(command: list[str]) -> tuple[float, int, float]:
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


def make_city(path: Path, accounts: int) -> None:
    if path.exists():
        return
    print(f"generating {accounts:,} accounts into {path}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "tariffcore.synthetic", str(accounts), "--billing-month", BILLING_MONTH],
        stdout=path.open("w", encoding="utf-8"),
        check=True,
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
    with candidate.open(encoding="utf-8") as a, reference.open(encoding="utf-8") as b:
        for left, right in zip(a, b, strict=True):
            account, mine = amounts(left)
            other_account, theirs = amounts(right)
            compared += 1
            if account != other_account or mine != theirs:
                differing += 1
                if len(examples) < 5:
                    examples.append(f"{account}: {mine} vs {theirs}")
    return compared, differing, examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--flatness", type=int, default=5_000_000, help="rows for the memory-flatness run (0 to skip)"
    )
    parser.add_argument("--work", default=str(RESULTS / "work"), help="where inputs and outputs go")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    city = work / f"city-{args.accounts}-{BILLING_MONTH}.csv"
    make_city(city, args.accounts)
    out = {
        name: work / f"{name}.jsonl" for name in ("tariffcore", "tariffcore-j2", "openfisca", "handwritten")
    }
    commands = {
        "tariffcore": [
            str(BIN / "tariffcore"),
            "bill",
            str(city),
            "--ruleset",
            "kr/daejeon",
            "-o",
            str(out["tariffcore"]),
            "--progress",
            "off",
        ],
        "tariffcore-j2": [
            str(BIN / "tariffcore"),
            "bill",
            str(city),
            "--ruleset",
            "kr/daejeon",
            "-o",
            str(out["tariffcore-j2"]),
            "--progress",
            "off",
            "--jobs",
            "2",
        ],
        "openfisca": [sys.executable, str(HERE / "peer_openfisca.py"), str(city), str(out["openfisca"])],
        "handwritten": [
            sys.executable,
            str(HERE / "peer_handwritten.py"),
            str(city),
            str(out["handwritten"]),
        ],
    }
    runs: dict[str, list[tuple[float, int, float]]] = {name: [] for name in commands}
    loads = []
    for round_number in range(1, args.runs + 1):
        loads.append(os.getloadavg()[0])
        for name, command in commands.items():
            seconds, memory, cpu = run_child(command)
            runs[name].append((seconds, memory, cpu))
            print(
                f"round {round_number} {name:<14} {seconds:7.2f} s  {args.accounts / seconds:>10,.0f} "
                f"bills/s  {memory:>6} MiB  cpu {cpu:6.2f} s",
                flush=True,
            )
    summary: dict[str, dict[str, float]] = {}
    for name, found in runs.items():
        seconds = statistics.median(s for s, _, _ in found)
        cpu = statistics.median(c for _, _, c in found)
        summary[name] = {
            "median_seconds": round(seconds, 3),
            "bills_per_second": round(args.accounts / seconds),
            "peak_mib": statistics.median(m for _, m, _ in found),
            "median_cpu_seconds": round(cpu, 3),
            "bills_per_cpu_second": round(args.accounts / cpu),
            "runs_seconds": [round(s, 3) for s, _, _ in found],
        }
    exact = {}
    for name in ("tariffcore", "tariffcore-j2", "openfisca"):
        compared, differing, examples = differences(out[name], out["handwritten"])
        exact[name] = {"bills": compared, "differing": differing, "examples": examples}
        print(
            f"exactness {name}: {differing} of {compared:,} bills differ from the hand-written function",
            flush=True,
        )
    flat = {}
    if args.flatness:
        big = work / f"city-{args.flatness}.csv"
        make_city(big, args.flatness)
        for rows, source in ((args.accounts, city), (args.flatness, big)):
            seconds, memory, _ = run_child(
                [
                    str(BIN / "tariffcore"),
                    "bill",
                    str(source),
                    "--ruleset",
                    "kr/daejeon",
                    "-o",
                    "/dev/null",
                    "--progress",
                    "off",
                ]
            )
            flat[rows] = {"seconds": round(seconds, 2), "peak_mib": memory}
            print(f"flatness {rows:>10,} rows: {memory} MiB in {seconds:.1f} s", flush=True)
    tc, of = summary["tariffcore"], summary["openfisca"]
    report = {
        "accounts": args.accounts,
        "runs": args.runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before_rounds": [round(x, 2) for x in loads],
        },
        "results": summary,
        "ratios": {
            "tariffcore_vs_openfisca_speed": round(tc["bills_per_second"] / of["bills_per_second"], 2),
            "tariffcore_j2_vs_openfisca_speed": round(
                summary["tariffcore-j2"]["bills_per_second"] / of["bills_per_second"], 2
            ),
            "tariffcore_vs_handwritten_speed": round(
                tc["bills_per_second"] / summary["handwritten"]["bills_per_second"], 2
            ),
            "tariffcore_vs_openfisca_memory": round(tc["peak_mib"] / of["peak_mib"], 2),
            "tariffcore_vs_openfisca_cpu": round(of["median_cpu_seconds"] / tc["median_cpu_seconds"], 2),
        },
        "exactness_vs_handwritten": exact,
        "memory_flatness": flat,
    }
    if len(flat) == 2:
        small, large = (flat[k]["peak_mib"] for k in sorted(flat))
        report["memory_flatness"]["growth"] = round(large / small - 1, 3)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Benchmark: {args.accounts:,} accounts under kr/daejeon, CSV → JSON lines, "
        f"median of {args.runs} runs",
        "",
        "| engine | median s | bills/s | peak MiB | CPU s | bills/CPU s | runs (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in summary.items():
        lines.append(
            f"| {name} | {r['median_seconds']} | {r['bills_per_second']:,} | "
            f"{r['peak_mib']:.0f} | {r['median_cpu_seconds']} | "
            f"{r['bills_per_cpu_second']:,} | {', '.join(map(str, r['runs_seconds']))} |"
        )
    lines += [
        "",
        "Ratios: " + ", ".join(f"{k} {v}" for k, v in report["ratios"].items()),
        f"Load average (1 min) before each round: {', '.join(f'{x:.2f}' for x in loads)}",
        "",
    ]
    for name, e in exact.items():
        lines.append(
            f"- exactness {name}: {e['differing']} of {e['bills']:,} bills differ from "
            f"the hand-written Decimal function"
        )
    for rows, f in flat.items() if isinstance(flat, dict) else []:
        if isinstance(f, dict):
            lines.append(f"- memory {rows:,} rows: {f['peak_mib']} MiB ({f['seconds']} s)")
    if "growth" in flat:
        lines.append(f"- memory growth {args.accounts:,} → {args.flatness:,} rows: {flat['growth']:.1%}")
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
