"""Regression testing of bills: re-billing issued bills under the rules then in force, and
comparing two ordinances on the same readings (with an HTML report).
"""

from __future__ import annotations

from .compare import (
    CompareSummary,
    Comparison,
    compare_chunk,
    percent,
    ranked,
)
from .rebill import (
    ISSUED_PREFIX,
    Check,
    Difference,
    RebillSummary,
    check_chunk,
    describe,
)
from .report import (
    html_report,
)

__all__ = [
    "describe",
    "Check",
    "CompareSummary",
    "Comparison",
    "Difference",
    "ISSUED_PREFIX",
    "RebillSummary",
    "check_chunk",
    "compare_chunk",
    "html_report",
    "percent",
    "ranked",
]
