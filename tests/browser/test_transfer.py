"""Issue #6 in a real browser: the owner sets up the Octopus preset, tests it, uploads an
invoice and sees it sent to the accountant; a pasted address with a space is refused.

Reading and sending run eagerly in the live server's thread (CELERY_TASK_ALWAYS_EAGER), and
the mail goes over SMTP to a real server on loopback (``smtp``, aiosmtpd).
"""

import dataclasses
import datetime
import time
from decimal import Decimal

import pytest

from apps.companies.scoping import company_scope
from apps.connections.models import Delivery, Transfer
from apps.documents.models import Document
from tests import factories
from tests.browser.conftest import fits_the_phone, log_in, on_a_phone_in_french, screenshot
from tests.connections.conftest import OCTOPUS
from tests.documents import samples
from tests.documents.helpers import known_supplier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASTED = "uid-008352-24@import.octopus.be"
D = Decimal


def _submit(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"button[name=action][value={action}]")


def _invoice(company) -> bytes:
    """An invoice of a known supplier addressed to the company: it reads into a ready
    document."""
    sample = samples.Sample(
        "transfer",
        "nl",
        "Drukkerij Van Damme NV",
        "BE0812345603",
        "2026-0420",
        datetime.date(2026, 11, 3),
        datetime.date(2026, 12, 3),
        [("Drukwerk", D("100.00"), D("21")), ("Boeken", D("10.01"), D("6"))],
        ogm="010806817183",
    )
    return samples.pdf(
        dataclasses.replace(sample, customer=company.name, customer_vat=company.vat_number)
    )


def _wait_for_text(page, text: str, timeout: float = 20) -> None:
    """Reload until ``text`` is on the page: the reading and sending happen after the upload."""
    deadline = time.monotonic() + timeout
    while text not in page.locator("main").inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not on {page.url} after {timeout} s")
        time.sleep(0.5)
        page.reload()


