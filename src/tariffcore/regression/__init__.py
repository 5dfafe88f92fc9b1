"""Regression testing of bills: re-billing issued bills under the rules then in force, and
comparing ordinances on the same readings (the old one against one or several candidates,
with an HTML report).
"""

from __future__ import annotations

from .columns import (
    ScenarioColumns,
    SqliteComparisonWriter,
    side_names,
)
from .compare import (
    Comparison,
    compare_chunk,
    percent,
)
from .curves import (
    UsageCurves,
)
from .fastcompare import COMPARE_BLOCK, compare_by_columns, compare_csv_file
from .fastrebill import REBILL_BLOCK, rebill_by_columns, rebill_csv_file
from .rebill import (
    ISSUED_PREFIX,
    Check,
    Difference,
    RebillSummary,
    check_chunk,
    describe,
)
from .rebill_sqlite import (
    SqliteRebillWriter,
)
from .report import (
    html_report,
)
from .summary import (
    DEFAULT_BANDS,
    ChargeTotals,
    ClassTotals,
    CompareSummary,
    band_labels,
    ranked,
    usage_band,
)

__all__ = [
    "COMPARE_BLOCK",
    "compare_by_columns",
    "compare_csv_file",
    "REBILL_BLOCK",
    "rebill_by_columns",
    "rebill_csv_file",
    "DEFAULT_BANDS",
    "ISSUED_PREFIX",
    "ChargeTotals",
    "Check",
    "ClassTotals",
    "CompareSummary",
    "Comparison",
    "Difference",
    "RebillSummary",
    "ScenarioColumns",
    "SqliteComparisonWriter",
    "SqliteRebillWriter",
    "UsageCurves",
    "band_labels",
    "check_chunk",
    "compare_chunk",
    "describe",
    "html_report",
    "percent",
    "ranked",
    "side_names",
    "usage_band",
]
