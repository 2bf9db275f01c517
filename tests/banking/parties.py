"""Open items and bank transactions for the matching tests, made directly (fast): an issued
invoice with its number, total, structured communication and due date; a purchase invoice
read with its amounts; a transaction on a statement of the company's account."""

import datetime
import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from stdnum.be import ogm_vcs

from apps.banking.models import (
    BankAccount,
    BankTransaction,
    ForecastAdjustment,
    Match,
    Statement,
    StatementFile,
)
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.documents.models import Document, Kind
from apps.sales.models import Customer, Invoice
from tests import factories

ISSUED_ON = datetime.date(2026, 10, 1)
DUE_ON = datetime.date(2026, 10, 31)
_sequence = itertools.count(1)


def ogm(n: int) -> str:
    base = f"{n:010d}"
    return base + ogm_vcs.calc_check_digits(base)


def customer(company: Company, name: str = "Klant BV") -> Customer:
    with company_scope(company):
        return factories.CustomerFactory(company=company, name=name)


def issued_invoice(
    company: Company,
    total: str,
    *,
    number: str = "",
    reference: str | None = None,
    to: Customer | None = None,
    due: datetime.date = DUE_ON,
) -> Invoice:
    n = next(_sequence)
    with company_scope(company):
        invoice = factories.InvoiceFactory(company=company, customer=to or customer(company))
        Invoice.objects.filter(pk=invoice.pk).update(
            status=Invoice.Status.ISSUED,
            number=number or f"2026-{n:03d}",
            issue_date=ISSUED_ON,
            due_date=due,
            total_incl_vat=Decimal(total),
            structured_communication=ogm(n) if reference is None else reference,
            customer_snapshot={"name": invoice.customer.name},
        )
        invoice.refresh_from_db()
        return invoice


def purchase(
    company: Company,
    total: str,
    *,
    supplier: str = "Drukkerij Peeters BV",
    iban: str = "",
    reference: str = "",
    number: str = "",
    credit_note: bool = False,
) -> Document:
    with company_scope(company):
        return factories.DocumentFactory(
            company=company,
            kind=Kind.PURCHASE_CREDIT_NOTE if credit_note else Kind.PURCHASE_INVOICE,
            counterparty_name=supplier,
            counterparty_iban=iban,
            structured_communication=reference,
            total_incl_vat=Decimal(total),
            issue_date=ISSUED_ON,
            due_date=DUE_ON,
            **({"number": number} if number else {}),
        )


def account(company: Company, iban: str = "BE68539007547034") -> BankAccount:
    with company_scope(company):
        found = BankAccount.objects.filter(company=company, iban=iban).first()
        return found or BankAccount.objects.create(company=company, iban=iban, name="Zicht")


def transaction(
    company: Company,
    amount: str,
    *,
    name: str = "",
    iban: str = "",
    reference: str = "",
    text: str = "",
    day: datetime.date = datetime.date(2026, 11, 3),
) -> BankTransaction:
    n = next(_sequence)
    with company_scope(company):
        bank = account(company)
        kept = StatementFile(company=company, filename="s.cod", sha256="0" * 64, status="imported")
        kept.file.save("s.cod", ContentFile(b"test"), save=False)
        kept.save()
        statement = Statement.objects.create(
            company=company, account=bank, file=kept, format="coda", number=str(n), date=day
        )
        return BankTransaction.objects.create(
            company=company,
            account=bank,
            statement=statement,
            identity=f"test:{n}",
            booking_date=day,
            value_date=day,
            amount=Decimal(amount),
            counterparty_name=name,
            counterparty_iban=iban,
            structured_reference=reference,
            free_text=text,
        )


def suggestion(company: Company) -> Match:
    """A transaction with one suggested match (a similar name, the same amount)."""
    klant = customer(company, "Bakkerij Van den Broeck NV")
    invoice = issued_invoice(company, "64.20", to=klant, reference="")
    row = transaction(company, "64.20", name="VAN DEN BROECK BAKKERIJ")
    with company_scope(company):
        BankTransaction.objects.filter(pk=row.pk).update(match_state="suggested")
        return Match.objects.create(
            company=company,
            transaction=row,
            invoice=invoice,
            amount=Decimal("64.20"),
            state=Match.State.SUGGESTED,
            score=Decimal("0.70"),
            reasons=[{"rule": "amount_equal", "amount": "64.20"}],
        )


def adjustment(company: Company) -> ForecastAdjustment:
    """A line of the company's own in its cash-flow forecast."""
    with company_scope(company):
        return ForecastAdjustment.objects.create(
            company=company,
            kind=ForecastAdjustment.Kind.ONE_OFF,
            day=datetime.date(2026, 12, 1),
            amount=Decimal("-100.00"),
            label="Test",
        )
