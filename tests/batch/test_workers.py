"""Worker processes: the output of ``--jobs N`` is the output of one process whatever the line
endings; a worker that fails or dies ends the run naming why (never a hang); a killed run
leaves no worker and no temporary file behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import tariffcore
from tariffcore import PluginError, hookimpl
from tariffcore.batch import WorkerError, WorkerPool
from tests.helpers import BASE, dump
from tests.helpers import run_cli as run

HEADER = "account,use_class,meter_mm,household_units,usage_m3,billing_month"


def rows(count: int) -> list[str]:
    # every 7th row an error row (a usage that is no number): errors travel in order too
    return [f"A-{i},household,13,1,{'x' if i % 7 == 0 else 20},2025-03" for i in range(count)]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "mixed"])
def test_two_and_three_processes_write_what_one_does_whatever_the_line_endings(
    tmp_path: Path, ending: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, *rows(5000)]
    if ending == "mixed":
        endings = ["\n", "\r\n", "\r"]
        text = "".join(line + endings[i % 3] for i, line in enumerate(lines))
    else:
        text = ending.join(lines) + ending
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode())
    outputs = []
    for jobs in ("1", "2", "3"):
        target = tmp_path / f"out-{jobs}.jsonl"
        status, _, err = run(
            capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-j", jobs, "-o", str(target)
        )
        assert status == 1, err
        outputs.append(target.read_bytes())
    assert outputs[0].count(b"\n") == 5000  # CR-only files were dropped whole before
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


@pytest.mark.parametrize("start", ["\ufeff", "\ufeff\n", "\n  \n", "\ufeff \r\n"])
def test_two_processes_find_the_header_after_a_byte_order_mark_and_blank_lines(
    tmp_path: Path, start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes((start + HEADER + "\n" + "\n".join(rows(3000)) + "\n").encode())
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out-{jobs}.jsonl"
        status, _, err = run(
            capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-j", jobs, "-o", str(target)
        )
        assert status == 1, err
        outputs.append(target.read_bytes())
    assert outputs[0].count(b"\n") == 3000 and outputs[1] == outputs[0]


def test_a_row_wider_than_a_header_without_the_needed_columns_names_no_account_on_any_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text('account\n20,""\nB\n', encoding="utf-8")  # a quote: billed in parsed chunks
    outputs = []
    for jobs in ("1", "2"):
        status, out, err = run(capsys, "bill", str(source), "--ruleset", "kr/gimhae", "-j", jobs)
        assert status == 1, err
        outputs.append([json.loads(line)["account"] for line in out.splitlines()])
    assert outputs == [["", "B"], ["", "B"]]


class _Unloadable:
    """An engine that cannot be loaded in a spawned worker: its plug-in fails there."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_fail_to_load, ())


def _fail_to_load() -> None:
    raise PluginError(
        "city_rates", "failed to load (city_rates:plugin): ImportError: no module named 'rates'"
    )


def _double(engine: Any, item: int) -> int:
    return item * 2


def _explode(engine: Any, item: int) -> int:
    if item == 3:
        raise PluginError("city_rates", "charge 'water' raised ZeroDivisionError: division by zero")
    return item


def _die(engine: Any, item: int) -> int:
    if item == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_a_worker_that_cannot_start_names_its_plugin_and_never_hangs() -> None:
    with pytest.raises(PluginError, match="plug-in 'city_rates': failed to load"):
        WorkerPool(2, _Unloadable(), method="spawn")


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_tasks_come_back_in_order_and_a_failing_task_ends_the_run_naming_its_plugin(method: str) -> None:
    with WorkerPool(2, None, method=method) as pool:
        assert list(pool.map(_double, range(50))) == [i * 2 for i in range(50)]
    with (
        pytest.raises(PluginError, match="plug-in 'city_rates': charge 'water' raised"),
        WorkerPool(2, None, method=method) as pool,
    ):
        list(pool.map(_explode, range(10)))


def test_a_worker_that_dies_ends_the_run_naming_it() -> None:
    with (
        pytest.raises(
            WorkerError, match=r"worker process \d+ was killed by signal 9 while working on part 3"
        ),
        WorkerPool(2, None, method="fork") as pool,
    ):
        list(pool.map(_die, range(10)))


def test_a_plugin_failing_in_a_worker_ends_the_run_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tariffcore.batch.pool.START_METHOD", "fork")  # the plug-in is this process's
    from tariffcore.charges import PerUnit

    class Broken(PerUnit):  # type: ignore[misc]
        name = "broken"

        def compile(self, spec: Any, ctx: Any) -> Any:
            return lambda bill: 1 / 0

    plugin = ModuleType("broken_city")
    plugin.tariffcore_charge_types = hookimpl(lambda: [Broken()])  # type: ignore[attr-defined]
    plugin.tariffcore_charge_types.__name__ = "tariffcore_charge_types"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "1.yaml").write_text(
        dump({**BASE, "charges": {"x": {"type": "broken", "label": "x", "source": "s", "rate": 1}}}),
        encoding="utf-8",
    )
    catalog = tariffcore.load_catalog([rules], entry_points=False, plugins=[plugin])
    engine = tariffcore.BatchEngine(catalog, "test/city")
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "\n" + "\n".join(rows(3000)) + "\n", encoding="utf-8")
    from tariffcore.batch import jsonl_parallel, jsonl_work, read_chunks, run_chunks

    out = tmp_path / "out.jsonl"
    with (
        pytest.raises(
            PluginError, match="plug-in 'broken_city': charge 'x' of test/city@1 raised ZeroDivisionError"
        ),
        out.open("wb") as stream,
    ):
        jsonl_parallel(engine, str(source), stream, 2)
    with pytest.raises(PluginError, match="plug-in 'broken_city'"):
        list(run_chunks(engine, read_chunks(source), jsonl_work, 2))


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_run_leaves_no_worker_and_no_temporary_file(tmp_path: Path, how: signal.Signals) -> None:
    from tariffcore.synthetic import write_city

    city = tmp_path / "city.csv"
    with city.open("w", newline="", encoding="utf-8") as stream:
        write_city(stream, 400_000, small_meter=13)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    target = tmp_path / "bills.jsonl"
    target.write_text("the output of an earlier run\n", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tariffcore",
            "bill",
            str(city),
            "--ruleset",
            "kr/gimhae",
            "-j",
            "2",
            "-o",
            str(target),
        ],
        env={**os.environ, "TMPDIR": str(temporary)},
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and len(workers) < 2:
        workers = _children(process.pid)
        time.sleep(0.05)
    if process.poll() is not None:  # pragma: no cover - the machine billed it all at once
        pytest.skip("the run ended before it could be killed")
    assert len(workers) == 2
    process.send_signal(how)
    _, err = process.communicate(timeout=120)
    assert process.returncode == -how if how == signal.SIGKILL else process.returncode == 128 + how
    assert "Traceback" not in err
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a worker outlived its run"
    assert list(temporary.iterdir()) == []
    assert target.read_text(encoding="utf-8") == "the output of an earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bills.jsonl", "city.csv", "tmp"]
