"""How an ``owrs`` charge bills: the classes of a version read once, and the function that
computes one line of a bill from them (the charge type is :mod:`tariffcore_owrs.charge`).

Each charge of an OWRS version is one field that the class's ``bill`` formula adds up
(``service_charge``, ``commodity_charge``, …), and ``bill_adjustment`` is what the formula adds
beyond them. To bill a row, the class is evaluated once (:mod:`tariffcore_owrs.evaluate`) with
the row's data values:

* every column of the row that tariffcore does not read itself (``meter_size``, ``hhsize``,
  ``et_amount``, ``season``, …), as text;
* ``usage_ccf``: the usage in the file's unit (ccf or kgal, whatever the name says), converted
  from the row's usage exactly — as a fraction when the conversion does not end (m³ to ccf);
* ``cust_class``: the class; ``days_in_period``, when the row does not give it but gives
  ``period_start`` and ``period_end``: the days from one to the other, both included.

Amounts are exact until the line: each is rounded once, half to even, to the cent; the rest of
the bill is the whole bill to the cent less the lines above it. A value the row lacks, a key a
map lacks, text where a number is needed: the row is an error row naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tariffcore import (
    Account,
    BillContext,
    BillingError,
    Charged,
    CompileContext,
    CompiledVersion,
    InputError,
    NotApplicableError,
    Reading,
    TierSlice,
    UnknownUseClassError,
)
from tariffcore.units import USAGE_UNITS

from .block import Block, compile_block
from .charge import OwrsChargeSpec
from .errors import EvaluationError
from .evaluate import Evaluation, evaluate_block
from .exact import ExactError, cents, literal, shown, to_decimal
from .field import RATE_FIELDS
from .field import Field as OwrsField
from .formula import Bin, Name, Num, names, show

__all__ = ["Classes", "compile_charge", "exact_values"]


@dataclass
class _Memo:
    """The last class evaluated, for the same account and reading (every line of one bill
    evaluates the class once)."""

    account: Account | None = None
    reading: Reading | None = None
    written: str = ""
    result: tuple[Evaluation, dict[str, str | Fraction]] | BillingError | None = None


class Classes:
    """The classes of one version's rate_structure, each read the first time it is billed
    (the loader has read them all once already, to report what is wrong)."""

    def __init__(self, structure: Mapping[Any, Any]) -> None:
        self.raw = {str(name): (name, value) for name, value in structure.items()}
        self.read: dict[str, Block] = {}
        self.memo = _Memo()

    def __contains__(self, written: str) -> bool:
        return written in self.raw

    def __getitem__(self, written: str) -> Block:
        found = self.read.get(written)
        if found is None:
            name, value = self.raw[written]
            found = self.read[written] = compile_block(written, value, ("rate_structure", name))
        return found


def compile_charge(
    spec: OwrsChargeSpec, ctx: CompileContext, blocks: Classes
) -> Callable[[BillContext], Charged | None]:
    """The function that computes the line ``spec`` names, from the classes ``blocks`` of
    its version (read once for all of its charges)."""
    memo = blocks.memo
    for cls, written in spec.classes.items():
        if written not in blocks:
            ctx.problem(("classes", cls), f"class {written!r} is not in the rate_structure")
    per_unit = Fraction(USAGE_UNITS[spec.unit])
    period = (
        f"an amount per bill of {spec.months} month{'s' if spec.months > 1 else ''} "
        f"(bill_frequency: {spec.frequency}), in USD"
    )

    def evaluated(context: BillContext, written: str) -> tuple[Evaluation, dict[str, str | Fraction]]:
        if (
            memo.account is context.account
            and memo.reading is context.reading
            and memo.written == written
            and memo.result is not None
        ):
            if isinstance(memo.result, BillingError):
                raise memo.result
            return memo.result
        result: tuple[Evaluation, dict[str, str | Fraction]] | BillingError
        data = _data(context, written, per_unit)
        try:
            result = (evaluate_block(blocks[written], data), data)
        except EvaluationError as exc:
            result = _billing_error(f"{context.version} {written}: {exc.message}", exc.code)
        memo.account, memo.reading, memo.written, memo.result = (
            context.account,
            context.reading,
            written,
            result,
        )
        if isinstance(result, BillingError):
            raise result
        return result

    def compute(context: BillContext) -> Charged | None:
        cls = context.account.use_class
        written = spec.classes.get(cls)
        if written is None:
            return None
        if cls in spec.broken:
            raise BillingError(
                f"{context.version}: class {written} cannot be billed with this file: {spec.broken[cls]}",
                code="broken_ruleset",
            )
        block = blocks[written]
        if spec.field != "bill" and spec.field not in block.charges:
            return None
        evaluation, data = evaluated(context, written)
        if spec.field == "bill":
            return _rest(context, block, evaluation, data, written, period)
        return _line(spec, block, evaluation, data, written, period)

    return compute


def _billing_error(message: str, code: str) -> BillingError:
    if code == "missing_value":
        return InputError(message, code=code)
    if code == "no_rate":
        return NotApplicableError(message, code=code)
    return BillingError(message, code=code)


def _data(context: BillContext, written: str, per_unit: Fraction) -> dict[str, str | Fraction]:
    """The row's data values for the class ``written``."""
    data: dict[str, str | Fraction] = dict(context.account.attributes)
    data["usage_ccf"] = Fraction(context.reading.usage_m3) / per_unit
    data.setdefault("cust_class", written)
    if "days_in_period" not in data and context.reading.days is not None:
        data["days_in_period"] = str(context.reading.days)
    return data


