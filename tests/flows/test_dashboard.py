"""The dashboard works for you: what needs you now, each with a count and the list it opens;
this month's figures; and, for a new company's owner, a setup checklist that goes away once
done. A handful of queries whatever the company's size."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import User
from apps.banking.models import BankAccount
from apps.billing.models import Plan
from apps.companies.models import Company, Role
from apps.companies.scoping import all_companies, company_scope
from apps.connections.models import Delivery
from apps.documents.models import Document, Kind
from apps.sales.models import Invoice, Quote
from tests import factories
from tests.banking import parties

TODAY = datetime.datetime(2026, 11, 15, 10, 0, tzinfo=datetime.UTC)


def _on_plan(company: Company, code: str) -> Company:
    company.plan = Plan.objects.get(code=code)
    company.save(update_fields=["plan"])
    return company


def _dashboard(client, company: Company) -> str:
    response = client.get(reverse("companies:dashboard", kwargs={"company_id": company.public_id}))
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, element_id: str) -> str:
    """The text of the element with ``element_id`` (its first closing tag of the same name)."""
    found = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, f"#{element_id} is not on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def _link(page: str, element_id: str) -> str:
    """The first link of the element with ``element_id``."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</li>', page, re.S)
    assert found, f"#{element_id} is not on the page"
    link = re.search(r'<a href="([^"]+)"', found.group(1))
    assert link, f"#{element_id} has no link"
    return link.group(1).replace("&amp;", "&")


def _issued(company, total, *, kind=Invoice.Kind.INVOICE, on=None, excl=None, **fields):
    invoice = parties.issued_invoice(company, total, **fields)
    with company_scope(company):
        Invoice.objects.filter(pk=invoice.pk).update(
            kind=kind,
            issue_date=on or invoice.issue_date,
            total_excl_vat=Decimal(excl or total),
        )
        invoice.refresh_from_db()
    return invoice


@time_machine.travel(TODAY, tick=False)
def test_a_new_company_sees_its_setup_and_nothing_waiting(company, owner, client_for):
    # given a company just made on a plan that collects and has a bank account (an
    # address, no e-mail nor IBAN, nothing else)
    _on_plan(company, "collect-25")
    # when its owner opens the dashboard
    page = _dashboard(client_for(owner), company)

    # then the five steps are there, none done, each with where to do it
    checklist = _section(page, "setup-checklist")
    assert "0 of 5 steps done" in checklist
    for step, url_name in [
        ("step-company", "companies:company-edit"),
        ("step-accountant", "connections:transfer"),
        ("step-collecting", "inbox:overview"),
        ("step-invoice", "sales:invoice-create"),
        ("step-bank", "banking:overview"),
    ]:
        assert _link(page, step).startswith(reverse(url_name, args=[company.public_id])), step
    # nothing needs the owner yet, and the month's figures say zero
    assert "Nothing waits for you." in _section(page, "needs-you")
    assert "0 of 25 documents this month, 0 extra" in page
    assert "€0.00" in _section(page, "figure-sales")
    assert "0 invoices issued" in _section(page, "figure-sales")
    assert "€0.00" in _section(page, "figure-unpaid-in")
    assert "€0.00" in _section(page, "figure-unpaid-out")
    assert "This month (November 2026)" in page


def test_the_checklist_is_the_owners_alone(company, member, accountant, client_for):
    # a member and an accountant cannot do every step: they see what waits, not the setup
    for user in (member, accountant):
        page = _dashboard(client_for(user), company)
        assert 'id="setup-checklist"' not in page
        assert 'id="needs-you"' in page


def test_each_done_step_is_ticked_and_the_checklist_goes_when_all_are(company, owner, client_for):
    _on_plan(company, "collect-25")
    client = client_for(owner)
    # given the company details completed and the first invoice issued
    company.email = "boekhouding@bakkerij.example"
    company.iban = "BE68539007547034"
    company.save()
    parties.issued_invoice(company, "121.00")
    # then two of five are ticked, without their links
    page = _dashboard(client, company)
    assert "2 of 5 steps done" in _section(page, "setup-checklist")
    assert "The company details are complete." in _section(page, "step-company")
    assert "Your first invoice is issued." in _section(page, "step-invoice")
    # when the accountant is invited, a forwarded e-mail came in and a bank account is known
    with company_scope(company):
        factories.InvitationFactory(company=company, role=Role.ACCOUNTANT)
        factories.InboundMessageFactory(company=company)
        BankAccount.objects.create(company=company, iban="BE68539007547034")
    # then the checklist is gone
    assert 'id="setup-checklist"' not in _dashboard(client, company)


