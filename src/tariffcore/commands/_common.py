"""What several commands share: catalog options, output files, one-row billing."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

from ..bill import Account, Bill, Reading
from ..engine import Catalog, load_catalog
from ..errors import BillingError, row_result

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
def output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or the file ``path`` (``-`` is standard output)."""
    if path is None or path == "-":
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            yield stream


def bill_one(
    catalog: Catalog,
    reference: str | None,
    account: Account,
    reading: Reading,
    charges: Sequence[str] | None = None,
) -> Bill | BillingError:
    """Bill one account (only ``charges`` when given), turning every per-row failure into a
    :class:`BillingError` value."""
    return row_result(reference, lambda ref: catalog.bill(ref, account, reading, charges))
