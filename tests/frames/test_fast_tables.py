"""``bill_table`` and ``bill_frame`` by columns make what they make record by record, value for
value.

The fast backend turns each block of a table into text, column by column, as the record path
reads each cell, bills it by columns as it bills CSV text, and leaves to the record path every
row it does not cover. The cities of the CSV identity tests (every bundled ruleset; the
edge-case city of ``kr/daejeon``) are read by Arrow as text and with the types Arrow guesses
(whole numbers, floats with and without a fraction), and tables are drawn of every kind of
cell a table may hold; each is billed both ways, in blocks small enough that rows of the
record path are put back among rows of the columns many times.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")
pcsv = pytest.importorskip("pyarrow.csv")

import tariffcore  # noqa: E402
import tariffcore.frames as frames  # noqa: E402
from tariffcore import Catalog, TariffcoreError  # noqa: E402
from tariffcore.batch import fastframe, fasttable  # noqa: E402
from tests.batch.test_fast_identity import edge_city  # noqa: E402
from tests.batch.test_lean_identity import city  # noqa: E402
from tests.helpers import repository_catalog, version  # noqa: E402


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows billed by columns, block by block, in blocks of 257 rows (tables and frames)."""
    found: list[int] = []
    for name, real in (("fast_table", fasttable.fast_table), ("fast_frame", fastframe.fast_frame)):

        def fast(
            engine: Any, data: Any, charges: Any, block: Any = None, columns: Any = None, real: Any = real
        ) -> Any:
            return real(engine, data, charges, 257, found)

        monkeypatch.setattr(frames, name, fast)
    # No way back to the record path on an Arrow error: the fast path must bill these inputs.
    monkeypatch.setattr(frames, "_fast", _unguarded)
    return found


def _unguarded(bill: Any, engine: Any, data: Any, charges: Any) -> Any:
    return bill(engine, data, charges)


def same(catalog: Catalog, table: Any, **options: Any) -> Any:
    """Assert both backends make the same table of ``table``, and the same frame of the
    table as pandas has it; return the table."""
    same_frame(catalog, table.to_pandas(), **options)
    mine = tariffcore.bill_table(table, catalog=catalog, backend="fast", **options)
    reference = tariffcore.bill_table(table, catalog=catalog, backend="python", **options)
    assert mine.schema.equals(reference.schema), (mine.schema, reference.schema)
    assert mine.num_rows == reference.num_rows == table.num_rows
    for name in reference.column_names:
        a, b = mine.column(name).to_pylist(), reference.column(name).to_pylist()
        for number, (x, y) in enumerate(zip(a, b, strict=True)):
            assert x == y and str(x) == str(y), (name, number, x, y)
    assert mine.equals(reference)
    return reference


