"""The fuzz suite: hostile CSV, JSON lines and YAML drawn by Hypothesis, and the contract held
on each: one result per row, exit status 0 (all billed), 1 (error rows) or 2 (refused, the
earlier output kept), no traceback, bounded memory.

``make test`` draws a few examples of each (``TARIFFCORE_FUZZ_EXAMPLES``, default 25);
``make fuzz`` draws thousands and prints how many each test ran.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tariffcore.commands import main
from tests.fuzz.strategies import HostileFile, csv_files, jsonl_files, yaml_files

EXAMPLES = int(os.environ.get("TARIFFCORE_FUZZ_EXAMPLES", "25"))
#: The most memory a command may add to the process at its peak: no input, however hostile,
#: may make a command read it whole or expand it (a field of 140 KB, an alias bomb).
MEMORY = 1 << 30
EARLIER = b"the output of an earlier run\n"

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
#: Worker processes cost a fork each: fewer examples, the same contract.
fuzz_jobs = settings(fuzz, max_examples=max(3, EXAMPLES // 5))


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tariffcore-fuzz-") as name:
        yield Path(name)


def _status_kib(field: str) -> int | None:
    """A memory figure of this process from /proc (Linux), in KiB."""
    try:
        text = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else None


def _reset_peak() -> bool:
    """Start the process's peak resident size again from what it holds now (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def command(*argv: str) -> tuple[int, str, str, int]:
    """Run the command line in this process: exit status, output, errors, and the memory the
    command added to the process at its peak (where the peak cannot be started again, the
    peak of the process so far: an upper bound)."""
    before = _status_kib("VmRSS") or 0
    fresh = _reset_peak()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if fresh:
        peak = ((_status_kib("VmHWM") or 0) - before) << 10
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10  # KiB on Linux
    return status, out.getvalue(), err.getvalue(), peak


def check_bill(drawn: HostileFile, suffix: str, *options: str) -> bytes:
    """Bill ``drawn`` and hold the run to the contract; return the output."""
    with folder() as where:
        source = where / f"in{suffix}"
        source.write_bytes(drawn.data)
        target = where / "out.jsonl"
        target.write_bytes(EARLIER)
        status, _, err, peak = command(
            "bill", str(source), "--ruleset", "kr/gimhae", "-o", str(target), *options
        )
        assert peak < MEMORY
        if drawn.twice is not None:
            assert status == 2 and f"the column {drawn.twice!r} is given twice" in err, err
            assert target.read_bytes() == EARLIER
            return EARLIER
        lines = target.read_bytes().splitlines()
        assert len(lines) == drawn.rows, err
        failed = sum(b'"error":{' in line for line in lines)
        assert status == (1 if failed else 0), err
        return target.read_bytes()


@fuzz
@given(csv_files())
def test_bill_holds_the_contract_over_any_csv(drawn: HostileFile) -> None:
    check_bill(drawn, ".csv")


@fuzz
@given(jsonl_files())
def test_bill_holds_the_contract_over_any_json_lines(drawn: HostileFile) -> None:
    check_bill(drawn, ".jsonl")


@fuzz_jobs
@given(csv_files())
def test_two_processes_write_what_one_does_over_any_csv(drawn: HostileFile) -> None:
    assert check_bill(drawn, ".csv", "-j", "2") == check_bill(drawn, ".csv")


@fuzz
@given(csv_files())
def test_compare_and_rebill_hold_the_contract_over_any_csv(drawn: HostileFile) -> None:
    with folder() as where:
        source = where / "in.csv"
        source.write_bytes(drawn.data)
        for argv in (
            ["compare", str(source), "--ruleset", "kr/gimhae@2025", "--against", "kr/gimhae@2019"],
            ["rebill", str(source), "--ruleset", "kr/gimhae"],
        ):
            target = where / "out.jsonl"
            target.write_bytes(EARLIER)
            status, _, err, peak = command(*argv, "--format", "jsonl", "-o", str(target))
            assert peak < MEMORY
            refused = drawn.twice is not None or (argv[0] == "compare" and _names_ruleset(drawn.data))
            if refused:
                assert status == 2, err
                assert target.read_bytes() == EARLIER
                continue
            assert status in (0, 1), err
            assert len(target.read_bytes().splitlines()) == drawn.rows


def _names_ruleset(data: bytes) -> bool:
    import csv

    header = next(csv.reader(io.StringIO(data.decode("utf-8").removeprefix("\ufeff"), newline="")), [])
    return "ruleset" in header


_PROBLEM = re.compile(r"^.+:\d+:\d+: \S")


@fuzz
@given(yaml_files())
def test_validate_reports_any_rule_file_at_path_line_col(data: bytes) -> None:
    with folder() as where:
        rules = where / "rules"
        rules.mkdir()
        (rules / "town.yaml").write_bytes(data)
        status, out, err, peak = command("validate", str(rules))
        assert peak < MEMORY
        assert status in (0, 1), err
        problems = out.splitlines()
        assert all(_PROBLEM.match(line) for line in problems), out
        assert (status == 1) == any(": warning: " not in line for line in problems)
        # the directory loads for billing too: the file's problems are shown, nothing is raised
        status, out, err, peak = command(
            "explain",
            "--ruleset",
            "kr/gimhae",
            "--use-class",
            "household",
            "--meter-mm",
            "13",
            "--usage",
            "20",
            "--billing-month",
            "2025-03",
            "--rulesets-dir",
            str(rules),
        )
        assert status == 0 and "37900" in out.replace(",", ""), err
        assert peak < MEMORY
