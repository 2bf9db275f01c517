"""The UBL envelope of a document: what goes to the accountant, with the original inside.

Documents that arrived as UBL keep their XML (it is the legal invoice); those that arrived as
CII are converted with everything they say. Others get an EN 16931 Invoice or CreditNote
built from the reviewed fields: the supplier as seller, our company as buyer (the other way
round for sales), one summary line per VAT rate as read and the original PDF or picture
embedded.
"""

import re
from dataclasses import replace
from decimal import Decimal

from django.utils import timezone
from stdnum.eu import vat as eu_vat

from apps.companies.models import Company
from apps.core.money import round_amount
from apps.documents import problems
from apps.documents.models import CREDIT_NOTE_KINDS, Category, Document, Kind
from apps.einvoice import complete, from_xml, inconsistencies, to_ubl
from apps.einvoice.cii import profiles
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
# Peppol electronic address schemes (EAS) for VAT numbers, by the VAT number's country prefix.
VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "BG": "9926",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "EL": "9933",
    "GR": "9933",
    "ES": "9920",
    "FR": "9957",
    "GB": "9932",
    "HR": "9934",
    "HU": "9910",
    "IE": "9935",
    "IT": "0211",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
}
# The electronic address schemes Peppol BIS 3 accepts (PEPPOL-EN16931-CL008, the code list of
# the pinned release; tests/einvoice check it against the rule file). EN 16931 allows more,
# e.g. EM (an e-mail address), which German XRechnung invoices use.
_PEPPOL_EAS = """
    0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0183 0184 0188 0190 0191 0192
    0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225 0230 0235 0240
    0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927
    9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945
    9946 9947 9948 9949 9950 9951 9952 9953 9957 9959
"""
PEPPOL_EAS = frozenset(_PEPPOL_EAS.split())
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


class EnvelopeProblem(Exception):
    """The envelope can't say what the document says (unknown amounts per VAT rate, totals
    that differ): the document needs review, with this problem."""

    def __init__(self, problem: problems.Problem):
        super().__init__(problem["code"])
        self.problem = problem


# VAT rates in use in the EU; a rate computed from the totals is used only when it is one of
# these and gives back exactly the VAT printed (else it would be a guess).
KNOWN_RATES = {
    Decimal(rate)
    for rate in [
        "0",
        "3",
        "4",
        "5",
        "5.5",
        "6",
        "7",
        "8",
        "8.5",
        "9",
        "10",
        "12",
        "13",
        "13.5",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "25.5",
        "27",
    ]
}


def _rates(document: Document) -> list[tuple[Decimal, Decimal | None]]:
    """(rate, taxable amount or None) per VAT rate, as read or entered."""
    entries: list[tuple[Decimal, Decimal | None]] = []
    for entry in document.vat_breakdown or []:
        try:
            rate = Decimal(str(entry["rate"]))
        except (KeyError, ArithmeticError, TypeError, ValueError):
            continue
        try:
            base = Decimal(str(entry["taxable_amount"]))
        except (KeyError, ArithmeticError, TypeError, ValueError):
            base = None
        entries.append((rate, base))
    return entries


def _summary_lines(document: Document) -> tuple[list[Line], list[VatBreakdown]]:
    """One line per VAT rate (the lines of a scanned invoice are rarely known for sure).

    Raises ``EnvelopeProblem`` when the amount per rate is not known: a rate is never made up.
    """
    net = document.total_excl_vat
    vat = document.total_vat
    if net is None and document.total_incl_vat is not None:
        net = document.total_incl_vat - (vat or Decimal("0"))
    if net is None:
        net = Decimal("0")
    entries = _rates(document)
    if len(entries) == 1:
        # one rate: the whole net total is taxed at it (the totals are what a person checked)
        entries = [(entries[0][0], net)]
    elif not entries:
        if not vat:
            entries = [(Decimal("0"), net)]  # no VAT at all: a zero rate, not a guess
        elif net:
            rate = (vat * 100 / net).quantize(Decimal("0.01")).normalize()
            if rate not in KNOWN_RATES or round_amount(net * rate / 100) != vat:
                raise EnvelopeProblem(problems.make("vat_rates_unknown"))
            entries = [(rate, net)]
    if not entries or any(base is None for _rate, base in entries):
        raise EnvelopeProblem(problems.make("vat_rates_unknown"))
    lines, reasons = [], []
    for index, (rate, amount) in enumerate(entries, start=1):
        assert amount is not None
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


def _payment(document: Document) -> Payment | None:
    iban = document.counterparty_iban
    bic = document.counterparty_bic
    if document.category == Category.SALES and not iban and document.company.iban:
        iban, bic = document.company.iban.replace(" ", ""), ""  # a sale is paid to us
    if not (iban or document.structured_communication):
        return None
    return Payment(
        # 30 (credit transfer) needs the account (BR-61); without one: "not defined"
        means_code="30" if iban else "1",
        iban=iban,
        bic=bic,
        reference=document.structured_communication,
    )


