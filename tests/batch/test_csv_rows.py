"""CSV text billed straight into a CSV of bills writes, byte for byte, what the engine's bills
written by :class:`~tariffcore.rows.CsvWriter` are.

The reference reads the rows in chunks, bills each by the engine (its figures, or with lean
bills off its :class:`~tariffcore.Bill`) and writes it with the writer; the loop of
``bill --format csv`` (:meth:`BatchEngine.csv_to_csv`) writes rows from lean bills' row
formats where they cover the row and from the engine's bill elsewhere. The cities: every
bundled ruleset (classes, meters, households, tier bounds, months in and out of range, pinned
versions, odd text, rows the engine refuses), a city of meter reads, and rows written oddly
(quoted and empty accounts, rows too wide or too short, blank lines, a header without a
needed column).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from tariffcore import Catalog
from tariffcore.batch import BatchEngine, figures_work, run_chunks
from tariffcore.commands.main import main
from tariffcore.rows import CsvWriter, csv_account, csv_cells, csv_rest, read_chunks
from tariffcore.synthetic import write_city
from tests.batch.test_lean_identity import city, lean_bills

DAEJEON = ["water", "sewer", "base", "levy"]


def reference(catalog: Catalog, text: str, columns: list[str], lean: bool, **options: Any) -> bytes:
    """The CSV of bills the engine's bills make, written by :class:`CsvWriter`."""
    engine = BatchEngine(catalog, explain="lean", **options)
    out = io.StringIO(newline="")
    writer = CsvWriter(out, columns)
    with lean_bills(lean):
        for batch in run_chunks(engine, read_chunks(io.StringIO(text), "csv"), figures_work):
            for _, account, result in batch:
                writer.write(account, result)
    return out.getvalue().encode("utf-8")


def loop(
    catalog: Catalog, text: str, columns: list[str], lean: bool = True, **options: Any
) -> tuple[bytes, int]:
    """What :meth:`BatchEngine.csv_to_csv` writes after the header; (bytes, error rows)."""
    engine = BatchEngine(catalog, explain="lean", **options)
    out = io.StringIO(newline="")
    CsvWriter(out, columns)
    written = io.BytesIO()
    with lean_bills(lean):
        _, failed = engine.csv_to_csv(io.StringIO(text), written, columns)
    return out.getvalue().encode("utf-8") + written.getvalue(), failed


def same(catalog: Catalog, text: str, columns: list[str], **options: Any) -> int:
    """Assert the loop writes the reference's bytes, with lean bills and without; the rows."""
    expected = reference(catalog, text, columns, lean=False, **options)
    mine, failed = loop(catalog, text, columns, **options)
    plain, _ = loop(catalog, text, columns, lean=False, **options)
    assert plain == expected
    mine_rows, expected_rows = mine.split(b"\n"), expected.split(b"\n")
    assert len(mine_rows) == len(expected_rows)
    for number, (a, b) in enumerate(zip(mine_rows, expected_rows, strict=True), start=1):
        assert a == b, f"row {number}"
    parsed = list(csv.reader(io.StringIO(expected.decode("utf-8"), newline="")))
    at = parsed[0].index("error_code")
    assert failed == sum(1 for row in parsed[1:] if row[at])
    return len(parsed) - 1


def every_charge(catalog: Catalog) -> list[str]:
    found: dict[str, None] = {}
    for ruleset in catalog:
        for version in ruleset.versions:
            for charge in version.charges:
                found[charge.id] = None
    return list(found)


def test_every_bundled_ruleset(catalog: Catalog) -> None:
    text = city(catalog)
    for columns in (every_charge(catalog), ["water", "levy"], []):
        assert same(catalog, text, columns) > 1000


def test_a_city_of_meter_reads_and_one_of_usages(catalog: Catalog) -> None:
    for reads in (True, False):
        stream = io.StringIO()
        write_city(stream, 1500, billing_month="2024-03", reads=reads)
        assert same(catalog, stream.getvalue(), DAEJEON, ruleset="kr/daejeon") == 1500


def test_only_some_charges_billed(catalog: Catalog) -> None:
    stream = io.StringIO()
    write_city(stream, 300, billing_month="2024-03", reads=True)
    same(catalog, stream.getvalue(), ["water", "levy"], ruleset="kr/daejeon", charges=["water", "levy"])


def test_rows_written_oddly(catalog: Catalog) -> None:
    text = (
        "account,use_class,meter_mm,household_units,usage_m3,billing_month\n"
        'A1,household,15,1,12,2024-03\n"B,2",household,15,1,12,2024-03\n'
        '"C ""q""",household,15,1,20,2024-03\n,household,15,1,12,2024-03\n'
        "\n"
        "D 4 ,household,15,1,12,2024-03\n한글,household,15,1,12,2024-03\n"
        "E5,household,15,1,12,2024-03,extra\nF6,household,15\nG7,nonesuch,15,1,12,2024-03\n"
        "H8,household,15,1,-3,2024-03\nI9,household,15,1,1e3,2024-03\nJ10,household,15,1,12,2024-3\n"
        'K11,household,15,1,"12",2024-03\nL12,household,15,1,12.50,2024-03\n'
    )
    assert same(catalog, text, DAEJEON, ruleset="kr/daejeon") == 14  # the blank line is no row
    rows = loop(catalog, text, DAEJEON, ruleset="kr/daejeon")[0].decode().splitlines()
    assert rows[2].startswith('"B,2",kr/daejeon@') and rows[3].startswith('"C ""q""",kr/daejeon@')
    missing = "account,use_class,meter_mm\nA1,household,15\n,household,20\n"
    assert same(catalog, missing, DAEJEON, ruleset="kr/daejeon") == 2


def test_a_row_is_its_account_cell_and_the_rest(catalog: Catalog) -> None:
    bill = catalog.bill("kr/daejeon", *_account_and_reading())
    for account in ("A1", "", "a,b", 'q"q', " x ", "한글", "a\nb"):
        out = io.StringIO(newline="")
        CsvWriter(out, DAEJEON, header=False).write(account, bill)
        assert out.getvalue() == csv_account(account) + csv_rest(bill, DAEJEON)
        assert out.getvalue().count(",") >= len(csv_cells(account, bill, DAEJEON)) - 1


def _account_and_reading() -> tuple[Any, Any]:
    from tariffcore import Account, Reading

    return Account("A1", "household", meter_mm=15), Reading(Decimal(12), billing_month=date(2024, 3, 1))


def test_bill_format_csv_the_same_in_one_process_and_several(catalog: Catalog, tmp_path: Any) -> None:
    stream = io.StringIO()
    write_city(stream, 900, billing_month="2024-03", reads=True)
    plain = stream.getvalue()
    quoted = plain.replace("A00000007,", '"A 7,",')  # a quote: the file is not cut in ranges
    for name, text in (("plain", plain), ("quoted", quoted)):
        source = tmp_path / f"{name}.csv"
        source.write_text(text, encoding="utf-8")
        written = {}
        for jobs in ("1", "2"):
            target = tmp_path / f"{name}-{jobs}.csv"
            argv = ["bill", str(source), "--ruleset", "kr/daejeon", "--backend", "python", "--jobs", jobs]
            assert main([*argv, "-o", str(target), "--quiet"]) == 0
            written[jobs] = target.read_bytes()
        assert (
            written["1"]
            == written["2"]
            == reference(catalog, text, DAEJEON, lean=False, ruleset="kr/daejeon")
        )
        assert written["1"].count(b"\n") == 901
    assert b'"A 7,",kr/daejeon@' in written["1"]
