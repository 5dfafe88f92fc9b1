"""The fast backend's CSV of bills is, byte for byte, the one the pure-Python engine writes.

The reference is what ``bill --format csv`` writes without the backend: rows read in chunks,
each billed by the engine (its figures) and written by :class:`~tariffcore.rows.CsvWriter`,
with lean bills and without them. The cities are those of ``test_fast_identity`` (every
bundled ruleset; an edge-case city of Daejeon; meter reads), in blocks small enough that the
rows left to the engine are put back among the rows billed by columns many times.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

from tariffcore import Catalog  # noqa: E402
from tariffcore.batch import BatchEngine, fast_csv_to_csv  # noqa: E402
from tariffcore.columnar import csv_template  # noqa: E402
from tariffcore.commands.main import main  # noqa: E402
from tariffcore.synthetic import write_city  # noqa: E402
from tests.batch.test_csv_rows import every_charge, reference  # noqa: E402
from tests.batch.test_fast_identity import edge_city  # noqa: E402
from tests.batch.test_lean_identity import city  # noqa: E402


def fast(
    catalog: Catalog, text: str, columns: list[str], block: int = 4096, **options: Any
) -> tuple[bytes, int, int]:
    """The fast backend's CSV of ``text`` with a column per charge of ``columns``: (bytes,
    rows billed by columns, error rows)."""
    engine = BatchEngine(catalog, explain="lean", **options)
    out = io.BytesIO()
    counts: list[int] = []
    done = fast_csv_to_csv(engine, io.BytesIO(text.encode()), out, columns, block=block, columns=counts)
    assert done is not None
    return out.getvalue(), sum(counts), done[1]


def same(catalog: Catalog, text: str, columns: list[str], **options: Any) -> tuple[int, int]:
    """Assert the fast backend writes the reference's bytes; (rows billed by columns, bills)."""
    mine, covered, failed = fast(catalog, text, columns, **options)
    expected = reference(catalog, text, columns, lean=False, **options)
    assert reference(catalog, text, columns, lean=True, **options) == expected
    mine_rows, expected_rows = mine.split(b"\n"), expected.split(b"\n")
    assert len(mine_rows) == len(expected_rows)
    for number, (a, b) in enumerate(zip(mine_rows, expected_rows, strict=True), start=1):
        assert a == b, f"row {number}"
    errors = sum(1 for row in expected_rows[1:] if row and row.split(b",")[1] == b"")
    assert failed == errors
    return covered, len(expected_rows) - 2 - errors


def test_every_bundled_ruleset(catalog: Catalog) -> None:
    text = city(catalog)
    # A column for every charge of the catalog, and none (a ruleset column: the CLI's case,
    # every amount then under other_charges).
    for charges in (every_charge(catalog), []):
        covered, bills = same(catalog, text, charges)
        # Most bills were billed by columns (a backend that covered nothing would pass too).
        assert covered > bills * 2 // 3, (covered, bills)


def test_the_edge_city(catalog: Catalog) -> None:
    covered, bills = same(catalog, edge_city(), ["water", "sewer", "base", "levy"], ruleset="kr/daejeon")
    assert covered > bills * 2 // 3, (covered, bills)


def test_columns_for_some_charges_the_others_in_other_charges(catalog: Catalog) -> None:
    text = edge_city(5, odd_lines=False)
    covered, bills = same(catalog, text, ["levy", "water"], ruleset="kr/daejeon")
    assert covered > bills * 2 // 3, (covered, bills)
    mine, _, _ = fast(catalog, text, ["levy", "water"], ruleset="kr/daejeon")
    assert b",sewer=" in mine and b";base=" in mine


def test_only_some_charges_billed(catalog: Catalog) -> None:
    covered, bills = same(
        catalog, edge_city(7), ["water", "levy"], ruleset="kr/daejeon", charges=["water", "levy"]
    )
    assert covered > bills * 2 // 3, (covered, bills)


