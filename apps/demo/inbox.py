"""Demo data of the inbox for `make run`: a forwarding address that received mail, and a
(demo) mailbox with what it collected, all through the real import path."""

import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.companies.models import Company
from apps.core.crypto import encrypt
from apps.documents.models import Document
from apps.documents.reading import document_read
from apps.inbox.forwarding import forwarding_address_create
from apps.inbox.messages import message_import
from apps.inbox.models import ForwardingAddress, InboundMessage, Mailbox


def _pdf(
    company: Company,
    supplier: dict[str, str],
    number: str,
    lines: list[tuple[str, str]],
    totals: tuple[str, str, str],
) -> bytes:
    from weasyprint import HTML

    from apps.demo.documents import LABELS

    language = "fr" if company.default_language == "fr" else "nl"
    net, vat, gross = totals
    html = render_to_string(
        "pdf/demo/supplier_invoice.html",
        {
            "language": language,
            "labels": LABELS[language],
            "supplier": supplier,
            "customer": {
                "name": company.name,
                "street": company.street,
                "city": f"{company.postal_code} {company.city}",
                "vat": company.vat_number,
            },
            "number": number,
            "date": "20/11/2026",
            "due": "20/12/2026",
            "lines": lines,
            "net": net,
            "vat": vat,
            "gross": gross,
            "ogm": "",
        },
    )
    return HTML(string=html).write_pdf()


def _mail(
    subject: str,
    sender: str,
    to: str,
    text: str,
    attachment: tuple[str, bytes] | None = None,
    newsletter: bool = False,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC))
    mail["Message-ID"] = make_msgid(domain="demo.okioki.example")
    if newsletter:
        mail["List-Unsubscribe"] = "<mailto:unsubscribe@news.example>"
    mail.set_content(text)
    if attachment is not None:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail.as_bytes()


def _nested_mail(subject: str, sender: str, to: str, levels: int) -> bytes:
    """A broken e-mail: ``levels`` multipart levels, each inside the one before (a
    hostile sender's way to crash a mail parser). OkiOki records it with its headers."""
    body = b"Content-Type: text/plain\r\n\r\nFactuur in bijlage.\r\n"
    for level in range(levels):
        boundary = f"level{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            b"--" + boundary + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
        )
    headers = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Date: Fri, 20 Nov 2026 10:15:00 +0000\r\n"
        f"Message-ID: {make_msgid(domain='demo.okioki.example')}\r\nMIME-Version: 1.0\r\n"
    )
    return headers.encode() + body


def _read_new_documents(company: Company, messages: list[InboundMessage]) -> None:
    ids = [
        item["document"]
        for message in messages
        for item in message.details.get("attachments", [])
        if item.get("document")
    ]
    for document in Document.objects.filter(
        company=company, public_id__in=ids, status=Document.Status.RECEIVED
    ):
        document_read(company_id=company.pk, document_id=document.pk)


def seed_inbox(company: Company) -> None:
    """Idempotent: a company whose demo mail is there gets nothing more."""
    address = forwarding_address_create(company=company)
    if InboundMessage.objects.filter(company=company).exists():
        return
    office = {
        "name": "Kantoor Plus BV",
        "street": "Nieuwstraat 20",
        "city": "1000 Brussel",
        "vat": "BE0403170701",
        "iban": "BE68 5390 0754 7034",
    }
    forwarded = [
        _mail(
            "Fwd: Factuur KP-2026-2231",
            "Sofie Peeters <demo@okioki.be>",
            address.address,
            "---------- Doorgestuurd bericht ----------\n"
            "Van: Kantoor Plus <facturen@kantoorplus.example>\n\nIn bijlage onze factuur.",
            (
                "KP-2026-2231.pdf",
                _pdf(
                    company,
                    office,
                    "KP-2026-2231",
                    [("Printpapier A4, 10 dozen", "85,00"), ("Toner zwart", "64,00")],
                    ("149,00", "31,29", "180,29"),
                ),
            ),
        ),
        _mail(
            "Uw factuur van Webhosting Plus",
            "Webhosting Plus <billing@webhostingplus.example>",
            address.address,
            "Beste klant,\n\nFactuur WP-88112\nWebhosting november 2026\n"
            "Totaal te betalen: € 12,10 (btw inbegrepen)\n"
            "We schrijven het bedrag automatisch af.\n",
        ),
        _mail(
            "Nieuwsbrief: onze acties in december",
            "Bakkersvak <nieuws@bakkersvak.example>",
            address.address,
            "Ontdek onze acties!",
            newsletter=True,
        ),
        _nested_mail(
            "Factuur 2026-118 (dringend)",
            "Onbekende afzender <facturen@verdacht.example>",
            address.address,
            levels=2 * settings.MAIL_MAX_DEPTH,
        ),
    ]
    messages = [
        message_import(
            company=company,
            raw=raw,
            channel=InboundMessage.Channel.FORWARDING,
            recipient=address.address,
        )[0]
        for raw in forwarded
    ]
    ForwardingAddress.objects.filter(pk=address.pk).update(
        messages_received=len(messages), last_received_at=timezone.now()
    )

    # A mailbox as it looks after scans; its server is a demo one, so it stays paused.
    mailbox = Mailbox.objects.create(
        company=company,
        name=f"facturen@{company.slug}.example",
        provider="other",
        host=f"imap.{company.slug}.example",
        username=f"facturen@{company.slug}.example",
        secret=encrypt("demo"),
        status=Mailbox.Status.PAUSED,
        paused_reason="demo",
    )
    groothandel = {
        "name": "Groothandel Meel & Co BV",
        "street": "Industrieweg 5",
        "city": "2800 Mechelen",
        "vat": "BE0202239951",
        "iban": "BE62 5100 0754 7061",
    }
    scanned = message_import(
        company=company,
        raw=_mail(
            "Factuur 2026/0871",
            "Groothandel Meel & Co <boekhouding@meelco.example>",
            mailbox.username,
            "Beste klant,\n\nIn bijlage vindt u factuur 2026/0871.\n\nMet vriendelijke groeten",
            (
                "factuur-2026-0871.pdf",
                _pdf(
                    company,
                    groothandel,
                    "2026/0871",
                    [("Bloem T55, 25 kg x 12", "216,00"), ("Gist, 1 kg x 4", "18,00")],
                    ("234,00", "49,14", "283,14"),
                ),
            ),
        ),
        channel=InboundMessage.Channel.MAILBOX,
        mailbox=mailbox,
        folder="INBOX",
        uid=1,
    )[0]
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_scan_at=now,
        last_success_at=now,
        items_seen=1,
        documents_found=scanned.documents_created,
    )
    _read_new_documents(company, [*messages, scanned])
