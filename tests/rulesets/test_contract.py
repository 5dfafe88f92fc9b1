"""The contract every bundled ruleset inherits.

Each test runs once per ruleset id, so a new city gets the whole contract by adding its
files (a ruleset holding only late-payment rules has no tariff versions to check): it loads; every version cites its sources and says when they were checked; versions do
not overlap; tier bounds rise; every use class of every version has golden bills, and they
pass (golden bills are computed by hand from the ordinance digest, arithmetic in comments).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.authoring import GoldenCase, load_golden, run_case
from tariffcore.errors import BillingError
from tariffcore.format import SOURCE_TAGS
from tests.helpers import RULESETS, repository_catalog

CATALOG = repository_catalog()
IDS = CATALOG.ids()
GOLDEN_FILES = sorted(RULESETS.glob("**/tests/*.yaml"))


def _cases(ruleset: tariffcore.Ruleset) -> list[GoldenCase]:
    return [case for path in ruleset.golden_files for case in load_golden(path)]


def test_the_catalog_has_every_digest_city() -> None:
    expected = {
        "kr/ulsan",
        "kr/seoul",
        "kr/daegu",
        "kr/busan",
        "kr/pohang",
        "kr/geoje",
        "kr/jinju",
        "kr/okcheon",
        "kr/yangsan",
        "kr/samcheok",
        "kr/gimhae",
        "kr/changwon",
        "kr/ansan",
    }
    assert expected <= set(IDS)


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=[str(p.relative_to(RULESETS)) for p in GOLDEN_FILES])
def test_every_golden_file_reads_and_names_a_loaded_ruleset(path: Path) -> None:
    cases = load_golden(path)  # late-payment golden files hold no bills: checked by their own tests
    for case in cases:
        assert case.ruleset in CATALOG.rulesets, f"{path}: unknown ruleset {case.ruleset}"


@pytest.mark.parametrize("ruleset_id", IDS)
class TestRulesetContract:
    def test_loads(self, ruleset_id: str) -> None:
        assert ruleset_id not in CATALOG.problems, "\n".join(map(str, CATALOG.problems[ruleset_id]))
        ruleset = CATALOG.ruleset(ruleset_id)
        assert ruleset.versions or ruleset.arrears_versions

    def test_every_version_cites_sources(self, ruleset_id: str) -> None:
        for version in CATALOG.ruleset(ruleset_id).versions:
            spec = version.spec
            assert spec.sources, f"{version.label} has no sources"
            assert spec.checked is not None, f"{version.label} does not say when it was checked"
            assert spec.confidence.strip()
            for charge in version.charges:
                assert charge.sources, f"{version.label} {charge.id} cites no source"
            for reduction in version.reductions:
                assert reduction.sources, f"{version.label} reduction {reduction.id} cites no source"
            for tag in (s.tag for s in spec.sources):
                assert tag in SOURCE_TAGS

    def test_versions_do_not_overlap(self, ruleset_id: str) -> None:
        ruleset = CATALOG.ruleset(ruleset_id)
        spans = [ruleset.in_force(v) for v in ruleset.versions]
        for (start, end), (next_start, _) in zip(spans, spans[1:]):
            assert end is not None and end < next_start, f"{ruleset_id}: {start}..{end} overlaps {next_start}"
        for start, end in spans:
            assert end is None or start <= end

    def test_tiers_rise(self, ruleset_id: str) -> None:
        for version in CATALOG.ruleset(ruleset_id).versions:
            for charge_id, entry in version.spec.charges.items():
                for cls, rates in (entry.get("classes") or {}).items():
                    tiers = (
                        rates
                        if isinstance(rates, list)
                        else (rates.get("tiers") if isinstance(rates, dict) else None)
                    )
                    bounds = [t["upto"] for t in tiers or [] if isinstance(t.get("upto"), (int, Decimal))]
                    assert bounds == sorted(set(bounds)), f"{version.label} {charge_id} {cls}: {bounds}"

    def test_every_use_class_of_every_version_has_golden_bills(self, ruleset_id: str) -> None:
        ruleset = CATALOG.ruleset(ruleset_id)
        covered: dict[str, set[str]] = defaultdict(set)
        for case in _cases(ruleset):
            fields = {k: "" if v is None else str(v) for k, v in case.fields.items()}
            try:
                account, reading = tariffcore.parse_row(fields)
                version = ruleset.select(reading)
            except BillingError:
                continue
            covered[version.version].add(account.use_class)
        for version in ruleset.versions:
            missing = set(version.spec.use_classes) - covered[version.version]
            assert not missing, f"{version.label}: no golden bill for {sorted(missing)}"

    def test_golden_bills_pass(self, ruleset_id: str) -> None:
        ruleset = CATALOG.ruleset(ruleset_id)
        failures = []
        for case in _cases(ruleset):
            result = run_case(CATALOG, case)
            failures += [f"{case.path}:{case.line}: {case.name}: {f}" for f in result.failures]
        assert not failures, "\n".join(failures)
