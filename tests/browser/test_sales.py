"""Selling in a real browser: the owner adds a customer, makes a quote with two lines and
sends it; the customer accepts it from the link in the e-mail (no account); the owner turns
it into an invoice, issues it and sends it. A wrong enterprise number is refused.

The mail goes over SMTP to a real server on loopback (``smtp``, aiosmtpd); the invoice's
first PDF page is drawn with pdftoppm for a person to look at.
"""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.companies.scoping import company_scope
from apps.sales.models import Customer, Invoice, Quote
from tests.browser.conftest import (
    ARTIFACTS,
    fits_the_phone,
    log_in,
    on_a_phone_in_french,
    screenshot,
)
from tests.sales.conftest import seller_details
from tests.servers import require_program

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
CUSTOMER = "Brouwerij De Klant NV"
CUSTOMER_EMAIL = "facturen@klant.example"
ENTERPRISE_NUMBER = "0403170701"


@pytest.fixture
def seller(company):
    """The owner's company with what a valid invoice needs: IBAN, VAT number, address."""
    return seller_details(company)


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _main(page) -> str:
    return page.locator("main").inner_text()


def _fill_customer(page, enterprise_number: str) -> None:
    page.select_option("select[name=kind]", "company")
    page.fill("input[name=name]", CUSTOMER)
    page.fill("input[name=enterprise_number]", enterprise_number)
    page.fill("input[name=street]", "Brouwersstraat 5")
    page.fill("input[name=postal_code]", "9000")
    page.fill("input[name=city]", "Gent")
    page.select_option("select[name=country]", "BE")
    page.fill("input[name=email]", CUSTOMER_EMAIL)
    page.select_option("select[name=language]", "nl")


def _fill_line(page, n: int, description: str, quantity: str, unit: str, price: str, vat: str):
    page.fill(f"[name=lines-{n}-description]", description)
    page.fill(f"[name=lines-{n}-quantity]", quantity)
    page.select_option(f"[name=lines-{n}-unit]", unit)
    page.fill(f"[name=lines-{n}-unit_price]", price)
    page.select_option(f"[name=lines-{n}-vat_rate]", vat)


def _attachments(received) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in received.message.iter_attachments()
    }


def _dutch(text: str) -> str:
    """What the customer's (Dutch) page says for ``text``: the translation, once there is one."""
    with translation.override("nl"):
        return gettext(text)


