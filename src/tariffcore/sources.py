"""A source a bill line's figures come from: the record both the ruleset format and the bill use."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SourceRef"]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source a line's figures come from (a copy of the ruleset's source entry)."""

    id: str
    title: str
    tag: str
    url: str | None = None
