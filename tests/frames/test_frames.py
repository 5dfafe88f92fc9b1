"""DataFrames, Arrow tables and Parquet: what pandas and pyarrow produce by default bills, exactly."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")

import tariffcore  # noqa: E402
from tariffcore import BillFigures, BillingError, TariffcoreError, parse_row  # noqa: E402
from tariffcore.plugins import load_plugins  # noqa: E402
from tariffcore.rows import BillColumns, plain_value  # noqa: E402
from tariffcore.rows.arrow import fits  # noqa: E402
from tariffcore.synthetic import write_city  # noqa: E402
from tests.helpers import (  # noqa: E402
    ROOT,  # noqa: E402
    account,
    reading,
    run_cli,
    version,
)

READINGS = ROOT / "examples" / "readings.csv"
AMOUNT = pa.decimal128(38, 6)


def _city_frame(count: int = 3000) -> Any:
    """A synthetic Gimhae as pandas reads its CSV by default: household_units, with gaps, is float64."""
    text = io.StringIO()
    write_city(text, count, small_meter=13)
    text.seek(0)
    return pd.read_csv(text)


def _jsonl(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# --------------------------------------------------------------------------- cells


def test_cells_as_pandas_and_arrow_give_them() -> None:
    assert plain_value(float("nan")) is None
    assert plain_value(pd.NA) is None and plain_value(pd.NaT) is None
    assert plain_value(np.float64(2.0)) == 2 and type(plain_value(np.float64(2.0))) is int
    assert plain_value(2.5) == 2.5  # left as a float: parse_row refuses it, naming the column
    assert isinstance(plain_value(float(2**53)), float)  # past 2**53 a float is not every integer
    assert plain_value(np.int64(7)) == 7 and type(plain_value(np.int64(7))) is int
    assert plain_value(np.bool_(True)) is True
    assert plain_value(pd.Timestamp("2025-03-31")) == date(2025, 3, 31)
    seoul = pd.Timestamp(datetime(2025, 3, 31, 23, 30, tzinfo=UTC)).tz_convert("Asia/Seoul")
    assert plain_value(seoul) == date(2025, 4, 1)  # the date where the reading was written down
    assert plain_value(np.datetime64("2025-03-31T10:00")) == date(2025, 3, 31)
    assert plain_value(np.datetime64("NaT")) is None
    assert plain_value(Decimal("1.50")) == Decimal("1.50") and plain_value("x") == "x"
    # A longdouble is read by the rules of floats: whole below 2**53 an integer, else refused.
    assert plain_value(np.longdouble(12)) == 12 and type(plain_value(np.longdouble(12))) is int
    assert plain_value(np.longdouble("nan")) is None
    fraction = plain_value(np.longdouble("1.5"))
    with pytest.raises(tariffcore.InputError, match="usage_m3: a float cannot carry an exact figure"):
        parse_row({"account": "A-1", "use_class": "household", "usage_m3": fraction})
    with pytest.raises(tariffcore.InputError, match="meter_mm must be a whole number"):
        parse_row({"account": "A-1", "use_class": "household", "usage_m3": 3, "meter_mm": fraction})
    assert isinstance(plain_value(np.clongdouble(1 + 2j)), np.clongdouble)  # no figure: as it is
    # An array in a cell (as pandas holds an Arrow list) is a list, refused as a list is.
    assert plain_value(np.array([12])) == [12] and plain_value(np.array([1, 2])) == [1, 2]
    with pytest.raises(tariffcore.InputError, match="usage_m3 must be a number"):
        parse_row({"account": "A-1", "use_class": "household", "usage_m3": plain_value(np.array([12]))})


@pytest.mark.parametrize(
    ("fields", "column"),
    [
        ({"household_units": 1.5}, "household_units"),
        ({"meter_mm": 13.5}, "meter_mm"),
        ({"months": 2.5}, "months"),
        ({"usage_m3": 12.5}, "usage_m3"),
        ({"previous_read": 1.25, "current_read": "3", "usage_m3": None}, "previous_read"),
        ({"estimated": 0.5}, "estimated"),
        ({"reductions": 0.5}, "reductions"),
        ({"period_end": 0.5}, "period_end"),
        ({"billing_month": 202503.5}, "billing_month"),
        ({"account": 1.5}, "account"),
        ({"use_class": 0.5}, "use_class"),
        ({"zone": 0.5}, "zone"),
        ({"meter_mm": "thirteen"}, "meter_mm"),
        ({"due_date": "soon"}, "due_date"),
    ],
)
def test_every_invalid_input_message_names_its_column(fields: dict[str, Any], column: str) -> None:
    row = {
        "account": "A-1",
        "use_class": "household",
        "meter_mm": "13",
        "usage_m3": "20",
        "billing_month": "2025-03",
        **fields,
    }
    with pytest.raises(tariffcore.InputError) as caught:
        parse_row(row)
    assert caught.value.code == "invalid_input"
    assert column in caught.value.message, caught.value.message


# --------------------------------------------------------------------------- bill_frame, bill_table


def test_a_default_frame_bills_exactly_as_its_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = _city_frame()
    assert frame["household_units"].dtype == "float64"  # what pandas makes of a column with gaps
    csv_path = tmp_path / "city.csv"
    frame.to_csv(csv_path, index=False)
    _, out, _ = run_cli(capsys, "bill", str(csv_path), "--ruleset", "kr/gimhae")
    expected = _jsonl(out)
    billed = tariffcore.bill_frame(frame, ruleset="kr/gimhae")
    assert len(billed) == len(frame) and list(billed.index) == list(frame.index)
    assert list(billed["account"]) == [item["account"] for item in expected]
    for row, item in zip(billed.itertuples(index=False), expected):
        if "error" in item:
            assert (row.error_code, row.error_message) == (item["error"]["code"], item["error"]["message"])
            assert row.total is None
        else:
            assert isinstance(row.total, Decimal) and str(row.total) == item["total"]
            assert pd.isna(row.error_code)
            for line in item["lines"]:
                assert str(getattr(row, line["charge"])) == line["amount"]
    table = tariffcore.bill_table(pa.Table.from_pandas(frame), ruleset="kr/gimhae")
    assert table.column("account").to_pylist() == list(billed["account"])
    assert table.column("total").to_pylist() == list(billed["total"])


def test_a_frame_with_pandas_default_types() -> None:
    # Gimhae 2025, household, 13 mm, 20 m³: 1,100 + 20 × 850 + 20 × 820 + 20 × 170 = 37,900.
    frame = pd.DataFrame(
        {
            "account": ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"],
            "use_class": ["household", "household", "household", "household", "household", None],
            "meter_mm": [13, 13, 13, 13, 13, 13],
            "household_units": [1, np.nan, 1.5, 1, 1, 1],
            "usage_m3": [20.0, 20.0, 20.0, 20.5, 20.0, 20.0],
            "billing_month": pd.to_datetime(["2025-03-01"] * 6),
            "months": pd.array([1, None, 1, 1, 1, 1], dtype="Int64"),
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    billed = tariffcore.bill_frame(frame, ruleset="kr/gimhae")
    assert list(billed.index) == [10, 11, 12, 13, 14, 15]
    assert billed.loc[10, "total"] == Decimal("37900") and isinstance(billed.loc[10, "total"], Decimal)
    assert billed.loc[11, "total"] == Decimal("37900")  # NaN households and NA months are empty cells
    assert billed.loc[10, "water"] == Decimal("17000") and billed.loc[10, "usage_m3"] == Decimal("20")
    assert billed.loc[12, "error_message"] == "household_units must be a whole number, not 1.5"
    assert billed.loc[13, "error_code"] == "invalid_input" and "usage_m3" in billed.loc[13, "error_message"]
    assert billed.loc[14, "ruleset"] == "kr/gimhae@2025" and billed.loc[14, "not_included"] == []
    assert billed.loc[15, "error_message"] == "use_class is empty"
    assert billed["total"].dtype == object


def test_decimal_columns_bill_exactly_and_arrow_gives_decimal128() -> None:
    # 10.1 m³ held as a Decimal (pandas object column) or as decimal128 in Arrow: water
    # 10.1 × 850 = 8585.0, sewer 10.1 × 820 = 8282.0, levy 10.1 × 170 = 1717.0, base 1,100:
    # total 19,684.0.
    frame = pd.DataFrame(
        {
            "account": ["D-1"],
            "use_class": ["household"],
            "meter_mm": [13],
            "usage_m3": [Decimal("10.1")],
            "billing_month": ["2025-03"],
        }
    )
    assert tariffcore.bill_frame(frame, ruleset="kr/gimhae").loc[0, "total"] == Decimal("19684.0")
    table = pa.table(
        {
            "account": ["D-1"],
            "use_class": ["household"],
            "meter_mm": pa.array([13], pa.int16()),
            "usage_m3": pa.array([Decimal("10.1")], pa.decimal128(10, 3)),
            "billing_month": pa.array([date(2025, 3, 1)], pa.date32()),
        }
    )
    billed = tariffcore.bill_table(table, ruleset="kr/gimhae")
    assert billed.schema.field("total").type == AMOUNT
    assert billed.schema.field("water").type == AMOUNT
    assert billed.column("total").to_pylist() == [Decimal("19684.0")]
    assert billed.column("not_included").type == pa.list_(pa.string())


def test_rows_under_another_ruleset_get_their_own_charge_columns() -> None:
    frame = pd.DataFrame(
        {
            "account": ["M-1", "M-2"],
            "use_class": ["household", "household"],
            "meter_mm": [13, 15],
            "usage_m3": [20, 20],
            "billing_month": ["2025-03", "2025-03"],
            "ruleset": [None, "kr/daejeon"],
        }
    )
    billed = tariffcore.bill_frame(frame, ruleset="kr/gimhae")
    assert billed.loc[0, "ruleset"] == "kr/gimhae@2025" and billed.loc[1, "ruleset"].startswith("kr/daejeon")
    extra = [name for name in billed.columns if name not in ("base", "water", "sewer", "levy")]
    for row in billed.itertuples(index=False):  # every line of each bill is in some column
        assert (
            sum(
                getattr(row, c) or 0
                for c in billed.columns
                if c
                not in (
                    "account",
                    "ruleset",
                    "currency",
                    "usage_m3",
                    "total",
                    "not_included",
                    "error_code",
                    "error_message",
                    "use_class",
                    "meter_mm",
                    "household_units",
                )
            )
            == row.total
        )
    assert extra


def test_a_subset_of_charges_bills_those_charges_only() -> None:
    # A version of round figures: water 300 (unknown above 20 m³), sewer 200 a m³.
    city = version(
        {
            "water": {
                "type": "graduated",
                "label": "water",
                "source": "s",
                "classes": {"household": [{"upto": 20, "rate": 300}, {"rate": "unknown"}]},
            },
            "sewer": {"type": "volume", "label": "sewer", "source": "s", "classes": {"household": 200}},
        }
    )
    catalog = tariffcore.Catalog(
        {"test/city": tariffcore.Ruleset("test/city", (city,))}, load_plugins(entry_points=False)
    )
    frame = pd.DataFrame(
        {"account": ["A-1"], "use_class": ["household"], "usage_m3": [30], "billing_month": ["2025-03"]}
    )
    whole = tariffcore.bill_frame(frame, ruleset="test/city", catalog=catalog)
    assert whole["error_code"][0] == "unknown_value"
    # sewer alone: 30 × 200 = 6,000; the water column is not there
    sewer = tariffcore.bill_frame(frame, ruleset="test/city", catalog=catalog, charges=["sewer"])
    assert sewer["sewer"][0] == Decimal(6000) and sewer["total"][0] == Decimal(6000)
    assert "water" not in sewer.columns
    table = tariffcore.bill_table(
        pa.Table.from_pandas(frame), ruleset="test/city", catalog=catalog, charges="sewer"
    )
    assert table.column("total").to_pylist() == [Decimal(6000)]
    unknown = tariffcore.bill_frame(frame, ruleset="test/city", catalog=catalog, charges=["wter"])
    assert unknown["error_code"][0] == "unknown_charge"


def test_an_unknown_ruleset_fails_the_call() -> None:
    frame = pd.DataFrame({"account": ["A-1"], "use_class": ["household"], "usage_m3": [1]})
    with pytest.raises(tariffcore.UnknownRulesetError):
        tariffcore.bill_frame(frame, ruleset="kr/nowhere")


# --------------------------------------------------------------------------- Parquet


def test_parquet_written_by_pandas_bills_like_its_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _city_frame(5000)
    frame.to_parquet(tmp_path / "city.parquet")
    assert pq.read_schema(tmp_path / "city.parquet").field("household_units").type == pa.float64()
    frame.to_csv(tmp_path / "city.csv", index=False)
    _, from_csv, _ = run_cli(capsys, "bill", str(tmp_path / "city.csv"), "--ruleset", "kr/gimhae")
    _, from_parquet, _ = run_cli(capsys, "bill", str(tmp_path / "city.parquet"), "--ruleset", "kr/gimhae")
    assert from_parquet == from_csv
    errors = [item["error"]["message"] for item in _jsonl(from_parquet) if "error" in item]
    assert not [message for message in errors if "float" in message]
    assert len(errors) < len(frame) // 4  # only rows Gimhae's data cannot bill (meter sizes, classes)


def test_an_account_column_of_floats_is_refused_by_both_backends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pipeline that turned ids into floats wrote 10234.0: an id is not a figure, so it is
    # refused (not billed as "10234"), as in JSON lines; an integer column is its digits.
    fields = {"use_class": ["household"] * 3, "meter_mm": [13] * 3, "usage_m3": [20] * 3}
    fields["billing_month"] = ["2025-03"] * 3
    floats = pa.table({"account": pa.array([10234.0, 1.5, None], pa.float64()), **fields})
    integers = pa.table({"account": pa.array([10234, 0, None], pa.int64()), **fields})
    must = "account must be a string, or an integer written without a fraction or an exponent (such as 10234), not"
    written: dict[str, list[bytes]] = {}
    for name, table in (("floats", floats), ("integers", integers)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        for backend in ("python", "fast"):
            target = tmp_path / f"{name}-{backend}.jsonl"
            argv = [str(tmp_path / f"{name}.parquet"), "--ruleset", "kr/gimhae", "--backend", backend]
            run_cli(capsys, "bill", *argv, "-o", str(target))
            written.setdefault(name, []).append(target.read_bytes())
    assert written["floats"][0] == written["floats"][1] and written["integers"][0] == written["integers"][1]
    refused = _jsonl(written["floats"][0].decode())
    assert [(row["account"], row["error"]["message"]) for row in refused] == [
        ("", f"{must} 10234.0"),
        ("", f"{must} 1.5"),
        ("", "account is empty"),
    ]
    billed = _jsonl(written["integers"][0].decode())
    assert [(row["account"], row.get("total")) for row in billed] == [
        ("10234", "37900"),
        ("0", "37900"),
        ("", None),
    ]
    frame = tariffcore.bill_frame(floats.to_pandas(), ruleset="kr/gimhae")
    assert list(frame["error_message"][:2]) == [f"{must} 10234.0", f"{must} 1.5"]


def test_parquet_output_is_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "account,use_class,meter_mm,household_units,usage_m3,billing_month,period_start,period_end\n"
        "T-1,household,13,1,20,2025-03,2025-02-01,2025-02-28\n"
        "T-2,spa,13,1,20,2025-03,,\n",
        encoding="utf-8",
    )
    out, lean = tmp_path / "bills.parquet", tmp_path / "lean.parquet"
    options = ("--ruleset", "kr/gimhae", "--format", "parquet")
    status, _, _ = run_cli(capsys, "bill", str(source), *options, "-o", str(out), "--explain", "full")
    assert status == 1
    assert run_cli(capsys, "bill", str(source), *options, "-o", str(lean))[0] == 1
    table = pq.read_table(out)
    schema = table.schema
    for name in ("usage_m3", "base", "water", "sewer", "levy", "total"):
        assert schema.field(name).type == AMOUNT, name
    for name in ("billing_month", "period_start", "period_end", "due_date"):
        assert schema.field(name).type == pa.date32(), name
    line = schema.field("lines").type.value_type
    assert line.field("amount").type == AMOUNT and line.field("unrounded").type == AMOUNT
    assert line.field("slices").type.value_type.field("rate").type == AMOUNT
    assert line.field("parts").type.value_type.field("from").type == pa.date32()
    first, second = table.to_pylist()
    assert first["total"] == Decimal("37900")  # 1,100 + 17,000 + 16,400 + 3,400
    assert first["billing_month"] == date(2025, 3, 1)
    assert (first["period_start"], first["period_end"]) == (date(2025, 2, 1), date(2025, 2, 28))
    water = next(item for item in first["lines"] if item["charge"] == "water")
    assert water["amount"] == Decimal("17000") and water["unit_price"] == Decimal("850")
    assert water["slices"][0]["quantity"] == Decimal("20") and water["source"][0] == "gimhae-fees-2025"
    assert water["source"][-1] == "whole-won" and water["rounding"] == "truncate to 1"
    assert first["other_charges"] == [] and first["not_included"] == []
    assert second["error_code"] == "unknown_use_class" and second["total"] is None
    assert second["lines"] is None and second["account"] == "T-2"
    # the default explains each line as lean JSON lines do: its figures, rule and version
    lean_first, lean_second = pq.read_table(lean).to_pylist()
    assert lean_second == second
    fields = ("charge", "label", "amount", "quantity", "unit", "unit_price", "rule", "version")
    assert next(item for item in lean_first["lines"] if item["charge"] == "water") == {
        "charge": "water",
        "label": water["label"],
        "amount": Decimal("17000"),
        "quantity": Decimal("20"),
        "unit": "m3",
        "unit_price": Decimal("850"),
        "rule": water["rule"],
        "version": water["version"],
    }
    assert [list(item) for item in lean_first["lines"]] == [list(fields)] * len(first["lines"])
    assert {k: v for k, v in lean_first.items() if k != "lines"} == {
        k: v for k, v in first.items() if k != "lines"
    }


def test_an_amount_decimal128_cannot_hold_is_an_error_not_a_rounding() -> None:
    # An amount of seven decimal places (0.0000003), on a bill made by hand: billing itself
    # never makes one (no line carries a fraction of the minor unit).
    from dataclasses import replace

    compiled = version({"water": {"type": "per_unit", "label": "w", "source": "s", "rate": 1}})
    made = compiled.bill(account(), reading(3))
    tiny = Decimal("0.0000003")
    bill = replace(made, lines=(replace(made.lines[0], amount=tiny),), total=tiny)
    columns = BillColumns(["water"], detail=True, grow=False)
    columns.add("T-1", bill)
    with pytest.raises(TariffcoreError, match=r"account T-1: the amount 3E-7 cannot be written exactly"):
        columns.table()


# --------------------------------------------------------------------------- without the extras


def test_the_core_imports_none_of_the_optional_packages() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tariffcore, tariffcore.commands, tariffcore.service, tariffcore.frames\n"
        "tariffcore.commands.build_parser()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'pyarrow', 'numpy', 'starlette', 'uvicorn', 'anyio', 'httpx'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    frame = pd.DataFrame({"account": ["A-1"]})
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(TariffcoreError, match=r"pip install 'tariffcore\[dataframe\]'"):
        tariffcore.bill_frame(frame, ruleset="kr/gimhae")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(TariffcoreError, match=r"pip install 'tariffcore\[dataframe\]'"):
        tariffcore.bill_table(frame, ruleset="kr/gimhae")
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    status, _, err = run_cli(capsys, "serve", "--port", "0")
    assert status == 2 and "pip install 'tariffcore[serve]'" in err


def test_a_full_table_needs_bills_and_a_lean_one_figures_with_their_dates() -> None:
    compiled = version({"water": {"type": "per_unit", "label": "w", "source": "s", "rate": 2}})
    made = compiled.bill(account(), reading(3))
    figures = BillFigures.of(made)
    assert figures.dates is not None and figures.dates[0] == made.reading.billing_month
    with pytest.raises(TypeError, match="need the bill itself"):
        BillColumns(["water"], detail=True, grow=False).add("T-1", figures)
    undated = figures.with_account("T-1")
    undated.dates = None
    with pytest.raises(TypeError, match="need the bill itself"):
        BillColumns(["water"], detail=True, grow=False, explain="lean").add("T-1", undated)
    with pytest.raises(ValueError, match="unknown explanation level 'short'"):
        BillColumns(["water"], detail=True, grow=False, explain="short")
    tables = []
    for result in (made, figures):
        columns = BillColumns(["water"], detail=True, grow=False, explain="lean")
        columns.add("T-1", result)
        columns.add("T-2", BillingError("no usage", code="invalid_input"))
        tables.append(columns.table())
    assert tables[0].equals(tables[1])
    first, second = tables[0].to_pylist()
    assert first["lines"] == [
        {
            "charge": "water",
            "label": "w",
            "amount": Decimal("6"),
            "quantity": Decimal("3"),
            "unit": "m3",
            "unit_price": Decimal("2"),
            "rule": "water.household",
            "version": made.version,
        }
    ]
    assert first["billing_month"] == made.reading.billing_month and second["lines"] is None


@pytest.mark.parametrize("explain", ["lean", "full"])
def test_an_amount_arrow_would_refuse_is_named_whatever_its_neighbours(explain: str) -> None:
    # 20 written with 40 zeros after the point: the value fits decimal128(38, 6), its written
    # form does not (Arrow reads a Decimal at the precision it is written with); an amount of
    # 26 digits and 13 zeros after the point: past the 28 digits of the default context too.
    one = version({"water": {"type": "per_unit", "label": "w", "source": "s", "rate": 1}})
    big = version(
        {"water": {"type": "per_unit", "label": "w", "source": "s", "rate": "99999999999999.0000000"}}
    )
    long_zeros = Decimal("20." + "0" * 40)
    wide = Decimal("123456789012345678901234567890.1234567")
    assert not fits(long_zeros) and not fits(wide) and fits(Decimal("20.000000")) and fits(Decimal("-1E+31"))
    cases = [(one, long_zeros)]  # the usage, and each line's quantity
    if explain == "full":  # the unrounded amount: a lean table has none
        cases.append((big, Decimal("999999999999.000000")))
    for compiled, usage in cases:
        for before in (0, 100):
            columns = BillColumns(["water"], detail=True, grow=False, explain=explain)
            for number in range(before):
                columns.add(f"T-{number}", one.bill(account(), reading(20)))
            columns.add("ODD", compiled.bill(account(), reading(usage)))
            with pytest.raises(
                TariffcoreError, match=r"account ODD: the amount .* cannot be written exactly"
            ):
                columns.table()
