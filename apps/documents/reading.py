"""Reading a document in a worker: e-invoice XML first, then the PDF text, then OCR.

Every field remembers where it came from; fields a person corrected are never overwritten.
Runs twice without harm: a document that is no longer "received" or "reading" is left alone.

Nothing stays "reading" for ever: a reading that raises, or outlives the task's soft time
limit, ends in "needs review" with its reason; each reading started is counted on the document
before it begins, so one that kills its worker (out of memory, the hard time limit) and comes
back, redelivered or swept, is given up after ``DOCUMENT_READ_MAX_ATTEMPTS``.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from stdnum.be import vat as be_vat

from apps.companies.models import Company
from apps.companies.scoping import all_companies
from apps.core.xml import XMLRejected, parse_xml
from apps.documents import problems, selectors, services
from apps.documents.extraction.files import ExtractionError, embedded_xml, read_words
from apps.documents.extraction.layout import read as read_layout
from apps.documents.extraction.patterns import date_order
from apps.documents.extraction.places import LEARNED_FIELDS, agreeing, recall
from apps.documents.extraction.text import Hints, TextExtraction
from apps.documents.extraction.words import Box, PageWords, on_original
from apps.documents.models import (
    CATEGORY_OF_KIND,
    NOT_INVOICE_KINDS,
    Category,
    Document,
    Event,
    Kind,
    Supplier,
)
from apps.einvoice import EInvoiceError, from_xml
from apps.einvoice.errors import MESSAGES as EINVOICE_MESSAGES
from apps.einvoice.model import Document as EDocument
from apps.einvoice.model import Party
from apps.einvoice.reading import parse_root
from apps.einvoice.ubl.names import ROOT_NS

logger = logging.getLogger(__name__)


def company_hints(company: Company) -> Hints:
    """What the reader knows of ``company``: its identity (never the supplier on a purchase)
    and its known suppliers. Runs in the company's scope."""
    own_vat = {company.vat_number} if company.vat_number else set()
    own_vat.add(f"BE{company.enterprise_number}")
    return Hints(
        own_vat_ids=frozenset(own_vat),
        own_ibans=frozenset({company.iban.replace(" ", "")} if company.iban else set()),
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


def _set(
    document: Document,
    name: str,
    value: Any,
    source: str,
    confidence: float,
    box: Box | None = None,
) -> None:
    """Set a field unless a person has corrected it; ``box``: where on which page the value
    stands, for the review screen to show."""
    if value in (None, ""):
        return
    if document.field_sources.get(name, {}).get("source") == "user":
        return
    setattr(document, name, value)
    document.field_sources[name] = {"source": source, "confidence": round(confidence, 2)}
    if box is not None:
        document.field_sources[name]["box"] = box.as_dict()


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
    document.field_sources["vat_breakdown"] = {"source": source, "confidence": 1.0}
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
            "net_amount": str(line.net_amount) if line.net_amount is not None else None,
            "vat_category": line.vat_category,
            "vat_rate": str(line.vat_rate) if line.vat_rate is not None else None,
        }
        for line in invoice.lines[:200]
    ]


# A supplier's usual kind, for a document that doesn't say what it is itself; a credit note is
# never a habit, so a remembered credit note kind stands for its invoice kind.
USUAL_KIND = {
    Kind.PURCHASE_CREDIT_NOTE: Kind.PURCHASE_INVOICE,
    Kind.SALES_CREDIT_NOTE: Kind.SALES_INVOICE,
}


