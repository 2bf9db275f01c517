"""The e-mail that carries one document to the accountant, and the check before it leaves.

One e-mail per document, from the stable transfer sender, with a subject and file names that
say whose document it is, what kind, from or to whom and its number. The attachment is the
document's UBL with the original embedded (the original file itself for miscellaneous
documents, which have no UBL), and the PDF beside it when the transfer asks for it. No UBL
leaves without passing the UBL 2.1 XSD and the EN 16931 rules; the Peppol BIS rules are
checked too and reported on the document, but an envelope for the accountant may miss data
only Peppol requires.
"""

import re
from dataclasses import replace
from decimal import Decimal
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from apps.companies.models import Company
from apps.connections import problems
from apps.connections.models import Delivery, Transfer
from apps.connections.transports import Parcel
from apps.documents.envelope import SOURCE_AMOUNT_RULES, SOURCE_AMOUNTS_NOTICE, our_party
from apps.documents.models import Category, Document, Kind
from apps.documents.problems import Problem
from apps.documents.problems import make as document_problem
from apps.einvoice import to_ubl, validate
from apps.einvoice.model import Document as EDocument
from apps.einvoice.model import Line

MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "heic": "image/heic",
    "webp": "image/webp",
    "xml": "text/xml",
}
SENDABLE = (Document.Status.READY, Document.Status.DELIVERED)


class NotSendable(Exception):
    """The delivery cannot go out as it is; ``problems`` say why, for the person who fixes it."""

    def __init__(self, found: list[Problem]):
        super().__init__(found)
        self.problems = found


def message_id_for(delivery: Delivery) -> str:
    """Stable per delivery (the same on every attempt), so receivers can tell a retry."""
    domain = settings.TRANSFER_FROM_EMAIL.rsplit("@", 1)[-1]
    return f"<{delivery.public_id}@{domain}>"


def file_stem(document: Document) -> str:
    """``<company>-<kind>-<counterparty>-<number>`` in the company's language, file-safe."""
    with translation.override(document.company.default_language):
        parts = [
            document.company.slug,
            str(Kind(document.kind).label),
            document.counterparty_name,
            document.number or str(document.public_id)[:8],
        ]
    return slugify(" ".join(part for part in parts if part))[:120] or "document"


def check_ubl(xml: bytes, *, tolerated: re.Pattern[str] | None = None) -> None:
    """What may leave: the UBL 2.1 XSD and the EN 16931 rules pass (the Peppol rules are
    reported on the document but not required of an accountant's envelope). ``tolerated``:
    EN 16931 rules whose failure is the source's own (amounts a supplier stated that don't
    add up: the accountant books them as invoiced, and the document says so)."""
    report = validate(xml)
    blocking = [
        f
        for f in report.fatal
        if f.layer == "xsd"
        or (f.layer == "en16931" and not (tolerated and tolerated.fullmatch(f.rule or "")))
    ]
    if report.errors or blocking or "en16931" not in report.layers_run:
        raise NotSendable(
            [
                document_problem(
                    "envelope_invalid",
                    failures=[{"rule": f.rule, "text": f.text} for f in blocking],
                    errors=report.errors,
                )
            ]
        )


def _envelope_xml(document: Document) -> bytes:
    if not document.envelope:
        raise NotSendable([problems.problem("no_envelope")])
    with document.envelope.open("rb") as handle:
        xml = handle.read()
    stated_as_is = any(p.get("code") == SOURCE_AMOUNTS_NOTICE for p in document.problems or [])
    check_ubl(xml, tolerated=SOURCE_AMOUNT_RULES if stated_as_is else None)
    return xml


def _sender(company: Company) -> str:
    """The one stable transfer address, with the company's name (SPF/DKIM, allow-lists)."""
    return formataddr((f"{company.name} via OkiOki", settings.TRANSFER_FROM_EMAIL), charset="utf-8")


