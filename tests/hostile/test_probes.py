"""Every command over every hostile or careless input: one result per row (or account), in
order; exit status 0 when everything was billed, 1 when some rows are error rows, 2 when the
command could not run; no traceback; an earlier output untouched when the command cannot run.

Set ``TARIFFCORE_PROBE_TABLE=FILE`` to have the rows in and out of every run written to FILE
(a Markdown table).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, run_cli
from tests.hostile.probes import HISTORIES, LEDGERS, OWRS, ROWS, RULESETS, Probe, build_probes

EARLIER = b"the output of an earlier run\n"
TABLE: list[tuple[str, str, int, int | str, int]] = []


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = build_probes(tmp_path_factory.mktemp("probes"))
    yield folder
    target = os.environ.get("TARIFFCORE_PROBE_TABLE")
    if target and TABLE:
        with open(target, "a", encoding="utf-8") as stream:
            for probe, command, rows_in, rows_out, status in TABLE:
                stream.write(f"| {probe} | {command} | {rows_in} | {rows_out} | {status} |\n")


def note(probe: Probe, command: str, rows_out: int | str, status: int) -> None:
    TABLE.append((probe.name, command, probe.rows, rows_out, status))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status, out, err = run_cli(capsys, *argv)
    assert "Traceback" not in out + err, argv
    return status, out, err


def expect(probe: Probe, command: str, status: int, err: str, failed: int | None) -> bool:
    """Check the exit status against the contract; return whether the command ran."""
    refusal = probe.refused_by.get(command, probe.refused)
    if refusal:
        assert status == 2, (command, err)
        assert refusal in err, (command, err)
        return False
    assert status in (0, 1), (command, err)
    if failed is not None:
        assert status == (1 if failed else 0), (command, failed, err)
    return True


def output_file(folder: Path, name: str) -> Path:
    target = folder / name
    target.write_bytes(EARLIER)
    return target


def ids(probes: list[Probe]) -> list[str]:
    return [p.name for p in probes]


@pytest.mark.parametrize("probe", ROWS, ids=ids(ROWS))
def test_bill_gives_one_result_per_row_in_every_format_and_on_two_processes(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(probes / probe.name)
    one = output_file(tmp_path, "one.jsonl")
    status, _, err = run(capsys, "bill", source, "--ruleset", "kr/gimhae", "-o", str(one))
    lines = one.read_bytes().splitlines()
    ran = expect(probe, "bill", status, err, sum(b'"error":{' in line for line in lines))
    if not ran:
        assert one.read_bytes() == EARLIER
    else:
        assert len(lines) == probe.rows
        note(probe, "bill", len(lines), status)
    two = output_file(tmp_path, "two.jsonl")
    status_two, _, err = run(capsys, "bill", source, "--ruleset", "kr/gimhae", "-j", "2", "-o", str(two))
    assert status_two == status, err
    if ran:
        assert two.read_bytes() == one.read_bytes()  # byte for byte the one-process output
        note(probe, "bill -j 2", len(two.read_bytes().splitlines()), status_two)
    else:
        assert two.read_bytes() == EARLIER
    table = output_file(tmp_path, "bills.csv")
    status_csv, _, err = run(
        capsys, "bill", source, "--ruleset", "kr/gimhae", "--format", "csv", "-o", str(table)
    )
    assert status_csv == status, err
    if ran:
        records = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8"), newline="")))
        assert len(records) == probe.rows + 1  # and the header
        note(probe, "bill --format csv", len(records) - 1, status_csv)
    else:
        assert table.read_bytes() == EARLIER
    status_table, _, err = run(capsys, "bill", source, "--ruleset", "kr/gimhae", "--format", "table")
    assert status_table == status, err


@pytest.mark.parametrize("probe", ROWS, ids=ids(ROWS))
def test_bill_writes_one_parquet_row_per_row(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    target = output_file(tmp_path, "bills.parquet")
    status, _, err = run(
        capsys,
        "bill",
        str(probes / probe.name),
        "--ruleset",
        "kr/gimhae",
        "--format",
        "parquet",
        "-o",
        str(target),
    )
    if expect(probe, "bill", status, err, None):
        rows = pq.read_table(target).num_rows
        assert rows == probe.rows
        note(probe, "bill --format parquet", rows, status)
    else:
        assert target.read_bytes() == EARLIER


@pytest.mark.parametrize("probe", ROWS, ids=ids(ROWS))
def test_compare_and_rebill_give_one_result_per_row(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(probes / probe.name)
    for command, argv in (
        ("compare", ["compare", source, "--ruleset", "kr/gimhae@2025", "--against", "kr/gimhae@2019"]),
        ("rebill", ["rebill", source, "--ruleset", "kr/gimhae"]),
    ):
        target = output_file(tmp_path, f"{command}.jsonl")
        status, _, err = run(capsys, *argv, "--format", "jsonl", "-o", str(target))
        if expect(probe, command, status, err, None):
            lines = target.read_bytes().splitlines()
            assert len(lines) == probe.rows, command
            assert [json.loads(line)["row"] for line in lines] == sorted(
                json.loads(line)["row"] for line in lines
            )
            note(probe, command, len(lines), status)
        else:
            assert target.read_bytes() == EARLIER


@pytest.mark.parametrize(
    "probe", [p for p in ROWS if p.kind != "parquet"], ids=ids([p for p in ROWS if p.kind != "parquet"])
)
def test_explain_finds_an_account_of_the_input(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(probes / probe.name)
    status, out, err = run(
        capsys, "explain", source, "--account", "nobody-has-this-id", "--ruleset", "kr/gimhae"
    )
    if probe.refused:
        assert status == 2 and probe.refused in err
        return
    assert status == 2 and "is not in" in err  # an account the input does not have
    first = tmp_path / "first.jsonl"
    run(capsys, "bill", source, "--ruleset", "kr/gimhae", "-o", str(first))
    accounts = [json.loads(line)["account"] for line in first.read_bytes().splitlines()]
    for account in [a for a in accounts if a][:3]:
        status, out, err = run(capsys, "explain", source, "--account", account, "--ruleset", "kr/gimhae")
        assert status in (0, 1), err
        assert out or err


@pytest.mark.parametrize(
    "probe", [p for p in ROWS if not p.refused], ids=ids([p for p in ROWS if not p.refused])
)
def test_report_and_notices_read_every_run(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bills = tmp_path / "run.jsonl"
    run(
        capsys,
        "bill",
        str(probes / probe.name),
        "--ruleset",
        "kr/gimhae",
        "--explain",
        "full",
        "-o",
        str(bills),
    )
    status, out, err = run(capsys, "report", str(bills), "--format", "json")
    assert status == 0, err
    report = json.loads(out)
    assert report["rows"] == probe.rows
    note(probe, "report", report["rows"], status)
    folder = tmp_path / "notices"
    status, _, err = run(capsys, "notice", str(bills), "-o", str(folder))
    assert status == (1 if report["error_rows"] else 0), err
    written = len(list(folder.glob("*.html")))
    assert written == report["rows"] - report["error_rows"]
    note(probe, "notice", f"{written} notices + {report['error_rows']} error rows", status)


@pytest.mark.parametrize("probe", LEDGERS, ids=ids(LEDGERS))
def test_arrears_gives_one_result_per_account(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("jsonl", "csv", "table"):
        target = output_file(tmp_path, f"statements.{fmt}")
        status, _, err = run(
            capsys,
            "arrears",
            str(probes / probe.name),
            "--ruleset",
            "kr/seoul",
            "--as-of",
            "9999-12-31",
            "--format",
            fmt,
            "-o",
            str(target),
        )
        if not expect(probe, "arrears", status, err, None):
            assert target.read_bytes() == EARLIER
            continue
        text = target.read_text(encoding="utf-8")
        if fmt == "jsonl":
            results = [json.loads(line) for line in text.splitlines()]
            assert len(results) == probe.rows
            assert status == (1 if any("error" in r for r in results) else 0)
            note(probe, "arrears", len(results), status)
        elif fmt == "csv":
            assert len(list(csv.reader(io.StringIO(text, newline="")))) == probe.rows + 1


@pytest.mark.parametrize("probe", HISTORIES, ids=ids(HISTORIES))
def test_rebill_gives_one_result_per_issued_bill(
    probe: Probe, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("jsonl", "csv", "text"):
        target = output_file(tmp_path, f"rebill.{fmt}")
        summary = output_file(tmp_path, "summary.json")
        argv = ["rebill", str(probes / probe.name), "--ruleset", "kr/gimhae", "--format", fmt]
        status, _, err = run(capsys, *argv, "-o", str(target), "--summary", str(summary))
        assert status == 1, err  # mismatches and error rows
        assert json.loads(summary.read_text(encoding="utf-8"))["bills"] == probe.rows
        if fmt == "jsonl":
            lines = target.read_bytes().splitlines()
            assert len(lines) == probe.rows
            note(probe, "rebill", len(lines), status)


@pytest.mark.parametrize("name", sorted(RULESETS))
def test_a_hostile_rule_file_is_a_problem_and_the_good_rulesets_bill(
    name: str, probes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(FIXTURES / "ulsan", folder / "ulsan")
    shutil.copy(probes / "rulesets" / name, folder / name)
    path = folder / name
    status, out, err = run(capsys, "validate", str(folder))
    assert status == 1
    assert any(line.startswith(f"{path}:") and RULESETS[name] in line for line in out.splitlines()), out
    readings = tmp_path / "in.csv"
    readings.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month\nU-1,household,15,1,20,2024-03\n"
    )
    # with --ruleset alone, only that ruleset's files are read: the hostile one is not
    status, out, err = run(
        capsys, "bill", str(readings), "--ruleset", "test/ulsan", "--rulesets-dir", str(folder)
    )
    assert status == 0 and len(out.splitlines()) == 1, err
    # rows naming their ruleset load the whole directory: the hostile file is a warning
    named = tmp_path / "named.csv"
    named.write_text(
        "account,ruleset,use_class,meter_mm,household_units,usage_m3,billing_month\n"
        "U-1,test/ulsan,household,15,1,20,2024-03\n"
    )
    status, out, err = run(capsys, "bill", str(named), "--rulesets-dir", str(folder))
    assert status == 0 and len(out.splitlines()) == 1, err
    assert f"warning: {path}:" in err
    status, out, err = run(capsys, "rulesets", "--rulesets-dir", str(folder))
    assert status == 2 and f"{path}:" in err  # listed as broken, at its place
    assert "test/ulsan" in out


@pytest.mark.parametrize("name", sorted(OWRS))
def test_a_hostile_owrs_file_is_a_problem_at_its_place(
    name: str, probes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = probes / "owrs" / name
    status, out, err = run(capsys, "validate", str(path))
    assert status in (0, 1)
    words = OWRS[name]
    if words:
        assert status == 1 and any(
            line.startswith(f"{path}:") and words in line for line in out.splitlines()
        ), out


def test_the_service_gives_one_result_per_row(probes: Path) -> None:
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from tariffcore.service import Settings, running

    def refuse(name: str) -> object:
        raise ValueError(name)

    rows: list[str] = []
    for line in (probes / "rows" / "mixed.jsonl").read_text(encoding="utf-8-sig").splitlines():
        try:  # every line JSON can carry in a request body (no NaN, no 5,000-digit integer)
            row = json.loads(line, parse_constant=refuse)
        except ValueError:
            continue
        if not (isinstance(row, dict) and "ruleset" in row):
            rows.append(line)
    headers = {"content-type": "application/json"}
    with running(settings=Settings()) as url, httpx.Client(base_url=url, timeout=60) as client:
        body = '{"ruleset": "kr/gimhae", "rows": [' + ", ".join(rows) + "]}"
        answer = client.post("/bill", content=body.encode("utf-8", "surrogatepass"), headers=headers)
        explained = [
            client.post(
                "/explain", content=f'{{"ruleset": "kr/gimhae", "row": {row}}}'.encode(), headers=headers
            )
            for row in rows
        ]
    assert answer.status_code == 200, answer.text
    # one answer per row: the bill, or the row's error (never the service's own failure)
    assert all(one.status_code in (200, 422, 404) for one in explained), [one.text for one in explained]
    body = answer.json()
    assert body["rows"] == len(body["results"]) == len(rows)
