"""Finding and running plug-ins: a plugin manager built by a factory, never a global.

:func:`load_plugins` registers the built-in plug-in, every entry point of the ``tariffcore``
group and any plug-in objects the caller passes, checks that no plug-in implements a hook that
does not exist, then calls each hook once per plug-in, so that a failure names its plug-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from ..charges import ChargeType
from ..errors import PluginError
from ..format import RulesetLoader
from ..reductions import ReductionType
from . import builtin, hookspecs

__all__ = ["ENTRY_POINT_GROUP", "YAML_SUFFIXES", "Plugins", "load_plugins"]

#: The entry-point group plug-ins register under.
ENTRY_POINT_GROUP = "tariffcore"


@dataclass(frozen=True)
class Plugins:
    """What the registered plug-ins provide."""

    names: tuple[str, ...]
    charge_types: Mapping[str, ChargeType]
    charge_type_owners: Mapping[
        str, str
    ]  # charge type name ("reduction:<name>", "loader:<suffix>") → plug-in
    ruleset_paths: tuple[tuple[str, Any], ...]  # (plug-in name, directory or resource)
    reduction_types: Mapping[str, ReductionType] = field(default_factory=dict)
    loaders: Mapping[str, RulesetLoader] = field(default_factory=dict)  # suffix (".owrs") → loader


def _manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("tariffcore")
    manager.add_hookspecs(hookspecs)
    return manager


def load_plugins(*, entry_points: bool = True, extra: Iterable[object] = ()) -> Plugins:
    """Register plug-ins and collect what they provide.

    ``entry_points=False`` skips installed plug-ins (only the built-in one and ``extra``).
    ``extra`` holds plug-in objects (usually modules) to register as well.
    """
    manager = _manager()
    manager.register(builtin, name="tariffcore.plugins.builtin")
    if entry_points:
        for point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
            if manager.has_plugin(point.name):
                continue
            dist = getattr(point.dist, "name", None)
            where = f"{point.value}" + (f", from distribution {dist!r}" if dist else "")
            try:
                plugin = point.load()
            except Exception as exc:
                raise PluginError(
                    point.name, f"failed to load ({where}): {type(exc).__name__}: {exc}"
                ) from exc
            _register(manager, plugin, point.name)
    for plugin in extra:
        _register(manager, plugin, getattr(plugin, "__name__", None) or repr(plugin))
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(manager.get_name(exc.plugin) or repr(exc.plugin), str(exc)) from exc
    charge_types, owners = _charge_types(manager)
    reduction_types = _reduction_types(manager, owners)
    return Plugins(
        names=tuple(name for name, _ in manager.list_name_plugin()),
        charge_types=charge_types,
        charge_type_owners=owners,
        ruleset_paths=_ruleset_paths(manager),
        reduction_types=reduction_types,
        loaders=_loaders(manager, owners),
    )


def _register(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    try:
        manager.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginError(name, f"cannot be registered: {exc}") from exc


def _call_each(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Call one hook on each plug-in separately, in the order they were registered (the
    built-in plug-in first), so that an exception names its plug-in and a second plug-in
    claiming a name is the one refused."""
    caller = getattr(manager.hook, hook_name)
    results: list[tuple[str, Any]] = []
    # get_hookimpls() lists them in registration order; pluggy itself calls them in reverse.
    for impl in caller.get_hookimpls():
        try:
            value = impl.function()
        except Exception as exc:
            raise PluginError(
                impl.plugin_name, f"hook {hook_name} raised {type(exc).__name__}: {exc}"
            ) from exc
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def _charge_types(manager: pluggy.PluginManager) -> tuple[dict[str, ChargeType], dict[str, str]]:
    found: dict[str, ChargeType] = {}
    owner: dict[str, str] = {}
    for plugin, value in _instances(manager, "tariffcore_charge_types", ChargeType):
        name = getattr(value, "name", None)
        spec = getattr(value, "spec", None)
        if not isinstance(name, str) or not name:
            raise PluginError(plugin, f"charge type {type(value).__name__} has no 'name'")
        if spec is None:
            raise PluginError(plugin, f"charge type {name!r} has no 'spec' model")
        if name in found:
            raise PluginError(plugin, f"charge type {name!r} is already provided by plug-in {owner[name]!r}")
        found[name] = value
        owner[name] = plugin
    return found, owner


