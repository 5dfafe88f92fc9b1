"""The words and number formats of a notice, in the language of its ruleset.

A ruleset's language follows its jurisdiction, the first part of its id: ``kr/…`` rulesets
bill Korean cities and their notices are in Korean; any other is in English until its words
are added here. Amounts keep every digit they have (``12,345원``, ``66.3원``): a notice shows
the bill's exact figures, it never rounds them again.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = ["LANGUAGES", "Words", "language_of", "words"]

#: English month names, fixed here so that no locale setting changes a notice.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

#: Jurisdiction (first part of a ruleset id) → language of its notices.
LANGUAGES = {"kr": "ko"}


def language_of(ruleset: str) -> str:
    """``ko`` for ``kr/…`` rulesets; ``en`` for any other."""
    return LANGUAGES.get(ruleset.split("/", 1)[0], "en")


def _grouped(value: Decimal) -> str:
    text = f"{value:,f}"
    return "0" if text in ("-0", "-0.0") else text


@dataclass(frozen=True)
class Words:
    """Every fixed text of a notice in one language, and how it writes numbers and dates."""

    lang: str
    title: str
    month_of: str  # {year} {month}
    account: str
    use_class: str
    meter: str
    households: str
    period: str
    days: str  # {n}
    amount_due: str
    due_date: str
    due_unknown: str
    estimated: str
    reads: str
    previous_read: str
    current_read: str
    usage: str
    rolled_over: str
    replaced: str  # {old_final} {new_initial}
    charges_section: str
    item: str
    basis: str
    amount: str
    total: str
    tier: str  # {n}
    all_usage: str
    span: str  # {first} {last}
    span_open: str  # {first}
    span_over: str  # {lower}
    part: str  # {start} {end} {days} {period_days} {version}
    rule_ref: str  # {rule} {version}
    not_included: str
    history_section: str
    history_missing: str
    history_axis: str
    late_section: str
    late_no_due: str
    late_none: str
    late_unknown: str  # {reason}
    late_version: str  # {label}
    late_daily: str  # {label} {percent} {days}
    late_daily_cap: str  # {days} {percent}
    late_daily_unknown: str  # {days}
    late_monthly: str  # {label} {percent} {months}
    late_threshold: str  # {amount}
    late_once: str  # {label} {percent}
    late_percent_unknown: str
    late_on: str  # {charges}
    late_on_all: str
    late_rounding: str  # {rounding}
    late_no_rounding: str
    late_limitation: str  # {years}
    late_example: str  # {day} {surcharge} {total}
    ordinance_section: str
    version_line: str  # {label} {title}
    in_force: str  # {start} {end} {basis}
    in_force_open: str  # {start} {basis}
    bases: dict[str, str]
    confidence: str  # {text}
    sources: str
    tags: dict[str, str]
    rounding_methods: dict[str, str]  # method → {unit}
    units: dict[str, str]  # unit → what follows the number (with its space, if any)
    footer: str

    def money(self, value: Decimal, currency: str) -> str:
        """``12,345원`` (Korean, won), ``12,345 KRW`` otherwise; every digit kept."""
        if self.lang == "ko" and currency == "KRW":
            return f"{_grouped(value)}원"
        return f"{_grouped(value)} {currency}"

    def number(self, value: Decimal) -> str:
        return _grouped(value)

    def quantity(self, value: Decimal, unit: str | None) -> str:
        """``20 m³``, ``2개월``: a quantity with its unit in this language."""
        name = self.units.get(unit or "", f" {unit}" if unit else "")
        return f"{_grouped(value)}{name}"

    def day(self, value: date) -> str:
        if self.lang == "ko":
            return f"{value.year}년 {value.month}월 {value.day}일"
        return value.isoformat()

    def month(self, value: date) -> str:
        """The billing month as a heading: ``2025년 3월분``, ``March 2025``."""
        return self.month_of.format(year=value.year, month=value.month, name=MONTHS[value.month - 1])

    def short_month(self, value: date, with_year: bool) -> str:
        """A column label of the usage chart: ``3월`` or ``2025.3``; ``Mar`` or ``Mar 2025``."""
        if self.lang == "ko":
            return f"{value.year}.{value.month}" if with_year else f"{value.month}월"
        name = MONTHS[value.month - 1][:3]
        return f"{name} {value.year}" if with_year else name

    def rounding(self, described: str | None, currency: str) -> str | None:
        """A line's rounding (``truncate to 10``) in words: ``10원 미만 절사``."""
        if described is None:
            return None
        found = re.fullmatch(r"([a-z-]+) to (\S+)", described)
        if found is None:
            return described
        method = found.group(1).replace("-", "_")
        template = self.rounding_methods.get(method)
        if template is None:
            return described
        unit = found.group(2)
        with contextlib.suppress(ArithmeticError):
            unit = _grouped(Decimal(unit))
        return template.format(
            unit=unit, currency="원" if self.lang == "ko" and currency == "KRW" else f" {currency}"
        )


