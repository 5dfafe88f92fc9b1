"""The ``tariffcore`` command line: :func:`main`, and one module per command."""

from __future__ import annotations

from .main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