def _reduction_types(manager: pluggy.PluginManager, owner: dict[str, str]) -> dict[str, ReductionType]:
    found: dict[str, ReductionType] = {}
    for plugin, value in _instances(manager, "tariffcore_reduction_types", ReductionType):
        name = getattr(value, "name", None)
        if not isinstance(name, str) or not name or getattr(value, "spec", None) is None:
            raise PluginError(plugin, f"reduction type {type(value).__name__} needs 'name' and 'spec'")
        if name in found:
            raise PluginError(
                plugin,
                f"reduction type {name!r} is already provided by plug-in {owner[f'reduction:{name}']!r}",
            )
        found[name] = value
        owner[f"reduction:{name}"] = plugin
    return found


def _instances(manager: pluggy.PluginManager, hook: str, base: type) -> Iterator[tuple[str, Any]]:
    """``(plug-in, instance of base)`` for everything ``hook`` returns; a class is instantiated,
    anything else is the plug-in's error."""
    for plugin, values in _call_each(manager, hook):
        for value in _iterable(plugin, hook, values):
            if isinstance(value, type) and issubclass(value, base):
                value = value()
            if not isinstance(value, base):
                raise PluginError(plugin, f"{hook} returned {value!r}, not a {base.__name__} instance")
            yield plugin, value


def _ruleset_paths(manager: pluggy.PluginManager) -> tuple[tuple[str, Any], ...]:
    paths: list[tuple[str, Any]] = []
    for plugin, values in _call_each(manager, "tariffcore_ruleset_paths"):
        for value in _iterable(plugin, "tariffcore_ruleset_paths", values):
            if isinstance(value, str):
                value = Path(value)
            if not hasattr(value, "iterdir") or not value.is_dir():
                raise PluginError(
                    plugin, f"tariffcore_ruleset_paths returned {value!r}, which is not a directory"
                )
            paths.append((plugin, value))
    return tuple(paths)


#: File-name endings tariffcore reads itself.
YAML_SUFFIXES = (".yaml", ".yml")


def _loaders(manager: pluggy.PluginManager, owner: dict[str, str]) -> dict[str, RulesetLoader]:
    """Loaders by the suffix they read (lower case; ``owner["loader:.owrs"]`` names the
    plug-in); a suffix claimed twice, or a YAML one, is the later plug-in's error."""
    found: dict[str, RulesetLoader] = {}
    for plugin, value in _instances(manager, "tariffcore_ruleset_loaders", RulesetLoader):
        suffixes = getattr(value, "suffixes", None)
        if (
            not isinstance(getattr(value, "name", None), str)
            or not isinstance(suffixes, tuple)
            or not suffixes
        ):
            raise PluginError(
                plugin, f"ruleset loader {type(value).__name__} needs 'name' and a tuple of 'suffixes'"
            )
        for suffix in suffixes:
            key = suffix.lower() if isinstance(suffix, str) else suffix
            if not isinstance(key, str) or not key.startswith(".") or len(key) < 2:
                raise PluginError(
                    plugin,
                    f"ruleset loader {value.name!r}: suffix {suffix!r} "
                    "must be a file-name ending with its dot, such as '.owrs'",
                )
            if key in YAML_SUFFIXES:
                raise PluginError(
                    plugin, f"ruleset loader {value.name!r} claims {suffix!r}, which tariffcore reads itself"
                )
            if key in found:
                raise PluginError(
                    plugin,
                    f"ruleset loader {value.name!r} claims {suffix!r}, "
                    f"already read by plug-in {owner[f'loader:{key}']!r}",
                )
            found[key] = value
            owner[f"loader:{key}"] = plugin
    return found


def _iterable(plugin: str, hook: str, values: Any) -> Iterable[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise PluginError(plugin, f"{hook} must return a list, not {type(values).__name__}")
    return list(values)
