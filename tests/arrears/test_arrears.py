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


def test_rules_with_no_known_start_are_an_unknown_value_not_a_missing_version(
    catalog: tariffcore.Catalog,
) -> None:
    # kr/naju's only late-payment rules have 'from: unknown': the date they took effect is a
    # value the ordinance data lacks, so the error is an UnknownValueError (code unknown_value).
    with pytest.raises(tariffcore.UnknownValueError, match="known start date") as caught:
        catalog.ruleset("kr/naju").select_arrears(date(2025, 1, 31))
    assert caught.value.code == "unknown_value"
    assert not isinstance(caught.value, tariffcore.NoVersionError)


def test_an_unknown_source_is_named_as_in_a_tariff(tmp_path: Path) -> None:
    # One source-reference check for charges, reductions and late-payment rules: the same
    # words, with the near miss and the sources the version has.
    path = _write(
        tmp_path,
        HEADER.replace("{id: s,", "{id: late-fee,")
        + """\
arrears:
  allocation: {surcharges: first, source: late_fees}
  rules:
    late_fee: {kind: one_off, label: fee, source: late-fe, percent: 3}
""",
    )
    with pytest.raises(tariffcore.RulesetError) as info:
        load_arrears_version(path.read_text(), str(path))
    assert sorted(str(problem) for problem in info.value.problems) == [
        f"{path}:11:35: source 'late_fees' is not among this version's sources "
        "(did you mean 'late-fee'?); sources: late-fee",
        f"{path}:13:43: source 'late-fe' is not among this version's sources "
        "(did you mean 'late-fee'?); sources: late-fee",
    ]


RULES = """\
arrears:
  rules:
    late_fee: {kind: one_off, label: fee, source: s, percent: 3}
"""


def test_clashing_late_payment_rules_are_reported_at_their_lines(tmp_path: Path) -> None:
    # The same checks as tariff versions, at the line of the date that clashes (not 1:1).
    _write(
        tmp_path, HEADER.replace("basis: due_date", "until: 2021-06-30, basis: due_date") + RULES, "a.yaml"
    )
    _write(tmp_path, HEADER.replace("arrears-x", "arrears-y") + RULES, "b.yaml")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False)
    assert sorted(str(problem) for problem in catalog.problems["test/city"]) == [
        f"{tmp_path}/a.yaml:6:31: in force until 2021-06-30, after {tmp_path}/b.yaml takes effect (2020-01-01)",
        f"{tmp_path}/b.yaml:6:13: takes effect on 2020-01-01, the same day as {tmp_path}/a.yaml",
    ]


def test_a_late_payment_version_cannot_share_a_tariff_version_label(tmp_path: Path) -> None:
    from tests.helpers import BASE, dump

    (tmp_path / "tariff.yaml").write_text(dump({**BASE, "version": "arrears-x", "charges": {}}))
    _write(tmp_path, HEADER + RULES, "late.yaml")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False)
    assert [str(problem) for problem in catalog.problems["test/city"]] == [
        f"{tmp_path}/late.yaml:2:1: version 'arrears-x' is also defined in {tmp_path}/tariff.yaml"
    ]


CHILD = """\
ruleset: test/city
version: arrears-y
extends: arrears-x
effective: {from: 2024-01-01, basis: due_date}
arrears:
  rules:
    late_fee: {percent: 5}
"""


def test_late_payment_rules_extend_an_earlier_version(tmp_path: Path) -> None:
    _write(tmp_path, HEADER + RULES, "arrears-x.yaml")
    _write(tmp_path, CHILD, "arrears-y.yaml")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False)
    assert not catalog.problems

    def fee(due: date) -> tuple[str, Decimal]:
        result = tariffcore.compute_arrears(
            catalog, "test/city", principal=Decimal(10000), due=due, as_of=due.replace(day=20)
        )
        (surcharge,) = result.surcharges
        return result.ruleset, surcharge.amount

    # Due in 2023: arrears-x, 10,000 × 3 % = 300 once. Due in 2024: arrears-y, the same rule
    # (kind, label, source inherited) at 5 %: 10,000 × 5 % = 500.
    assert fee(date(2023, 3, 10)) == ("test/city@arrears-x", Decimal(300))
    assert fee(date(2024, 3, 10)) == ("test/city@arrears-y", Decimal(500))
    late = catalog.ruleset("test/city").arrears_version("arrears-y")
    assert late.spec.title == "test" and late.rules[0].spec.label == "fee"


def test_a_problem_in_inherited_late_payment_rules_points_to_the_file_that_wrote_it(
    tmp_path: Path,
) -> None:
    _write(tmp_path, HEADER + RULES.replace("source: s", "source: t"), "arrears-x.yaml")
    _write(
        tmp_path, CHILD.replace("late_fee: {percent: 5}", "late_fee: {percent: 5, dayz: 3}"), "arrears-y.yaml"
    )
    _write(tmp_path, CHILD.replace("arrears-y", "arrears-z").replace("2024", "2025"), "arrears-z.yaml")
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False)
    found = sorted(str(problem) for problem in catalog.problems["test/city"])
    assert found == [
        f"{tmp_path}/arrears-x.yaml:12:43: source 't' is not among this version's sources; sources: s",
        f"{tmp_path}/arrears-x.yaml:12:43: source 't' is not among this version's sources; sources: s"
        f" (inherited by test/city@arrears-z, {tmp_path}/arrears-z.yaml)",
        f"{tmp_path}/arrears-y.yaml:7:28: unknown field 'dayz'",
    ]


def test_a_late_payment_file_that_extends_needs_its_directory(tmp_path: Path) -> None:
    path = _write(tmp_path, CHILD, "arrears-y.yaml")
    with pytest.raises(
        tariffcore.RulesetError, match=r":3:1: extends 'arrears-x': load the ruleset's directory"
    ):
        load_arrears_version(path.read_text(), str(path))
    catalog = tariffcore.load_catalog([tmp_path], entry_points=False)
    (problem,) = catalog.problems["test/city"]
    assert str(problem).startswith(f"{path}:3:1: extends 'arrears-x', but test/city has no readable version")
