"""Shared fixtures and the Hypothesis profile."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

import tariffcore
from tests.helpers import REPORT, ROOT, repository_catalog

settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if __import__("os").environ.get("CI") else "default")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the test from the checkout's root, so paths it prints are relative to it."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def catalog() -> tariffcore.Catalog:
    """The repository's rulesets, loaded straight from rulesets/ (no installed plug-in needed)."""
    return repository_catalog()


@pytest.fixture(scope="session")
def installed_catalog() -> tariffcore.Catalog:
    """The catalog as an application sees it: installed plug-ins and their rulesets."""
    return tariffcore.load_catalog()


#: Deliberately broken rulesets and golden files, read by tests; never collected themselves.
collect_ignore_glob = ["fixtures/*"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT:
        terminalreporter.section("measured")
        for line in REPORT:
            terminalreporter.write_line(line)
