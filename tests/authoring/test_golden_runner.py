"""Running golden bills: ``tariffcore test`` and the pytest plug-in a city package relies on."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tariffcore.authoring import load_golden
from tariffcore.commands import main
from tests.helpers import ROOT, RULESETS

VERSION = """ruleset: xx/town
version: "2026"
title: Town water
jurisdiction: Town
currency: KRW
effective: {from: 2026-01, basis: billing_month}
confidence: test data
sources: [{id: fees, title: Fee page, tag: OFF}]
use_classes: {household: {label: household}}
charges:
  water:
    type: graduated
    label: Water
    source: fees
    classes:
      household: [{upto: 20, rate: 650}, {rate: 810}]
"""

# 20 × 650 + 5 × 810 = 13,000 + 4,050 = 17,050 (the second bill expects a wrong 17,000).
GOLDEN = """ruleset: xx/town
bills:
  - name: household, 25 m³
    account: {use_class: household}
    reading: {usage_m3: 25, billing_month: 2026-03}
    expect: {lines: {water: 17050}, total: 17050}
  - name: a wrong expectation
    account: {use_class: household}
    reading: {usage_m3: 25, billing_month: 2026-03}
    expect: {lines: {water: 17000}, total: 17000}
"""


def _city(root: Path, golden: str = GOLDEN) -> Path:
    town = root / "rulesets" / "xx" / "town"
    (town / "tests").mkdir(parents=True)
    (town / "2026.yaml").write_text(VERSION, encoding="utf-8")
    (town / "tests" / "2026.yaml").write_text(golden, encoding="utf-8")
    return town


def test_a_city_package_tests_itself_with_plain_pytest(pytester: pytest.Pytester) -> None:
    _city(pytester.path)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*rulesets/xx/town/tests/2026.yaml:7: xx/town: a wrong expectation (billed by xx/town@2026)",
            "*line   expected  actual",
            "*water     17000   17050  <-",
            "*household tier 1 (1–20 m³): 20 × 650 = 13000",
            "*household tier 2 (21+ m³): 5 × 810 = 4050",
            "*total     17000   17050  <-",
            "*line water: expected 17000, got 17050",
        ]
    )


def test_a_broken_golden_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    _city(pytester.path, GOLDEN.replace("expect:", "expected:", 1))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*rulesets/xx/town/tests/2026.yaml:3:5: missing field 'expect'",
            "*rulesets/xx/town/tests/2026.yaml:6:5: unknown field 'expected' (did you mean 'expect'?)",
        ]
    )


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    _city(pytester.path)
    pytester.makeini("[pytest]\ntariffcore_golden = false\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_command_shows_expected_and_actual(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = _city(tmp_path)
    assert main(["test", str(town)]) == 1
    out, err = capsys.readouterr()
    assert "FAIL  " in out and "a wrong expectation" in out
    assert "    water     17000   17050  <-" in out
    assert err.strip() == "golden bills: 1 passed, 1 failed"


def test_the_command_runs_one_golden_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = _city(tmp_path)
    assert main(["test", str(town / "tests" / "2026.yaml"), "-k", "25 m³"]) == 0
    assert capsys.readouterr().err.strip() == "golden bills: 1 passed, 0 failed"


def test_the_shipped_golden_bills_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(RULESETS)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("golden bills: ") and err.strip().endswith(" passed, 0 failed")


def test_the_example_plugin_package_runs_its_golden_bills_with_pytest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The example package as its authors have it: installed (here: on sys.path with its entry
    # point), its own charge type, golden bills beside its rulesets, no test code.
    example = ROOT / "examples" / "percent-charge-plugin"
    shutil.copytree(example, pytester.path / "package")
    info = pytester.path / "site" / "tariffcore_percent-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tariffcore_percent\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tariffcore]\npercent = tariffcore_percent\n")
    monkeypatch.syspath_prepend(str(pytester.path / "site"))
    monkeypatch.syspath_prepend(str(pytester.path / "package" / "src"))
    sys.modules.pop("tariffcore_percent", None)
    result = pytester.runpytest_inprocess("package", "-p", "no:cacheprovider")
    cases = len(load_golden(example / "src/tariffcore_percent/rulesets/example/tests/percent-2025.yaml"))
    result.assert_outcomes(passed=cases)


TWO_CHARGES = (
    VERSION
    + """  sewer:
    type: volume
    label: Sewer
    source: fees
    classes: {household: unknown}
"""
)


def test_a_golden_bill_may_bill_some_charges_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Sewer is unknown: a bill of every charge fails, a bill of water alone is 17,050.
    town = _city(
        tmp_path,
        """ruleset: xx/town
bills:
  - name: water only
    charges: [water]
    account: {use_class: household}
    reading: {usage_m3: 25, billing_month: 2026-03}
    expect: {lines: {water: 17050}, total: 17050}
  - name: every charge
    account: {use_class: household}
    reading: {usage_m3: 25, billing_month: 2026-03}
    expect: {error: unknown_value, message: sewer}
""",
    )
    (town / "2026.yaml").write_text(TWO_CHARGES, encoding="utf-8")
    (case, _) = load_golden(town / "tests" / "2026.yaml")
    assert case.charges == ("water",)
    assert main(["test", str(town)]) == 0
    assert capsys.readouterr().err.strip() == "golden bills: 2 passed, 0 failed"


def test_golden_charges_must_be_a_list_of_ids(tmp_path: Path) -> None:
    from tariffcore import RulesetError

    town = _city(
        tmp_path, GOLDEN.replace("  - name: a wrong expectation\n", "  - name: x\n    charges: water\n")
    )
    with pytest.raises(RulesetError, match="expected a list of charge ids"):
        load_golden(town / "tests" / "2026.yaml")
