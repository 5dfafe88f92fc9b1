"""Pages generated at build time from the code and the installed rulesets.

- :func:`city_pages`: one page per ruleset (each version's tables, switch dates, sources,
  what is unknown or not included) with SVG charts of usage charges against usage;
- :func:`format_reference`: the ruleset format reference, from the JSON Schema that is
  itself generated from the pydantic models;
- :func:`cli_reference`: every command's ``--help``.

Everything here reads tariffcore's public objects only, so a new city appears by itself.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from tariffcore import Account, Catalog, Reading, Ruleset
from tariffcore.charges import BaseByMeterSpec, BillContext, PerUnitSpec, TieredSpec, UnitPrice
from tariffcore.charts import Series, line_chart
from tariffcore.engine import STATUSES, CompiledVersion, coverage_text
from tariffcore.errors import BillingError, InputError, NotApplicableError, UnknownValueError
from tariffcore.format import UNKNOWN, Source
from tariffcore.money import format_amount

__all__ = ["Page", "city_pages", "cli_reference", "coverage_page", "format_reference"]


@dataclass(frozen=True)
class Page:
    """A generated file: its path below ``docs/`` and its text."""

    uri: str
    text: str


# ============================================================================ city pages


def city_pages(catalog: Catalog) -> list[Page]:
    """A page per ruleset plus an index, and the SVG charts they show."""
    pages: list[Page] = []
    index = [
        "# Cities",
        "",
        "One page per installed ruleset, generated from its YAML files when the site is "
        "built. Charts show what each version charges against usage.",
        "",
        "| ruleset | jurisdiction | versions | tariff in force from |",
        "|---|---|---|---|",
    ]
    for ruleset in catalog:
        every = (*ruleset.versions, *getattr(ruleset, "arrears_versions", ()))
        latest = every[-1].spec
        start = ruleset.in_force(ruleset.versions[0])[0] if ruleset.versions else "–"
        index.append(
            f"| [{ruleset.id}]({ruleset.id}.md) | {_cell(latest.jurisdiction)} | "
            f"{', '.join(v.version for v in every)} | {start} |"
        )
        pages += _city(ruleset)
    broken = sorted(key for key in catalog.problems if key)
    if broken:
        index += [
            "",
            "Rulesets that failed to load (run `tariffcore validate`): "
            + ", ".join(f"`{key}`" for key in broken)
            + ".",
        ]
    index += [
        "",
        "What the bundled data can bill, month by month and charge by charge: [Coverage](coverage.md).",
    ]
    pages.append(Page("cities/index.md", "\n".join(index) + "\n"))
    pages.append(Page("cities/coverage.md", coverage_page(catalog)))
    return pages


def coverage_page(catalog: Catalog) -> str:
    """Every ruleset's coverage: a row per run of months with the same status of every charge
    (``tariffcore rulesets coverage``)."""
    out = [
        "# Coverage",
        "",
        "What the bundled data can bill, per city, month by month and charge by charge, under the",
        "version in force on the first day of each month (each version judged by its own kind of",
        "date). Consecutive months alike are one row. The same table is printed by",
        "`tariffcore rulesets coverage [ID]`.",
        "",
        "| mark | status | meaning |",
        "|---|---|---|",
        f"| {STATUSES['billable']} | billable | the charge has no unknown value: every use class, tier and meter size bills |",
        f"| {STATUSES['partly']} | partly | some values are unknown (a class, a higher tier, a meter size): some bills fail with `unknown_value` |",
        f"| {STATUSES['unknown']} | unknown | every value of the charge is unknown: no bill of it can be made |",
        f"| {STATUSES['not included']} | not included | the data lacks the charge entirely: bills leave it out and say so |",
        f"| {STATUSES['none']} | none | the version has no such charge, or no version is in force |",
        "",
        "A bill can still leave out a partly known or unknown charge on request "
        "(`--charges`, see [the command line](../cli.md)).",
    ]
    for ruleset in catalog:
        if not ruleset.versions:
            continue
        out += ["", f"## [{ruleset.id}]({ruleset.id}.md)", "", coverage_text(ruleset, markdown=True).rstrip()]
    return "\n".join(out) + "\n"


def _city(ruleset: Ruleset) -> list[Page]:
    slug = ruleset.id
    name = slug.rsplit("/", 1)[-1]
    late = tuple(getattr(ruleset, "arrears_versions", ()))
    latest = (ruleset.versions or late)[-1].spec
    lines = [
        f"# {ruleset.id} — {latest.jurisdiction}",
        "",
        f"*{_md(latest.title)}*",
        "",
        f"Generated from the ruleset files when this site was built: {len(ruleset.versions)} "
        f"tariff version(s), {len(late)} late-payment version(s), "
        f"{len(ruleset.golden_files)} golden file(s).",
        "",
    ]
    pages: list[Page] = []
    if ruleset.versions:
        lines += [
            "## Versions and switch dates",
            "",
            "| version | in force | selected by | charges | not included | checked |",
            "|---|---|---|---|---|---|",
        ]
        for version in ruleset.versions:
            start, end = ruleset.in_force(version)
            spec = version.spec
            lines.append(
                f"| {version.version} | {start} – {end or 'open'} | {spec.effective.basis.replace('_', ' ')} | "
                f"{', '.join(c.id for c in version.charges) or '–'} | "
                f"{', '.join(spec.not_included) or '–'} | {spec.checked or 'never recorded'} |"
            )
        lines += [
            "",
            "A version is in force from its first day until the day before the next "
            "version takes effect (or its own `until`). Dates outside every range fail with "
            "`no_version_in_force` rather than guess.",
            "",
        ]
    classes = _classes(ruleset)
    if classes:
        lines += [
            "## Charges against usage",
            "",
            "What each charge that depends on usage comes to for one month, per use class, "
            "one line per version (each rounded as its ruleset says). Fixed charges that "
            "depend on the meter are not drawn. A line stops where the ordinance data has "
            "no value.",
            "",
        ]
        for cls, label in classes:
            lines += [f"### {cls} ({label})", ""]
            for charge_id, chart, caption in _class_charts(ruleset, cls, label):
                if chart is None:
                    lines += [f"- `{charge_id}`: {caption}"]
                    continue
                pages.append(Page(f"cities/{slug}-{cls}-{charge_id}.svg", chart))
                lines += [
                    f"![{ruleset.id} {cls} {charge_id} against usage]({name}-{cls}-{charge_id}.svg)",
                    "",
                    caption,
                    "",
                ]
            lines.append("")
    for version in reversed(ruleset.versions):
        lines += _version(ruleset, version)
    if late:
        lines += _late_payment(late)
    pages.append(Page(f"cities/{slug}.md", "\n".join(lines) + "\n"))
    return pages


def _late_payment(versions: tuple[Any, ...]) -> list[str]:
    """The late-payment (arrears) versions: when each is in force, its rules and sources."""
    from tariffcore.format import Timeline

    ranges = {v.version: span for v, span in Timeline.sorted(versions)}
    out = [
        "## Late-payment rules",
        "",
        "| version | in force (by "
        + "/".join(sorted({str(v.spec.effective.basis or "–").replace("_", " ") for v in versions}))
        + ") | rules | checked |",
        "|---|---|---|---|",
    ]
    for version in versions:
        span = ranges.get(version.version)
        when = f"{span[0]} – {span[1] or 'open'}" if span else "start unknown: used only when named"
        out.append(
            f"| {version.version} | {when} | {', '.join(rule.id for rule in version.rules)} | "
            f"{version.spec.checked or 'never recorded'} |"
        )
    out.append("")
    for version in reversed(versions):
        spec = version.spec
        section = spec.arrears
        out += [
            f"### Late-payment version {version.version}",
            "",
            f"*{_md(spec.title)}*",
            "",
            f"- **Confidence:** {_md(spec.confidence)}",
            f"- **Sources last checked:** {spec.checked or 'never recorded'}",
        ]
        if spec.effective.note:
            out.append(f"- **Dates:** {_md(spec.effective.note)}")
        if section.rounding is not None:
            out.append(f"- **Rounding of every surcharge:** {section.rounding.to_rounding().describe()}")
        if section.limitation is not None:
            out.append(f"- **Limitation period:** {section.limitation.years} years from the due date")
        if section.allocation is not None:
            out.append(f"- **Payments:** oldest bill first; surcharges {section.allocation.surcharges}")
        out += ["", "| rule | kind | label | on | percent | terms |", "|---|---|---|---|---|---|"]
        for rule_id, rule in section.rules.items():
            terms = []
            if rule.kind == "daily":
                terms.append(
                    f"× days late / {rule.days}; after {rule.days} days: "
                    f"{'the full percentage' if rule.beyond == 'cap' else 'unknown'}"
                )
            elif rule.kind == "monthly":
                terms.append(f"per full month, at most {rule.max_months} months")
                if rule.threshold is not None:
                    terms.append(f"from an unpaid {_value(rule.threshold)} on")
            else:
                terms.append("once, after the due date")
            on = ", ".join(rule.applies_to) if rule.applies_to else "the whole bill"
            out.append(
                f"| `{rule_id}` | {rule.kind.replace('_', '-')} | {_cell(rule.label)} | {on} | "
                f"{_value(rule.percent)} | {'; '.join(terms)} |"
            )
        out += ["", "| tag | source | notes |", "|---|---|---|"]
        out += _source_rows(spec.sources)
        if section.note:
            out += ["", _md(section.note)]
        out.append("")
    return out


def _classes(ruleset: Ruleset) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for version in ruleset.versions:
        for cls, use_class in version.spec.use_classes.items():
            found.setdefault(cls, use_class.label)
    return list(found.items())


def _version(ruleset: Ruleset, version: CompiledVersion) -> list[str]:
    spec = version.spec
    start, end = ruleset.in_force(version)
    out = [
        f"## Version {version.version}",
        "",
        f"*{_md(spec.title)}*",
        "",
        f"- **In force:** {start} – {end or 'until replaced'}, selected by "
        f"{spec.effective.basis.replace('_', ' ')}"
        + (f" (declared until {spec.effective.until})" if spec.effective.until else ""),
        f"- **Confidence:** {_md(spec.confidence)}",
        f"- **Sources last checked:** {spec.checked or 'never recorded'}",
    ]
    if spec.effective.note:
        out.append(f"- **Dates:** {_md(spec.effective.note)}")
    if spec.rounding is not None:
        out.append(f"- **Rounding of every line:** {spec.rounding.to_rounding().describe()}")
    out += ["", "### Sources", "", "| tag | source | notes |", "|---|---|---|"]
    out += _source_rows(spec.sources)
    out += [
        "",
        "Tags: OFF official page or notice; NEWS press report of an official "
        "announcement; CODE seen only in public code; INF inferred arithmetic.",
        "",
        "### Use classes",
        "",
        "| id | label | households behind a meter by default | note |",
        "|---|---|---|---|",
    ]
    for cls, use_class in spec.use_classes.items():
        out.append(
            f"| `{cls}` | {_cell(use_class.label)} | {use_class.household_units_default} | "
            f"{_cell(use_class.note or '')} |"
        )
    out += ["", "### Charges", ""]
    charge_types = {charge.id: spec.charges[charge.id].get("type") for charge in version.charges}
    for charge in version.charges:
        raw = spec.charges[charge.id]
        out += [f"#### `{charge.id}` — {_md(charge.label)} ({charge_types[charge.id]})", ""]
        facts = [f"sources: {', '.join(ref.id for ref in charge.sources)}"]
        if charge.applies_to is not None:
            facts.append(f"applies to: {', '.join(sorted(charge.applies_to)) or 'no class'}")
        facts.append(f"rounding: {charge.rounding.describe() if charge.rounding else 'none'}")
        out += ["; ".join(facts) + ".", ""]
        out += _charge_table(version, charge.id, raw)
        if raw.get("note"):
            out += ["", _md(str(raw["note"]))]
        out.append("")
    reductions = getattr(spec, "reductions", None) or {}
    if reductions:
        out += ["### Reductions", ""]
        for rid, entry in reductions.items():
            out += [
                f"#### `{rid}` — {_md(str(entry.get('label', rid)))} ({entry.get('type')})",
                "",
                "```yaml",
                yaml.safe_dump(
                    _plain({k: v for k, v in entry.items() if k not in ("type", "label")}),
                    allow_unicode=True,
                    sort_keys=False,
                ).rstrip(),
                "```",
                "",
            ]
    unknown = list(_unknowns(spec.charges))
    out += ["### Unknown and not included", ""]
    if not unknown and not spec.not_included:
        out.append("Nothing: every value this version needs is known.")
    for where in unknown:
        out.append(f"- unknown in the ordinance data: {where} (bills that need it fail with `unknown_value`)")
    for charge_id, reason in spec.not_included.items():
        out.append(f"- `{charge_id}` not included: {_md(reason)}")
    if spec.notes:
        out += ["", "### Notes", "", _md(spec.notes)]
    out.append("")
    return out


def _charge_table(version: CompiledVersion, charge_id: str, raw: Mapping[str, Any]) -> list[str]:
    charge_type = _types().get(str(raw.get("type")))
    if charge_type is None:  # pragma: no cover - the version compiled, so its type exists
        return []
    spec = charge_type.spec.model_validate(raw)
    currency = version.spec.currency
    if isinstance(spec, TieredSpec):
        rows = ["| use class | usage (m³) | rate (" + currency + "/m³) |", "|---|---|---|"]
        for cls, entry in spec.classes.items():
            if entry.same_as is not None:
                what = f"as `{entry.same_as}`" + (f" tier {entry.tier}, for all usage" if entry.tier else "")
                rows.append(f"| `{cls}` | all | {what} |")
            elif entry.rate is not None:
                rows.append(f"| `{cls}` | all | {_value(entry.rate)} |")
            else:
                lower = Decimal(0)
                for number, tier in enumerate(entry.tiers or [], start=1):
                    span = _span(lower, tier.upto)
                    rows.append(
                        f"| `{cls}` | {span} | {_value(tier.rate)} |"
                        if number == 1
                        else f"| | {span} | {_value(tier.rate)} |"
                    )
                    lower = tier.upto if isinstance(tier.upto, Decimal) else lower
            extras = []
            if entry.scale_by_households:
                extras.append("tier widths × households behind the meter")
            if entry.allowance is not None:
                billed = (
                    f"billed as `{entry.allowance.billed_as}`"
                    if entry.allowance.billed_as is not None
                    else f"at {_value(entry.allowance.rate)}"
                )
                extras.append(
                    f"first {format_amount(entry.allowance.per_household)} m³ × households {billed}"
                )
            if extras:
                rows.append(f"| | | *{'; '.join(extras)}* |")
        kind = (
            "graduated: each slice of usage at its tier's rate"
            if raw.get("type") == "graduated"
            else "volume: all usage at the rate of the block it falls in"
            if raw.get("type") == "volume"
            else ""
        )
        return ([f"Tiers are {kind}.", ""] if kind else []) + rows
    if isinstance(spec, PerUnitSpec):
        rows = ["| use class | unit price (" + currency + "/m³) |", "|---|---|"]
        if spec.rate is not None:
            rows.append(f"| all | {_price(spec.rate)} |")
        for cls, entry in (spec.classes or {}).items():
            rows.append(f"| `{cls}` | {_price(entry)} |")
        return rows
    if isinstance(spec, BaseByMeterSpec):
        if spec.rates is not None:
            rows = ["| meter (mm) | charge per month (" + currency + ") |", "|---|---|"]
            rows += [f"| {mm} | {_value(rate)} |" for mm, rate in sorted(spec.rates.items())]
            return rows + ["", "Other meter sizes: unknown in the ordinance data."]
        rows = ["| use class | meter (mm) | charge per month (" + currency + ") |", "|---|---|---|"]
        for cls, table in (spec.classes or {}).items():
            if not isinstance(table, dict):
                rows.append(f"| `{cls}` | all | {_value(table)} |")
                continue
            for number, (mm, rate) in enumerate(sorted(table.items())):
                rows.append(f"| {f'`{cls}`' if number == 0 else ''} | {mm} | {_value(rate)} |")
        return rows + ["", "Other meter sizes: unknown in the ordinance data."]
    data = {key: value for key, value in raw.items() if key not in ("type", "label", "source")}
    return ["```yaml", yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False).rstrip(), "```"]


_TYPES: dict[str, Any] = {}


def _types() -> dict[str, Any]:
    if not _TYPES:
        from tariffcore.plugins import load_plugins

        _TYPES.update(load_plugins().charge_types)
    return _TYPES


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format_amount(value)
    return value if isinstance(value, (str, int, bool)) or value is None else str(value)


def _span(lower: Decimal, upto: Decimal | str | None) -> str:
    first = format_amount(lower + 1) if lower == lower.to_integral_value() else f"over {format_amount(lower)}"
    if upto is None:
        return f"{first}+"
    if upto == UNKNOWN:
        return f"{first}–? (upper bound unknown)"
    return f"{first}–{format_amount(Decimal(upto))}"


def _value(value: Decimal | str | None) -> str:
    if value is None:
        return "–"
    if value == UNKNOWN:
        return "**unknown**"
    return (
        f"{Decimal(value):,}"
        if Decimal(value) == Decimal(value).to_integral_value()
        else format_amount(Decimal(value))
    )


def _price(entry: Any) -> str:
    if isinstance(entry, UnitPrice):
        parts = [format_amount(entry.base)]
        for factor in entry.factors:
            if isinstance(factor, Decimal):
                parts.append(format_amount(factor))
            else:
                parts.append(
                    f"{factor.input} ({', '.join(f'{k}: {format_amount(v)}' for k, v in factor.values.items())})"
                )
        text = " × ".join(parts)
        if entry.rounding is not None:
            text += f", {entry.rounding.to_rounding().describe()}"
        return text
    return _value(entry)


def _unknowns(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Where a charge entry writes ``unknown``, in words: ``water general tier 3 rate``."""
    if value == UNKNOWN:
        yield "`" + " ".join(path) + "`"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unknowns(item, path if key in ("classes", "tiers") else (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from _unknowns(item, (*path, f"tier {index}"))


# ---------------------------------------------------------------------------- charts


def _class_charts(ruleset: Ruleset, cls: str, label: str) -> list[tuple[str, str | None, str]]:
    """(charge id, SVG or None, caption) for every usage charge of ``cls``, versions overlaid."""
    top, bounds = _x_range(ruleset, cls)
    charge_ids: list[str] = []
    for version in ruleset.versions:
        charge_ids += [c.id for c in version.charges if c.id not in charge_ids]
    found: list[tuple[str, str | None, str]] = []
    for charge_id in charge_ids:
        series = []
        for version in ruleset.versions:
            charge = next((c for c in version.charges if c.id == charge_id), None)
            if cls not in version.spec.use_classes or charge is None:
                continue
            if charge.applies_to is not None and cls not in charge.applies_to:
                continue
            points, stop, kind = _charge_curve(ruleset, version, cls, charge_id, top, bounds)
            if kind == "usage":
                series.append(Series(version.version, points, stop))
        if not series:
            continue  # a fixed charge, or none for this class
        label_text = next(c.label for v in ruleset.versions for c in v.charges if c.id == charge_id)
        if not any(len(line.points) > 1 for line in series):
            found.append(
                (
                    charge_id,
                    None,
                    f"{_md(label_text)}: no rate for {cls} is known in the "
                    f"ordinance data (versions {', '.join(line.name for line in series)}).",
                )
            )
            continue
        blank = [line.name for line in series if len(line.points) <= 1]
        series = [line for line in series if len(line.points) > 1]
        chart_top = top
        ends = [line.points[-1][0] for line in series if line.points]
        if all(line.stop for line in series) and ends:
            chart_top = max(Decimal(30), (max(ends) * Decimal("1.2")).to_integral_value())
        chart = line_chart(
            series,
            title=f"{ruleset.id} — {cls} ({label}): {charge_id}",
            x_label="usage in a month (m³)",
            y_label=f"{charge_id} ({ruleset.versions[-1].spec.currency})",
            x_max=chart_top,
        )
        caption = f"{_md(label_text)} (`{charge_id}`)."
        stops = [f"{line.name} {line.stop}" for line in series if line.stop]
        if stops:
            caption += " Stops where the data ends: " + "; ".join(stops) + "."
        if blank:
            caption += f" No rate known for {cls} in version(s) {', '.join(blank)}."
        found.append((charge_id, chart, caption))
    return found


def _x_range(ruleset: Ruleset, cls: str) -> tuple[Decimal, list[Decimal]]:
    """How far to draw (a quarter past the highest tier bound) and the bounds themselves."""
    bounds: list[Decimal] = []

    def scan(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "upto" and isinstance(item, (int, Decimal)) and not isinstance(item, bool):
                    bounds.append(Decimal(item))
                else:
                    scan(item)
        elif isinstance(value, list):
            for item in value:
                scan(item)

    for version in ruleset.versions:
        for raw in version.spec.charges.values():
            classes = raw.get("classes")
            if not isinstance(classes, dict):
                continue
            entry = classes.get(cls)
            scan(entry)
            if isinstance(entry, dict) and isinstance(entry.get("same_as"), str):
                scan(classes.get(entry["same_as"]))
            if isinstance(entry, dict) and isinstance(entry.get("allowance"), dict):
                scan(classes.get(entry["allowance"].get("billed_as")))
    highest = max(bounds, default=Decimal(40))
    return max(Decimal(30), (highest * Decimal("1.25")).to_integral_value()), sorted(set(bounds))


def _charge_curve(
    ruleset: Ruleset,
    version: CompiledVersion,
    cls: str,
    charge_id: str,
    top: Decimal,
    bounds: Sequence[Decimal] = (),
) -> tuple[list[tuple[Decimal, Decimal]], str | None, str]:
    """One charge of ``cls`` under ``version`` from 0 to ``top`` m³, sampled evenly and at every
    tier bound (and just past it, where volume tiers jump), so the line is exact.

    Returns the points, why the line stops early (``None``: it does not), and the kind of
    charge: ``usage`` (per m³), ``fixed`` (not per m³, or needs the meter) or ``none``.
    """
    charge = next(c for c in version.charges if c.id == charge_id)
    start = ruleset.in_force(version)[0]
    households = version.spec.use_classes[cls].household_units_default
    step = max(Decimal(1), (top / 300).to_integral_value())
    samples = {step * n for n in range(int(top / step) + 1)}
    samples |= {b for b in bounds if b <= top} | {b + 1 for b in bounds if b + 1 <= top}
    points: list[tuple[Decimal, Decimal]] = []
    for usage in sorted(samples):
        account = Account("chart", cls, household_units=households)
        reading = Reading(usage, billing_month=start, period_start=start, period_end=start, due_date=start)
        context = BillContext(account, reading, households, version.label)
        try:
            charged = charge.compute(context)
        except UnknownValueError:
            last = points[-1][0] if points else Decimal(0)
            return points, f"unknown above {format_amount(last)} m³", "usage"
        except (InputError, NotApplicableError, BillingError, LookupError):
            return points, None, "fixed" if points else "none"
        if charged is None:
            return points, None, "none"
        if charged.unit != "m3":
            return points, None, "fixed"
        amount = charge.rounding.apply(charged.amount) if charge.rounding else charged.amount
        points.append((usage, amount))
    return points, None, "usage"


# ============================================================================ references


def format_reference(schema: Mapping[str, Any]) -> str:
    """Markdown tables of every object in the ruleset JSON Schema, the file kinds first."""
    defs: Mapping[str, Any] = schema.get("$defs", {})
    # The file kinds in their whole form ("else"), and the forms of a file that extends another
    # ("then"), each described in a sentence under its kind rather than repeated.
    tops = [option["$ref"].rsplit("/", 1)[-1] for option in schema.get("else", schema).get("oneOf", [])]
    partial = [option["$ref"].rsplit("/", 1)[-1] for option in schema.get("then", {}).get("anyOf", [])]
    titles = {
        "RulesetVersion": ("Tariff version file", "version-file"),
        "ArrearsVersion": ("Late-payment version file", "arrears-version-file"),
    }
    out = []
    for name in tops:
        title, anchor = titles.get(name, (name, name.lower()))
        out.append(_object_section(title, defs[name], defs, level=3, anchor=anchor))
        for changes in (c for c in partial if c == f"{name}Changes"):
            out.append(
                f"{defs[changes]['description']} What a list holds (tiers, sources) is given in "
                "full: a list replaces the inherited one. See [adding a version](versions.md).\n"
            )
    charges = defs.get("RulesetVersion", {}).get("properties", {}).get("charges", {})
    mapping = charges.get("additionalProperties", {}).get("discriminator", {}).get("mapping", {})
    if mapping:
        out.append(
            "### Charge types\n\nA charge entry's `type` picks the model that validates "
            "it. Installed types: "
            + ", ".join(f"[`{name}`](#{_anchor(ref)})" for name, ref in sorted(mapping.items()))
            + ".\n"
        )
    order = [ref.rsplit("/", 1)[-1] for _, ref in sorted(mapping.items())]
    order += sorted(name for name in defs if name not in order and name not in tops and name not in partial)
    order = [name for name in order if not any(name == f"{top}Changes" for top in order)]
    out.append("### Parts\n")
    for name in order:
        out.append(_object_section(name, defs[name], defs, level=4, anchor=name.lower()))
    return "\n".join(out)


def _anchor(ref: str) -> str:
    return ref.rsplit("/", 1)[-1].lower()


def _object_section(
    name: str, node: Mapping[str, Any], defs: Mapping[str, Any], level: int, anchor: str
) -> str:
    lines = [f"{'#' * level} {name} {{#{anchor}}}", ""]
    if node.get("description"):
        lines += [node["description"], ""]
    properties = node.get("properties")
    if not properties:
        lines += [f"Type: {_type(node)}.", ""]
        return "\n".join(lines)
    required = set(node.get("required", []))
    lines += ["| field | type | required | description |", "|---|---|---|---|"]
    for field, spec in properties.items():
        default = spec.get("default")
        need = (
            "yes" if field in required else ("no" if default is None else f"no (default `{_json(default)}`)")
        )
        lines.append(f"| `{field}` | {_type(spec)} | {need} | {_cell(spec.get('description', ''))} |")
    lines.append("")
    return "\n".join(lines)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _type(spec: Mapping[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "const" in spec:
        return f"`{_json(spec['const'])}`"
    if "enum" in spec:
        return " or ".join(f"`{_json(v)}`" for v in spec["enum"])
    for key in ("anyOf", "oneOf"):
        if key in spec:
            kinds = [_type(option) for option in spec[key] if option.get("type") != "null"]
            return " or ".join(dict.fromkeys(kinds))
    kind = spec.get("type")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if kind == "object":
        values = spec.get("additionalProperties")
        return f"mapping: key → {_type(values)}" if isinstance(values, dict) else "mapping"
    if kind == "string":
        if spec.get("pattern") == r"^\d{4}-\d{2}(-\d{2})?$":
            return "date (YYYY-MM-DD) or month (YYYY-MM)"
        if spec.get("format") == "date":
            return "date (YYYY-MM-DD)"
        return "text" + (f" matching `{spec['pattern']}`" if "pattern" in spec else "")
    if kind == "number":
        bound = [
            f"> {spec['exclusiveMinimum']}" if "exclusiveMinimum" in spec else "",
            f"≥ {spec['minimum']}" if "minimum" in spec else "",
        ]
        return "number" + "".join(f" ({b})" for b in bound if b)
    if kind == "integer":
        return "whole number" + (f" (≥ {spec['minimum']})" if "minimum" in spec else "")
    if kind == "boolean":
        return "true or false"
    return "any value"


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """Every command's ``--help`` text, as the program prints it."""
    out = ["```text", _help(parser).rstrip(), "```", ""]
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in actions:
        for name, sub in action.choices.items():
            out += [f"## `tariffcore {name}`", "", "```text", _help(sub).rstrip(), "```", ""]
    return "\n".join(out)


def error_codes_reference() -> str:
    """The tables of error codes: every billing error code with its class, HTTP status and
    meaning, then the service's own codes (both read from the code, never written twice)."""
    from tariffcore.service import SERVICE_CODES, billing_codes

    out = [
        "| code | class | HTTP status | meaning |",
        "|---|---|---|---|",
        *(
            f"| `{code}` | `{name}` | {status} | {_cell(meaning)} |"
            for code, name, status, meaning in billing_codes()
        ),
        "",
        "The service's own codes, for a request it cannot read or will not serve "
        "([HTTP service](service.md)):",
        "",
        "| code | HTTP status | meaning |",
        "|---|---|---|",
        *(f"| `{code}` | {status} | {_cell(meaning)} |" for code, (status, meaning) in SERVICE_CODES.items()),
        "",
    ]
    return "\n".join(out)


def _help(parser: argparse.ArgumentParser) -> str:
    # argparse wraps to the terminal's width; fix it so the page is the same everywhere.
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            parser.print_help()
        return buffer.getvalue()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


# ---------------------------------------------------------------------------- text


def _md(text: str) -> str:
    return " ".join(str(text).split())


def _source_rows(sources: Iterable[Source]) -> list[str]:
    """The rows of a sources table: tag, title (linked when it has a URL), notes."""
    rows = []
    for source in sources:
        title = f"[{_cell(source.title)}]({source.url})" if source.url else _cell(source.title)
        rows.append(f"| {source.tag} | {title} | {_cell(source.notes or '')} |")
    return rows


def _cell(text: str) -> str:
    return _md(text).replace("|", "\\|")
