"""The plug-in host: hook specifications, the plug-in manager, and the built-in plug-in that
registers tariffcore's own charge and reduction types like any third-party one.
"""

from __future__ import annotations

from .hookspecs import (
    hookimpl,
    hookspec,
)
from .manager import (
    ENTRY_POINT_GROUP,
    Plugins,
    failure,
    load_plugins,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Plugins",
    "failure",
    "hookimpl",
    "hookspec",
    "load_plugins",
]
