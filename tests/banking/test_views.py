"""The Bank page: accounts within the plan, statements imported by upload, the refusals said
in the user's language, and another company's page a 404 like a missing one."""

import datetime
import html
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.banking.models import BankAccount, BankTransaction, MatchState, StatementFile
from apps.banking.services.matches import transactions_match
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from apps.sales.models import Dispatch, Invoice
from apps.sales.services.invoices import invoices_record_payments
from tests.banking import parties
from tests.banking.samples import read

pytestmark = pytest.mark.django_db
SINGLE = "Coda_v2_3_single_statement.txt"


@pytest.fixture
def collecting(company):
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    return company


def _url(company, name="banking:overview"):
    return reverse(name, kwargs={"company_id": company.public_id})


def test_the_owner_adds_an_account_and_imports_a_statement(collecting, owner, client_for):
    client = client_for(owner)
    page = client.post(
        _url(collecting, "banking:account-create"),
        {"iban": "BE86 4070 5141 6150", "name": "Zichtrekening", "currency": "EUR"},
        follow=True,
    ).content.decode()
    assert "BE86407051416150" in page
    upload = SimpleUploadedFile(SINGLE, read(SINGLE))
    page = client.post(
        _url(collecting, "banking:statement-upload"), {"statements": [upload]}, follow=True
    ).content.decode()
    assert "1 statement(s) imported" in page
    with company_scope(collecting):
        assert BankTransaction.objects.count() > 0
    assert 'id="transactions"' in page


def test_an_invalid_iban_and_the_plan_limit_are_said(collecting, owner, client_for):
    client = client_for(owner)
    response = client.post(_url(collecting, "banking:account-create"), {"iban": "BE00 1234"})
    assert response.status_code == 400
    assert "is not a valid IBAN" in response.content.decode()
    client.post(_url(collecting, "banking:account-create"), {"iban": "BE86407051416150"})
    page = client.get(_url(collecting)).content.decode()
    assert "includes 1 bank account, in use" in page
    with company_scope(collecting):
        assert BankAccount.objects.count() == 1


