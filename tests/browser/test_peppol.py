"""Peppol in a real browser: the owner of a company registered with the access point opens an
issued invoice to a customer on Peppol, sees that it goes over Peppol and why, sends it, and
sees the transmission with its message id and history; the list says "Peppol: sent". Then a
supplier's e-invoice arrives: the access point calls our webhook on the live server for real,
and the document appears among the documents, received over Peppol. Settings → Peppol and the
invoice page fit a phone in French.

The access point is the loopback stand-in of Recommand's API (tests/fakes/recommand.py), the
SML and SMP loopback stand-ins too (tests/fakes/peppol_network.py); the worker's tasks run
eagerly, in the live server's request, after its commit.
"""

import re

import pytest

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.peppol.models import PeppolCompany, Reception, Transmission
from apps.sales.models import Invoice
from tests.browser.conftest import fits_the_phone, log_in, on_a_phone_in_french, screenshot
from tests.peppol.parties import (
    customer_on_peppol,
    issued,
    received_ubl,
    registered,
    seller_details,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUPPLIER = "Drukkerij Van Damme NV"  # received_ubl's supplier


@pytest.fixture
def seller(company, peppol_network, access_point):
    """The owner's company, with what a valid invoice needs, registered on Peppol."""
    seller_details(company)
    registered(company, access_point)
    return company


@pytest.fixture
def invoice(seller, owner, peppol_network) -> Invoice:
    """Issued to a customer that receives invoices over Peppol (on the SML)."""
    return issued(seller, owner, customer_on_peppol(seller, peppol_network))


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _main(page) -> str:
    return page.locator("main").inner_text()


def _invoice_path(invoice: Invoice) -> str:
    return f"/c/{invoice.company.public_id}/sales/invoices/{invoice.public_id}/"


def _until_checked(page) -> None:
    """The customer's Peppol status is asked of a worker on the first view; the page says
    it is checking, then reloads its sending part (htmx) once known."""
    page.locator("#sending").wait_for()
    page.locator("#sending [hx-get]").wait_for(state="detached", timeout=15_000)


def test_an_invoice_goes_over_peppol_and_a_supplier_einvoice_arrives(
    live_server, browser_page, seller, owner, invoice, access_point
):
    page = browser_page
    participant = f"0208:{invoice.customer.enterprise_number}"
    log_in(page, live_server, owner)

    # the invoice page: over Peppol, and why
    page.goto(f"{live_server.url}{_invoice_path(invoice)}")
    _until_checked(page)
    assert page.locator("#send-button").inner_text() == "Send over Peppol"
    reason = page.locator("#channel-reason").inner_text()
    assert f"The customer is on Peppol as {participant}." in reason
    assert "(checked " in reason
    assert page.locator("#email-button").inner_text() == "Send by e-mail instead"
    screenshot(page, "peppol-invoice-ready")

    # send it (after its preview: over Peppol, to whom, the UBL): the worker hands it to the
    # access point once, and the page shows its way
    _click(page, "#send-button")
    assert participant in page.locator("#preview-peppol").inner_text()
    _click(page, "#confirm-send")
    assert f"On its way over Peppol to {participant}." in _main(page)
    assert page.locator("#peppol-sending").inner_text() == (
        f"Delivered over Peppol to {participant}."
    )
    [outgoing] = access_point.outgoing()
    assert access_point.sends() == 1
    with company_scope(seller):
        transmission = Transmission.objects.get()
    assert transmission.status == Transmission.Status.SENT
    assert transmission.peppol_message_id == outgoing["peppolMessageId"]
    section = page.locator("#transmission")
    assert section.locator(".badge").inner_text() == "Sent"
    assert section.locator("code").inner_text() == transmission.peppol_message_id
    history = section.locator("ol.timeline li").all_inner_texts()
    assert len(history) == 2
    assert history[0].endswith(f"Sent over Peppol (message {transmission.peppol_message_id}).")
    assert history[1].endswith(f"Queued for Peppol to {participant}.")
    assert page.locator("#email-button").inner_text() == "Send a copy by e-mail"
    screenshot(page, "peppol-invoice-sent")

    # the invoice list says it went over Peppol
    _click(page, "nav.breadcrumb a")
    row = page.locator("main table tbody tr", has_text=invoice.number)
    assert row.locator(".badge-peppol-sent").inner_text() == "Peppol: sent"
    screenshot(page, "peppol-invoice-list")

    # a supplier's e-invoice arrives: the access point calls our webhook for real
    access_point.webhook_url(f"{live_server.url}/peppol/webhook/")
    xml = received_ubl(seller)
    with company_scope(seller):
        ap_company_id = PeppolCompany.objects.get().ap_company_id
    arrived = access_point.inbound(ap_company_id, xml.decode())
    assert arrived["delivery"]["status"] == 200, arrived["delivery"]
    with company_scope(seller):
        reception = Reception.objects.get()
        document = Document.objects.get(pk=reception.document_id)
        assert document.source == Source.PEPPOL
        assert document.original.open("rb").read() == xml
        assert reception.acknowledged_at is not None

    # among the documents, with where it came from
    page.goto(f"{live_server.url}/c/{seller.public_id}/documents/")
    row = page.locator("main table tbody tr", has_text=SUPPLIER)
    screenshot(page, "peppol-documents-received")
    assert row.count() == 1
    assert "E-invoice received" in row.inner_text()
    _click(page, f"main table tbody tr:has-text('{SUPPLIER}') a")
    assert "E-invoice received" in _main(page)
    screenshot(page, "peppol-document-received")
    assert page.console_errors == []


def test_settings_and_the_invoice_fit_a_phone_in_french(
    live_server, browser_page, seller, owner, invoice, access_point
):
    page = browser_page
    path = f"/c/{seller.public_id}/settings/peppol/"
    on_a_phone_in_french(page, live_server, owner, path)
    assert page.locator("html").get_attribute("lang") == "fr"
    state = page.locator("#peppol-state").inner_text()
    assert f"0208:{seller.enterprise_number}" in state
    screenshot(page, "peppol-settings-phone-fr")
    assert fits_the_phone(page)

    page.goto(f"{live_server.url}{_invoice_path(invoice)}")
    _until_checked(page)
    screenshot(page, "peppol-invoice-phone-fr")
    assert fits_the_phone(page)
    _click(page, "#send-button")
    assert fits_the_phone(page)
    _click(page, "#confirm-send")
    assert page.locator("#transmission code").is_visible()
    assert re.search(r"0208:\d{10}", page.locator("#peppol-sending").inner_text())
    screenshot(page, "peppol-invoice-sent-phone-fr")
    assert fits_the_phone(page)

    # and the desktop view of Settings → Peppol, in English
    page.set_viewport_size({"width": 1280, "height": 900})
    _click(page, "button[name=language][value=en]")
    page.goto(f"{live_server.url}{path}")
    assert "Receives on" in page.locator("#peppol-state").inner_text()
    screenshot(page, "peppol-settings")
    assert page.console_errors == []
