"""The conventions every command keeps.

- The output format follows the extension of ``-o`` (``bills.csv`` is CSV, ``.jsonl``/``.json``
  JSON lines, ``.parquet`` Parquet, ``.sqlite``/``.db`` SQLite); an explicit ``--format``
  wins, and one that contradicts the extension is refused.
- ``-`` reads standard input wherever a command reads a file.
- A usage error (a bad option, a missing file, a format the output cannot take) exits with
  status 2, as argparse's own errors do.
- ``--quiet``: no progress bar and no summary line on standard error.
- A run that writes to a file ends with one summary line on standard error: rows, bills,
  error rows and seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import Problem, TariffcoreError
from ..rows import Progress

__all__ = [
    "FILE_ONLY",
    "SUFFIX_FORMATS",
    "UsageError",
    "check_input",
    "csv_header",
    "one_stdin",
    "output_format",
    "progress_for",
    "quiet_option",
    "shown_as",
    "stdin_file",
    "summary_line",
    "to_file",
]

#: File name extension → the output formats it names, the first preferred.
SUFFIX_FORMATS: dict[str, tuple[str, ...]] = {
    ".csv": ("csv",),
    ".jsonl": ("jsonl",),
    ".ndjson": ("jsonl",),
    ".json": ("json", "jsonl"),
    ".parquet": ("parquet",),
    ".pq": ("parquet",),
    ".sqlite": ("sqlite",),
    ".sqlite3": ("sqlite",),
    ".db": ("sqlite",),
    ".html": ("html",),
    ".htm": ("html",),
}

#: Formats written to a file only (binary, or a database): never to standard output.
FILE_ONLY = ("parquet", "sqlite")


class UsageError(TariffcoreError):
    """The command line asks for something the command cannot do (exit status 2)."""


def to_file(output: str | None) -> bool:
    """Whether ``output`` names a file (not standard output)."""
    return output is not None and output != "-"


def output_format(given: str | None, output: str | None, *, formats: Sequence[str], default: str) -> str:
    """The format to write: ``given`` (``--format``), else the one ``output``'s extension
    names, else ``default``.

    A ``given`` format the extension contradicts (``--format csv -o bills.parquet``), or an
    extension naming a format the command does not write, is a :class:`UsageError`; so is a
    format written to files only (:data:`FILE_ONLY`) without a file.
    """
    suffix = Path(output).suffix.lower() if output is not None and to_file(output) else ""
    named = SUFFIX_FORMATS.get(suffix)
    if given is not None:
        if named is not None and given not in named:
            raise UsageError(
                f"--format {given} does not match the output file {output} ({suffix} is "
                f"{' or '.join(named)}); give a file name that fits, or leave --format out"
            )
        chosen = given
    elif named is not None:
        fits = [name for name in named if name in formats]
        if not fits:
            raise UsageError(
                f"the output file {output} names {' or '.join(named)}, which this command does not "
                f"write (it writes {', '.join(formats)}); give --format or another file name"
            )
        chosen = fits[0]
    else:
        chosen = default
    if chosen in FILE_ONLY and not to_file(output):
        raise UsageError(f"--format {chosen} needs --output FILE")
    return chosen


def csv_header(path: str) -> list[str]:
    """The column names of the CSV file ``path`` (its first row)."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return [name.strip() for name in next(csv.reader(stream), [])]


def check_input(name: str, what: str = "input file") -> None:
    """Refuse (exit status 2) an input file that does not exist; ``-`` is standard input."""
    if name != "-" and not Path(name).is_file():
        raise UsageError(f"no such {what}: {name}")


@contextlib.contextmanager
def stdin_file(suffix: str = "") -> Iterator[Path]:
    """Standard input copied to a temporary file (named ``stdin`` + ``suffix``), for what can
    only be read from a file (Parquet, a ruleset file); removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tariffcore-stdin-") as folder:
        path = Path(folder) / f"stdin{suffix}"
        with path.open("wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
        yield path


def shown_as(problem: Problem, copy: Path, name: str = "-") -> Problem:
    """``problem`` of the file ``copy`` (standard input, copied by :func:`stdin_file`) as of
    ``name``."""
    text = str(copy)
    path = name if problem.path == text else problem.path
    return dataclasses.replace(problem, path=path, message=problem.message.replace(text, name))


def one_stdin(paths: Sequence[str]) -> None:
    """Refuse ``-`` given more than once: standard input can be read once."""
    if list(paths).count("-") > 1:
        raise UsageError("standard input ('-') can be given once")


def quiet_option(sub: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress bar and no summary line on standard error."""
    sub.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bar and no summary line on standard error",
    )


def progress_for(args: argparse.Namespace, stdin: bool = False) -> Progress:
    """The run's progress: drawn as ``--progress`` says (never with ``--quiet``, nor for standard
    input, whose length is unknown), and always counting rows for the summary line."""
    wanted = not stdin and not getattr(args, "quiet", False) and Progress.wanted(args.progress)
    return Progress(visible=wanted)


def summary_line(
    args: argparse.Namespace,
    *,
    rows: int,
    bills: int,
    errors: int,
    started: float,
    bills_word: str = "bill(s)",
) -> None:
    """The one line a run writing to a file ends with, on standard error (not with
    ``--quiet``): ``tariffcore bill: 2000 row(s), 1998 bill(s), 2 error row(s) in 0.41 s;
    written to bills.jsonl``."""
    if getattr(args, "quiet", False) or not to_file(getattr(args, "output", None)):
        return
    seconds = time.monotonic() - started
    sys.stderr.write(
        f"tariffcore {args.command}: {rows} row(s), {bills} {bills_word}, {errors} error row(s) "
        f"in {seconds:.2f} s; written to {args.output}\n"
    )
    sys.stderr.flush()
