"""``compare`` bills every row under the two rulesets it compares: an input that names a
ruleset of its own is refused, never mixed into the totals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.helpers import run_cli as run

CITIES = ROOT / "examples" / "korean-cities.csv"
READINGS = ROOT / "examples" / "readings.csv"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_ruleset_column_is_refused(tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "changes.csv"
    target.write_text("an earlier comparison\n", encoding="utf-8")
    status, out, err = run(
        capsys,
        "compare",
        str(CITIES),
        "--ruleset",
        "kr/gimhae",
        "--against",
        "kr/daegu",
        "-j",
        jobs,
        "-o",
        str(target),
    )
    assert (status, out) == (2, "")
    assert (
        "the input has a 'ruleset' column: compare bills every row under kr/gimhae and under kr/daegu" in err
    )
    assert target.read_text(encoding="utf-8") == "an earlier comparison\n"


def test_a_ruleset_field_of_a_json_record_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {
            "account": "A",
            "use_class": "household",
            "meter_mm": 13,
            "usage_m3": "20",
            "billing_month": "2025-03",
        },
        {
            "account": "B",
            "use_class": "household",
            "meter_mm": 13,
            "usage_m3": "20",
            "billing_month": "2025-03",
        },
        {"account": "C", "ruleset": "kr/daegu", "use_class": "household", "usage_m3": "20"},
    ]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    status, out, err = run(
        capsys,
        "compare",
        str(source),
        "--ruleset",
        "kr/gimhae@2025",
        "--against",
        "kr/gimhae@2019",
        "--format",
        "none",
    )
    assert (status, out) == (2, "")
    assert "has a 'ruleset' field (line 3)" in err


def test_a_ruleset_column_of_a_parquet_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    with CITIES.open(encoding="utf-8") as stream:
        records = list(csv.DictReader(stream))
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(records), source)
    status, _, err = run(capsys, "compare", str(source), "--ruleset", "kr/gimhae", "--against", "kr/daegu")
    assert status == 2 and "has a 'ruleset' field" in err


def test_every_row_is_billed_under_each_side_as_bill_bills_it(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = "kr/gimhae@2025", "kr/gimhae@2019"
    status, out, _ = run(capsys, "compare", str(READINGS), "--ruleset", old, "--against", new)
    assert status == 1  # the example has rows neither side bills
    compared = list(csv.DictReader(io.StringIO(out)))
    for side, reference in (("old", old), ("new", new)):
        _, billed, _ = run(capsys, "bill", str(READINGS), "--ruleset", reference)
        bills = [json.loads(line) for line in billed.splitlines()]
        assert [row["account"] for row in compared] == [bill["account"] for bill in bills]
        for row, bill in zip(compared, bills):
            assert row[f"{side}_total"] == bill.get("total", ""), (side, row["account"])
            assert row[f"{side}_ruleset"] == bill.get("ruleset", "")
