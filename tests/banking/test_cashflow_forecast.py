"""The forecast on a fixed scenario, its lines and lowest point worked out by hand.

Monday 16 November 2026, 10,000.00 in the bank, a quarterly VAT filer who pays advance
corporate tax (1,000 / 1,000 / 1,000 / 2,500), a warning below 5,000.

Open sales invoices: A 2,420.00 due 30/11 (its customer paid 3, 5 and 10 days late: median
5, so 5/12); B 605.00 due 10/11 (overdue, no history: tomorrow, late); C 1,000.00 due 1/7
(138 days overdue: at risk, not counted); D 1,210.00 due 15/1; E 8,000.00 due 10/2.
Open purchase invoices: X 726.00 due 20/11; Y 300.00 due 1/12.
Recurring debits: rent 1,500.00 on the 5th (June to November); a salary 2,850/2,850/2,900
on 25/8, 25/9, 24/10; a social insurance fund 900.00 a quarter (2/1, 1/4, 1/7, 1/10). Not
recurring: one payment of 450.00, and the VAT paid on 20/10 (the tax calendar has VAT).
VAT of the open quarter so far: 1,000 (October) + 800 (November) = 1,800, due 25/1/2027.

The 13 weeks (17/11/2026 to 15/2/2027), by hand:
  17/11  +605   B (late)          10,605
  20/11  -726   X                  9,879
  24/11  -2,900 salary             6,979
   1/12  -300   Y                  6,679
   5/12  +2,420 A, -1,500 rent     7,599
  20/12  -2,500 advance payment 4  5,099
  24/12  -2,900 salary             2,199
   1/1   -900   social insurance   1,299
   5/1   -1,500 rent                -201
  15/1   +1,210 D                  1,009
  24/1   -2,900 salary            -1,891
  25/1   -1,800 VAT Q4            -3,691
   5/2   -1,500 rent              -5,191   <- the lowest point
  10/2   +8,000 E                  2,809
"""

import datetime
from decimal import Decimal

import pytest

from apps.banking.cashflow import tax
from apps.banking.cashflow.forecast import (
    Adjustment,
    Debit,
    Inputs,
    OpenDocument,
    OpenInvoice,
    Settings,
    build,
    median_delays,
    recurring_patterns,
)

D = Decimal
TODAY = datetime.date(2026, 11, 16)
RENT, SALARY, FUND, OTHER = (
    "BE71096123456769",
    "BE43068999999501",
    "BE62510007547061",
    "BE86407051416150",
)
VAT_ACCOUNT = "BE22679200300047"


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def debits() -> list[Debit]:
    rows = [
        Debit(day(f"2026-{m:02d}-05"), D("-1500.00"), RENT, "Immo Vastgoed NV")
        for m in range(6, 12)
    ]
    rows += [
        Debit(day("2026-08-25"), D("-2850.00"), SALARY, "Jan Peeters"),
        Debit(day("2026-09-25"), D("-2850.00"), SALARY, "Jan Peeters"),
        Debit(day("2026-10-24"), D("-2900.00"), SALARY, "Jan Peeters"),
    ]
    rows += [
        Debit(day(d), D("-900.00"), FUND, "Xerius")
        for d in ("2026-01-02", "2026-04-01", "2026-07-01", "2026-10-01")
    ]
    rows += [
        Debit(day("2026-09-03"), D("-450.00"), OTHER, "Garage Maes"),
        Debit(day("2026-10-20"), D("-3000.00"), VAT_ACCOUNT, "FOD Financien"),
    ]
    return rows


def invoice(key: str, customer: int, due: str, left: str) -> OpenInvoice:
    return OpenInvoice(
        key, f"2026-{key}", customer, f"Customer {customer}", None, day(due), D(left)
    )


def scenario(adjustments: list[Adjustment] | None = None) -> Inputs:
    paid = [
        (1, day("2026-06-30"), day("2026-07-03")),
        (1, day("2026-07-31"), day("2026-08-10")),
        (1, day("2026-08-31"), day("2026-09-05")),
    ]
    return Inputs(
        balance=D("10000.00"),
        invoices=[
            invoice("A", 1, "2026-11-30", "2420.00"),
            invoice("B", 2, "2026-11-10", "605.00"),
            invoice("C", 3, "2026-07-01", "1000.00"),
            invoice("D", 2, "2027-01-15", "1210.00"),
            invoice("E", 4, "2027-02-10", "8000.00"),
        ],
        delays=median_delays(paid),
        documents=[
            OpenDocument("X", "X-1", "Drukkerij", "", None, day("2026-11-20"), D("726.00")),
            OpenDocument("Y", "Y-1", "Energie NV", OTHER, None, day("2026-12-01"), D("300.00")),
        ],
        debits=debits(),
        vat_by_month={(2026, 9): D("5000.00"), (2026, 10): D("1000.00"), (2026, 11): D("800.00")},
        settings=Settings(
            vat_filer=tax.QUARTERLY,
            advance_payments=(D("1000"), D("1000"), D("1000"), D("2500")),
            threshold=D("5000"),
        ),
        adjustments=adjustments or [],
    )


