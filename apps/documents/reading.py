"""Reading a document in a worker: e-invoice XML first, then the PDF text, then OCR.

Every field remembers where it came from; fields a person corrected are never overwritten.
Runs twice without harm: a document that is no longer "received" or "reading" is left alone.
"""

import logging
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from stdnum.be import vat as be_vat

from apps.companies.models import Company
from apps.documents import services
from apps.documents.extraction.files import ExtractionError, embedded_xml, ocr_image, pdf_text
from apps.documents.extraction.text import Hints, TextExtraction, extract_from_text
from apps.documents.models import CATEGORY_OF_KIND, Document, Event, Kind, Supplier
from apps.einvoice import EInvoiceError, from_xml
from apps.einvoice.model import Document as EDocument
from apps.einvoice.model import Party
from apps.einvoice.reading import parse_root
from apps.einvoice.ubl.names import ROOT_NS

logger = logging.getLogger(__name__)


def _hints(company: Company) -> Hints:
    own_vat = {company.vat_number} if company.vat_number else set()
    own_vat.add(f"BE{company.enterprise_number}")
    return Hints(
        own_vat_ids=frozenset(own_vat),
        own_ibans=frozenset({company.iban} if company.iban else set()),
        own_names=(company.name,),
        known_suppliers=dict(
            Supplier.objects.filter(company=company)
            .exclude(vat_id="")
            .values_list("vat_id", "name")
        ),
    )


def _is_us(company: Company, party: Party) -> bool:
    ours = {company.enterprise_number, f"BE{company.enterprise_number}", company.vat_number}
    candidates = {party.vat_id.replace(" ", "").upper(), party.enterprise_number.replace(".", "")}
    if party.endpoint is not None:
        candidates.add(party.endpoint.id.upper())
    return bool(ours & {c for c in candidates if c})


def _set(document: Document, name: str, value: Any, source: str, confidence: float) -> None:
    """Set a field unless a person has corrected it."""
    if value in (None, ""):
        return
    if document.field_sources.get(name, {}).get("source") == "user":
        return
    setattr(document, name, value)
    document.field_sources[name] = {"source": source, "confidence": round(confidence, 2)}


def _apply_einvoice(document: Document, invoice: EDocument, source: str) -> None:
    company = document.company
    we_sell = _is_us(company, invoice.seller)
    other = invoice.buyer if we_sell else invoice.seller
    credit = invoice.is_credit_note
    if we_sell:
        kind = Kind.SALES_CREDIT_NOTE if credit else Kind.SALES_INVOICE
    else:
        kind = Kind.PURCHASE_CREDIT_NOTE if credit else Kind.PURCHASE_INVOICE
    if not document.is_kind_confirmed:
        document.kind, document.category = kind, CATEGORY_OF_KIND[kind]
    enterprise = other.enterprise_number if other.enterprise_number_scheme == "0208" else ""
    if not enterprise and other.vat_id.upper().startswith("BE") and be_vat.is_valid(other.vat_id):
        enterprise = be_vat.compact(other.vat_id)
    totals = invoice.totals
    payment = invoice.payment
    for name, value in {
        "counterparty_name": other.name,
        "counterparty_vat_id": other.vat_id.replace(" ", "").upper(),
        "counterparty_enterprise_number": enterprise,
        "counterparty_iban": payment.iban.replace(" ", "") if payment else "",
        "counterparty_bic": payment.bic if payment else "",
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "total_excl_vat": totals.tax_exclusive if totals else None,
        "total_vat": totals.tax_total if totals else None,
        "total_incl_vat": totals.tax_inclusive if totals else None,
        "structured_communication": (
            payment.reference
            if payment and payment.reference.isdigit() and len(payment.reference) == 12
            else ""
        ),
    }.items():
        _set(document, name, value, source, 1.0)
    document.vat_breakdown = [
        {
            "category": entry.category,
            "rate": str(entry.rate) if entry.rate is not None else None,
            "taxable_amount": str(entry.taxable_amount),
            "tax_amount": str(entry.tax_amount),
        }
        for entry in invoice.vat_breakdown
    ]
    document.lines = [
        {
            "name": line.name,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "net_amount": str(line.net_amount),
            "vat_category": line.vat_category,
            "vat_rate": str(line.vat_rate) if line.vat_rate is not None else None,
        }
        for line in invoice.lines[:200]
    ]


