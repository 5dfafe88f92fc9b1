"""Lint: what is valid but probably wrong, or no longer known to be right, in a ruleset.

:func:`lint_catalog` looks at every ruleset of a :class:`~tariffcore.Catalog` and reports
findings, each with a kind an author can switch off (``--ignore KIND``):

``invalid``
    the ruleset does not load at all (the problems ``tariffcore validate`` reports);
``gap`` / ``basis``
    days on which no version is in force between two versions; consecutive versions that
    switch by different kinds of date (bills near the switch may fall in both or neither);
``tiers``
    a tier whose rate is not above the previous tier's (graduated tiers usually rise);
``no-rate``
    a use class that a charge applies to but has no rate for (its bills would fail);
``unreached``
    a charge or class entry no bill can reach (``applies_to`` leaves it out), a version that
    is never in force;
``rounding``
    a charge or late-payment rule that can come to a fraction of the currency's minor unit
    (a won, a cent) with no rounding declared: its bills would be error rows
    (``undeclared_rounding``); ``tariffcore validate`` shows these as warnings too;

(the first three are the hints the charge types give while compiling a version, see
:meth:`~tariffcore.CompileContext.hint`: a plug-in's type gives its own)
``sources``
    a source without a URL, a source no charge cites;
``stale``
    a version (tariff or late-payment rules) whose sources were never recorded as checked, or
    not for longer than the threshold (``checked:`` in the version file);
``golden``
    a version, or a use class of a version, that no golden bill exercises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..arrears import ArrearsVersion
from ..engine import Catalog, CompiledVersion, Ruleset
from ..errors import INVALID, Problem, RulesetError, TariffcoreError
from ..format import Located, load_yaml, source_ids
from ..money import minor_unit
from ..rows import parse_row
from .golden_file import GoldenCase, load_golden

__all__ = ["KINDS", "lint_catalog", "rounding_findings"]

#: Every kind of finding, in the order a report lists them.
KINDS = (
    INVALID,
    "gap",
    "basis",
    "tiers",
    "no-rate",
    "unreached",
    "rounding",
    "sources",
    "stale",
    "golden",
)

_DAY = timedelta(days=1)


def lint_catalog(
    catalog: Catalog, *, today: date, stale_after: int = 365, ids: Iterable[str] | None = None
) -> list[Problem]:
    """Every finding for the rulesets of ``catalog`` (or only ``ids``), sorted by place: a
    :class:`~tariffcore.Problem` whose ``kind`` is one of :data:`KINDS`.

    ``stale_after`` is the number of days after a version's ``checked`` date when it is due
    to be checked against its sources again.
    """
    wanted = set(ids) if ids is not None else None
    findings: list[Problem] = []
    for key, problems in catalog.problems.items():
        if wanted is None or key in wanted:
            findings += problems
    for ruleset in catalog:
        if wanted is None or ruleset.id in wanted:
            findings += _Linter(ruleset, today, stale_after).run()
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, KINDS.index(f.kind)))


def rounding_findings(catalog: Catalog) -> list[Problem]:
    """The ``rounding`` findings of every ruleset of ``catalog``: charges and late-payment
    rules that can come to a fraction of the minor unit with no rounding declared."""
    findings: list[Problem] = []
    for ruleset in catalog:
        linter = _Linter(ruleset, date.min, 0)
        for version in ruleset.versions:
            findings += [hint for hint in version.hints if hint.kind == "rounding"]
        for late in ruleset.arrears_versions:
            linter._arrears_rounding(late)
        findings += linter.findings
    return findings


class _Linter:
    def __init__(self, ruleset: Ruleset, today: date, stale_after: int) -> None:
        self.ruleset = ruleset
        self.today = today
        self.stale_after = stale_after
        self.findings: list[Problem] = []
        self.files: dict[str, Located] = {}

    def run(self) -> list[Problem]:
        versions = self.ruleset.versions
        for first, second in zip(versions, versions[1:]):
            self._between(first, second)
        for version in versions:
            self._in_force(version)
            self.findings += version.hints
            self._sources(version)
            self._checked(version)
        for late in self.ruleset.arrears_versions:
            self._arrears_rounding(late)
            self._sources(late)
            self._checked(late)
        self._golden()
        return self.findings

    # ----------------------------------------------------------------- helpers

    def _located(self, version: CompiledVersion | ArrearsVersion) -> Located | None:
        if version.path not in self.files:
            try:
                text = Path(version.path).read_text(encoding="utf-8")
                self.files[version.path] = load_yaml(text, version.path, keep_going=True)
            except (OSError, RulesetError):
                return None
        return self.files[version.path]

    def _add(
        self, version: CompiledVersion | ArrearsVersion, where: tuple[str | int, ...], kind: str, message: str
    ) -> None:
        located = self._located(version)
        line, column = located.where(where) if located is not None else (1, 1)
        self.findings.append(Problem(version.path, line, column, message, kind))

    # ----------------------------------------------------------------- versions

    def _between(self, first: CompiledVersion, second: CompiledVersion) -> None:
        _, end = self.ruleset.in_force(first)
        starts = second.spec.effective.from_
        if end is not None and end + _DAY < starts:
            self._add(
                first,
                ("effective", "until"),
                "gap",
                f"no version is in force from {end + _DAY} to {starts - _DAY}: "
                f"{first.label} ends on {end}, {second.label} takes effect on {starts}; "
                "bills in between fail with no_version_in_force",
            )
        one, two = first.spec.effective.basis, second.spec.effective.basis
        if one != two:
            self._add(
                second,
                ("effective", "basis"),
                "basis",
                f"{first.label} is selected by {one.replace('_', ' ')} but {second.label} "
                f"by {two.replace('_', ' ')}: a bill near {starts} may fall in both "
                "versions or in neither",
            )

    def _in_force(self, version: CompiledVersion) -> None:
        start, end = self.ruleset.in_force(version)
        if end is not None and end < start:
            self._add(
                version,
                ("effective",),
                "unreached",
                f"{version.label} is never in force: the next version takes effect on "
                f"or before its first day ({start})",
            )

    def _arrears_rounding(self, late: ArrearsVersion) -> None:
        """A surcharge is a percentage of the principal: without a rounding to the minor unit
        it can come to a fraction of it."""
        unit = minor_unit(late.spec.currency)
        for rule in late.rules:
            if rule.rounding is None or rule.rounding.unit % unit:
                self._add(
                    late,
                    ("arrears", "rules", rule.id),
                    "rounding",
                    f"late-payment rule {rule.id!r} is a percentage of the principal and "
                    f"declares no rounding to the minor unit of {late.spec.currency}: a "
                    "surcharge that comes to a fraction of it fails ('rounding:')",
                )

    # ----------------------------------------------------------------- sources, dates

    def _sources(self, version: CompiledVersion | ArrearsVersion) -> None:
        if isinstance(version, ArrearsVersion):
            section = version.spec.arrears
            cited = {ref.id for rule in version.rules for ref in rule.sources}
            for part in (section.limitation, section.allocation):
                if part is not None:
                    cited |= set(source_ids(part.source))
        else:
            cited = {ref.id for charge in version.charges for ref in charge.sources}
            for entry in (getattr(version.spec, "reductions", None) or {}).values():
                named = entry.get("source") if isinstance(entry, dict) else None
                cited |= {named} if isinstance(named, str) else set(named or ())
        for index, source in enumerate(version.spec.sources):
            if not source.url:
                self._add(
                    version,
                    ("sources", index),
                    "sources",
                    f"source {source.id!r} has no URL: give one so the figures can be checked again",
                )
            if source.id not in cited:
                self._add(
                    version,
                    ("sources", index),
                    "sources",
                    f"source {source.id!r} is cited by no charge or rule",
                )

    def _checked(self, version: CompiledVersion | ArrearsVersion) -> None:
        checked = version.spec.checked
        if checked is None:
            self._add(
                version,
                ("version",),
                "stale",
                f"{version.label} does not say when its sources were last checked "
                "(add 'checked: YYYY-MM-DD')",
            )
        elif (self.today - checked).days > self.stale_after:
            self._add(
                version,
                ("checked",),
                "stale",
                f"{version.label} was last checked against its sources on {checked}, "
                f"{(self.today - checked).days} days ago (more than {self.stale_after})",
            )

    # ----------------------------------------------------------------- golden bills

    def _golden(self) -> None:
        covered: dict[str, set[str]] = {version.version: set() for version in self.ruleset.versions}
        for path in self.ruleset.golden_files:
            try:
                cases = load_golden(path)
            except RulesetError:
                continue  # reported by validate
            for case in cases:
                found = self._version_of(case)
                if found is not None:
                    covered[found[0]].add(found[1])
        for version in self.ruleset.versions:
            seen = covered[version.version]
            if not seen:
                self._add(version, ("version",), "golden", f"no golden bill is billed by {version.label}")
                continue
            for cls in version.spec.use_classes:
                if cls not in seen:
                    self._add(
                        version,
                        ("use_classes", cls),
                        "golden",
                        f"no golden bill of {version.label} is for use class {cls!r}",
                    )

    def _version_of(self, case: GoldenCase) -> tuple[str, str] | None:
        ruleset_id, _, pinned = case.ruleset.partition("@")
        if ruleset_id != self.ruleset.id:
            return None
        fields: Mapping[str, Any] = {
            key: "" if value is None else str(value) for key, value in case.fields.items()
        }
        try:
            account, reading = parse_row(fields)
            version = self.ruleset.version(pinned) if pinned else self.ruleset.select(reading)
        except TariffcoreError:
            return None
        return version.version, account.use_class
