"""Demo data of sales for `make run`: each company's customers and products (see
``apps.demo.profiles``), quotes (one waiting for the customer, one accepted), invoices (paid,
open and overdue, one abroad with its credit note, a draft); all made through the real
services, so the issued ones have their PDF, UBL and a sales document that goes to the
accountant."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.companies.models import Company
from apps.demo.profiles import profile_of
from apps.sales.models import Customer
from apps.sales.services.customers import customer_create, product_create
from apps.sales.services.invoices import (
    LineInput,
    credit_note_create,
    invoice_create,
    invoice_issue,
)
from apps.sales.services.quotes import quote_create, quote_decide, quote_mark_sent, quote_to_invoice

D = Decimal


def _lines(specs: list[tuple[str, str, str, str, str, str]]) -> list[LineInput]:
    return [
        LineInput(name, D(quantity), D(price), D(rate), unit=unit, discount_percent=D(discount))
        for name, quantity, price, rate, unit, discount in specs
    ]


def seed_sales(company: Company) -> None:
    """Idempotent: a company with customers keeps its sales as they are."""
    if not company.iban or Customer.objects.filter(company=company).exists():
        return
    sales = profile_of(company).sales
    customers = [customer_create(company=company, **spec) for spec in sales.customers]
    for name, unit, price, code in sales.products:
        product_create(company=company, name=name, unit=unit, unit_price=D(price), vat_code=code)
    today = timezone.localdate()
    # overdue, paid, abroad with a credit note, a draft: issued in date order
    for (index, lines), days in ((sales.overdue, 45), (sales.paid, 40)):
        invoice = invoice_create(
            company=company,
            customer=customers[index],
            lines=_lines(lines),
            issue_date=today - datetime.timedelta(days=days),
        )
        invoice_issue(invoice=invoice, actor=None)  # the paid one: by the demo's bank statement
    index, lines = sales.abroad
    abroad = invoice_create(
        company=company,
        customer=customers[index],
        lines=_lines(lines),
        issue_date=today - datetime.timedelta(days=3),
    )
    abroad = invoice_issue(invoice=abroad, actor=None)
    credit = credit_note_create(invoice=abroad, lines=_lines(sales.credit))
    invoice_issue(invoice=credit, actor=None)
    paid_lines = _lines(sales.paid[1])
    index, notes = sales.draft
    invoice_create(company=company, customer=customers[index], lines=paid_lines[:1], notes=notes)
    # quotes: one waits for the customer, one was accepted and became a draft invoice
    waiting = quote_create(
        company=company, customer=customers[sales.quote_waiting], lines=paid_lines
    )
    quote_mark_sent(quote=waiting)
    index, lines = sales.quote_accepted
    accepted = quote_create(company=company, customer=customers[index], lines=_lines(lines))
    accepted = quote_mark_sent(quote=accepted)
    quote_decide(token=accepted.token, accept=True, ip="127.0.0.1")
    accepted.refresh_from_db()
    quote_to_invoice(quote=accepted, actor=None)
