"""Late-payment rules (가산금, 중가산금): their file format, the surcharges they compute, and their
dated versions.
"""

from __future__ import annotations

from .rules import (
    Allocation,
    ArrearsEffective,
    ArrearsSpec,
    ArrearsVersionSpec,
    DailyRule,
    Limitation,
    MonthlyRule,
    OneOffRule,
)
from .timeline import (
    check_principal,
    clashes,
    dated_versions,
    is_arrears_file,
    load_arrears_version,
    select_arrears,
    spans,
)
from .version import (
    ArrearsVersion,
    Covered,
    Surcharge,
    days_late,
    full_months,
    month_end,
)

__all__ = [
    "Allocation",
    "ArrearsEffective",
    "ArrearsSpec",
    "ArrearsVersion",
    "ArrearsVersionSpec",
    "Covered",
    "DailyRule",
    "Limitation",
    "MonthlyRule",
    "OneOffRule",
    "Surcharge",
    "check_principal",
    "clashes",
    "dated_versions",
    "days_late",
    "full_months",
    "is_arrears_file",
    "load_arrears_version",
    "month_end",
    "select_arrears",
    "spans",
]
