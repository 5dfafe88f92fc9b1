"""Golden bills stored next to the rulesets, computed by hand from the ordinance digest."""

from __future__ import annotations

import pytest

import tariffcore
from tariffcore.golden import GoldenCase, iter_cases, run_case

from .conftest import RULESETS

CASES = list(iter_cases(tariffcore.load_catalog([RULESETS], entry_points=False)))


def test_every_ruleset_has_golden_bills(catalog: tariffcore.Catalog) -> None:
    for ruleset in catalog:
        assert ruleset.golden_files, f"{ruleset.id} has no golden bills"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_bill(catalog: tariffcore.Catalog, case: GoldenCase) -> None:
    result = run_case(catalog, case)
    assert result.passed, f"{case.path}:{case.line}: " + "; ".join(result.failures)
