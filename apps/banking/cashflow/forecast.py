"""The balance ahead: 13 weeks day by day, 12 months in summary.

Start from today's balance (the accounts' newest balances and the movements booked since);
add each open sales invoice on its due date moved by its customer's median delay (more than
90 days overdue: "at risk", shown apart, not counted); take off each open purchase invoice
on its due date, each recurring debit (same account, amount within 10 %, monthly or
quarterly), the VAT payable of the open periods on their due dates, and the advance payments
of corporate tax the company makes. The user moves or excludes a line, or adds one of their
own (``Adjustment``). Every line says where it comes from (``source`` and ``target``).

``build`` is pure; ``apps.banking.cashflow.queries`` reads its inputs (10 queries, whatever
the volume)."""

import datetime
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from apps.banking.cashflow import parties, tax
from apps.banking.models import ForecastAdjustment

ZERO = Decimal("0")
WEEKS = 13
MONTHS = 12
AT_RISK_DAYS = 90  # overdue longer than this: not counted on
LATE_DAYS = 10  # a recurring debit this late is still expected (tomorrow)
WITHOUT_DUE_DATE = 30  # days after the issue date
HISTORY_DAYS = 400  # of debits, to find recurring ones
DELAY_DAYS = 730  # of paid invoices, for each customer's median delay
# cadence in months, the gaps in days between occurrences that make it
CADENCES = ((1, 24, 38), (3, 80, 100))
TOLERANCE = Decimal("0.10")

INVOICE, DOCUMENT, RECURRING, VAT, ADVANCE_TAX, MANUAL = (
    "invoice",
    "document",
    "recurring",
    "vat",
    "advance_tax",
    "manual",
)


@dataclass(frozen=True)
class OpenInvoice:
    public_id: str
    number: str
    customer_id: int
    customer: str
    issue_date: datetime.date | None
    due_date: datetime.date | None
    left: Decimal


@dataclass(frozen=True)
class OpenDocument:
    public_id: str
    number: str
    supplier: str
    iban: str
    issue_date: datetime.date | None
    due_date: datetime.date | None
    left: Decimal


@dataclass(frozen=True)
class Debit:
    day: datetime.date
    amount: Decimal  # negative
    iban: str
    name: str
    public_id: str = ""


@dataclass(frozen=True)
class Pattern:
    """Debits to one account of about one amount, every ``months`` months."""

    iban: str
    name: str
    months: int
    amount: Decimal  # the newest, negative
    last: datetime.date
    count: int
    public_id: str  # the newest transaction

    @property
    def key(self) -> str:
        return f"recurring:{self.iban}"


@dataclass(frozen=True)
class Adjustment:
    public_id: str
    kind: str  # ForecastAdjustment.Kind
    item: str = ""
    day: datetime.date | None = None
    amount: Decimal | None = None
    label: str = ""


@dataclass(frozen=True)
class Settings:
    vat_filer: str = tax.QUARTERLY  # or monthly, or "none"
    advance_payments: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True)
