"""Exact numbers and named rounding rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariffcore import D, Rounding
from tariffcore.money import format_amount


def test_D_reads_text_exactly() -> None:
    assert D("12.30") == Decimal("12.30")
    assert str(D(" 1_000 ")) == "1000"
    assert D(7) == Decimal(7)


@pytest.mark.parametrize("bad", [0.1, True, None, "1,120", "abc", "NaN", "Infinity"])
def test_D_refuses_what_is_not_an_exact_number(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        D(bad)


@pytest.mark.parametrize(
    ("unit", "method", "value", "expected"),
    [
        ("10", "truncate", "13639", "13630"),  # 10원 미만 절사
        ("10", "truncate", "-13639", "-13630"),  # toward zero for a reduction line
        ("0.1", "half_up", "83.47", "83.5"),  # Ulsan levy 170 × 0.491
        ("0.1", "half_up", "149.94", "149.9"),  # Busan levy 170 × 0.882
        ("0.1", "truncate", "149.28", "149.2"),  # Daegu levy 160 × 0.933
        ("1", "half_even", "2.5", "2"),
        ("1", "up", "2.1", "3"),
        ("10", "floor", "-15", "-20"),
        ("10", "ceiling", "11", "20"),
    ],
)
def test_rounding_rules(unit: str, method: str, value: str, expected: str) -> None:
    assert Rounding(D(unit), method).apply(D(value)) == D(expected)


def test_rounding_keeps_plain_notation() -> None:
    assert format_amount(Rounding(D(10), "truncate").apply(D("1234"))) == "1230"
    assert format_amount(Rounding(D("0.1"), "half_up").apply(D("83.47"))) == "83.5"


def test_unknown_rounding_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rounding method"):
        Rounding(D(10), "bankers")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3), st.sampled_from(["1", "10", "0.1"]))
def test_truncation_never_moves_away_from_zero_and_lands_on_the_unit(value: Decimal, unit: str) -> None:
    rounded = Rounding(D(unit), "truncate").apply(value)
    assert abs(rounded) <= abs(value)
    assert abs(value - rounded) < D(unit)
    assert (rounded / D(unit)) == (rounded / D(unit)).to_integral_value()


@given(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
)
def test_an_exact_difference_is_exact_whatever_the_digits(a: Decimal, b: Decimal) -> None:
    import decimal

    from tariffcore.money import exact_difference

    wide = decimal.Context(prec=5000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    expected = wide.subtract(a, b)
    found = exact_difference(a, b)
    assert found == expected and str(found) == str(expected)
    assert exact_difference(b, a) == expected.copy_negate()  # the context kept for these digits, again


def test_an_exact_difference_of_too_many_digits_is_refused() -> None:
    from tariffcore.money import exact_difference

    assert exact_difference(Decimal("1E+20"), Decimal("0.5")) == Decimal("99999999999999999999.5")
    with pytest.raises(ValueError, match="more than 10 digits"):
        exact_difference(Decimal("1E+20"), Decimal("0.5"), most_digits=10)
    with pytest.raises(ValueError, match="not a finite number"):
        exact_difference(Decimal("NaN"), Decimal(1))