KO = Words(
    lang="ko",
    title="상하수도 요금 고지서",
    month_of="{year}년 {month}월분",
    account="고객번호",
    use_class="용도",
    meter="계량기 구경",
    households="세대수",
    period="사용기간",
    days="{n}일",
    amount_due="납부하실 금액",
    due_date="납기일",
    due_unknown="고지 자료에 없음",
    estimated="추정 사용량: 검침하지 않고 추정한 사용량으로 계산했습니다.",
    reads="검침 지침",
    previous_read="전월",
    current_read="당월",
    usage="사용량",
    rolled_over="계량기 지침이 한 바퀴 돌았습니다 (지침 0을 지남).",
    replaced="계량기 교체: 철거 계량기 최종 지침 {old_final}, 새 계량기 최초 지침 {new_initial}.",
    charges_section="요금 내역",
    item="항목",
    basis="산출 근거",
    amount="금액",
    total="합계",
    tier="{n}단계",
    all_usage="전량",
    span="{first}~{last} m³",
    span_open="{first} m³ 이상",
    span_over="{lower} m³ 초과",
    part="{start}~{end} ({days}/{period_days}일, {version} 요율)",
    rule_ref="규정 {rule} · 버전 {version}",
    not_included="이 고지서에 포함되지 않은 요금",
    history_section="최근 12개월 사용량",
    history_missing="사용량 기록이 없는 달은 –로 표시합니다.",
    history_axis="m³",
    late_section="납기 후 가산금",
    late_no_due="납기일이 고지 자료에 없어, 이 요금에 적용할 가산금 규정을 정할 수 없습니다.",
    late_none=(
        "이 요금 규정 자료에는 가산금(연체료) 규정이 없습니다. 납기가 지난 뒤 더해지는 "
        "금액은 이 고지서로 알 수 없습니다."
    ),
    late_unknown="적용할 가산금 규정을 정할 수 없습니다: {reason}",
    late_version="적용 규정: {label}",
    late_daily="{label}: 납기일 다음 날부터 미납액의 {percent}% × 경과일수 ÷ {days}",
    late_daily_cap="{days}일이 지나면 {percent}%로 고정",
    late_daily_unknown="{days}일이 지난 뒤의 가산금은 규정 자료에 없음",
    late_monthly="{label}: 납기 후 1개월이 지날 때마다 미납액의 {percent}%, 최대 {months}개월",
    late_threshold="납기일의 미납액이 {amount} 이상일 때",
    late_once="{label}: 납기일까지 내지 않으면 미납액의 {percent}%를 한 번 부과",
    late_percent_unknown="비율 미상 (규정 자료에 없음)",
    late_on="대상: {charges}",
    late_on_all="대상: 청구 금액 전체",
    late_rounding="끝수 처리: {rounding}",
    late_no_rounding="끝수 처리 규정 없음",
    late_limitation="소멸시효: 납기일부터 {years}년",
    late_example="예시: 납기 후 한 달이 지나 {day}에 내면 가산금 {surcharge}, 납부액 {total}",
    ordinance_section="적용 조례 및 근거",
    version_line="{label} — {title}",
    in_force="시행: {start}~{end} ({basis} 기준)",
    in_force_open="시행: {start}부터 ({basis} 기준)",
    bases={"usage": "사용일", "meter_read": "검침일", "billing_month": "고지월", "due_month": "납기월"},
    confidence="자료 확인 수준: {text}",
    sources="근거 자료",
    tags={"OFF": "공식", "NEWS": "보도", "CODE": "공개 코드", "INF": "추론", "UNTAGGED": "출처 구분 없음"},
    rounding_methods={
        "truncate": "{unit}{currency} 미만 절사",
        "half_up": "{unit}{currency} 미만 반올림",
        "half_even": "{unit}{currency} 미만 반올림 (짝수 맞춤)",
        "up": "{unit}{currency} 미만 절상",
        "floor": "{unit}{currency} 미만 내림",
        "ceiling": "{unit}{currency} 미만 올림",
    },
    units={"m3": " m³", "month": "개월", "household": "세대", "day": "일"},
    footer=("모든 금액은 위 조례 자료로 계산한 정확한 값이며, 항목마다 계산 근거와 출처를 표시했습니다."),
)

