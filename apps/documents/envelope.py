"""The UBL envelope of a document: what goes to the accountant, with the original inside.

Documents that arrived as UBL keep their XML (it is the legal invoice). Others get an
EN 16931 Invoice or CreditNote built from the reviewed fields: the supplier as seller, our
company as buyer (the other way round for sales), one summary line per VAT rate and the
original PDF or picture embedded.
"""

from dataclasses import replace
from decimal import Decimal

from stdnum.eu import vat as eu_vat

from apps.companies.models import Company
from apps.documents.models import CREDIT_NOTE_KINDS, Category, Document, Kind
from apps.einvoice.model import (
    CREDIT_NOTE,
    INVOICE,
    Address,
    Attachment,
    Endpoint,
    Line,
    Party,
    Payment,
    VatBreakdown,
)
from apps.einvoice.model import (
    Document as EDocument,
)

EU = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "EL",
    "GR",
    "ES",
    "FI",
    "FR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}
# Peppol electronic address schemes (EAS) for VAT numbers, by country.
VAT_SCHEMES = {
    "BE": "9925",
    "DE": "9930",
    "FR": "9957",
    "NL": "9944",
    "LU": "9938",
    "IT": "0211",
    "ES": "9920",
    "AT": "9914",
}
MIME = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}


def our_party(company: Company) -> Party:
    """Our company as an e-invoice party, identified on Peppol by its enterprise number."""
    return Party(
        name=company.name,
        vat_id=company.vat_number,
        enterprise_number=company.enterprise_number,
        enterprise_number_scheme="0208",
        endpoint=Endpoint(scheme="0208", id=company.enterprise_number),
        address=Address(
            street=company.street,
            city=company.city,
            postal_code=company.postal_code,
            country=company.country or "BE",
        ),
    )


def _country(document: Document) -> str:
    vat_id = document.counterparty_vat_id
    if vat_id[:2].isalpha():
        return "GR" if vat_id[:2] == "EL" else vat_id[:2]
    return "BE"


def _their_party(document: Document) -> Party:
    country = _country(document)
    endpoint = None
    if document.counterparty_enterprise_number:
        endpoint = Endpoint(scheme="0208", id=document.counterparty_enterprise_number)
    elif document.counterparty_vat_id and country in VAT_SCHEMES:
        endpoint = Endpoint(scheme=VAT_SCHEMES[country], id=document.counterparty_vat_id)
    vat_id = document.counterparty_vat_id if eu_vat.is_valid(document.counterparty_vat_id) else ""
    return Party(
        name=document.counterparty_name,
        vat_id=vat_id,
        enterprise_number=document.counterparty_enterprise_number,
        enterprise_number_scheme="0208" if document.counterparty_enterprise_number else "",
        endpoint=endpoint,
        address=Address(country=country),
    )


def _category(rate: Decimal, document: Document) -> tuple[str, str, str]:
    """(VAT category, exemption code, exemption text) for a rate on this document."""
    if rate > 0:
        return "S", "", ""
    country = _country(document)
    if country != "BE" and country in EU:
        return "AE", "VATEX-EU-AE", "Reverse charge"
    if country != "BE":
        return "O", "VATEX-EU-O", "Not subject to VAT"
    return "Z", "", ""


def _summary_lines(document: Document) -> tuple[list[Line], list[VatBreakdown]]:
    """One line per VAT rate (the lines of a scanned invoice are rarely known for sure)."""
    entries = []
    for entry in document.vat_breakdown or []:
        try:
            entries.append((Decimal(str(entry["rate"])), Decimal(str(entry["taxable_amount"]))))
        except (KeyError, ArithmeticError, TypeError, ValueError):
            continue
    net = document.total_excl_vat
    vat = document.total_vat or Decimal("0")
    if net is None and document.total_incl_vat is not None:
        net = document.total_incl_vat - vat
    if net is None:
        net = Decimal("0")
    if not entries or sum(amount for _rate, amount in entries) != net:
        rate = (vat * 100 / net).quantize(Decimal("1")) if net else Decimal("0")
        entries = [(rate, net)]
    lines, reasons = [], []
    for index, (rate, amount) in enumerate(entries, start=1):
        category, code, text = _category(rate, document)
        lines.append(
            Line(
                id=str(index),
                name=f"{document.get_kind_display()} {document.number}".strip(),
                quantity=Decimal("1"),
                unit_price=abs(amount),
                vat_category=category,
                vat_rate=None if category == "O" else rate,
            )
        )
        if code:
            reasons.append(
                VatBreakdown(
                    category=category,
                    rate=None if category == "O" else rate,
                    taxable_amount=Decimal("0"),
                    tax_amount=Decimal("0"),
                    exemption_reason_code=code,
                    exemption_reason=text,
                )
            )
    return lines, reasons


def envelope_model(document: Document, original: bytes) -> EDocument:
    """The EN 16931 model of a reviewed document, with the original embedded."""
    ours = our_party(document.company)
    theirs = _their_party(document)
    lines, reasons = _summary_lines(document)
    if any(line.vat_category == "O" for line in lines):
        # BR-O-02: no VAT identifiers on an invoice outside the scope of VAT
        ours, theirs = replace(ours, vat_id=""), replace(theirs, vat_id="")
    seller, buyer = (ours, theirs) if document.category == Category.SALES else (theirs, ours)
    payment = None
    if document.counterparty_iban or document.structured_communication:
        payment = Payment(
            # 30 (credit transfer) needs the account (BR-61); without one: "not defined"
            means_code="30" if document.counterparty_iban else "1",
            iban=document.counterparty_iban,
            bic=document.counterparty_bic,
            reference=document.structured_communication,
        )
    return EDocument(
        number=document.number or str(document.public_id)[:8],
        issue_date=document.issue_date or document.received_at.date(),
        due_date=document.due_date,
        type_code=CREDIT_NOTE if document.kind in CREDIT_NOTE_KINDS else INVOICE,
        currency=document.currency or "EUR",
        seller=seller,
        buyer=buyer,
        buyer_reference=f"OkiOki {str(document.public_id)[:8]}",
        lines=lines,
        vat_breakdown=reasons,
        payment=payment,
        notes=[
            "Envelope made by OkiOki from the attached original; fields read from the "
            f"{document.file_kind.upper()} and checked."
        ]
        if document.kind != Kind.RECEIPT
        else ["Receipt; envelope made by OkiOki from the attached original."],
        attachments=[
            Attachment(
                id="original",
                description="Original document",
                filename=document.original_filename,
                mime_code=MIME.get(document.file_kind, "application/pdf"),
                content=original,
            )
        ],
    )
