"""The exceptions tariffcore raises, in one hierarchy.

::

    TariffcoreError
    ├── RulesetError          a ruleset file is malformed (carries file:line:col problems)
    ├── PluginError           a plug-in failed to load or broke its contract (names the plug-in)
    ├── UnknownRulesetError   no installed ruleset has the requested id or version
    └── BillingError          one account cannot be billed (carries a stable ``code``)
        ├── InputError        the account or reading itself is invalid
        ├── NoVersionError    no version of the ruleset is in force on the anchor date
        ├── UnknownValueError the bill needs a value the ordinance data does not know
        └── NotApplicableError the ruleset has no rule for this account (use class, meter)

A :class:`BillingError` is what becomes an error row in a batch run: ``code`` is short and
stable for programs, ``message`` is a sentence for people. Code that knows more about where an
error happened (the days of a period split between versions) adds it with
:meth:`~BaseException.add_note` (PEP 678) rather than changing the error: ``message`` ends with
each note in brackets, and a traceback shows the notes below the error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "INVALID",
    "BillingError",
    "InputError",
    "NoVersionError",
    "NotApplicableError",
    "PluginError",
    "Problem",
    "RulesetError",
    "TariffcoreError",
    "UnknownRulesetError",
    "UnknownValueError",
    "row_result",
]

_T = TypeVar("_T")


class TariffcoreError(Exception):
    """Base class of every error tariffcore raises on purpose."""


#: The kind of a problem that makes a ruleset file wrong (what ``tariffcore validate`` reports).
INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a ruleset file, at a place a rule author can go to.

    ``kind`` is :data:`INVALID` for a file that is wrong; a lint finding (a file that is valid
    but probably wrong, see :mod:`tariffcore.authoring.lint`) has the kind of its check, such
    as ``tiers`` or ``no-rate``, and shows it after the place.
    """

    path: str
    line: int
    column: int
    message: str
    kind: str = INVALID
    #: ``error``, or ``warning`` for a note that does not make the file wrong (a loader's note,
    #: see :class:`~tariffcore.Loaded`); a warning is shown with its severity.
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        if self.severity != "error":
            where += f": {self.severity}"
        return f"{where}: {self.message}" if self.kind == INVALID else f"{where}: {self.kind}: {self.message}"


class RulesetError(TariffcoreError):
    """A ruleset file (or a set of them) is malformed; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PluginError(TariffcoreError):
    """A plug-in failed to load, raised inside a hook, or returned something invalid."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plug-in {plugin!r}: {message}")


class UnknownRulesetError(TariffcoreError):
    """No installed ruleset (or version of it) has the requested id."""


class BillingError(TariffcoreError):
    """An account cannot be billed. ``code`` is stable; ``message`` explains it to a person."""

    code = "billing_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(message)

    @property
    def message(self) -> str:
        """The sentence for people: what went wrong, then each note added to it, in brackets.

        ``str(error)`` is the sentence alone, as a traceback prints the notes by themselves.
        """
        text = str(self.args[0]) if self.args else ""
        notes = getattr(self, "__notes__", None)
        return text + "".join(f" ({note})" for note in notes) if notes else text


class InputError(BillingError):
    """The account or reading is invalid (a bad number, a missing column, a bad date)."""

    code = "invalid_input"


class NoVersionError(BillingError):
    """No version of the ruleset is in force on the date the bill is anchored to."""

    code = "no_version_in_force"


class UnknownValueError(BillingError):
    """The bill needs a value that the ordinance data marks unknown (``?`` in the digest)."""

    code = "unknown_value"


class NotApplicableError(BillingError):
    """The ruleset has no rule for this account: an unknown use class, meter size, reduction."""

    code = "not_applicable"


def row_result(reference: str | None, work: Callable[[str], _T]) -> _T | BillingError:
    """``work(reference)``, or the :class:`BillingError` value an error row shows instead.

    Every way one row can fail under the ruleset ``reference`` becomes a value, so a run goes
    on: no ruleset given, a billing error, an unknown ruleset, a broken ruleset.
    """
    if not reference:
        return BillingError("no ruleset: give --ruleset or a 'ruleset' column", code="no_ruleset")
    try:
        return work(reference)
    except BillingError as exc:
        return exc
    except UnknownRulesetError as exc:
        return BillingError(str(exc), code="unknown_ruleset")
    except RulesetError as exc:
        return BillingError(f"ruleset {reference} is broken: {exc}", code="broken_ruleset")
