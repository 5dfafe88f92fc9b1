"""What several commands share: catalog options, output files, one-row billing."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..bill import Account, Bill, Reading
from ..engine import Catalog, load_catalog
from ..errors import BillingError, row_result
from ._files import Outputs

Subparsers = Any  # argparse's private _SubParsersAction


def catalog_options(sub: argparse.ArgumentParser) -> None:
    """``--rulesets-dir DIR``: load rulesets from DIR besides the installed plug-ins."""
    sub.add_argument(
        "--rulesets-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also load rulesets from DIR (repeatable)",
    )


def open_catalog(args: argparse.Namespace) -> Catalog:
    """The catalog of installed rulesets plus any ``--rulesets-dir`` (whose problems are shown)."""
    catalog = load_catalog(getattr(args, "rulesets_dir", []))
    warn_problems(catalog, getattr(args, "rulesets_dir", []))
    return catalog


#: The most problems of ``--rulesets-dir`` files a command shows before pointing at ``validate``.
SHOWN_PROBLEMS = 20


def warn_problems(catalog: Catalog, folders: Iterable[str]) -> None:
    """Show on standard error the problems of the files in ``folders`` (``--rulesets-dir``):
    the rulesets they belong to cannot bill, every other ruleset bills as usual."""
    roots = [str(Path(folder)) for folder in folders]
    if not roots:
        return
    found = [
        (ruleset, problem)
        for ruleset, problems in catalog.problems.items()
        for problem in problems
        if any(problem.path == root or problem.path.startswith(root.rstrip("/") + "/") for root in roots)
    ]
    for _, problem in found[:SHOWN_PROBLEMS]:
        print(f"tariffcore: warning: {problem}", file=sys.stderr)
    if len(found) > SHOWN_PROBLEMS:
        print(f"tariffcore: warning: … and {len(found) - SHOWN_PROBLEMS} more problem(s)", file=sys.stderr)
    if found:
        broken = sorted({ruleset or "(a file whose ruleset cannot be read)" for ruleset, _ in found})
        print(
            f"tariffcore: warning: {', '.join(broken)} cannot bill until fixed "
            f"(tariffcore validate {' '.join(roots)}); other rulesets are not affected",
            file=sys.stderr,
        )


@contextlib.contextmanager
def output(
    path: str | None, inputs: Iterable[str | None] = (), option: str = "--output"
) -> Iterator[IO[str]]:
    """Standard output, or the file ``path`` (``-`` is standard output), written aside and put
    in place when the block ends without an error (see :mod:`tariffcore.commands._files`);
    ``path`` may not be one of ``inputs``."""
    if path is None or path == "-":
        yield sys.stdout
        return
    with Outputs(inputs) as outputs:
        stream = outputs.text(path, option)
        yield stream
        outputs.commit()


def bill_one(
    catalog: Catalog,
    reference: str | None,
    account: Account,
    reading: Reading,
    charges: Sequence[str] | None = None,
) -> Bill | BillingError:
    """Bill one account (only ``charges`` when given), turning every per-row failure into a
    :class:`BillingError` value."""
    return row_result(reference, lambda ref: catalog.bill(ref, account, reading, charges), account.id)
