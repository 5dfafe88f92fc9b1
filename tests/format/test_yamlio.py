"""The YAML reader: exact numbers, positions, duplicate keys, tabs, YAML 1.2 booleans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffcore import RulesetError
from tariffcore.format import load_yaml


def test_floats_become_decimals_from_their_text() -> None:
    doc = load_yaml("rate: 83.5\nfactor: 0.933\nwhole: 170\n", "f.yaml")
    assert doc.data == {"rate": Decimal("83.5"), "factor": Decimal("0.933"), "whole": 170}
    assert type(doc.data["rate"]) is Decimal


def test_positions_of_nested_nodes() -> None:
    doc = load_yaml("a:\n  b:\n    - {upto: 20, rate: 650}\n    - {rate: 810}\n", "f.yaml")
    assert doc.where(("a", "b", 1, "rate")) == (4, 8)
    assert doc.where(("a", "b", 0)) == (3, 7)
    assert doc.where(("a", "missing")) == (1, 1)


def test_source_tags_stay_strings() -> None:
    # YAML 1.1 would read OFF, on, yes and no as booleans.
    doc = load_yaml("tag: OFF\nother: yes\nflag: true\n", "f.yaml")
    assert doc.data == {"tag": "OFF", "other": "yes", "flag": True}


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    with pytest.raises(RulesetError) as caught:
        load_yaml("rate: 1\nlabel: x\nrate: 2\n", "f.yaml")
    assert str(caught.value) == "f.yaml:3:1: duplicate key 'rate' (first given on line 1)"


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ('rates: {13: 1100, "13": 2000}', "13"),
        ("rates: {13: 1100, 13.0: 2000}", "13"),
        ("rates: {13: 1100, 13.00: 2000}", "13"),
        ('values: {"70": 0.7, 70: 0.6}', "'70'"),
    ],
)
def test_keys_that_are_the_same_number_are_duplicates(text: str, first: str) -> None:
    # a meter size written twice, once as text or as a decimal, must not let the last win
    with pytest.raises(RulesetError) as caught:
        load_yaml(text + "\n", "f.yaml")
    assert str(caught.value).endswith(f", the same as {first} (first given on line 1)")


def test_keys_that_only_look_alike_stay_apart() -> None:
    doc = load_yaml("a: {13: x, 130: y, '1.3': z, 13a: w}\n", "f.yaml")
    assert doc.data == {"a": {13: "x", 130: "y", "1.3": "z", "13a": "w"}}


@pytest.mark.parametrize(
    ("written", "told"),
    [
        (
            "0170",
            "'0170' starts with a zero, so YAML reads it as an octal number (0170 is 120) or as text: write 170",
        ),
        (
            "0850",
            "'0850' starts with a zero, so YAML reads it as an octal number (0170 is 120) or as text: write 850",
        ),
        (
            "-012",
            "'-012' starts with a zero, so YAML reads it as an octal number (0170 is 120) or as text: write 12",
        ),
        ("0x10", "'0x10' is not a decimal number: write numbers in decimal (or quote it, if it is text)"),
        ("0b101", "'0b101' is not a decimal number: write numbers in decimal (or quote it, if it is text)"),
    ],
)
def test_numbers_in_other_bases_are_refused_where_written(written: str, told: str) -> None:
    # YAML 1.1 reads 0170 as 120 and 0x10 as 16: a rate written so would bill a figure nobody wrote
    with pytest.raises(RulesetError) as caught:
        load_yaml(f"tiers:\n  - {{upto: {written}, rate: 650}}\n", "f.yaml")
    assert str(caught.value).startswith(f"f.yaml:2:12: {told}")


def test_a_leading_zero_is_kept_when_quoted_and_a_lone_zero_is_a_number() -> None:
    doc = load_yaml("account: '0170'\nrate: 0\nshare: 0.50\n", "f.yaml")
    assert doc.data == {"account": "0170", "rate": 0, "share": Decimal("0.50")}


def test_tabs_are_reported_where_they_are() -> None:
    with pytest.raises(RulesetError) as caught:
        load_yaml("a:\n\tb: 1\n", "f.yaml")
    assert str(caught.value).startswith("f.yaml:2:1: tab character in indentation")


def test_syntax_errors_point_at_the_problem() -> None:
    with pytest.raises(RulesetError) as caught:
        load_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    problem = caught.value.problems[0]
    assert problem.path == "f.yaml" and problem.line == 2
    assert "YAML syntax" in problem.message


def test_sexagesimal_is_not_a_number() -> None:
    assert load_yaml("range: 1:20\n", "f.yaml").data == {"range": "1:20"}
