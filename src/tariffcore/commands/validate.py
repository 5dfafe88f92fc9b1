"""``tariffcore validate PATH...``: every problem in every ruleset file, as file:line:col.

Version files and golden-bill files (below a ``tests`` directory) are both checked; one run
reports everything it finds, so an author can fix a file in one pass. Files in a format a
plug-in loads are checked by it; its warnings are printed too, without failing the run, as are
the charges and late-payment rules that can come to a fraction of the currency's minor unit
with no rounding declared (their bills would be error rows).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..authoring import load_golden_file, rounding_findings
from ..engine import load_catalog, yaml_files
from ..errors import Problem, RulesetError
from ._common import Subparsers
from ._conventions import one_stdin, quiet_option, shown_as, stdin_file


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "validate",
        help="check ruleset files; print every problem as file:line:col",
        description="Check ruleset version files and golden-bill files. Every problem is "
        "printed as path:line:col: message; the exit status is 1 when there is any.",
    )
    sub.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="ruleset files or directories; '-' reads a version file from standard input",
    )
    quiet_option(sub)
    sub.set_defaults(run=run)


def check(paths: list[str]) -> tuple[int, list[Problem]]:
    """Validate ``paths``; return the number of files read and every problem, in file order.

    Files in another format are read by the plug-in that loads them; their notes are among the
    problems, a warning with its severity.
    """
    problems: list[Problem] = []
    roots = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            problems.append(Problem(name, 1, 1, "no such file or directory"))
        else:
            roots.append(path)
    catalog = load_catalog(roots, plugin_rulesets=False)
    suffixes = tuple(catalog.plugins.loaders)
    for path in [root for root in roots if root.is_file()]:
        if not path.name.endswith((".yaml", ".yml")) and not path.name.lower().endswith(suffixes):
            others = f"; plug-ins read {', '.join(suffixes)} files" if suffixes else ""
            problems.append(Problem(str(path), 1, 1, f"not a YAML file (.yaml or .yml){others}"))
    files = [entry for root in roots for entry in yaml_files(root, extra=suffixes)]
    problems += [problem for found in catalog.problems.values() for problem in found]
    problems += [note for found in catalog.notes.values() for note in found]
    # What would make bills error rows without making the files wrong: warnings.
    problems += [replace(found, severity="warning") for found in rounding_findings(catalog)]
    for entry, is_golden in files:
        if is_golden:
            try:
                load_golden_file(entry)
            except RulesetError as exc:
                problems += exc.problems
    order = {str(entry): index for index, (entry, _) in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.path, -1), p.path, p.line, p.column))
    return len(files), problems


def run(args: argparse.Namespace) -> int:
    one_stdin(args.paths)
    missing = [name for name in args.paths if name != "-" and not Path(name).exists()]
    if "-" in args.paths:
        with stdin_file(".yaml") as copy:
            count, found = check([str(copy) if name == "-" else name for name in args.paths])
            found = [shown_as(problem, copy) for problem in found]
    else:
        count, found = check(args.paths)
    for problem in found:
        print(problem)
    problems = [problem for problem in found if problem.severity == "error"]
    warnings = len(found) - len(problems)
    also = f" and {warnings} warning(s)" if warnings else ""
    broken = len({problem.path for problem in problems})
    if args.quiet:
        pass
    elif problems:
        print(
            f"{count} file(s) checked: {len(problems)} problem(s) in {broken} file(s){also}", file=sys.stderr
        )
    else:
        print(f"{count} file(s) checked: no problems{also}", file=sys.stderr)
    if missing:  # named on the command line but not there: a usage error
        return 2
    return 1 if problems else 0
