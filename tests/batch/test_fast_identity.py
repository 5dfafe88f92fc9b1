"""The fast backend writes, byte for byte, what the pure-Python engine writes.

Generated cities go through :func:`~tariffcore.batch.fast.fast_csv_to_jsonl` (CSV read in
blocks of columns, kinds of account billed by their charges' kernels, lines written from
columns, the other rows billed by the engine and put back in order) and through
:meth:`BatchEngine.csv_to_jsonl` with lean bills and without them; the three outputs must be
the same bytes. The cities: the one of ``test_lean_identity`` (every bundled ruleset, its use
classes, meter sizes, households, tier bounds, months in and out of range, pinned versions,
odd text and rows the engine refuses), an edge-case city under ``kr/daejeon`` (every class ×
meter × tier boundary, unknown classes and meters, out-of-range months, fractional usages and
reads, usages near the overflow guard, odd text) and a slice of the synthetic city of meter
reads. Blocks are small, so that one odd line (a quote, a short row) leaves the blocks around
it to the columns, and the splice of engine rows into column rows is walked many times.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

from tariffcore import BillFigures, Catalog, load_catalog  # noqa: E402
from tariffcore.batch import BatchEngine  # noqa: E402
from tariffcore.batch.fast import fast_csv_to_jsonl  # noqa: E402
from tariffcore.synthetic import write_city  # noqa: E402
from tests.batch.test_lean_identity import bill_csv, city  # noqa: E402


def fast(
    catalog: Catalog, text: str, block: int = 4096, window: int = 65536, **options: Any
) -> tuple[bytes, int]:
    """The fast backend's output of ``text`` and how many rows it billed by columns."""
    engine = BatchEngine(catalog, **{"explain": "lean", **options})
    out = io.BytesIO()
    columns: list[int] = []
    fast_csv_to_jsonl(engine, io.BytesIO(text.encode()), out, block=block, window=window, columns=columns)
    return out.getvalue(), sum(columns)


def same(catalog: Catalog, text: str, **options: Any) -> tuple[int, int]:
    """Assert the three outputs of ``text`` are the same bytes; (rows billed by columns, bills)."""
    mine, covered = fast(catalog, text, **options)
    explain = options.pop("explain", "lean")
    lean = bill_csv(catalog, text, lean=True, explain=explain, **options)
    reference = bill_csv(catalog, text, lean=False, explain=explain, **options)
    assert lean == reference
    mine_lines, reference_lines = mine.split(b"\n"), reference.split(b"\n")
    assert len(mine_lines) == len(reference_lines)
    for number, (a, b) in enumerate(zip(mine_lines, reference_lines, strict=True), start=1):
        assert a == b, f"line {number}"
    return covered, sum(1 for line in reference_lines if line and b'"error"' not in line)