def _table(text: str) -> bytes:
    """The CSV ``text`` without its rows that are not as wide as the header (a table has none)."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row for row in rows if len(row) == len(rows[0]))
    return out.getvalue().encode()


def same_frame(catalog: Catalog, frame: Any, **options: Any) -> Any:
    """Assert both backends make the same frame of ``frame`` (columns, types, index, and each
    value's type and ``repr``: a Decimal's exponent, an integer that is not a float); return it."""
    mine = tariffcore.bill_frame(frame, catalog=catalog, backend="fast", **options)
    reference = tariffcore.bill_frame(frame, catalog=catalog, backend="python", **options)
    assert list(mine.columns) == list(reference.columns)
    assert mine.index.equals(reference.index)
    for name in reference.columns:
        assert mine[name].dtype == reference[name].dtype, name
        a, b = mine[name].tolist(), reference[name].tolist()
        for number, (x, y) in enumerate(zip(a, b, strict=True)):
            assert type(x) is type(y) and repr(x) == repr(y), (name, number, x, y)
    return reference


def as_text(text: str) -> Any:
    header = text.split("\n", 1)[0].split(",")
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False)
    return pcsv.read_csv(io.BytesIO(_table(text)), convert_options=convert)


def as_guessed(text: str) -> Any:
    convert = pcsv.ConvertOptions(column_types={"account": pa.string(), "billing_month": pa.string()})
    return pcsv.read_csv(io.BytesIO(_table(text)), convert_options=convert)


def bills(table: Any) -> int:
    return sum(1 for code in table.column("error_code").to_pylist() if code is None)


@pytest.fixture(scope="module")
def generated(catalog: Catalog) -> str:
    return city(catalog)


@pytest.mark.parametrize("read", [as_text, as_guessed])
def test_every_bundled_ruleset(catalog: Catalog, generated: str, counted: list[int], read: Any) -> None:
    made = same(catalog, read(generated))
    # Most bills were billed by columns (a backend that covered nothing would pass the comparison).
    assert sum(counted) > bills(made) * 2 // 3, (sum(counted), bills(made))
    assert len(counted) > 5


@pytest.mark.parametrize("read", [as_text, as_guessed])
def test_the_edge_city(catalog: Catalog, counted: list[int], read: Any) -> None:
    made = same(catalog, read(edge_city(odd_lines=False)), ruleset="kr/daejeon")
    assert sum(counted) > bills(made) // 2, (sum(counted), bills(made))


def test_only_some_charges(catalog: Catalog, counted: list[int]) -> None:
    made = same(
        catalog, as_text(edge_city(7, odd_lines=False)), ruleset="kr/daejeon", charges=["water", "levy"]
    )
    assert [n for n in made.column_names if n in ("base", "water", "sewer", "levy")] == ["water", "levy"]
    assert sum(counted) > bills(made) // 2


def test_rows_of_other_rulesets_add_their_charges_in_the_order_met(counted: list[int]) -> None:
    # test/a has water; test/b adds sewer, then meter (met on the same bill, in its order);
    # test/c adds levy. A row of test/b's comes first by columns, or first by the record path
    # (a padded account), depending on the block.
    a = version({"water": {"type": "volume", "label": "w", "source": "s", "classes": {"household": 2}}})
    b = version(
        {
            "water": {"type": "volume", "label": "w", "source": "s", "classes": {"household": 3}},
            "sewer": {"type": "volume", "label": "s", "source": "s", "classes": {"household": 1}},
            "meter": {"type": "per_unit", "label": "m", "source": "s", "rate": 500},
        },
        ruleset="test/b",
    )
    c = version(
        {"levy": {"type": "volume", "label": "l", "source": "s", "classes": {"household": 1}}},
        ruleset="test/c",
    )
    catalog = tariffcore.Catalog(
        {
            "test/city": tariffcore.Ruleset("test/city", (a,)),
            "test/b": tariffcore.Ruleset("test/b", (b,)),
            "test/c": tariffcore.Ruleset("test/c", (c,)),
        },
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    for first in (300, 301):
        rulesets = [None] * first + ["test/c", None, "test/b"] * 200
        table = pa.table(
            {
                "account": [f"M-{n}" if n != first + 2 else f" M-{n}" for n in range(len(rulesets))],
                "use_class": ["household"] * len(rulesets),
                "usage_m3": [str(10 + n % 40) for n in range(len(rulesets))],
                "billing_month": ["2025-03"] * len(rulesets),
                "ruleset": rulesets,
            }
        )
        made = same(catalog, table, ruleset="test/city")
        assert made.column_names[4:8] == ["water", "levy", "sewer", "meter"], made.column_names
        assert made.column("meter").to_pylist()[first + 2] == 500 * (10 + (first + 2) % 40)  # a m³
    assert sum(counted) > len(rulesets)


#: Cells of every kind a table may hold, column by column: (Arrow type, values).
CELLS: dict[str, list[tuple[Any, list[Any]]]] = {
    "account": [
        (pa.string(), ["A-1", "A 4", " A-2 ", "", None, "계-3", "A\x1c"]),
        (pa.large_string(), ["A-5", "A-6"]),
        (pa.int64(), [10234, 7, None]),
        (pa.float64(), [10234.0, 1.5, None, float("nan")]),
        (pa.decimal128(10, 0), [Decimal(10234), None]),
        (pa.decimal128(10, 2), [Decimal("10234.00"), Decimal("5.50")]),
        (pa.bool_(), [True, None]),
    ],
    "use_class": [
        (pa.string(), ["household", "general", " household", "household\u00a0", "nonesuch", "", None]),
        (pa.dictionary(pa.int8(), pa.string()), ["household", "general"]),
        (pa.int32(), [1, None]),
    ],
    "meter_mm": [
        (pa.int64(), [15, 20, 13, 999, 0, -15, None]),
        (pa.int16(), [15, 25]),
        (pa.string(), ["15", " 20", "015", "15.0", "", None]),
        (pa.float64(), [15.0, 20.0, 15.5, float("nan"), None, 1e300]),
        (pa.decimal128(6, 1), [Decimal("15.0"), Decimal("20.0")]),
        (pa.bool_(), [True, False]),
    ],
    "household_units": [
        (pa.int64(), [1, 2, 0, None]),
        (pa.string(), ["1", "", "two", None]),
        (pa.float64(), [1.0, 2.5, float("nan")]),
    ],
    "usage_m3": [
        (pa.string(), ["12", "0", "12.5", "012", " 30", "1e3", "-4", "", None, "0.000001", "99999999999999"]),
        (pa.int64(), [0, 12, 30, 1000, -4, 2**62, None]),
        (pa.uint32(), [0, 12, 31]),
        (pa.float64(), [12.0, 12.5, 0.0, -0.0, float("nan"), float("inf"), 2.0**60, None]),
        (pa.decimal128(10, 3), [Decimal("12.000"), Decimal("0.000"), Decimal("12.345"), None]),
        (pa.decimal128(38, 0), [Decimal(12), Decimal(10) ** 30]),
        (pa.list_(pa.int64()), [[12], None]),
    ],
    "billing_month": [
        (pa.string(), ["2024-03", "2025-03", "1990-01", "2024-3", "", None]),
        (pa.date32(), [date(2024, 3, 1), date(2025, 3, 15), None]),
        (pa.timestamp("s"), [datetime(2024, 3, 1, 12, 0), None]),
        (pa.int64(), [202403]),
    ],
    "ruleset": [
        (pa.string(), [None, "kr/daejeon", "kr/gimhae", "kr/daejeon@2025-07", "kr/nowhere", ""]),
        (pa.int64(), [None, 7]),
    ],
}


@st.composite
def tables(draw: st.DrawFn) -> Any:
    """A table of 1 to 60 rows whose columns are each of one kind of cell (see CELLS)."""
    rows = draw(st.integers(1, 60))
    names = ["account", "use_class", "meter_mm", "usage_m3", "billing_month"]
    names += draw(st.sets(st.sampled_from(["household_units", "ruleset"])))
    data: dict[str, Any] = {}
    odd = draw(st.sampled_from([0, 1, 5]))  # in ten cells, any value; elsewhere a common one
    for name in names:
        # Mostly the first kind of cell and its first two values, which bill by columns.
        kind, values = CELLS[name][0] if draw(st.booleans()) else draw(st.sampled_from(CELLS[name]))
        common = values[0]
        cell = st.integers(0, 9).flatmap(
            lambda n, values=values: st.sampled_from(values if n < odd else values[:2])
        )
        cells = draw(st.lists(cell, min_size=rows, max_size=rows))
        if name in ("account", "usage_m3"):  # distinct accounts and usages, as real ones are
            cells = [_vary(value, n) if draw(st.booleans()) else value for n, value in enumerate(cells)]
        elif draw(st.booleans()):  # most rows alike: kinds of many rows
            cells = [common if n % 3 else value for n, value in enumerate(cells)]
        if pa.types.is_dictionary(kind):
            data[name] = pa.array(cells, pa.string()).dictionary_encode()
        else:
            data[name] = pa.array(cells, kind)
    return pa.table(data)


def _vary(value: Any, n: int) -> Any:
    """``value`` made distinct by ``n`` where its kind allows it."""
    if isinstance(value, str) and value.isdigit():
        return str(int(value) + n)
    if isinstance(value, str) and value:
        return f"{value}{n}"
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**40:
        return value + n
    if isinstance(value, Decimal) and value.is_finite() and value < 10**9:
        return value + n
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), ruleset=st.sampled_from(["kr/daejeon", "kr/gimhae", "kr/daejeon@2024-07"]))
def test_any_table_bills_alike(table: Any, ruleset: str) -> None:
    catalog = repository_catalog()
    originals = frames.fast_table, frames.fast_frame, frames._fast

    def small(real: Any) -> Any:
        return lambda engine, data, charges, block=None, columns=None: real(engine, data, charges, 7)

    frames.fast_table, frames.fast_frame = small(fasttable.fast_table), small(fastframe.fast_frame)
    frames._fast = _unguarded
    try:
        same(catalog, table, ruleset=ruleset)
    finally:
        frames.fast_table, frames.fast_frame, frames._fast = originals


def test_a_record_batch_and_an_empty_table(catalog: Catalog) -> None:
    table = as_text(edge_city(3, odd_lines=False))
    same(catalog, table.to_batches()[0], ruleset="kr/daejeon")
    same(catalog, table.slice(0, 0), ruleset="kr/daejeon")


def test_a_table_without_the_columns_the_engine_needs(catalog: Catalog) -> None:
    same(catalog, pa.table({"account": ["A-1"], "usage_m3": ["12"]}), ruleset="kr/daejeon")
    same(catalog, pa.table({"usage_m3": ["12"], "use_class": ["household"]}), ruleset="kr/daejeon")


def test_the_fast_backend_is_asked_for_by_name() -> None:
    table = pa.table({"account": ["A-1"], "usage_m3": ["12"]})
    with pytest.raises(ValueError, match="unknown backend"):
        tariffcore.bill_table(table, ruleset="kr/daejeon", backend="rapid")


def test_a_charge_named_as_a_column_fails_both_ways() -> None:

    city_version = version(
        {"total": {"type": "volume", "label": "t", "source": "s", "classes": {"household": 2}}}
    )
    catalog = tariffcore.Catalog(
        {"test/city": tariffcore.Ruleset("test/city", (city_version,))},
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    table = pa.table(
        {"account": ["A-1"], "use_class": ["household"], "usage_m3": ["3"], "billing_month": ["2025-03"]}
    )
    for backend in ("python", "fast"):
        with pytest.raises(TariffcoreError, match="have the name of an output column"):
            tariffcore.bill_table(table, ruleset="test/city", catalog=catalog, backend=backend)


@pytest.mark.parametrize("kind", ["default", "object"])
def test_frames_as_pandas_reads_a_csv(
    catalog: Catalog, generated: str, counted: list[int], kind: str
) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.BytesIO(_table(generated)), dtype=object if kind == "object" else {"account": str})
    frame.index = [f"row-{n}" for n in range(len(frame))]  # an index of its own, kept
    made = same_frame(catalog, frame)
    assert sum(counted) > made["error_code"].isna().sum() // 2


def test_frames_of_odd_cells(catalog: Catalog, counted: list[int]) -> None:
    pd = pytest.importorskip("pandas")
    rows = 600
    frame = pd.DataFrame(
        {
            "account": [f"F-{n}" if n % 11 else f" F-{n}" for n in range(rows)],
            "use_class": pd.Categorical(["household", "general", "household"] * (rows // 3)),
            "meter_mm": pd.array([15, 20, None] * (rows // 3), dtype="Int64"),
            "usage_m3": [Decimal("12"), Decimal("12.0"), Decimal("12.50"), 7, "30", None] * (rows // 6),
            "billing_month": pd.to_datetime(["2024-03-01", "2025-03-15", None] * (rows // 3)),
            "household_units": [1.0, float("nan"), 2.0, 1.5, 1, None] * (rows // 6),
        }
    )
    same_frame(catalog, frame, ruleset="kr/daejeon")
    assert sum(counted) > rows // 8


def test_amounts_in_cents_keep_their_scale(counted: list[int]) -> None:
    # 1.25 a m³ and 0.5 a m³, in dollars: 4 m³ gives 5.00 and 2.00, 0 m³ gives 0.00 twice.
    dollars = version(
        {
            "water": {"type": "volume", "label": "w", "source": "s", "classes": {"household": "1.25"}},
            "sewer": {"type": "volume", "label": "s", "source": "s", "classes": {"household": "0.5"}},
        },
        currency="USD",
    )
    catalog = tariffcore.Catalog(
        {"test/city": tariffcore.Ruleset("test/city", (dollars,))},
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    usages = ["4", "0", "2.5", "10.01", "7"] * 120
    table = pa.table(
        {
            "account": [f"U-{n}" for n in range(len(usages))],
            "use_class": ["household"] * len(usages),
            "usage_m3": usages,
            "billing_month": ["2025-03"] * len(usages),
        }
    )
    made = same(catalog, table, ruleset="test/city")
    frame = tariffcore.bill_frame(table.to_pandas(), ruleset="test/city", catalog=catalog, backend="fast")
    assert [repr(v) for v in frame["water"][:2]] == ["Decimal('5.00')", "Decimal('0.00')"]
    assert [repr(v) for v in frame["total"][:2]] == ["Decimal('7.00')", "Decimal('0.00')"]
    # 2.5 × 1.25 = 3.125 and 10.01 × 1.25 = 12.5125 hold a fraction of a cent: error rows.
    assert bills(made) == len(usages) - usages.count("2.5") - usages.count("10.01")
    assert sum(counted) > len(usages) // 2


def _two(**columns: Any) -> Any:
    data: dict[str, Any] = {
        "account": ["A-1", "A-2"],
        "use_class": ["household"] * 2,
        "meter_mm": [15, 15],
        "usage_m3": ["12", "13"],
        "billing_month": ["2024-03"] * 2,
    }
    return pa.table({**data, **columns})


def _dictionary(values: list[str]) -> Any:
    return pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int8()), pa.array(["household", *values]))


@pytest.mark.parametrize(
    "table",
    [
        _two(use_class=pa.array(["household"] * 2, pa.string_view())),
        _two(note=pa.array([None, None], pa.binary_view())),  # bytes are no text: none given
        _two(usage_m3=pa.compute.run_end_encode(pa.array(["12", "13"]))),
        _two(use_class=_dictionary([f"c{n}" for n in range(127)])),  # 128 values in int8 indices
        pa.concat_tables(  # chunks whose dictionaries together need more than int8 indices
            [_two(use_class=_dictionary([f"{a}{n}" for n in range(99)])) for a in "ab"]
        ),
    ],
    ids=["string view", "binary view", "run-end encoded", "128 values", "chunks of dictionaries"],
)
def test_columns_of_types_arrow_kernels_do_not_all_take(
    catalog: Catalog, counted: list[int], table: Any
) -> None:
    same(catalog, table, ruleset="kr/daejeon")
    assert sum(counted) == 2 * table.num_rows  # by columns, the table and its frame


def _two_rulesets(charge: str, rate: int, usage: str) -> tuple[Catalog, Any]:
    """A catalog where test/city bills water at 2 a m³ and test/b ``charge`` at ``rate`` a m³,
    and a table of two rows: 10 m³ under test/city, ``usage`` m³ under test/b."""
    a = version({"water": {"type": "volume", "label": "w", "source": "s", "classes": {"household": 2}}})
    b = version(
        {charge: {"type": "volume", "label": "x", "source": "s", "classes": {"household": rate}}},
        ruleset="test/b",
    )
    catalog = tariffcore.Catalog(
        {"test/city": tariffcore.Ruleset("test/city", (a,)), "test/b": tariffcore.Ruleset("test/b", (b,))},
        tariffcore.plugins.load_plugins(entry_points=False),
    )
    table = pa.table(
        {
            "account": ["A-1", "A-2"],
            "use_class": ["household"] * 2,
            "usage_m3": ["10", usage],
            "billing_month": ["2025-03"] * 2,
            "ruleset": [None, "test/b"],
        }
    )
    return catalog, table


@pytest.mark.parametrize("name", ["due_date", "estimated", "billing_month"])
def test_a_charge_met_beyond_the_first_named_as_a_column_of_parquet_only(
    counted: list[int], name: str
) -> None:
    catalog, table = _two_rulesets(name, 1, "20")
    made = same(catalog, table, ruleset="test/city")
    assert made.column(name).to_pylist() == [None, Decimal(20)]
    assert sum(counted) == 4


def test_a_charge_asked_for_twice_is_one_column(catalog: Catalog) -> None:
    made = same(catalog, _two(ruleset=["kr/daejeon"] * 2), charges=["water", "water"])
    assert [name for name in made.column_names if name == "water"] == ["water"]


def test_frames_of_text_utf8_cannot_hold_and_of_numpy_cells(catalog: Catalog, counted: list[int]) -> None:
    pd = pytest.importorskip("pandas")
    import numpy as np

    rows = 300
    frame = pd.DataFrame(
        {
            "account": [f"S-{n}" for n in range(rows)],
            "use_class": pd.Series(["household", "house\udcffhold", "household"] * (rows // 3), dtype=object),
            "meter_mm": pd.Series([15, 15, np.longdouble(20)] * (rows // 3), dtype=object),
            "usage_m3": pd.Series(["12", np.array([12]), "1\udcff"] * (rows // 3), dtype="object"),
            "billing_month": pd.Series(
                ["2024-03", "2024-03", "2024-\udcff3"] * (rows // 3), dtype="string[python]"
            ),
        }
    )
    made = same_frame(catalog, frame, ruleset="kr/daejeon")
    assert made["error_code"].notna().sum() == 2 * rows // 3  # the lone surrogates and the array
    assert sum(counted) == rows // 3


def test_a_charge_met_beyond_the_first_whatever_the_decimal_context(counted: list[int]) -> None:
    import decimal

    catalog, table = _two_rulesets("sewer", 1234, "100")
    with decimal.localcontext(prec=4, traps=[decimal.Rounded, decimal.Inexact]):
        made = same_frame(catalog, table.to_pandas(), ruleset="test/city")
    assert made["sewer"].tolist() == [None, Decimal(123400)]
    assert sum(counted) == 2