def test_quote_accepted_by_the_customer_becomes_an_issued_and_sent_invoice(
    live_server, browser_page, seller, owner, smtp, settings, tmp_path
):
    pdftoppm = require_program("pdftoppm", "apt-get install poppler-utils")
    settings.SITE_URL = live_server.url  # the accept link in the e-mail points here
    page = browser_page
    log_in(page, live_server, owner)

    # Sales → Customers → add a Belgian company with its enterprise number
    page.goto(f"{live_server.url}/c/{seller.public_id}/")
    _click(page, ".section-nav a:has-text('Sales')")
    _click(page, ".section-tabs a:has-text('Customers')")
    _click(page, "main a:has-text('Add your first customer')")
    _fill_customer(page, "0403.170.701")
    _click(page, "main form button[type=submit]")
    assert f"{CUSTOMER} is added." in _main(page)
    with company_scope(seller):
        customer = Customer.objects.get()
    assert (customer.enterprise_number, customer.vat_id) == (ENTERPRISE_NUMBER, "BE0403170701")
    assert (customer.email, customer.language) == (CUSTOMER_EMAIL, "nl")

    # Quotes → a new quote for that customer with two lines
    _click(page, ".section-tabs a:has-text('Quotes')")
    _click(page, "main a:has-text('New quote') >> nth=0")
    page.select_option("select[name=customer]", label=CUSTOMER)
    _fill_line(page, 0, "Website ontwerp", "1", "LS", "1200", "21")
    page.click("button[name=action][value=add_line]")
    page.wait_for_selector("[name=lines-1-description]")
    _fill_line(page, 1, "Hosting", "12", "MON", "15.50", "21")
    _click(page, "main form .form-actions button[name=action][value=save]")
    assert "The quote is saved as a draft." in _main(page)
    with company_scope(seller):
        quote = Quote.objects.get()
        lines = [(line.description, line.quantity, line.unit_price) for line in quote.lines.all()]
    assert lines == [("Website ontwerp", D("1"), D("1200")), ("Hosting", D("12"), D("15.50"))]
    assert quote.status == Quote.Status.DRAFT

    # send it: first the e-mail as the customer will get it, then the quote mail with its
    # PDF and the link to accept
    _click(page, "#send-button")
    assert page.locator("#preview-to").inner_text() == CUSTOMER_EMAIL
    assert page.locator("#preview-attachments").inner_text().endswith(".pdf")
    assert "/q/" in page.locator("#preview-body").inner_text()
    screenshot(page, "sales-quote-send-preview")
    with company_scope(seller):
        assert Quote.objects.get().status == Quote.Status.DRAFT  # nothing sent yet
    _click(page, "#confirm-send")
    assert f"The quote is sent to {CUSTOMER_EMAIL}." in _main(page)
    [quote_mail] = smtp.wait_for(1)
    assert quote_mail.rcpt_tos == [CUSTOMER_EMAIL]
    quote.refresh_from_db()
    assert quote.number in quote_mail.message["Subject"]
    parts = _attachments(quote_mail)
    assert list(parts) == [f"{quote.number}.pdf"]
    assert parts[f"{quote.number}.pdf"].startswith(b"%PDF")
    body = quote_mail.message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/q/\S+/", body).group(0)
    assert link == f"{live_server.url}/q/{quote.token}/"
    smtp.clear()

    # the customer opens the link in another browser, without an account, and accepts
    customer_context = page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="nl-BE"
    )
    try:
        public = customer_context.new_page()
        public.goto(link)
        assert "/accounts/login/" not in public.url
        assert public.locator("html").get_attribute("lang") == "nl"
        assert quote.number in public.locator("h1").inner_text()
        assert "Website ontwerp" in public.locator("table.quote-lines").inner_text()
        assert "Hosting" in public.locator("table.quote-lines").inner_text()
        screenshot(public, "sales-quote-public")
        with public.expect_navigation() as answered:
            public.click("button[name=decision][value=accept]")
        # a 403 here is Django's CSRF check refusing the form's POST ("Origin: null")
        assert answered.value.ok, f"accepting answered {answered.value.status} at {public.url}"
        assert _dutch("Thank you. Your answer is recorded.") in _main(public)
        assert public.locator("button[name=decision]").count() == 0
        assert public.locator("#quote-state").is_visible()
        screenshot(public, "sales-quote-public-accepted")
    finally:
        customer_context.close()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    assert quote.decided_ip == "127.0.0.1"
    assert timezone.now() - quote.decided_at < datetime.timedelta(minutes=5)
    # the owner hears of it, the customer gets a copy of the answer
    answers = smtp.wait_for(2)
    assert sorted(m.rcpt_tos for m in answers) == sorted([[owner.email], [CUSTOMER_EMAIL]])
    smtp.clear()

    # back as the owner: accepted, with the time and the IP address
    page.goto(f"{live_server.url}/c/{seller.public_id}/sales/quotes/{quote.public_id}/")
    assert page.locator(".page-head .badge").inner_text() == "Accepted"
    facts = page.locator("dl.facts").inner_text()
    assert "from IP address 127.0.0.1" in facts
    screenshot(page, "sales-quote-accepted")
    _click(page, "main form[action$='/invoice/'] button[type=submit]")

    # the draft invoice passes the checks
    assert "A draft invoice is made from this quote." in _main(page)
    check = page.locator("#invoice-check")
    assert "Ready to issue" in check.inner_text()
    # the draft is the quote's customer's (saving the draft as shown keeps it)
    assert page.locator("select[name=customer] option:checked").inner_text() == CUSTOMER
    assert page.input_value("[name=lines-0-description]") == "Website ontwerp"
    assert page.input_value("[name=lines-1-description]") == "Hosting"
    screenshot(page, "sales-invoice-draft")
    _click(page, "#issue-button")

    # the summary to confirm: issuing cannot be undone
    year = timezone.localdate().year
    assert page.locator("#issue-number").inner_text().startswith(f"{year}-0001")
    assert CUSTOMER in page.locator("#issue-summary").inner_text()
    assert "€1,677.06" in page.locator("table.totals").inner_text()
    screenshot(page, "sales-invoice-issue-confirm")
    _click(page, "#confirm-issue")

    # issued: its number and structured communication
    number = f"{year}-0001"
    assert "Issued. The invoice has its number" in _main(page)
    assert page.locator("h1").inner_text() == f"Invoice {number}"
    ogm = page.locator("#ogm").inner_text()
    assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", ogm)
    with company_scope(seller):
        invoice = Invoice.objects.get()
    assert (invoice.number, invoice.status) == (number, Invoice.Status.ISSUED)
    assert invoice.total_incl_vat == D("1677.06")  # (1200 + 12 × 15.50) × 1.21
    assert invoice.buyer_reference == quote.number
    assert re.sub(r"\D", "", ogm) == invoice.structured_communication

    # send it: the preview of the e-mail, then the invoice mail with the PDF and the UBL
    _click(page, "#send-button")
    assert page.locator("#preview-to").inner_text() == CUSTOMER_EMAIL
    assert number in page.locator("#preview-subject").inner_text()
    assert page.locator("#preview-attachments li").count() == 2
    screenshot(page, "sales-invoice-send-preview")
    _click(page, "#confirm-send")
    assert f"Sent to {CUSTOMER_EMAIL}." in _main(page)
    [invoice_mail] = smtp.wait_for(1)
    assert invoice_mail.rcpt_tos == [CUSTOMER_EMAIL]
    assert number in invoice_mail.message["Subject"]
    parts = _attachments(invoice_mail)
    assert set(parts) == {f"{number}.pdf", f"{number}.xml"}
    assert parts[f"{number}.pdf"].startswith(b"%PDF")
    assert b"<cbc:ID>" + number.encode() + b"</cbc:ID>" in parts[f"{number}.xml"]
    body = invoice_mail.message.get_body(("plain",)).get_content()
    assert ogm in body
    assert page.locator("#send-button").inner_text() == "Send again"
    assert CUSTOMER_EMAIL in page.locator("main").inner_text()
    screenshot(page, "sales-invoice-issued")

    # the PDF as the page links it, and a picture of its first page
    pdf_url = page.locator("main a[href$='/pdf/']").get_attribute("href")
    response = page.context.request.get(f"{live_server.url}{pdf_url}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / f"{number}.pdf"
    pdf.write_bytes(response.body())
    assert pdf.read_bytes() == parts[f"{number}.pdf"]
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "sales-invoice-pdf-page1.png"
    png.unlink(missing_ok=True)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "100",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png.with_suffix("")),
        ],
        check=True,
        timeout=60,
    )
    assert png.exists()
    assert png.read_bytes().startswith(b"\x89PNG")

    # and the list has it as issued and sent
    _click(page, "nav.breadcrumb a")
    row = page.locator("main table tbody tr", has_text=number)
    assert CUSTOMER in row.inner_text()
    assert page.console_errors == []


