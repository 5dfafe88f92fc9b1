"""``bill --backend``: the fast backend where it is installed, the same output as pure Python,
and a clear message when it is asked for without its extra."""

from __future__ import annotations

import functools
import io
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import tariffcore.batch.fast as fast_module
from tariffcore import Catalog
from tariffcore.batch import AUTO_BYTES, FAST_MISSING, BatchEngine, use_fast
from tariffcore.rows import Progress
from tariffcore.synthetic import write_city
from tests.helpers import run_cli


def _city(path: Path, count: int = 400, reads: bool = True) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_city(stream, count, billing_month="2024-03", reads=reads)
    return path


def test_auto_is_fast_for_files_of_a_mebibyte_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_module, "fast_available", lambda: True)
    assert use_fast("auto", AUTO_BYTES) and use_fast("fast") and not use_fast("python", AUTO_BYTES)
    assert not use_fast("auto", AUTO_BYTES - 1) and not use_fast("auto", None)  # small, or standard input
    monkeypatch.setattr(fast_module, "fast_available", lambda: False)
    assert not use_fast("auto", AUTO_BYTES)
    with pytest.raises(ValueError, match="unknown backend"):
        use_fast("gpu")


def test_fast_without_its_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(fast_module, "fast_available", lambda: False)
    city = _city(tmp_path / "city.csv", 5)
    status, out, err = run_cli(capsys, "bill", str(city), "--ruleset", "kr/daejeon", "--backend", "fast")
    assert status == 2 and out == ""
    assert FAST_MISSING in err and "pip install 'tariffcore[fast]'" in err
    # auto falls back to pure Python, as does python
    status, out, _ = run_cli(capsys, "bill", str(city), "--ruleset", "kr/daejeon")
    assert status == 0 and out.count("\n") == 5


def test_both_backends_write_the_same_bytes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("pyarrow")
    city = _city(tmp_path / "city.csv")
    written = {}
    for backend in ("python", "fast"):
        target = tmp_path / f"{backend}.jsonl"
        status, _, err = run_cli(
            capsys, "bill", str(city), "--ruleset", "kr/daejeon", "--backend", backend, "-o", str(target)
        )
        assert status == 0, err
        written[backend] = target.read_bytes()
    assert written["fast"] == written["python"] and written["fast"].count(b"\n") == 400


def test_standard_input_is_billed_as_python_reads_it(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    pytest.importorskip("pyarrow")
    city = _city(tmp_path / "city.csv", 50, reads=False)
    # Standard input is text: its line endings translated and a BOM kept, which bytes read by
    # columns would not see (a quoted line break, a header with a BOM).
    odd = b'\xef\xbb\xbfaccount,use_class,meter_mm,usage_m3,billing_month\r\n"A\r\nB",household,13,20,2024-03\r\n'
    quoted = b'account,use_class,meter_mm,usage_m3,billing_month\r\n"A\r\nB",household,13,20,2024-03\r\n'
    from tariffcore.commands import main

    for data, rows in ((city.read_bytes(), 50), (odd, 1), (quoted, 1)):
        expected = {}
        for backend in ("python", "fast"):
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
            assert main(["bill", "-", "--ruleset", "kr/daejeon", "--backend", backend]) in (0, 1)
            expected[backend] = capsysbinary.readouterr().out
        assert expected["fast"] == expected["python"] and expected["fast"].count(b"\n") == rows


class _Recording(io.BytesIO):
    """A binary stream that records the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data: object) -> int:
        size = len(data)  # type: ignore[arg-type]
        self.sizes.append(size)
        return super().write(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, fast_module.PIECE, fast_module.PIECE + 1, 3 * fast_module.PIECE + 7])
def test_the_writer_hands_long_data_in_pieces(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    for given in (data, memoryview(data)):
        out = _Recording()
        with fast_module.Background(out) as background:
            background.write(given)
        assert out.getvalue() == data
        assert all(0 < piece <= fast_module.PIECE for piece in out.sizes) or size == 0
        assert len(out.sizes) == max(1, -(-size // fast_module.PIECE))


def test_the_writer_runs_tasks_and_writes_in_the_order_given() -> None:
    out = _Recording()
    with fast_module.Background(out) as background:
        for number in range(20):  # more than wait at once: the queue is walked through
            background.write(b"%d," % number)
            background.call(lambda write, number=number: write(b"task %d;" % number))
    assert out.getvalue() == b"".join(b"%d,task %d;" % (n, n) for n in range(20))


class _Full(io.BytesIO):
    """A binary stream that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: object) -> int:
        size = len(data)  # type: ignore[arg-type]
        if self.tell() + size > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)  # type: ignore[arg-type]


