"""Reading an ``.owrs`` file into a tariffcore ruleset version.

One OWRS file is one version of the ruleset ``owrs/<utility>`` (see
:mod:`tariffcore_owrs.paths`), in force from the date in its file name, billed per the period
its ``metadata.bill_frequency`` names, in its ``metadata.bill_unit``. Its customer classes are
the version's use classes; the charges its ``bill`` formulas add up are the version's charges,
each of charge type ``owrs`` (:mod:`tariffcore_owrs.charge`), plus ``bill_adjustment`` for
whatever a ``bill`` formula adds beyond them (a multiplier, a term of its own, the cent the
whole bill rounds to).

What makes the file unreadable is a problem: YAML it cannot be, duplicate keys (R's reader,
which RateParser used, rejects them), no ``rate_structure``, no date, an unknown bill frequency
or unit. What makes one class impossible to bill is reported as an error note, and only that
class fails to bill. Notes also say where the metadata's date differs from the file name's,
where a TAB before a colon was read as a space, and where a formula names something neither
the file nor the survey's data defines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from tariffcore import Loaded, Problem, RulesetError, RulesetLoader, VersionDocument
from tariffcore.format import Located, load_yaml

from .paths import file_date, metadata_date, ruleset_id, utility_folder
from .survey import SURVEY_COLUMNS

if TYPE_CHECKING:
    from .block import Block

__all__ = ["ADJUSTMENT", "FREQUENCIES", "OwrsLoader"]

Path = tuple[str | int, ...]

#: The charge id of the part of a bill its formula adds beyond the charges it names.
ADJUSTMENT = "bill_adjustment"

#: Months per bill of each ``bill_frequency`` (compared in lower case without ``-`` and blanks).
FREQUENCIES: Mapping[str, int] = {
    "monthly": 1,
    "bimonthly": 2,
    "quarterly": 3,
    "annually": 12,
    "annual": 12,
    "yearly": 12,
}
_UNITS = {"ccf": "ccf", "hcf": "ccf", "kgal": "kgal"}
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TAB_BEFORE_COLON = re.compile(r"(?<=\S)([ \t]*\t[ \t]*)(?=:)")


class OwrsLoader(RulesetLoader):
    """Reads Open Water Rate Specification files (``.owrs``)."""

    name = "owrs"
    suffixes = (".owrs",)

    def load(self, text: str, path: str) -> Loaded:
        return _File(text, path).read()


class _File:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        utility, self.state = utility_folder(path)
        self.utility = utility or PurePath(path).stem
        self.ruleset = ruleset_id(self.utility)
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.located: Located | None = None

    # -- places

    def at(self, where: Path, message: str, severity: str = "error") -> Problem:
        line, column = self.located.where(where) if self.located is not None else (1, 1)
        return Problem(self.path, line, column, message, severity=severity)

    def fail(self, where: Path, message: str) -> Loaded:
        self.problems.append(self.at(where, message))
        return Loaded(self.ruleset, (), tuple(self.problems), tuple(self.notes))

    # -- the file

    def read(self) -> Loaded:
        text = self.tabs(self.text)
        try:
            self.located = load_yaml(text, self.path, keep_going=True)
        except RulesetError as exc:
            return Loaded(self.ruleset, (), exc.problems, tuple(self.notes))
        except (ValueError, RecursionError) as exc:
            return self.fail((), f"cannot be read as YAML: {type(exc).__name__}: {exc}")
        if self.located.problems:  # duplicate keys: R's YAML reader rejects the file
            return Loaded(self.ruleset, (), self.located.problems, tuple(self.notes))
        data = self.located.data
        if not isinstance(data, dict):
            return self.fail((), "an OWRS file is a mapping with 'metadata' and 'rate_structure'")
        metadata = data.get("metadata")
        if not isinstance(metadata, dict):
            return self.fail(
                ("metadata",) if "metadata" in data else (),
                "an OWRS file needs 'metadata' (effective_date, bill_frequency, bill_unit)",
            )
        structure = data.get("rate_structure")
        if not isinstance(structure, dict) or not structure:
            return self.fail(
                ("rate_structure",) if "rate_structure" in data else (),
                "an OWRS file needs 'rate_structure', a mapping of customer classes",
            )
        day = self.effective(metadata)
        months = self.months(metadata)
        unit = self.unit(metadata)
        if day is None or months is None or unit is None:
            return Loaded(self.ruleset, (), tuple(self.problems), tuple(self.notes))
        blocks = self.blocks(structure)
        document = self.document(data, metadata, day, months, unit, blocks)
        notes = sorted(self.notes, key=lambda note: (note.line, note.column))
        return Loaded(self.ruleset, (document,), tuple(self.problems), tuple(notes))

    def tabs(self, text: str) -> str:
        """A TAB between a key and its colon (``1" <TAB>: 32.77``) read as a space, as R's YAML
        reader does; a TAB in indentation stays an error."""
        if "\t" not in text:
            return text
        lines = text.split("\n")
        found: list[tuple[int, int]] = []
        for number, line in enumerate(lines, start=1):
            if "\t" in line and _TAB_BEFORE_COLON.search(line):
                found.append((number, line.index("\t") + 1))
                lines[number - 1] = _TAB_BEFORE_COLON.sub(lambda m: " " * len(m.group(1)), line)
        if found:
            others = [str(number) for number, _ in found[1:]]
            more = (
                f" (and on line{'s' * (len(others) > 1)} {', '.join(others[:10])}"
                + (", …" if len(others) > 10 else "")
                + ")"
                if others
                else ""
            )
            self.notes.append(
                Problem(
                    self.path,
                    *found[0],
                    "a TAB before ':' is read as a space"
                    f"{more}: strict YAML refuses it, R's YAML reader (which "
                    "RateParser used) accepts it",
                    severity="warning",
                )
            )
        return "\n".join(lines)

    def effective(self, metadata: dict[str, Any]) -> date | None:
        named = file_date(self.path)
        written = metadata.get("effective_date")
        stated = metadata_date(written)
        where = ("metadata", "effective_date")
        if written is not None and stated is None:
            self.notes.append(
                self.at(
                    where, f"effective_date {written!r} is not a date (M/D/YYYY or YYYY-MM-DD)", "warning"
                )
            )
        if named is None:
            if stated is None:
                self.problems.append(
                    self.at(
                        where if written is not None else (),
                        "no effective date: the file name holds none "
                        "(MM-DD-YYYY or YYYY-MM-DD) and neither does "
                        "metadata.effective_date",
                    )
                )
                return None
            self.notes.append(
                self.at(
                    where,
                    f"the file name holds no date: version {stated.isoformat()} is metadata.effective_date's",
                    "warning",
                )
            )
            return stated
        if stated is not None and stated != named:
            self.notes.append(
                self.at(
                    where,
                    f"metadata.effective_date is {stated.isoformat()}, "
                    f"but the file name gives {named.isoformat()}: the version "
                    "is dated by the file name",
                    "warning",
                )
            )
        return named

    def months(self, metadata: dict[str, Any]) -> int | None:
        written = metadata.get("bill_frequency")
        key = re.sub(r"[\s_-]+", "", written.lower()) if isinstance(written, str) else None
        months = FREQUENCIES.get(key) if key is not None else None
        if months is None:
            where = ("metadata", "bill_frequency") if written is not None else ("metadata",)
            self.problems.append(
                self.at(
                    where,
                    f"bill_frequency {written!r} is not one of "
                    "Monthly, Bi-Monthly, Quarterly or Annually: the "
                    "period the amounts are for is unknown",
                )
            )
        return months

    def unit(self, metadata: dict[str, Any]) -> str | None:
        written = metadata.get("bill_unit")
        if written is None or (isinstance(written, str) and not written.strip()):
            self.notes.append(
                self.at(
                    ("metadata",),
                    "no bill_unit: usage and tiers are read in ccf, as the OWRS survey did",
                    "warning",
                )
            )
            return "ccf"
        unit = _UNITS.get(written.strip().lower()) if isinstance(written, str) else None
        if unit is None:
            self.problems.append(
                self.at(("metadata", "bill_unit"), f"bill_unit {written!r} is not ccf or kgal")
            )
        return unit

    # -- classes

    def blocks(self, structure: dict[Any, Any]) -> dict[str, tuple[str, Block]]:
        """Use class id → (the class as written, its block); notes for what is wrong."""
        from .block import compile_block  # the formula reader, read once an OWRS file is

        found: dict[str, tuple[str, Block]] = {}
        for written, raw in structure.items():
            name = str(written)
            where = ("rate_structure", written)
            block = compile_block(name, raw, where, SURVEY_COLUMNS)
            if ADJUSTMENT in block.charges:
                clash = (
                    (*where, "bill"),
                    f"the bill adds a field named {ADJUSTMENT}, the name "
                    "of the line that shows the rest of a bill",
                )
                block = replace(block, problems=(*block.problems, clash))
            for path, message in block.problems:
                self.notes.append(self.at(path, f"{message} ({name} cannot be billed)"))
            for path, message in block.warnings:
                self.notes.append(self.at(path, message, "warning"))
            cls = name if _ID.match(name) else re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
            if not _ID.match(cls) or cls in found:
                self.notes.append(
                    self.at(
                        where,
                        f"class {name!r} cannot be a use class "
                        "(letters, digits and '_'), nor become one: it cannot "
                        "be billed",
                    )
                )
                continue
            if cls != name:
                self.notes.append(
                    self.at(
                        where,
                        f"class {name!r} is billed as use class "
                        f"{cls!r} (a use class is letters, digits and '_')",
                        "warning",
                    )
                )
            found[cls] = (name, block)
        if "RESIDENTIAL_SINGLE" not in structure:
            self.notes.append(
                self.at(
                    ("rate_structure",),
                    "no RESIDENTIAL_SINGLE class (the "
                    "single-family class the OWRS survey bills); classes: "
                    + ", ".join(str(c) for c in structure),
                    "warning",
                )
            )
        return found

    # -- the version

    def document(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any],
        day: date,
        months: int,
        unit: str,
        blocks: dict[str, tuple[str, Block]],
    ) -> VersionDocument:
        assert self.located is not None
        folder = PurePath(self.path)
        shown = "/".join(folder.parts[-2:])
        link = metadata.get("prop_218_link")
        frequency = str(metadata.get("bill_frequency")).strip()
        title = metadata.get("utility_name")
        broken = {
            cls: str(self.at(block.problems[0][0], block.problems[0][1]))
            for cls, (_, block) in blocks.items()
            if block.problems
        }
        charge_ids: list[str] = []
        for cls, (_, block) in blocks.items():
            if cls not in broken:
                charge_ids += [c for c in block.charges if _ID.match(c) and c not in charge_ids]
        classes = {cls: name for cls, (name, _) in blocks.items()}
        positions: dict[Path, tuple[int, int]] = {(): (1, 1)}
        common = {
            "type": "owrs",
            "source": "owrs",
            "rounding": {"unit": Decimal("0.01"), "method": "half_even"},
            "unit": unit,
            "months": months,
            "frequency": frequency,
            "rate_structure": data["rate_structure"],
            "classes": classes,
            "broken": broken,
        }
        charges: dict[str, Any] = {}
        for charge in [*charge_ids, ADJUSTMENT]:
            label = charge if charge != ADJUSTMENT else "the rest of the bill formula"
            field = charge if charge != ADJUSTMENT else "bill"
            charges[charge] = {**common, "label": label, "field": field}
            first = next(((name, block) for name, block in blocks.values() if field in block.fields), None)
            if first is not None:
                positions[("charges", charge)] = self.located.where(first[1].fields[field].path)
        for cls, (name, _) in blocks.items():
            positions[("use_classes", cls)] = self.located.where(("rate_structure", name))
        for key in ("effective", "version"):
            positions[(key,)] = self.located.where(("metadata", "effective_date"))
        positions[("billing_cycle",)] = self.located.where(("metadata", "bill_frequency"))
        positions[("sources",)] = self.located.where(("metadata",))
        url = (
            link.strip()
            if isinstance(link, str) and link.strip().startswith(("http://", "https://"))
            else None
        )
        document = {
            "ruleset": self.ruleset,
            "version": day.isoformat(),
            "title": f"{title.strip() if isinstance(title, str) and title.strip() else self.utility}"
            " water rates (Open Water Rate Specification)",
            "jurisdiction": f"{self.utility}, {self.state}" if self.state else self.utility,
            "currency": "USD",
            "effective": {"from": day, "basis": "usage"},
            "confidence": "As the OWRS rate file states it; not checked against the utility's "
            "own rate notice.",
            "sources": [
                {
                    "id": "owrs",
                    "title": f"Open Water Rate Specification file {shown}",
                    "url": url,
                    "tag": "UNTAGGED",
                    "notes": "OWRS data, © California Data Collaborative and contributors, CC BY 4.0"
                    + ("; url: the utility's Proposition 218 notice" if url else ""),
                }
            ],
            "use_classes": {cls: {"label": name} for cls, (name, _) in blocks.items()},
            "billing_cycle": {
                "months": [months],
                "default": months,
                "note": f"bill_frequency: {frequency}; every amount is per bill",
            },
            "charges": charges,
        }
        return VersionDocument(document, positions)
