"""Late-payment rules (가산금, 중가산금): their file format and how a file is compiled, the
surcharges they compute, and choosing the version in force for a bill.
"""

from __future__ import annotations

from .compile import (
    compile_arrears,
    holds_arrears,
    load_arrears_version,
)
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
    select_arrears,
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
    "compile_arrears",
    "days_late",
    "full_months",
    "holds_arrears",
    "load_arrears_version",
    "month_end",
    "select_arrears",
]
