"""What the Cash flow page shows: the history, the forecast, and the chart's data (figures
only; the words and formats come from the page's language)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.banking.cashflow import parties
from apps.banking.cashflow.forecast import Forecast, Line
from apps.banking.cashflow.history import History, MonthFlow, history
from apps.banking.cashflow.queries import forecast
from apps.banking.models import CashflowSettings, ForecastAdjustment
from apps.companies.models import Company

ZERO = Decimal("0")


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date
    inflow: Decimal
    outflow: Decimal
    closing: Decimal | None
    expected: bool  # from the forecast


@dataclass(frozen=True)
class CategoryRow:
    category: str
    name: object  # words in the page's language (lazy)
    amounts: list[Decimal]  # one a month of the history, signed


@dataclass(frozen=True)
class CashflowPage:
    history: History
    forecast: Forecast
    months: list[MonthRow]
    categories: list[CategoryRow]
    near: list[Line]  # the lines of the 13 weeks
    later: list[Line]  # the lines of the months after
    one_offs: list[ForecastAdjustment]
    settings: CashflowSettings | None
    chart: dict[str, Any]


def _month_end_balance(found: History, month: MonthFlow) -> Decimal | None:
    last = None
    for day, value in zip(found.days, found.total, strict=True):
        if (day.year, day.month) == (month.month.year, month.month.month):
            last = value
    return last


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def cashflow_page(company: Company, today: datetime.date) -> CashflowPage:
    past = history(company, today)
    ahead = forecast(company, today)
    months = [
        MonthRow(m.month, m.total_in, m.total_out, _month_end_balance(past, m), False)
        for m in past.months
    ]
    months += [
        MonthRow(p.start.replace(day=1), p.inflow, p.outflow, p.closing, True) for p in ahead.months
    ]
    categories = [
        CategoryRow(
            category,
            parties.CATEGORY_NAMES[category],
            [m.inflow.get(category, ZERO) + m.outflow.get(category, ZERO) for m in past.months],
        )
        for category in parties.CATEGORIES
    ]
    horizon = ahead.horizon
    return CashflowPage(
        history=past,
        forecast=ahead,
        months=months,
        categories=categories,
        near=[line for line in ahead.lines if line.day <= horizon],
        later=[line for line in ahead.lines if line.day > horizon],
        one_offs=list(
            ForecastAdjustment.objects.filter(
                company=company, kind=ForecastAdjustment.Kind.ONE_OFF, day__gt=today
            )
        ),
        settings=CashflowSettings.objects.filter(company=company).first(),
        chart=_chart(past, ahead),
    )


def _chart(past: History, ahead: Forecast) -> dict[str, Any]:
    """The figures of the two charts: the balance line (history, then forecast from today's
    balance on) and the months' money in and out (done, then expected)."""
    days = [d.isoformat() for d in past.days] + [d.isoformat() for d in ahead.days]
    gap = [None] * len(ahead.days)
    before = [None] * (len(past.days) - 1)
    balance: dict[str, Any] = {
        "days": days,
        "history": [_number(v) for v in past.total] + gap,
        "forecast": before + [float(ahead.balance)] + [float(v) for v in ahead.balances],
        "accounts": (
            [
                {"name": str(s.account), "values": [_number(v) for v in s.balances] + gap}
                for s in past.accounts
            ]
            if len(past.accounts) > 1
            else []
        ),
        "threshold": _number(ahead.threshold),
    }
    done = list(past.months)
    expected = ahead.months
    labels = [m.month.isoformat() for m in done] + [
        p.start.replace(day=1).isoformat() for p in expected[1:]
    ]
    n_done, n_expected = len(done), len(expected) - 1
    flows = {
        "months": labels,
        "in": [float(m.total_in) for m in done] + [None] * n_expected,
        "out": [float(m.total_out) for m in done] + [None] * n_expected,
        "expected_in": [None] * (n_done - 1) + [float(p.inflow) for p in expected],
        "expected_out": [None] * (n_done - 1) + [float(p.outflow) for p in expected],
    }
    return {"balance": balance, "flows": flows}
