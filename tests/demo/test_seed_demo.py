"""`make run`'s demo data: it loads on an empty database, again without change, and shows
every capability (documents, inbox, transfer, sales)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.banking.cashflow.history import history
from apps.banking.cashflow.queries import forecast
from apps.banking.models import BankAccount, BankTransaction
from apps.companies.models import Company
from apps.companies.scoping import all_companies, company_scope
from apps.connections.models import Delivery, Transfer
from apps.demo.management.commands.seed_demo import PLATFORM_COMPANY
from apps.demo.profiles import PROFILES, profile_of
from apps.documents.models import Category, Document, Kind
from apps.inbox.models import InboundMessage
from apps.sales.models import Customer, Invoice, InvoiceLine, Product, Quote, SalesSettings


def _files(name: str) -> list[str]:
    """A file name of each demo company's profile."""
    return [getattr(profile, name) for profile in PROFILES.values()]


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_data_loads_twice_and_shows_each_capability(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    with all_companies():
        counts = {
            "companies": Company.objects.count(),
            "documents": Document.objects.count(),
            "messages": InboundMessage.objects.count(),
            "transfers": Transfer.objects.count(),
            "deliveries": Delivery.objects.count(),
            "customers": Customer.objects.count(),
            "invoices": Invoice.objects.count(),
            "quotes": Quote.objects.count(),
        }
        # every demo document is dated as the list sorts it: its own date, else the day it
        # arrived in Brussels (Document.document_date, computed by the database)
        dates = Document.objects.values_list("document_date", "issue_date", "received_at")
        assert dates
        assert [d for d in dates if d[0] != (d[1] or timezone.localdate(d[2]))] == []
        # the demo's companies, and OkiOki's own (it issues the platform's invoices)
        platform = Company.objects.get(enterprise_number=PLATFORM_COMPANY["enterprise_number"])
        assert SalesSettings.objects.get(company=platform).reminders_enabled is False
        demo_companies = Company.objects.exclude(pk=platform.pk).count()
        assert Document.objects.filter(category=Category.SALES).exists()
        # a supplier's quote is filed as what it is, never as a purchase invoice
        quotes = Document.objects.filter(original_filename__in=_files("quote_file"))
        assert [(q.kind, q.category, q.problems) for q in quotes] == [
            (Kind.QUOTE, Category.MISCELLANEOUS, [])
        ] * demo_companies
        assert {q.status for q in quotes} <= {Document.Status.READY, Document.Status.DELIVERED}
        # a new supplier's first invoice waits for its first check; a supplier whose first
        # invoice was checked has its next one read with what OkiOki learned, and ready
        first = Document.objects.filter(original_filename__in=_files("new_supplier_file"))
        assert first.count() == demo_companies
        assert {d.status for d in first} == {Document.Status.NEEDS_REVIEW}
        assert {p["code"] for d in first for p in d.problems} == {"new_counterparty"}
        learned = Document.objects.filter(
            original_filename__in=[p.learned_files[1] for p in PROFILES.values()]
        )
        assert learned.count() == demo_companies
        for document in learned:
            assert document.status in (Document.Status.READY, Document.Status.DELIVERED)
            assert document.supplier is not None
            assert document.supplier.layout
            assert "supplier_memory" in {
                info.get("source") for info in document.field_sources.values()
            }
        # a hostile e-mail is recorded with its headers, never stuck
        hostile = InboundMessage.objects.filter(
            status=InboundMessage.Status.FAILED,
            subject__in=[p.hostile["subject"] for p in PROFILES.values()],
        )
        assert hostile.count() == demo_companies
        assert not InboundMessage.objects.filter(status=InboundMessage.Status.RECEIVED).exists()
        assert Invoice.objects.filter(status=Invoice.Status.PAID).exists()
        assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
        assert Quote.objects.filter(status=Quote.Status.ACCEPTED, invoice__isnull=False).exists()
        # each company's current account with yesterday's statement, the customer's payment in it
        assert BankAccount.objects.count() == demo_companies
        assert (
            BankTransaction.objects.filter(amount__gt=0).exclude(structured_reference="").exists()
        )
        # whose payments the matching found: paid, partly paid, to confirm, to do
        states = set(BankTransaction.objects.values_list("match_state", flat=True))
        assert {"matched", "suggested", "unmatched"} <= states, states
        assert Invoice.objects.filter(status=Invoice.Status.ISSUED, paid_amount__gt=0).exists()
        assert Document.objects.filter(paid_on__isnull=False, paid_by__isnull=True).exists()
        counts["bank transactions"] = BankTransaction.objects.count()
        companies = list(Company.objects.exclude(iban="").exclude(pk=platform.pk))
        assert len(companies) == 2
        # two businesses of their own: no customer, product or supplier in common but the
        # web host, and what each sells is its own
        bakery, studio = sorted(companies, key=lambda c: c.default_language != "nl")
        assert (bakery.default_language, studio.default_language) == ("nl", "fr")

        def of(company, model, field, **where):
            return set(model.objects.filter(company=company, **where).values_list(field, flat=True))

        assert not of(bakery, Customer, "name") & of(studio, Customer, "name")
        assert not of(bakery, Product, "name") & of(studio, Product, "name")
        purchases = {"category": Category.PURCHASES}
        assert of(bakery, Document, "counterparty_name", **purchases) & of(
            studio, Document, "counterparty_name", **purchases
        ) <= {"Webhosting", "Webhosting Plus"}
        sold = " ".join(of(studio, InvoiceLine, "description")).lower()
        assert "photo" in sold
        assert "sourdough" not in sold
        assert "brood" not in sold
    # the cash flow has months of history and the recurring debits found in them
    checked = 0
    for company in companies:
        with company_scope(company):
            ahead = forecast(company, timezone.localdate())
            past = history(company, timezone.localdate())
        if not ahead.balance_known:
            continue
        found = {pattern.name: pattern.months for pattern in ahead.patterns}
        rent, *_others, social_insurance = profile_of(company).recurring
        assert found[rent[0]] == 1
        assert found[social_insurance[0]] == 3
        assert sum(1 for value in past.total if value is not None) > 180
        checked += 1
    assert checked == len(companies)
    assert all(counts.values()), counts
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    with all_companies():
        again = {
            "companies": Company.objects.count(),
            "documents": Document.objects.count(),
            "messages": InboundMessage.objects.count(),
            "transfers": Transfer.objects.count(),
            "deliveries": Delivery.objects.count(),
            "customers": Customer.objects.count(),
            "invoices": Invoice.objects.count(),
            "quotes": Quote.objects.count(),
            "bank transactions": BankTransaction.objects.count(),
        }
    assert again == counts
