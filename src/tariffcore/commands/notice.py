"""``tariffcore notice RUN -o FILE_OR_DIR``: the customer's bill (고지서) as a printable page.

One HTML page per bill of a run (the JSON lines of ``bill``), for A4 paper, in the language
of the bill's ruleset: the period, reads and usage, every line with its tiers, unit prices and
rounding, the reductions, the total, the due date and the late-payment rule in force, the
ordinance version and its sources. ``--account ID`` writes that account's notice; without it,
every bill of the run gets one, in the folder ``-o`` names. Error rows have no bill and so no
notice: each is named on standard error and the exit status is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

from ..documents import bill_from_dict, bill_records, read_history, render_notice
from ..engine import Catalog
from ..errors import InputError
from ._common import Subparsers, catalog_options, open_catalog
from ._conventions import UsageError, check_input, quiet_option
from ._files import OutputFolder, Outputs, refuse_input

_UNSAFE = re.compile(r"[^\w.-]")


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "notice",
        help="the customer's bill (고지서) of an account, as HTML for A4",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub.add_argument(
        "source",
        metavar="RUN",
        help="the JSON lines 'bill' wrote (its default output); '-' reads standard input",
    )
    sub.add_argument(
        "--account", metavar="ID", help="only this account's bill (default: every bill of the run)"
    )
    sub.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="FILE_OR_DIR",
        help="the HTML file of one notice ('-': standard output), or the folder for "
        "one notice per bill (ACCOUNT.html; created if missing)",
    )
    sub.add_argument(
        "--history",
        metavar="FILE",
        help="usage of earlier months (CSV or JSON lines with account, billing_month, "
        "usage_m3; earlier runs of 'bill' will do; '-' reads standard input): a chart of the "
        "last 12 months",
    )
    sub.add_argument(
        "--language", choices=("ko", "en"), default=None, help="default: the ruleset's (Korean for kr/...)"
    )
    quiet_option(sub)
    catalog_options(sub)
    sub.set_defaults(run=run)


def file_name(account: str) -> str:
    """A file name for ``account``'s notice: letters, digits, ``.``, ``-`` and ``_`` kept; an id
    too long for a file name is cut, and a digest of the whole id keeps it apart from others."""
    name = _UNSAFE.sub("_", account).lstrip(".") or "_"
    if len(name.encode()) > 100:
        digest = hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        name = name.encode()[:80].decode("utf-8", "ignore") + "-" + digest
    return f"{name}.html"


def run(args: argparse.Namespace) -> int:
    if args.source == "-" and args.history == "-":
        raise UsageError("RUN and --history cannot both be standard input ('-')")
    if args.history:
        check_input(args.history, "history file")
    catalog = open_catalog(args)
    history = read_history(args.history, {args.account} if args.account else None) if args.history else None
    target = Path(args.output)
    single = args.account is not None and (
        args.output == "-" or not (target.is_dir() or args.output.endswith(("/", "\\")))
    )
    inputs = [args.source, args.history]
    if not single:
        if target.exists() and not target.is_dir():
            raise OSError(
                f"{args.output} is a file: every bill of a run needs a folder (or give --account ID)"
            )
        with OutputFolder(target, inputs) as folder:
            written, failed = _notices(args, catalog, history, folder)
            folder.commit()
        if not args.quiet:
            print(
                f"{len(written)} notice(s) written to {target}"
                + (f"; {failed} error row(s) have none" if failed else ""),
                file=sys.stderr,
            )
        return 1 if failed else 0
    if args.output != "-":
        refuse_input(args.output, inputs, "--output")
    with Outputs(inputs) as outputs:
        written, failed = _notices(args, catalog, history, outputs)
        outputs.commit()
    return 1 if failed else 0


def _notices(
    args: argparse.Namespace, catalog: Catalog, history: Any, into: OutputFolder | Outputs
) -> tuple[dict[str, int], int]:
    """Render the notices of the run into ``into`` (a folder, or the one file of --account)."""
    written: dict[str, int] = {}
    failed = 0
    for number, record in bill_records(args.source):
        account = str(record.get("account") or "")
        if args.account is not None and account != args.account:
            continue
        where = f"{args.source}: line {number}"
        error = record.get("error")
        if error is not None:
            failed += 1
            code = error.get("code") if isinstance(error, dict) else "?"
            message = error.get("message") if isinstance(error, dict) else error
            print(
                f"tariffcore: {where}: account {account or '(none)'} has no bill, so no notice "
                f"({code}: {message})",
                file=sys.stderr,
            )
            continue
        lines = record.get("lines")
        if isinstance(lines, list) and any(isinstance(line, dict) and "source" not in line for line in lines):
            raise UsageError(
                f"{where}: {args.source} is a lean run (its lines carry no sources, tiers or "
                "rounding): a notice needs the JSON lines of a run made with "
                "`tariffcore bill --explain full`"
            )
        bill = bill_from_dict(record, catalog, where)
        html = render_notice(
            bill,
            catalog=catalog,
            language=args.language,
            history=history.get(account, {}) if history is not None else None,
        )
        if isinstance(into, Outputs):
            if written:
                raise InputError(
                    f"account {args.account} has more than one bill in {args.source} "
                    f"(lines {', '.join(map(str, written.values()))}, {number}): "
                    "give a folder as --output"
                )
            with into.stream(args.output) as stream:
                stream.write(html)
            written[args.output] = number
            continue
        name = file_name(account)
        if name in written:  # a second bill of the account in this run
            name = f"{name.removesuffix('.html')}-line{number}.html"
        into.write_text(name, html)
        written[name] = number
    if args.account is not None and not written and not failed:
        raise InputError(f"account {args.account} is not in {args.source}")
    return written, failed
