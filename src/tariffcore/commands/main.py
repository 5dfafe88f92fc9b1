"""The ``tariffcore`` command line: the parser and the entry point.

Each command lives in its own module under :mod:`tariffcore.commands` with a
``register(subparsers)`` function; :data:`COMMANDS` lists them in help order.

Exit status: 0 when everything was billed, 1 when any input row became an error row (the run
still writes a result for every row), 2 when the command could not run at all (a bad option,
a missing file, a broken ruleset or plug-in).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence

from ..errors import DEBUG_VARIABLE, BillingError, TariffcoreError
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


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM): raised where it runs, so that every output
    written aside is dropped and every worker process stopped on the way out."""

    def __init__(self, number: int) -> None:
        super().__init__(f"signal {number}")
        self.signal = number


@contextlib.contextmanager
def _terminated_as_exception() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the main thread while the command runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        raise Terminated(number)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: The cycle collector's thresholds while a command runs. A batch run makes and drops
#: millions of small objects and keeps few; looking for cycles every 700 new objects (the
#: default) took a sixth of the time of a pure-Python ``bill --format csv``, and every 50,000
#: takes next to none, for the same peak memory (see ``benchmarks/README.md``).
COLLECTOR = (50_000, 20, 100)


@contextlib.contextmanager
def _collector() -> Iterator[None]:
    """The collector set to :data:`COLLECTOR` for the command, as it was again after it."""
    saved = gc.get_threshold()
    gc.set_threshold(*COLLECTOR)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


@contextlib.contextmanager
def _debugging(on: bool) -> Iterator[None]:
    """With ``--debug``, internal errors of rows write their traceback to standard error (in
    worker processes too: they see the variable)."""
    if not on:
        yield
        return
    before = os.environ.get(DEBUG_VARIABLE)
    os.environ[DEBUG_VARIABLE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DEBUG_VARIABLE, None)
        else:
            os.environ[DEBUG_VARIABLE] = before


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered (only the command ``only`` when
    given: a command's module imports what it needs, so running one imports no other)."""
    parser = argparse.ArgumentParser(
        prog="tariffcore",
        description="Exact municipal water and sewer charges from versioned ordinance rulesets.",
    )
    parser.add_argument("--version", action="version", version=f"tariffcore {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMANDS else COMMANDS:
        importlib.import_module(f"tariffcore.commands.{name}").register(subparsers)
    for sub in subparsers.choices.values():  # after the command too: tariffcore bill … --debug
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG)
    return parser


_DEBUG = "show the traceback of an internal error (a bug in tariffcore), of a row or of the run"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    # The command is the first word that is not an option (--debug may come before it).
    parser = build_parser(next((word for word in words if not word.startswith("-")), None))
    args = parser.parse_args(words)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    debug = bool(getattr(args, "debug", False))
    try:
        with _terminated_as_exception(), _debugging(debug), _collector():
            return int(args.run(args))
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except KeyboardInterrupt:
        print("tariffcore: interrupted; no output file was written or changed", file=sys.stderr)
        return 130
    except Terminated as exc:
        print("tariffcore: terminated; no output file was written or changed", file=sys.stderr)
        return 128 + exc.signal
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
    except Exception as exc:  # a bug in tariffcore: the run cannot go on, and says so
        if debug:
            traceback.print_exc()
        text = " ".join(str(exc).split())
        print(
            f"tariffcore: internal error: {type(exc).__name__}: {text[:500]} (a bug in tariffcore: "
            "please report it; --debug shows the traceback)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