def test_on_start_the_checklist_asks_only_what_the_plan_includes(company, owner, client_for):
    # given a company on Start: no collecting by OkiOki, no bank account
    _on_plan(company, "start")
    client = client_for(owner)
    page = _dashboard(client, company)
    # then three steps, not the mailbox nor the bank
    assert "0 of 3 steps done" in _section(page, "setup-checklist")
    assert 'id="step-collecting"' not in page
    assert 'id="step-bank"' not in page
    # and once those three are done, the checklist is gone
    company.email = "boekhouding@bakkerij.example"
    company.iban = "BE68539007547034"
    company.save()
    parties.issued_invoice(company, "121.00")
    with company_scope(company):
        factories.TransferFactory(company=company)
    assert 'id="setup-checklist"' not in _dashboard(client, company)


def test_the_transfer_set_or_a_mailbox_also_count_as_steps(company, owner, client_for):
    _on_plan(company, "collect-25")
    with company_scope(company):
        factories.TransferFactory(company=company)
        factories.MailboxFactory(company=company)
    page = _dashboard(client_for(owner), company)
    assert "Your accountant is invited, or the transfer is set." in page
    assert "Documents come in by themselves." in page


@time_machine.travel(TODAY, tick=False)
def test_what_needs_you_is_counted_and_links_to_its_list(company, member, client_for):
    # given two documents to review, a failed delivery, an overdue invoice (and one not yet
    # due), an overdue purchase invoice, a quote waiting, and bank lines to match
    with company_scope(company):
        factories.DocumentFactory.create_batch(2, company=company, status="needs_review")
        factories.DeliveryFactory(company=company, status=Delivery.Status.FAILED)
        factories.QuoteFactory(company=company, status=Quote.Status.SENT, number="OF-1")
        factories.QuoteFactory(company=company, status=Quote.Status.ACCEPTED, number="OF-2")
    late = _issued(company, "100.00", due=datetime.date(2026, 11, 1))
    not_yet = _issued(company, "50.00", due=datetime.date(2026, 12, 1))
    parties.purchase(company, "30.00")  # due 31/10
    also_late = parties.suggestion(company).invoice  # due 31/10
    parties.transaction(company, "-9.99", name="Bankkosten")

    # when a member opens the dashboard
    page = _dashboard(client_for(member), company)

    # then each thing that waits says how many, and opens the list of exactly those
    company_id = company.public_id
    expected = {
        "needs-documents": (
            "2 documents to review",
            reverse("documents:document-list", args=[company_id]) + "?status=needs_review",
        ),
        "needs-deliveries": (
            "1 document not sent to your accountant",
            reverse("connections:delivery-list", args=[company_id]) + "?status=failed",
        ),
        "needs-invoices": (
            "2 invoices overdue",
            reverse("sales:invoice-list", args=[company_id]) + "?status=overdue",
        ),
        "needs-purchases": (
            "1 purchase invoice past its due date",
            reverse("documents:document-list", args=[company_id]) + "?payment=overdue",
        ),
        "needs-quotes": (
            "1 quote waiting for an answer",
            reverse("sales:quote-list", args=[company_id]) + "?status=sent",
        ),
        "needs-bank": (
            "2 transactions to match (1 to confirm)",
            reverse("banking:overview", args=[company_id]) + "?state=todo",
        ),
    }
    for element_id, (words, url) in expected.items():
        assert _section(page, element_id) == words, element_id
        assert _link(page, element_id) == url, element_id
    # and the list opens those: the invoices' list, for one
    overdue = client_for(member).get(expected["needs-invoices"][1]).content.decode()
    assert late.number in overdue
    assert also_late.number in overdue
    assert not_yet.number not in overdue


