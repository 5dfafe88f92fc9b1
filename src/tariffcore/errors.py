"""The exceptions tariffcore raises, in one hierarchy.

::

    TariffcoreError
    ├── RulesetError          a ruleset file is malformed (carries file:line:col problems)
    ├── PluginError           a plug-in failed to load or broke its contract (names the plug-in)
    ├── UnknownRulesetError   no installed ruleset has the requested id or version
    ├── InputFileError        an input file cannot be read as rows at all (a column named twice)
    └── BillingError          one account cannot be billed (carries a stable ``code``)
        ├── InputError        the account or reading itself is invalid
        ├── NoVersionError    no version of the ruleset is in force on the anchor date
        ├── UnknownValueError the bill needs a value the ordinance data does not know
        ├── NotApplicableError the ruleset has no rule for this account (use class, meter)
        └── ...               one class per code: see :data:`ERROR_CLASSES`

A :class:`BillingError` is what becomes an error row in a batch run: ``code`` is short and
stable for programs, ``message`` is a sentence for people. Every code has exactly one class
(:data:`ERROR_CLASSES`), a subclass of the class the code belonged to before it had its own,
so ``except NotApplicableError`` still catches an unknown use class; creating a billing error
with a code (``BillingError(message, code="no_rate")``, as plug-ins do) gives an instance of
that code's class. Each class states the HTTP status the service answers it with
(``http_status``); the service's status map is made from these classes.

Code that knows more about where an error happened (the days of a period split between
versions) adds it with :meth:`~BaseException.add_note` (PEP 678) rather than changing the
error: ``message`` ends with each note in brackets, and a traceback shows the notes below the
error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

__all__ = [
    "ERROR_CLASSES",
    "INVALID",
    "BillingCycleError",
    "BUILTIN_PLUGIN",
    "BillingError",
    "BrokenRulesetError",
    "DEBUG_VARIABLE",
    "InputError",
    "InputFileError",
    "InternalError",
    "InvalidValueError",
    "MissingValueError",
    "NoArrearsError",
    "NoRateError",
    "NoRulesetError",
    "NoTariffError",
    "NoVersionError",
    "NotApplicableError",
    "PluginError",
    "Problem",
    "ReductionConflictError",
    "ReductionNotApplicableError",
    "RulesetError",
    "RulesetNotFoundError",
    "SplitChargeMissingError",
    "SplitUnsupportedError",
    "TariffcoreError",
    "UndeclaredRoundingError",
    "UnknownChargeError",
    "UnknownReductionError",
    "UnknownRulesetError",
    "UnknownUseClassError",
    "UnknownValueError",
    "error_meaning",
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

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole, to come back from a worker process
        return (type(self), (self.problems,))


class PluginError(TariffcoreError):
    """A plug-in failed to load, raised inside a hook, or returned something invalid."""

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        self.reason = message
        super().__init__(f"plug-in {plugin!r}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole, to come back from a worker process
        return (type(self), (self.plugin, self.reason))


class InputFileError(TariffcoreError):
    """An input file cannot be read as rows at all (a column named twice, a file that is not
    what its name says): the command stops with exit status 2 before writing anything."""


class UnknownRulesetError(TariffcoreError):
    """No installed ruleset (or version of it) has the requested id."""


#: Every billing error code → its class, in the order the documentation lists them. A class
#: that sets its own ``code`` enters it when it is defined (a plug-in's class too).
ERROR_CLASSES: dict[str, type[BillingError]] = {}


class BillingError(TariffcoreError):
    """An account cannot be billed, for a reason no more specific code names (a plug-in's
    errors may use it)."""

    code: str = "billing_error"
    #: The HTTP status the service answers with when this error answers a whole request.
    http_status: ClassVar[int] = 422

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("code")
        if isinstance(own, str):
            known = ERROR_CLASSES.get(own)
            if known is not None and known.__qualname__ != cls.__qualname__:
                raise TypeError(f"error code {own!r} already belongs to {known.__qualname__}")
            ERROR_CLASSES[own] = cls

    def __new__(cls, *args: Any, code: str | None = None, **kwargs: Any) -> BillingError:
        # A code with a class of its own gives an instance of that class, when it is one of
        # ``cls``: BillingError(message, code="no_rate") is a NoRateError.
        chosen = ERROR_CLASSES.get(code) if code is not None else None
        target = chosen if chosen is not None and issubclass(chosen, cls) else cls
        error: BillingError = super().__new__(target, *args)
        return error

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None and code != type(self).code:
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


ERROR_CLASSES["billing_error"] = BillingError


class InputError(BillingError):
    """The account or reading is invalid: a bad number, date or flag, a missing column (the
    message names the column)."""

    code = "invalid_input"


class BillingCycleError(InputError):
    """The reading covers a number of months the ruleset does not bill, or one its period does
    not cover, or too much usage per month for a bill of that length."""

    code = "billing_cycle"


class MissingValueError(InputError):
    """The bill needs a value the row does not give (an account attribute a rule asks for)."""

    code = "missing_value"


class UnknownChargeError(InputError):
    """The request asks for a charge the ruleset does not have (``--charges``, ``charges``)."""

    code = "unknown_charge"


class InvalidValueError(BillingError):
    """A value a bill is computed from is not an amount (a row's attribute, or a value of a
    rate file)."""

    code = "invalid_value"


class NoVersionError(BillingError):
    """No version of the ruleset is in force on the date the bill is anchored to."""

    code = "no_version_in_force"


class NoTariffError(NoVersionError):
    """The ruleset holds late-payment rules only: it has no tariff to bill with."""

    code = "no_tariff"


class NoArrearsError(NoVersionError):
    """The ruleset has no late-payment rules (its files hold tariffs only)."""

    code = "no_arrears"


class UnknownValueError(BillingError):
    """The bill needs a figure the ordinance data marks unknown (``?`` in the digest)."""

    code = "unknown_value"


class NotApplicableError(BillingError):
    """The ruleset has no rule for this account, in a case no more specific code names (a
    plug-in's)."""

    code = "not_applicable"


class UnknownUseClassError(NotApplicableError):
    """The version does not know the account's use class."""

    code = "unknown_use_class"


class NoRateError(NotApplicableError):
    """The version knows the use class, but a charge states no rate, unit price or base charge
    for it."""

    code = "no_rate"


class UnknownReductionError(NotApplicableError):
    """The version does not know a reduction the row claims."""

    code = "unknown_reduction"


class ReductionNotApplicableError(NotApplicableError):
    """A reduction the row claims does not apply to the account's use class."""

    code = "reduction_not_applicable"


class ReductionConflictError(BillingError):
    """Reductions the row claims cannot be combined (one is exclusive, or two reduce the same
    charge and the data does not say how they stack)."""

    code = "reduction_conflict"


class SplitChargeMissingError(NotApplicableError):
    """A period split between versions: a version in force for part of it has no such
    charge."""

    code = "charge_not_in_version"


class SplitUnsupportedError(NotApplicableError):
    """A period split between versions: the charge's type (a plug-in's) cannot bill part of a
    period."""

    code = "split_not_supported"


class UndeclaredRoundingError(BillingError):
    """A line (or a late-payment surcharge) would carry a fraction of the currency's minor
    unit, and the ruleset declares no rounding that removes it."""

    code = "undeclared_rounding"


class NoRulesetError(BillingError):
    """No ruleset is given, by the run (``--ruleset``) or by the row (a ``ruleset`` column)."""

    code = "no_ruleset"


class RulesetNotFoundError(BillingError, UnknownRulesetError):
    """No ruleset or version of the requested id is installed (or served)."""

    code = "unknown_ruleset"
    http_status = 404


class InternalError(BillingError):
    """A bug in tariffcore itself: in a run, the error row of the row it happened on (naming
    its account; the run goes on, and ``--debug`` shows the traceback); from the service, the
    failure of a request (its log says why). Please report it."""

    code = "internal_error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None, details: str = "") -> None:
        super().__init__(message, code=code)
        #: The traceback, as text (a text keeps no frames alive in a cache).
        self.details = details

    @classmethod
    def of(cls, exc: BaseException, account: str) -> InternalError:
        """The error row of ``exc``, raised while reading or billing the row of ``account``."""
        details = "".join(traceback.format_exception(exc))
        who = f"account {account!r}" if account else "a row without an account"
        error = cls(
            f"internal error reading or billing {who}: {type(exc).__name__}: {_one_line(exc)} "
            "(a bug in tariffcore: please report it; --debug shows the traceback)",
            details=details,
        )
        if os.environ.get(DEBUG_VARIABLE):
            sys.stderr.write(f"tariffcore: internal error, {who}:\n{details}")
        return error


#: Set (by ``--debug``) to have every internal error's traceback written to standard error,
#: in worker processes too.
DEBUG_VARIABLE = "TARIFFCORE_DEBUG"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:300] + "…"