class Inputs:
    balance: Decimal | None  # None: no account's balance is known
    invoices: list[OpenInvoice] = field(default_factory=list)
    delays: dict[int, int] = field(default_factory=dict)  # customer id -> median days late
    documents: list[OpenDocument] = field(default_factory=list)
    debits: list[Debit] = field(default_factory=list)
    vat_by_month: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # out - in
    settings: Settings = field(default_factory=Settings)
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    key: str  # what an adjustment names
    source: str
    day: datetime.date
    amount: Decimal  # + in, - out
    party: str = ""
    reference: str = ""  # an invoice's number, a tax period, a recurring pattern's cadence
    target: str = ""  # the public id of the invoice, document, transaction or adjustment
    group: str = ""  # a recurring pattern's key (exclude every occurrence)
    due: datetime.date | None = None  # the due date, when the day differs from it
    planned: datetime.date | None = None  # the day before the user moved it
    late: bool = False  # expected earlier: now tomorrow
    adjustment: str = ""  # the public id of the move or exclusion
    period: tuple[datetime.date, datetime.date] | None = None  # VAT: the return's period


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    inflow: Decimal
    outflow: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Forecast:
    today: datetime.date
    balance: Decimal
    balance_known: bool
    lines: list[Line]  # counted, by day, within the 12 months
    excluded: list[Line]
    at_risk: list[Line]
    days: list[datetime.date]  # tomorrow to 13 weeks ahead
    balances: list[Decimal]  # at the end of each of days
    weeks: list[Period]
    months: list[Period]
    lowest_day: datetime.date
    lowest: Decimal
    threshold: Decimal | None
    patterns: list[Pattern]

    @property
    def below_zero(self) -> bool:
        return self.lowest < 0

    @property
    def below_threshold(self) -> bool:
        return self.threshold is not None and self.lowest < self.threshold

    @property
    def horizon(self) -> datetime.date:
        return self.days[-1]

    @property
    def unpaid_in(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.source == INVOICE), ZERO)

    @property
    def unpaid_out(self) -> Decimal:
        """What is owed to suppliers, as a positive amount (shown as "to pay")."""
        return -sum((line.amount for line in self.lines if line.source == DOCUMENT), ZERO)


# recurring debits --------------------------------------------------------------------------


def recurring_patterns(debits: list[Debit], today: datetime.date) -> list[Pattern]:
    """Debits to the same account (not the VAT's or advance tax's: the tax calendar has them)
    whose amounts stay within 10 % of the newest one, at least three times, the last four
    spaced by a month (24-38 days) or a quarter (80-100 days), the newest not older than one
    period and two weeks. An account may have several (a salary and a bonus)."""
    by_iban: dict[str, list[Debit]] = defaultdict(list)
    for debit in debits:
        iban = parties.normal_iban(debit.iban)
        if iban and iban not in parties.VAT_IBANS | parties.ADVANCE_TAX_IBANS:
            by_iban[iban].append(debit)
    found = []
    for iban, rows in sorted(by_iban.items()):
        left = sorted(rows, key=lambda d: (d.day, d.public_id), reverse=True)
        while left:
            newest = left[0]
            limit = abs(newest.amount) * TOLERANCE
            members = [d for d in left if abs(d.amount - newest.amount) <= limit]
            left = [d for d in left if abs(d.amount - newest.amount) > limit]
            if len(members) < 3:
                continue
            recent = sorted(members[:4], key=lambda d: d.day)
            gaps = [(b.day - a.day).days for a, b in itertools.pairwise(recent)]
            for months, low, high in CADENCES:
                alive = (today - newest.day).days <= months * 31 + 14
                if alive and all(low <= gap <= high for gap in gaps):
                    found.append(
                        Pattern(
                            iban=iban,
                            name=newest.name,
                            months=months,
                            amount=newest.amount,
                            last=newest.day,
                            count=len(members),
                            public_id=newest.public_id,
                        )
                    )
                    break
    return found


def _occurrences(pattern: Pattern, today: datetime.date, end: datetime.date) -> list[datetime.date]:
    days: list[datetime.date] = []
    n = 1
    while True:
        day = tax.add_months(pattern.last, n * pattern.months)
        n += 1
        if day > end:
            return days
        if (today - day).days <= LATE_DAYS:
            days.append(day)


# the lines ---------------------------------------------------------------------------------


def median_delays(paid: list[tuple[int, datetime.date, datetime.date]]) -> dict[int, int]:
    """Each customer's median delay in days (``paid_on - due_date``, negative: early) over
    their paid invoices ``(customer id, due date, paid on)``; the lower middle of an even
    count."""
    delays: dict[int, list[int]] = defaultdict(list)
    for customer_id, due, paid_on in paid:
        delays[customer_id].append((paid_on - due).days)
    return {customer: statistics.median_low(days) for customer, days in delays.items()}


def _due(
    due: datetime.date | None, issued: datetime.date | None, today: datetime.date
) -> datetime.date:
    return due or (issued or today) + datetime.timedelta(days=WITHOUT_DUE_DATE)


