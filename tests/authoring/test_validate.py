"""``tariffcore validate``: every problem of a broken ruleset, each at its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffcore.commands import main
from tariffcore.commands.validate import check
from tests.helpers import ROOT, RULESETS

BROKEN = Path("tests/fixtures/broken")

#: Every mistake planted in tests/fixtures/broken, where it is and what the author reads.
EXPECTED = [
    "tests/fixtures/broken/tests/2026.yaml:4:5: missing field 'expect'",
    "tests/fixtures/broken/tests/2026.yaml:7:5: unknown field 'expected' (did you mean 'expect'?)",
    "tests/fixtures/broken/tests/2026.yaml:8:5: missing field 'account'",
    "tests/fixtures/broken/tests/2026.yaml:9:5: unknown field 'acount' (did you mean 'account'?)",
    "tests/fixtures/broken/water-2026.yaml:2:1: missing field 'confidence' "
    "(how sure the data of this version is, in a sentence)",
    "tests/fixtures/broken/water-2026.yaml:18:25: unknown field 'househod_units_default' "
    "(did you mean 'household_units_default'?)",
    "tests/fixtures/broken/water-2026.yaml:25:7: unknown use class 'housold' "
    "(did you mean 'household'?); declare it under use_classes",
    "tests/fixtures/broken/water-2026.yaml:29:14: tier 'upto' 30 is below the previous tier's 50; "
    "each tier must end above the one before",
    "tests/fixtures/broken/water-2026.yaml:30:14: the top tier must be open (leave out 'upto'); "
    "write usage above 100 as another tier, with rate 'unknown' if it is not known",
    "tests/fixtures/broken/water-2026.yaml:32:5: unknown charge type 'graduatd' "
    "(did you mean 'graduated'?); installed types: base_by_meter, graduated, owrs, per_unit, volume",
    "tests/fixtures/broken/water-2026.yaml:39:5: source 'town-fee' is not among this version's "
    "sources (did you mean 'town-fees'?); sources: town-fees",
    "tests/fixtures/broken/water-2026.yaml:41:5: duplicate key 'rate' (first given on line 40)",
    "tests/fixtures/broken/water-2026.yaml:46:23: expected a number or 'unknown', got 'abc'",
]


# Paths in the expected output are relative to the checkout.
pytestmark = pytest.mark.usefixtures("in_repo")


def test_every_problem_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == EXPECTED
    assert err.strip() == "2 file(s) checked: 13 problem(s) in 2 file(s)"
    assert "Traceback" not in out + err


def test_the_shipped_rulesets_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(RULESETS)]) == 0
    out, err = capsys.readouterr()
    # What validate may print about valid files: charges and late-payment rules that declare
    # no rounding to the won (their bills would be error rows), as warnings.
    assert all(": warning: rounding: " in line for line in out.splitlines())
    warnings = len(out.splitlines())
    assert err.endswith(f"no problems and {warnings} warning(s)\n" if warnings else "no problems\n")


def test_a_missing_path_is_a_problem_not_a_crash() -> None:
    _, problems = check(["no/such/dir", "README.md"])
    found = sorted(str(p) for p in problems)
    assert found[0].startswith("README.md:1:1: not a YAML file (.yaml or .yml)")  # …; plug-ins read
    assert found[1:] == ["no/such/dir:1:1: no such file or directory"]


def _one(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "v.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = check([str(path)])
    return [str(p).removeprefix(str(path) + ":") for p in problems]


HEAD = """ruleset: kr/x
version: "1"
title: t
jurisdiction: j
currency: KRW
effective: {from: 2025-01, basis: billing_month}
confidence: c
sources: [{id: s, title: s, tag: OFF}]
use_classes: {household: {label: h}}
"""


def test_yaml_syntax_is_located(tmp_path: Path) -> None:
    assert _one(tmp_path, HEAD + "charges: {water: [1, 2}\n") == [
        "10:23: YAML syntax: while parsing a flow sequence expected ',' or ']', but got '}'"
    ]


def test_tabs_are_located(tmp_path: Path) -> None:
    assert _one(tmp_path, HEAD + "charges:\n\twater: {}\n") == [
        "11:1: tab character in indentation; YAML indents with spaces only"
    ]


def test_ids_may_have_upper_case_letters_but_no_other_signs(tmp_path: Path) -> None:
    classes = "use_classes: {RESIDENTIAL_SINGLE: {label: r}, non-residential: {label: n}}\n"
    charges = "charges: {WRAM_charge: {type: per_unit, label: w, source: s, rate: 1}}\n"
    text = HEAD.replace("use_classes: {household: {label: h}}\n", classes) + charges
    assert _one(tmp_path, text) == [
        "9:1: id 'non-residential' must be letters, digits and '_', starting with a letter"
    ]


def test_problems_in_nested_charge_fields(tmp_path: Path) -> None:
    text = (
        HEAD
        + """rounding: {unit: 10, method: chop}
charges:
  water:
    type: volume
    label: w
    source: s
    applies_to: [houshold]
    classes:
      household: {tiers: [{upto: 10, rat: 5}, {rate: 7}]}
  levy: {type: per_unit, label: l, source: s}
"""
    )
    assert _one(tmp_path, text) == [
        "10:22: expected 'truncate', 'half_up', 'half_even', 'up', 'floor' or 'ceiling', got 'chop'",
        "16:18: unknown use class 'houshold' (did you mean 'household'?)",
        "18:27: missing field 'rate' (rate per m³ in this tier)",
        "18:38: unknown field 'rat' (did you mean 'rate'?)",
        "19:3: give 'rate' or 'classes'",
    ]


def test_the_example_in_the_docs_is_this_fixture() -> None:
    page = (ROOT / "docs" / "checking.md").read_text(encoding="utf-8")
    block = page.split("$ tariffcore validate rulesets/kr/brokentown\n", 1)[1].split("```", 1)[0]
    shown = [
        line.replace("rulesets/kr/brokentown/", "tests/fixtures/broken/") for line in block.splitlines()[:-1]
    ]
    wanted = [
        line
        for line in EXPECTED
        if line.startswith("tests/fixtures/broken/water-2026.yaml") and "top tier must be open" not in line
    ]
    assert shown == wanted


def test_a_misspelt_expectation_is_reported_not_ignored(tmp_path: Path) -> None:
    golden = tmp_path / "tests" / "1.yaml"
    golden.parent.mkdir()
    golden.write_text(
        """ruleset: kr/x
bills:
  - name: one
    account: {use_class: household}
    reading: {usage_m3: 1, billing_month: 2025-01}
    expect: {lines: {water: abc}, totl: 650}
""",
        encoding="utf-8",
    )
    _, problems = check([str(golden)])
    assert [str(p).removeprefix(f"{golden}:") for p in problems] == [
        "6:22: line water: expected a number, got 'abc'",
        "6:35: unknown expectation 'totl' (did you mean 'total'?)",
    ]


def test_two_versions_on_the_same_day_point_at_the_date(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HEAD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(HEAD.replace('version: "1"', 'version: "2"'), encoding="utf-8")
    _, problems = check([str(tmp_path)])
    # line 6 is "effective: {from: 2025-01, ...}"; 'from' starts in column 13
    assert [str(p) for p in problems] == [
        f"{tmp_path}/b.yaml:6:13: takes effect on 2025-01-01, the same day as {tmp_path}/a.yaml"
    ]
