"""Output files are whole or not there: written aside and put in place at the end of a run,
never over an input, never half-written under the target's name."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tariffcore.errors import TariffcoreError
from tests.helpers import ROOT
from tests.helpers import run_cli as run

READINGS = ROOT / "examples" / "readings.csv"
LEDGER = ROOT / "examples" / "ledger.csv"
OLD = "the output of an earlier run\n"


def leftovers(folder: Path) -> list[str]:
    """Files of ``folder`` a run may have left behind while writing (hidden partial files)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    target = tmp_path / "bills.jsonl"
    target.write_text(OLD, encoding="utf-8")
    return target


def test_a_run_that_fails_halfway_leaves_the_earlier_output_as_it_was(
    earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tariffcore.commands import bill

    real = bill.run_chunks

    def then_fail(*args: object, **kwargs: object) -> Iterator[object]:
        yield from real(*args, **kwargs)  # type: ignore[arg-type]
        raise TariffcoreError("the disk went away")

    def half_then_fail(engine: object, source: object, out: IO[bytes], *rest: object) -> object:
        out.write(b'{"account":"A-1","total":"100"}\n')
        raise TariffcoreError("the disk went away")

    monkeypatch.setattr(bill, "run_chunks", then_fail)
    monkeypatch.setattr(bill, "csv_file_to_jsonl", half_then_fail)
    monkeypatch.setattr(bill, "csv_file_to_csv", half_then_fail)
    for fmt, name in (("csv", "bills.csv"), ("table", "bills.txt"), ("jsonl", "bills.jsonl")):
        target = earlier.parent / name
        target.write_text(OLD, encoding="utf-8")
        status, out, err = run(
            capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", fmt, "-o", str(target)
        )
        assert (status, out) == (2, "")
        assert "the disk went away" in err
        assert target.read_text(encoding="utf-8") == OLD
        assert leftovers(earlier.parent) == []


def test_a_run_that_succeeds_replaces_the_output_and_keeps_its_mode(
    earlier: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier.chmod(0o640)
    status, _, _ = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(earlier))
    assert status == 1  # the example has error rows: the output is whole all the same
    assert len(earlier.read_text(encoding="utf-8").splitlines()) == 9
    assert earlier.stat().st_mode & 0o777 == 0o640
    assert leftovers(earlier.parent) == []


def test_an_output_through_a_symbolic_link_replaces_the_file_it_names(
    earlier: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = earlier.parent / "link.jsonl"
    link.symlink_to(earlier.name)
    run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(link))
    assert link.is_symlink()
    assert len(earlier.read_text(encoding="utf-8").splitlines()) == 9


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_writing_over_the_input_is_refused(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(READINGS.read_bytes())
    target = source
    if how == "symlink":
        target = tmp_path / "link.csv"
        target.symlink_to(source)
    elif how == "hardlink":
        target = tmp_path / "hard.csv"
        os.link(source, target)
    for argv in (
        ["bill", str(source), "--ruleset", "kr/gimhae", "--format", "csv", "-o", str(target)],
        ["bill", str(source), "--ruleset", "kr/gimhae", "-j", "2", "-o", str(target)],
        [
            "compare",
            str(source),
            "--ruleset",
            "kr/gimhae@2025",
            "--against",
            "kr/gimhae@2025",
            "-o",
            str(target),
        ],
        [
            "compare",
            str(source),
            "--ruleset",
            "kr/gimhae",
            "--against",
            "kr/gimhae",
            "--summary",
            str(target),
        ],
        ["compare", str(source), "--ruleset", "kr/gimhae", "--against", "kr/gimhae", "--report", str(target)],
        ["rebill", str(source), "--ruleset", "kr/gimhae", "-o", str(target)],
        ["rebill", str(source), "--ruleset", "kr/gimhae", "--summary", str(target)],
    ):
        status, out, err = run(capsys, *argv)
        assert status == 2, argv
        assert f"is the input file {source}" in err, argv
        assert source.read_bytes() == READINGS.read_bytes()
    assert leftovers(tmp_path) == []


def test_report_notice_and_arrears_refuse_their_input_as_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_file = tmp_path / "run.json"  # JSON lines, which report reads and writes as JSON
    run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(run_file))
    kept = run_file.read_bytes()
    ledger = tmp_path / "ledger.csv"
    ledger.write_bytes(LEDGER.read_bytes())
    for argv in (
        ["report", str(run_file), "-o", str(run_file)],
        ["notice", str(run_file), "--account", "GH-0001", "-o", str(run_file)],
        ["arrears", str(ledger), "--ruleset", "kr/seoul", "--as-of", "2025-06-30", "-o", str(ledger)],
    ):
        status, _, err = run(capsys, *argv)
        assert status == 2, argv
        assert "is the input file" in err, argv
    assert run_file.read_bytes() == kept
    assert ledger.read_bytes() == LEDGER.read_bytes()


def test_two_outputs_of_one_run_cannot_be_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "both.json"
    status, _, err = run(
        capsys,
        "compare",
        str(READINGS),
        "--ruleset",
        "kr/gimhae",
        "--against",
        "kr/gimhae",
        "--summary",
        str(target),
        "--report",
        str(target),
    )
    assert status == 2
    assert f"--report {target} is also given as --summary" in err
    assert not target.exists()


def test_compare_puts_its_three_outputs_in_place_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = [tmp_path / "rows.csv", tmp_path / "summary.json", tmp_path / "report.html"]
    for path in outputs:
        path.write_text(OLD, encoding="utf-8")
    from tariffcore import regression

    def broken(summary: object, **options: object) -> str:
        raise TariffcoreError("the report cannot be drawn")

    monkeypatch.setattr(regression, "html_report", broken)
    status, _, err = run(
        capsys,
        "compare",
        str(READINGS),
        "--ruleset",
        "kr/gimhae",
        "--against",
        "kr/gimhae",
        "-o",
        str(outputs[0]),
        "--summary",
        str(outputs[1]),
        "--report",
        str(outputs[2]),
    )
    assert status == 2 and "cannot be drawn" in err
    assert [p.read_text(encoding="utf-8") for p in outputs] == [OLD] * 3
    assert leftovers(tmp_path) == []


def test_a_notice_folder_is_left_as_it_was_by_a_run_that_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_file = tmp_path / "run.jsonl"
    run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "--explain", "full", "-o", str(run_file))
    lines = run_file.read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "GH-0001.html").write_text(OLD, encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    # the second bill of the run is not a bill: the run stops, and writes no notice at all
    broken.write_text(lines[0] + "\n" + '{"account": "X", "ruleset": "kr/gimhae@2025"}\n', encoding="utf-8")
    status, _, err = run(capsys, "notice", str(broken), "-o", str(folder))
    assert status == 2, err
    assert sorted(p.name for p in folder.iterdir()) == ["GH-0001.html"]
    assert (folder / "GH-0001.html").read_text(encoding="utf-8") == OLD
    status, _, _ = run(capsys, "notice", str(run_file), "-o", str(folder))
    assert status == 1  # the run has error rows, which have no notice
    assert (folder / "GH-0001.html").read_text(encoding="utf-8") != OLD
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_an_interrupted_run_leaves_no_partial_file_and_the_old_output(tmp_path: Path) -> None:
    """SIGTERM halfway through a long run: the earlier output is kept, nothing else is left."""
    from tariffcore.synthetic import write_city

    city = tmp_path / "city.csv"
    with city.open("w", newline="", encoding="utf-8") as stream:
        write_city(stream, 200_000, small_meter=13)
    target = tmp_path / "bills.csv"
    target.write_text(OLD, encoding="utf-8")
    command = [sys.executable, "-m", "tariffcore", "bill", str(city), "--ruleset", "kr/gimhae"]
    process = subprocess.Popen(
        [*command, "--format", "csv", "-o", str(target)], stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    # wait until the run writes its output aside, then stop it
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and not _writing(process.pid, tmp_path):
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    if process.returncode == 0:  # pragma: no cover - the machine billed it all before the signal
        pytest.skip("the run ended before it could be interrupted")
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert target.read_text(encoding="utf-8") == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bills.csv", "city.csv"]


def _writing(pid: int, folder: Path) -> bool:
    """Whether the process ``pid`` has a file of ``folder`` open other than the city's."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for name in names:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if link.startswith(str(folder)) and not link.endswith("city.csv"):
            return True
    return False


def test_the_output_is_json_lines_readable_only_once_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.jsonl"
    run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(target))
    assert all(json.loads(line) for line in target.read_text(encoding="utf-8").splitlines())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.parametrize(
    "argv",
    [
        ["bill", str(READINGS), "--ruleset", "kr/gimhae"],
        ["bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "csv"],
        ["compare", str(READINGS), "--ruleset", "kr/gimhae", "--against", "kr/gimhae", "--format", "csv"],
    ],
    ids=["jsonl", "csv", "compare"],
)
def test_an_output_that_is_not_a_regular_file_is_written_to_as_it_is(tmp_path: Path, argv: list[str]) -> None:
    # A named pipe (as /dev/null or /dev/stdout) cannot be replaced: it is written through,
    # and stays what it was.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "out.data"  # the extension leaves the format to --format
    link.symlink_to(pipe)
    command = [sys.executable, "-m", "tariffcore", *argv, "-o", str(link), "-q"]
    with subprocess.Popen(command, stderr=subprocess.PIPE) as child:
        with open(pipe, "rb") as reader:
            received = reader.read()
        _, err = child.communicate(timeout=120)
    assert child.returncode == 1, err  # the example's error rows
    assert received and os.path.exists(pipe) and not pipe.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.data", "pipe"]


def test_standard_output_named_as_a_file_is_written_to(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tariffcore", "bill", str(READINGS), "--ruleset", "kr/gimhae"]
    through = subprocess.run([*command, "-o", "/dev/stdout", "-q"], capture_output=True, check=False)
    plain = subprocess.run(command, capture_output=True, check=False)
    assert through.returncode == plain.returncode == 1, through.stderr
    assert through.stdout == plain.stdout and plain.stdout.count(b"\n") == 9


@pytest.mark.parametrize(
    ("suffix", "words"), [(".sqlite", "is not a regular file"), (".parquet", "is a pipe")]
)
def test_a_database_or_parquet_is_not_written_into_a_named_pipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, words: str
) -> None:
    pipe = tmp_path / f"pipe{suffix}"
    os.mkfifo(pipe)
    status, _, err = run(capsys, "bill", str(READINGS), "--ruleset", "kr/gimhae", "-o", str(pipe))
    assert status == 2 and words in err
    assert not pipe.is_file() and os.path.exists(pipe)


def test_an_output_is_written_back_as_it_comes_and_keeps_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every :data:`WRITE_BACK` bytes the system is asked to write the output to disk (and
    drop what it wrote from its cache); the file has every byte, in order. A system that
    refuses the advice is not asked again, and the output is whole all the same."""
    from tariffcore.commands import _files

    step = 10_000
    monkeypatch.setattr(_files, "WRITE_BACK", step)
    asked: list[tuple[int, int]] = []

    def advise(fd: int, start: int, length: int, advice: int) -> None:
        assert advice == os.POSIX_FADV_DONTNEED
        asked.append((start, start + length))

    monkeypatch.setattr(_files, "_ADVISE", advise)
    target = tmp_path / "out.bin"
    pieces = [bytes([n % 251]) * (300 + 17 * n) for n in range(200)]
    with _files.Outputs() as outputs:
        stream = outputs.binary(target)
        for piece in pieces:
            stream.write(piece)
        outputs.commit()
    assert target.read_bytes() == b"".join(pieces)
    given = sum(map(len, pieces))
    # Asked each time ``step`` bytes or more reached the file since it was last asked (they
    # reach it a buffer at a time), up to what reached it, from before where it was last asked.
    ends = [end for _, end in asked]
    reach = step + io.DEFAULT_BUFFER_SIZE
    assert len(asked) >= given // reach and ends[-1] > given - reach
    assert all(step <= b - a <= reach for a, b in zip(ends, ends[1:]))
    assert asked[0][0] == 0 and all(start < before for (start, _), before in zip(asked[1:], ends))

    def refuse(fd: int, start: int, length: int, advice: int) -> None:
        asked.append((start, start + length))
        raise OSError(29, "Illegal seek")

    asked.clear()
    monkeypatch.setattr(_files, "_ADVISE", refuse)
    with _files.Outputs() as outputs:
        stream = outputs.binary(target)
        for piece in pieces:
            stream.write(piece)
        outputs.commit()
    assert target.read_bytes() == b"".join(pieces) and len(asked) == 1


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise on this system")
def test_an_output_written_back_by_the_system_itself_keeps_every_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tariffcore.commands import _files

    monkeypatch.setattr(_files, "WRITE_BACK", 4096)
    calls: list[int] = []

    def advise(fd: int, start: int, length: int, advice: int) -> None:
        calls.append(fd)
        os.posix_fadvise(fd, start, length, advice)

    monkeypatch.setattr(_files, "_ADVISE", advise)
    target = tmp_path / "out.jsonl"
    pieces = [(f'{{"row":{n}}}\n' * (n % 50 + 1)).encode() for n in range(2000)]
    with _files.Outputs() as outputs:
        stream = outputs.binary(target)
        for piece in pieces:
            stream.write(piece)
        outputs.commit()
    assert target.read_bytes() == b"".join(pieces) and len(calls) > 50
