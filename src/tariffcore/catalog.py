"""The catalog: every installed ruleset, loaded and compiled once, and version selection.

:func:`load_catalog` asks the plug-ins for ruleset directories, reads every version file,
validates and compiles it, and groups versions by ruleset id. A malformed file does not stop
the others from loading: its problems (each at ``file:line:col``) are kept, and asking for that
ruleset raises them as a :class:`~tariffcore.RulesetError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from .arrears import ArrearsVersion, clashes as arrears_clashes, is_arrears_file, load_arrears_version, select_arrears
from .bill import Account, Bill, Reading
from .calendar import anchor_date, complete_dates
from .engine import CompiledVersion, PeriodPart, compile_version, pydantic_problems
from .errors import (
    BillingError,
    InputError,
    NoVersionError,
    PluginError,
    Problem,
    RulesetError,
    UnknownRulesetError,
)
from .loaders import Loaded, RulesetLoader, VersionDocument
from .model import RulesetVersion
from .periods import DayShare, Segment, segments
from .plugins import Plugins, load_plugins
from .validation import did_you_mean, lenient_version, real_path
from .versions import Resolved, resolve_extends
from .yamlio import load_yaml

__all__ = ["Catalog", "Ruleset", "compile_resolved", "load_catalog", "load_version_file", "yaml_files"]

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Ruleset:
    """All versions of one ruleset id, in order of taking effect.

    ``versions`` are the tariff versions (what bills are computed with); ``arrears_versions``
    hold late-payment rules, dated by due date or billing month (see :mod:`tariffcore.arrears`).
    A ruleset may have either kind only.
    """

    id: str
    versions: tuple[CompiledVersion, ...]
    golden_files: tuple[str, ...] = ()
    arrears_versions: tuple[ArrearsVersion, ...] = ()
    # Derived from the versions once, in __post_init__: what selecting a version needs.
    _ranges: tuple[tuple[date, date | None], ...] = field(init=False, repr=False, compare=False)
    _uniform: bool = field(init=False, repr=False, compare=False)
    _bases: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _splits: bool = field(init=False, repr=False, compare=False)
    _reduction_basis: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ranges = []
        for index, version in enumerate(self.versions):
            effective = version.spec.effective
            end = effective.until
            if index + 1 < len(self.versions):
                following = self.versions[index + 1].spec.effective.from_ - _DAY
                end = following if end is None or end > following else end
            ranges.append((effective.from_, end))
        object.__setattr__(self, "_ranges", tuple(ranges))
        bases = {v.basis for v in self.versions} | {c.basis for v in self.versions for c in v.charges}
        # One kind of date everywhere: a charge's version is the bill's version.
        object.__setattr__(self, "_uniform", len(bases) == 1)
        object.__setattr__(self, "_bases", tuple(sorted(bases)))
        object.__setattr__(self, "_splits", any(
            v.spec.effective.policy == "split_by_days" for v in self.versions))
        # The kind of date each reduction id is granted by (its latest declaration wins).
        object.__setattr__(self, "_reduction_basis", {
            reduction.id: reduction.basis for version in self.versions
            for reduction in version.reductions})

    @property
    def title(self) -> str:
        if self.versions:
            return self.versions[-1].spec.title
        return self.arrears_versions[-1].spec.title

    def arrears_version(self, label: str) -> ArrearsVersion:
        """The arrears version labelled ``label``."""
        for version in self.arrears_versions:
            if version.version == label:
                return version
        known = ", ".join(v.version for v in self.arrears_versions) or "none"
        raise UnknownRulesetError(f"{self.id} has no late-payment rules version {label!r} (versions: {known})")

    def select_arrears(self, due: date, billing_month: date | None = None) -> ArrearsVersion:
        """The late-payment rules in force for a bill due on ``due``."""
        return select_arrears(self.id, self.arrears_versions, due, billing_month)

    def in_force(self, version: CompiledVersion) -> tuple[date, date | None]:
        """First and last day (``None``: open) that ``version`` selects bills for."""
        return self._ranges[self.versions.index(version)]

    def version(self, label: str) -> CompiledVersion:
        """The version labelled ``label`` (``2025`` in ``kr/example@2025``)."""
        for version in self.versions:
            if version.version == label:
                return version
        known = ", ".join(v.version for v in self.versions)
        raise UnknownRulesetError(f"{self.id} has no version {label!r} (versions: {known})")

    def select(self, reading: Reading, basis: str | None = None,
               what: str | None = None) -> CompiledVersion:
        """The version in force for ``reading``.

        Each version is judged by its own kind of date, or by ``basis`` when given (the kind
        of date a particular charge is selected by); ``what`` names that charge in errors.
        A billing month or due date the reading lacks is derived by each version's date rules
        (``dates:``) where it states them.
        """
        if not self.versions:
            raise NoVersionError(f"{self.id} holds late-payment rules only: it has no tariff to "
                                 "bill with", code="no_tariff")
        chosen = None
        ranges = self._ranges
        for version, (start, end) in zip(self.versions, ranges):
            anchor = anchor_date(basis or version.spec.effective.basis, reading, self.id,
                                 version.spec.dates, what)
            if start <= anchor and (end is None or anchor <= end):
                chosen = version
        if chosen is None:
            spans = "; ".join(
                f"{v.version}: {s}..{e if e is not None else ''} by {v.spec.effective.basis.replace('_', ' ')}"
                for v, (s, e) in zip(self.versions, ranges)
            )
            kind = basis or self.versions[0].spec.effective.basis
            anchor = anchor_date(kind, reading, self.id, self.versions[0].spec.dates, what)
            raise NoVersionError(f"no version of {self.id} is known to be in force on {anchor} "
                                 f"by {kind.replace('_', ' ')} ({spans})")
        return chosen

    def bill(self, account: Account, reading: Reading) -> Bill:
        """Bill ``account`` for ``reading`` under the version in force.

        A charge that declares its own kind of effective date (``basis:``) is billed under
        the version in force by that date, which may differ from the bill's version; its line
        names the version used. When the version in force on the last day of usage declares
        ``policy: split_by_days`` and the period straddles versions, every charge selected by
        usage date is billed in parts, each under the version of its days (see
        :mod:`tariffcore.periods`).
        """
        version = self.select(reading) if self._uniform else self._latest(reading)
        reading = complete_dates(reading, version.spec.dates)
        runs = self.usage_segments(reading)
        others: dict[str, CompiledVersion] = {}
        parts: dict[str, tuple[PeriodPart, ...]] = {}
        uniform = self._uniform
        for charge in version.charges:
            if charge.basis == "usage" and runs is not None:
                split = self.charge_parts(charge.id, runs, reading)
                if len(split) > 1:
                    parts[charge.id] = split
                    continue
                chosen = split[0].version
            elif uniform and charge.basis == version.basis:
                continue
            else:
                chosen = self.select(reading, charge.basis, f"{version.label} {charge.id}")
            if chosen is not version:
                others[charge.id] = chosen
        granted: dict[str, CompiledVersion] = {}
        for rid in account.reductions:
            basis = self._reduction_basis.get(rid)
            if basis is not None and basis != version.basis:
                chosen = self.select(reading, basis, f"{version.label} reduction {rid}")
                if chosen is not version:
                    granted[rid] = chosen
        return version.bill(account, reading, others, parts, granted)

    def _latest(self, reading: Reading) -> CompiledVersion:
        """The bill's version when charges are selected by different kinds of date: the latest
        of the versions in force by each kind (a kind the reading cannot date is skipped here;
        the charges that need it fail with that error)."""
        chosen: list[CompiledVersion] = []
        failure: BillingError | None = None
        for basis in self._bases:
            try:
                chosen.append(self.select(reading, basis))
            except BillingError as exc:
                failure = failure or exc
        if failure is not None and not chosen:
            raise failure
        if not chosen:  # no tariff versions at all: select says so
            return self.select(reading)
        return max(chosen, key=self.versions.index)

    def usage_segments(self, reading: Reading) -> list[Segment[CompiledVersion]] | None:
        """The versions in force on each day of usage, when the period is to be split by days.

        ``None`` unless the version in force on the period's last day of usage declares
        ``policy: split_by_days``; that version's policy governs every change inside the period.
        """
        if not self._splits or reading.period_end is None:
            return None
        governing = self.select(reading, "usage")
        if governing.spec.effective.policy != "split_by_days":
            return None
        if reading.period_start is None:
            raise InputError(f"{governing.label} splits periods by days when a version changes "
                             "within them: period_start is required")
        ranges = [(v, s, e) for v, (s, e) in zip(self.versions, self._ranges)]
        found, gaps = segments(ranges, reading.period_start, reading.period_end)
        if gaps:
            days = ", ".join(f"{a}..{b}" for a, b in gaps)
            raise NoVersionError(f"no version of {self.id} is known to be in force for usage on "
                                 f"{days}, part of the period {reading.period_start}.."
                                 f"{reading.period_end} that {governing.label} splits by days")
        return found

    def charge_parts(self, charge_id: str, runs: Sequence[Segment[CompiledVersion]],
                     reading: Reading) -> tuple[PeriodPart, ...]:
        """The parts of the period ``charge_id`` is billed in: consecutive days whose versions
        bill the charge identically are one part, under the later version."""
        merged: list[Segment[CompiledVersion]] = []
        for run in runs:
            if merged and _same_charge(merged[-1].item, run.item, charge_id):
                merged[-1] = Segment(run.item, merged[-1].start, run.end)
            else:
                merged.append(run)
        total = sum(run.days for run in merged)
        rules = runs[-1].item.spec.effective.apportion  # the governing version's
        assert rules is not None, "a version that splits by days declares apportion"
        m3, fixed = rules.m3.to_rounding(), rules.fixed.to_rounding()
        result = []
        before = 0
        for run in merged:
            share = DayShare(before, run.days, total, m3, fixed)
            result.append(PeriodPart(run.item, run.start, run.end, share))
            before += run.days
        return tuple(result)


def _same_charge(first: CompiledVersion, second: CompiledVersion, charge_id: str) -> bool:
    """Whether two versions bill ``charge_id`` identically (same entry, rounding, classes)."""
    if first is second:
        return True
    a, b = first.spec, second.spec
    return (charge_id in a.charges and a.charges.get(charge_id) == b.charges.get(charge_id)
            and a.rounding == b.rounding and a.use_classes == b.use_classes)


@dataclass
class Catalog:
    """Installed rulesets by id. Build it with :func:`load_catalog`."""

    rulesets: dict[str, Ruleset]
    plugins: Plugins
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # ruleset id ('' unknown)
    #: What loaders of other formats noted about files that still load, by ruleset id.
    notes: dict[str, list[Problem]] = field(default_factory=dict)
    #: A version file's path → that path relative to the directory it was found in.
    files: dict[str, str] = field(default_factory=dict)

    def ids(self) -> list[str]:
        """Ruleset ids, sorted; broken ones included."""
        return sorted(set(self.rulesets) | {key for key in self.problems if key})

    def __iter__(self) -> Iterator[Ruleset]:
        return iter(self.rulesets[key] for key in sorted(self.rulesets))

    def ruleset(self, ruleset_id: str) -> Ruleset:
        """The ruleset ``ruleset_id``; raises its file problems if it failed to load."""
        if ruleset_id in self.problems:
            raise RulesetError(self.problems[ruleset_id])
        found = self.rulesets.get(ruleset_id)
        if found is None:
            hint = did_you_mean(ruleset_id, self.ids())
            known = ", ".join(self.ids()) or "none"
            raise UnknownRulesetError(f"no ruleset {ruleset_id!r} is installed{hint}; installed: {known}")
        return found

    def resolve(self, reference: str) -> tuple[Ruleset, CompiledVersion | None]:
        """``kr/example`` → (ruleset, None); ``kr/example@2025`` → (ruleset, that version)."""
        ruleset_id, _, label = reference.partition("@")
        ruleset = self.ruleset(ruleset_id)
        return ruleset, (ruleset.version(label) if label else None)

    def resolve_arrears(self, reference: str) -> tuple[Ruleset, ArrearsVersion | None]:
        """``kr/example`` → (ruleset, None); ``kr/example@arrears-2008`` → (ruleset, that
        late-payment rules version)."""
        ruleset_id, _, label = reference.partition("@")
        ruleset = self.ruleset(ruleset_id)
        return ruleset, (ruleset.arrears_version(label) if label else None)

    def bill(self, ruleset: str, account: Account, reading: Reading) -> Bill:
        """Bill ``account`` for ``reading`` under ``ruleset`` (``id`` or ``id@version``)."""
        found, pinned = self.resolve(ruleset)
        return pinned.bill(account, reading) if pinned is not None else found.bill(account, reading)


def load_catalog(
    paths: Iterable[str | Path] = (),
    *,
    entry_points: bool = True,
    plugins: Iterable[object] = (),
    plugin_rulesets: bool = True,
) -> Catalog:
    """Load every ruleset the plug-ins deliver, plus any in ``paths`` (files or directories).

    ``entry_points=False`` ignores installed plug-ins (built-in charge types only, plus
    ``plugins``); ``plugin_rulesets=False`` keeps the plug-ins' charge types but loads only
    ``paths`` (how ``tariffcore validate`` checks files on their own).
    """
    found = load_plugins(entry_points=entry_points, extra=plugins)
    type_owner = dict(found.charge_type_owners)
    by_id: dict[str, list[CompiledVersion]] = {}
    golden: dict[str, list[str]] = {}
    arrears: dict[str, list[ArrearsVersion]] = {}
    problems: dict[str, list[Problem]] = {}
    files: list[Resolved] = []
    roots: list[Any] = [p for _, p in found.ruleset_paths] if plugin_rulesets else []
    roots += [Path(p) for p in paths]
    notes: dict[str, list[Problem]] = {}
    relative: dict[str, str] = {}
    for root in roots:
        for entry, is_golden in yaml_files(root, extra=tuple(found.loaders)):
            name = str(entry)
            relative[name] = _relative(root, entry)
            suffix = _suffix(entry.name, found.loaders)
            if suffix:
                loaded = _load_with(found.loaders[suffix], entry, name,
                                    type_owner.get(f"loader:{suffix}", "?"))
                if loaded.problems:
                    problems.setdefault(loaded.ruleset, []).extend(loaded.problems)
                if loaded.notes:
                    notes.setdefault(loaded.ruleset, []).extend(loaded.notes)
                files.extend(_resolved(name, document) for document in loaded.versions)
                continue
            if is_golden:
                golden.setdefault(_claimed_id(entry), []).append(name)
                continue
            try:
                text = entry.read_text(encoding="utf-8")
                if is_arrears_file(text):
                    late = load_arrears_version(text, name)
                    arrears.setdefault(late.ruleset, []).append(late)
                    continue
                located = load_yaml(text, name, keep_going=True)
            except RulesetError as exc:
                problems.setdefault(_claimed_id(entry), []).extend(exc.problems)
                continue
            if located.problems:  # duplicate keys: reported, and the file is checked further
                problems.setdefault(_claimed_id(entry), []).extend(located.problems)
            if not isinstance(located.data, dict):
                problems.setdefault("", []).append(
                    Problem(name, 1, 1, "a ruleset file must be a mapping of fields"))
                continue
            files.append(Resolved.of(located))
    resolved, chain_problems = resolve_extends(files)
    for ruleset_id, problem in chain_problems:
        problems.setdefault(ruleset_id, []).append(problem)
    for version in resolved:
        try:
            compiled = compile_resolved(version, found, type_owner)
        except RulesetError as exc:
            found_problems = problems.setdefault(version.ruleset, [])
            found_problems.extend(p for p in exc.problems if p not in found_problems)
            continue
        by_id.setdefault(compiled.ruleset, []).append(compiled)
    rulesets: dict[str, Ruleset] = {}
    for ruleset_id in sorted(set(by_id) | set(arrears)):
        versions = by_id.get(ruleset_id, [])
        versions.sort(key=lambda v: (v.spec.effective.from_, v.version))
        late_rules = sorted(arrears.get(ruleset_id, []), key=_arrears_order)
        clash = _clashes(versions) + arrears_clashes(late_rules)
        clash += _label_clashes(versions, late_rules)
        if clash:
            problems.setdefault(ruleset_id, []).extend(clash)
            continue
        rulesets[ruleset_id] = Ruleset(ruleset_id, tuple(versions),
                                       tuple(sorted(golden.get(ruleset_id, []))), tuple(late_rules))
    return Catalog(rulesets, found, problems, notes, relative)


def _suffix(name: str, loaders: Iterable[str]) -> str:
    """The suffix of ``name`` a loader reads ('' when none does)."""
    lower = name.lower()
    return next((suffix for suffix in loaders if lower.endswith(suffix)), "")


def _load_with(loader: RulesetLoader, entry: Any, name: str, owner: str) -> Loaded:
    """Run ``loader`` (of the plug-in ``owner``) on one file, holding it to its contract."""
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        return Loaded(problems=(Problem(name, 1, 1, f"cannot be read as UTF-8 text: {exc}"),))
    try:
        loaded = loader.load(text, name)
    except Exception as exc:
        raise PluginError(owner, f"ruleset loader {loader.name!r} raised "
                          f"{type(exc).__name__} reading {name}: {exc}") from exc
    if not isinstance(loaded, Loaded):
        raise PluginError(owner, f"ruleset loader {loader.name!r} returned {loaded!r} for "
                          f"{name}, not a Loaded")
    return loaded


def _resolved(name: str, document: VersionDocument) -> Resolved:
    """A loader's version as if read from a YAML file: its data, and origins in ``name``."""
    origins = {path: (name, line, column) for path, (line, column) in document.positions.items()}
    origins.setdefault((), (name, 1, 1))
    return Resolved(name, dict(document.data), origins)


