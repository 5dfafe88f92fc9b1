"""The error a row meets when a class of an OWRS file cannot bill it."""

from __future__ import annotations

__all__ = ["EvaluationError"]


class EvaluationError(Exception):
    """A row that cannot be billed with this class, and why.

    ``code`` is ``missing_value`` (the row lacks a data value the file needs), ``no_rate`` (a
    map has no value for the row's key) or ``invalid_value`` (text where a number is needed, a
    division by zero, tiers that do not fit).
    """

    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
