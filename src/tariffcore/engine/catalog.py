"""The catalog: every installed ruleset, loaded and compiled once.

:func:`load_catalog` asks the plug-ins for ruleset directories and reads every version file,
tariffs and late-payment rules alike: it resolves ``extends`` chains, compiles each version by
what it holds, groups versions by ruleset id and checks that each kind's versions can share a
timeline. A malformed file does not stop the others from loading: its problems (each at
``file:line:col``) are kept, and asking for that ruleset raises them as a
:class:`~tariffcore.RulesetError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import localcontext
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..arrears import compile_arrears, holds_arrears
from ..bill import Account, Bill, Reading
from ..errors import (
    PluginError,
    Problem,
    RulesetError,
    TariffcoreError,
    UnknownRulesetError,
)
from ..format import (
    MAX_FILE_BYTES,
    Loaded,
    Resolved,
    RulesetLoader,
    RulesetVersion,
    VersionDocument,
    clashes,
    did_you_mean,
    lenient_version,
    load_single,
    load_yaml,
    ordered_problems,
    pydantic_problems,
    read_rule_text,
    real_path,
    resolve_extends,
    timeline_order,
)
from ..money import MONEY_CONTEXT
from ..plugins import Plugins, failure, load_plugins
from .compile import compile_version
from .ruleset import Ruleset
from .version import CompiledVersion

if TYPE_CHECKING:
    from ..arrears import ArrearsVersion

__all__ = ["Catalog", "compile_resolved", "load_catalog", "load_version_file", "yaml_files"]


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
            unread = self.problems.get("")
            also = (
                f"; {len(unread)} problem(s) in files whose ruleset id cannot be read, the first: {unread[0]}"
                if unread
                else ""
            )
            raise UnknownRulesetError(
                f"no ruleset {ruleset_id!r} is installed{hint}; installed: {known}{also}"
            )
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

    def bill(
        self, ruleset: str, account: Account, reading: Reading, charges: Iterable[str] | None = None
    ) -> Bill:
        """Bill ``account`` for ``reading`` under ``ruleset`` (``id`` or ``id@version``); only
        the ``charges`` given, when given (see :meth:`tariffcore.Ruleset.bill`)."""
        found, pinned = self.resolve(ruleset)
        if pinned is not None:
            return pinned.bill(account, reading, charges)
        return found.bill(account, reading, charges)


def load_catalog(
    paths: Iterable[str | Path] = (),
    *,
    entry_points: bool = True,
    plugins: Iterable[object] = (),
    plugin_rulesets: bool = True,
    only: Iterable[str] | None = None,
) -> Catalog:
    """Load every ruleset the plug-ins deliver, plus any in ``paths`` (files or directories).

    A path in ``paths`` that does not exist is an error (:class:`~tariffcore.TariffcoreError`).
    ``entry_points=False`` ignores installed plug-ins (built-in charge types only, plus
    ``plugins``); ``plugin_rulesets=False`` keeps the plug-ins' charge types but loads only
    ``paths`` (how ``tariffcore validate`` checks files on their own). ``only`` (ruleset ids)
    reads only the YAML files of those rulesets (and every file of other formats, which say
    whose they are once read) and compiles only their versions: how a command that bills with
    one ruleset starts quickly.
    """
    with localcontext(MONEY_CONTEXT):  # compiling computes nothing in the caller's context
        return _load(
            paths, entry_points=entry_points, plugins=plugins, plugin_rulesets=plugin_rulesets, only=only
        )


def _load(
    paths: Iterable[str | Path],
    *,
    entry_points: bool,
    plugins: Iterable[object],
    plugin_rulesets: bool,
    only: Iterable[str] | None,
) -> Catalog:
    wanted = frozenset(only) if only is not None else None
    found = load_plugins(entry_points=entry_points, extra=plugins)
    type_owner = dict(found.charge_type_owners)
    by_id: dict[str, list[CompiledVersion]] = {}
    golden: dict[str, list[str]] = {}
    arrears: dict[str, list[ArrearsVersion]] = {}
    problems: dict[str, list[Problem]] = {}
    files: list[Resolved] = []
    roots: list[Any] = [p for _, p in found.ruleset_paths] if plugin_rulesets else []
    for given in paths:
        if not Path(given).exists():
            raise TariffcoreError(f"no such rulesets directory or file: {given}")
        roots.append(Path(given))
    notes: dict[str, list[Problem]] = {}
    relative: dict[str, str] = {}
    entries = [
        (root, *found_file) for root in roots for found_file in yaml_files(root, extra=tuple(found.loaders))
    ]
    claims: dict[Any, str] = {}
    if wanted is not None:  # the YAML files of the rulesets wanted, and every file of other formats
        claims = {
            entry: _claimed_id(entry) for _, entry, _ in entries if not _suffix(entry.name, found.loaders)
        }
        wanted = wanted | {""}  # a file that names no ruleset is read, to report it
    for root, entry, is_golden in entries:
        name = str(entry)
        suffix = _suffix(entry.name, found.loaders)
        # (a file of another format says which ruleset it holds only once loaded: a version of
        # a wanted ruleset may be among them, so they are all read)
        if wanted is not None and not suffix and claims[entry] not in wanted:
            continue
        relative[name] = _relative(root, entry)
        if suffix:
            loaded = _load_with(found.loaders[suffix], entry, name, type_owner.get(f"loader:{suffix}", "?"))
            if loaded.problems:
                problems.setdefault(loaded.ruleset, []).extend(loaded.problems)
            if loaded.notes:
                notes.setdefault(loaded.ruleset, []).extend(loaded.notes)
            kept = (_resolved(name, document) for document in loaded.versions)
            files.extend(item for item in kept if wanted is None or item.ruleset in wanted)
            continue
        if is_golden:
            golden.setdefault(_claimed_id(entry), []).append(name)
            continue
        try:
            located = load_yaml(read_rule_text(entry, name), name, keep_going=True)
        except RulesetError as exc:
            problems.setdefault(_claimed_id(entry), []).extend(exc.problems)
            continue
        if located.problems:  # duplicate keys: reported, and the file is checked further
            problems.setdefault(_claimed_id(entry), []).extend(located.problems)
        if not isinstance(located.data, dict):
            problems.setdefault("", []).append(
                Problem(name, 1, 1, "a ruleset file must be a mapping of fields")
            )
            continue
        files.append(Resolved.of(located))
    resolved, chain_problems = resolve_extends(files)
    for ruleset_id, problem in chain_problems:
        problems.setdefault(ruleset_id, []).append(problem)
    for version in resolved:
        try:
            if holds_arrears(version):
                late = compile_arrears(version)
                arrears.setdefault(late.ruleset, []).append(late)
            else:
                compiled = compile_resolved(version, found, type_owner)
                by_id.setdefault(compiled.ruleset, []).append(compiled)
        except RulesetError as exc:
            found_problems = problems.setdefault(version.ruleset, [])
            found_problems.extend(p for p in exc.problems if p not in found_problems)
    rulesets: dict[str, Ruleset] = {}
    for ruleset_id in sorted(set(by_id) | set(arrears)):
        versions = by_id.get(ruleset_id, [])
        versions.sort(key=timeline_order)
        late_rules = sorted(arrears.get(ruleset_id, []), key=timeline_order)
        clash = clashes(versions, late_rules)
        if clash:
            problems.setdefault(ruleset_id, []).extend(clash)
            continue
        rulesets[ruleset_id] = Ruleset(
            ruleset_id, tuple(versions), tuple(sorted(golden.get(ruleset_id, []))), tuple(late_rules)
        )
    return Catalog(rulesets, found, problems, notes, relative)


def _suffix(name: str, loaders: Iterable[str]) -> str:
    """The suffix of ``name`` a loader reads ('' when none does)."""
    lower = name.lower()
    return next((suffix for suffix in loaders if lower.endswith(suffix)), "")


def _load_with(loader: RulesetLoader, entry: Any, name: str, owner: str) -> Loaded:
    """Run ``loader`` (of the plug-in ``owner``) on one file, holding it to its contract."""
    try:
        text = read_rule_text(entry, name)
    except RulesetError as exc:
        return Loaded(ruleset=_claimed_id(entry), problems=exc.problems)
    try:
        loaded = loader.load(text, name)
    except RulesetError as exc:  # the format's own reader found the file unreadable
        return Loaded(ruleset=_claimed_id(entry), problems=exc.problems)
    except (Exception, SystemExit) as exc:  # a plug-in that exits is at fault too
        raise PluginError(
            owner, f"ruleset loader {loader.name!r} reading {name} raised {failure(exc)}"
        ) from exc
    if not isinstance(loaded, Loaded):
        raise PluginError(
            owner, f"ruleset loader {loader.name!r} returned {loaded!r} for {name}, not a Loaded"
        )
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
    return load_single(text, name, lambda version: compile_resolved(version, plugins, owners))


def compile_resolved(
    version: Resolved, plugins: Plugins | None = None, owners: dict[str, str] | None = None
) -> CompiledVersion:
    """Validate and compile one resolved version; raise every problem at the file:line that
    wrote it (the version's own file, or the one it inherits the value from).

    Problems in the charges are found even when the top level is broken: the charges are then
    compiled against a stand-in built from what is usable. The charge types' hints are kept
    on the compiled version (``hints``), located the same way, for ``tariffcore lint``.
    """
    plugins = plugins or load_plugins(entry_points=False)
    owners = owners if owners is not None else dict(plugins.charge_type_owners)
    found: list[tuple[tuple[str | int, ...], str]] = []
    try:
        spec = RulesetVersion.model_validate(version.data)
    except ValidationError as exc:
        found += pydantic_problems(exc, RulesetVersion, version.data)
        spec = lenient_version(version.data)
    hints: list[tuple[tuple[str | int, ...], str, str]] = []
    compiled, more = compile_version(
        spec,
        version.data.get("charges") or {},
        plugins.charge_types,
        owners,
        version.source,
        plugins.reduction_types,
        hints=hints,
    )
    found += more
    if found or compiled is None:
        raise RulesetError(ordered_problems(_locate(version, found), version.source))
    located = tuple(
        replace(version.problem(real_path(version.data, loc), message), kind=kind)
        for loc, kind, message in hints
    )
    return replace(compiled, data=MappingProxyType(version.data), hints=located)


def _locate(located: Resolved, found: Sequence[tuple[tuple[str | int, ...], str]]) -> list[Problem]:
    return [located.problem(real_path(located.data, loc), message) for loc, message in found]


def yaml_files(root: Any, golden: bool = False, extra: tuple[str, ...] = ()) -> Iterator[tuple[Any, bool]]:
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


_TOP_LEVEL_RULESET = re.compile(
    r"""^ruleset:[ \t]*["']?([A-Za-z0-9/_.-]+)["']?[ \t]*(?:#.*)?$""", re.MULTILINE
)


def _claimed_id(entry: Any) -> str:
    """The ruleset id a file names at its top level, if it can be read at all.

    A plain top-level ``ruleset: id`` line is read directly (golden files are long, and every
    catalog load reads them all); anything else is left to the YAML parser.
    """
    try:
        with open(entry, "rb") as stream:
            text = stream.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
    found = _TOP_LEVEL_RULESET.search(text)
    if found is not None:
        return found.group(1)
    try:  # within the budgets of a rule file: a broken one has no id to claim
        head = load_yaml(text, str(entry), keep_going=True).data
    except RulesetError:
        return ""
    value = head.get("ruleset") if isinstance(head, dict) else None
    return value if isinstance(value, str) else ""