def _relative(root: Any, entry: Any) -> str:
    """``entry``'s path relative to ``root`` (its name when ``root`` is the file itself)."""
    if str(entry) == str(root):
        return str(entry.name)
    try:
        return PurePath(str(entry)).relative_to(str(root)).as_posix()
    except ValueError:
        return str(entry)


def load_version_file(
    text: str, name: str, plugins: Plugins | None = None, owners: dict[str, str] | None = None
) -> CompiledVersion:
    """Parse, validate and compile one version file; raise every problem at file:line:col.

    One run finds everything it can: duplicate keys, fields the format does not know or
    misses, and every charge's problems, even when the top level of the file is broken.
    A file that ``extends`` another version needs that version's file too: load the ruleset's
    directory with :func:`load_catalog` instead.
    """
    located = load_yaml(text, name, keep_going=True)
    if not isinstance(located.data, dict):
        raise RulesetError([Problem(name, 1, 1, "a ruleset file must be a mapping of fields")])
    version = Resolved.of(located)
    if version.extends is not None:
        raise RulesetError([*located.problems, version.problem(
            ("extends",), f"extends {version.extends!r}: load the ruleset's directory to resolve "
            "the version it extends")])
    try:
        compiled = compile_resolved(version, plugins)
    except RulesetError as exc:
        raise RulesetError(_ordered([*located.problems, *exc.problems], name)) from None
    if located.problems:
        raise RulesetError(located.problems)
    return compiled