@time_machine.travel(TODAY, tick=False)
def test_this_months_figures(company, owner, client_for):
    # given this month: two invoices issued (1,000.00 and 500.00 excluding VAT) and a credit
    # note of 200.00; last month: one of 300.00 (not this month's sales)
    first = _issued(
        company, "1210.00", excl="1000.00", on=datetime.date(2026, 11, 3), due=TODAY.date()
    )
    _issued(company, "605.00", excl="500.00", on=datetime.date(2026, 11, 10))
    credit = _issued(
        company,
        "242.00",
        excl="200.00",
        kind=Invoice.Kind.CREDIT_NOTE,
        on=datetime.date(2026, 11, 12),
    )
    _issued(company, "363.00", excl="300.00", on=datetime.date(2026, 10, 20))
    with company_scope(company):
        Invoice.objects.filter(pk=credit.pk).update(credited_invoice=first)
        # the first invoice is partly paid by the bank: 100.00
        Invoice.objects.filter(pk=first.pk).update(paid_amount=Decimal("100.00"))
        # a paid invoice and a draft count for nothing unpaid
        factories.InvoiceFactory(company=company)
    paid = _issued(company, "50.00", on=datetime.date(2026, 10, 2))
    with company_scope(company):
        Invoice.objects.filter(pk=paid.pk).update(status=Invoice.Status.PAID)
    # two purchase invoices to pay (one partly paid), one paid, one failed to read
    parties.purchase(company, "400.00")
    partly = parties.purchase(company, "100.00")
    done = parties.purchase(company, "80.00")
    with company_scope(company):
        Document.objects.filter(pk=partly.pk).update(paid_amount=Decimal("40.00"))
        Document.objects.filter(pk=done.pk).update(paid_on=datetime.date(2026, 11, 2))
        factories.DocumentFactory(
            company=company,
            kind=Kind.PURCHASE_INVOICE,
            total_incl_vat=Decimal("999.00"),
            status=Document.Status.FAILED,
        )

    page = _dashboard(client_for(owner), company)

    # then sales are this month's invoices less its credit note, excluding VAT
    assert _section(page, "figure-sales").startswith("Sales €1,300.00 2 invoices issued")
    # still to receive: 1,210 + 605 + 363 − 242 credited − 100 paid
    assert _section(page, "figure-unpaid-in").startswith("Still to receive €1,836.00 3 open")
    # still to pay: 400 + 100 − 40 paid
    assert _section(page, "figure-unpaid-out").startswith("Still to pay €460.00 2 purchase")


def test_the_dashboard_reads_in_few_queries_whatever_the_size(
    company, owner, client_for, django_assert_max_num_queries
):
    # given a company with some of everything
    client = client_for(owner)
    parties.suggestion(company)
    parties.purchase(company, "10.00")
    _issued(company, "10.00")
    with company_scope(company):
        factories.DeliveryFactory(company=company)
    _dashboard(client, company)  # the session and the caches warm
    with django_assert_max_num_queries(30) as few:
        _dashboard(client, company)
    # when it has many more of each
    for n in range(20):
        parties.suggestion(company)
        parties.purchase(company, f"{n + 1}.00")
        _issued(company, f"{n + 1}.00")
        with company_scope(company):
            factories.DeliveryFactory(company=company)
            factories.DocumentFactory(company=company, status="needs_review")
            factories.QuoteFactory(company=company, status=Quote.Status.SENT, number=f"Q{n}")
    # then the dashboard costs the same queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        _dashboard(client, company)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_companies_dashboards_show_their_work(
    client_for, django_capture_on_commit_callbacks
):
    # given the demo data
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    owner = User.objects.get(email="demo@okioki.be")
    owner.language = "en"  # read in English here; every language is the no-English test's
    owner.save()
    with all_companies():
        companies = list(Company.objects.filter(memberships__user=owner))
    assert len(companies) == 2
    client = client_for(owner)
    for company in companies:
        # when its owner opens each company's dashboard
        page = _dashboard(client, company)
        # then things wait for them, and the month's figures are the company's
        needs = _section(page, "needs-you")
        assert "Nothing waits for you." not in needs, company.name
        assert "documents to review" in needs or "document to review" in needs, company.name
        assert "transaction" in needs, company.name
        assert "€0.00" not in _section(page, "figure-unpaid-in"), company.name
        # and a company set up this far has no checklist left
        assert 'id="setup-checklist"' not in page, company.name
