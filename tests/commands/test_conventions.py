"""The conventions of every command: the format from -o's extension, '-' for standard input,
exit status 2 for usage errors, --quiet, the progress bar's times, the closing summary line."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from tariffcore.commands import main
from tariffcore.rows import Progress, clock
from tariffcore.service import read_token
from tests.helpers import BASE, ROOT, dump

READINGS = ROOT / "examples" / "readings.csv"
LEDGER = ROOT / "examples" / "ledger.csv"
GIMHAE = ("--ruleset", "kr/gimhae")
SUMMARY = re.compile(
    r"^tariffcore bill: 9 row\(s\), 6 bill\(s\), 3 error row\(s\) in \d+\.\d\d s; written to \S+$"
)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse's own usage errors
        status = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("name", "looks"),
    [
        ("bills.csv", "account,ruleset,usage_m3,base"),
        ("bills.jsonl", '{"account":"GH-0001"'),
        ("bills.json", '{"account":"GH-0001"'),
        ("bills.ndjson", '{"account":"GH-0001"'),
    ],
)
def test_bill_writes_the_format_its_output_file_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, looks: str
) -> None:
    out = tmp_path / name
    status, _, err = _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(out))
    assert status == 1  # three rows of the example cannot be billed
    assert out.read_text(encoding="utf-8").startswith(looks)
    assert SUMMARY.match(err.strip().splitlines()[-1]), err


def test_bill_to_parquet_and_sqlite_by_the_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(tmp_path / "b.parquet"))
    assert pq.read_table(tmp_path / "b.parquet").num_rows == 9
    for name in ("b.sqlite", "b.db", "b.sqlite3"):
        _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(tmp_path / name))
        with sqlite3.connect(tmp_path / name) as db:
            assert db.execute("SELECT count(*) FROM bills").fetchone() == (9,)


def test_an_explicit_format_wins_and_a_contradiction_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "bills.txt"  # an extension that names no format
    assert _run(capsys, "bill", str(READINGS), *GIMHAE, "--format", "table", "-o", str(table))[0] == 1
    assert table.read_text(encoding="utf-8").startswith("account")
    status, _, err = _run(
        capsys, "bill", str(READINGS), *GIMHAE, "--format", "csv", "-o", str(tmp_path / "b.parquet")
    )
    assert status == 2 and "--format csv does not match the output file" in err
    assert not (tmp_path / "b.parquet").exists()
    status, _, err = _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(tmp_path / "b.html"))
    assert status == 2 and "names html, which this command does not write" in err


def test_other_commands_follow_the_extension_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "bills.jsonl"
    _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(run))
    report = tmp_path / "report.html"
    assert _run(capsys, "report", str(run), "-o", str(report))[0] == 0
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>")
    summary = tmp_path / "report.json"
    _run(capsys, "report", str(run), "-o", str(summary))
    assert json.loads(summary.read_text(encoding="utf-8"))
    one = tmp_path / "one.json"
    arrears = ("arrears", "--ruleset", "kr/seoul", "--principal", "52000", "--due", "2025-01-31")
    assert _run(capsys, *arrears, "--as-of", "2025-02-10", "-o", str(one))[0] == 0
    assert "total_due" in json.loads(one.read_text(encoding="utf-8"))
    assert _run(capsys, *arrears, "--as-of", "2025-02-10", "-o", str(tmp_path / "one.csv"))[0] == 2
    statements = tmp_path / "statements.csv"
    _run(
        capsys,
        "arrears",
        str(LEDGER),
        "--ruleset",
        "kr/seoul",
        "--as-of",
        "2025-06-30",
        "-o",
        str(statements),
    )
    assert statements.read_text(encoding="utf-8").startswith("account,ruleset,as_of")


# --------------------------------------------------------------------------- standard input


def test_bill_reads_csv_and_parquet_from_standard_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, READINGS.read_bytes())
    status, out, _ = _run(capsys, "bill", "-", *GIMHAE, "--format", "csv")
    assert status == 1 and out.count("\n") == 10
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"account": ["P"], "use_class": ["household"], "meter_mm": [13],
                             "usage_m3": ["20"], "billing_month": ["2025-03"]}), buffer)  # fmt: skip
    _stdin(monkeypatch, buffer.getvalue())
    status, out, _ = _run(capsys, "bill", "-", *GIMHAE, "--input-format", "parquet")
    # 20 m³: 1,100 + 20 × 850 + 20 × 820 + 20 × 170 = 37,900
    assert status == 0 and json.loads(out)["total"] == "37900"


@pytest.mark.parametrize(
    "argv",
    [
        ("compare", "-", "--ruleset", "kr/gimhae@2025", "--against", "kr/changwon", "--format", "jsonl"),
        ("rebill", "-", "--ruleset", "kr/gimhae", "--format", "jsonl"),
        ("explain", "-", "--account", "GH-0001", "--ruleset", "kr/gimhae"),
    ],
)
def test_commands_that_read_rows_read_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    _stdin(monkeypatch, READINGS.read_bytes())
    status, out, err = _run(capsys, *argv, "--quiet" if argv[0] != "explain" else "--format=text")
    assert status in (0, 1), err
    assert "GH-0001" in out


def test_report_notice_and_arrears_read_standard_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "bills.jsonl"
    _run(capsys, "bill", str(READINGS), *GIMHAE, "-o", str(run), "--explain", "full")
    _stdin(monkeypatch, run.read_bytes())
    assert "GH-0001" not in _run(capsys, "report", "-")[1] and _run(capsys, "report", "-")[0] == 0
    _stdin(monkeypatch, run.read_bytes())
    status, out, _ = _run(capsys, "notice", "-", "--account", "GH-0001", "-o", "-")
    assert status == 0 and out.startswith("<!doctype html>")
    _stdin(monkeypatch, (ROOT / "examples" / "usage-history.csv").read_bytes())
    page = tmp_path / "n.html"
    assert _run(capsys, "notice", str(run), "--account", "GH-0001", "-o", str(page), "--history", "-")[0] == 0
    _stdin(monkeypatch, LEDGER.read_bytes())
    status, out, _ = _run(capsys, "arrears", "-", "--ruleset", "kr/seoul", "--as-of", "2025-06-30")
    assert status in (0, 1) and json.loads(out.splitlines()[0])["account"]


def test_rule_authors_commands_read_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    levy = {"levy": {"type": "per_unit", "label": "levy", "source": "s", "rate": 170}}
    version = dump({**BASE, "charges": levy}).encode()
    _stdin(monkeypatch, version)
    status, out, err = _run(capsys, "validate", "-")
    assert status == 0 and "1 file(s) checked: no problems" in err
    _stdin(monkeypatch, version.replace(b"rate: 170", b"rate: -170"))
    status, out, _ = _run(capsys, "validate", "-")
    assert status == 1 and out.startswith("-:") and "negative" in out
    _stdin(monkeypatch, version)
    status, out, _ = _run(capsys, "lint", "-", "--today", "2026-01-01")
    assert all(line.startswith("-:") for line in out.splitlines())
    _stdin(monkeypatch, (ROOT / "rulesets" / "kr" / "gimhae" / "tests" / "2017-01.yaml").read_bytes())
    status, _, err = _run(capsys, "test", "-")
    assert status == 0 and re.search(r"golden bills: \d+ passed, 0 failed", err)


def test_a_token_file_may_be_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"s3cret\nignored\n")
    assert read_token("-") == "s3cret"


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "argv",
    [
        ("bill", "no-such.csv", "--ruleset", "kr/gimhae"),
        ("bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "sqlite"),  # to standard output
        ("bill", str(READINGS), "--ruleset", "kr/gimhae", "--format", "parquet"),
        ("bill", str(READINGS), "--ruleset", "kr/nowhere"),
        ("bill", str(READINGS)),  # no --ruleset, and no 'ruleset' column
        ("compare", "no-such.csv", "--ruleset", "kr/gimhae", "--against", "kr/changwon"),
        ("compare", str(READINGS), "--ruleset", "kr/gimhae", "--against", "kr/changwon", "--hardest", "-1"),
        (
            "compare",
            str(READINGS),
            "--ruleset",
            "kr/gimhae",
            "--against",
            "kr/changwon",
            "--format",
            "none",
            "-o",
            "x.csv",
        ),
        ("rebill", "no-such.csv", "--ruleset", "kr/gimhae"),
        ("report", "no-such.jsonl"),
        ("notice", "-", "--history", "-", "-o", "out"),
        ("explain", "--ruleset", "kr/gimhae", "--usage", "ten", "--use-class", "household"),
        ("explain", "--use-class", "household", "--usage", "10", "--billing-month", "2025-03"),  # no ruleset
        ("explain", str(READINGS), "--account", "nobody", "--ruleset", "kr/gimhae"),
        ("arrears", str(LEDGER), "--ruleset", "kr/seoul", "--as-of", "2025-06-30", "--format", "json"),
        ("arrears", "--ruleset", "kr/seoul", "--as-of", "2025-06-30"),
        ("rulesets", "list", "kr/gimhae"),
        ("validate", "no/such/file.yaml"),
        ("lint", "no/such/file.yaml"),
        ("test", "no/such/file.yaml"),
        ("test", "-", "rulesets"),
        ("lint", "--stale-after", "-3"),
        ("serve", "--port", "70000"),
        ("bill",),
    ],
    ids=lambda argv: " ".join(argv[:3]),
)
def test_every_usage_error_exits_with_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(capsys, *argv)
    assert status == 2, (out, err)
    assert err.strip(), "a usage error says why"


# --------------------------------------------------------------------------- quiet, progress


def test_quiet_leaves_standard_error_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b.jsonl"
    assert (
        _run(
            capsys,
            "bill",
            str(READINGS),
            *GIMHAE,
            "-o",
            str(out),
            "-q",
            "--progress",
            "on",
            "--explain",
            "full",
        )[2]
        == ""
    )
    compare = ("compare", str(READINGS), "--ruleset", "kr/gimhae@2025", "--against", "kr/changwon")
    assert _run(capsys, *compare, "-o", str(tmp_path / "c.csv"), "-q")[2] == ""
    assert (
        _run(
            capsys,
            "rebill",
            str(READINGS),
            *GIMHAE,
            "--format",
            "jsonl",
            "-o",
            str(tmp_path / "r.jsonl"),
            "-q",
        )[2]
        == ""
    )
    assert _run(capsys, "validate", str(ROOT / "rulesets" / "kr" / "gimhae"), "--quiet")[2] == ""
    assert _run(capsys, "notice", str(out), "-o", str(tmp_path / "notices"), "--quiet")[2].count("\n") == 3
    # ...but error rows still name themselves: the three rows without a bill have no notice


def test_writing_to_standard_output_has_no_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = _run(capsys, "bill", str(READINGS), *GIMHAE)
    assert out.count("\n") == 9 and "written to" not in err


def test_the_progress_bar_shows_elapsed_time_and_time_left() -> None:
    stream = io.StringIO()
    progress = Progress(stream, total=400, started=100.0)
    progress.advance(50, 100)  # a quarter of the input in 30 s: 90 s left
    assert progress.text(now=130.0).endswith("0:30 elapsed, ~1:30 left")
    assert " 25.0% 50 rows 2 rows/s" in progress.text(now=130.0)  # 50 rows / 30 s = 1.67, shown whole
    unknown = Progress(stream, started=0.0)
    unknown.advance(10, 0)
    assert unknown.text(now=3725.0) == "10 rows 0 rows/s, 1:02:05 elapsed"  # no size: no estimate
    assert clock(59.5) == "1:00" and clock(3600) == "1:00:00"
    quiet = io.StringIO()
    silent = Progress(quiet, total=10, visible=False)  # counts for the summary line, draws nothing
    silent.advance(5, 5)
    silent.finish()
    assert silent.rows == 5 and quiet.getvalue() == ""