def compile_resolved(
    version: Resolved, plugins: Plugins | None = None, owners: dict[str, str] | None = None
) -> CompiledVersion:
    """Validate and compile one resolved version; raise every problem at the file:line that
    wrote it (the version's own file, or the one it inherits the value from).

    Problems in the charges are found even when the top level is broken: the charges are then
    compiled against a stand-in built from what is usable.
    """
    plugins = plugins or load_plugins(entry_points=False)
    owners = owners if owners is not None else dict(plugins.charge_type_owners)
    found: list[tuple[tuple[str | int, ...], str]] = []
    try:
        spec = RulesetVersion.model_validate(version.data)
    except ValidationError as exc:
        found += pydantic_problems(exc, RulesetVersion, version.data)
        spec = lenient_version(version.data)
    compiled, more = compile_version(spec, version.data.get("charges") or {},
                                     plugins.charge_types, owners, version.source,
                                     plugins.reduction_types)
    found += more
    if found or compiled is None:
        raise RulesetError(_ordered(_locate(version, found), version.source))
    return replace(compiled, data=MappingProxyType(version.data))


def _locate(located: Resolved, found: Sequence[tuple[tuple[str | int, ...], str]]) -> list[Problem]:
    return [located.problem(real_path(located.data, loc), message) for loc, message in found]


