"""The ``tariffcore`` command line.

Exit status: 0 when everything was billed, 1 when any input row became an error row (the run
still writes a result for every row), 2 when the command could not run at all (a bad option,
a missing file, a broken ruleset or plug-in).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from .bill import Account, Bill, Reading
from .catalog import Catalog, load_catalog
from .errors import BillingError, RulesetError, TariffcoreError, UnknownRulesetError
from .inputs import read_rows
from .output import bill_to_dict, error_to_dict, explain_bill, writer_for

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (TariffcoreError, OSError) as exc:
        print(f"tariffcore: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tariffcore",
        description="Exact municipal water and sewer charges from versioned ordinance rulesets.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def catalog_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--rulesets-dir", action="append", default=[], metavar="DIR",
                         help="also load rulesets from DIR (repeatable)")

    bill = commands.add_parser("bill", help="bill every row of a CSV or JSON-lines file")
    bill.add_argument("input", help="CSV with a header, or JSON lines (.jsonl); '-' reads stdin")
    bill.add_argument("--ruleset", help="ruleset id (or id@version) for rows without a 'ruleset' column")
    bill.add_argument("--format", choices=("jsonl", "csv", "table"), default="jsonl")
    bill.add_argument("--input-format", choices=("csv", "jsonl"), default=None,
                      help="default: from the file name (.jsonl/.ndjson/.json are JSON lines)")
    bill.add_argument("--output", "-o", help="write here instead of standard output")
    catalog_options(bill)
    bill.set_defaults(run=_bill)

    explain = commands.add_parser("explain", help="explain one account's bill line by line")
    explain.add_argument("input", nargs="?", help="input file holding the account (with --account)")
    explain.add_argument("--account", help="account id to explain from INPUT")
    explain.add_argument("--ruleset", help="ruleset id or id@version")
    explain.add_argument("--use-class")
    explain.add_argument("--meter-mm", type=int)
    explain.add_argument("--households", type=int, dest="household_units")
    explain.add_argument("--usage", help="usage in m³")
    explain.add_argument("--billing-month", help="YYYY-MM")
    explain.add_argument("--period-start")
    explain.add_argument("--period-end")
    explain.add_argument("--due-date")
    explain.add_argument("--reductions", help="reduction ids separated by ';'")
    explain.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                         help="an extra account attribute a rule asks for (repeatable)")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    catalog_options(explain)
    explain.set_defaults(run=_explain)

    rulesets = commands.add_parser("rulesets", help="list installed rulesets, versions and sources")
    rulesets.add_argument("--format", choices=("text", "json"), default="text")
    catalog_options(rulesets)
    rulesets.set_defaults(run=_rulesets)

    validate = commands.add_parser("validate", help="check ruleset files; print every problem as file:line:col")
    validate.add_argument("paths", nargs="+", help="ruleset files or directories")
    validate.set_defaults(run=_validate)
    return parser


def _catalog(args: argparse.Namespace) -> Catalog:
    return load_catalog(args.rulesets_dir)


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    if path is None or path == "-":
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            yield stream


def _charge_columns(catalog: Catalog, reference: str | None) -> list[str]:
    if reference is None:
        return []
    ruleset, _ = catalog.resolve(reference)
    columns: list[str] = []
    for version in ruleset.versions:
        for charge in version.charges:
            if charge.id not in columns:
                columns.append(charge.id)
    return columns


def _bill(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    columns = _charge_columns(catalog, args.ruleset)  # also fails early on a bad --ruleset
    failed = 0
    source = sys.stdin if args.input == "-" else args.input
    if source is not sys.stdin and not Path(source).is_file():
        raise OSError(f"no such input file: {source}")
    with _output(args.output) as stream:
        writer = writer_for(args.format, stream, columns)
        for row in read_rows(source, args.input_format or ("csv" if source is sys.stdin else None)):
            result: Bill | BillingError
            if row.error is not None:
                result = row.error
            else:
                assert row.parsed is not None
                result = _bill_one(catalog, row.ruleset or args.ruleset, *row.parsed)
            if isinstance(result, BillingError):
                failed += 1
            writer.write(row.account, result)
        writer.close()
    return 1 if failed else 0


def _bill_one(catalog: Catalog, reference: str | None, account: Account, reading: Reading) -> Bill | BillingError:
    if not reference:
        return BillingError("no ruleset: give --ruleset or a 'ruleset' column", code="no_ruleset")
    try:
        return catalog.bill(reference, account, reading)
    except BillingError as exc:
        return exc
    except UnknownRulesetError as exc:
        return BillingError(str(exc), code="unknown_ruleset")
    except RulesetError as exc:
        return BillingError(f"ruleset {reference} is broken: {exc}", code="broken_ruleset")


def _explain(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    if args.input:
        if not args.account:
            raise UnknownRulesetError("explain INPUT needs --account ID")
        for row in read_rows(args.input):
            if row.account == args.account:
                break
        else:
            raise UnknownRulesetError(f"account {args.account!r} is not in {args.input}")
        if row.error is not None:
            print(f"account {row.account}: error {row.error.code}: {row.error.message}")
            return 1
        assert row.parsed is not None
        account, reading = row.parsed
        reference = row.ruleset or args.ruleset
    else:
        from .inputs import parse_row

        fields: dict[str, object] = {
            "account": args.account or "-", "use_class": args.use_class, "meter_mm": args.meter_mm,
            "household_units": args.household_units, "usage_m3": args.usage,
            "billing_month": args.billing_month, "period_start": args.period_start,
            "period_end": args.period_end, "due_date": args.due_date, "reductions": args.reductions,
        }
        for item in args.set:
            name, _, value = item.partition("=")
            fields[name.strip()] = value
        try:
            account, reading = parse_row(fields)
        except BillingError as exc:
            print(f"error {exc.code}: {exc.message}", file=sys.stderr)
            return 1
        reference = args.ruleset
    result = _bill_one(catalog, reference, account, reading)
    if isinstance(result, BillingError):
        if args.format == "json":
            print(json.dumps(error_to_dict(account.id, result), ensure_ascii=False, indent=2))
        else:
            print(f"account {account.id}: error {result.code}: {result.message}")
        return 1
    if args.format == "json":
        print(json.dumps(bill_to_dict(result), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(explain_bill(result))
    return 0


def _rulesets(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    listing = []
    for ruleset in catalog:
        versions = []
        for version in ruleset.versions:
            start, end = ruleset.in_force(version)
            spec = version.spec
            versions.append({
                "version": version.version,
                "title": spec.title,
                "basis": spec.effective.basis,
                "from": start.isoformat(),
                "until": end.isoformat() if end else None,
                "confidence": spec.confidence,
                "charges": [charge.id for charge in version.charges],
                "not_included": list(spec.not_included),
                "sources": [
                    {"id": s.id, "title": s.title, "url": s.url, "tag": s.tag, "notes": s.notes}
                    for s in spec.sources
                ],
            })
        listing.append({"id": ruleset.id, "title": ruleset.title, "versions": versions})
    if args.format == "json":
        print(json.dumps(listing, ensure_ascii=False, indent=2))
    else:
        for entry in listing:
            print(f"{entry['id']}  {entry['title']}")
            for v in entry["versions"]:
                span = f"{v['from']} .. {v['until'] or ''}"
                print(f"  @{v['version']:<10} {span:<26} by {v['basis'].replace('_', ' ')}; "
                      f"charges: {', '.join(v['charges']) or '-'}"
                      + (f"; not included: {', '.join(v['not_included'])}" if v["not_included"] else ""))
                for s in v["sources"]:
                    print(f"      [{s['tag']}] {s['title']}" + (f" <{s['url']}>" if s["url"] else ""))
    broken = {key: problems for key, problems in catalog.problems.items()}
    for key, problems in broken.items():
        print(f"{key or '(unknown id)'}: BROKEN", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 2 if broken else 0


def _validate(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.paths, plugin_rulesets=False)
    problems = [p for found in catalog.problems.values() for p in found]
    for problem in problems:
        print(problem)
    files = sum(len(r.versions) for r in catalog)
    print(f"{files} version file(s) valid, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