def within_13_weeks(found):
    return [
        (line.day, line.source, line.amount) for line in found.lines if line.day <= found.horizon
    ]


def test_the_three_recurring_patterns_are_found():
    patterns = recurring_patterns(debits(), TODAY)
    assert sorted((p.iban, p.months, p.amount, p.last, p.count) for p in patterns) == sorted(
        [
            (RENT, 1, D("-1500.00"), day("2026-11-05"), 6),
            (SALARY, 1, D("-2900.00"), day("2026-10-24"), 3),
            (FUND, 3, D("-900.00"), day("2026-10-01"), 4),
        ]
    )


def test_a_pattern_that_stopped_or_changed_amount_is_not_recurring():
    stopped = [Debit(day(f"2026-{m:02d}-05"), D("-100"), RENT, "") for m in (3, 4, 5, 6)]
    assert recurring_patterns(stopped, TODAY) == []
    changing = [
        Debit(day("2026-08-05"), D("-100"), RENT, ""),
        Debit(day("2026-09-05"), D("-150"), RENT, ""),
        Debit(day("2026-10-05"), D("-200"), RENT, ""),
        Debit(day("2026-11-05"), D("-250"), RENT, ""),
    ]
    assert recurring_patterns(changing, TODAY) == []


def test_the_forecast_of_13_weeks_line_by_line():
    found = build(scenario(), TODAY)
    assert within_13_weeks(found) == [
        (day("2026-11-17"), "invoice", D("605.00")),
        (day("2026-11-20"), "document", D("-726.00")),
        (day("2026-11-24"), "recurring", D("-2900.00")),
        (day("2026-12-01"), "document", D("-300.00")),
        (day("2026-12-05"), "invoice", D("2420.00")),
        (day("2026-12-05"), "recurring", D("-1500.00")),
        (day("2026-12-20"), "advance_tax", D("-2500")),
        (day("2026-12-24"), "recurring", D("-2900.00")),
        (day("2027-01-01"), "recurring", D("-900.00")),
        (day("2027-01-05"), "recurring", D("-1500.00")),
        (day("2027-01-15"), "invoice", D("1210.00")),
        (day("2027-01-24"), "recurring", D("-2900.00")),
        (day("2027-01-25"), "vat", D("-1800.00")),
        (day("2027-02-05"), "recurring", D("-1500.00")),
        (day("2027-02-10"), "invoice", D("8000.00")),
    ]
    b = next(line for line in found.lines if line.target == "B")
    assert b.late
    a = next(line for line in found.lines if line.target == "A")
    assert (a.due, a.day) == (day("2026-11-30"), day("2026-12-05"))  # its customer's 5 days
    vat = next(line for line in found.lines if line.source == "vat")
    assert vat.period == (day("2026-10-01"), day("2026-12-31"))
    # the invoice 138 days overdue: apart, not counted
    assert [(line.target, line.amount) for line in found.at_risk] == [("C", D("1000.00"))]
    # the lowest point, by hand: -5,191.00 on 5 February 2027, below zero and the threshold
    assert (found.lowest_day, found.lowest) == (day("2027-02-05"), D("-5191.00"))
    assert found.below_zero
    assert found.below_threshold
    assert found.balances[found.days.index(day("2027-01-25"))] == D("-3691.00")
    assert found.balances[-1] == D("2809.00")
    assert (found.unpaid_in, found.unpaid_out) == (D("12235.00"), D("1026.00"))


