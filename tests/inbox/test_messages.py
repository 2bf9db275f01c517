"""One e-mail's journey to documents, as both mailboxes and the forwarding address take it."""

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.einvoice import to_ubl
from apps.inbox.messages import message_import
from apps.inbox.models import InboundMessage
from tests.einvoice import samples
from tests.inbox import mails
from tests.samples import zipped


def _import(company, raw):
    with company_scope(company):
        return message_import(company=company, raw=raw, channel=InboundMessage.Channel.FORWARDING)


def test_a_pdf_and_its_e_invoice_in_one_mail_are_one_document(company):
    ubl = to_ubl(samples.domestic_mixed())
    raw = mails.message(
        "Factuur met e-factuur",
        attachments=[
            ("F-2026-7.pdf", "application/pdf", mails.pdf("F-2026-7")),
            ("F-2026-7.xml", "application/xml", ubl),
        ],
    )
    message, created = _import(company, raw)
    assert created
    assert message.documents_created == 1
    with company_scope(company):
        document = Document.objects.get()
        assert document.original_filename == "F-2026-7.pdf"
        assert document.xml  # the e-invoice is kept beside it as the legal invoice
    results = {a["filename"]: a["result"] for a in message.attachment_results}
    assert results == {"F-2026-7.pdf": "created", "F-2026-7.xml": "joined"}


def test_the_same_message_twice_is_looked_at_once(company):
    raw = mails.invoice_pdf("ONCE", message_id="<once@example.test>")
    first, created = _import(company, raw)
    again, created_again = _import(company, raw)
    assert created
    assert not created_again
    assert again.pk == first.pk
    with company_scope(company):
        assert Document.objects.count() == 1


def test_an_attachment_that_is_not_what_it_claims_is_named(company):
    raw = mails.message(
        "Factuur", attachments=[("factuur.pdf", "application/pdf", b"this is no pdf")]
    )
    message, _created = _import(company, raw)
    assert message.status == InboundMessage.Status.FAILED
    assert message.problem_code == "attachment_failed"
    assert "factuur.pdf" in message.problem
    [result] = message.attachment_results
    assert "not supported" in result["problem"]
    assert message.raw  # the e-mail is kept to look at


def test_a_body_with_remote_pictures_becomes_a_pdf_without_fetching_them():
    from apps.inbox.mail import parse_message
    from apps.inbox.messages import body_to_pdf

    raw = (
        b"From: Leverancier <facturen@supplier.example>\r\n"
        b"To: in@okioki.example\r\nSubject: Factuur 12\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>Factuur 12: totaal 121,00 EUR</p><img src="http://127.0.0.1:9/track.png">'
        b'<link rel="stylesheet" href="http://127.0.0.1:9/style.css">'
    )
    pdf = body_to_pdf(parse_message(raw))
    assert pdf.startswith(b"%PDF")


def test_the_zips_of_one_e_mail_share_one_unpacking_cap(company, settings):
    settings.ZIP_MAX_TOTAL_SIZE = 1024 * 1024
    first = zipped({f"a-{n}.pdf": mails.padded_pdf(f"A{n}", 300_000) for n in range(2)})
    second = zipped({f"b-{n}.pdf": mails.padded_pdf(f"B{n}", 300_000) for n in range(2)})
    raw = mails.message(
        "Twee archieven",
        attachments=[
            ("eerste.zip", "application/zip", first),
            ("tweede.zip", "application/zip", second),
        ],
    )
    message, _created = _import(company, raw)
    assert message.documents_created == 2  # the first ZIP, whole
    results = {a["filename"]: a for a in message.attachment_results}
    assert results["tweede.zip"]["result"] == "zip_total_too_large"
    assert "0.4 MB" in results["tweede.zip"]["problem"]  # what is left of the cap
    assert "1.0 MB" in results["tweede.zip"]["problem"]
    assert message.raw  # the second ZIP is not lost: the e-mail is kept