def test_octopus_preset_then_an_uploaded_invoice_is_sent_to_the_accountant(
    live_server, browser_page, company, owner, smtp, tmp_path
):
    page = browser_page
    factories.collecting(company)  # a plan that collects documents (uploads)
    log_in(page, live_server, owner)
    base = f"{live_server.url}/c/{company.public_id}"

    # given the Octopus preset and the import address pasted as the address for everything
    page.goto(f"{base}/transfer/")
    page.select_option("select[name=package]", "octopus")
    page.fill("input[name=general_address]", PASTED)

    # when OkiOki proposes an address per type, then it shows them beside the current ones
    _submit(page, "propose")
    proposal = page.locator("#proposal").inner_text()
    for address in OCTOPUS.values():
        assert address in proposal
    assert page.input_value("input[name=purchases_address]") == ""  # not applied yet
    screenshot(page, "transfer-proposal")
    # and the owner's "Use these addresses" puts them in the form, the general one untouched
    _submit(page, "use_proposal")
    assert page.input_value("input[name=purchases_address]") == OCTOPUS["purchases"]
    assert page.input_value("input[name=sales_address]") == OCTOPUS["sales"]
    assert page.input_value("input[name=miscellaneous_address]") == OCTOPUS["miscellaneous"]
    assert page.input_value("input[name=general_address]") == PASTED
    with company_scope(company):
        assert not Transfer.objects.exists()  # proposing saves nothing

    # a test goes to each distinct address and each is accepted
    page.check("input[name=is_automatic][value=True]")
    page.check("input[name=is_active]")
    _submit(page, "test")
    results = page.locator("#test-results li")
    assert results.count() == 3
    for n in range(3):
        assert "accepted" in results.nth(n).inner_text()
        assert "not accepted" not in results.nth(n).inner_text()
    assert page.locator("#test-results li.test-ok").count() == 3
    received = smtp.wait_for(3)
    assert sorted(message.rcpt_tos[0] for message in received) == sorted(OCTOPUS.values())
    # the form still holds what was typed, ready to save
    assert page.input_value("input[name=sales_address]") == OCTOPUS["sales"]
    assert page.is_checked("input[name=is_active]")
    screenshot(page, "transfer-settings")

    _submit(page, "save")
    assert "Saved." in page.locator("main").inner_text()
    with company_scope(company):
        transfer = Transfer.objects.get()
    assert transfer.package == "octopus"
    assert transfer.is_automatic
    assert transfer.is_active
    assert transfer.address_for("purchases") == OCTOPUS["purchases"]
    assert transfer.address_for("sales") == OCTOPUS["sales"]
    assert transfer.address_for("miscellaneous") == OCTOPUS["miscellaneous"]
    smtp.clear()

    # when the owner uploads an invoice of a supplier they confirmed before (the first
    # document of a new supplier waits for a person: see tests/documents/test_reading.py)
    known_supplier(company, "Drukkerij Van Damme NV", "BE0812345603")
    invoice = tmp_path / "factuur-2026-0420.pdf"
    invoice.write_bytes(_invoice(company))
    page.goto(f"{base}/documents/upload/")
    page.set_input_files("input[name=uploads]", str(invoice))
    with page.expect_navigation():
        page.click("main form.upload-form button[type=submit]")
    assert "received." in page.locator(".upload-results").inner_text()

    # then the document list says where it went
    page.goto(f"{base}/documents/")
    _wait_for_text(page, f"sent to {OCTOPUS['purchases']} on")
    row = page.locator("table.document-table tbody tr", has_text="Drukkerij Van Damme NV")
    assert (
        row.locator(".delivery-line").inner_text().startswith(f"sent to {OCTOPUS['purchases']} on ")
    )
    screenshot(page, "transfer-document-sent")

    [message] = smtp.wait_for(1)
    assert message.rcpt_tos == [OCTOPUS["purchases"]]
    with company_scope(company):
        document = Document.objects.get()
        delivery = Delivery.objects.get()
    assert document.status == Document.Status.DELIVERED
    assert (delivery.status, delivery.destination) == (Delivery.Status.SENT, OCTOPUS["purchases"])

    # and the document page's "To the accountant" says it was sent
    with page.expect_navigation():
        row.locator("a").first.click()
    section = page.locator("section.document-transfer")
    assert section.locator("h2").inner_text() == "To the accountant"
    delivery_row = section.locator("table.deliveries tbody tr")
    assert delivery_row.count() == 1
    assert OCTOPUS["purchases"] in delivery_row.inner_text()
    assert delivery_row.locator(".badge-sent").inner_text() == "Sent"
    assert section.locator(f"button:has-text('Send again to {OCTOPUS['purchases']}')").count() == 1
    screenshot(page, "transfer-document-detail")

    # and the deliveries list has it as sent
    page.goto(f"{base}/transfer/deliveries/")
    [listed] = page.locator("table.deliveries tbody tr").all()
    assert listed.get_attribute("data-status") == "sent"
    assert "Drukkerij Van Damme NV" in listed.inner_text()
    assert OCTOPUS["purchases"] in listed.inner_text()
    screenshot(page, "transfer-deliveries")
    assert page.console_errors == []


def test_a_pasted_address_with_a_space_is_refused_and_nothing_is_saved(
    live_server, browser_page, company, owner
):
    page = browser_page
    factories.TransferFactory(company=company)  # the Octopus addresses per type
    log_in(page, live_server, owner)

    page.goto(f"{live_server.url}/c/{company.public_id}/transfer/")
    page.fill("input[name=purchases_address]", "uid-008352-24-pi @import.octopus.be")
    _submit(page, "save")

    error = page.locator("#id_purchases_address_error")
    assert error.is_visible()
    assert "Remove the space" in error.inner_text()
    assert page.locator("input[name=purchases_address]").get_attribute("aria-invalid") == "true"
    assert "Saved." not in page.locator("main").inner_text()
    # what was typed stays in the field to be corrected
    assert (
        page.input_value("input[name=purchases_address]") == "uid-008352-24-pi @import.octopus.be"
    )
    screenshot(page, "transfer-address-refused")
    with company_scope(company):
        transfer = Transfer.objects.get()
    assert transfer.purchases_address == OCTOPUS["purchases"]
    assert page.console_errors == []


def test_the_deliveries_page_fits_a_phone_in_french(live_server, browser_page, company, owner):
    # the longest words, an Octopus address, the period form of the owner: nothing scrolls
    # the page sideways (the table scrolls in its own frame)
    factories.TransferFactory(company=company)
    factories.DeliveryFactory(company=company, status=Delivery.Status.SENT)
    page = browser_page
    on_a_phone_in_french(page, live_server, owner, f"/c/{company.public_id}/transfer/deliveries/")
    assert page.locator("#period-title").is_visible()
    assert fits_the_phone(page)
    screenshot(page, "deliveries-phone-fr")