def _value(name: str, evaluation: Evaluation, data: Mapping[str, str | Fraction], where: str) -> Fraction:
    if name in data:
        given = data[name]
        try:
            return given if isinstance(given, Fraction) else literal(given)
        except ExactError:
            raise BillingError(
                f"{where}: the row's {name} is {given!r}, not an amount", code="invalid_value"
            ) from None
    value = evaluation.values.get(name)
    if not isinstance(value, Fraction):
        raise BillingError(f"{where}: {name} is a list ({value}), not an amount", code="invalid_value")
    return value


def _line(
    spec: OwrsChargeSpec,
    block: Block,
    evaluation: Evaluation,
    data: Mapping[str, str | Fraction],
    written: str,
    period: str,
) -> Charged:
    name = spec.field
    item = block.fields[name]
    value = _value(name, evaluation, data, f"{written} {name}")
    usage = data["usage_ccf"]
    assert isinstance(usage, Fraction)
    notes = _explain(block, item, evaluation, data)
    quantity = unit = price = None
    slices: tuple[TierSlice, ...] = ()
    tiers = evaluation.tiers.get(name)
    if name not in data and tiers is not None:
        quantity, unit = to_decimal(usage), spec.unit
        slices = tuple(
            TierSlice(
                piece.tier,
                to_decimal(piece.lower),
                None if piece.upper is None else to_decimal(piece.upper),
                to_decimal(piece.quantity),
                to_decimal(piece.price),
                to_decimal(piece.amount),
                written,
            )
            for piece in tiers.slices
        )
    elif name not in data and item.formula is not None:
        factor = _per_usage(item.formula)
        if isinstance(factor, Num):
            quantity, unit, price = to_decimal(usage), spec.unit, to_decimal(factor.value)
        elif factor is not None:
            rate = _value(block.canonical(factor.name), evaluation, data, f"{written} {name}")
            quantity, unit, price = to_decimal(usage), spec.unit, to_decimal(rate)
    if "usage_ccf" in _uses(item, evaluation) or tiers is not None:
        notes.append(_usage_note(usage, spec.unit))
    notes.append(period)
    return Charged(
        to_decimal(value),
        rule=written,
        quantity=quantity,
        unit=unit,
        unit_price=price,
        slices=slices,
        notes=tuple(notes),
    )


def _rest(
    context: BillContext,
    block: Block,
    evaluation: Evaluation,
    data: Mapping[str, str | Fraction],
    written: str,
    period: str,
) -> Charged | None:
    """The whole bill to the cent, less the lines above it."""
    bill = _value("bill", evaluation, data, f"{written} bill")
    whole = cents(bill)
    shown_lines = sum((line.amount for line in context.lines), start=cents(Fraction(0)))
    rest = whole - shown_lines
    if not rest:
        return None
    notes = _explain(block, block.fields["bill"], evaluation, data)
    item = block.fields["bill"]
    plain_sum = item.formula is not None and _plain_sum(item.formula)
    why = (
        "the bill, rounded to the cent as a whole, differs from the sum of its lines rounded one by one"
        if plain_sum
        else "what the bill formula adds beyond the lines above"
    )
    notes.append(f"{why}: bill {shown(bill)} → {whole}, less {shown_lines}")
    notes.append(period)
    return Charged(rest, rule=written, notes=tuple(notes))


def _plain_sum(node: Any) -> bool:
    if isinstance(node, Name):
        return True
    return isinstance(node, Bin) and node.op == "+" and _plain_sum(node.left) and _plain_sum(node.right)


def _per_usage(node: Any) -> Name | Num | None:
    """``x`` when ``node`` is ``x*usage_ccf`` or ``usage_ccf*x``, ``x`` a name or a number (a
    price per unit of usage)."""
    if isinstance(node, Bin) and node.op == "*":
        for usage, factor in ((node.right, node.left), (node.left, node.right)):
            if (
                isinstance(usage, Name)
                and usage.name == "usage_ccf"
                and isinstance(factor, (Name, Num))
                and not (isinstance(factor, Name) and factor.name == "usage_ccf")
            ):
                return factor
    return None