def _original(document: Document) -> bytes:
    try:
        with document.original.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError) as error:
        raise NotSendable([problems.problem("no_file")]) from error


def delivery_parcel(delivery: Delivery, transfer: Transfer | None) -> Parcel:
    """What goes out for ``delivery``. Raises ``NotSendable`` with the reasons it cannot go."""
    document = delivery.document
    company = document.company
    if document.status not in SENDABLE:
        raise NotSendable([problems.problem("not_ready"), *document.problems])
    stem = file_stem(document)
    attachments: list[tuple[str, bytes, str]] = []
    xml = None
    if document.category == Category.MISCELLANEOUS and not document.envelope:
        attachments.append(
            (
                f"{stem}.{document.file_kind}",
                _original(document),
                MIME.get(document.file_kind, document.content_type),
            )
        )
    else:
        xml = _envelope_xml(document)
        attachments.append((f"{stem}.xml", xml, "application/xml"))
        wants_pdf = transfer is not None and transfer.attach_pdf
        if wants_pdf and document.file_kind in ("pdf", "png", "jpeg", "heic", "webp"):
            attachments.append(
                (f"{stem}.{document.file_kind}", _original(document), MIME[document.file_kind])
            )
    size = sum(len(content) for _, content, _ in attachments) * 4 // 3  # base64
    limit = settings.TRANSFER_MAX_MESSAGE_MB
    if size > limit * 1024 * 1024:
        raise NotSendable(
            [problems.problem("too_large", size=round(size / 1024 / 1024, 1), limit=limit)]
        )

    with translation.override(company.default_language):
        context = {"document": document, "company": company, "delivery": delivery}
        subject = render_to_string("emails/connections/delivery.subject.txt", context)
        body = render_to_string("emails/connections/delivery.txt", context)
    return Parcel(
        destination=delivery.destination,
        sender=_sender(company),
        subject=" ".join(subject.split())[:250],
        body=body,
        attachments=tuple(attachments),
        message_id=delivery.message_id,
        reply_to=company.email,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-OkiOki-Delivery": str(delivery.public_id),
            "X-OkiOki-Document": str(document.public_id),
        },
    )


def test_invoice_xml(company: Company) -> bytes:
    """A small, valid UBL invoice of the company to itself, marked as a test, for "Send a test"."""
    ours = our_party(company)
    has_vat = bool(company.vat_number)
    return to_ubl(
        EDocument(
            number=f"OKIOKI-TEST-{timezone.localdate():%Y%m%d}",
            issue_date=timezone.localdate(),
            seller=ours if has_vat else replace(ours, vat_id=""),
            buyer=ours if has_vat else replace(ours, vat_id=""),
            buyer_reference="OkiOki test",
            notes=["Test of the transfer by OkiOki. Not an invoice: please delete it."],
            lines=[
                Line(
                    id="1",
                    name="Test of the transfer (not an invoice)",
                    quantity=Decimal("1"),
                    unit_price=Decimal("0.00"),
                    vat_category="S" if has_vat else "O",
                    vat_rate=Decimal("21") if has_vat else None,
                )
            ],
        )
    )


def test_parcels(company: Company, addresses: list[str]) -> list[Parcel]:
    """The "Send a test" e-mails, one per address: the same test UBL, checked like every
    UBL that leaves (raises ``NotSendable``)."""
    xml = test_invoice_xml(company)
    check_ubl(xml)
    with translation.override(company.default_language):
        context = {"company": company}
        subject = " ".join(render_to_string("emails/connections/test.subject.txt", context).split())
        body = render_to_string("emails/connections/test.txt", context)
    return [
        Parcel(
            destination=address,
            sender=_sender(company),
            subject=subject,
            body=body,
            attachments=((f"{company.slug}-okioki-test.xml", xml, "application/xml"),),
            headers={"Auto-Submitted": "auto-generated", "X-OkiOki-Test": "1"},
        )
        for address in addresses
    ]
