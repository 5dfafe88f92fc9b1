"""Statements with payments, computed by hand from the digest (§2 Seoul, §9 Seongnam, local tax)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

import tariffcore
from tariffcore import LedgerBill, Payment, account_statement
from tariffcore.accounts import at_currency_scale


def D(text: str | int) -> Decimal:
    return Decimal(str(text))


def reconciles(statement: tariffcore.Statement) -> bool:
    return (
        statement.principal + statement.surcharges - statement.paid
        == statement.outstanding - statement.credit
    )


def test_partial_payment_surcharges_first(catalog: tariffcore.Catalog) -> None:
    # Seoul from 2008-11: 3 % × days/30. Bill 52,000 due 2025-01-31, 30,000 paid 10 days late.
    # On 02-10 the fee is 52,000 × 0.001 × 10 = 520: 520 to the fee, 29,480 to principal,
    # leaving 22,520. On 03-31 (59 days late, 30 counted): days 1-10 at 52,000 and days 11-30
    # at 22,520: (520,000 + 450,400) × 0.001 = 970.4, whole won (the fraction dropped, digest
    # §10) 970. Outstanding 22,520 + 970 − 520 = 22,970; 970 − 520 = 450 of the fee unpaid.
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 2, 10), D(30000))],
        as_of=date(2025, 3, 31),
        allocation="surcharges_first",
    )
    (bill,) = statement.bills
    assert bill.version == "arrears-2008-11"
    assert bill.principal_paid == D(29480)
    (fee,) = bill.surcharges
    assert (fee.surcharge.amount, fee.paid, fee.outstanding) == (D(970), D(520), D(450))
    assert bill.outstanding == D(22970)
    assert statement.allocation == "surcharges_first" and statement.allocation_from == "caller"
    assert reconciles(statement)


def test_partial_payment_principal_first(catalog: tariffcore.Catalog) -> None:
    # The same, principal first: 30,000 to principal leaves 22,000;
    # (10 × 52,000 + 20 × 22,000) × 0.001 = 960; outstanding 22,000 + 960 = 22,960.
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 2, 10), D(30000))],
        as_of=date(2025, 3, 31),
        allocation="principal_first",
    )
    (bill,) = statement.bills
    assert bill.principal_paid == D(30000)
    assert bill.surcharges[0].surcharge.amount == D(960)
    assert bill.outstanding == D(22960)
    assert reconciles(statement)


def test_oldest_bill_first_and_credit(catalog: tariffcore.Catalog) -> None:
    # Bills 10,000 (due 01-31) and 20,000 (due 03-31); 35,000 paid on 02-05, 5 days late for the
    # first: fee 10,000 × 0.001 × 5 = 50. 50 + 10,000 to the first, 20,000 to the second (not
    # yet due), 4,950 left over as credit. Nothing is owed afterwards.
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("mar", date(2025, 3, 31), D(20000)), LedgerBill("jan", date(2025, 1, 31), D(10000))],
        [Payment(date(2025, 2, 5), D(35000))],
        as_of=date(2025, 6, 30),
        allocation="surcharges_first",
    )
    by_id = {b.bill.id: b for b in statement.bills}
    assert [b.bill.id for b in statement.bills] == ["mar", "jan"]  # input order is kept
    assert by_id["jan"].surcharge_total == D(50)
    assert by_id["jan"].outstanding == 0 and by_id["mar"].outstanding == 0
    assert by_id["mar"].surcharges == ()
    assert statement.credit == D(4950)
    assert statement.outstanding == 0
    assert reconciles(statement)


def test_full_payment_needs_no_allocation_order(catalog: tariffcore.Catalog) -> None:
    # 52,000 + 520 paid exactly on day 10: everything settled, no order needed.
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 2, 10), D(52520))],
        as_of=date(2025, 12, 31),
    )
    assert statement.outstanding == 0 and statement.credit == 0
    assert statement.surcharges == D(520)
    assert statement.allocation is None


def test_partial_payment_without_an_order_is_an_error(catalog: tariffcore.Catalog) -> None:
    with pytest.raises(tariffcore.UnknownValueError, match="surcharges or to principal first"):
        account_statement(
            catalog.ruleset("kr/seoul"),
            [LedgerBill("jan", date(2025, 1, 31), D(52000))],
            [Payment(date(2025, 2, 10), D(30000))],
            as_of=date(2025, 3, 31),
        )


def test_payment_before_the_due_date_needs_no_order(catalog: tariffcore.Catalog) -> None:
    # 20,000 paid early leaves 32,000 unpaid at the due date; 5 days late: 32,000 × 0.001 × 5 = 160
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 1, 20), D(20000))],
        as_of=date(2025, 2, 5),
    )
    assert statement.bills[0].surcharges[0].surcharge.amount == D(160)
    assert statement.outstanding == D(32160)


def test_payments_after_the_statement_date_are_not_applied(catalog: tariffcore.Catalog) -> None:
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 3, 1), D(52000))],
        as_of=date(2025, 2, 10),
    )
    assert statement.paid == 0
    assert [p.amount for p in statement.later_payments] == [D(52000)]
    assert statement.outstanding == D(52520)


def test_seongnam_truncation_with_a_partial_payment(catalog: tariffcore.Catalog) -> None:
    # 33,333 due 2025-01-31; 10,000 paid on 02-10: fee then 222.22 → 220, paid first; principal
    # 9,780 → 23,553 left. On 06-30: (10 × 33,333 + 20 × 23,553) × 2 % / 30
    # = 804,390 / 1,500 = 536.26 → 530. Outstanding 23,553 + 530 − 220 = 23,863.
    statement = account_statement(
        catalog.ruleset("kr/seongnam"),
        [LedgerBill("jan", date(2025, 1, 31), D(33333), billing_month=date(2025, 1, 1))],
        [Payment(date(2025, 2, 10), D(10000))],
        as_of=date(2025, 6, 30),
        allocation="surcharges_first",
    )
    fee = statement.bills[0].surcharges[0]
    assert (fee.surcharge.amount, fee.surcharge.unrounded, fee.paid) == (D(530), D("536.26"), D(220))
    assert statement.outstanding == D(23863)
    assert reconciles(statement)


@pytest.mark.parametrize(
    ("allocation", "principal_paid", "fee", "outstanding"),
    [
        # On 06-10 (10 days late) the fee is 100,000 × 10 × 3 % × 12/365 = 360,000 / 365
        # = 986.30 → 980, paid first; 39,020 to principal leaves 60,980. On 06-20: days 1-10 at
        # 100,000 and days 11-20 at 60,980: 1,609,800 × 3 % × 12/365 = 579,528 / 365 = 1,587.75
        # → 1,580. Outstanding 60,980 + 1,580 − 980 = 61,580.
        ("surcharges_first", 39020, 1580, 61580),
        # Principal first: 40,000 leaves 60,000; (1,000,000 + 600,000) × 3 % × 12/365
        # = 576,000 / 365 = 1,578.08 → 1,570. Outstanding 60,000 + 1,570 = 61,570.
        ("principal_first", 40000, 1570, 61570),
    ],
)
def test_paju_rate_per_day_with_a_partial_payment(
    catalog: tariffcore.Catalog, allocation: str, principal_paid: int, fee: int, outstanding: int
) -> None:
    # Paju (digest §9, INF): 3 % × 12/365 a day within the first month late, truncated below
    # 10 won. 100,000 due 2025-05-31 (first month late: 06-01..06-30); 40,000 paid on 06-10.
    statement = account_statement(
        catalog.ruleset("kr/paju"),
        [LedgerBill("may", date(2025, 5, 31), D(100000), billing_month=date(2025, 5, 1))],
        [Payment(date(2025, 6, 10), D(40000))],
        as_of=date(2025, 6, 20),
        allocation=allocation,
    )
    (bill,) = statement.bills
    assert bill.version == "arrears-2019-01"
    assert bill.principal_paid == D(principal_paid)
    assert bill.surcharges[0].surcharge.amount == D(fee)
    assert statement.outstanding == D(outstanding)
    assert reconciles(statement)


def test_local_tax_monthly_part_follows_the_unpaid_principal(catalog: tariffcore.Catalog) -> None:
    # 1,000,000 due 2024-01-31; 500,000 paid on 03-15, principal first. 3 % once = 30,000 on the
    # amount unpaid at the due date. Months end 02-29 (1,000,000 unpaid), 03-31 and 04-30
    # (500,000): (1,000,000 + 500,000 + 500,000) × 0.66 % = 13,200.
    statement = account_statement(
        catalog.ruleset("kr/local-tax"),
        [LedgerBill("b", date(2024, 1, 31), D(1000000))],
        [Payment(date(2024, 3, 15), D(500000))],
        as_of=date(2024, 5, 10),
        allocation="principal_first",
    )
    amounts = {line.surcharge.rule: line.surcharge.amount for line in statement.bills[0].surcharges}
    assert amounts == {"late_fee": D(30000), "monthly": D(13200)}
    assert statement.outstanding == D(543200)
    assert reconciles(statement)


def test_partial_payment_of_charges_with_different_fees_is_unknown(catalog: tariffcore.Catalog) -> None:
    bill = LedgerBill("old", date(2005, 3, 31), D(190000), {"water": D(40000), "sewer": D(150000)})
    with pytest.raises(tariffcore.UnknownValueError, match="split between its charges"):
        account_statement(
            catalog.ruleset("kr/seoul"),
            [bill],
            [Payment(date(2005, 4, 10), D(100000))],
            as_of=date(2005, 6, 15),
            allocation="principal_first",
        )


def test_full_payment_of_charges_with_different_fees(catalog: tariffcore.Catalog) -> None:
    # Principal paid in full on 2005-04-10: the one-off fees stay (water 1,200, sewer 7,500);
    # no heavy surcharge, as nothing is unpaid when month 1 ends (04-30).
    bill = LedgerBill("old", date(2005, 3, 31), D(190000), {"water": D(40000), "sewer": D(150000)})
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [bill],
        [Payment(date(2005, 4, 10), D(190000))],
        as_of=date(2005, 6, 15),
        allocation="principal_first",
    )
    amounts = {line.surcharge.rule: line.surcharge.amount for line in statement.bills[0].surcharges}
    assert amounts == {"water_late_fee": D(1200), "sewer_late_fee": D(7500)}
    assert statement.outstanding == D(8700)


def test_bills_are_checked() -> None:
    with pytest.raises(tariffcore.InputError, match="add up"):
        LedgerBill("x", date(2025, 1, 31), D(100), {"water": D(60), "sewer": D(30)})
    with pytest.raises(tariffcore.InputError, match="negative"):
        LedgerBill("x", date(2025, 1, 31), D(-1))
    with pytest.raises(tariffcore.InputError, match="positive"):
        Payment(date(2025, 1, 31), D(0))


WON = "KRW holds a fraction of the currency's minor unit (1 KRW): KRW amounts have no decimal places"


def test_an_amount_with_a_fraction_of_a_won_is_refused(catalog: tariffcore.Catalog) -> None:
    with pytest.raises(tariffcore.InputError) as caught:
        tariffcore.compute_arrears(
            catalog, "kr/seoul", principal=D("52000.5"), due=date(2025, 1, 31), as_of=date(2025, 3, 10)
        )
    assert caught.value.message == f"the principal 52000.5 {WON}"
    with pytest.raises(tariffcore.InputError) as caught:
        account_statement(
            catalog.ruleset("kr/seoul"),
            [
                LedgerBill("jan", date(2025, 1, 31), D(52000)),
                LedgerBill("feb", date(2025, 2, 28), D("101.0"), {"water": D("100.5"), "sewer": D("0.5")}),
            ],
            [Payment(date(2025, 2, 10), D("100.50"), "p1")],
            as_of=date(2025, 3, 31),
        )
    assert caught.value.message == (
        f"bill feb: charge water 100.5 {WON}; bill feb: charge sewer 0.5 {WON}; "
        f"payment 'p1': the amount 100.50 {WON}"
    )


def test_amounts_are_written_at_the_scale_of_the_currency(catalog: tariffcore.Catalog) -> None:
    # 52,000.00 won is 52,000 won, written as the bill's amounts are: no total carries ".00"
    result = tariffcore.compute_arrears(
        catalog, "kr/seoul", principal=D("52000.00"), due=date(2025, 1, 31), as_of=date(2025, 3, 10)
    )
    assert (str(result.principal), str(result.total_due)) == ("52000", "53560")
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D("52000.0"), {"water": D("52000.000")})],
        [Payment(date(2025, 2, 10), D("52520.00"))],
        as_of=date(2025, 3, 31),
    )
    assert [str(x) for x in (statement.principal, statement.paid, statement.outstanding)] == [
        "52000",
        "52520",
        "0",
    ]
    assert str(statement.bills[0].bill.charges["water"]) == "52000"  # type: ignore[index]


def test_the_scale_is_the_currencys() -> None:
    assert at_currency_scale([("fee", D("12.5")), ("tax", D("3"))], "USD") == [D("12.50"), D("3.00")]
    with pytest.raises(tariffcore.InputError) as caught:
        at_currency_scale([("fee", D("12.345"))], "USD")
    assert caught.value.message == (
        "fee 12.345 USD holds a fraction of the currency's minor unit (0.01 USD): USD amounts have "
        "2 decimal places"
    )


def test_statement_as_plain_data(catalog: tariffcore.Catalog) -> None:
    statement = account_statement(
        catalog.ruleset("kr/seoul"),
        [LedgerBill("jan", date(2025, 1, 31), D(52000))],
        [Payment(date(2025, 2, 10), D(30000))],
        as_of=date(2025, 3, 31),
        account="A-1",
        allocation="surcharges_first",
    )
    data = tariffcore.statement_to_dict(statement)
    assert data["account"] == "A-1"
    # As in test_partial_payment_surcharges_first: 22,520 + 970 − 520; 970 − 520 of the fee.
    assert data["outstanding"] == "22970"
    assert data["bills"][0]["surcharges"][0]["outstanding"] == "450"
    assert data["bills"][0]["payments"] == [
        {"payment": "paid 2025-02-10", "date": "2025-02-10", "amount": "520", "to": "late_fee"},
        {"payment": "paid 2025-02-10", "date": "2025-02-10", "amount": "29480", "to": "principal"},
    ]


def test_ledger_bill_from_a_computed_bill(catalog: tariffcore.Catalog) -> None:
    # A Changwon household bill of 35 m³ in 2023-03, under the table of the 2014-01 to 2023-10
    # bills (digest §6; water only, sewer before 2023-11 not given):
    # 20 × 650 + 10 × 810 + 5 × 1,030 = 26,250.
    bill = catalog.bill(
        "kr/changwon",
        tariffcore.Account(id="A", use_class="household", meter_mm=15),
        tariffcore.Reading(usage_m3=D(35), billing_month=date(2023, 3, 1)),
    )
    ledger_bill = LedgerBill.from_bill(bill, date(2023, 3, 31))
    assert ledger_bill.principal == D(26250)
    assert dict(ledger_bill.charges or {}) == {"water": D(26250)}
    # Under the local-tax regime of 2019–2023 (whole principal), 5 days late: 26,250 × 3 % = 787.5
    # once, whole won 787 (digest §10); 26,250 + 787 = 27,037.
    statement = account_statement(catalog.ruleset("kr/local-tax"), [ledger_bill], as_of=date(2023, 4, 5))
    assert statement.bills[0].version == "2019"
    assert statement.outstanding == D(27037)


def test_the_statement_date_is_a_required_keyword(catalog: tariffcore.Catalog) -> None:
    seoul = catalog.ruleset("kr/seoul")
    bills = [LedgerBill("jan", date(2025, 1, 31), D(52000))]
    with pytest.raises(TypeError):
        account_statement(seoul, bills, [], date(2025, 3, 31))  # type: ignore[misc]
    with pytest.raises(tariffcore.InputError, match="as-of date"):
        account_statement(seoul, bills, as_of=None)  # type: ignore[arg-type]
    # 10 days late: 52,000 × 3 % × 10/30 = 520.
    assert account_statement(seoul, bills, as_of=date(2025, 2, 10)).outstanding == D(52520)
