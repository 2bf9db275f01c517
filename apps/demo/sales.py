"""Demo data of sales for `make run`: customers and products, quotes (one waiting for the
customer, one accepted), invoices (paid, open and overdue, a draft) and a credit note; all
made through the real services, so the issued ones have their PDF, UBL and a sales document
that goes to the accountant."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.companies.models import Company
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

CUSTOMERS = [
    {
        "name": "Koffiebar De Hoek",
        "enterprise_number": "0403170701",
        "vat_id": "BE0403170701",
        "street": "Korenmarkt 3",
        "postal_code": "9000",
        "city": "Gent",
        "email": "facturen@dehoek.example",
        "language": "nl",
    },
    {
        "name": "Construct Namur SRL",
        "enterprise_number": "0202239951",
        "vat_id": "BE0202239951",
        "street": "Rue de Fer 20",
        "postal_code": "5000",
        "city": "Namur",
        "email": "compta@construct-namur.example",
        "language": "fr",
        "vat_treatment": "reverse_charge",
    },
    {
        "name": "Bäckerei Schmidt GmbH",
        "enterprise_number": "",
        "vat_id": "DE136695976",
        "street": "Hauptstraße 1",
        "postal_code": "52062",
        "city": "Aachen",
        "country": "DE",
        "email": "buchhaltung@schmidt.example",
        "language": "en",
        "vat_treatment": "intra_eu",
    },
]
PRODUCTS = [
    ("Volkorenbrood", "C62", "2.45", "reduced"),
    ("Verjaardagstaart", "C62", "18.50", "reduced"),
    ("Catering (per uur)", "HUR", "45.00", "standard"),
]


def seed_sales(company: Company) -> None:
    """Idempotent: a company with customers keeps its sales as they are."""
    if not company.iban or Customer.objects.filter(company=company).exists():
        return
    customers = [customer_create(company=company, **spec) for spec in CUSTOMERS]
    for name, unit, price, code in PRODUCTS:
        product_create(company=company, name=name, unit=unit, unit_price=D(price), vat_code=code)
    today = timezone.localdate()
    bread = [
        LineInput("Volkorenbrood", D("40"), D("2.45"), D("6")),
        LineInput("Verjaardagstaart", D("2"), D("18.50"), D("6"), discount_percent=D("10")),
        LineInput("Catering", D("4"), D("45.00"), D("21"), unit="HUR"),
    ]
    # overdue, paid, to Germany with a credit note, a draft: issued in date order
    overdue = invoice_create(
        company=company,
        customer=customers[1],
        lines=[
            LineInput(
                "Rénovation boulangerie – main-d'œuvre", D("16"), D("55.00"), D("21"), unit="HUR"
            )
        ],
        issue_date=today - datetime.timedelta(days=45),
    )
    invoice_issue(invoice=overdue, actor=None)
    paid = invoice_create(
        company=company,
        customer=customers[0],
        lines=bread,
        issue_date=today - datetime.timedelta(days=40),
    )
    invoice_issue(invoice=paid, actor=None)  # paid by the demo's bank statement
    export = invoice_create(
        company=company,
        customer=customers[2],
        lines=[LineInput("Sourdough starter kit", D("12"), D("15.00"), D("6"))],
        issue_date=today - datetime.timedelta(days=3),
    )
    export = invoice_issue(invoice=export, actor=None)
    credit = credit_note_create(
        invoice=export,
        lines=[LineInput("Sourdough starter kit (damaged)", D("1"), D("15.00"), D("6"))],
    )
    invoice_issue(invoice=credit, actor=None)
    invoice_create(
        company=company, customer=customers[0], lines=bread[:1], notes="Wekelijkse levering"
    )
    # quotes: one waits for the customer, one was accepted and became the draft above's sibling
    waiting = quote_create(company=company, customer=customers[0], lines=bread)
    quote_mark_sent(quote=waiting)
    accepted = quote_create(company=company, customer=customers[1], lines=bread[2:])
    accepted = quote_mark_sent(quote=accepted)
    quote_decide(token=accepted.token, accept=True, ip="127.0.0.1")
    accepted.refresh_from_db()
    quote_to_invoice(quote=accepted, actor=None)