# Bank statements in a bank's own format (CAMT.053 is XML): kept as they are for the bank import.
BANK_FILE_KINDS = ("coda", "mt940")

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
# XML documents that are no invoice, by their root: ISO 20022 bank statements and reports,
# and the UBL documents around an invoice (an order response, a despatch advice, ...).
XML_KINDS = {
    **{
        f"{{urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version:02d}}}Document": (
            Kind.BANK_STATEMENT
        )
        for message in ("052", "053", "054")
        for version in range(1, 14)
    },
    f"{{{_UBL}OrderResponse-2}}OrderResponse": Kind.ORDER_CONFIRMATION,
    f"{{{_UBL}OrderResponseSimple-2}}OrderResponseSimple": Kind.ORDER_CONFIRMATION,
    f"{{{_UBL}DespatchAdvice-2}}DespatchAdvice": Kind.DELIVERY_NOTE,
    f"{{{_UBL}Quotation-2}}Quotation": Kind.QUOTE,
    f"{{{_UBL}Reminder-2}}Reminder": Kind.REMINDER,
    f"{{{_UBL}Statement-2}}Statement": Kind.STATEMENT_OF_ACCOUNT,
}


def xml_kind(tag: str) -> Kind | None:
    """The kind of an XML document that is no e-invoice but known, by its root element."""
    return XML_KINDS.get(tag)


def _file_as(document: Document, kind: Kind) -> None:
    """File a document that is no invoice: miscellaneous, unless a person said otherwise."""
    if not document.is_kind_confirmed:
        document.kind, document.category = kind, CATEGORY_OF_KIND[kind]


def _text_kind(found: TextExtraction, supplier: Supplier | None) -> Kind:
    """The kind from the document's own evidence first (credit note, receipt, our company as
    the seller or the buyer), the supplier's usual kind only for what the document doesn't
    say, then a purchase invoice."""
    if found.kind_hint in Kind.values and Kind(found.kind_hint) in NOT_INVOICE_KINDS:
        return Kind(found.kind_hint)  # what it says it is, whoever sent it
    usual = Kind(supplier.default_kind) if supplier is not None and supplier.default_kind else None
    usual = USUAL_KIND.get(usual, usual) if usual is not None else None
    if usual in NOT_INVOICE_KINDS:
        usual = None  # a supplier's terms or reminders say nothing about its next document
    usual_sale = usual is not None and CATEGORY_OF_KIND[usual] == Category.SALES
    if found.our_role == "buyer" and usual_sale:
        usual = None  # the document names us as the customer: not a sale, whatever the habit
    sale = found.our_role == "seller" or (found.our_role == "" and usual_sale)
    if found.kind_hint == "credit_note":
        return Kind.SALES_CREDIT_NOTE if sale else Kind.PURCHASE_CREDIT_NOTE
    if found.kind_hint == "receipt" and not sale:
        return Kind.RECEIPT
    if found.our_role == "seller":
        return Kind.SALES_INVOICE
    return usual or Kind.PURCHASE_INVOICE


def _apply_text(document: Document, found: TextExtraction, pages: list[PageWords]) -> None:
    for name, item in found.fields.items():
        _set(document, name, item.value, item.source, item.confidence, item.box)
    supplier = selectors.supplier_find(
        company=document.company,
        vat_id=document.counterparty_vat_id,
        iban=document.counterparty_iban,
        name=document.counterparty_name,
    )
    if supplier is not None:
        if supplier.vat_id != document.counterparty_vat_id:
            # known by its account or its name: what a person confirmed before fills the gaps
            for name, value in (
                ("counterparty_vat_id", supplier.vat_id),
                ("counterparty_enterprise_number", supplier.enterprise_number),
                ("counterparty_iban", supplier.iban),
            ):
                if not getattr(document, name):
                    _set(document, name, value, "supplier_memory", 0.8)
        if supplier.layout and pages:
            _apply_learned_places(document, supplier.layout, pages)
    document.supplier = supplier
    if document.is_kind_confirmed:
        return
    kind = _text_kind(found, supplier)
    document.kind, document.category = kind, CATEGORY_OF_KIND[kind]


