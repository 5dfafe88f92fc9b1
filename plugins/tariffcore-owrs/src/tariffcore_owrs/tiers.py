"""Tiered and budget-based rates: RateParser's two boundary rules, exactly.

**Tiered** (``get_usage_in_tiers``). A start is the *first unit* of its tier, counted from 1,
and the first start is ignored: with starts 0, 15 and 20 ccf, tier 1 holds units 1–14, tier 2
units 15–19 and tier 3 the rest. In general tier *i* holds ``max(min(u − U, s₍ᵢ₊₁₎ − 1 − U), 0)``
where ``U`` is the usage already placed below it, and the last tier holds the rest. Usage is
continuous (14.5 ccf fills tier 1 to 14 and puts 0.5 in tier 2). Starts are applied as written,
even when they do not rise: a tier whose start lies below usage already placed receives nothing.

**Budget** (``get_budget_tiers``). Each start is first made a number — ``indoor`` and
``outdoor`` become those fields rounded (half to even), ``N%`` becomes ``round(N/100 ×
budget)`` — then 1 is added to every start and the Tiered rule applies. So a budget start is
the *last unit of the tier before*: with a budget of 20 ccf and starts 0, ``100%`` and
``150%``, tier 1 holds 20 ccf, tier 2 the next 10.

RateParser turns any other text in a budget start into 0; here such a start is refused when the
file is read (see :mod:`tariffcore_owrs.field`), as it would silently bill the tier from zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .errors import EvaluationError
from .exact import check_size, r_text, round_half_even
from .field import Item, percent

__all__ = ["Slice", "TierCharge", "budget_starts", "split"]

_ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class Slice:
    """The usage one tier holds: ``quantity`` above ``lower`` (up to ``upper``, ``None`` for the
    last tier) at ``price``."""

    tier: int
    lower: Fraction
    upper: Fraction | None
    quantity: Fraction
    price: Fraction
    amount: Fraction


@dataclass(frozen=True, slots=True)
class TierCharge:
    """A ``Tiered`` or ``Budget`` charge: the starts as written and as applied, its slices."""

    kind: str
    written: tuple[Item, ...]
    starts: tuple[Fraction, ...]  # as applied: a Budget's are its numbers + 1
    slices: tuple[Slice, ...]
    amount: Fraction
    budget: Fraction | None = None


def budget_starts(
    written: tuple[Item, ...], budget: Fraction, words: Mapping[str, Fraction]
) -> tuple[Fraction, ...]:
    """A Budget's starts as numbers, before the 1 that :func:`split` adds."""
    result = []
    for item in written:
        if isinstance(item, Fraction):
            result.append(item)
        elif item in words:
            result.append(Fraction(round_half_even(words[item])))
        else:
            share = percent(item)
            assert share is not None, f"{item!r} was accepted as a budget start"
            result.append(Fraction(round_half_even(share / 100 * budget)))
    return tuple(result)


def split(
    kind: str,
    usage: Fraction,
    starts: tuple[Fraction, ...],
    prices: tuple[Fraction, ...],
    written: tuple[Item, ...],
    budget: Fraction | None = None,
) -> TierCharge:
    """Place ``usage`` in the tiers of ``starts`` (Budget: the numbers before the added 1) and
    price each slice; raises :class:`EvaluationError` naming a tier that would hold negative usage."""
    applied = tuple(start + _ONE for start in starts) if kind == "Budget" else starts
    slices: list[Slice] = []
    placed = Fraction(0)
    total = Fraction(0)
    count = len(applied)
    for index in range(count):
        lower = Fraction(0) if index == 0 else applied[index] - _ONE
        if index == count - 1:
            upper = None
            quantity = usage - placed
        else:
            upper = applied[index + 1] - _ONE
            quantity = min(usage - placed, upper - placed)
            if quantity < 0 and index == 0:
                raise EvaluationError(
                    f"the second tier starts at {r_text(starts[1])}, so the "
                    "first tier would hold a negative usage"
                )
            quantity = max(quantity, Fraction(0))
        amount = check_size(quantity * prices[index])
        if quantity or (index == 0 and not usage):
            slices.append(Slice(index + 1, max(lower, Fraction(0)), upper, quantity, prices[index], amount))
        placed += quantity
        total += amount
    return TierCharge(kind, written, applied, tuple(slices), check_size(total), budget)
