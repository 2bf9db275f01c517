"""The past: each account's balance at the end of every day of the last 12 months and their
total, and the money in and out per month by category.

Balances are walked back from the newest known balance (the account's, from its newest
statement) by the day's movements, and set again at every statement's closing balance on
the way (so a missing statement shows as a step, not as a drift over all earlier days).
Days before an account's first statement or movement have no balance."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Min, Sum

from apps.banking.cashflow import parties
from apps.banking.models import BankAccount, BankTransaction, Match, Statement
from apps.companies.models import Company
from apps.documents.models import Document, Kind

ZERO = Decimal("0")
DAYS = 365
MONTHS = 12


@dataclass(frozen=True)
class AccountSeries:
    account: BankAccount
    balances: list[Decimal | None]  # one a day of History.days


@dataclass
class MonthFlow:
    month: datetime.date  # its first day
    inflow: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    outflow: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    @property
    def total_in(self) -> Decimal:
        return sum(self.inflow.values(), ZERO)

    @property
    def total_out(self) -> Decimal:  # negative
        return sum(self.outflow.values(), ZERO)


@dataclass(frozen=True)
class History:
    days: list[datetime.date]
    accounts: list[AccountSeries]
    total: list[Decimal | None]  # the accounts' sum, None while none has a balance
    months: list[MonthFlow]

    @property
    def today(self) -> Decimal | None:
        return self.total[-1] if self.total else None


def daily_balances(
    days: list[datetime.date],
    checkpoints: dict[datetime.date, Decimal],
    net: dict[datetime.date, Decimal],
    first_day: datetime.date | None,
) -> list[Decimal | None]:
    """The balance at the end of each of ``days`` (consecutive, ascending): from the newest
    of ``checkpoints`` (day -> balance at its end) forward by adding each day's ``net``
    movement, backward by taking it off, reset at every earlier checkpoint. None before
    ``first_day`` (nothing known yet) or without any checkpoint."""
    if not days or not checkpoints:
        return [None] * len(days)
    one = datetime.timedelta(days=1)
    latest = max(checkpoints)
    known: dict[datetime.date, Decimal] = {latest: checkpoints[latest]}
    day, balance = latest, checkpoints[latest]
    while day < days[-1]:
        day += one
        balance += net.get(day, ZERO)
        known[day] = balance
    day, balance = latest, checkpoints[latest]
    while day > days[0]:
        balance -= net.get(day, ZERO)
        day -= one
        balance = checkpoints.get(day, balance)
        known[day] = balance
    return [None if first_day is not None and d < first_day else known[d] for d in days]


def month_starts(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The first days of the last ``count`` months, this month last."""
    index = today.year * 12 + today.month - 1
    return [datetime.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def categorise(
    rows: list[Any],
    matched: dict[int, str],
    supplier_ibans: set[str],
    own_ibans: set[str],
) -> list[tuple[dict, str]]:
    """Each movement with its category: the item its match paid, then the counterparty (the
    State, social security, words of salaries and loans), then the account a supplier's
    documents or a customer's payments came from. Transfers between the company's own
    accounts are left out."""
    customer_ibans = {
        parties.normal_iban(row["counterparty_iban"])
        for row in rows
        if matched.get(row["id"]) == parties.CUSTOMERS and row["counterparty_iban"]
    }
    found = []
    for row in rows:
        iban = parties.normal_iban(row["counterparty_iban"])
        if iban and iban in own_ibans:
            continue
        category = matched.get(row["id"])
        if category is None:
            category = parties.by_counterparty(iban, row["counterparty_name"], row["free_text"])
        if category == parties.OTHER and iban:
            if iban in supplier_ibans:
                category = parties.SUPPLIERS
            elif iban in customer_ibans:
                category = parties.CUSTOMERS
        found.append((row, category))
    return found


def history(company: Company, today: datetime.date) -> History:
    """The last 12 months up to ``today``: 7 queries, whatever the number of movements."""
    days = [today - datetime.timedelta(days=n) for n in range(DAYS, -1, -1)]
    accounts = list(BankAccount.objects.filter(company=company))
    transactions = BankTransaction.objects.filter(company=company)
    anchors = [a.balance_date for a in accounts if a.balance_date is not None]
    since = min([days[0], *anchors])
    net: dict[int, dict[datetime.date, Decimal]] = defaultdict(dict)
    for row in (
        transactions.filter(booking_date__gt=since)
        .values("account_id", "booking_date")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        net[row["account_id"]][row["booking_date"]] = row["total"]
    checkpoints: dict[int, dict[datetime.date, tuple[tuple[int, str], Decimal]]] = defaultdict(dict)
    for account_id, day, number, closing in (
        Statement.objects.filter(company=company, date__gte=since, closing_balance__isnull=False)
        .values_list("account_id", "date", "number", "closing_balance")
        .order_by()
    ):
        order = (len(number), number)  # the day's last statement closes it
        kept = checkpoints[account_id].get(day)
        if closing is not None and (kept is None or kept[0] < order):
            checkpoints[account_id][day] = (order, closing)
    first: dict[int, datetime.date] = {}
    for account_id, day in (
        transactions.values("account_id").annotate(first=Min("booking_date")).order_by()
    ).values_list("account_id", "first"):
        first[account_id] = day
    for account_id, day in (
        Statement.objects.filter(company=company)
        .values("account_id")
        .annotate(first=Min("date"))
        .order_by()
        .values_list("account_id", "first")
    ):
        first[account_id] = min(day, first.get(account_id, day))
    series = []
    for account in accounts:
        points = {day: closing for day, (_order, closing) in checkpoints[account.pk].items()}
        if account.balance is not None and account.balance_date is not None:
            points[account.balance_date] = account.balance
        start = first.get(account.pk)
        series.append(
            AccountSeries(
                account,
                daily_balances(
                    days,
                    points,
                    net[account.pk],
                    start - datetime.timedelta(days=1) if start else None,
                ),
            )
        )
    total: list[Decimal | None] = []
    for n in range(len(days)):
        values = [v for s in series if (v := s.balances[n]) is not None]
        total.append(sum(values, ZERO) if values else None)
    return History(days, series, total, _months(company, today, accounts))


def _months(company: Company, today: datetime.date, accounts: list[BankAccount]) -> list[MonthFlow]:
    starts = month_starts(today)
    rows = list(
        BankTransaction.objects.filter(
            company=company, booking_date__gte=starts[0], booking_date__lte=today
        )
        .values(
            "id", "booking_date", "amount", "counterparty_iban", "counterparty_name", "free_text"
        )
        .order_by()
    )
    matched: dict[int, str] = {}
    for transaction_id, invoice_id in (
        Match.objects.filter(
            company=company,
            state=Match.State.MATCHED,
            transaction__booking_date__gte=starts[0],
        )
        .values_list("transaction_id", "invoice_id")
        .order_by()
    ):
        matched[transaction_id] = parties.CUSTOMERS if invoice_id else parties.SUPPLIERS
    supplier_ibans = {
        parties.normal_iban(iban)
        for iban in Document.objects.filter(
            company=company,
            kind__in=[Kind.PURCHASE_INVOICE, Kind.PURCHASE_CREDIT_NOTE],
            junk_at__isnull=True,
        )
        .exclude(counterparty_iban="")
        .values_list("counterparty_iban", flat=True)
        .distinct()
        .order_by()
    }
    own = {parties.normal_iban(a.iban) for a in accounts}
    flows = [MonthFlow(start) for start in starts]
    index = {(m.year, m.month): n for n, m in enumerate(starts)}
    for row, category in categorise(rows, matched, supplier_ibans, own):
        day = row["booking_date"]
        flow = flows[index[(day.year, day.month)]]
        if row["amount"] >= 0:
            flow.inflow[category] += row["amount"]
        else:
            flow.outflow[category] += row["amount"]
    return flows