def _apply_learned_places(
    document: Document, layout: dict[str, Any], pages: list[PageWords]
) -> None:
    """Read each field at the place its supplier puts it (learned from a person's
    corrections), over what the reader found: when it parses and agrees with the rest of the
    document, it is set as remembered for this supplier, sure. A place that gives nothing
    leaves the normal reading; a field a person corrected on this document stays theirs."""
    month_first = date_order(document.text)
    recalled = {}
    for name in LEARNED_FIELDS:
        if name in layout:
            candidate = recall(layout[name], name, pages, month_first=month_first)
            if candidate is not None:
                recalled[name] = candidate
    current = {name: getattr(document, name) for name in LEARNED_FIELDS}
    for name, candidate in agreeing(recalled, current).items():
        box = on_original(candidate.box, pages) if candidate.box is not None else None
        _set(document, name, candidate.value, "supplier_memory", candidate.score, box)
        if name == "counterparty_vat_id" and candidate.value.startswith("BE"):
            _set(
                document,
                "counterparty_enterprise_number",
                candidate.value[2:],
                "supplier_memory",
                candidate.score,
            )


def store_xml(document: Document, xml: bytes) -> None:
    # stored under a fixed name: storage paths never carry a name from outside
    root = parse_root(xml)
    document.xml_is_ubl = root.tag in {f"{{{ns}}}{name}" for name, ns in ROOT_NS.items()}
    document.xml.save("invoice.xml", ContentFile(xml), save=False)


def _read_einvoice_pdf(document: Document, data: bytes) -> str:
    """The e-invoice of a PDF: one that came with it (the same invoice as XML in a ZIP), or
    one embedded (Factur-X/ZUGFeRD, a UBL attachment). "" when there is none we can read."""
    if document.xml:
        xml = document.xml.open("rb").read()
        _apply_einvoice(document, from_xml(xml), "xml")
        return "xml"
    embedded = embedded_xml(data)
    if embedded is None:
        return ""
    try:
        invoice = from_xml(embedded.data)
    except EInvoiceError:
        # e.g. ZUGFeRD 1.0, which predates EN 16931: the visible text is read instead
        logger.info("embedded XML of document %s is not readable", document.pk)
        return ""
    store_xml(document, embedded.data)
    _apply_einvoice(document, invoice, "xml")
    return "xml"


def document_read(*, company_id: int, document_id: int) -> None:
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .filter(company_id=company_id, pk=document_id)
            .first()
        )
        if (
            document is None
            or document.junk_at is not None
            or document.status not in (Document.Status.RECEIVED, Document.Status.READING)
        ):
            return
        # counted (and committed) before reading: a reading that kills the worker still counts
        document.read_attempts += 1
        document.read_started_at = timezone.now()
        document.save(update_fields=["read_attempts", "read_started_at", "updated_at"])
        if document.read_attempts > settings.DOCUMENT_READ_MAX_ATTEMPTS:
            services.document_set_status(
                document=document,
                status=Document.Status.NEEDS_REVIEW,
                problems=[_gave_up()],
            )
            return
        services.document_set_status(document=document, status=Document.Status.READING)
    try:
        _read(document)
    except SoftTimeLimitExceeded:
        _needs_review(document, problems.make("read_timeout", "pdf", seconds=read_soft_limit()))
    except (DatabaseError, OSError):
        raise  # the task retries these
    except Exception:
        # whatever a parser still raises: the document waits for a person, not for ever
        logger.exception("reading document %s failed", document.pk)
        _needs_review(document, problems.make("read_failed", "pdf"))


def _gave_up() -> problems.Problem:
    return problems.make("read_gave_up", "pdf", attempts=settings.DOCUMENT_READ_MAX_ATTEMPTS)