EN = Words(
    lang="en",
    title="Water and sewer bill",
    month_of="{name} {year}",
    account="Account",
    use_class="Use class",
    meter="Meter size",
    households="Households",
    period="Period of use",
    days="{n} days",
    amount_due="Amount due",
    due_date="Due date",
    due_unknown="not in the billing data",
    estimated="Estimated usage: billed on an estimate, not a meter read.",
    reads="Meter reads",
    previous_read="previous",
    current_read="current",
    usage="Usage",
    rolled_over="The meter's dial passed zero.",
    replaced="Meter replaced: old meter's final read {old_final}, new meter's first read {new_initial}.",
    charges_section="Charges",
    item="Item",
    basis="How it is computed",
    amount="Amount",
    total="Total",
    tier="tier {n}",
    all_usage="all usage",
    span="{first}–{last} m³",
    span_open="{first}+ m³",
    span_over="over {lower} m³",
    part="{start} to {end} ({days} of {period_days} days, version {version})",
    rule_ref="rule {rule} · version {version}",
    not_included="Charges not on this bill",
    history_section="Usage in the last 12 months",
    history_missing="A month without a record shows –.",
    history_axis="m³",
    late_section="Late payment",
    late_no_due="The billing data has no due date, so the late-payment rule in force cannot be chosen.",
    late_none=(
        "The ruleset holds no late-payment rules: what is added after the due date is not known to this bill."
    ),
    late_unknown="The late-payment rule in force cannot be chosen: {reason}",
    late_version="Rules: {label}",
    late_daily="{label}: from the day after the due date, {percent}% of the unpaid amount × days late / {days}",
    late_daily_cap="{percent}% once {days} days have passed",
    late_daily_unknown="what applies after {days} days is not in the ruleset data",
    late_monthly="{label}: {percent}% of the unpaid amount for every full month late, at most {months} months",
    late_threshold="when the unpaid amount on the due date is at least {amount}",
    late_once="{label}: {percent}% of the unpaid amount, once, when the due date has passed",
    late_percent_unknown="rate unknown (not in the ruleset data)",
    late_on="on: {charges}",
    late_on_all="on: the whole bill",
    late_rounding="rounding: {rounding}",
    late_no_rounding="no rounding stated",
    late_limitation="limitation period: {years} years from the due date",
    late_example="For example, paid a month late on {day}: surcharge {surcharge}, amount due {total}",
    ordinance_section="Ordinance and sources",
    version_line="{label} — {title}",
    in_force="in force {start} to {end} (by {basis})",
    in_force_open="in force from {start} (by {basis})",
    bases={
        "usage": "date of use",
        "meter_read": "meter-read date",
        "billing_month": "billing month",
        "due_month": "due month",
    },
    confidence="How sure the data is: {text}",
    sources="Sources",
    tags={
        "OFF": "official",
        "NEWS": "press",
        "CODE": "public code",
        "INF": "inferred",
        "UNTAGGED": "untagged",
    },
    rounding_methods={
        "truncate": "truncated to {unit}{currency}",
        "half_up": "rounded half up to {unit}{currency}",
        "half_even": "rounded half to even to {unit}{currency}",
        "up": "rounded up to {unit}{currency}",
        "floor": "rounded down to {unit}{currency}",
        "ceiling": "rounded up to {unit}{currency}",
    },
    units={"m3": " m³", "month": " month(s)", "household": " household(s)", "day": " day(s)"},
    footer="Every amount is exact, computed from the ordinance data above; each line shows how and from which source.",
)

_WORDS = {"ko": KO, "en": EN}


def words(lang: str) -> Words:
    """The words of ``lang`` (``ko`` or ``en``)."""
    found = _WORDS.get(lang)
    if found is None:
        raise ValueError(f"no notice words for language {lang!r} (known: {', '.join(sorted(_WORDS))})")
    return found