def _original(document: Document, original: bytes) -> Attachment:
    return Attachment(
        id="original",
        description="Original document",
        filename=document.original_filename,
        mime_code=MIME.get(document.file_kind, ""),  # else the builder tells it from the bytes
        content=original,
    )


def envelope_model(document: Document, original: bytes) -> EDocument:
    """The EN 16931 model of a reviewed document, with the original embedded."""
    ours = our_party(document.company)
    theirs = _their_party(document)
    lines, reasons = _summary_lines(document)
    if any(line.vat_category == "O" for line in lines):
        # BR-O-02: no VAT identifiers on an invoice outside the scope of VAT
        ours, theirs = replace(ours, vat_id=""), replace(theirs, vat_id="")
    seller, buyer = (ours, theirs) if document.category == Category.SALES else (theirs, ours)
    return EDocument(
        number=document.number or str(document.public_id)[:8],
        # undated: the day it arrived, in Belgium (as the documents list shows it)
        issue_date=document.issue_date or timezone.localdate(document.received_at),
        due_date=document.due_date,
        type_code=CREDIT_NOTE if document.kind in CREDIT_NOTE_KINDS else INVOICE,
        currency=document.currency or "EUR",
        seller=seller,
        buyer=buyer,
        buyer_reference=f"OkiOki {str(document.public_id)[:8]}",
        lines=lines,
        vat_breakdown=reasons,
        payment=_payment(document),
        notes=[
            "Envelope made by OkiOki from the attached original; fields read from the "
            f"{document.file_kind.upper()} and checked."
        ]
        if document.kind != Kind.RECEIPT
        else ["Receipt; envelope made by OkiOki from the attached original."],
        attachments=[_original(document, original)],
    )


def _check_totals(document: Document, model: EDocument) -> None:
    """The envelope must say what the document says: the same totals, to the cent."""
    totals = complete(model).totals
    assert totals is not None
    pairs = [
        (document.total_excl_vat, totals.tax_exclusive),
        (document.total_vat, totals.tax_total),
        (document.total_incl_vat, totals.tax_inclusive),
    ]
    if any(ours is not None and ours != theirs for ours, theirs in pairs):
        raise EnvelopeProblem(
            problems.make(
                "envelope_totals",
                net=document.total_excl_vat if document.total_excl_vat is not None else "",
                vat=document.total_vat if document.total_vat is not None else "",
                gross=document.total_incl_vat if document.total_incl_vat is not None else "",
                envelope_net=totals.tax_exclusive,
                envelope_vat=totals.tax_total,
                envelope_gross=totals.tax_inclusive,
                currency=document.currency or "EUR",
            )
        )


def envelope_xml(document: Document) -> bytes:
    """The UBL that goes to the accountant (see ``envelope_with_notices``)."""
    return envelope_with_notices(document)[0]


# The EN 16931 rules that check how amounts add up (BG-22 sums, VAT per category and rate).
# An envelope keeps an e-invoice's amounts as stated: when the source's own amounts don't add
# up, these fire on the envelope too, and they are the supplier's to fix, not a reason to
# keep the document from the accountant (it is flagged instead).
SOURCE_AMOUNT_RULES = re.compile(r"BR-CO-1[0-7]|BR-(S|Z|E|AE|IC|G|O|IG|IP)-0[89]")
SOURCE_AMOUNTS_NOTICE = "source_amounts_inconsistent"


def amounts_notice(model: EDocument, currency: str) -> problems.Problem | None:
    """A flag naming the stated amounts of a read e-invoice that don't add up, or None."""
    found = inconsistencies(model)
    if not found:
        return None
    return problems.notice(
        SOURCE_AMOUNTS_NOTICE,
        currency=currency,
        items=[
            {
                "term": item.term,
                "stated": str(item.stated),
                "computed": str(item.computed),
                "category": item.category,
                "rate": str(item.rate.normalize()) if item.rate is not None else "",
            }
            for item in found
        ],
    )


def _seller_endpoint(seller: Party, document: Document) -> Endpoint | None:
    """Where a seller without an electronic address is reached on Peppol: its Belgian
    enterprise number (0208), else its VAT number (9925 for a Belgian one); the document's
    fields first (read from the source, or corrected by a person), then the source's."""
    vat_id = (document.counterparty_vat_id or seller.vat_id).replace(" ", "").upper()
    # the document's enterprise number is a Belgian one; the source's only with scheme 0208
    # or, without a scheme, for a seller that is not foreign
    own = seller.enterprise_number if seller.enterprise_number_scheme == "0208" else ""
    if not seller.enterprise_number_scheme and (not vat_id or vat_id.startswith("BE")):
        own = seller.enterprise_number
    enterprise = re.sub(r"\D", "", document.counterparty_enterprise_number or own)
    if len(enterprise) == 10:
        return Endpoint(scheme="0208", id=enterprise)
    country = vat_id[:2]
    if vat_id and country in VAT_SCHEMES:
        return Endpoint(scheme=VAT_SCHEMES[country], id=vat_id)
    return None


