"""The charges a caller asks for (``charges=``, ``--charges water,sewer``), checked against the
charges a ruleset knows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ..bill import NotIncluded
from ..errors import UnknownChargeError

__all__ = ["charge_ids", "left_out", "requested_charges"]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


class _HasCharges(Protocol):
    @property
    def charges(self) -> Sequence[_HasId]: ...

    @property
    def not_included(self) -> tuple[NotIncluded, ...]: ...


def charge_ids(versions: Iterable[_HasCharges]) -> tuple[str, ...]:
    """Every charge id of ``versions``: the charges they bill and those they list as not
    included, in order of first appearance."""
    found: dict[str, None] = {}
    for version in versions:
        for charge in version.charges:
            found[str(charge.id)] = None
        for missing in version.not_included:
            found[missing.charge] = None
    return tuple(found)


def left_out(
    version: _HasCharges, not_included: Sequence[NotIncluded], wanted: frozenset[str] | None
) -> tuple[list[NotIncluded], tuple[str, ...]]:
    """What a bill of ``version`` asked for ``wanted`` charges (``None``: all) says it left out:
    the charges of ``not_included`` asked for, and the ids of the charges not asked for."""
    if wanted is None:
        return list(not_included), ()
    every = [c.id for c in version.charges] + [n.charge for n in not_included]
    skipped = tuple(dict.fromkeys(c for c in every if c not in wanted))
    return [n for n in not_included if n.charge in wanted], skipped


def requested_charges(
    charges: Iterable[str] | None, known: Sequence[str], owner: str
) -> frozenset[str] | None:
    """``charges`` as a set (``None``: every charge); an id ``owner`` does not know is an
    :class:`~tariffcore.UnknownChargeError` (code ``unknown_charge``) naming the known ones."""
    if charges is None:
        return None
    if isinstance(charges, str):
        charges = charges.split(",")
    wanted = [str(charge).strip() for charge in charges]
    if not all(wanted):
        raise UnknownChargeError("charges: an empty charge id")
    unknown = [charge for charge in wanted if charge not in known]
    if unknown:
        raise UnknownChargeError(
            f"{owner} has no charge {', '.join(map(repr, unknown))}; its charges: {', '.join(known)}"
        )
    return frozenset(wanted)
