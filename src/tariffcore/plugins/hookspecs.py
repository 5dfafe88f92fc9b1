"""Every hook a tariffcore plug-in can implement, each with its contract.

A plug-in is a module (or object) with functions marked ``@tariffcore.hookimpl`` whose names
match the specifications below. Plug-ins are found through the ``tariffcore`` entry-point
group::

    [project.entry-points.tariffcore]
    my_city = "my_city_plugin"

tariffcore's own charge types are registered the same way, by the built-in plug-in
:mod:`tariffcore.plugins.builtin`. Every hook is called once per plug-in when a
:class:`~tariffcore.Catalog` is built; an exception inside a hook, or a return value that
breaks the contract, becomes a :class:`~tariffcore.PluginError` naming the plug-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from ..charges import ChargeType
    from ..format import RulesetLoader
    from ..reductions import ReductionType

__all__ = ["hookimpl", "hookspec"]

#: Marks a hook specification (tariffcore's own use).
hookspec = pluggy.HookspecMarker("tariffcore")
#: Marks a hook implementation in a plug-in.
hookimpl = pluggy.HookimplMarker("tariffcore")


@hookspec
def tariffcore_charge_types() -> Iterable[ChargeType]:  # type: ignore[empty-body]
    """Return the charge types this plug-in provides, as :class:`~tariffcore.ChargeType`
    instances.

    Each type's ``name`` is the ``type:`` value rule authors write in a charge entry; its
    ``spec`` is the pydantic model that validates the entry (subclass of
    :class:`~tariffcore.ChargeSpec`). Names are global: two plug-ins offering the same name is
    an error naming both.

    While compiling an entry, a type reports what stops the version from loading with
    ``ctx.problem`` and what is valid but probably wrong with ``ctx.hint`` (a use class it
    has no rate for, tiers that fall): ``tariffcore lint`` shows the hints (see
    :class:`~tariffcore.CompileContext`).

    A type may make its charges fast: the function ``compile`` returns may carry a lean form
    (:func:`tariffcore.charges.with_lean`, a function of one usage for one account) and a
    kernel (:func:`tariffcore.charges.with_kernel`, a function of a column of usages over
    exact scaled integers, see :mod:`tariffcore.charges.kernel`), with which lean bills and
    the fast backend (``tariffcore[fast]``) bill its accounts; both are optional, and a type
    without them is billed by the scalar engine. Each must compute exactly what the compiled
    function computes.
    """


@hookspec
def tariffcore_ruleset_paths() -> Iterable[Path | Traversable]:  # type: ignore[empty-body]
    """Return directories (or package resources) holding ruleset YAML files.

    Every ``*.yaml`` file below a returned directory whose top level has a ``ruleset:`` key is
    loaded as one ordinance version; files below a ``tests`` directory are golden bills.
    A ruleset id may be spread over several directories, but one version of it may appear
    only once.
    """


@hookspec
def tariffcore_reduction_types() -> Iterable[ReductionType]:  # type: ignore[empty-body]
    """Return the reduction types (감면) this plug-in provides, as
    :class:`~tariffcore.reductions.contract.ReductionType` instances.

    Each type's ``name`` is the ``type:`` value of an entry under a version's ``reductions:``;
    its ``spec`` (subclass of :class:`~tariffcore.reductions.contract.ReductionSpec`) validates the
    entry. The compiled function returns, per charge it touches, the positive amount taken
    off; the engine turns it into a negative ``<charge>_reduction`` line, applies rounding,
    caps it at the gross line and refuses combinations the ruleset does not allow. Names are
    global, as for charge types.
    """


@hookspec
def tariffcore_ruleset_loaders() -> Iterable[RulesetLoader]:  # type: ignore[empty-body]
    """Return loaders for ruleset files of other formats, as
    :class:`~tariffcore.RulesetLoader` instances.

    Each loader names the file-name ``suffixes`` it reads (``.owrs``); every file with such a
    suffix below a ruleset directory (:func:`tariffcore_ruleset_paths`, ``--rulesets-dir``, the
    paths given to ``tariffcore validate``) is handed to its ``load``, which translates it into
    tariffcore's own ruleset format with the file position of every part (a
    :class:`~tariffcore.Loaded` of :class:`~tariffcore.VersionDocument`). The versions are then
    validated, compiled and billed like YAML versions; the file's problems, and its notes
    (``validate`` prints them without failing the file), are located in the file itself. A
    suffix belongs to one loader; ``.yaml`` and ``.yml`` are tariffcore's own.
    """
