"""An outcome of a batch run narrows by ``failed``: a bill or an error, never a guess."""

from __future__ import annotations

import io
import pickle
from decimal import Decimal

from tariffcore import BatchEngine, Bill, BilledOutcome, BillingError, FailedOutcome, Outcome, read_chunks


def test_results_are_billed_or_failed_outcomes_and_pickle() -> None:
    engine = BatchEngine.load("kr/gimhae")
    rows = io.StringIO(
        "account,use_class,meter_mm,usage_m3,billing_month\nA-1,household,13,20,2025-03\nA-2,spa,13,7,2025-03\n"
    )
    (chunk,) = read_chunks(rows)
    billed, failed = engine.results(chunk)
    assert isinstance(billed, BilledOutcome) and isinstance(billed, Outcome)
    assert billed.failed is False and billed.error is None and billed.bill is billed.result
    assert isinstance(billed.result, Bill)
    # Gimhae 2025, 20 m³: base 1,100 + water 20 × 850 + sewer 20 × 820 + levy 20 × 170 = 37,900
    assert billed.result.total == Decimal(37900)
    assert isinstance(failed, FailedOutcome) and failed.failed is True and failed.bill is None
    assert isinstance(failed.error, BillingError) and failed.error.code == "unknown_use_class"
    for outcome in (billed, failed):
        again = pickle.loads(pickle.dumps(outcome))
        assert type(again) is type(outcome) and again.account == outcome.account


def test_an_outcome_made_by_hand_still_says_whether_it_failed() -> None:
    error = BillingError("no", code="no_ruleset")
    made = Outcome(1, "A", error)
    assert made.failed and made.error is error and made.bill is None