def _uses(item: OwrsField, evaluation: Evaluation) -> tuple[str, ...]:
    if item.formula is not None:
        return names(item.formula)
    chosen = evaluation.chosen.get(item.name)
    if chosen is not None and not isinstance(chosen, (Fraction, tuple)):
        return names(chosen)
    return ()


def _usage_note(usage: Fraction, unit: str) -> str:
    text = f"usage_ccf = {shown(usage)} (the usage in {unit}, the file's unit)"
    if shown(usage).endswith("…"):
        text += (
            f", from m³ at {USAGE_UNITS[unit]} m³ per {unit}: carried exactly as "
            f"{usage.numerator}/{usage.denominator}"
        )
    return text


def _explain(
    block: Block, item: OwrsField, evaluation: Evaluation, data: Mapping[str, str | Fraction]
) -> list[str]:
    """What the field says and the values it used."""
    name = item.name
    if name in data:
        return [f"{name} is the row's data value {data[name]!s} (the file's own {name} is not used)"]
    if item.kind == "number":
        return [f"{name}: {item.text}"]
    if item.kind == "rate":
        charge = evaluation.tiers[name]
        starts_name, prices_name, budget_name = RATE_FIELDS[name]
        starts = ", ".join(str(s) for s in charge.written)
        if charge.kind == "Tiered":
            return [
                f"{name}: Tiered on {starts_name} [{starts}] and {prices_name}; a Tiered "
                "start is the first unit of its tier"
            ]
        applied = ", ".join(shown(s - 1) for s in charge.starts)
        lines = [
            f"{name}: Budget on {starts_name} [{starts}] = [{applied}] and {prices_name}, "
            f"with {budget_name} {shown(charge.budget or Fraction(0))}; a Budget start is "
            "the last unit of the tier before (indoor, outdoor and a share of the budget "
            "are rounded to whole units)"
        ]
        if budget_name in block.fields:
            lines += _explain(block, block.fields[budget_name], evaluation, data)
        return lines
    lines = []
    if item.kind == "map":
        assert item.map is not None
        key = evaluation.keys.get(name, "?")
        chosen = evaluation.chosen.get(name)
        value = (
            shown(chosen)
            if isinstance(chosen, Fraction)
            else "[" + ", ".join(str(v) for v in chosen) + "]"
            if isinstance(chosen, tuple)
            else show(chosen)
            if chosen is not None
            else "?"
        )
        lines.append(f"{name}: a map on {'|'.join(item.map.depends_on)}; key {key} → {value}")
    else:
        written = show(item.formula) if item.formula is not None and "budget" in name else item.text
        lines.append(f"{name} = {written}")
    used = _uses(item, evaluation)
    values = []
    for other in used:
        if other in data:
            given = data[other]
            values.append(f"{other} = {shown(given) if isinstance(given, Fraction) else given}")
            continue
        found = evaluation.values.get(block.canonical(other))
        if isinstance(found, Fraction):
            values.append(f"{other} = {shown(found)}")
    if values:
        lines.append("with " + ", ".join(values))
    return lines


def exact_values(version: CompiledVersion, account: Account, reading: Reading) -> dict[str, Fraction]:
    """Every number the class of ``account`` evaluates to for ``reading`` under an OWRS
    ``version``, exactly (``bill`` included), before any rounding: what a bill's lines round.

    Raises :class:`~tariffcore.BillingError` as billing does.
    """
    entry = next((raw for raw in version.spec.charges.values() if raw.get("type") == "owrs"), None)
    if entry is None:
        raise ValueError(f"{version.label} is not read from an OWRS file")
    spec = OwrsChargeSpec.model_validate(entry)
    written = spec.classes.get(account.use_class)
    if written is None:
        raise UnknownUseClassError(f"{version.label} has no class {account.use_class!r}")
    if account.use_class in spec.broken:
        raise BillingError(
            f"{version.label}: class {written} cannot be billed with this file: "
            f"{spec.broken[account.use_class]}",
            code="broken_ruleset",
        )
    context = BillContext(account, reading, 1, version.label)
    data = _data(context, written, Fraction(USAGE_UNITS[spec.unit]))
    try:
        evaluation = evaluate_block(Classes(spec.rate_structure)[written], data)
    except EvaluationError as exc:
        raise _billing_error(f"{version.label} {written}: {exc.message}", exc.code) from None
    found = {name: value for name, value in evaluation.values.items() if isinstance(value, Fraction)}
    found.update((name, value) for name, value in data.items() if isinstance(value, Fraction))
    return found
