"""``tariffcore schema``: the JSON Schema of ruleset files, with every installed charge type."""

from __future__ import annotations

import argparse

from ..authoring import schema_text
from ..plugins import load_plugins
from ._common import Subparsers, output


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of ruleset files (for editors)",
        description="Print the JSON Schema of a ruleset version file, including the spec of "
        "every installed charge type (a union discriminated by 'type'). Point an editor at it "
        "with a first line '# yaml-language-server: $schema=PATH'.",
    )
    sub.add_argument("--output", "-o", help="write here instead of standard output")
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with output(args.output) as stream:
        stream.write(schema_text(load_plugins().charge_types))
    return 0