def _tax_paid(debits: list[Debit], ibans: frozenset[str], since: datetime.date) -> bool:
    return any(d.day > since and parties.normal_iban(d.iban) in ibans for d in debits)


def _lines(inputs: Inputs, today: datetime.date, end: datetime.date) -> tuple[list, list]:
    """(lines, at risk) before the user's adjustments."""
    lines: list[Line] = []
    at_risk: list[Line] = []
    for invoice in inputs.invoices:
        if invoice.left <= 0:
            continue
        due = _due(invoice.due_date, invoice.issue_date, today)
        line = Line(
            f"invoice:{invoice.public_id}",
            INVOICE,
            due + datetime.timedelta(days=inputs.delays.get(invoice.customer_id, 0)),
            invoice.left,
            invoice.customer,
            invoice.number,
            invoice.public_id,
            due=due,
        )
        (at_risk if (today - due).days > AT_RISK_DAYS else lines).append(line)
    open_by_iban: dict[str, list[datetime.date]] = defaultdict(list)
    for document in inputs.documents:
        if document.left <= 0:
            continue
        due = _due(document.due_date, document.issue_date, today)
        if document.iban:
            open_by_iban[parties.normal_iban(document.iban)].append(due)
        lines.append(
            Line(
                f"document:{document.public_id}",
                DOCUMENT,
                due,
                -document.left,
                document.supplier,
                document.number,
                document.public_id,
                due=due,
            )
        )
    patterns = recurring_patterns(inputs.debits, today)
    for pattern in patterns:
        for day in _occurrences(pattern, today, end):
            # the bill of this occurrence is already an open document
            window = 15 * pattern.months
            if any(abs((due - day).days) <= window for due in open_by_iban[pattern.iban]):
                continue
            lines.append(
                Line(
                    f"{pattern.key}:{day.isoformat()}",
                    RECURRING,
                    day,
                    pattern.amount,
                    pattern.name,
                    str(pattern.months),
                    pattern.public_id,
                    group=pattern.key,
                )
            )
    lines += _vat_lines(inputs, today, end)
    lines += _advance_tax_lines(inputs, today, end)
    return lines, at_risk


def _vat_lines(inputs: Inputs, today: datetime.date, end: datetime.date) -> list[Line]:
    """The VAT payable (output VAT of the invoices issued less the input VAT of the purchase
    documents, by their dates) of each period not paid yet, on its due date: the last
    period (unless a payment to the VAT's accounts was booked since it ended) and the
    current one so far. A credit (more input VAT) is carried forward: no line."""
    frequency = inputs.settings.vat_filer
    if frequency not in (tax.MONTHLY, tax.QUARTERLY):
        return []
    start, _end = tax.vat_period(today, frequency)
    start, _end = tax.vat_period(start - datetime.timedelta(days=1), frequency)
    lines = []
    while start <= today:
        start, period_end = tax.vat_period(start, frequency)
        due = tax.vat_due_date(period_end, frequency)
        payable = sum(
            (
                amount
                for (year, month), amount in inputs.vat_by_month.items()
                if start <= datetime.date(year, month, 1) <= period_end
            ),
            ZERO,
        )
        paid = period_end < today and _tax_paid(inputs.debits, parties.VAT_IBANS, period_end)
        if payable > 0 and today < due <= end and not paid:
            lines.append(
                Line(
                    f"vat:{period_end.isoformat()}",
                    VAT,
                    due,
                    -payable,
                    reference=f"{start.isoformat()}/{period_end.isoformat()}",
                    period=(start, period_end),
                )
            )
        start = period_end + datetime.timedelta(days=1)
    return lines


def _advance_tax_lines(inputs: Inputs, today: datetime.date, end: datetime.date) -> list[Line]:
    """The advance payments of corporate tax the company makes, on the calendar's dates
    (unless paid to the advance payments' account in the 40 days before)."""
    amounts = inputs.settings.advance_payments
    if not amounts:
        return []
    lines = []
    for number, due in tax.advance_tax_dates(today + datetime.timedelta(days=1), end):
        amount = amounts[number - 1]
        since = due - datetime.timedelta(days=40)
        if amount > 0 and not _tax_paid(inputs.debits, parties.ADVANCE_TAX_IBANS, since):
            lines.append(
                Line(
                    f"advance_tax:{due.isoformat()}",
                    ADVANCE_TAX,
                    due,
                    -amount,
                    reference=str(number),
                )
            )
    return lines


