"""What several commands share: catalog options, output files, one-row billing."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterable, Iterator
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
    """The catalog of installed rulesets plus any ``--rulesets-dir``."""
    return load_catalog(getattr(args, "rulesets_dir", []))


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
    catalog: Catalog, reference: str | None, account: Account, reading: Reading
) -> Bill | BillingError:
    """Bill one account, turning every per-row failure into a :class:`BillingError` value."""
    return row_result(reference, lambda ref: catalog.bill(ref, account, reading))
