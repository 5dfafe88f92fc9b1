"""Versions in force by each kind of effective date, and periods that straddle a change.

Every expected amount is computed by hand from the tariff digest (§1 Ulsan, §2 Seoul, §4 Busan)
through the fixture rulesets in tests/fixtures/rulesets; the arithmetic is in the comments.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore import Account, InputError, NoVersionError, UnknownValueError
from tests.helpers import FIXTURES, amounts, fixture_catalog, period_reading, switch_variant, versions

HOME = Account("H-1", "household", meter_mm=15, attributes={"levy_rate": "100"})


@pytest.fixture(scope="module")
def seoul() -> tariffcore.Catalog:
    return fixture_catalog("seoul")


@pytest.fixture(scope="module")
def seoul_switch(tmp_path_factory: pytest.TempPathFactory) -> tariffcore.Catalog:
    return switch_variant("seoul", tmp_path_factory.mktemp("switch"))


@pytest.fixture(scope="module")
def ulsan() -> tariffcore.Catalog:
    return fixture_catalog("ulsan")


@pytest.fixture(scope="module")
def busan() -> tariffcore.Catalog:
    return fixture_catalog("busan")


# --------------------------------------------------------------------------- Seoul: usage date


def test_seoul_2022_change_split_by_days(seoul: tariffcore.Catalog) -> None:
    # Period 2021-12-16..2022-02-15 = 16 + 31 + 15 = 62 days, two months (it ends on the day
    # before 2022-02-16, two calendar months after its start); 16 under 2021-07, 46 under 2022-01.
    # Usage 30 m³: first part round(30 × 16 / 62 = 7.74) = 8 m³, second 30 − 8 = 22 m³.
    # Tier-1 bound 2 × 30 = 60 for the period: round(60 × 16 / 62 = 15.48) = 15 for the first
    # part, so its 8 m³ stay in tier 1.
    # water = 8 × 390 + 22 × 480 = 3,120 + 10,560 = 13,680
    # sewer and levy are the same in both versions: not split. 30 × 400 = 12,000; 30 × 170 = 5,100
    bill = seoul.bill("test/seoul", HOME, period_reading(30, date(2021, 12, 16), date(2022, 2, 15)))
    assert amounts(bill) == {"water": 13680, "sewer": 12000, "levy": 5100}
    assert bill.total == 30780
    water = bill.line("water")
    assert water is not None
    assert water.version == "2021-07+2022-01"
    assert [(p.version, p.days, p.quantity, p.amount) for p in water.parts] == [
        ("2021-07", 16, 8, 3120),
        ("2022-01", 46, 22, 10560),
    ]
    assert [(p.start, p.end) for p in water.parts] == [
        (date(2021, 12, 16), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 2, 15)),
    ]
    assert [s.version for s in water.slices] == ["2021-07", "2022-01"]
    sewer = bill.line("sewer")
    assert sewer is not None and sewer.parts == () and sewer.version == "2022-01"


def test_seoul_2022_change_switch(seoul_switch: tariffcore.Catalog) -> None:
    # switch: the whole period under the version in force on its last day (2022-02-15): 2022-01.
    # water 30 × 480 = 14,400; sewer 12,000; levy 5,100
    bill = seoul_switch.bill("test/seoul", HOME, period_reading(30, date(2021, 12, 16), date(2022, 2, 15)))
    assert amounts(bill) == {"water": 14400, "sewer": 12000, "levy": 5100}
    assert bill.total == 31500
    assert set(versions(bill).values()) == {"2022-01"}


def test_seoul_2021_07_change_split_by_days(seoul: tariffcore.Catalog) -> None:
    # Period 2021-06-11..2021-08-10: 20 days of June under 2021-01, 31 + 10 = 41 under 2021-07.
    # Usage 24: first part round(24 × 20 / 61 = 7.87) = 8, second 16.
    # A two-month period: tier 1 is 2 × 30 = 60 m³ wide.
    # Bounds: first round(60 × 20 / 61 = 19.67) = 20, second 60 − 20 = 40: both parts in tier 1.
    # water = 8 × 360 + 16 × 390 = 2,880 + 6,240 = 9,120; sewer 24 × 400 = 9,600; levy 24 × 170 = 4,080
    bill = seoul.bill("test/seoul", HOME, period_reading(24, date(2021, 6, 11), date(2021, 8, 10)))
    assert amounts(bill) == {"water": 9120, "sewer": 9600, "levy": 4080}
    assert bill.total == 22800


def test_seoul_2021_07_change_switch(seoul_switch: tariffcore.Catalog) -> None:
    # 2021-08-10 is under 2021-07: water 24 × 390 = 9,360; + 9,600 + 4,080
    bill = seoul_switch.bill("test/seoul", HOME, period_reading(24, date(2021, 6, 11), date(2021, 8, 10)))
    assert bill.total == 23040


def test_seoul_split_part_reaching_an_unknown_tier_names_version_and_days(seoul: tariffcore.Catalog) -> None:
    # A two-month period: tier 1 is 2 × 30 = 60 m³ wide. 70 m³: first part
    # round(70 × 16 / 62 = 18.06) = 18 m³, above its tier-1 bound round(60 × 16 / 62 = 15.48) = 15;
    # the 2021-07 tier-2 rate is unknown.
    with pytest.raises(UnknownValueError) as caught:
        seoul.bill("test/seoul", HOME, period_reading(70, date(2021, 12, 16), date(2022, 2, 15)))
    message = caught.value.message
    assert "test/seoul@2021-07 water" in message and "tier 2" in message
    assert "2021-12-16..2021-12-31" in message


SPLIT_NOTE = "usage 2021-12-16..2021-12-31: 16 of the 62 days of a period split by days"


def test_a_split_part_error_carries_its_days_as_a_note(seoul: tariffcore.Catalog) -> None:
    # The days of the part are added to the error as a note (PEP 678), not written into it:
    # the message ends with the note once, and str() is the charge's own sentence.
    with pytest.raises(UnknownValueError) as caught:
        seoul.bill("test/seoul", HOME, period_reading(70, date(2021, 12, 16), date(2022, 2, 15)))
    error = caught.value
    assert error.__notes__ == [SPLIT_NOTE]
    assert error.message == f"{error} ({SPLIT_NOTE})"
    assert SPLIT_NOTE not in str(error)
    from tariffcore.authoring import error_failures

    assert error_failures({"error": "unknown_value", "message": "16 of the 62 days"}, error) == ()


@pytest.mark.parametrize("form", ["jsonl", "csv", "table", "parquet", "jsonl --jobs 2"])
def test_a_split_part_error_shows_its_note_once_in_every_output(form: str, tmp_path: Path) -> None:
    from tariffcore.commands import main

    if form == "parquet":
        pytest.importorskip("pyarrow")
    source = tmp_path / "in.csv"
    source.write_text(
        "account,use_class,meter_mm,usage_m3,period_start,period_end\n"
        "H-1,household,15,70,2021-12-16,2022-02-15\n"
        "H-2,household,15,70,2021-12-16,2022-02-15\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    fmt, *extra = form.split()
    args = ["bill", str(source), "--ruleset", "test/seoul", "--rulesets-dir", str(FIXTURES / "seoul")]
    assert main([*args, "--format", fmt, "-o", str(out), "--progress", "off", *extra]) == 1
    if fmt == "parquet":
        import pyarrow.parquet as pq

        text = "\n".join(str(row["error_message"]) for row in pq.read_table(out).to_pylist())
    else:
        text = out.read_text(encoding="utf-8")
    assert text.count(SPLIT_NOTE) == 2, text  # once for each of the two rows


def test_seoul_sewer_2026_split_leaves_an_unchanged_water_charge_whole(seoul: tariffcore.Catalog) -> None:
    # 2025-12-17..2026-01-15: 15 days under 2023-01, 15 under 2026-01; 10 m³.
    # water 580 in both: one part, 10 × 580 = 5,800.
    # sewer: 5 m³ (bound round(30 × 15 / 30) = 15) × 400 + 5 × 480 = 2,000 + 2,400 = 4,400
    # levy 10 × 170 = 1,700
    bill = seoul.bill("test/seoul", HOME, period_reading(10, date(2025, 12, 17), date(2026, 1, 15)))
    assert amounts(bill) == {"water": 5800, "sewer": 4400, "levy": 1700}
    water, sewer = bill.line("water"), bill.line("sewer")
    assert water is not None and water.parts == ()
    assert sewer is not None and sewer.version == "2023-01+2026-01"


def test_scheduled_future_versions(seoul: tariffcore.Catalog) -> None:
    # 2030: sewer 770. 10 m³: water 5,800 + sewer 7,700 + levy 1,700
    march_2030 = seoul.bill("test/seoul", HOME, period_reading(10, date(2030, 3, 1), date(2030, 3, 31)))
    assert march_2030.version == "2030-01"
    assert march_2030.total == 15200
    # 2026: sewer 480: 5,800 + 4,800 + 1,700
    assert (
        seoul.bill("test/seoul", HOME, period_reading(10, date(2026, 2, 1), date(2026, 2, 28))).total == 12300
    )
    # 2027–2029 steps are unknown: a 2028 bill fails, naming the version.
    with pytest.raises(UnknownValueError, match="test/seoul@2027-01 sewer"):
        seoul.bill("test/seoul", HOME, period_reading(10, date(2028, 5, 1), date(2028, 5, 31)))


def test_usage_basis_needs_the_end_of_the_period(seoul_switch: tariffcore.Catalog) -> None:
    with pytest.raises(
        InputError, match=r"usage date \(사용분\): period_end \(the last day of usage\) is required"
    ):
        seoul_switch.bill("test/seoul", HOME, tariffcore.Reading(Decimal(10), billing_month=date(2022, 3, 1)))


def test_split_needs_the_start_of_the_period(seoul: tariffcore.Catalog) -> None:
    with pytest.raises(
        InputError, match="test/seoul@2022-01 splits periods by days.*period_start is required"
    ):
        seoul.bill("test/seoul", HOME, period_reading(10, None, date(2022, 2, 15)))


def test_split_period_starting_before_the_first_version(seoul: tariffcore.Catalog) -> None:
    with pytest.raises(NoVersionError, match="2020-12-20..2020-12-31"):
        seoul.bill("test/seoul", HOME, period_reading(10, date(2020, 12, 20), date(2021, 1, 19)))


# --------------------------------------------------------------------------- Ulsan: billing month


@pytest.mark.parametrize(
    ("month", "version", "water", "levy"),
    [
        # 20 m³ household; every line truncated below 10 won; sewer 20 × 650 = 13,000 throughout.
        # 2024-02: water 20 × 770 = 15,400; levy 20 × 66.3 = 1,326 → 1,320
        ((2024, 2), "2023-07", 15400, 1320),
        # 2024-03 (March levy switch): levy 20 × 36.4 = 728 → 720; water still 770
        ((2024, 3), "2024-03", 15400, 720),
        ((2024, 6), "2024-03", 15400, 720),
        # 2024-07 (July water switch): water 20 × 860 = 17,200
        ((2024, 7), "2024-07", 17200, 720),
    ],
)
def test_ulsan_july_water_and_march_levy(
    ulsan: tariffcore.Catalog, month: tuple[int, int], version: str, water: int, levy: int
) -> None:
    bill = ulsan.bill("test/ulsan", HOME, tariffcore.Reading(Decimal(20), billing_month=date(*month, 1)))
    assert bill.version == version
    assert amounts(bill) == {"water": water, "sewer": 13000, "levy": levy}
    assert bill.total == water + 13000 + levy
    assert [n.charge for n in bill.not_included] == ["base"]


def test_ulsan_switches_the_whole_bill_by_billing_month(ulsan: tariffcore.Catalog) -> None:
    # Usage mostly in June, billed in July: the July bill is under 2024-07 whole (고지분).
    bill = ulsan.bill(
        "test/ulsan",
        HOME,
        tariffcore.Reading(
            Decimal(20),
            billing_month=date(2024, 7, 1),
            period_start=date(2024, 6, 5),
            period_end=date(2024, 7, 4),
        ),
    )
    assert bill.total == 17200 + 13000 + 720
    assert all(line.parts == () for line in bill.lines)


def test_ulsan_billing_month_missing(ulsan: tariffcore.Catalog) -> None:
    with pytest.raises(InputError, match=r"billing month \(고지분\): billing_month is required"):
        ulsan.bill("test/ulsan", HOME, period_reading(20, date(2024, 6, 5), date(2024, 7, 4)))


def test_ulsan_after_the_data_ends(ulsan: tariffcore.Catalog) -> None:
    with pytest.raises(NoVersionError):
        ulsan.bill("test/ulsan", HOME, tariffcore.Reading(Decimal(20), billing_month=date(2025, 3, 1)))


# --------------------------------------------------------------------------- Busan: mixed bases


def test_busan_water_by_usage_levy_by_due_month(busan: tariffcore.Catalog) -> None:
    # January 2026 usage, due in February: water, sewer and base under 2026-01 (usage), the
    # levy under 2026-02 (due month).
    # base 15 mm 1,200; water 20 × 920 = 18,400; sewer 10 × 580 + 10 × 750 = 13,300;
    # levy unit price 170 × 0.881 × 1 = 149.77 → 149.8; 20 × 149.8 = 2,996
    bill = busan.bill(
        "test/busan",
        HOME,
        period_reading(20, date(2026, 1, 1), date(2026, 1, 31), due_date=date(2026, 2, 28)),
    )
    assert amounts(bill) == {"base": 1200, "water": 18400, "sewer": 13300, "levy": Decimal("2996")}
    assert versions(bill) == {"base": "2026-01", "water": "2026-01", "sewer": "2026-01", "levy": "2026-02"}
    assert bill.total == Decimal("35896")


def test_busan_levy_due_in_january_keeps_the_2025_coefficient(busan: tariffcore.Catalog) -> None:
    # Usage to 2026-01-15 (2026 water and sewer), due 2026-01-31: the levy is still the
    # 2025-02 one, 170 × 0.876 = 148.92 → 148.9; 20 × 148.9 = 2,978
    bill = busan.bill(
        "test/busan",
        HOME,
        period_reading(20, date(2025, 12, 16), date(2026, 1, 15), due_date=date(2026, 1, 31)),
    )
    levy = bill.line("levy")
    assert levy is not None and levy.unit_price == Decimal("148.9") and levy.amount == 2978
    assert bill.total == 1200 + 18400 + 13300 + 2978


def test_busan_application_rate(busan: tariffcore.Catalog) -> None:
    # 70 %: 170 × 0.881 × 0.7 = 104.839 → 104.8; 20 × 104.8 = 2,096
    account = Account("H-2", "household", meter_mm=15, attributes={"levy_rate": "70"})
    bill = busan.bill(
        "test/busan",
        account,
        period_reading(20, date(2026, 1, 1), date(2026, 1, 31), due_date=date(2026, 2, 28)),
    )
    assert amounts(bill)["levy"] == 2096


def test_busan_2025_usage_fails_on_the_unknown_2025_figures(busan: tariffcore.Catalog) -> None:
    with pytest.raises(UnknownValueError, match="test/busan@2025-02"):
        busan.bill(
            "test/busan",
            HOME,
            period_reading(20, date(2025, 11, 16), date(2025, 12, 15), due_date=date(2026, 1, 31)),
        )


def test_busan_levy_needs_a_due_date_naming_the_charge(busan: tariffcore.Catalog) -> None:
    with pytest.raises(InputError, match=r"levy is selected by due month \(납기분\): due_date is required"):
        busan.bill("test/busan", HOME, period_reading(20, date(2026, 1, 1), date(2026, 1, 31)))


def test_busan_levy_only_version_does_not_split_usage_charges(tmp_path: Path) -> None:
    # Under split_by_days, 2026-01-16..2026-02-15 crosses 2026-02, which changes only the levy:
    # water, sewer and base bill as one part, the same as a switch.
    import shutil

    shutil.copytree(FIXTURES / "busan", tmp_path / "busan")
    path = tmp_path / "busan" / "2026-02.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "effective: {from: 2026-02, basis: due_month}",
            "effective: {from: 2026-02, basis: due_month, policy: split_by_days, apportion: "
            "{m3: {unit: 1, method: half_up}, fixed: {unit: 0.0001, method: half_up}}}",
        ),
        encoding="utf-8",
    )
    catalog = tariffcore.load_catalog([tmp_path / "busan"], entry_points=False)
    assert not catalog.problems
    bill = catalog.bill(
        "test/busan",
        HOME,
        period_reading(20, date(2026, 1, 16), date(2026, 2, 15), due_date=date(2026, 2, 28)),
    )
    assert all(line.parts == () for line in bill.lines)
    assert bill.total == 1200 + 18400 + 13300 + 2996


# --------------------------------------------------------------------------- every built-in type


def test_split_apportions_fixed_charges_tiers_and_volume_blocks() -> None:
    # test/split: 2024-12-17..2025-01-16 = 15 days under 2024 + 16 under 2025 = 31; 25 m³.
    # usage: round(25 × 15 / 31 = 12.10) = 12 | 13
    # base: fraction round(15 / 31 = 0.48387, 4 places) = 0.4839 | 0.5161;
    #   1000 × 0.4839 + 2000 × 0.5161 = 483.9 + 1,032.2 = 1,516.1 → truncated to 10: 1,510
    # water bounds 10, 20 → round(4.84) = 5, round(9.68) = 10 | 5, 10
    #   2024: 5 × 100 + 5 × 200 + 2 × 300 = 2,100; 2025: 5 × 150 + 5 × 250 + 3 × 350 = 3,050
    # sewer (volume) bound 10 → 5 | 5: 12 × 80 + 13 × 90 = 960 + 1,170 = 2,130
    # levy 12 × 10 + 13 × 20 = 380
    catalog = fixture_catalog("split")
    account = Account("S-1", "household", meter_mm=13)
    bill = catalog.bill("test/split", account, period_reading(25, date(2024, 12, 17), date(2025, 1, 16)))
    assert amounts(bill) == {"base": 1510, "water": 5150, "sewer": 2130, "levy": 380}
    base = bill.line("base")
    assert base is not None and base.unrounded == Decimal("1516.1")
    assert [p.quantity for p in base.parts] == [Decimal("0.4839"), Decimal("0.5161")]
    assert bill.total == 9170


def test_split_mixed_use_allowance() -> None:
    # general meter, 2 households, 60 m³, same period: usage round(60 × 15 / 31 = 29.03) = 29 | 31
    # allowance 10 × 2 = 20 m³ → round(9.68) = 10 | 10, billed at the household tiers
    # 2024: 10 allowance = 5 × 100 + 5 × 200 = 1,500; 19 general (bound round(24.2) = 24) × 500 = 9,500
    # 2025: 10 allowance = 5 × 150 + 5 × 250 = 2,000; 21 general (bound 26) × 500 = 10,500
    # water 23,500; sewer 60 × 100 = 6,000; levy 29 × 10 + 31 × 20 = 910; base 1,510
    catalog = fixture_catalog("split")
    account = Account("S-2", "general", meter_mm=13, household_units=2)
    bill = catalog.bill("test/split", account, period_reading(60, date(2024, 12, 17), date(2025, 1, 16)))
    assert amounts(bill) == {"base": 1510, "water": 23500, "sewer": 6000, "levy": 910}


def test_fixture_golden_bills() -> None:
    from tariffcore.authoring import iter_cases, run_case

    catalog = fixture_catalog("seoul")
    cases = list(iter_cases(catalog))
    assert len(cases) == 3
    for case in cases:
        result = run_case(catalog, case)
        assert result.passed, result.failures


def test_a_golden_bill_with_the_wrong_line_version_fails() -> None:
    from dataclasses import replace

    from tariffcore.authoring import iter_cases, run_case

    catalog = fixture_catalog("seoul")
    case = next(iter_cases(catalog))
    wrong = replace(case, expect={**case.expect, "line_versions": {"water": "2022-01"}})
    result = run_case(catalog, wrong)
    assert result.failures == ("line water: expected version 2022-01, got 2021-07+2022-01",)
