"""OWRS rate files as rulesets: the sample in examples/owrs billed, explained, compared and
checked through the command line, and malformed or hostile files reported, never crashing.

Every expected amount is worked out by hand from the rate file, in a comment."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import tariffcore_owrs
from tariffcore_owrs.synthetic import write_town

import tariffcore
from tests.helpers import ROOT, run_cli

SAMPLE = ROOT / "examples" / "owrs"
RATES = SAMPLE / "rates"


@pytest.fixture(scope="module")
def catalog() -> tariffcore.Catalog:
    return tariffcore.load_catalog([RATES], entry_points=False, plugins=[tariffcore_owrs])


def bill(
    catalog: tariffcore.Catalog,
    ruleset: str,
    use_class: str = "RESIDENTIAL_SINGLE",
    usage: str = "0",
    unit: str = "ccf",
    **data: str,
) -> tariffcore.Bill:
    fields = {
        "account": "A",
        "use_class": use_class,
        f"usage_{unit}": usage,
        "period_start": "2018-06-01",
        "period_end": "2018-06-30",
        **data,
    }
    account, reading = tariffcore.parse_row(fields)
    return catalog.bill(ruleset, account, reading)


def lines(result: tariffcore.Bill) -> dict[str, Decimal]:
    return {line.charge: line.amount for line in result.lines}


# ----------------------------------------------------------------- ids, versions, classes


def test_the_sample_loads_as_rulesets_named_after_their_folders(catalog: tariffcore.Catalog) -> None:
    assert not catalog.problems
    assert sorted(catalog.rulesets) == [
        "owrs/alameda-county-water-district",
        "owrs/alco-water-service",
        "owrs/del-oro-water-company-black-butte",
        "owrs/glenbrook-water-cooperative",
        "owrs/moulton-niguel-water-district",
        "owrs/oceanside-city-of",
        "owrs/pasadena-city-of",
    ]
    moulton = catalog.ruleset("owrs/moulton-niguel-water-district")
    assert [v.version for v in moulton.versions] == ["2017-01-01", "2018-01-01"]
    assert moulton.in_force(moulton.versions[0]) == (date(2017, 1, 1), date(2017, 12, 31))
    assert catalog.files[moulton.versions[1].path] == (
        "California/Moulton Niguel Water District - 1899/01-01-2018.owrs"
    )
    spec = moulton.versions[1].spec
    assert list(spec.use_classes) == [
        "RESIDENTIAL_SINGLE",
        "RESIDENTIAL_MULTI",
        "IRRIGATION",
        "COMMERCIAL",
        "FIRE_SERVICE",
        "RECYCLED",
    ]
    assert spec.currency == "USD" and spec.billing_cycle is not None
    glenbrook = catalog.ruleset("owrs/glenbrook-water-cooperative").versions[0].spec
    assert glenbrook.billing_cycle is not None and glenbrook.billing_cycle.months == [12]
    assert glenbrook.jurisdiction == "Glenbrook Water Cooperative, Nevada"


def test_warnings_say_what_was_read_leniently(catalog: tariffcore.Catalog) -> None:
    notes = [
        str(note).split("oceanside-2017-01-01.owrs:", 1)[1]
        for note in catalog.notes["owrs/oceanside-city-of"]
    ]
    assert notes == [
        "2:1: warning: no bill_unit: usage and tiers are read in ccf, as the OWRS survey did",
        "3:3: warning: metadata.effective_date is 2016-01-01, but the file name gives "
        "2017-01-01: the version is dated by the file name",
        "13:12: warning: a TAB before ':' is read as a space (and on lines 24, 35, 57, 71, 85, "
        "109, 123, 137, 161, 175, …): strict YAML refuses it, R's YAML reader (which RateParser "
        "used) accepts it",
    ]
    assert all(note.severity == "warning" for found in catalog.notes.values() for note in found)


# ----------------------------------------------------------------- bills by hand


def test_tiered_with_a_third_charge(catalog: tariffcore.Catalog) -> None:
    result = bill(catalog, "owrs/alco-water-service", usage="15", meter_size='3/4"')
    # service 21.32 (3/4"); commodity: starts 0, 10 → 9 × 2.3228 + 6 × 2.7875 = 20.9052 +
    # 16.725 = 37.6302 → 37.63; conservation 0.0439 × 15 = 0.6585 → 0.66; bill 59.6087 → 59.61
    assert lines(result) == {
        "service_charge": Decimal("21.32"),
        "commodity_charge": Decimal("37.63"),
        "conservation_program_charge": Decimal("0.66"),
    }
    assert result.total == Decimal("59.61") and result.currency == "USD"
    commodity = result.line("commodity_charge")
    assert commodity is not None and commodity.unrounded == Decimal("37.6302")
    assert commodity.rounding == "half-even to 0.01" and commodity.unit == "ccf"
    assert [(s.tier, s.quantity, s.rate, s.amount) for s in commodity.slices] == [
        (1, Decimal(9), Decimal("2.3228"), Decimal("20.9052")),
        (2, Decimal(6), Decimal("2.7875"), Decimal("16.725")),
    ]


def test_a_bill_formula_with_a_multiplier_shows_the_rest(catalog: tariffcore.Catalog) -> None:
    result = bill(catalog, "owrs/del-oro-water-company-black-butte", usage="10", meter_size='3/4"')
    # 1.014 × (24.84 + 1.314 × 10) = 1.014 × 37.98 = 38.51172 → 38.51; lines 24.84 + 13.14
    assert lines(result) == {
        "service_charge": Decimal("24.84"),
        "commodity_charge": Decimal("13.14"),
        "bill_adjustment": Decimal("0.53"),
    }
    assert result.total == Decimal("38.51")
    rest = result.line("bill_adjustment")
    assert rest is not None
    assert rest.notes[0] == "bill = 1.014*(service_charge+commodity_charge)"
    assert (
        "what the bill formula adds beyond the lines above: bill 38.51172 → 38.51, less 37.98" in rest.notes
    )


def test_a_map_on_two_columns(catalog: tariffcore.Catalog) -> None:
    result = bill(catalog, "owrs/pasadena-city-of", usage="20", meter_size='3/4"', city_limits="outside_city")
    # 21.79; tiers 1–8, 9–15, 16–19, 20+ at the outside-city prices:
    # 8 × 1.58981 + 7 × 3.52323 + 4 × 4.13088 + 1 × 5.04235
    # = 12.71848 + 24.66261 + 16.52352 + 5.04235 = 58.94696 → 58.95; bill 80.73696 → 80.74
    assert lines(result) == {"service_charge": Decimal("21.79"), "commodity_charge": Decimal("58.95")}
    assert result.total == Decimal("80.74")


def test_a_budget_based_bill(catalog: tariffcore.Catalog) -> None:
    result = bill(
        catalog,
        "owrs/moulton-niguel-water-district@2018-01-01",
        usage="20",
        meter_size='3/4"',
        hhsize="3",
        et_amount="5",
        irr_area="2000",
    )
    # days_in_period 30 (June 1–30); indoor 3 × 55 × 30 / 748 = 6.617… → 7; outdoor 0.7 × 5 ×
    # 2000 × 0.62 / 748 = 5.802… → 6; budget 13; starts 0, 7, 13, round(16.25) 16,
    # round(19.5) 20: 7 × 1.69 + 6 × 1.94 + 3 × 3.32 + 4 × 5.12 = 11.83 + 11.64 + 9.96 + 20.48
    # = 53.91; service 11.22; bill 65.13
    assert lines(result) == {"service_charge": Decimal("11.22"), "commodity_charge": Decimal("53.91")}
    commodity = result.line("commodity_charge")
    assert commodity is not None
    assert commodity.notes[0].startswith(
        "commodity_charge: Budget on tier_starts [0, indoor, 100%, 125%, 150%] = [0, 7, 13, 16, 20]"
    )


def test_bimonthly_bills_cover_two_months(catalog: tariffcore.Catalog) -> None:
    result = bill(
        catalog,
        "owrs/alameda-county-water-district",
        usage="18",
        meter_size='3/4"',
        city_limits="inside_city",
        period_start="2018-05-01",  # two months: the period must cover the bill's months
    )
    # 52.33 + 4.249 × 18 = 52.33 + 76.482 → 76.48; bill 128.812 → 128.81
    assert result.total == Decimal("128.81")
    assert any("per bill of 2 months (bill_frequency: Bi-Monthly)" in n for n in result.lines[0].notes)
    with pytest.raises(tariffcore.InputError, match="bills every 2 month"):
        bill(
            catalog,
            "owrs/alameda-county-water-district",
            usage="18",
            meter_size='3/4"',
            city_limits="inside_city",
            period_start="2018-05-01",
            months="1",
        )
    with pytest.raises(tariffcore.InputError, match="bills every 2 month.*covers 1"):
        bill(
            catalog,
            "owrs/alameda-county-water-district",
            usage="18",
            meter_size='3/4"',
            city_limits="inside_city",
        )


def test_an_annual_bill_in_thousands_of_gallons(catalog: tariffcore.Catalog) -> None:
    result = bill(
        catalog,
        "owrs/glenbrook-water-cooperative",
        usage="300",
        unit="kgal",
        period_start="2016-01-01",
        period_end="2016-12-31",
    )
    # 1400 + tiers 0, 250: 249 kgal at 0 and 51 at 34 = 1734; bill 3134
    assert result.total == Decimal("3134")
    assert result.line("commodity_charge").unit == "kgal"  # type: ignore[union-attr]


def test_usage_in_another_unit_is_converted_exactly(catalog: tariffcore.Catalog) -> None:
    result = bill(catalog, "owrs/alco-water-service", usage="10", unit="m3", meter_size='3/4"')
    # 10 m³ = 10 / 2.8316846592 ccf, a fraction that does not end; all 10 m³ fall in tier 1
    usage = Fraction(10) / Fraction("2.8316846592")
    commodity = usage * Fraction("2.3228")
    expected = Decimal(round(commodity * 100)).scaleb(-2)
    assert lines(result)["commodity_charge"] == expected == Decimal("8.20")
    note = next(n for n in result.line("commodity_charge").notes if n.startswith("usage_ccf"))  # type: ignore[union-attr]
    assert note.startswith(
        "usage_ccf = 3.5314666721… (the usage in ccf, the file's unit), "
        "from m³ at 2.8316846592 m³ per ccf: carried exactly as "
    )
    gallons = bill(catalog, "owrs/alco-water-service", usage="3.74", unit="kgal", meter_size='3/4"')
    # 3.74 kgal = 3740 gal × 231 in³ = 863,940 in³ = 499.96… ft³ = 4.9996… ccf, all in tier 1:
    # 863940 / 172800 × 2.3228 = 11.6131… → 11.61
    in_ccf = Fraction("3.74") * Fraction("3.785411784") / Fraction("2.8316846592")
    assert in_ccf == Fraction(3740 * 231, 1728 * 100)
    assert lines(gallons)["commodity_charge"] == Decimal("11.61")


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            {},
            "missing_value",
            "service_charge depends on meter_size, which the row does not give: give the column 'meter_size'",
        ),
        ({"meter_size": '7/8"'}, "no_rate", "service_charge has no value for meter_size = '7/8\"'"),
    ],
)
def test_a_row_without_what_the_file_needs_is_an_error_row(
    catalog: tariffcore.Catalog, data: dict[str, str], code: str, words: str
) -> None:
    with pytest.raises(tariffcore.BillingError) as caught:
        bill(catalog, "owrs/alco-water-service", usage="15", **data)
    assert caught.value.code == code
    assert caught.value.message.startswith(f"owrs/alco-water-service@2014-07-27 RESIDENTIAL_SINGLE: {words}")


def test_an_unknown_class_is_named_with_the_classes_the_file_has(catalog: tariffcore.Catalog) -> None:
    with pytest.raises(tariffcore.NotApplicableError, match="RESIDENTIAL_FLAT"):
        bill(catalog, "owrs/alco-water-service", use_class="RESIDENTIAL_SINGEL", usage="1")


# ----------------------------------------------------------------- the command line


def test_bill_writes_one_result_per_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        textwrap.dedent('''\
        account,ruleset,use_class,usage_ccf,meter_size,period_end
        A-1,owrs/alco-water-service,RESIDENTIAL_SINGLE,15,"3/4""",2017-01-31
        A-2,owrs/alco-water-service,RESIDENTIAL_SINGLE,15,,2017-01-31
        A-3,owrs/alco-water-service,RESIDENTIAL_SINGLE,15,"3/4""",2013-01-31
        '''),
        encoding="utf-8",
    )
    status, out, _ = run_cli(capsys, "bill", str(rows), "--rulesets-dir", str(RATES))
    results = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert results[0]["total"] == "59.61"
    assert results[1]["error"]["code"] == "missing_value"
    assert results[2]["error"]["code"] == "no_version_in_force"  # before 2014-07-27


def test_explain_shows_formulas_and_tier_slices(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys,
        "explain",
        "--rulesets-dir",
        str(RATES),
        "--ruleset",
        "owrs/alco-water-service",
        "--use-class",
        "RESIDENTIAL_SINGLE",
        "--set",
        "usage_ccf=15",
        "--set",
        'meter_size=3/4"',
        "--period-end",
        "2017-01-31",
    )
    assert status == 0
    for text in [
        "commodity_charge — commodity_charge: 37.63 USD",
        "  tier     RESIDENTIAL_SINGLE tier 1 (1–9 ccf): 9 × 2.3228 = 20.9052",
        "  tier     RESIDENTIAL_SINGLE tier 2 (10+ ccf): 6 × 2.7875 = 16.725",
        "  note     commodity_charge: Tiered on tier_starts [0, 10] and tier_prices; a Tiered "
        "start is the first unit of its tier",
        "  note     conservation_program_charge = 0.0439*usage_ccf",
        "  amount   15 ccf × 0.0439 = 0.6585",
        "  rounding half-even to 0.01: 0.6585 → 0.66",
        "total 59.61 USD",
    ]:
        assert text in out.splitlines(), text


def test_rulesets_json_lists_each_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "rulesets", "--format", "json", "--rulesets-dir", str(RATES))
    listed = {entry["id"]: entry for entry in json.loads(out)}
    versions = listed["owrs/moulton-niguel-water-district"]["versions"]
    assert [(v["version"], v["file"], v["billing_months"]) for v in versions] == [
        ("2017-01-01", "California/Moulton Niguel Water District - 1899/01-01-2017.owrs", [1]),
        ("2018-01-01", "California/Moulton Niguel Water District - 1899/01-01-2018.owrs", [1]),
    ]
    assert versions[0]["charges"] == ["service_charge", "commodity_charge", "bill_adjustment"]
    assert status == 0


def test_validate_and_lint_read_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "validate", str(RATES))
    assert status == 0 and "warning: metadata.effective_date is 2016-01-01" in out
    assert err == "8 file(s) checked: no problems and 5 warning(s)\n"
    status, out, err = run_cli(
        capsys, "lint", str(RATES), "--ignore", "stale", "--ignore", "golden", "--ignore", "sources"
    )
    assert (status, out) == (0, "") and err.startswith("7 ruleset(s) linted: 0 finding(s)")


def test_rebill_finds_the_bills_issued(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        textwrap.dedent('''\
        account,use_class,usage_ccf,meter_size,period_end,issued_service_charge,issued_commodity_charge,issued_conservation_program_charge,issued_total
        A-1,RESIDENTIAL_SINGLE,15,"3/4""",2017-01-31,21.32,37.63,0.66,59.61
        A-2,RESIDENTIAL_SINGLE,15,"3/4""",2017-01-31,21.32,37.64,0.66,59.62
        '''),
        encoding="utf-8",
    )
    status, out, err = run_cli(
        capsys, "rebill", str(history), "--ruleset", "owrs/alco-water-service", "--rulesets-dir", str(RATES)
    )
    assert status == 1  # A-2 was overbilled by a cent
    assert "A-1" not in out and "A-2" in out and "commodity_charge" in out


def test_compare_two_versions_on_the_synthetic_town(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"
    status, out, err = run_cli(
        capsys,
        "compare",
        str(SAMPLE / "town.csv"),
        "--rulesets-dir",
        str(RATES),
        "--ruleset",
        "owrs/moulton-niguel-water-district@2017-01-01",
        "--against",
        "owrs/moulton-niguel-water-district@2018-01-01",
        "--summary",
        str(summary),
    )
    assert status == 0
    rows = {row["account"]: row for row in csv.DictReader(io.StringIO(out))}
    assert len(rows) == 300
    assert all(not row["old_error_code"] and not row["new_error_code"] for row in rows.values())
    first = rows["T00001"]  # 15 ccf, 5/8", 1 resident, 2300 ft², June (30 days), ET 5.8
    # 2017: indoor 1 × 60 × 30 / 748 = 2.406… → 2; outdoor 0.7 × 5.8 × 2300 × 0.62 / 748 =
    # 7.740… → 8; budget 10; starts 0, 2, 10, round(12.5) 12, 15: 2 × 1.56 + 8 × 1.78 +
    # 2 × 2.73 + 3 × 4.49 = 3.12 + 14.24 + 5.46 + 13.47 = 36.29; + 11.91 = 48.20
    # 2018: indoor 1 × 55 × 30 / 748 = 2.205… → 2; same outdoor and starts: 2 × 1.69 + 8 × 1.94
    # + 2 × 3.32 + 3 × 5.12 = 3.38 + 15.52 + 6.64 + 15.36 = 40.90; + 11.22 = 52.12
    assert (first["old_total"], first["new_total"], first["change"]) == ("48.20", "52.12", "3.92")
    assert (first["old_service_charge"], first["new_service_charge"]) == ("11.91", "11.22")
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["billed_by_both"] == 300 and data["error_rows"] == 0
    assert "change per bill (USD)" in err


def test_the_town_is_the_generators_output() -> None:
    made = io.StringIO()
    write_town(made, 300, seed=2018)
    assert (SAMPLE / "town.csv").read_text(encoding="utf-8") == made.getvalue()


# ----------------------------------------------------------------- malformed and hostile files

HEAD = """metadata:
  effective_date: 01/01/2020
  bill_frequency: Monthly
  bill_unit: ccf
rate_structure:
  RESIDENTIAL_SINGLE:
"""


def hostile(tmp_path: Path, body: str, name: str = "01-01-2020.owrs") -> Path:
    folder = tmp_path / "Hostile Town - 1"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        (
            HEAD + "    bill: __import__('os').system('true')\n",
            "7:5",
            "bill: function calls (__import__(…)) are not supported",
        ),
        (
            HEAD + "    bill: service_charge.__class__\n",
            "7:5",
            "bill: attribute access ('.') is not supported",
        ),
        (
            HEAD + "    bill: " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
            "7:5",
            "bill: the formula is 20001 characters long; at most 1000 are accepted",
        ),
        (
            HEAD + "    bill: " + "(" * 60 + "1" + ")" * 60 + "\n",
            "7:5",
            "the formula nests parentheses and signs more than 40 deep",
        ),
        (HEAD + "    bill: 2^99999999\n", "7:5", "the power operator '^' is not supported"),
        (HEAD + "    bill: 1e999999999\n", "7:5", "exponent notation"),
        (
            HEAD + "    bill: service_charge\n    service_charge: 1e999999999\n",
            "8:5",
            "service_charge: exponent notation",
        ),  # not a YAML number: text, so a formula
        (
            HEAD + "    bill: service_charge\n    service_charge: 1.0e+999999999\n",
            "8:5",
            "service_charge: the number 1.0E+999999999 is too long or too large",
        ),
        (
            HEAD + "    bill: service_charge\n    service_charge: " + "9" * 5000 + "\n",
            "8:5",
            "is too long or too large to be a rate or an amount",
        ),
    ],
)
def test_a_hostile_formula_or_number_is_a_problem_at_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, where: str, words: str
) -> None:
    path = hostile(tmp_path, body)
    status, out, err = run_cli(capsys, "validate", str(tmp_path))
    assert status == 1 and "Traceback" not in out + err
    assert f"{path}:{where}: " in out and words in out, out
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "account,ruleset,use_class,usage_ccf,period_end\n"
        "A,owrs/hostile-town,RESIDENTIAL_SINGLE,1,2020-02-01\n",
        encoding="utf-8",
    )
    status, out, _ = run_cli(capsys, "bill", str(rows), "--rulesets-dir", str(tmp_path))
    error = json.loads(out)["error"]  # an error row, whether the file or its class is broken
    assert status == 1 and error["code"] == "broken_ruleset" and words in error["message"]


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ("metadata: [\n", "2:1", "YAML syntax"),
        (
            "metadata:\n  bill_frequency: Monthly\n  bill_frequency: Weekly\nrate_structure: {}\n",
            "3:3",
            "duplicate key 'bill_frequency'",
        ),
        ("\t- 1\n", "1:1", "tab character in indentation"),
        ("[" * 20_000 + "]" * 20_000 + "\n", "1:1001", "the file nests deeper than 32 levels"),
        (
            "metadata:\n  bill_frequency: Weekly\nrate_structure:\n  RESIDENTIAL_SINGLE: {bill: '1'}\n",
            "2:3",
            "bill_frequency 'Weekly' is not one of Monthly, Bi-Monthly, Quarterly or Annually",
        ),
        (
            "metadata:\n  bill_frequency: Monthly\n  bill_unit: m3\nrate_structure:\n  X: {bill: '1'}\n",
            "3:3",
            "bill_unit 'm3' is not ccf or kgal",
        ),
        ("metadata: {bill_frequency: Monthly}\n", "1:1", "an OWRS file needs 'rate_structure'"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_problem_at_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, where: str, words: str
) -> None:
    path = hostile(tmp_path, body)
    status, out, err = run_cli(capsys, "validate", str(path))
    assert status == 1 and "Traceback" not in out + err
    assert f"{path}:{where}: " in out and words in out, out


def test_a_class_that_cannot_be_billed_leaves_the_others_billable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile(tmp_path, HEAD + "    bill: '2'\n  COMMERCIAL:\n    bill: round(x)\n")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[tariffcore_owrs])
    assert (
        catalog.bill(
            "owrs/hostile-town@2020-01-01",
            tariffcore.Account("A", "RESIDENTIAL_SINGLE"),
            tariffcore.Reading(Decimal(1)),
        ).total
        == 2
    )
    with pytest.raises(
        tariffcore.BillingError,
        match=r"class COMMERCIAL cannot be billed with "
        r"this file: .*01-01-2020.owrs:9:5: bill: function calls",
    ) as caught:
        catalog.bill(
            "owrs/hostile-town@2020-01-01",
            tariffcore.Account("B", "COMMERCIAL"),
            tariffcore.Reading(Decimal(1)),
        )
    assert caught.value.code == "broken_ruleset"


def test_a_file_without_a_date_or_a_single_family_class(tmp_path: Path) -> None:
    hostile(
        tmp_path,
        "metadata:\n  effective_date: 2019-05-01\n  bill_frequency: Monthly\n"
        "rate_structure:\n  HOMES: {bill: '1'}\n",
        name="rates.owrs",
    )
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False, plugins=[tariffcore_owrs])
    assert [v.version for v in catalog.ruleset("owrs/hostile-town").versions] == ["2019-05-01"]
    notes = [note.message for note in catalog.notes["owrs/hostile-town"]]
    assert "the file name holds no date: version 2019-05-01 is metadata.effective_date's" in notes
    assert (
        "no RESIDENTIAL_SINGLE class (the single-family class the OWRS survey bills); classes: HOMES"
    ) in notes