def test_a_wrong_enterprise_number_is_refused_and_nothing_is_saved(
    live_server, browser_page, seller, owner
):
    page = browser_page
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/c/{seller.public_id}/sales/customers/new/")
    _fill_customer(page, "0403.170.702")  # the last digit is wrong
    _click(page, "main form button[type=submit]")

    error = page.locator("#id_enterprise_number_error")
    assert error.is_visible()
    assert "check digits do not match" in error.inner_text()
    assert page.locator("input[name=enterprise_number]").get_attribute("aria-invalid") == "true"
    # what was typed stays, to be corrected
    assert page.input_value("input[name=enterprise_number]") == "0403.170.702"
    assert page.input_value("input[name=name]") == CUSTOMER
    assert "is added." not in _main(page)
    screenshot(page, "sales-customer-refused")
    with company_scope(seller):
        assert not Customer.objects.exists()
    assert page.console_errors == []


@pytest.mark.parametrize("page_path", ["sales/", "sales/quotes/"])
def test_the_status_filters_wrap_on_a_phone(live_server, browser_page, company, owner, page_path):
    # the row of status filters ("All, Draft, Sent, Accepted, ...") in French, the longest
    on_a_phone_in_french(browser_page, live_server, owner, f"/c/{company.public_id}/{page_path}")
    assert fits_the_phone(browser_page)
