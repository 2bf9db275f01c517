"""The Belgian tax calendar as data with validity dates: when VAT returns' balances are due
and when companies' advance payments of corporate tax fall. Change a date by adding a row
with its ``valid_from``, never by editing a constant in the code that uses it."""

import calendar
import datetime
from dataclasses import dataclass

MONTHLY, QUARTERLY = "monthly", "quarterly"


@dataclass(frozen=True)
class VatDueRule:
    """A VAT return's balance is due on ``day`` of the month after the period's end."""

    frequency: str  # monthly or quarterly
    day: int
    valid_from: datetime.date
    valid_until: datetime.date | None = None


@dataclass(frozen=True)
class AdvanceTaxRule:
    """Advance payment ``number`` (1 to 4) of a calendar year falls on ``month``/``day``."""

    number: int
    month: int
    day: int
    valid_from: datetime.date
    valid_until: datetime.date | None = None


@dataclass(frozen=True)
class AdvanceTaxException:
    """One year's date that differs from the rule (the rule's day is a weekend)."""

    number: int
    year: int
    due: datetime.date


SINCE = datetime.date(2000, 1, 1)
# the 20th (monthly filers) or 25th (quarterly filers) of the month after the period
VAT_DUE_RULES: tuple[VatDueRule, ...] = (
    VatDueRule(MONTHLY, 20, SINCE),
    VatDueRule(QUARTERLY, 25, SINCE),
)
# companies whose financial year is the calendar year: 10 April, 10 July, 10 October,
# 20 December (regfollower.com, FPS Finance)
ADVANCE_TAX_RULES: tuple[AdvanceTaxRule, ...] = (
    AdvanceTaxRule(1, 4, 10, SINCE),
    AdvanceTaxRule(2, 7, 10, SINCE),
    AdvanceTaxRule(3, 10, 10, SINCE),
    AdvanceTaxRule(4, 12, 20, SINCE),
)
ADVANCE_TAX_EXCEPTIONS: tuple[AdvanceTaxException, ...] = (
    AdvanceTaxException(4, 2025, datetime.date(2025, 12, 22)),  # 20 December 2025: a Saturday
)


def _valid(rule: VatDueRule | AdvanceTaxRule, day: datetime.date) -> bool:
    return rule.valid_from <= day and (rule.valid_until is None or day <= rule.valid_until)


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: datetime.date, months: int, *, on: int | None = None) -> datetime.date:
    """``day`` ``months`` later (or earlier), on day ``on`` of that month (``day``'s day by
    default), kept within the month (31 January + 1 month: 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(on or day.day, last))


def vat_period(day: datetime.date, frequency: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the VAT period (a month or a quarter) holding ``day``."""
    if frequency == MONTHLY:
        first_month = day.month
        last_month = day.month
    else:
        first_month = (day.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
    return datetime.date(day.year, first_month, 1), month_end(day.year, last_month)


def vat_due_date(period_end: datetime.date, frequency: str) -> datetime.date:
    """When the balance of the period ending ``period_end`` is due, per the rule valid at the
    period's end."""
    for rule in VAT_DUE_RULES:
        if rule.frequency == frequency and _valid(rule, period_end):
            return add_months(period_end, 1, on=rule.day)
    raise LookupError(f"no VAT due rule for {frequency} on {period_end}")


def advance_tax_dates(start: datetime.date, end: datetime.date) -> list[tuple[int, datetime.date]]:
    """The advance payments (number, date) falling between ``start`` and ``end`` inclusive."""
    found = []
    for year in range(start.year, end.year + 1):
        for rule in ADVANCE_TAX_RULES:
            due = datetime.date(year, rule.month, rule.day)
            if not _valid(rule, due):
                continue
            for exception in ADVANCE_TAX_EXCEPTIONS:
                if (exception.number, exception.year) == (rule.number, year):
                    due = exception.due
            if start <= due <= end:
                found.append((rule.number, due))
    return sorted(found, key=lambda pair: pair[1])
