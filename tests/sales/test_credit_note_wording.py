"""A credit note is called a credit note on its pages, in its messages and in its e-mail (nl
creditnota, fr note de crédit), never an invoice, but where it names the invoice it credits."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from apps.companies.scoping import company_scope
from apps.sales.models import Invoice, VatTreatment
from apps.sales.services.invoices import credit_note_create, invoice_issue
from tests.sales.conftest import customer_for, draft

CREDIT_NOTE = {"en": "Credit note", "nl": "Creditnota", "fr": "Note de crédit"}
INVOICE = {"en": r"invoices?", "nl": r"factuur|facturen", "fr": r"factures?"}
# the format's name, which a credit note is as well
E_INVOICE = {"en": "e-invoice", "nl": "e-factuur", "fr": "facture électronique"}


def _text(page: str) -> str:
    """The page's main content as read, without the section tabs and the breadcrumb."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r'<nav class="(section-tabs|breadcrumb)".*?</nav>', " ", main, flags=re.S)
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _invoice_words(text: str, language: str, credited: str) -> list[str]:
    """Where the text says "invoice" other than for the credited invoice or the format."""
    found = []
    for match in re.finditer(INVOICE[language], text, flags=re.I):
        around = text[max(0, match.start() - 12) : match.end() + 30]
        if credited in around or E_INVOICE[language] in around.lower():
            continue
        found.append(around)
    return found


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_a_credit_note_is_called_a_credit_note_on_its_pages(
    language, seller, owner, client_for, smtp
):
    # given an issued invoice and its draft credit note, and an owner reading ``language``
    owner.language = language
    owner.save()
    with company_scope(seller):
        customer = customer_for(
            seller, VatTreatment.DOMESTIC, language=language, email="klant@example.be"
        )
        invoice = invoice_issue(invoice=draft(seller, customer), actor=owner)
        note = credit_note_create(invoice=invoice)
    client = client_for(owner)
    url = reverse(
        "sales:invoice-detail",
        kwargs={"company_id": seller.public_id, "invoice_id": note.public_id},
    )

    # when the owner opens the draft, then it is a credit note there
    text = _text(client.get(url).content.decode())
    assert CREDIT_NOTE[language].lower() in text.lower()
    assert _invoice_words(text, language, invoice.number) == []

    # when the owner issues it, then the message and the page say credit note
    issue = reverse(
        "sales:invoice-issue",
        kwargs={"company_id": seller.public_id, "invoice_id": note.public_id},
    )
    text = _text(client.post(issue, follow=True).content.decode())
    with company_scope(seller):
        note = Invoice.objects.get(pk=note.pk)
    assert note.number
    assert _invoice_words(text, language, invoice.number) == []

    # when it is sent by e-mail, then the page, the subject and the body say credit note
    send = reverse(
        "sales:invoice-send",
        kwargs={"company_id": seller.public_id, "invoice_id": note.public_id},
    )
    text = _text(client.post(send, {"by_email": "1"}, follow=True).content.decode())
    assert _invoice_words(text, language, invoice.number) == []
    [received] = smtp.wait_for(1)
    subject = received.message["Subject"]
    body = received.message.get_body(("plain",)).get_content()
    assert subject.startswith(f"{CREDIT_NOTE[language]} {note.number}")
    assert _invoice_words(f"{subject} {body}", language, invoice.number) == []


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_a_credit_notes_refusals_say_credit_note(language, seller, owner):
    # given an issued credit note
    with company_scope(seller):
        invoice = invoice_issue(
            invoice=draft(seller, customer_for(seller, VatTreatment.DOMESTIC)), actor=owner
        )
        note = invoice_issue(invoice=credit_note_create(invoice=invoice), actor=owner)
    from apps.core.errors import DomainError
    from apps.sales.services.invoices import invoice_update

    # when it is changed or issued again, then the refusal names a credit note
    with translation.override(language), company_scope(seller):
        for attempt in (
            lambda: invoice_update(invoice=note, notes="x"),
            lambda: invoice_issue(invoice=note, actor=owner),
        ):
            with pytest.raises(DomainError) as refused:
                attempt()
            message = str(refused.value.message)
            assert CREDIT_NOTE[language].lower() in message.lower()
            assert _invoice_words(message, language, invoice.number) == []