def test_a_city_of_meter_reads_in_blocks_of_every_size(catalog: Catalog) -> None:
    stream = io.StringIO()
    write_city(stream, 2000, billing_month="2024-03", reads=True)
    text = stream.getvalue()
    charges = ["water", "sewer", "base", "levy"]
    assert same(catalog, text, charges, ruleset="kr/daejeon") == (2000, 2000)
    one, covered, _ = fast(catalog, text, charges, block=1 << 22, ruleset="kr/daejeon")
    tiny, _, _ = fast(catalog, text, charges, block=16, ruleset="kr/daejeon")
    assert one == tiny == reference(catalog, text, charges, lean=False, ruleset="kr/daejeon")
    assert covered == 2000


def test_a_fixed_cell_holding_the_mark_leaves_the_kind_to_the_engine() -> None:
    facts = SimpleNamespace(
        label="xx/odd@2025", not_included=(), use_class="a\x1fb", meter_mm=15, households=1
    )
    plan: Any = SimpleNamespace(
        bill=SimpleNamespace(facts=facts), kernels=[(SimpleNamespace(id="water"), None)]
    )
    assert csv_template(plan, ["water"]) is None
    facts.use_class = "a,b"  # quoted as Python's csv quotes it
    assert csv_template(plan, ["water"]) == ["", 0, ",xx/odd@2025,", 1, ",", 3, ",,", 2, ',,,,"a,b",15,1\n']


def test_bill_format_csv_writes_the_same_file_with_either_backend(tmp_path: Any) -> None:
    stream = io.StringIO()
    write_city(stream, 400, billing_month="2024-03")
    lines = stream.getvalue().splitlines(keepends=True)
    lines[101] = "A-odd,household,15,1,-3,2024-03\n"  # an error row among the columns' rows
    source = tmp_path / "city.csv"
    source.write_text("".join(lines), encoding="utf-8")
    written = {}
    for backend in ("python", "fast"):
        target = tmp_path / f"{backend}.csv"
        status = main(
            [
                "bill",
                str(source),
                "--ruleset",
                "kr/daejeon",
                "--backend",
                backend,
                "-o",
                str(target),
                "--quiet",
            ]
        )
        assert status == 1  # the error row
        written[backend] = target.read_bytes()
    assert written["fast"] == written["python"]
    assert written["fast"].count(b"\n") == 401
    assert b"A-odd,,," in written["fast"]


def test_bytes_go_to_standard_output_only_where_its_text_would_be_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from tariffcore.commands.bill import _as_written

    utf8, latin = (
        io.TextIOWrapper(io.BytesIO(), encoding="utf-8"),
        io.TextIOWrapper(io.BytesIO(), encoding="latin-1"),
    )
    monkeypatch.setattr(os, "linesep", "\n")
    assert _as_written(utf8, "bills.csv") and _as_written(utf8, None) and _as_written(utf8, "-")
    assert not _as_written(latin, "bills.csv") and not _as_written(latin, None)
    monkeypatch.setattr(os, "linesep", "\r\n")  # standard output translates line ends (Windows)
    assert _as_written(utf8, "bills.csv")  # an output file is written as it is
    assert not _as_written(utf8, None) and not _as_written(utf8, "-")


def test_a_stream_with_no_file_behind_it_and_a_progress_bar(catalog: Catalog) -> None:
    from tariffcore.rows import Progress

    stream = io.StringIO()
    write_city(stream, 50, billing_month="2024-03")
    engine = BatchEngine(catalog, ruleset="kr/daejeon", explain="lean")
    progress = Progress(visible=False)
    out = io.BytesIO()
    assert fast_csv_to_csv(
        engine, io.BytesIO(stream.getvalue().encode()), out, ["water", "sewer", "base", "levy"], progress
    ) == (50, 0)
    assert out.getvalue().count(b"\n") == 51 and progress.rows == 50
