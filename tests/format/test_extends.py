"""Version chains: ``extends`` merges, deletes with null, and keeps file:line of every value."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

import tariffcore
from tariffcore.commands import main
from tariffcore.format import load_yaml, to_yaml
from tests.helpers import FIXTURES, fixture_catalog

BASE = """\
ruleset: test/chain
version: "1"
title: chain base
jurisdiction: nowhere
currency: KRW
effective: {from: 2024-01-01, basis: billing_month}
confidence: synthetic
sources:
  - {id: a, title: source a, tag: INF}
rounding: {unit: 10, method: truncate}
use_classes:
  household: {label: household}
  general: {label: general}
charges:
  water:
    type: graduated
    label: water
    source: a
    classes:
      household: [{upto: 10, rate: 100}, {rate: 200}]
      general: 300
  levy:
    type: per_unit
    label: levy
    source: a
    rate: 10
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(directory: Path) -> tariffcore.Catalog:
    return tariffcore.load_catalog([directory], entry_points=False)


def test_a_child_states_only_what_changed(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", BASE)
    write(
        tmp_path,
        "2.yaml",
        """\
        ruleset: test/chain
        version: "2"
        extends: "1"
        effective: {from: 2025-01-01, basis: billing_month}
        sources:
          - {id: b, title: source b, tag: OFF}
        charges:
          water:
            source: b
            classes: {household: 150}
          levy: null
        """,
    )
    catalog = load(tmp_path)
    assert not catalog.problems
    version = catalog.ruleset("test/chain").version("2")
    spec = version.spec
    assert spec.extends == "1"
    assert spec.title == "chain base"  # inherited scalar
    assert [s.id for s in spec.sources] == ["a", "b"]  # sources merge by id
    assert "levy" not in spec.charges  # null deletes
    water = spec.charges["water"]
    assert water["classes"] == {"household": 150, "general": 300}  # mappings merge, scalars replace
    assert spec.effective.from_.year == 2025  # effective is the file's own
    # 12 m³ household: 12 × 150 = 1,800; general: 12 × 300 = 3,600
    account = tariffcore.Account("X", "household")
    reading = tariffcore.Reading(Decimal(12), billing_month=spec.effective.from_)
    assert catalog.bill("test/chain", account, reading).total == 1800


def test_lists_replace_whole(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", BASE)
    write(
        tmp_path,
        "2.yaml",
        """\
        ruleset: test/chain
        version: "2"
        extends: "1"
        effective: {from: 2025-01-01, basis: billing_month}
        charges:
          water:
            classes:
              household: [{upto: 20, rate: 120}, {rate: 220}]
        """,
    )
    catalog = load(tmp_path)
    tiers = catalog.ruleset("test/chain").version("2").spec.charges["water"]["classes"]["household"]
    assert tiers == [{"upto": 20, "rate": 120}, {"rate": 220}]


def test_a_problem_in_the_child_points_to_the_child(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", BASE)
    child = write(
        tmp_path,
        "2.yaml",
        """\
        ruleset: test/chain
        version: "2"
        extends: "1"
        effective: {from: 2025-01-01, basis: billing_month}
        charges:
          water:
            classes:
              household: [{upto: 10, rate: 100}, {upto: 5, rate: 150}, {rate: 200}]
        """,
    )
    catalog = load(tmp_path)
    problems = catalog.problems["test/chain"]
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.path, problem.line) == (str(child), 8)
    assert "is below the previous tier's 10" in problem.message


def test_an_inherited_problem_points_to_the_file_that_wrote_it(tmp_path: Path) -> None:
    base = write(tmp_path, "1.yaml", BASE)
    write(
        tmp_path,
        "2.yaml",
        """\
        ruleset: test/chain
        version: "2"
        extends: "1"
        effective: {from: 2025-01-01, basis: billing_month}
        use_classes:
          general: null
        """,
    )
    problems = load(tmp_path).problems["test/chain"]
    assert len(problems) == 1
    problem = problems[0]
    # the general rates of the water charge, written on line 21 of the base file
    assert (problem.path, problem.line) == (str(base), 21)
    assert "unknown use class 'general'" in problem.message
    assert "inherited by test/chain@2" in problem.message


def test_extends_an_unknown_version(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", BASE)
    child = write(
        tmp_path,
        "2.yaml",
        """\
        ruleset: test/chain
        version: "2"
        extends: "1.5"
        effective: {from: 2025-01-01, basis: billing_month}
        """,
    )
    problems = load(tmp_path).problems["test/chain"]
    assert [(p.path, p.line) for p in problems] == [(str(child), 3)]
    assert "no readable version '1.5' (versions: 1)" in problems[0].message


def test_an_extends_loop(tmp_path: Path) -> None:
    for name, parent, year in (("a", "b", 2024), ("b", "a", 2025)):
        write(
            tmp_path,
            f"{name}.yaml",
            f"""\
            ruleset: test/chain
            version: "{name}"
            extends: "{parent}"
            effective: {{from: {year}-01-01, basis: billing_month}}
            """,
        )
    problems = load(tmp_path).problems["test/chain"]
    assert any("loops: a → b → a" in p.message or "loops: b → a → b" in p.message for p in problems)


def test_a_single_file_that_extends_needs_its_directory(tmp_path: Path) -> None:
    text = (FIXTURES / "ulsan" / "2024-03.yaml").read_text(encoding="utf-8")
    with pytest.raises(tariffcore.RulesetError, match="load the ruleset's directory"):
        tariffcore.load_version_file(text, "2024-03.yaml")


def test_rulesets_show_prints_the_resolved_version(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["rulesets", "show", "test/ulsan@2024-07", "--rulesets-dir", str(FIXTURES / "ulsan")])
    out = capsys.readouterr().out
    assert status == 0
    assert "# extends 2024-03" in out
    data = load_yaml(out, "shown").data
    assert data["version"] == "2024-07"
    assert data["charges"]["water"]["classes"]["household"] == 860  # its own change
    assert data["charges"]["levy"]["rate"] == Decimal("36.4")  # from 2024-03
    assert data["charges"]["sewer"]["classes"]["household"] == 650  # from 2023-07
    assert data["rounding"] == {"unit": 10, "method": "truncate"}
    assert "base" in data["not_included"]


def test_resolved_yaml_reads_back_to_the_same_data() -> None:
    catalog = fixture_catalog("busan", "seoul", "ulsan", "split")
    for ruleset in catalog:
        for version in ruleset.versions:
            assert load_yaml(to_yaml(version.data), "again").data == dict(version.data)
