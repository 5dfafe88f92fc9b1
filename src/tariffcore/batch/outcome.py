"""The result of one input row of a batch run, typed so that a check narrows it.

:meth:`BatchEngine.results <tariffcore.BatchEngine.results>` gives a
:class:`BilledOutcome` (``failed`` is ``False``, ``result`` a :class:`~tariffcore.Bill`) or a
:class:`FailedOutcome` (``failed`` is ``True``, ``result`` a :class:`~tariffcore.BillingError`)
per row. ``failed`` is declared ``Literal[False]`` on one and ``Literal[True]`` on the other,
so a type checker narrows the outcome, and with it ``result``, from ``if outcome.failed``::

    for outcome in engine.results(chunk):
        if outcome.failed:
            print(outcome.account, outcome.result.code)   # a BillingError
        else:
            print(outcome.account, outcome.result.total)  # a Bill
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..bill import Bill
from ..errors import BillingError

__all__ = ["BilledOutcome", "FailedOutcome", "Outcome", "outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one input row: its number, account id and bill or error.

    What a batch run gives is one of its two kinds, :class:`BilledOutcome` or
    :class:`FailedOutcome`, which narrow ``result`` by ``failed``.
    """

    number: int
    account: str
    result: Bill | BillingError

    @property
    def failed(self) -> bool:
        """Whether the row became an error row."""
        return isinstance(self.result, BillingError)

    @property
    def bill(self) -> Bill | None:
        """The bill, or ``None`` for an error row."""
        return self.result if isinstance(self.result, Bill) else None

    @property
    def error(self) -> BillingError | None:
        """The error, or ``None`` for a billed row."""
        return self.result if isinstance(self.result, BillingError) else None


class BilledOutcome(Outcome):
    """A row that was billed: ``result`` is its :class:`~tariffcore.Bill`."""

    __slots__ = ()
    if TYPE_CHECKING:
        result: Bill

    @property
    def failed(self) -> Literal[False]:
        return False

    @property
    def bill(self) -> Bill:
        return self.result

    @property
    def error(self) -> None:
        return None


class FailedOutcome(Outcome):
    """A row that became an error row: ``result`` is its :class:`~tariffcore.BillingError`."""

    __slots__ = ()
    if TYPE_CHECKING:
        result: BillingError

    @property
    def failed(self) -> Literal[True]:
        return True

    @property
    def bill(self) -> None:
        return None

    @property
    def error(self) -> BillingError:
        return self.result


def outcome(number: int, account: str, result: Bill | BillingError) -> BilledOutcome | FailedOutcome:
    """The outcome of kind that fits ``result``."""
    if isinstance(result, BillingError):
        return FailedOutcome(number, account, result)
    return BilledOutcome(number, account, result)
