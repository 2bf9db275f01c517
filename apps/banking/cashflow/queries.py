"""The forecast's inputs, read from the company's data in 10 queries whatever the volume:
today's balance, the open invoices and purchase invoices, each customer's delays, the debits
of the last 400 days, the VAT of the open periods, the settings and the user's adjustments."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, Sum

from apps.banking.cashflow import tax
from apps.banking.cashflow.forecast import (
    DELAY_DAYS,
    HISTORY_DAYS,
    ZERO,
    Adjustment,
    Debit,
    Forecast,
    Inputs,
    OpenDocument,
    OpenInvoice,
    Settings,
    build,
    median_delays,
)
from apps.banking.models import BankAccount, BankTransaction, CashflowSettings, ForecastAdjustment
from apps.companies.models import Company
from apps.documents.models import Document, Kind
from apps.sales.models import Invoice
from apps.sales.services.invoices import ISSUED_STATUSES, credited_total


def settings_of(company: Company) -> Settings:
    found = CashflowSettings.objects.filter(company=company).first()
    return settings_from(found)


def settings_from(found: "CashflowSettings | None") -> Settings:
    if found is None:
        return Settings()
    advance = None
    if found.makes_advance_payments:
        advance = (
            found.advance_payment_1,
            found.advance_payment_2,
            found.advance_payment_3,
            found.advance_payment_4,
        )
    return Settings(found.vat_filer, advance, found.threshold)


def balance_today(company: Company, today: datetime.date) -> Decimal | None:
    """The accounts' newest balances and the movements booked since (2 queries)."""
    accounts = [
        a
        for a in BankAccount.objects.filter(company=company)
        if a.balance is not None and a.balance_date is not None
    ]
    if not accounts:
        return None
    since = Q()
    for account in accounts:
        since |= Q(account=account, booking_date__gt=account.balance_date)
    moved = (
        BankTransaction.objects.filter(company=company, booking_date__lte=today)
        .filter(since)
        .aggregate(total=Sum("amount"))["total"]
    )
    return sum((a.balance for a in accounts if a.balance is not None), ZERO) + (moved or ZERO)


def forecast_inputs(company: Company, today: datetime.date) -> Inputs:
    settings = settings_of(company)
    invoices = [
        OpenInvoice(
            str(row["public_id"]),
            row["number"],
            row["customer_id"],
            row["customer__name"],
            row["issue_date"],
            row["due_date"],
            (row["total_incl_vat"] or ZERO) - row["credited"] - row["paid_amount"],
        )
        for row in Invoice.objects.filter(
            company=company, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
        )
        .annotate(credited=credited_total())
        .values(
            "public_id",
            "number",
            "customer_id",
            "customer__name",
            "issue_date",
            "due_date",
            "total_incl_vat",
            "paid_amount",
            "credited",
        )
        .order_by("due_date", "id")
    ]
    paid = list(
        Invoice.objects.filter(
            company=company,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.PAID,
            paid_on__isnull=False,
            due_date__isnull=False,
            paid_on__gte=today - datetime.timedelta(days=DELAY_DAYS),
        )
        .values_list("customer_id", "due_date", "paid_on")
        .order_by()
    )
    documents = [
        OpenDocument(
            str(row["public_id"]),
            row["number"] or row["original_filename"],
            row["counterparty_name"],
            row["counterparty_iban"],
            row["issue_date"],
            row["due_date"],
            (row["total_incl_vat"] or ZERO) - row["paid_amount"],
        )
        for row in Document.objects.filter(
            company=company,
            kind=Kind.PURCHASE_INVOICE,
            paid_on__isnull=True,
            total_incl_vat__isnull=False,
            possible_duplicate_of__isnull=True,
            junk_at__isnull=True,
        )
        .exclude(status=Document.Status.FAILED)
        .values(
            "public_id",
            "number",
            "original_filename",
            "counterparty_name",
            "counterparty_iban",
            "issue_date",
            "due_date",
            "total_incl_vat",
            "paid_amount",
        )
        .order_by("due_date", "id")
    ]
    debits = [
        Debit(day, amount, iban, name, str(public_id))
        for day, amount, iban, name, public_id in BankTransaction.objects.filter(
            company=company,
            amount__lt=0,
            booking_date__gt=today - datetime.timedelta(days=HISTORY_DAYS),
            booking_date__lte=today,
        )
        .exclude(counterparty_iban="")
        .values_list(
            "booking_date", "amount", "counterparty_iban", "counterparty_name", "public_id"
        )
        .order_by()
    ]
    vat: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    if settings.vat_filer in (tax.MONTHLY, tax.QUARTERLY):
        start, _end = tax.vat_period(today, settings.vat_filer)
        start, _end = tax.vat_period(start - datetime.timedelta(days=1), settings.vat_filer)
        for day, kind, amount in (
            Invoice.objects.filter(
                company=company,
                status__in=ISSUED_STATUSES,
                issue_date__gte=start,
                total_vat__isnull=False,
            )
            .values_list("issue_date", "kind", "total_vat")
            .order_by()
        ):
            if day is None or amount is None:
                continue
            vat[(day.year, day.month)] += -amount if kind == Invoice.Kind.CREDIT_NOTE else amount
        for day, kind, amount in (
            Document.objects.filter(
                company=company,
                kind__in=[Kind.PURCHASE_INVOICE, Kind.PURCHASE_CREDIT_NOTE],
                issue_date__gte=start,
                total_vat__isnull=False,
                possible_duplicate_of__isnull=True,
                junk_at__isnull=True,
            )
            .exclude(status=Document.Status.FAILED)
            .values_list("issue_date", "kind", "total_vat")
            .order_by()
        ):
            if day is None or amount is None:
                continue
            vat[(day.year, day.month)] += amount if kind == Kind.PURCHASE_CREDIT_NOTE else -amount
    adjustments = [
        Adjustment(str(a.public_id), a.kind, a.item, a.day, a.amount, a.label)
        for a in ForecastAdjustment.objects.filter(company=company).order_by("day", "id")
    ]
    return Inputs(
        balance=balance_today(company, today),
        invoices=invoices,
        delays=median_delays([(c, due, on) for c, due, on in paid if due and on]),
        documents=documents,
        debits=debits,
        vat_by_month=dict(vat),
        settings=settings,
        adjustments=adjustments,
    )


def forecast(company: Company, today: datetime.date) -> Forecast:
    return build(forecast_inputs(company, today), today)
