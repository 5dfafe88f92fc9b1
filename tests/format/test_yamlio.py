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
