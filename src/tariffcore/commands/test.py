"""``tariffcore test [PATH...]``: run the golden bills (and golden late-payment cases) stored
next to the rulesets.

Without PATH, every golden bill of every installed ruleset runs. With PATH (a ruleset
directory, its ``tests`` directory or one golden file), the rulesets are loaded from the files
on disk there, not from the installed plug-ins, so an author tests what they just edited.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..authoring import (
    ArrearsCase,
    GoldenCase,
    describe_failure,
    golden_roots,
    load_golden_file,
    run_arrears_case,
    run_case,
)
from ..engine import Catalog, load_catalog
from ..errors import RulesetError
from ._common import Subparsers
from ._conventions import UsageError, quiet_option, stdin_file


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "test",
        help="run golden bills; show expected and actual per line for failures",
        description="Run golden bills (YAML files in a ruleset's tests directory). A failure "
        "shows expected and actual amounts per line with the tier slices. Exit status 1 when "
        "any bill fails.",
    )
    sub.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="ruleset directories, tests directories or golden files (default: every installed "
        "ruleset); '-' alone reads a golden file from standard input and runs it against the "
        "installed rulesets",
    )
    sub.add_argument(
        "-k", dest="keyword", metavar="TEXT", help="run only bills whose ruleset or name contains TEXT"
    )
    sub.add_argument("-v", "--verbose", action="store_true", help="list passing bills too")
    quiet_option(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if "-" in args.paths:
        if args.paths != ["-"]:
            raise UsageError("'-' (a golden file on standard input) is given alone")
        with stdin_file(".yaml") as copy:
            return _run(args, load_catalog(), [copy], copy)
    return _run(args, None, [], None)


def _run(args: argparse.Namespace, catalog: Catalog | None, files: list[Path], copy: Path | None) -> int:
    broken: list[str] = []
    if catalog is None and args.paths:
        missing = [name for name in args.paths if not Path(name).exists()]
        if missing:
            raise UsageError(f"no such file or directory: {', '.join(missing)}")
        roots, files = golden_roots(args.paths)
        catalog = load_catalog(roots, plugin_rulesets=False)
    elif catalog is None:
        catalog = load_catalog()
        files = [Path(name) for ruleset in catalog for name in ruleset.golden_files]
    for key, problems in sorted(catalog.problems.items()):
        broken.append(
            f"ruleset {key or '(unknown id)'} is broken:\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )
    cases: list[GoldenCase] = []
    late: list[ArrearsCase] = []
    for path in files:
        try:
            found = load_golden_file(path)
        except RulesetError as exc:
            text = "\n".join(str(problem) for problem in exc.problems)
            broken.append(text.replace(str(copy), "-") if copy is not None else text)
            continue
        if copy is not None:  # named as given: standard input
            cases += [replace(case, path="-") for case in found.bills]
            late += [replace(case, path="-") for case in found.arrears]
            continue
        cases += found.bills
        late += found.arrears
    if args.keyword:
        cases = [case for case in cases if args.keyword in case.id]
        late = [case for case in late if args.keyword in case.id]
    return report(catalog, cases, late, broken, verbose=args.verbose, quiet=args.quiet)


def report(
    catalog: Catalog,
    cases: list[GoldenCase],
    late: list[ArrearsCase],
    broken: list[str],
    *,
    verbose: bool,
    quiet: bool = False,
) -> int:
    """Run ``cases`` (golden bills) and ``late`` (golden late-payment cases); print failures in
    full and a summary; return the exit status."""
    passed = failed = 0
    for case in cases:
        result = run_case(catalog, case)
        if result.passed:
            passed += 1
            if verbose:
                print(f"ok    {case.path}:{case.line}: {case.id}")
        else:
            failed += 1
            print(f"FAIL  {describe_failure(result)}\n")
    for late_case in late:
        failures = run_arrears_case(catalog, late_case)
        if not failures:
            passed += 1
            if verbose:
                print(f"ok    {late_case.path}:{late_case.line}: {late_case.id}")
        else:
            failed += 1
            print(f"FAIL  {late_case.path}:{late_case.line}: {late_case.id}")
            print("\n".join(f"  {failure}" for failure in failures) + "\n")
    for text in broken:
        print(f"ERROR {text}\n")
    summary = f"golden bills: {passed} passed, {failed} failed"
    if broken:
        summary += f", {len(broken)} file error(s)"
    if not quiet:
        print(summary, file=sys.stderr)
    if not cases and not late and not broken:
        print("no golden bills found", file=sys.stderr)
        return 1
    return 1 if failed or broken else 0
