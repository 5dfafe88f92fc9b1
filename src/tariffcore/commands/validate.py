"""``tariffcore validate PATH...``: every problem in every ruleset file, as file:line:col."""

from __future__ import annotations

import argparse
import sys

from ..catalog import load_catalog
from ._common import Subparsers


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("validate", help="check ruleset files; print every problem as file:line:col")
    sub.add_argument("paths", nargs="+", help="ruleset files or directories")
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.paths, plugin_rulesets=False)
    problems = [problem for found in catalog.problems.values() for problem in found]
    for problem in problems:
        print(problem)
    files = sum(len(ruleset.versions) + len(ruleset.arrears_versions) for ruleset in catalog)
    print(f"{files} version file(s) valid, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0
