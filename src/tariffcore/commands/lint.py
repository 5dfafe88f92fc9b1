"""``tariffcore lint [PATH...]``: what is valid but probably wrong, or not checked lately.

Findings print as ``path:line:col: kind: message``; ``--ignore KIND`` drops a kind. The exit
status is 1 when any finding is left. See :mod:`tariffcore.authoring.lint` for every kind.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ..authoring import KINDS, lint_catalog
from ..engine import load_catalog
from ..errors import InputError
from ..rows import parse_date
from ._common import Subparsers
from ._conventions import UsageError, one_stdin, quiet_option, shown_as, stdin_file
from .bill import _count


def _day(text: str) -> date:
    """An argparse type: a date written ``YYYY-MM-DD``."""
    try:
        return parse_date(text)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "lint",
        help="find gaps between versions, odd tiers, missing rates, stale data",
        description="Lint rulesets: gaps between versions, tiers that do not rise, use classes "
        "without a rate, charges never reached, sources without a URL or never cited, data not "
        "checked for longer than --stale-after days, versions and use classes without golden "
        "bills. Without PATH, every installed ruleset.",
    )
    sub.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="ruleset files or directories; '-' reads a version file from standard input",
    )
    sub.add_argument(
        "--stale-after",
        type=_count(0),
        default=365,
        metavar="DAYS",
        help="days after a version's 'checked' date when it is due again (default 365)",
    )
    sub.add_argument(
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date to judge staleness on (default: today)",
    )
    sub.add_argument(
        "--ignore",
        action="append",
        default=[],
        choices=KINDS,
        metavar="KIND",
        help=f"drop findings of this kind (repeatable): {', '.join(KINDS)}",
    )
    sub.add_argument(
        "--ruleset",
        action="append",
        default=None,
        metavar="ID",
        help="lint only this ruleset id (repeatable)",
    )
    quiet_option(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    one_stdin(args.paths)
    if "-" in args.paths:
        with stdin_file(".yaml") as copy:
            return _lint(args, [str(copy) if name == "-" else name for name in args.paths], copy)
    return _lint(args, args.paths, None)


def _lint(args: argparse.Namespace, paths: list[str], copy: Path | None) -> int:
    if paths:
        missing = [name for name in paths if not Path(name).exists()]
        if missing:
            raise UsageError(f"no such file or directory: {', '.join(missing)}")
        catalog = load_catalog(paths, plugin_rulesets=False)
    else:
        catalog = load_catalog()
    for ruleset_id in args.ruleset or ():
        if ruleset_id not in catalog.ids():
            catalog.ruleset(ruleset_id)  # raises UnknownRulesetError, naming the close ones
    findings = [
        finding
        for finding in lint_catalog(
            catalog, today=args.today or date.today(), stale_after=args.stale_after, ids=args.ruleset
        )
        if finding.kind not in args.ignore
    ]
    if copy is not None:
        findings = [shown_as(finding, copy) for finding in findings]
    here = Path.cwd()
    for finding in findings:
        path = Path(finding.path)
        shown = path.relative_to(here) if path.is_absolute() and path.is_relative_to(here) else path
        print(f"{shown}:{finding.line}:{finding.column}: {finding.kind}: {finding.message}")
    linted = len(set(args.ruleset)) if args.ruleset else len(catalog.ids())
    if not args.quiet:
        print(f"{linted} ruleset(s) linted: {len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0
