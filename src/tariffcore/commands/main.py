"""The ``tariffcore`` command line: the parser and the entry point.

Each command lives in its own module under :mod:`tariffcore.commands` with a
``register(subparsers)`` function; :data:`COMMANDS` lists them in help order.

Exit status: 0 when everything was billed, 1 when any input row became an error row (the run
still writes a result for every row), 2 when the command could not run at all (a bad option,
a missing file, a broken ruleset or plug-in).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import BillingError, TariffcoreError
from ..version import __version__

__all__ = ["COMMANDS", "main"]

#: Command modules under tariffcore.commands, in the order ``--help`` lists them.
COMMANDS = (
    "bill",
    "report",
    "notice",
    "rebill",
    "compare",
    "explain",
    "arrears",
    "serve",
    "rulesets",
    "validate",
    "test",
    "lint",
    "schema",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered (only the command ``only`` when
    given: a command's module imports what it needs, so running one imports no other)."""
    parser = argparse.ArgumentParser(
        prog="tariffcore",
        description="Exact municipal water and sewer charges from versioned ordinance rulesets.",
    )
    parser.add_argument("--version", action="version", version=f"tariffcore {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMANDS else COMMANDS:
        importlib.import_module(f"tariffcore.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(words)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except (TariffcoreError, OSError) as exc:
        print(f"tariffcore: {exc.message if isinstance(exc, BillingError) else exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(
            f"tariffcore: the input is not UTF-8 text (byte {exc.start} of a block read: "
            f"{exc.reason}); convert it first, e.g. iconv -f cp949 -t utf-8",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
