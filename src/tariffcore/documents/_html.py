"""HTML helpers shared by the documents: escaping, tables, a whole page.

Every page is one self-contained document: its style inline, its charts inline SVG, no
scripts, no fonts, images or style sheets fetched from anywhere, no links.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

__all__ = ["cell", "escape", "page", "table"]


def cell(text: str, css: str = "") -> str:
    """A table cell of ``text`` (escaped); ``css`` its class."""
    return f'<td class="{css}">{escape(text)}</td>' if css else f"<td>{escape(text)}</td>"


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = (), css: str = ""
) -> str:
    """A table: ``header`` cells, then ``rows`` (text, escaped); the columns in ``numeric``
    are aligned right for figures."""
    right = set(numeric)
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in right else f"<th>{escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(cell(c, "n" if i in right else "") for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    opening = f'<table class="{css}">' if css else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, style: str, body: Iterable[str], lang: str = "en") -> str:
    """A whole HTML document: ``title``, an inline ``style`` sheet and the ``body`` parts."""
    return (
        "\n".join(
            [
                f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{escape(title)}</title><style>{style}</style></head><body>",
                *body,
                "</body></html>",
            ]
        )
        + "\n"
    )