def test_a_refused_statement_is_said_in_french_and_kept(collecting, owner, client_for):
    owner.language = "fr"
    owner.save()
    with company_scope(collecting):
        BankAccount.objects.create(company=collecting, iban="NL77ABNA0574908765")
    upload = SimpleUploadedFile(SINGLE, read(SINGLE))
    response = client_for(owner).post(
        _url(collecting, "banking:statement-upload"), {"statements": [upload]}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "BE86407051416150" in page
    assert "n'est pas un des comptes bancaires de cette entreprise" in page
    with company_scope(collecting):
        assert StatementFile.objects.get().status == StatementFile.Status.REFUSED


def test_a_member_imports_but_does_not_add_accounts(collecting, member, client_for):
    client = client_for(member)
    response = client.post(_url(collecting, "banking:account-create"), {"iban": "BE86407051416150"})
    assert response.status_code == 403
    with company_scope(collecting):
        assert not BankAccount.objects.exists()


def test_the_start_plan_has_no_bank_accounts(company, owner, client_for):
    page = client_for(owner).get(_url(company)).content.decode()
    assert "has no bank accounts" in page


def test_a_suggestion_is_confirmed_and_an_automatic_match_undone_on_the_page(
    collecting, owner, client_for
):
    client = client_for(owner)
    suggested = parties.suggestion(collecting)
    row = suggested.transaction
    url = reverse(
        "banking:transaction-detail",
        kwargs={"company_id": collecting.public_id, "transaction_id": row.public_id},
    )
    page = html.unescape(client.get(url).content.decode())
    assert 'id="suggestions"' in page
    assert "Amount €64.20 equals the open balance" in page
    page = client.post(
        reverse(
            "banking:match-confirm",
            kwargs={"company_id": collecting.public_id, "transaction_id": row.public_id},
        ),
        {"proposal": "1"},
        follow=True,
    ).content.decode()
    assert 'id="matches"' in page
    with company_scope(collecting):
        invoice = Invoice.objects.get(pk=suggested.invoice_id)
        assert invoice.status == Invoice.Status.PAID
    # the invoice page shows the payment, with a link to the transaction
    page = client.get(
        reverse(
            "sales:invoice-detail",
            kwargs={"company_id": collecting.public_id, "invoice_id": invoice.public_id},
        )
    ).content.decode()
    assert str(row.public_id) in page
    assert 'id="payment-state"' in page
    client.post(
        reverse(
            "banking:match-undo",
            kwargs={
                "company_id": collecting.public_id,
                "transaction_id": row.public_id,
                "match_id": suggested.public_id,
            },
        )
    )
    with company_scope(collecting):
        invoice.refresh_from_db()
        row.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert row.match_state == MatchState.UNMATCHED


def test_a_bad_amount_by_hand_is_said_and_nothing_is_matched(collecting, owner, client_for):
    invoice = parties.issued_invoice(collecting, "50.00")
    row = parties.transaction(collecting, "50.00", name="Iemand")
    key = f"invoice:{invoice.public_id}"
    url = reverse(
        "banking:match-manual",
        kwargs={"company_id": collecting.public_id, "transaction_id": row.public_id},
    )
    client = client_for(owner)
    for amount, said in (("twelve", "Enter the amount"), ("80.00", "add up to more than")):
        page = client.post(url, {"item": key, f"amount-{key}": amount}, follow=True)
        assert said in html.unescape(page.content.decode())
    # Belgian writing of an amount is understood
    client.post(url, {"item": key, f"amount-{key}": "50,00"})
    with company_scope(collecting):
        invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_lists_filter_on_payment_status(collecting, owner, client_for):
    paid = parties.issued_invoice(collecting, "10.00", number="2026-901")
    partly = parties.issued_invoice(collecting, "20.00", number="2026-902")
    open_ = parties.issued_invoice(collecting, "30.00", number="2026-903")
    with company_scope(collecting):
        invoices_record_payments(
            company=collecting,
            payments={
                paid.pk: (D("10.00"), datetime.date(2026, 11, 2)),
                partly.pk: (D("5.00"), datetime.date(2026, 11, 2)),
            },
        )
    client = client_for(owner)
    url = reverse("sales:invoice-list", kwargs={"company_id": collecting.public_id})

    def numbers(status: str) -> set[str]:
        page = client.get(url, {"status": status}).content.decode()
        return {n for n in ("2026-901", "2026-902", "2026-903") if n in page}

    assert numbers("paid") == {"2026-901"}
    assert numbers("partly_paid") == {"2026-902"}
    assert numbers("open") == {"2026-902", "2026-903"}
    assert open_.due_date < datetime.date.today()
    assert numbers("overdue") == {"2026-902", "2026-903"}
    purchase = parties.purchase(collecting, "42.00", number="AF-77")
    documents = reverse("documents:document-list", kwargs={"company_id": collecting.public_id})
    assert "AF-77" in client.get(documents, {"payment": "to_pay"}).content.decode()
    client.post(
        reverse(
            "documents:document-paid",
            kwargs={"company_id": collecting.public_id, "document_id": purchase.public_id},
        )
    )
    assert "AF-77" not in client.get(documents, {"payment": "to_pay"}).content.decode()
    assert "AF-77" in client.get(documents, {"payment": "paid"}).content.decode()
    with company_scope(collecting):
        purchase.refresh_from_db()
    assert (purchase.paid_on, purchase.paid_by) == (datetime.date.today(), owner)


def test_the_dashboard_counts_what_is_to_do(collecting, owner, client_for):
    parties.suggestion(collecting)
    parties.transaction(collecting, "-9.99", name="Bankkosten")
    page = (
        client_for(owner)
        .get(reverse("companies:dashboard", kwargs={"company_id": collecting.public_id}))
        .content.decode()
    )
    assert "2 transactions to match" in page
    assert "1 to confirm" in page


def test_a_payment_after_a_reminder_is_shown_on_the_invoice(collecting, owner, client_for):
    invoice = parties.issued_invoice(collecting, "75.00")
    with company_scope(collecting):
        reminder = Dispatch.objects.create(
            company=collecting, invoice=invoice, what=Dispatch.What.REMINDER, level=1, to="x@y.be"
        )
        Dispatch.objects.filter(pk=reminder.pk).update(
            created_at=timezone.make_aware(datetime.datetime(2026, 11, 8, 9))
        )
    row = parties.transaction(
        collecting,
        "75.00",
        reference=invoice.structured_communication,
        day=datetime.date(2026, 11, 12),
    )
    with company_scope(collecting):
        transactions_match(company=collecting, transactions=[row])
    page = (
        client_for(owner)
        .get(
            reverse(
                "sales:invoice-detail",
                kwargs={"company_id": collecting.public_id, "invoice_id": invoice.public_id},
            )
        )
        .content.decode()
    )
    assert "After reminder 1 of 08/11/2026" in page
    assert "Mark unpaid" not in page  # paid by the bank: undone on its match


def test_the_bank_page_and_the_dashboard_cost_the_same_queries_for_many_rows(
    collecting, owner, client_for, django_assert_max_num_queries
):
    client = client_for(owner)
    url = _url(collecting)
    dashboard = reverse("companies:dashboard", kwargs={"company_id": collecting.public_id})
    parties.suggestion(collecting)
    client.get(url)  # the session and the caches warm
    # (the dashboard reads what needs you and the month's figures: six queries of its own;
    # its usage line reads the plan in force, apps.billing.entitlements.plan_in_force)
    with django_assert_max_num_queries(46) as few:
        client.get(url)
        client.get(dashboard)
    for n in range(30):
        parties.issued_invoice(collecting, f"{n + 1}.00", due=datetime.date(2026, 1, 1))
        parties.transaction(collecting, f"-{n + 1}.50", name=f"Leverancier {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
        assert client.get(dashboard).status_code == 200


def test_a_camt_statement_that_does_not_add_up_is_imported_with_its_difference_said(
    collecting, owner, client_for
):
    with company_scope(collecting):
        BankAccount.objects.create(company=collecting, iban="NL77ABNA0574908765")
    upload = SimpleUploadedFile("ing.xml", read("test-camt053.xml"))
    client = client_for(owner)
    page = client.post(
        _url(collecting, "banking:statement-upload"), {"statements": [upload]}, follow=True
    ).content.decode()
    page = html.unescape(page)
    assert "does not add up: its movements and its balances differ by -€434.16" in page
    # and it stays said on the page, beside the file
    page = html.unescape(client.get(_url(collecting)).content.decode())
    assert "its movements and balances differ by -€434.16" in page
    with company_scope(collecting):
        row = BankTransaction.objects.first()
    detail = client.get(
        reverse(
            "banking:transaction-detail",
            kwargs={"company_id": collecting.public_id, "transaction_id": row.public_id},
        )
    ).content.decode()
    assert "Does not add up" in detail


def test_an_invoice_says_what_is_left_to_pay_and_an_overpayment(collecting, owner, client_for):
    partly = parties.issued_invoice(collecting, "100.00")
    over = parties.issued_invoice(collecting, "100.00")
    with company_scope(collecting):
        invoices_record_payments(
            company=collecting,
            payments={
                partly.pk: (D("40.00"), datetime.date(2026, 11, 2)),
                over.pk: (D("109.00"), datetime.date(2026, 11, 2)),
            },
        )
    client = client_for(owner)

    def page(invoice):
        url = reverse(
            "sales:invoice-detail",
            kwargs={"company_id": collecting.public_id, "invoice_id": invoice.public_id},
        )
        return html.unescape(client.get(url).content.decode())

    assert 'id="left-to-pay">€60.00' in page(partly)
    assert "€9.00 more than the invoice" in page(over)
