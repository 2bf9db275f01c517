"""The invoice pages: who may see and do what; a draft made and issued through the pages."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.companies.scoping import all_companies, company_scope
from apps.sales.models import Dispatch, Invoice, SalesSettings, VatTreatment
from apps.sales.services.invoices import invoice_issue
from tests import factories
from tests.access import cases, check_access
from tests.sales.conftest import customer_for, draft

LINES = {
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "200",
    "lines-0-description": "Advies",
    "lines-0-quantity": "2",
    "lines-0-unit": "HUR",
    "lines-0-unit_price": "75",
    "lines-0-discount_percent": "0",
    "lines-0-vat_rate": "21",
}

# view, method, needs, expected per role
MATRIX = [
    ("invoice-list", "get", None, [302, 404, 404, 200, 200, 200]),
    ("invoice-create", "get", None, [302, 404, 404, 200, 403, 200]),
    ("invoice-create", "post", None, [302, 404, 404, 302, 403, 302]),
    ("invoice-detail", "get", "draft", [302, 404, 404, 200, 200, 200]),
    ("invoice-detail", "post", "draft", [302, 404, 404, 302, 403, 302]),
    ("invoice-detail", "get", "issued", [302, 404, 404, 200, 200, 200]),
    ("invoice-issue", "get", "draft", [302, 404, 404, 200, 403, 200]),
    ("invoice-issue", "post", "draft", [302, 404, 404, 302, 403, 302]),
    ("invoice-paid", "post", "issued", [302, 404, 404, 302, 403, 302]),
    ("invoice-send", "get", "issued", [302, 404, 404, 200, 403, 200]),
    ("invoice-send", "post", "issued", [302, 404, 404, 302, 403, 302]),
    ("invoice-credit", "post", "issued", [302, 404, 404, 302, 403, 302]),
    ("invoice-delete", "post", "draft", [302, 404, 404, 302, 403, 302]),
    ("invoice-pdf", "get", "issued", [302, 404, 404, 200, 200, 200]),
    ("invoice-ubl", "get", "issued", [302, 404, 404, 200, 200, 200]),
    ("settings", "get", None, [302, 404, 404, 200, 200, 200]),
    ("settings", "post", None, [302, 404, 404, 403, 403, 302]),
]


def _snapshot():
    with all_companies():
        return (
            sorted(Invoice.objects.values_list("pk", "status", "number", "notes", "kind")),
            sorted(SalesSettings.objects.values_list("company_id", "first_reminder_days")),
            Dispatch.objects.count(),
        )


@pytest.mark.parametrize(("view", "method", "needs", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, needs, role, expected, request, seller, owner):
    kwargs = {"company_id": seller.public_id}
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        if needs:
            invoice = draft(seller, customer)
            if needs == "issued":
                invoice = invoice_issue(invoice=invoice, actor=owner)
            kwargs["invoice_id"] = invoice.public_id
    data = {
        "customer": customer.public_id,
        "vat_treatment": "domestic",
        "discount_percent": "0",
        "send_channel": "email",
        "notes": "changed",
        "reminders_enabled": "on",
        "first_reminder_days": "8",
        "second_reminder_days": "21",
        "final_reminder_days": "35",
        "quote_validity_days": "30",
        **LINES,
    }

    def saved() -> Invoice:
        return Invoice.objects.get(pk=invoice.pk)

    writes = {
        "invoice-create": Invoice.objects.exists,
        "invoice-detail": lambda: saved().notes == "changed",
        "invoice-issue": lambda: saved().status == Invoice.Status.ISSUED,
        "invoice-paid": lambda: saved().status == Invoice.Status.PAID,
        "invoice-send": lambda: Dispatch.objects.filter(invoice=invoice).exists(),
        "invoice-credit": lambda: Invoice.objects.filter(credited_invoice=invoice).exists(),
        "invoice-delete": lambda: not Invoice.objects.filter(pk=invoice.pk).exists(),
        "settings": lambda: SalesSettings.objects.filter(first_reminder_days=8).exists(),
    }

    url = reverse(f"sales:{view}", kwargs=kwargs)
    wrote = writes[view] if method == "post" else None
    check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )


def test_a_draft_made_on_the_page_is_checked_then_issued(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
    client = client_for(owner)
    create = reverse("sales:invoice-create", kwargs={"company_id": seller.public_id})
    data = {
        "customer": customer.public_id,
        "discount_percent": "0",
        "send_channel": "email",
        **LINES,
    }
    response = client.post(create, data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Ready to issue" in page
    with company_scope(seller):
        invoice = Invoice.objects.get()
    response = client.post(
        reverse(
            "sales:invoice-issue",
            kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
        ),
        follow=True,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.total_incl_vat == Decimal("181.50")
    assert invoice.number in response.content.decode()


def test_add_a_line_without_javascript_keeps_what_was_typed(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
    create = reverse("sales:invoice-create", kwargs={"company_id": seller.public_id})
    data = {"customer": customer.public_id, "discount_percent": "0", "action": "add_line", **LINES}
    page = client_for(owner).post(create, data).content.decode()
    assert 'name="lines-1-description"' in page
    assert 'value="Advies"' in page
    with company_scope(seller):
        assert not Invoice.objects.exists()


def test_a_draft_that_would_not_be_valid_says_why_in_plain_words(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.EXPORT, peppol_endpoint="", kind="person")
        invoice = draft(seller, customer)
    page = (
        client_for(owner)
        .get(
            reverse(
                "sales:invoice-detail",
                kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
            )
        )
        .content.decode()
    )
    assert "Not ready to issue yet" in page


def test_the_invoice_list_stays_within_its_query_budget(
    seller, owner, client_for, django_assert_max_num_queries
):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
    for _ in range(20):
        factories.InvoiceFactory(company=seller, customer=customer)
    client = client_for(owner)
    url = reverse("sales:invoice-list", kwargs={"company_id": seller.public_id})
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_invoice_list_pages_by_fifty(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
    for _ in range(55):
        factories.InvoiceFactory(company=seller, customer=customer)
    client = client_for(owner)
    url = reverse("sales:invoice-list", kwargs={"company_id": seller.public_id})
    detail = re.compile(r'href="/c/[^"]+/sales/invoices/[0-9a-f-]{36}/"')
    first = client.get(url).content.decode()
    assert len(detail.findall(first)) == 50
    assert "page=2" in first
    second = client.get(url + "?page=2").content.decode()
    assert len(detail.findall(second)) == 5
    assert client.get(url + "?page=x").status_code == 200


def test_add_a_line_with_a_broken_line_count_is_no_error_page(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
    create = reverse("sales:invoice-create", kwargs={"company_id": seller.public_id})
    data = {**LINES, "customer": customer.public_id, "action": "add_line"}
    data["lines-TOTAL_FORMS"] = "x"
    assert client_for(owner).post(create, data).status_code == 200


def test_the_draft_page_reads_products_and_rates_once_whatever_the_lines(
    seller, owner, client_for, django_assert_max_num_queries
):
    from apps.sales.services.invoices import LineInput, invoice_update

    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        for _ in range(3):
            factories.ProductFactory(company=seller)
        invoice = draft(seller, customer)
        invoice_update(
            invoice=invoice,
            lines=[LineInput(f"Regel {n}", Decimal("1"), Decimal("10")) for n in range(20)],
        )
    client = client_for(owner)
    url = reverse(
        "sales:invoice-detail",
        kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
    )
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_an_invoice_the_seller_collects_says_so_on_its_page(seller, owner, client_for):
    # given an issued invoice collected by card or direct debit, and a normal one
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        collected = invoice_issue(
            invoice=draft(seller, customer, payment_collection=Invoice.PaymentCollection.COLLECTED),
            actor=owner,
        )
        normal = invoice_issue(invoice=draft(seller, customer), actor=owner)
    client = client_for(owner)

    def page(invoice: Invoice) -> str:
        url = reverse(
            "sales:invoice-detail",
            kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
        )
        return client.get(url).content.decode()

    # then the first one's page says how it is paid, the normal one's is unchanged
    assert "Collected automatically (card or direct debit)" in page(collected)
    assert 'id="payment-collection"' not in page(normal)