def edge_city(seed: int = 2024, odd_lines: bool = True) -> str:
    """Daejeon's classes × meters × tier boundaries, and what the columns must leave alone."""
    rng = random.Random(seed)
    classes = ["household", "general", "bathhouse", "industrial", "nonesuch", ""]
    meters = [
        "15",
        "20",
        "25",
        "32",
        "40",
        "50",
        "80",
        "100",
        "150",
        "200",
        "250",
        "300",
        "400",
        "13",
        "999",
        "",
    ]
    bounds = [0, 1, 49, 50, 51, 99, 100, 101, 699, 700, 701, 999, 1000, 1001]
    usages = [str(b) for b in bounds] + [f"{b}.5" for b in bounds] + [f"{b}.25" for b in bounds]
    usages += ["0.0", "20.0", "20.50", "0.000001", "12345.678901", "999999999999", "999999999999.999999"]
    usages += ["9999999.999999", "7883022474997", "020", " 20", "20 ", "-5", "1e3", "abc", "", "+5", "1_5"]
    months = ["2024-03", "2023-07", "2023-06", "2025-08", "1990-01", "2024-13", ""]
    rows = []
    for use_class in classes:
        for meter in meters:
            for usage in usages:
                if rng.random() < 0.55:
                    continue
                month = "2024-03" if rng.random() < 0.8 else rng.choice(months)
                households = rng.choice(["", "", "1", "2", "0", "x"])
                previous = current = ""
                if rng.random() < 0.2 and usage and usage[0].isdigit() and " " not in usage:
                    previous = rng.choice(["0", "123", "99999.5", "5.25", "0100"])
                    current, usage = _after(previous, usage), ""
                rows.append([use_class, meter, households, usage, previous, current, month])
    rng.shuffle(rows)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(
        [
            "account",
            "use_class",
            "meter_mm",
            "household_units",
            "usage_m3",
            "previous_read",
            "current_read",
            "billing_month",
        ]
    )
    for number, row in enumerate(rows, start=1):
        account = f"E{number:05d}" if number % 211 else " E spaced "
        writer.writerow([account, *row])
    text = stream.getvalue()
    if not odd_lines:
        return text
    # One quoted row and one short row, each spoiling its own block only.
    lines = text.split("\n")
    lines.insert(len(lines) // 3, 'Q1,"household",15,,12,,,2024-03')
    lines.insert(2 * len(lines) // 3, "S1,household,15")
    return "\n".join(lines)


def _after(previous: str, usage: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return format(Decimal(previous) + Decimal(usage), "f")
    except InvalidOperation:
        return usage


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


def test_every_bundled_ruleset_bills_the_same_bytes(catalog: Catalog, generated: str) -> None:
    covered, bills = same(catalog, generated)
    # Most bills were billed by columns (a backend that covered nothing would pass the comparison).
    assert covered > bills * 2 // 3, (covered, bills)


def test_the_edge_city_bills_the_same_bytes(catalog: Catalog) -> None:
    text = edge_city()
    covered, bills = same(catalog, text, ruleset="kr/daejeon")
    assert covered > bills * 2 // 3, (covered, bills)


def test_only_some_charges(catalog: Catalog) -> None:
    text = edge_city(7)
    covered, bills = same(catalog, text, ruleset="kr/daejeon", charges=["water", "levy"])
    assert covered > bills * 2 // 3, (covered, bills)


def test_a_city_of_meter_reads_is_billed_by_columns(catalog: Catalog) -> None:
    stream = io.StringIO()
    write_city(stream, 3000, billing_month="2024-03", reads=True)
    text = stream.getvalue()
    assert same(catalog, text, ruleset="kr/daejeon") == (3000, 3000)


def test_one_block_and_blocks_of_one_line(catalog: Catalog) -> None:
    stream = io.StringIO()
    write_city(stream, 300, billing_month="2024-03")
    text = stream.getvalue()
    one, covered = fast(catalog, text, block=1 << 20, ruleset="kr/daejeon")
    tiny, _ = fast(catalog, text, block=16, ruleset="kr/daejeon")
    windows, _ = fast(catalog, text, block=1 << 20, window=7, ruleset="kr/daejeon")
    assert one == tiny == windows == bill_csv(catalog, text, lean=False, ruleset="kr/daejeon")
    assert covered == 300


def test_usages_written_again_and_each_its_own(catalog: Catalog) -> None:
    # Usages that repeat, as the same and as other texts ("12", "12.0"), with and without meter
    # reads, fractional reads, and usages of their own, in blocks and windows of all sizes.
    lines = ["account,use_class,meter_mm,household_units,usage_m3,previous_read,current_read,billing_month"]
    usages = [("12", "", ""), ("", "100", "112"), ("12.0", "", ""), ("0", "", ""), ("", "5", "5")]
    usages += [("", "7.5", "19.5"), ("31", "", ""), ("", "1", "32"), ("12.00", "", ""), ("", "3.25", "40")]
    for number in range(1, 241):
        usage, previous, current = usages[number * 7 % len(usages)]
        if number % 5 == 0:  # a usage of its own
            usage, previous, current = f"{number}.{number % 7}", "", ""
        use_class = ("household", "general", "bathhouse")[number % 3]
        lines.append(f"A{number},{use_class},{(15, 20)[number % 2]},1,{usage},{previous},{current},2024-03")
    text = "\n".join(lines) + "\n"
    reference = bill_csv(catalog, text, lean=False, ruleset="kr/daejeon")
    for block, window in ((1 << 20, 65536), (1 << 20, 7), (300, 5)):
        mine, covered = fast(catalog, text, block=block, window=window, ruleset="kr/daejeon")
        assert mine == reference and covered == 240
    full, _ = fast(catalog, text, block=1 << 20, window=9, ruleset="kr/daejeon", explain="full")
    assert full == bill_csv(catalog, text, lean=False, explain="full", ruleset="kr/daejeon")


def test_the_edge_city_in_one_block_of_small_windows(catalog: Catalog) -> None:
    text = edge_city(11, odd_lines=False)
    mine, covered = fast(catalog, text, block=1 << 22, window=5, ruleset="kr/daejeon")
    assert mine == bill_csv(catalog, text, lean=False, ruleset="kr/daejeon") and covered > 300


# --------------------------------------------------------------------------- Parquet


def parquet_tables(catalog: Catalog, text: str, tmp: Any, **options: Any) -> tuple[Any, Any, int]:
    """The Parquet tables of ``text`` by the engine and by columns, and the rows by columns."""
    import pyarrow.parquet as pq

    from tariffcore.batch import fast_csv_file_to_parquet, figures_work, results_work, run_chunks
    from tariffcore.engine import charge_ids
    from tariffcore.rows import ParquetBillWriter, read_chunks

    source = tmp / "city.csv"
    source.write_text(text, encoding="utf-8")
    engine = BatchEngine(catalog, **options)
    charges = charge_ids(catalog, options.get("ruleset"))
    writer = ParquetBillWriter(str(tmp / "python.parquet"), charges, explain=engine.explain)
    for outcomes in run_chunks(engine, read_chunks(str(source)), results_work):
        for outcome in outcomes:
            writer.write(outcome.account, outcome.result)
    writer.close()
    if engine.explain == "lean":  # lean bills' figures, as the command writes them
        writer = ParquetBillWriter(str(tmp / "figures.parquet"), charges, explain="lean")
        figured = 0
        for found in run_chunks(BatchEngine(catalog, **options), read_chunks(str(source)), figures_work):
            for _, account, result in found:
                figured += isinstance(result, BillFigures)
                writer.write(account, result)
        writer.close()
        assert figured and pq.read_table(tmp / "figures.parquet").equals(
            pq.read_table(tmp / "python.parquet")
        )
    columns: list[int] = []
    done = fast_csv_file_to_parquet(
        BatchEngine(catalog, **options),
        source,
        str(tmp / "fast.parquet"),
        charges,
        block=4096,
        columns=columns,
    )
    assert done is not None
    return pq.read_table(tmp / "python.parquet"), pq.read_table(tmp / "fast.parquet"), sum(columns)


@pytest.mark.parametrize("explain", ["lean", "full"])
def test_parquet_of_every_bundled_ruleset(
    catalog: Catalog, generated: str, tmp_path: Any, explain: str
) -> None:
    reference, mine, covered = parquet_tables(catalog, generated, tmp_path, explain=explain)
    line = reference.schema.field("lines").type.value_type
    assert ("slices" in [f.name for f in line]) == (explain == "full")
    assert mine.schema.equals(reference.schema, check_metadata=True)
    for name in reference.column_names:
        assert mine.column(name).equals(reference.column(name)), name
    bills = sum(1 for code in reference.column("error_code").to_pylist() if code is None)
    assert covered > bills * 2 // 3, (covered, bills)


def test_parquet_of_the_edge_city(catalog: Catalog, tmp_path: Any) -> None:
    reference, mine, covered = parquet_tables(catalog, edge_city(), tmp_path, ruleset="kr/daejeon")
    assert mine.equals(reference) and covered > 300, covered
    slices = [
        s for lines in mine.column("lines").to_pylist() if lines for line in lines for s in line["slices"]
    ]
    assert any(s["upto"] is None for s in slices) and any(s["tier"] == 3 for s in slices)


def test_lean_parquet_of_the_edge_city_is_the_full_one_without_the_explanation(
    catalog: Catalog, tmp_path: Any
) -> None:
    from tariffcore.rows import LEAN_LINE

    full, _, _ = parquet_tables(catalog, edge_city(), tmp_path, ruleset="kr/daejeon")
    reference, mine, covered = parquet_tables(
        catalog, edge_city(), tmp_path, ruleset="kr/daejeon", explain="lean"
    )
    assert mine.equals(reference) and covered > 300, covered
    assert [f.name for f in mine.schema.field("lines").type.value_type] == list(LEAN_LINE)
    assert mine.drop(["lines"]).equals(full.drop(["lines"]))
    cut = [
        [{name: line[name] for name in LEAN_LINE} for line in lines] if lines is not None else None
        for lines in full.column("lines").to_pylist()
    ]
    assert mine.column("lines").to_pylist() == cut
    assert sum(len(lines) for lines in cut if lines) > 1000


# --------------------------------------------------------------------------- --explain full


def test_full_explanation_of_every_bundled_ruleset(catalog: Catalog, generated: str) -> None:
    covered, bills = same(catalog, generated, explain="full")
    assert covered > bills * 2 // 3, (covered, bills)


def test_full_explanation_of_the_edge_city(catalog: Catalog) -> None:
    text = edge_city(5)
    covered, bills = same(catalog, text, ruleset="kr/daejeon", explain="full")
    assert covered > bills * 2 // 3, (covered, bills)


def test_full_explanation_of_rates_written_with_trailing_zeros(tmp_path: Any) -> None:
    # A rate written 1.50 keeps its two places in the unrounded amount: 1e11 m³ × 1.50 written
    # with 20 decimals is past int64, and the fast backend wrote it wrapped round, negative.
    folder = tmp_path / "xx" / "trail"
    folder.mkdir(parents=True)
    (folder / "2025.yaml").write_text(
        'ruleset: xx/trail\nversion: "2025"\ntitle: t\njurisdiction: t\nconfidence: c.\ncurrency: KRW\n'
        "effective: {from: 2025-01, basis: billing_month}\nsources: [{id: s, title: t, tag: INF}]\n"
        "rounding: {unit: 1, method: truncate}\nuse_classes: {household: {label: h}}\n"
        "charges:\n  water: {type: per_unit, label: w, source: [s], rate: 1.50}\n"
        "  sewer:\n    type: graduated\n    label: s\n    source: [s]\n"
        "    classes: {household: [{upto: 10, rate: 3.0}, {rate: 4.00}]}\n",
        encoding="utf-8",
    )
    catalog = load_catalog([tmp_path], entry_points=False)
    usages = ["100000000000.000001", "99999999999.5", "12.5", "7", "10", "0.000001"]
    text = "account,use_class,usage_m3,billing_month\n" + "".join(
        f"A{n},household,{usage},2025-03\n" for n, usage in enumerate(usages)
    )
    covered, bills = same(catalog, text, ruleset="xx/trail", explain="full")
    assert bills == len(usages) and covered == bills
    written, _ = fast(catalog, text, ruleset="xx/trail", explain="full")
    assert b'"unrounded":"150000000000.00000150"' in written
