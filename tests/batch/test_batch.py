"""The batch engine: one result per row in order, the cache, processes, pickling, Parquet."""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tariffcore
from tariffcore.batch import BatchEngine, freeze, parsed_key
from tariffcore.commands import main
from tariffcore.rows import Chunk, Progress, read_chunks, read_rows, writer_for
from tests.helpers import repository_catalog

# Rows of every kind: bills, repeats under other accounts, and rows that cannot be billed. Billed
# in 2024-03, under Daejeon's step of the 2023-07 bill (the last table the digest gives whole);
# A9 falls before the first version (the 2023-06 bill).
MIXED = """account,use_class,meter_mm,household_units,usage_m3,billing_month,note
A1,household,15,1,20,2024-03,
A2,household,15,1,20,2024-03,
A3,general,20,0,51,2024-03,x
A4,household,13,1,20,2024-03,
A5,public,15,1,20,2024-03,
,household,15,1,20,2024-03,
A7,household,15,1,abc,2024-03,
A8,household,15,1,20,2024-03,too,many

A9,household,15,1,20,2023-05,
A10,household,15,1,20,2024-03,
A11,household,15,1,20.0,2024-03,
"""


def reference_jsonl(text: str, ruleset: str) -> str:
    """The output of billing row by row without the batch engine (the contract)."""
    catalog = tariffcore.load_catalog()
    stream = io.StringIO()
    writer = writer_for("jsonl", stream, [])
    for row in read_rows(io.StringIO(text)):
        if row.error is not None:
            writer.write(row.account, row.error)
            continue
        assert row.parsed is not None
        try:
            result: tariffcore.Bill | tariffcore.BillingError = catalog.bill(ruleset, *row.parsed)
        except tariffcore.BillingError as exc:
            result = exc
        writer.write(row.account, result)
    return stream.getvalue()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bill_output_is_the_row_by_row_output(tmp_path: Path, jobs: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(MIXED, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    status = main(
        ["bill", str(source), "--ruleset", "kr/daejeon", "-o", str(out), "--jobs", jobs, "--progress", "off"]
        + ["--explain", "full"]
    )
    assert status == 1  # some rows failed
    text = out.read_text(encoding="utf-8")
    assert text == reference_jsonl(MIXED, "kr/daejeon")
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 11  # one per non-blank data row, in order
    assert [r["account"] for r in rows] == ["A1", "A2", "A3", "A4", "A5", "", "A7", "", "A9", "A10", "A11"]
    # a repeat carries its own account and the same bill: 860 + 10,200 + 8,400 + 3,400
    assert rows[1]["total"] == rows[9]["total"] == "22860"
    # 20.0 m³ prints as given, so it must not share the cache entry of 20 m³
    assert rows[10]["usage_m3"] == "20.0"
    assert [r["error"]["code"] for r in rows if "error" in r] == [
        "unknown_value",
        "unknown_use_class",
        "invalid_input",
        "invalid_input",
        "invalid_input",
        "no_version_in_force",
    ]


def test_the_cache_is_used_and_bounded() -> None:
    engine = BatchEngine.load("kr/daejeon", cache_size=2)
    header = ("account", "use_class", "meter_mm", "usage_m3", "billing_month")
    rows = [(n, [f"A{n}", "household", "15", str(n % 3), "2025-03"]) for n in range(1, 31)]
    outcomes = engine.results(Chunk(header, rows))
    assert [o.account for o in outcomes] == [f"A{n}" for n in range(1, 31)]
    assert all(isinstance(o.result, tariffcore.Bill) and o.result.account == o.account for o in outcomes)
    assert engine.stats.misses + engine.stats.hits == 30
    assert engine.stats.clears > 0  # three distinct rows never fit in two places
    unbounded = BatchEngine.load("kr/daejeon")
    unbounded.results(Chunk(header, rows))
    assert unbounded.stats.misses == 3 and unbounded.stats.hits == 27


def test_keys_tell_apart_what_bills_differently() -> None:
    assert freeze(Decimal("10")) != freeze(Decimal("10.0"))
    assert freeze(True) != freeze(1)
    assert freeze({"a": [1, 2]}) == freeze({"a": [1, 2]})
    account = tariffcore.Account("A", "household", 15, 1)
    reading = tariffcore.Reading(Decimal(20), date(2025, 3, 1))
    other_id = tariffcore.Account("B", "household", 15, 1)
    with_attr = tariffcore.Account(
        "A", "household", 15, 1, attributes=MappingProxyType({"levy_category": "x"})
    )
    key = parsed_key("kr/daejeon", account, reading)
    assert key == parsed_key("kr/daejeon", other_id, reading)
    assert key != parsed_key("kr/daejeon", with_attr, reading)
    assert key != parsed_key("kr/daejeon", account, tariffcore.Reading(Decimal(20), date(2025, 4, 1)))
    assert key != parsed_key("kr/gimhae", account, reading)


@given(
    st.sampled_from(["household", "general", "bathhouse", "industrial"]),
    st.sampled_from([15, 20, 25, 32, 40, 50, 80, 100, 150, 200, 250, 300, 400]),
    st.lists(st.integers(0, 1500), min_size=1, max_size=20),
)
def test_cached_bills_equal_direct_bills(use_class: str, meter: int, usages: list[int]) -> None:
    catalog = repository_catalog()
    engine = BatchEngine(catalog, "kr/daejeon")
    month = date(2024, 3, 1)  # the 2023-07 step: every class and meter size is known
    for index, usage in enumerate(usages * 2):
        account = tariffcore.Account(f"X{index}", use_class, meter, 1)
        reading = tariffcore.Reading(Decimal(usage), month)
        assert engine.bill(account, reading) == catalog.bill("kr/daejeon", account, reading)


def test_the_engine_pickles_and_bills_the_same() -> None:
    engine = BatchEngine.load("kr/gimhae")
    copy = pickle.loads(pickle.dumps(engine))
    assert copy.ruleset == "kr/gimhae" and copy.recipe == engine.recipe
    chunk = next(read_chunks(io.StringIO(MIXED)))
    assert copy.jsonl(chunk) == engine.jsonl(chunk)
    catalog = repository_catalog()
    with pytest.raises(TypeError, match="BatchEngine.load"):
        pickle.dumps(BatchEngine(catalog, "kr/gimhae"))


def test_reading_streams_in_chunks() -> None:
    """An endless input is read one chunk at a time: memory does not follow the input."""

    def endless() -> Iterator[str]:
        yield "account,use_class,usage_m3\n"
        number = 0
        while True:
            number += 1
            yield f"A{number},household,{number % 40}\n"

    class Stream(io.TextIOBase):
        def __init__(self) -> None:
            self.lines = endless()

        def __iter__(self) -> Iterator[str]:
            return self.lines

        def __next__(self) -> str:
            return next(self.lines)

    chunks = read_chunks(Stream(), "csv", size=100)  # type: ignore[arg-type]
    first, second = next(chunks), next(chunks)
    assert len(first.rows) == len(second.rows) == 100
    assert second.rows[0][1][0] == "A101"


def test_progress_draws_only_when_asked() -> None:
    stream = io.StringIO()
    progress = Progress(stream, total=200, unit="bytes")
    progress.advance(10, 100)
    progress.finish()
    assert "50.0%" in stream.getvalue() and "100.0%" in stream.getvalue()
    assert Progress.wanted("off") is False and Progress.wanted("on") is True


def test_parquet_in_and_out(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "account": ["P1", "P2", "P3"],
            "use_class": ["household", "general", "household"],
            "meter_mm": [15, 25, 13],
            "usage_m3": [20, 120, 5],
            "billing_month": ["2024-03", "2024-03", "2024-03"],
        }
    )
    source = tmp_path / "in.parquet"
    pq.write_table(table, source)
    out = tmp_path / "out.parquet"
    assert (
        main(
            [
                "bill",
                "--explain=full",
                str(source),
                "--ruleset",
                "kr/daejeon",
                "--format",
                "parquet",
                "-o",
                str(out),
                "--progress",
                "off",
            ]
        )
        == 1
    )
    result = pq.read_table(out).to_pylist()
    assert [r["account"] for r in result] == ["P1", "P2", "P3"]
    # 860 + 10,200 + 8,400 + 3,400; 3,890 + 110,400 + 130,900 + 20,400 (golden bills, digest §8)
    assert [r["total"] for r in result[:2]] == [Decimal("22860"), Decimal("265590")]
    assert result[1]["water"] == Decimal("110400")
    (water,) = [line for line in result[1]["lines"] if line["charge"] == "water"]
    assert water["rule"] == "water.general" and water["amount"] == Decimal("110400")
    assert result[2]["error_code"] == "unknown_value"
    jsonl = tmp_path / "out.jsonl"
    main(["bill", str(source), "--ruleset", "kr/daejeon", "-o", str(jsonl), "--progress", "off"])
    assert [json.loads(row).get("total") for row in jsonl.read_text().splitlines()] == [
        "22860",
        "265590",
        None,
    ]


def test_two_processes_split_a_file_and_keep_line_numbers(tmp_path: Path) -> None:
    from tariffcore.batch import csv_parts
    from tariffcore.synthetic import COLUMNS, synthetic_city

    rows = [",".join(r.values()) for r in synthetic_city(3000, seed=9)]
    rows[1700] = rows[1700] + ",extra"  # line 1702: more fields than the header
    source = tmp_path / "city.csv"
    source.write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    parts = csv_parts(source, 8)
    assert parts is not None and len(parts) == 8
    assert parts[0][2] == 2 and all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}.jsonl"
        assert (
            main(
                [
                    "bill",
                    "--explain=full",
                    str(source),
                    "--ruleset",
                    "kr/daejeon",
                    "-o",
                    str(out),
                    "--jobs",
                    jobs,
                    "--progress",
                    "off",
                ]
            )
            == 1
        )
        outputs[jobs] = out.read_bytes()
    assert outputs["1"] == outputs["2"]
    lines = outputs["2"].decode().splitlines()
    assert len(lines) == 3000
    assert json.loads(lines[1700])["error"]["message"] == "line 1702 has more fields than the header"
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('account,use_class,usage_m3\n"A,1",household,3\n', encoding="utf-8")
    assert csv_parts(quoted, 2) is None


def test_standard_input_streams_too(tmp_path: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "tariffcore", "bill", "-", "--ruleset", "kr/daejeon", "--explain=full"]
    done = subprocess.run(command, input=MIXED.encode(), capture_output=True, check=False)
    assert done.returncode == 1
    assert done.stdout.decode() == reference_jsonl(MIXED, "kr/daejeon")


READS = """account,use_class,meter_mm,billing_month,previous_read,current_read,meter_digits
M-1,household,13,2025-03,1234,1260,
M-2,household,13,2025-03,9998,3,4
M-3,household,13,2025-03,1260,1234,
M-4,household,13,2025-03,1234,1260,
"""


@pytest.mark.parametrize("text", [READS, "account,usage_m3\nA,3\n", "account,use_class\nA,x\n"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_meter_reads_and_missing_columns_as_row_by_row(tmp_path: Path, text: str, jobs: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    options = ["--jobs", jobs, "--progress", "off", "--explain", "full"]
    main(["bill", str(source), "--ruleset", "kr/gimhae", "-o", str(out), *options])
    assert out.read_text(encoding="utf-8") == reference_jsonl(text, "kr/gimhae")
