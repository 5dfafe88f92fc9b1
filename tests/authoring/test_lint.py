"""``tariffcore lint``: each kind of finding on a fixture built to have them all."""

from __future__ import annotations

from datetime import date

import pytest

from tariffcore import Problem, load_catalog
from tariffcore.authoring import lint_catalog
from tariffcore.commands import main

LINT = "tests/fixtures/lint"

EXPECTED = [
    "tests/fixtures/lint/2024.yaml:7:28: gap: no version is in force from 2024-07-01 to 2024-12-31: "
    "xx/lintville@2024 ends on 2024-06-30, xx/lintville@2025 takes effect on 2025-01-01; "
    "bills in between fail with no_version_in_force",
    "tests/fixtures/lint/2024.yaml:9:1: stale: xx/lintville@2024 was last checked against its "
    "sources on 2024-01-10, 1051 days ago (more than 365)",
    "tests/fixtures/lint/2024.yaml:12:5: sources: source 'old-notice' has no URL: give one so the "
    "figures can be checked again",
    "tests/fixtures/lint/2024.yaml:12:5: sources: source 'old-notice' is cited by no charge or rule",
    "tests/fixtures/lint/2024.yaml:15:3: golden: no golden bill of xx/lintville@2024 is for use class 'general'",
    "tests/fixtures/lint/2024.yaml:16:3: golden: no golden bill of xx/lintville@2024 is for use class 'bathhouse'",
    "tests/fixtures/lint/2024.yaml:24:53: tiers: water household tier 2 rate 600 is below tier 1's 650: "
    "graduated tiers usually rise",
    "tests/fixtures/lint/2024.yaml:24:66: tiers: water household tier 3 rate 600 is the same as tier 2's 600: "
    "graduated tiers usually rise",
    "tests/fixtures/lint/2024.yaml:26:7: unreached: class entry 'bathhouse' of charge 'water' is never "
    "used: the charge applies only to general, household",
    "tests/fixtures/lint/2024.yaml:31:5: no-rate: use class 'general' has no rate in charge 'sewer': "
    "its bills fail (limit the charge with applies_to if that is meant)",
    "tests/fixtures/lint/2024.yaml:31:5: no-rate: use class 'bathhouse' has no rate in charge 'sewer': "
    "its bills fail (limit the charge with applies_to if that is meant)",
    "tests/fixtures/lint/2025.yaml:2:1: stale: xx/lintville@2025 does not say when its sources were "
    "last checked (add 'checked: YYYY-MM-DD')",
    "tests/fixtures/lint/2025.yaml:2:1: golden: no golden bill is billed by xx/lintville@2025",
    "tests/fixtures/lint/2025.yaml:6:28: basis: xx/lintville@2024 is selected by billing month but "
    "xx/lintville@2025 by usage: a bill near 2025-01-01 may fall in both versions or in neither",
    "tests/fixtures/lint/2025.yaml:17:5: unreached: charge 'water' applies to no use class, so no bill has it",
]


# Paths in the expected output are relative to the checkout.
pytestmark = pytest.mark.usefixtures("in_repo")


def test_every_kind_of_finding(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", LINT, "--today", "2026-11-26"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == EXPECTED
    assert err.strip() == "1 ruleset(s) linted: 15 finding(s)"


@pytest.mark.parametrize("day", ["2026-W48", "20261126"])
def test_the_day_to_judge_on_is_written_as_a_date(day: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Python would read both as a day (2026-W48 is 2026-11-23); a date is written 2026-11-26
    with pytest.raises(SystemExit) as stopped:
        main(["lint", LINT, "--today", day])
    assert stopped.value.code == 2
    assert f"argument --today: {day!r} is not a date (expected YYYY-MM-DD" in capsys.readouterr().err


def test_the_staleness_threshold_is_an_option() -> None:
    catalog = load_catalog([LINT], plugin_rulesets=False)
    # 2024-01-10 + 1,100 days is 2027-01-14: not stale with a 1,100-day threshold on 2026-11-26.
    stale = [
        f for f in lint_catalog(catalog, today=date(2026, 11, 26), stale_after=1100) if f.kind == "stale"
    ]
    assert [f.message.split(" ")[0] for f in stale] == ["xx/lintville@2025"]


def test_kinds_can_be_ignored(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["lint", LINT, "--today", "2026-11-26"]
    for kind in ("gap", "stale", "sources", "golden", "tiers", "unreached", "no-rate", "basis"):
        args += ["--ignore", kind]
    assert main(args) == 0
    assert capsys.readouterr().out == ""


def test_the_shipped_rulesets_bill_every_class_and_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    main(["lint", "rulesets", "--today", "2026-11-26"])
    kinds = {line.split(": ")[1] for line in capsys.readouterr().out.splitlines()}
    assert not kinds & {"invalid", "no-rate", "unreached", "stale"}


def test_a_finding_is_a_problem_with_a_kind() -> None:
    catalog = load_catalog([LINT, "tests/fixtures/broken"], plugin_rulesets=False)
    findings = lint_catalog(catalog, today=date(2026, 11, 26))
    assert all(isinstance(f, Problem) for f in findings)
    invalid = [f for f in findings if f.kind == "invalid"]
    # validate's problems are the findings of kind "invalid", as they are.
    assert invalid == sorted(
        (p for found in catalog.problems.values() for p in found), key=lambda p: (p.path, p.line, p.column)
    )
    # An ordinary problem prints as validate prints it; a finding of another kind names its kind.
    assert str(invalid[0]) == f"{invalid[0].path}:{invalid[0].line}:{invalid[0].column}: {invalid[0].message}"
    gap = next(f for f in findings if f.kind == "gap")
    assert str(gap).startswith("tests/fixtures/lint/2024.yaml:7:28: gap: no version is in force")