def _adjusted(
    lines: list[Line], adjustments: list[Adjustment], today: datetime.date
) -> tuple[list[Line], list[Line]]:
    """(counted, excluded) after the user's moves and exclusions; the user's own lines
    added. A line expected before tomorrow is tomorrow's (late)."""
    tomorrow = today + datetime.timedelta(days=1)
    by_item = {a.item: a for a in adjustments if a.kind != ForecastAdjustment.Kind.ONE_OFF}
    counted, excluded = [], []
    for adjustment in adjustments:
        if adjustment.kind != ForecastAdjustment.Kind.ONE_OFF:
            continue
        if adjustment.amount and adjustment.day is not None and adjustment.day >= tomorrow:
            lines.append(
                Line(
                    f"manual:{adjustment.public_id}",
                    MANUAL,
                    adjustment.day,
                    adjustment.amount,
                    reference=adjustment.label,
                    target=adjustment.public_id,
                )
            )
    for line in lines:
        said = by_item.get(line.key) or (by_item.get(line.group) if line.group else None)
        if said is not None and said.kind == ForecastAdjustment.Kind.EXCLUDE:
            excluded.append(replace(line, adjustment=said.public_id))
            continue
        if said is not None and said.day is not None:
            line = replace(line, day=said.day, planned=line.day, adjustment=said.public_id)
        if line.day < tomorrow:
            line = replace(line, day=tomorrow, late=True)
        counted.append(line)
    return counted, excluded


def _periods(
    bounds: list[tuple[datetime.date, datetime.date]], lines: list[Line], balance: Decimal
) -> list[Period]:
    periods = []
    for start, end in bounds:
        inside = [line.amount for line in lines if start <= line.day <= end]
        inflow = sum((a for a in inside if a > 0), ZERO)
        outflow = sum((a for a in inside if a < 0), ZERO)
        balance += inflow + outflow
        periods.append(Period(start, end, inflow, outflow, balance))
    return periods


def build(inputs: Inputs, today: datetime.date) -> Forecast:
    one = datetime.timedelta(days=1)
    last_month = tax.add_months(today, MONTHS - 1)
    end = tax.month_end(last_month.year, last_month.month)
    lines, at_risk = _lines(inputs, today, end)
    counted, excluded = _adjusted(lines, inputs.adjustments, today)
    counted = sorted(
        (line for line in counted if line.day <= end),
        key=lambda line: (line.day, line.source, line.key),
    )
    balance = inputs.balance if inputs.balance is not None else ZERO
    days = [today + one * n for n in range(1, WEEKS * 7 + 1)]
    per_day: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for line in counted:
        per_day[line.day] += line.amount
    balances = []
    running = balance
    for day in days:
        running += per_day[day]
        balances.append(running)
    lowest_index = min(range(len(days)), key=lambda n: (balances[n], n))
    weeks = _periods(
        [(today + one * (1 + 7 * n), today + one * (7 + 7 * n)) for n in range(WEEKS)],
        counted,
        balance,
    )
    month_bounds = []
    for n in range(MONTHS):
        first = tax.add_months(today, n, on=1)
        month_bounds.append(
            (today + one if n == 0 else first, tax.month_end(first.year, first.month))
        )
    return Forecast(
        today=today,
        balance=balance,
        balance_known=inputs.balance is not None,
        lines=counted,
        excluded=sorted(excluded, key=lambda line: (line.day, line.key)),
        at_risk=sorted(at_risk, key=lambda line: (line.day, line.key)),
        days=days,
        balances=balances,
        weeks=weeks,
        months=_periods(month_bounds, counted, balance),
        lowest_day=days[lowest_index],
        lowest=balances[lowest_index],
        threshold=inputs.settings.threshold,
        patterns=recurring_patterns(inputs.debits, today),
    )
