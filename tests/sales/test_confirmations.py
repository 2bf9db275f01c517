"""No surprises before what cannot be undone: issuing an invoice or a credit note shows its
summary to confirm first; sending a quote or an invoice shows the e-mail as the customer
will get it (recipient, subject, body, attachments) and sends nothing until confirmed. Each
POST ends in a redirect."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.sales.models import Dispatch, Invoice, Quote, VatTreatment
from apps.sales.services.invoices import credit_note_create, invoice_issue
from tests import factories
from tests.sales.conftest import customer_for, draft
from tests.sales.test_invoice_views import LINES
from tests.sales.test_quotes import quote_with_lines


def _url(name: str, invoice_or_quote) -> str:
    key = "quote_id" if isinstance(invoice_or_quote, Quote) else "invoice_id"
    return reverse(
        f"sales:{name}",
        kwargs={
            "company_id": invoice_or_quote.company.public_id,
            key: invoice_or_quote.public_id,
        },
    )


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _element(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"#{element_id} is not on the page"
    return found.group(2)


def test_issue_from_the_draft_asks_to_confirm_with_a_summary_first(seller, owner, client_for):
    # given a draft invoice ready to issue
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC, name="Brouwerij De Klant NV")
        invoice = draft(seller, customer)
    client = client_for(owner)
    data = {
        "customer": customer.public_id,
        "vat_treatment": "domestic",
        "discount_percent": "0",
        "send_channel": "email",
        **LINES,
        "action": "issue",
    }

    # when the owner presses "Save and issue…" on the draft
    response = client.post(_url("invoice-detail", invoice), data)

    # then what was typed is saved, nothing is issued yet, and the summary asks to confirm
    assert response.status_code == 302
    assert response["Location"] == _url("invoice-issue", invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (Invoice.Status.DRAFT, "")
    page = client.get(response["Location"]).content.decode()
    summary = _text(_element(page, "issue-summary"))
    year = timezone.localdate().year
    assert "Brouwerij De Klant NV" in summary
    assert f"{year}-0001" in _text(_element(page, "issue-number"))
    assert "given at the moment of issue" in summary
    due = timezone.localdate() + timezone.timedelta(days=customer.payment_terms_days)
    assert due.strftime("%d/%m/%Y") in _text(_element(page, "issue-due"))
    assert "€181.50" in _text(page)  # 2 × 75.00 + 21 % VAT
    assert "€31.50" in _text(page)  # the VAT
    assert "only a credit note corrects it" in _text(page)

    # when they confirm
    response = client.post(_url("invoice-issue", invoice))

    # then it is issued, and the answer is a redirect to the invoice (a refresh issues nothing)
    assert response.status_code == 302
    assert response["Location"] == _url("invoice-detail", invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (Invoice.Status.ISSUED, f"{year}-0001")
    again = client.get(_url("invoice-issue", invoice))
    assert again.status_code == 302
    assert again["Location"] == _url("invoice-detail", invoice)


def test_the_summary_shows_the_next_number_and_a_credit_note_is_worded_so(
    seller, owner, client_for
):
    # given an issued invoice and a draft credit note for it
    with company_scope(seller):
        invoice = invoice_issue(
            invoice=draft(seller, customer_for(seller, VatTreatment.DOMESTIC)), actor=owner
        )
        credit_note = credit_note_create(invoice=invoice)
        second = draft(seller, invoice.customer)
    client = client_for(owner)
    year = timezone.localdate().year

    # the credit note's summary: its own number series, the invoice it credits, no due date
    page = client.get(_url("invoice-issue", credit_note)).content.decode()
    assert "Issue the credit note?" in page
    assert f"CN{year}-0001" in _text(_element(page, "issue-number"))
    assert invoice.number in _text(_element(page, "issue-summary"))
    assert 'id="issue-due"' not in page
    assert 'id="confirm-issue">Issue the credit note<' in page
    # the next invoice's summary: the number after the first
    page = client.get(_url("invoice-issue", second)).content.decode()
    assert f"{year}-0002" in _text(_element(page, "issue-number"))


def test_a_draft_not_ready_says_why_and_offers_no_issue(seller, owner, client_for):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.EXPORT, peppol_endpoint="", kind="person")
        invoice = draft(seller, customer)
    page = client_for(owner).get(_url("invoice-issue", invoice)).content.decode()
    assert "Not ready to issue yet" in page
    assert 'id="confirm-issue"' not in page


def test_sending_an_invoice_shows_the_email_first_then_sends_exactly_that(
    seller, owner, client_for, smtp
):
    # given an issued invoice of a customer with an e-mail address
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC, email="boekhouding@klant.example")
        invoice = invoice_issue(invoice=draft(seller, customer), actor=owner)
    client = client_for(owner)

    # when the owner presses "Send to the customer" (a link to the preview)
    detail = client.get(_url("invoice-detail", invoice)).content.decode()
    link = re.search(r'href="([^"]+)"[^>]*id="send-button"', detail)
    assert link, "the send button is a link to the preview"
    page = client.get(link.group(1).replace("&amp;", "&")).content.decode()

    # then the e-mail is shown as it will go, and nothing is sent yet
    assert _text(_element(page, "preview-to")) == "boekhouding@klant.example"
    subject = _text(_element(page, "preview-subject"))
    assert invoice.number in subject
    assert subject.startswith("Factuur")  # in the customer's language
    body = _element(page, "preview-body")
    assert invoice.number in body
    assert set(re.findall(r"<li>([^<]+?) <small", _element(page, "preview-attachments"))) == {
        f"{invoice.number}.pdf",
        f"{invoice.number}.xml",
    }
    assert 'lang="nl"' in page
    assert smtp.messages == []
    with company_scope(seller):
        assert not Dispatch.objects.exists()

    # when they confirm
    response = client.post(_url("invoice-send", invoice), {"by_email": "1"})

    # then that e-mail goes, and the answer is a redirect to the invoice
    assert response.status_code == 302
    assert response["Location"] == _url("invoice-detail", invoice)
    [sent] = smtp.wait_for(1)
    assert sent.rcpt_tos == ["boekhouding@klant.example"]
    assert sent.message["Subject"] == subject
    sent_body = sent.message.get_body(("plain",)).get_content()
    assert " ".join(sent_body.split()) == _text(body).replace("&#x27;", "'")


def test_sending_a_quote_shows_the_email_and_the_number_it_will_get(
    company, owner, client_for, smtp
):
    # given a draft quote (no number yet) of a customer with an e-mail address
    customer = factories.CustomerFactory(company=company, email="info@klant.example")
    quote = quote_with_lines(company, customer=customer)
    client = client_for(owner)
    detail = client.get(_url("quote-detail", quote)).content.decode()
    assert f'id="send-button" href="{_url("quote-send", quote)}"' in detail

    # when the owner opens the preview
    page = client.get(_url("quote-send", quote)).content.decode()

    # then the e-mail shows the number the quote will be given, the link to answer, the PDF
    number = f"Q{quote.issue_date.year}-0001"
    assert _text(_element(page, "preview-to")) == "info@klant.example"
    assert number in _text(_element(page, "preview-subject"))
    assert f"{settings.SITE_URL}/q/{quote.token}/" in _element(page, "preview-body")
    assert f"{number}.pdf" in _element(page, "preview-attachments")
    assert "The quote is given its number when it is sent" in page
    # and nothing happened yet
    quote.refresh_from_db()
    assert (quote.status, quote.number) == (Quote.Status.DRAFT, "")
    assert smtp.messages == []

    # when they confirm, then it goes with that number, and the answer is a redirect
    response = client.post(_url("quote-send", quote))
    assert response.status_code == 302
    assert response["Location"] == _url("quote-detail", quote)
    [sent] = smtp.wait_for(1)
    quote.refresh_from_db()
    assert quote.number == number
    assert number in sent.message["Subject"]


def test_a_preview_that_cannot_be_sent_says_why_on_the_page_it_came_from(
    company, owner, client_for
):
    # given a quote whose customer has no e-mail address
    quote = quote_with_lines(company, customer=factories.CustomerFactory(company=company, email=""))
    # when the owner opens its preview, then they are back on the quote, told why
    response = client_for(owner).get(_url("quote-send", quote), follow=True)
    assert response.redirect_chain == [(_url("quote-detail", quote), 302)]
    assert "The customer has no e-mail address. Add one first." in response.content.decode()