def _on_peppol(endpoint: Endpoint | None) -> bool:
    """An electronic address Peppol can carry: one of its schemes, with an identifier."""
    return endpoint is not None and endpoint.scheme in PEPPOL_EAS and bool(endpoint.id.strip())


def _instead_of(endpoint: Endpoint | None) -> str:
    """What the envelope's note says of the address a filled one replaces (kept in the note)."""
    if endpoint is None or not (endpoint.scheme or endpoint.id):
        return ""
    return f" (instead of {endpoint.scheme}:{endpoint.id}, a scheme Peppol does not accept)"


def fill_received(model: EDocument, document: Document) -> tuple[EDocument, list[str]]:
    """A received e-invoice completed from what we know, for its envelope, and what was
    filled (in the envelope's language, English, for its note).

    The buyer is our company: its electronic address (0208 and the enterprise number), name,
    VAT number and address where the source leaves them out; the seller's electronic address
    from its enterprise or VAT number. An electronic address in a scheme Peppol does not
    accept (an e-mail address, EM) is replaced the same way, and the note keeps it. Without a
    buyer reference, Peppol accepts the order reference, else the invoice number stands in,
    said in a note (BT-22). Nothing the source states is changed, amounts least of all."""
    ours = our_party(document.company)
    buyer, seller, filled = model.buyer, model.seller, []
    if not _on_peppol(buyer.endpoint) and ours.endpoint and ours.endpoint.id:
        filled.append("the buyer's electronic address" + _instead_of(buyer.endpoint))
        buyer = replace(buyer, endpoint=ours.endpoint)
    # BR-O-02: no VAT numbers on an invoice outside the scope of VAT
    outside_vat = any(line.vat_category == "O" for line in model.lines) or any(
        entry.category == "O" for entry in model.vat_breakdown
    )
    for name, label in (("name", "name"), ("vat_id", "VAT number")):
        if name == "vat_id" and outside_vat:
            continue
        if not getattr(buyer, name) and getattr(ours, name):
            buyer = replace(buyer, **{name: getattr(ours, name)})
            filled.append(f"the buyer's {label}")
    if not (buyer.address.city or buyer.address.street) and ours.address.city:
        buyer = replace(buyer, address=replace(ours.address, country=buyer.address.country or "BE"))
        filled.append("the buyer's address")
    if not _on_peppol(seller.endpoint):
        endpoint = _seller_endpoint(seller, document)
        if endpoint is not None:
            filled.append("the seller's electronic address" + _instead_of(seller.endpoint))
            seller = replace(seller, endpoint=endpoint)
    model = replace(model, buyer=buyer, seller=seller)
    notes = []
    if filled:
        notes.append("Completed by OkiOki from the recipient's data: " + ", ".join(filled) + ".")
    if not model.buyer_reference and not model.order_reference:
        model = replace(model, buyer_reference=model.number)
        notes.append(
            "No buyer reference (BT-10) in the invoice as sent: "
            "OkiOki used the invoice number (BT-1)."
        )
    if notes:
        # Peppol allows one note on the document (PEPPOL-EN16931-R002): ours follows theirs
        model = replace(model, notes=[" ".join([*model.notes, *notes])])
    return model, notes


def _is_en16931_invoice(model: EDocument) -> bool:
    """Whether a read CII is an invoice under EN 16931: not Factur-X MINIMUM or BASIC WL, which
    leave out the lines (their envelope is made from the document's fields, as for a PDF)."""
    return profiles.is_en16931_invoice(profiles.profile(model.customization_id))


def envelope_with_notices(document: Document) -> tuple[bytes, list[problems.Problem]]:
    """The UBL that goes to the accountant, and what to flag without holding it back.

    An arrived UBL is kept as it is (the legal invoice), with the original PDF embedded if
    it lacks one, unless a received one lacks what ``fill_received`` completes (then it is
    rebuilt, its amounts as stated); an arrived CII (XML or Factur-X) becomes UBL with its
    lines and addresses, the PDF embedded. Either way every amount the e-invoice states is
    written as stated; where they don't add up, the notice says which. Anything else (a PDF,
    a picture, a Factur-X MINIMUM or BASIC WL, which has no lines) gets an envelope built from
    the reviewed fields, whose totals must equal the document's. Raises
    ``EnvelopeProblem`` or ``EInvoiceError``.
    """
    original = document.original.open("rb").read()
    xml = document.xml.open("rb").read() if document.xml else b""
    model = from_xml(xml) if xml else None
    if model is not None and (document.xml_is_ubl or _is_en16931_invoice(model)):
        notice = amounts_notice(model, model.currency)
        notices = [notice] if notice is not None else []
        filled: list[str] = []
        if document.category != Category.SALES:
            model, filled = fill_received(model, document)
        if (
            not filled
            and document.xml_is_ubl
            and (document.file_kind == "xml" or model.attachments)
        ):
            return xml, notices
        if document.file_kind != "xml" and not model.attachments:
            model = replace(model, attachments=[_original(document, original)])
        return to_ubl(model), notices
    model = envelope_model(document, original)
    _check_totals(document, model)
    return to_ubl(model), []
