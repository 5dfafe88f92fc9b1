"""A pytest plug-in that runs golden bills: YAML files in a ruleset's ``tests`` directory.

Installed with tariffcore (entry point ``pytest11``), so a city's plug-in package tests its
rulesets with plain ``pytest``: every ``<ruleset dir>/tests/*.yaml`` file that has ``ruleset:``
and ``bills:`` (golden bills) or ``arrears:`` (golden late-payment cases) at its top level is
collected, one test per case. The rulesets are loaded from
the files on disk next to the golden files (the installed plug-ins still provide charge
types), so a test run checks what the author just edited. A failure shows expected and actual
amounts per line with the tier slices.

Turn it off with ``-p no:tariffcore`` or ``tariffcore_golden = false`` in the pytest ini.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..engine import Catalog, load_catalog
from ..errors import RulesetError
from .arrears_golden import run_arrears_case
from .golden import GoldenResult, describe_failure, run_case
from .golden_file import ArrearsCase, GoldenCase, load_golden_file

_HEAD = re.compile(r"^ruleset\s*:", re.MULTILINE)
_CASES = re.compile(r"^(bills|arrears)\s*:", re.MULTILINE)
_CATALOGS = pytest.StashKey[dict[Path, Catalog]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "tariffcore_golden", "collect tariffcore golden bill files (tests/*.yaml)", type="bool", default=True
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CATALOGS] = {}


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if file_path.suffix not in (".yaml", ".yml") or file_path.parent.name != "tests":
        return None
    if not parent.config.getini("tariffcore_golden"):
        return None
    text = file_path.read_text(encoding="utf-8")
    if not (_HEAD.search(text) and _CASES.search(text)):
        return None
    golden: GoldenFile = GoldenFile.from_parent(parent, path=file_path)
    return golden


class GoldenFile(pytest.File):
    """One golden file: one test item per bill and per late-payment case."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            cases = load_golden_file(self.path)
        except RulesetError as exc:
            raise self.CollectError("\n".join(str(problem) for problem in exc.problems)) from None
        seen: dict[str, int] = {}

        def unique(name: str) -> str:
            seen[name] = seen.get(name, 0) + 1
            return name if seen[name] == 1 else f"{name} #{seen[name]}"

        for case in cases.bills:
            yield GoldenItem.from_parent(self, name=unique(case.name), case=case)
        for late_case in cases.arrears:
            yield ArrearsItem.from_parent(self, name=unique(late_case.name), case=late_case)


class GoldenFailure(Exception):
    """A golden bill that did not come out as expected."""

    def __init__(self, result: GoldenResult) -> None:
        super().__init__(describe_failure(result))
        self.result = result


class GoldenItem(pytest.Item):
    """One golden bill, billed by the rulesets found next to its file."""

    def __init__(self, *, case: GoldenCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        result = run_case(_catalog(self.config, self.path.parent.parent), self.case)
        if not result.passed:
            raise GoldenFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GoldenFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"golden bill {self.case.id}"


class ArrearsItem(pytest.Item):
    """One golden late-payment case, computed by the rulesets found next to its file."""

    def __init__(self, *, case: ArrearsCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        failures = run_arrears_case(_catalog(self.config, self.path.parent.parent), self.case)
        if failures:
            raise GoldenArrearsFailure(
                "\n".join(
                    [f"{self.case.path}:{self.case.line}: {self.case.id}", *(f"  {f}" for f in failures)]
                )
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GoldenArrearsFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"golden late-payment case {self.case.id}"


class GoldenArrearsFailure(Exception):
    """A golden late-payment case that did not come out as expected."""


def _catalog(config: pytest.Config, root: Path) -> Catalog:
    """The rulesets below ``root`` (a ruleset directory), loaded once per test run."""
    cache = config.stash[_CATALOGS]
    if root not in cache:
        cache[root] = load_catalog([root], plugin_rulesets=False)
    return cache[root]