def _ordered(problems: Iterable[Problem], first: str) -> list[Problem]:
    """Without repeats, the file's own problems first, each file's in line order."""
    return sorted(set(problems), key=lambda p: (p.path != first, p.path, p.line, p.column, p.message))


def yaml_files(root: Any, golden: bool = False,
               extra: tuple[str, ...] = ()) -> Iterator[tuple[Any, bool]]:
    """Every YAML file below ``root`` (or ``root`` itself), with whether it holds golden bills
    (it lies below a ``tests`` directory). Hidden files and directories are skipped.

    ``extra`` adds files whose names end (in any case) with one of these suffixes: the
    formats of ruleset loaders.
    """
    def wanted(name: str) -> bool:
        return name.endswith((".yaml", ".yml")) or (bool(extra) and name.lower().endswith(extra))

    if not root.is_dir():
        if wanted(root.name):
            yield root, golden or root.parent.name == "tests"
        return
    golden = golden or root.name == "tests"
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from yaml_files(child, golden or child.name == "tests", extra)
        elif wanted(child.name):
            yield child, golden


_TOP_LEVEL_RULESET = re.compile(r"""^ruleset:[ \t]*["']?([A-Za-z0-9/_.-]+)["']?[ \t]*(?:#.*)?$""",
                                re.MULTILINE)


