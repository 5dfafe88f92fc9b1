"""Whatever a rule author breaks in a ruleset file, validation answers with located problems,
never with a traceback."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tariffcore.engine import load_version_file
from tariffcore.errors import RulesetError
from tests.helpers import RULESETS


def _whole_tariff_files() -> list[Any]:
    """Every shipped tariff version file that states its whole version (extends nothing): the
    files one can check alone, as a rule author writes the first version of a ruleset."""
    found = []
    for path in sorted(RULESETS.rglob("*.yaml")):
        if "tests" in path.relative_to(RULESETS).parts:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "charges" in data and "extends" not in data:
            found.append(data)
    return found


SAMPLES = _whole_tariff_files()

Path = tuple[Any, ...]


def _paths(node: Any, here: Path = ()) -> list[Path]:
    found = [here] if here else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*here, index))
    return found


junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 5000),
        st.text(max_size=8),
        st.sampled_from(["unknown", "household", "graduated", "2025-13", "1e3", "-1"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["upto", "rate", "tiers", "type", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


@given(
    sample=st.sampled_from(SAMPLES),
    data=st.data(),
    action=st.sampled_from(["replace", "delete", "rename"]),
    value=junk,
)
def test_a_mutated_ruleset_gets_located_problems(
    sample: Any, data: st.DataObject, action: str, value: Any
) -> None:
    document = copy.deepcopy(sample)
    path = data.draw(st.sampled_from(_paths(document)))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"{last}x"] = parent.pop(last)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    lines = text.count("\n") + 1
    try:
        load_version_file(text, "mutated.yaml")
    except RulesetError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == "mutated.yaml"
            assert 1 <= problem.line <= lines and problem.column >= 1
            assert problem.message and "Traceback" not in problem.message


def test_the_samples_are_whole_tariff_files_of_several_cities() -> None:
    cities = {sample["ruleset"] for sample in SAMPLES}
    assert len(cities) >= 3 and all(sample.get("use_classes") for sample in SAMPLES)