class BrokenRulesetError(BillingError):
    """The ruleset is installed, but its files are broken (to the service, its own fault, not
    the request's)."""

    code = "broken_ruleset"
    http_status = 500


def error_meaning(cls: type[BillingError]) -> str:
    """The first paragraph of the class's docstring, on one line: what its code means."""
    text = (cls.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(text.split())


#: The name the built-in plug-in is registered under: its failures are tariffcore's own.
BUILTIN_PLUGIN = "tariffcore.plugins.builtin"


def row_result(reference: str | None, work: Callable[[str], _T], account: str = "") -> _T | BillingError:
    """``work(reference)``, or the :class:`BillingError` value an error row shows instead.

    Every way one row can fail under the ruleset ``reference`` becomes a value, so a run goes
    on: no ruleset given, a billing error, an unknown ruleset, a broken ruleset, and a bug in
    tariffcore (an :class:`InternalError` naming ``account``). A third-party plug-in that
    breaks its contract (:class:`PluginError`) stops the run instead, naming the plug-in.
    """
    if not reference:
        return NoRulesetError("no ruleset: give --ruleset or a 'ruleset' column")
    try:
        return work(reference)
    except BillingError as exc:
        return exc
    except UnknownRulesetError as exc:
        return RulesetNotFoundError(str(exc))
    except RulesetError as exc:
        return BrokenRulesetError(f"ruleset {reference} is broken: {exc}")
    except PluginError as exc:
        if exc.plugin != BUILTIN_PLUGIN:
            raise  # a plug-in that breaks its contract stops the run, naming it
        return InternalError.of(exc, account)
    except Exception as exc:  # a bug: the row's error, never the end of the run
        return InternalError.of(exc, account)