def _claimed_id(entry: Any) -> str:
    """The ruleset id a file names at its top level, if it can be read at all.

    A plain top-level ``ruleset: id`` line is read directly (golden files are long, and every
    catalog load reads them all); anything else is left to the YAML parser.
    """
    import yaml

    text = entry.read_text(encoding="utf-8")
    found = _TOP_LEVEL_RULESET.search(text)
    if found is not None:
        return found.group(1)
    try:
        head = yaml.safe_load(text)
    except yaml.YAMLError:
        return ""
    value = head.get("ruleset") if isinstance(head, dict) else None
    return value if isinstance(value, str) else ""


def _arrears_order(version: ArrearsVersion) -> tuple[int, date, str]:
    start = version.spec.effective.from_
    return (1, date.min, version.version) if not isinstance(start, date) else (0, start, version.version)


def _label_clashes(versions: list[CompiledVersion], late: list[ArrearsVersion]) -> list[Problem]:
    seen = {version.version: version.path for version in versions}
    problems = []
    for version in late:
        if version.version in seen:
            problems.append(_at(version.path, ("version",), f"version {version.version!r} is also "
                                f"defined in {seen[version.version]}"))
        seen[version.version] = version.path
    return problems


def _clashes(versions: list[CompiledVersion]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for version in versions:
        if version.version in seen:
            problems.append(_at(version.path, ("version",), f"version {version.version!r} is also "
                                f"defined in {seen[version.version]}"))
        seen[version.version] = version.path
    for first, second in zip(versions, versions[1:]):
        if first.spec.effective.from_ == second.spec.effective.from_:
            problems.append(_at(second.path, ("effective", "from"), f"takes effect on "
                                f"{second.spec.effective.from_}, the same day as {first.path}"))
        until = first.spec.effective.until
        if until is not None and until >= second.spec.effective.from_:
            problems.append(_at(first.path, ("effective", "until"), f"in force until {until}, after "
                                f"{second.path} takes effect ({second.spec.effective.from_})"))
    return problems


def _at(path: str, where: tuple[str | int, ...], message: str) -> Problem:
    """A problem at the node ``where`` of the file ``path`` (read again: clashes are rare)."""
    try:
        return load_yaml(Path(path).read_text(encoding="utf-8"), path, keep_going=True).problem(where, message)
    except (OSError, RulesetError):
        return Problem(path, 1, 1, message)
