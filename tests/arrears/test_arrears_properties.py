"""Properties every late-payment rule keeps, over the bundled rulesets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tariffcore import LedgerBill, Payment, account_statement, compute_arrears
from tests.helpers import repository_catalog

CATALOG = repository_catalog()

#: (ruleset, first due date, last due date, principal given per charge). Rules whose amount is
#: unknown are left out: Pohang's, Naju's and Busan's by the day (the day divisor is not known,
#: digest §4, §8 and §9) fail on every late payment; Pohang's 3 % once (2004-01 to 2018-12
#: billing months) stands in for a one-off rule by billing month; Paju's is a rate per day
#: (3 % × 12/365) within the first month, then the fixed 3 %.
DATED = [
    ("kr/seoul", date(2008, 11, 1), date(2035, 12, 31), False),
    ("kr/seoul", date(2001, 11, 1), date(2008, 10, 31), True),
    ("kr/seongnam", date(2018, 2, 1), date(2035, 12, 31), False),
    ("kr/pohang", date(2004, 1, 1), date(2018, 12, 31), False),
    ("kr/paju", date(2019, 1, 1), date(2035, 12, 31), False),
    ("kr/local-tax", date(2001, 1, 1), date(2035, 12, 31), False),
]
#: Rulesets dated by billing month: a bill's billing month is taken as the month it is due in.
BY_BILLING_MONTH = ("kr/seongnam", "kr/pohang", "kr/paju")
#: Rulesets whose rules take one principal, and a span of due dates all of them cover.
SINGLE = ["kr/seoul", "kr/seongnam", "kr/paju", "kr/local-tax"]
SPAN = (date(2019, 2, 1), date(2030, 12, 31))

#: Principals in won: whole, and also written with decimal places that are all zeros.
amounts = st.one_of(
    st.integers(min_value=0, max_value=50_000_000).map(Decimal),
    st.integers(min_value=0, max_value=5_000_000).map(lambda won: Decimal(won).quantize(Decimal("0.01"))),
)
positive = st.integers(min_value=1, max_value=3_000_000).map(Decimal)


@st.composite
def one_bill(draw: st.DrawFn) -> tuple[str, Decimal | dict[str, Decimal], date, date | None]:
    ruleset, first, last, per_charge = draw(st.sampled_from(DATED))
    due = draw(st.dates(min_value=first, max_value=last))
    principal: Decimal | dict[str, Decimal]
    principal = {"water": draw(amounts), "sewer": draw(amounts)} if per_charge else draw(amounts)
    month = due.replace(day=1) if ruleset in BY_BILLING_MONTH else None
    return ruleset, principal, due, month


def _total(principal: Decimal | dict[str, Decimal]) -> Decimal:
    return sum(principal.values(), Decimal(0)) if isinstance(principal, dict) else principal


@given(one_bill(), st.integers(min_value=0, max_value=400))
def test_no_surcharge_when_paid_by_the_due_date(bill: tuple, early: int) -> None:
    ruleset, principal, due, month = bill
    result = compute_arrears(
        CATALOG, ruleset, principal=principal, due=due, as_of=due - timedelta(days=early), billing_month=month
    )
    assert result.surcharges == ()
    assert result.total_due == _total(principal)


@given(one_bill(), st.integers(min_value=1, max_value=8000))
def test_never_above_the_cap(bill: tuple, late: int) -> None:
    ruleset, principal, due, month = bill
    result = compute_arrears(
        CATALOG, ruleset, principal=principal, due=due, as_of=due + timedelta(days=late), billing_month=month
    )
    version = CATALOG.ruleset(ruleset).arrears_version(result.version)
    rules = {rule.id: rule for rule in version.rules}
    for surcharge in result.surcharges:
        rule = rules[surcharge.rule]
        base = (
            _total(principal)
            if rule.charges is None or not isinstance(principal, dict)
            else sum((v for k, v in principal.items() if k in rule.charges), Decimal(0))
        )
        cap = base * surcharge.percent / 100
        if surcharge.kind == "monthly":
            cap *= rule.spec.max_months  # type: ignore[union-attr]
            assert surcharge.count <= rule.spec.max_months  # type: ignore[union-attr]
        assert 0 <= surcharge.amount <= cap
        assert surcharge.start == due + timedelta(days=1) and surcharge.start <= surcharge.end


@given(one_bill(), st.integers(min_value=0, max_value=4000), st.integers(min_value=0, max_value=4000))
def test_never_decreasing_as_days_pass(bill: tuple, first: int, more: int) -> None:
    ruleset, principal, due, month = bill
    earlier = compute_arrears(
        CATALOG, ruleset, principal=principal, due=due, as_of=due + timedelta(days=first), billing_month=month
    )
    later = compute_arrears(
        CATALOG,
        ruleset,
        principal=principal,
        due=due,
        as_of=due + timedelta(days=first + more),
        billing_month=month,
    )
    assert later.total_due >= earlier.total_due
    amounts_then = {s.rule: s.amount for s in earlier.surcharges}
    for surcharge in later.surcharges:
        assert surcharge.amount >= amounts_then.get(surcharge.rule, Decimal(0))


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[str, list[LedgerBill], list[Payment], date, str]:
    ruleset = draw(st.sampled_from(SINGLE))
    bills = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        due = draw(st.dates(min_value=SPAN[0], max_value=SPAN[1]))
        bills.append(LedgerBill(f"b{index}", due, draw(amounts), billing_month=due.replace(day=1)))
    start = min(b.due for b in bills) - timedelta(days=40)
    payments = [
        Payment(start + timedelta(days=draw(st.integers(min_value=0, max_value=3000))), draw(positive))
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    ]
    as_of = start + timedelta(days=draw(st.integers(min_value=0, max_value=3500)))
    allocation = draw(st.sampled_from(["surcharges_first", "principal_first"]))
    return ruleset, bills, payments, as_of, allocation


@given(ledgers())
def test_statements_reconcile(ledger: tuple) -> None:
    ruleset, bills, payments, as_of, allocation = ledger
    statement = account_statement(
        CATALOG.ruleset(ruleset), bills, payments, as_of=as_of, allocation=allocation
    )
    assert (
        statement.principal + statement.surcharges - statement.paid
        == statement.outstanding - statement.credit
    )
    assert statement.credit >= 0
    for line in statement.bills:
        applied = sum((a.amount for a in line.applied), Decimal(0))
        assert line.principal + line.surcharge_total - applied == line.outstanding
        assert line.outstanding >= 0
        assert all(0 <= s.paid <= s.surcharge.amount for s in line.surcharges)


@given(ledgers(), st.integers(min_value=0, max_value=3000), positive)
def test_a_payment_never_increases_what_is_owed(ledger: tuple, offset: int, amount: Decimal) -> None:
    ruleset, bills, payments, as_of, allocation = ledger
    found = CATALOG.ruleset(ruleset)
    extra = Payment(min(b.due for b in bills) - timedelta(days=40) + timedelta(days=offset), amount)
    without = account_statement(found, bills, payments, as_of=as_of, allocation=allocation)
    with_it = account_statement(found, bills, [*payments, extra], as_of=as_of, allocation=allocation)
    assert with_it.outstanding <= without.outstanding
    assert with_it.outstanding - with_it.credit <= without.outstanding - without.credit


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=10**6)),
        max_size=5,
    ),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=40),
)
def test_day_sums_by_stretch_match_day_by_day(steps: list[tuple[int, int]], skip: int, length: int) -> None:
    from tariffcore.arrears.version import _day_sum

    start = date(2025, 1, 31)
    changes = sorted((start + timedelta(days=offset), Decimal(value)) for offset, value in steps)
    days = [day for day, _ in changes]

    def unpaid(day: date) -> Decimal:
        found = Decimal(5000)
        for when, value in changes:
            if when <= day:
                found = value
        return found

    first = start + timedelta(days=skip)
    last = first + timedelta(days=length - 1)
    assert _day_sum(unpaid, first, last, days) == _day_sum(unpaid, first, last, None)
