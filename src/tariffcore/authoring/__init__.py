"""Tools for rule authors: golden files (golden bills and late-payment cases), the linter, and
the JSON Schema of the ruleset format. (The pytest plug-in is
:mod:`tariffcore.authoring.pytest_plugin`.)
"""

from __future__ import annotations

from .arrears_golden import (
    iter_arrears_cases,
    run_arrears_case,
)
from .golden import (
    GoldenResult,
    describe_failure,
    error_failures,
    golden_roots,
    iter_cases,
    run_case,
)
from .golden_file import (
    ArrearsCase,
    GoldenCase,
    GoldenCases,
    load_arrears_golden,
    load_golden,
    load_golden_file,
)
from .lint import (
    KINDS,
    lint_catalog,
    rounding_findings,
)
from .schema import (
    SCHEMA_DIALECT,
    charge_models,
    ruleset_schema,
    schema_text,
)

__all__ = [
    "ArrearsCase",
    "GoldenCase",
    "GoldenCases",
    "GoldenResult",
    "KINDS",
    "SCHEMA_DIALECT",
    "charge_models",
    "describe_failure",
    "error_failures",
    "golden_roots",
    "iter_arrears_cases",
    "iter_cases",
    "lint_catalog",
    "rounding_findings",
    "load_arrears_golden",
    "load_golden",
    "load_golden_file",
    "ruleset_schema",
    "run_arrears_case",
    "run_case",
    "schema_text",
]