def _apply_text(document: Document, found: TextExtraction) -> None:
    for name, item in found.fields.items():
        if name == "vat_breakdown":
            document.vat_breakdown = item.value
            continue
        _set(document, name, item.value, item.source, item.confidence)
    supplier = None
    if document.counterparty_vat_id:
        supplier = Supplier.objects.filter(
            company=document.company, vat_id=document.counterparty_vat_id
        ).first()
    elif document.counterparty_name:
        # a supplier known by name: what a person confirmed before fills the gaps
        supplier = Supplier.objects.filter(
            company=document.company, name__iexact=document.counterparty_name
        ).first()
        if supplier is not None:
            for name, value in (
                ("counterparty_vat_id", supplier.vat_id),
                ("counterparty_enterprise_number", supplier.enterprise_number),
                ("counterparty_iban", supplier.iban),
            ):
                if not getattr(document, name):
                    _set(document, name, value, "supplier_memory", 0.8)
    document.supplier = supplier
    if document.is_kind_confirmed:
        return
    if supplier is not None and supplier.default_kind:
        kind = Kind(supplier.default_kind)
    elif found.kind_hint == "credit_note":
        kind = Kind.PURCHASE_CREDIT_NOTE
    elif found.kind_hint == "receipt":
        kind = Kind.RECEIPT
    else:
        kind = Kind.PURCHASE_INVOICE
    document.kind, document.category = kind, CATEGORY_OF_KIND[kind]


def _store_xml(document: Document, filename: str, xml: bytes) -> None:
    root = parse_root(xml)
    document.xml_is_ubl = root.tag in {f"{{{ns}}}{name}" for name, ns in ROOT_NS.items()}
    document.xml.save(filename.rsplit("/", 1)[-1] or "invoice.xml", ContentFile(xml), save=False)


def document_read(*, company_id: int, document_id: int) -> None:
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .filter(company_id=company_id, pk=document_id)
            .first()
        )
        if document is None or document.status not in (
            Document.Status.RECEIVED,
            Document.Status.READING,
        ):
            return
        services.document_set_status(document=document, status=Document.Status.READING)
    data = document.original.open("rb").read()
    method = ""
    try:
        if document.file_kind == "xml":
            invoice = from_xml(data)
            _store_xml(document, document.original_filename, data)
            _apply_einvoice(document, invoice, "xml")
            method = "xml"
        elif document.file_kind == "pdf":
            embedded = embedded_xml(data)
            invoice = None
            if embedded is not None:
                try:
                    invoice = from_xml(embedded.data)
                except EInvoiceError:
                    logger.info("embedded XML of document %s is not readable", document.pk)
            if invoice is not None and embedded is not None:
                _store_xml(document, embedded.filename, embedded.data)
                _apply_einvoice(document, invoice, "xml")
                method = "xml"
            else:
                text = pdf_text(data)
                document.text = text.text[:200_000]
                source = "ocr" if text.ocr else "pdf_text"
                _apply_text(
                    document,
                    extract_from_text(text.text, hints=_hints(document.company), source=source),
                )
                method = source
        else:
            text_value = ocr_image(data)
            document.text = text_value[:200_000]
            _apply_text(
                document,
                extract_from_text(text_value, hints=_hints(document.company), source="ocr"),
            )
            method = "ocr"
    except EInvoiceError as error:
        # XML that is not an e-invoice (or hostile): nothing to read; the original is kept.
        document.save()
        services.document_set_status(
            document=document,
            status=Document.Status.FAILED,
            problem_code=error.code,
            problem=error.message,
        )
        return
    except ExtractionError as error:
        document.save()
        services.document_set_status(
            document=document,
            status=Document.Status.NEEDS_REVIEW,
            problem_code=error.code,
            problem=error.message,
        )
        return
    if document.total_incl_vat is not None and document.total_incl_vat < Decimal("0"):
        document.total_incl_vat = abs(document.total_incl_vat)
    document.content_version += 1
    document.save()
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.READ,
        data={"method": method},
    )
    services.document_assess(document=document)
