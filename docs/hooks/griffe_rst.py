"""A griffe extension: tariffcore's docstrings use reST roles (:class:`~x.Y`) and ``::``
literal blocks; render them as the Markdown the API pages are built with."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj|ref):`~?(?:[\w.]+\.)?([\w]+)`")
_LITERAL = re.compile(r"::\n")


def plain(text: str) -> str:
    """``:class:`~tariffcore.Catalog``` → ```Catalog```; a paragraph ending in ``::`` ends in
    ``:`` (the indented block after it is already a code block in Markdown)."""
    return _LITERAL.sub(":\n", _ROLE.sub(r"`\1`", text))


class RestRoles(griffe.Extension):
    """Rewrite every docstring once griffe has loaded it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain(obj.docstring.value)