def _needs_review(document: Document, problem: problems.Problem) -> None:
    """The document as it was before this reading, waiting for a person with the reason."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.status == Document.Status.READING:
            services.document_set_status(
                document=document, status=Document.Status.NEEDS_REVIEW, problems=[problem]
            )


def read_soft_limit() -> int:
    """Seconds after which a reading is stopped and the document needs review."""
    return max(settings.DOCUMENT_READ_TIME_LIMIT - 60, settings.DOCUMENT_READ_TIME_LIMIT * 5 // 6)


def document_read_sweep(*, limit: int = 500) -> dict[str, int]:
    """Periodic, across companies: documents "reading" for longer than the task's hard time
    limit belong to a dead worker. Each is read again (queued as it would be at arrival) until
    it has used its attempts, then needs review with the reason. Listed bypass of the company
    scope (a sweeper that fans out)."""
    stuck_before = timezone.now() - timedelta(seconds=settings.DOCUMENT_READ_TIME_LIMIT + 60)
    requeued = given_up = 0
    with all_companies():
        stuck = list(
            Document.objects.filter(company__is_active=True)
            .filter(_stuck(stuck_before))
            .order_by(F("read_started_at").asc(nulls_first=True))
            .values_list("pk", flat=True)[:limit]
        )
        for pk in stuck:
            with transaction.atomic():
                # compare-and-set: a reading that finished meanwhile is left alone
                document = (
                    Document.objects.select_for_update()
                    .filter(_stuck(stuck_before), pk=pk)
                    .select_related("company")
                    .first()
                )
                if document is None:
                    continue
                if document.read_attempts >= settings.DOCUMENT_READ_MAX_ATTEMPTS:
                    services.document_set_status(
                        document=document,
                        status=Document.Status.NEEDS_REVIEW,
                        problems=[_gave_up()],
                    )
                    given_up += 1
                else:
                    services.document_set_status(document=document, status=Document.Status.RECEIVED)
                    transaction.on_commit(partial(services.document_queue_read, document))
                    requeued += 1
    return {"requeued": requeued, "given_up": given_up}


def _stuck(before: Any) -> Q:
    """Reading since before ``before`` (or, for a reading started before readings were
    timed, last changed before it)."""
    return Q(status=Document.Status.READING) & (
        Q(read_started_at__lt=before) | Q(read_started_at__isnull=True, updated_at__lt=before)
    )


def _read(document: Document) -> None:
    data = document.original.open("rb").read()
    method = ""
    try:
        if document.file_kind in BANK_FILE_KINDS:
            _file_as(document, Kind.BANK_STATEMENT)
            method = document.file_kind
        elif document.file_kind == "xml":
            try:
                root = parse_xml(data)
            except XMLRejected as error:
                raise _Unreadable(problems.make(error.code, "xml", **error.params)) from None
            other = xml_kind(str(root.tag))
            if other is not None:
                _file_as(document, other)
                method = "xml"
            else:
                invoice = from_xml(data)
                store_xml(document, data)
                _apply_einvoice(document, invoice, "xml")
                method = "xml"
        else:
            pdf = document.file_kind == "pdf"
            method = _read_einvoice_pdf(document, data) if pdf else ""
            if not method:
                read = read_words(data, pdf=pdf)
                document.text = read.text[:200_000]
                method = "ocr" if read.ocr else "pdf_text"
                hints = company_hints(document.company)
                _apply_text(
                    document,
                    read_layout(read.text, read.words, hints=hints, source=method),
                    read.words,
                )
    except (_Unreadable, EInvoiceError) as error:
        # XML that is not an e-invoice (or hostile): nothing to read; the original is kept.
        problem = (
            error.problem
            if isinstance(error, _Unreadable)
            else problems.make(
                error.code,
                "einvoice" if error.code in EINVOICE_MESSAGES else "xml",
                **error.params,
            )
        )
        document.save()
        services.document_set_status(
            document=document, status=Document.Status.FAILED, problems=[problem]
        )
        return
    except ExtractionError as error:
        document.save()
        services.document_set_status(
            document=document,
            status=Document.Status.NEEDS_REVIEW,
            problems=[problems.make(error.code, "pdf", **error.params)],
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


class _Unreadable(Exception):
    def __init__(self, problem: problems.Problem):
        super().__init__(problem["code"])
        self.problem = problem
