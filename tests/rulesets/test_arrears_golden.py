"""Golden late-payment cases stored next to the rulesets, computed by hand from the digest.

The cases themselves run through tariffcore's pytest plug-in (``rulesets`` is in the pytest
``testpaths``); this module checks that every late-payment version has some.
"""

from __future__ import annotations

import tariffcore
from tariffcore.authoring import iter_arrears_cases, load_arrears_golden
from tests.helpers import repository_catalog

CASES = list(iter_arrears_cases(repository_catalog()))


def test_every_arrears_ruleset_has_golden_cases(catalog: tariffcore.Catalog) -> None:
    for ruleset in catalog:
        if ruleset.arrears_versions:
            cases = [case for path in ruleset.golden_files for case in load_arrears_golden(path)]
            assert cases, f"{ruleset.id} has late-payment rules but no golden arrears cases"


def test_every_dated_arrears_version_is_exercised(catalog: tariffcore.Catalog) -> None:
    used = set()
    for case in CASES:
        result = None
        try:
            result = tariffcore.compute_arrears(
                catalog,
                case.ruleset,
                principal=case.principal,
                due=case.due,
                as_of=case.as_of,
                billing_month=case.billing_month,
            )
        except tariffcore.BillingError:
            continue
        used.add(result.ruleset)
    for ruleset in catalog:
        for version in ruleset.arrears_versions:
            assert version.label in used, f"no golden case computes a result under {version.label}"