def test_weeks_and_months_add_up():
    found = build(scenario(), TODAY)
    first = found.weeks[0]
    assert (first.start, first.end) == (day("2026-11-17"), day("2026-11-23"))
    assert (first.inflow, first.outflow, first.closing) == (D("605.00"), D("-726.00"), D("9879.00"))
    assert len(found.weeks) == 13
    months = [(m.start, m.inflow, m.outflow, m.closing) for m in found.months[:4]]
    assert months == [
        (day("2026-11-17"), D("605.00"), D("-3626.00"), D("6979.00")),
        (day("2026-12-01"), D("2420.00"), D("-7200.00"), D("2199.00")),
        (day("2027-01-01"), D("1210.00"), D("-7100.00"), D("-3691.00")),
        (day("2027-02-01"), D("8000.00"), D("-4400.00"), D("-91.00")),
    ]
    assert len(found.months) == 12
    assert found.months[-1].end == day("2027-10-31")
    # the 12 months: advance payments 1 to 3 of 2027, the fund every quarter
    later = [(line.day, line.source) for line in found.lines if line.day > found.horizon]
    assert (day("2027-04-10"), "advance_tax") in later
    assert (day("2027-10-10"), "advance_tax") in later
    assert (day("2027-10-01"), "recurring") in later


def test_moves_exclusions_and_a_line_of_ones_own():
    adjustments = [
        Adjustment("m1", "move", item="invoice:D", day=day("2027-02-01")),
        Adjustment("m2", "exclude", item=f"recurring:{RENT}:2027-01-05"),
        Adjustment("m3", "exclude", item=f"recurring:{SALARY}"),  # every one
        Adjustment("m4", "one_off", day=day("2026-12-15"), amount=D("4000.00"), label="Capital"),
    ]
    found = build(scenario(adjustments), TODAY)
    assert within_13_weeks(found) == [
        (day("2026-11-17"), "invoice", D("605.00")),
        (day("2026-11-20"), "document", D("-726.00")),
        (day("2026-12-01"), "document", D("-300.00")),
        (day("2026-12-05"), "invoice", D("2420.00")),
        (day("2026-12-05"), "recurring", D("-1500.00")),
        (day("2026-12-15"), "manual", D("4000.00")),
        (day("2026-12-20"), "advance_tax", D("-2500")),
        (day("2027-01-01"), "recurring", D("-900.00")),
        (day("2027-01-25"), "vat", D("-1800.00")),
        (day("2027-02-01"), "invoice", D("1210.00")),
        (day("2027-02-05"), "recurring", D("-1500.00")),
        (day("2027-02-10"), "invoice", D("8000.00")),
    ]
    moved = next(line for line in found.lines if line.target == "D")
    assert (moved.planned, moved.adjustment) == (day("2027-01-15"), "m1")
    # by hand: 10,000 +605 -726 -300 +2,420 -1,500 +4,000 -2,500 -900 -1,800 +1,210 -1,500
    assert (found.lowest_day, found.lowest) == (day("2027-02-05"), D("9009.00"))
    assert not found.below_zero
    assert not found.below_threshold
    salaries = [line for line in found.excluded if line.group == f"recurring:{SALARY}"]
    assert len(salaries) == 12  # 24/11/2026 to 24/10/2027
    assert [line.day for line in found.excluded if line.group == f"recurring:{RENT}"] == [
        day("2027-01-05")
    ]


def test_a_monthly_filer_pays_last_months_vat_on_the_20th_unless_paid():
    inputs = scenario()
    monthly = Inputs(
        **{**inputs.__dict__, "settings": Settings(vat_filer=tax.MONTHLY), "debits": []}
    )
    found = build(monthly, TODAY)
    assert [(line.day, line.amount) for line in found.lines if line.source == "vat"] == [
        (day("2026-11-20"), D("-1000.00")),  # October
        (day("2026-12-20"), D("-800.00")),  # November so far
    ]
    paid = Inputs(
        **{
            **monthly.__dict__,
            "debits": [Debit(day("2026-11-12"), D("-1000"), VAT_ACCOUNT, "FOD Financien")],
        }
    )
    found = build(paid, TODAY)
    assert [line.day for line in found.lines if line.source == "vat"] == [day("2026-12-20")]


def test_the_tax_calendar_is_data_with_exceptions():
    assert tax.vat_due_date(day("2026-12-31"), tax.QUARTERLY) == day("2027-01-25")
    assert tax.vat_due_date(day("2026-11-30"), tax.MONTHLY) == day("2026-12-20")
    assert tax.advance_tax_dates(day("2025-01-01"), day("2025-12-31")) == [
        (1, day("2025-04-10")),
        (2, day("2025-07-10")),
        (3, day("2025-10-10")),
        (4, day("2025-12-22")),  # the 20th was a Saturday
    ]
    assert tax.advance_tax_dates(day("2026-12-01"), day("2026-12-31")) == [(4, day("2026-12-20"))]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2026-10-24", 3, "2027-01-24"),
        ("2026-11-05", -11, "2025-12-05"),
    ],
)
def test_add_months_keeps_within_the_month(start, months, expected):
    assert tax.add_months(day(start), months) == day(expected)
