"""Time counting, the arrears file format, its errors and version selection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.arrears import days_late, full_months, load_arrears_version, month_end


def test_days_late() -> None:
    assert days_late(date(2025, 1, 31), date(2025, 1, 31)) == 0
    assert days_late(date(2025, 1, 31), date(2025, 2, 1)) == 1
    assert days_late(date(2025, 1, 31), date(2025, 1, 10)) == 0


@pytest.mark.parametrize(
    ("due", "k", "end"),
    [
        (date(2024, 1, 10), 1, date(2024, 2, 10)),  # from 01-11: the day before 02-11
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # from 02-01: the day before 03-01
        (date(2024, 1, 30), 1, date(2024, 2, 29)),  # from 01-31: February has no 31st → its last day
        (date(2023, 1, 30), 1, date(2023, 2, 28)),
        (date(2024, 1, 28), 1, date(2024, 2, 28)),  # from 01-29: the day before 02-29
        (date(2023, 2, 28), 1, date(2023, 3, 31)),  # from 03-01: the day before 04-01
        (date(2002, 1, 31), 60, date(2007, 1, 31)),
    ],
)
def test_month_end(due: date, k: int, end: date) -> None:
    assert month_end(due, k) == end


def test_full_months() -> None:
    due = date(2024, 1, 10)
    assert full_months(due, date(2024, 2, 10)) == 0  # month 1 ends on 02-10
    assert full_months(due, date(2024, 2, 11)) == 1
    assert full_months(due, date(2025, 1, 11)) == 12
    assert full_months(due, date(2040, 1, 1), limit=60) == 60


def _write(tmp_path: Path, text: str, name: str = "arrears-x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = """\
ruleset: test/city
version: arrears-x
title: test
jurisdiction: nowhere
currency: KRW
effective: {from: 2020-01-01, basis: due_date}
confidence: test
sources:
  - {id: s, title: test source, tag: NEWS}
"""


def test_bad_rule_points_at_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER
        + """\
arrears:
  rules:
    late_fee:
      kind: daily
      label: fee
      source: s
      percent: -3
    other:
      kind: weekly
      label: fee
      source: s
      percent: 1
""",
    )
    with pytest.raises(tariffcore.RulesetError) as info:
        load_arrears_version(path.read_text(), str(path))
    text = str(info.value)
    assert f"{path}:16:" in text and "negative" in text
    assert f"{path}:18:" in text and "weekly" in text


def test_unknown_source_and_tariff_fields_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER
        + """\
charges: {}
arrears:
  rules:
    late_fee: {kind: one_off, label: fee, source: nowhere, percent: 3}
""",
    )
    with pytest.raises(tariffcore.RulesetError, match=r":10:1: 'charges' does not belong"):
        load_arrears_version(path.read_text(), str(path))
    path = _write(
        tmp_path,
        HEADER
        + """\
arrears:
  rules:
    late_fee: {kind: one_off, label: fee, source: nowhere, percent: 3}
""",
    )
    with pytest.raises(tariffcore.RulesetError, match=r":12:.*source 'nowhere'"):
        load_arrears_version(path.read_text(), str(path))


def test_a_dated_version_needs_a_basis(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER.replace(", basis: due_date", "")
        + """\
arrears:
  rules:
    late_fee: {kind: one_off, label: fee, source: s, percent: 3}
""",
    )
    with pytest.raises(tariffcore.RulesetError, match="basis"):
        load_arrears_version(path.read_text(), str(path))


def test_validate_command_checks_arrears_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tariffcore.commands import main

    good = _write(
        tmp_path,
        HEADER
        + """\
arrears:
  rules:
    late_fee: {kind: one_off, label: fee, source: s, percent: 3}
""",
    )
    assert main(["validate", str(good)]) == 0
    assert "1 file(s) checked: no problems" in capsys.readouterr().err
    _write(tmp_path, HEADER.replace("arrears-x", "arrears-y") + "arrears: {rules: {}}\n", "bad.yaml")
    assert main(["validate", str(tmp_path)]) == 1
    assert "bad.yaml:10:" in capsys.readouterr().out


def test_arrears_only_ruleset_cannot_bill(catalog: tariffcore.Catalog) -> None:
    account = tariffcore.Account(id="A", use_class="household")
    reading = tariffcore.Reading(usage_m3=Decimal(10), billing_month=date(2025, 1, 1))
    with pytest.raises(tariffcore.NoVersionError, match="late-payment rules only") as info:
        catalog.bill("kr/local-tax", account, reading)
    assert info.value.code == "no_tariff"
    assert catalog.ruleset("kr/local-tax").title


def test_tariff_only_ruleset_has_no_arrears(catalog: tariffcore.Catalog) -> None:
    with pytest.raises(tariffcore.NoVersionError, match="no late-payment rules"):
        tariffcore.compute_arrears(
            catalog, "kr/changwon", principal=Decimal(1000), due=date(2025, 1, 31), as_of=date(2025, 2, 5)
        )


def test_pinned_version_ignores_dates(catalog: tariffcore.Catalog) -> None:
    # The 2008-11 rule pinned for a 2005 bill: 10,000 × 3 % × 5/30 = 50
    result = tariffcore.compute_arrears(
        catalog,
        "kr/seoul@arrears-2008-11",
        principal=Decimal(10000),
        due=date(2005, 3, 31),
        as_of=date(2005, 4, 5),
    )
    assert result.total_due == Decimal(10050)
    with pytest.raises(tariffcore.UnknownRulesetError, match="no late-payment rules version"):
        tariffcore.compute_arrears(
            catalog, "kr/seoul@nope", principal=Decimal(1), due=date(2005, 3, 31), as_of=date(2005, 4, 5)
        )


def test_result_as_plain_data(catalog: tariffcore.Catalog) -> None:
    result = tariffcore.compute_arrears(
        catalog, "kr/seoul", principal=Decimal(52000), due=date(2025, 1, 31), as_of=date(2025, 2, 10)
    )
    data = tariffcore.arrears_result_to_dict(result)
    assert data["ruleset"] == "kr/seoul@arrears-2008-11"
    assert data["principal"] == "52000" and data["total_due"] == "52520"
    (surcharge,) = data["surcharges"]
    assert {k: surcharge[k] for k in ("kind", "amount", "from", "to", "rule")} == {
        "kind": "daily",
        "amount": "520",
        "from": "2025-02-01",
        "to": "2025-02-10",
        "rule": "late_fee",
    }


def test_rulesets_listing_shows_arrears_versions(capsys: pytest.CaptureFixture[str]) -> None:
    from tariffcore.commands import main

    main(["rulesets"])
    out = capsys.readouterr().out
    assert "@arrears-2008-11" in out and "late-payment rules" in out
