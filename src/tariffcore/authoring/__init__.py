"""Tools for rule authors: golden bills and late-payment cases, the linter, and the JSON
Schema of the ruleset format. (The pytest plug-in is :mod:`tariffcore.authoring.pytest_plugin`.)
"""

from __future__ import annotations

from .arrears_golden import (
    ArrearsCase,
    iter_arrears_cases,
    load_arrears_golden,
    run_arrears_case,
)
from .golden import (
    GoldenCase,
    GoldenResult,
    describe_failure,
    error_failures,
    golden_roots,
    iter_cases,
    load_golden,
    run_case,
)
from .lint import (
    KINDS,
    Finding,
    lint_catalog,
)
from .schema import (
    SCHEMA_DIALECT,
    charge_models,
    ruleset_schema,
    schema_text,
)

__all__ = [
    "ArrearsCase",
    "Finding",
    "GoldenCase",
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
    "load_arrears_golden",
    "load_golden",
    "ruleset_schema",
    "run_arrears_case",
    "run_case",
    "schema_text",
]
