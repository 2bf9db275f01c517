"""Demo data of the inbox for `make run`: a forwarding address that received mail, and a
(demo) mailbox with what it collected, all through the real import path."""

import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.companies.models import Company
from apps.core.crypto import encrypt
from apps.demo.profiles import profile_of
from apps.documents.models import Document
from apps.documents.reading import document_read
from apps.inbox.forwarding import forwarding_address_create
from apps.inbox.messages import message_import
from apps.inbox.models import ForwardingAddress, InboundMessage, Mailbox


def supplier_pdf(company: Company, spec: dict[str, Any]) -> bytes:
    """A supplier's PDF invoice to ``company`` (``spec``: supplier, number, lines, totals and,
    unless 20/11/2026, date and due)."""
    from weasyprint import HTML

    from apps.demo.documents import LABELS

    language = profile_of(company).language
    net, vat, gross = spec["totals"]
    html = render_to_string(
        "pdf/demo/supplier_invoice.html",
        {
            "language": language,
            "labels": LABELS[language],
            "supplier": spec["supplier"],
            "customer": {
                "name": company.name,
                "street": company.street,
                "city": f"{company.postal_code} {company.city}",
                "vat": company.vat_number,
            },
            "number": spec["number"],
            "date": spec.get("date", "20/11/2026"),
            "due": spec.get("due", "20/12/2026"),
            "lines": spec["lines"],
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
    profile = profile_of(company)
    forwarded_mail, text_only, newsletter = (
        profile.forwarded,
        profile.text_only,
        profile.newsletter,
    )
    forwarded = [
        _mail(
            forwarded_mail["subject"],
            forwarded_mail["sender"],
            address.address,
            forwarded_mail["text"],
            (forwarded_mail["file"], supplier_pdf(company, forwarded_mail)),
        ),
        _mail(text_only["subject"], text_only["sender"], address.address, text_only["text"]),
        _mail(
            newsletter["subject"],
            newsletter["sender"],
            address.address,
            newsletter["text"],
            newsletter=True,
        ),
        _nested_mail(
            profile.hostile["subject"],
            profile.hostile["sender"],
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
    box = "factures" if profile.language == "fr" else "facturen"
    mailbox = Mailbox.objects.create(
        company=company,
        name=f"{box}@{company.slug}.example",
        provider="other",
        host=f"imap.{company.slug}.example",
        username=f"{box}@{company.slug}.example",
        secret=encrypt("demo"),
        status=Mailbox.Status.PAUSED,
        paused_reason="demo",
    )
    collected = profile.mailbox
    scanned = message_import(
        company=company,
        raw=_mail(
            collected["subject"],
            collected["sender"],
            mailbox.username,
            collected["text"],
            (collected["file"], supplier_pdf(company, collected)),
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
