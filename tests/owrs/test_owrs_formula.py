"""The OWRS formula language: what it parses, what it refuses (with where), exact values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tariffcore_owrs.block import additive_names, budget_rounded
from tariffcore_owrs.exact import ExactError, check_size, literal, r_text, to_decimal
from tariffcore_owrs.formula import (
    MAX_DEPTH,
    MAX_LENGTH,
    Bin,
    FormulaError,
    Name,
    Node,
    Num,
    evaluate,
    names,
    parse,
    show,
)

VALUES = {"a": Fraction(3), "b": Fraction(5), "usage_ccf": Fraction(15)}


def value(text: str) -> Fraction:
    return evaluate(parse(text), VALUES.__getitem__)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1+2*3", Fraction(7)),
        ("(1+2)*3", Fraction(9)),
        ("a-b-1", Fraction(-3)),  # left to right: (3 − 5) − 1
        ("a/b/2", Fraction(3, 10)),  # (3 / 5) / 2
        ("-a*2", Fraction(-6)),
        ("--a", Fraction(3)),
        ("+a", Fraction(3)),
        (".85*a", Fraction(51, 20)),  # YAML's .85 is 0.85
        ("1.014*(a+b)", Fraction("8.112")),
        ("a*(1/748)", Fraction(3, 748)),  # exact: no rounding of 1/748
        ("0.0439 * usage_ccf", Fraction("0.6585")),
        (" a\n+\tb ", Fraction(8)),  # blanks, a folded (>-) formula's line break
    ],
)
def test_formulas_evaluate_exactly(text: str, expected: Fraction) -> None:
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("round(a)", "function calls (round(…)) are not supported", 0),
        ("a+__import__('os')", "function calls", 2),
        ("a.__class__", "attribute access ('.') is not supported", 1),
        ("usage_ccf$x", "'$' (element access)", 9),
        ("a^2", "the power operator '^' is not supported", 1),
        ("a**2", "the power operator '**' is not supported", 1),
        ("1e999999999*a", "exponent notation (1e…) is not supported", 0),
        ("a%%b", "'%' operators are not supported", 1),
        ("'text'", "text in quotes is not supported", 0),
        ("a==b", "assignments and comparisons", 1),
        ("a<b", "comparisons are not supported", 1),
        ("a[1]", "indexing", 1),
        ("a;b", "several statements", 1),
        ("a b", "expected an operator or the end, found 'b'", 2),
        ("(a+b", "expected ')', found the end of the formula", 4),
        ("a+", "expected a number, a name or '(', found the end of the formula", 2),
        ("", "the formula is empty", 0),
        ("9" * 41, "has more than 40 digits", 0),
    ],
)
def test_anything_outside_the_language_is_refused_at_its_place(text: str, words: str, offset: int) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    assert words in caught.value.message
    assert caught.value.offset == offset


def test_a_ten_thousand_deep_expression_is_refused_not_a_crash() -> None:
    deep = "(" * 10_000 + "1" + ")" * 10_000
    with pytest.raises(FormulaError, match=f"at most {MAX_LENGTH} are accepted"):
        parse(deep)
    # Within the length bound, the depth bound speaks: 41 parentheses.
    with pytest.raises(FormulaError, match=f"more than {MAX_DEPTH} deep"):
        parse("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(FormulaError, match=f"more than {MAX_DEPTH} deep"):
        parse("-" * 500 + "a")
    assert value("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == 3


def test_too_many_terms_are_refused() -> None:
    with pytest.raises(FormulaError, match="more than 250 numbers, names and operators"):
        parse("+".join(["a"] * 200))


def test_values_that_outgrow_any_tariff_are_an_error_not_a_hang() -> None:
    # 40-digit numbers multiplied four times: far beyond any bill, refused at once.
    huge = "*".join(["9" * 40] * 4)
    with pytest.raises(ExactError, match="beyond 150 digits"):
        evaluate(parse(huge), VALUES.__getitem__)
    with pytest.raises(ExactError):
        check_size(Fraction(1, 10**200))


def test_division_by_zero_is_raised() -> None:
    with pytest.raises(ZeroDivisionError):
        value("a/(b-5)")


def test_names_are_listed_once_in_the_order_r_meets_them() -> None:
    assert names(parse("b*(a+b)+usage_ccf/a")) == ("b", "a", "usage_ccf")


@pytest.mark.parametrize(
    ("text", "charges"),
    [
        ("service_charge+commodity_charge", ("service_charge", "commodity_charge")),
        ("1.014*(service_charge+commodity_charge)", ("service_charge", "commodity_charge")),
        ("(service_charge+commodity_charge)*1.01", ("service_charge", "commodity_charge")),
        # usage_ccf is no field of a class: the class keeps only its fields as lines
        (
            "service_charge+commodity_charge+(0.5518*usage_ccf)",
            ("service_charge", "commodity_charge", "usage_ccf"),
        ),
        ("commodity_charge*service_charge", ()),
        ("(commodity_charge+service_charge)*utility_surcharge", ()),
        ("service_charge-credit", ("service_charge", "credit")),
    ],
)
def test_the_charges_a_bill_adds_up(text: str, charges: tuple[str, ...]) -> None:
    assert additive_names(parse(text)) == charges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("indoor+outdoor", Fraction(12)),  # round(6.5) + round(5.5) = 6 + 6 (half to even)
        ("indoor*2", Fraction(12)),  # round(6.5) × round(2) = 6 × 2
        ("indoor-outdoor", Fraction(1)),  # '-' is not cut: round(6.5 − 5.5)
        ("outdoor*(1/748)", Fraction(0)),  # round(5.5) × round(1/748) = 6 × 0
    ],
)
def test_a_budget_formula_is_rounded_piece_by_piece(text: str, expected: Fraction) -> None:
    values = {"indoor": Fraction(13, 2), "outdoor": Fraction(11, 2)}
    assert evaluate(budget_rounded(text), values.__getitem__) == expected


def test_a_budget_formula_cut_inside_parentheses_is_refused() -> None:
    with pytest.raises(FormulaError, match="rounded piece by piece"):
        budget_rounded("(indoor+outdoor)*1.1")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Fraction(1), "1"),
        (Fraction(3, 2), "1.5"),
        (Fraction(1, 3), "0.333333333333333"),
        (Fraction(-2), "-2"),
        (Fraction("2.50"), "2.5"),
    ],
)
def test_numbers_print_the_r_way(number: Fraction, text: str) -> None:
    assert r_text(number) == text


def test_a_decimal_never_sits_on_a_rounding_boundary_the_value_is_not_on() -> None:
    third = Fraction(1, 3)
    assert str(to_decimal(third)).startswith("0.33333333333333333333333333333")
    assert to_decimal(Fraction("20.525")) == literal("20.525")  # terminating: exact
    just_below_half = Fraction(20525, 1000) - Fraction(1, 10**40)  # rounds down to 20.52
    assert to_decimal(just_below_half).quantize(Decimal("0.01")) == Decimal("20.52")
    just_above_half = Fraction(20515, 1000) + Fraction(1, 10**40)  # rounds up to 20.52
    assert to_decimal(just_above_half).quantize(Decimal("0.01")) == Decimal("20.52")


# ----------------------------------------------------------------- properties

_NAMES = st.sampled_from(sorted(VALUES))


def _decimal_text(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


_NUMBERS = st.integers(min_value=0, max_value=10**6).map(lambda n: Num(Fraction(n, 100), _decimal_text(n)))


def _trees() -> st.SearchStrategy[Node]:
    leaves = st.one_of(_NAMES.map(Name), _NUMBERS)
    return st.recursive(
        leaves, lambda inner: st.builds(Bin, st.sampled_from("+-*"), inner, inner), max_leaves=12
    )


@given(_trees())
def test_a_formula_written_back_parses_to_the_same_value(tree: Node) -> None:
    assert evaluate(parse(show(tree)), VALUES.__getitem__) == evaluate(tree, VALUES.__getitem__)


@given(st.text(alphabet="ab1.+-*/() ^%$e_'\"[]", max_size=60))
def test_any_text_parses_or_is_refused_with_a_place(text: str) -> None:
    try:
        parse(text)
    except FormulaError as exc:
        assert 0 <= exc.offset <= len(text)