def _within(seconds: float, work: Callable[[], None]) -> None:
    """Run ``work`` on a thread and fail, rather than hang, if it has not ended in time (a
    writing thread that stopped taking items would leave its caller waiting for ever)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if failure:
        raise failure[0]


def test_an_error_of_the_writing_thread_reaches_the_billing_thread(catalog: Catalog, tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("pyarrow")

    def failing(write: object) -> None:
        raise ValueError("a task failed")

    def tasks() -> None:
        with fast_module.Background(io.BytesIO()) as background:
            background.call(failing)
            for _ in range(10):
                background.write(b"x")

    with pytest.raises(ValueError, match="a task failed"):  # raised by a later call, or at the end
        _within(60, tasks)
    city = _city(tmp_path / "city.csv", 3000).read_bytes()
    for explain in ("lean", "full"):
        engine = BatchEngine(catalog, ruleset="kr/daejeon", explain=explain)
        out = _Full(100_000)  # full after a few windows of lines, put in order on the writing thread
        with pytest.raises(OSError, match="No space left"):
            bill = functools.partial(fast_module.fast_csv_to_jsonl, engine, io.BytesIO(city), out)
            _within(60, functools.partial(bill, block=1 << 14, window=64))
        assert 0 < len(out.getvalue()) <= 100_000


def test_progress_counts_the_blocks_billed_not_the_block_read_ahead(catalog: Catalog, tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("pyarrow")
    city = _city(tmp_path / "city.csv", 3000)
    data = city.read_bytes()
    header = len(data.split(b"\n", 1)[0]) + 1
    block = 1 << 14
    seen: list[tuple[int, int]] = []

    class Recorded(Progress):
        def advance(self, rows: int, done: int) -> None:
            super().advance(rows, done)
            seen.append((self.rows, done))

    engine = BatchEngine(catalog, ruleset="kr/daejeon")
    progress = Recorded(visible=False)
    with city.open("rb") as stream:
        first = stream.readline()
        assert len(first) == header
        stream.seek(0)
        fast_module.fast_csv_to_jsonl(engine, stream, io.BytesIO(), progress, stream.tell, block=block)
    # Each block of text is read as a piece of ``block`` bytes after the header: the position
    # given with the k-th block is where the k-th piece ends, not the next one (read ahead).
    assert [done for _, done in seen] == [min(header + k * block, len(data)) for k in range(1, len(seen) + 1)]
    assert seen[-1] == (3000, len(data)) and len(seen) == -(-(len(data) - header) // block)


def test_blocks_python_reads_are_written_in_pieces_not_rows(catalog: Catalog, tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("pyarrow")
    rows = ["account,use_class,meter_mm,usage_m3,billing_month"]
    rows += [
        f'"A-{n:05d}",household,15,{n % 40},2024-03' for n in range(4000)
    ]  # quoted: Python's csv reads them
    text = ("\n".join(rows) + "\n").encode()
    engine = BatchEngine(catalog, ruleset="kr/daejeon")
    out = _Recording()
    fast_module.fast_csv_to_jsonl(engine, io.BytesIO(text), out, block=1 << 16)
    expected = io.BytesIO()
    BatchEngine(catalog, ruleset="kr/daejeon").csv_to_jsonl(io.StringIO(text.decode(), newline=""), expected)
    assert out.getvalue() == expected.getvalue() and out.getvalue().count(b"\n") == 4000
    # lines written a buffer's worth at a time (the writer itself writes 64 rows at a time)
    assert len(out.sizes) <= len(out.getvalue()) // fast_module.PIECE + 4


def test_read_ahead_gives_every_item_in_order_and_its_errors_where_they_were() -> None:
    made: list[int] = []

    def items(count: int, fail_at: int | None = None) -> Iterator[int]:
        for number in range(count):
            if number == fail_at:
                raise ValueError(f"item {number} is unreadable")
            made.append(number)
            yield number

    assert list(fast_module._read_ahead(items(50))) == list(range(50))
    assert list(fast_module._read_ahead(items(0))) == []
    got: list[int] = []
    with pytest.raises(ValueError, match="item 7 is unreadable"):
        for number in fast_module._read_ahead(items(20, fail_at=7)):
            got.append(number)
    assert got == list(range(7))  # every item before the error is given
    made.clear()
    ahead = fast_module._read_ahead(items(20))
    assert [next(ahead), next(ahead)] == [0, 1]
    ahead.close()  # a reader left early stops reading: one item ahead at most
    assert made == [0, 1, 2]


def _both(
    catalog: Catalog, text: bytes, ruleset: str = "kr/daejeon", block: int = 1 << 16
) -> tuple[bytes, bytes]:
    """What the fast backend (blocks of ``block`` bytes) and pure Python write for ``text``."""
    fast = io.BytesIO()
    fast_module.fast_csv_to_jsonl(BatchEngine(catalog, ruleset=ruleset), io.BytesIO(text), fast, block=block)
    python = io.BytesIO()
    BatchEngine(catalog, ruleset=ruleset).csv_to_jsonl(io.StringIO(text.decode(), newline=""), python)
    return fast.getvalue(), python.getvalue()


@pytest.mark.parametrize("first", ["usage_m3", "account"])
def test_a_byte_order_mark_that_starts_a_block_is_data_as_python_reads_it(
    catalog: Catalog, first: str
) -> None:
    # Arrow drops a BOM at the start of the text it parses, and every block is such a start:
    # "\ufeff20" was billed as 20 m³ (and "\ufeffA-5" became the account A-5).
    pytest.importorskip("pyarrow")
    rest = ",".join(name for name in ("usage_m3", "account") if name != first)
    header = f"{first},{rest},use_class,meter_mm,billing_month\n"
    line = (
        "{usage},A-{n},household,15,2024-03\n"
        if first == "usage_m3"
        else "A-{n},{usage},household,15,2024-03\n"
    )
    rows = [line.format(n=n, usage=20 + n) for n in range(12)]
    text = (header + "".join(rows[:5]) + "\ufeff" + "".join(rows[5:])).encode()
    block = len("".join(rows[:5]).encode())  # the BOM starts the second block
    fast, python = _both(catalog, text, block=block)
    assert fast == python and fast.count(b"\n") == 12
    sixth = python.splitlines()[5]
    assert b'"error"' in sixth if first == "usage_m3" else sixth.startswith('{"account":"\ufeffA-5"'.encode())


def test_a_kind_the_engine_cannot_plan_is_its_error_rows_not_the_end_of_the_run(catalog: Catalog) -> None:
    # A period to the calendar's last day used to overflow while its kind was planned: the
    # fast backend stopped the run (exit 2, nothing written) where pure Python wrote error rows.
    pytest.importorskip("pyarrow")
    text = (
        b"account,use_class,meter_mm,usage_m3,billing_month,period_start,period_end\n"
        b"A1,household,15,20,2024-03,2024-03-01,2024-03-31\n"
        b"A2,household,15,20,2024-03,2024-02-01,9999-12-31\n"
        b"A3,household,15,20,2024-03,2024-03-01,2024-03-31\n"
    )
    fast, python = _both(catalog, text)
    assert fast == python
    lines = fast.splitlines()
    assert len(lines) == 3 and b'"total"' in lines[0] and b'"total"' in lines[2]
    assert b'"billing_cycle"' in lines[1]


def test_a_kind_whose_planning_fails_unforeseen_is_left_to_the_engine(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyarrow")
    import tariffcore.batch.lean as lean_module

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("unforeseen")

    monkeypatch.setattr(lean_module, "lean_bill", broken)
    text = b"account,use_class,meter_mm,usage_m3,billing_month\nA1,household,15,20,2024-03\n"
    fast, python = _both(catalog, text)
    assert fast == python and b'"total":"22860"' in fast
