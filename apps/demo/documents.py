"""Demo documents for `make run`: e-invoices, PDF invoices, a credit note and a quote per
company, read by the real pipeline so a newcomer sees documents ready for the accountant, one
waiting for its first check (a new supplier) and one read with what OkiOki learned from a
correction (a supplier whose first invoice was checked)."""

import datetime
from decimal import Decimal

from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.companies.models import Company
from apps.documents.envelope import our_party
from apps.documents.models import Document, Source
from apps.documents.reading import document_read
from apps.documents.services import (
    document_correct,
    document_ingest,
    supplier_learn_layout,
    unsure_fields,
)
from apps.einvoice import to_ubl
from apps.einvoice.model import (
    CREDIT_NOTE,
    Address,
    Endpoint,
    Line,
    Party,
    Payment,
    PrecedingInvoice,
)
from apps.einvoice.model import Document as EDocument

SUPPLIER = Party(
    name="Drukkerij Van Damme NV",
    vat_id="BE0812345603",
    enterprise_number="0812345603",
    enterprise_number_scheme="0208",
    endpoint=Endpoint(scheme="0208", id="0812345603"),
    address=Address(street="Veldstraat 8", city="Gent", postal_code="9000", country="BE"),
)
PDF_SUPPLIER = {
    "name": "Energie Plus BV",
    "street": "Kaai 3",
    "city": "2000 Antwerpen",
    "vat": "BE0555555523",
    "iban": "BE71 0682 4680 1369",
}
# A supplier whose October invoice the entrepreneur checked: OkiOki learned where it puts its
# details and reads its November invoice by itself.
LEARNED_SUPPLIER = {
    "name": "Schoonmaak Peeters BV",
    "street": "Nijverheidsstraat 21",
    "city": "2800 Mechelen",
    "vat": "BE0451234793",
    "iban": "BE80 9732 0593 5377",
}
LEARNED_INVOICES = [
    # number, date, due, net, VAT, gross, structured communication
    ("SP/26/0311", "31/10/2026", "30/11/2026", "420,00", "88,20", "508,20", "+++090/9337/55493+++"),
    ("SP/26/0352", "30/11/2026", "30/12/2026", "385,00", "80,85", "465,85", "+++090/9337/55594+++"),
]
LABELS = {
    "nl": {
        "title": "Factuur",
        "number": "Factuurnummer",
        "date": "Factuurdatum",
        "due": "Vervaldatum",
        "description": "Omschrijving",
        "amount": "Bedrag",
        "net": "Totaal excl. btw",
        "vat_line": "Btw 21%",
        "gross": "Te betalen",
        "vat": "BTW",
        "reference": "Mededeling",
    },
    "fr": {
        "title": "Facture",
        "number": "Numéro de facture",
        "date": "Date de facture",
        "due": "Date d'échéance",
        "description": "Description",
        "amount": "Montant",
        "net": "Total HT",
        "vat_line": "TVA 21%",
        "gross": "Total TTC",
        "vat": "TVA",
        "reference": "Communication",
    },
}


def supplier_einvoice(
    company: Company, number: str, credit: bool = False, sale: bool = False
) -> bytes:
    """An e-invoice (UBL) of the demo supplier to ``company``; a credit note, or (``sale``)
    an invoice of ``company`` to the supplier."""
    lines = [
        Line(
            id="1",
            name="Folders A5, 2000 stuks",
            quantity=Decimal("2"),
            unit_price=Decimal("145.00"),
            vat_category="S",
            vat_rate=Decimal("21"),
        ),
        Line(
            id="2",
            name="Naamkaartjes",
            quantity=Decimal("500"),
            unit_price=Decimal("0.12"),
            vat_category="S",
            vat_rate=Decimal("21"),
        ),
    ]
    return to_ubl(
        EDocument(
            number=number,
            issue_date=datetime.date(2026, 11, 3),
            due_date=datetime.date(2026, 12, 3),
            type_code=CREDIT_NOTE if credit else "380",
            # a sale: the company invoiced the demo supplier (goes to the "sales" address)
            seller=our_party(company) if sale else SUPPLIER,
            buyer=SUPPLIER if sale else our_party(company),
            buyer_reference="Bestelling 88",
            lines=lines[:1] if credit else lines,
            preceding_invoices=[PrecedingInvoice(number="VD-2026-311")] if credit else [],
            payment=Payment(iban="BE15001765432130", reference="010806817183"),
        )
    )


def _pdf(company: Company, **invoice: object) -> bytes:
    from weasyprint import HTML

    language = "fr" if company.default_language == "fr" else "nl"
    html = render_to_string(
        "pdf/demo/supplier_invoice.html",
        {
            "language": language,
            "labels": LABELS[language],
            "supplier": PDF_SUPPLIER,
            "customer": {
                "name": company.name,
                "street": company.street,
                "city": f"{company.postal_code} {company.city}",
                "vat": company.vat_number,
            },
            "number": "EP-2026-10077",
            "date": "04/11/2026",
            "due": "18/11/2026",
            "lines": [("Elektriciteit oktober 2026", "180,00"), ("Netkosten", "60,50")],
            "net": "240,50",
            "vat": "50,51",
            "gross": "291,01",
            "ogm": "+++010/8068/17183+++",
            **invoice,
        },
    )
    return HTML(string=html).write_pdf()


def _learned_supplier_invoice(company: Company, index: int) -> bytes:
    number, date, due, net, vat, gross, ogm = LEARNED_INVOICES[index]
    return _pdf(
        company,
        supplier=LEARNED_SUPPLIER,
        number=number,
        date=date,
        due=due,
        lines=[("Schoonmaak kantoren", net)],
        net=net,
        vat=vat,
        gross=gross,
        ogm=ogm,
    )


QUOTE_TEXT = {
    "nl": (
        "OFFERTE",
        "Offertenummer",
        "Geldig tot",
        "Nieuwe verwarmingsketel, plaatsing inbegrepen",
    ),
    "fr": ("DEVIS", "N° de devis", "Valable jusqu'au", "Nouvelle chaudière, placement compris"),
}


def _quote(company: Company) -> bytes:
    """A supplier's quote: not an invoice, filed as miscellaneous (issue 13)."""
    from weasyprint import HTML

    title, number, valid, line = QUOTE_TEXT["fr" if company.default_language == "fr" else "nl"]
    html = (
        "<html><body style='font-family: DejaVu Sans; font-size: 10pt'>"
        "<p><b>Verwarming Claes BV</b><br>Molenstraat 8, 2800 Mechelen<br>BTW BE0403170701</p>"
        f"<h1>{title}</h1><p>{number}: OF-2026-0214<br>{valid}: 31/12/2026</p>"
        f"<p>{company.name}<br>{company.street}<br>{company.postal_code} {company.city}</p>"
        f"<table><tr><td>{line}</td><td>4.850,00 EUR</td></tr></table></body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


def _ingest_and_read(company: Company, filename: str, data: bytes) -> Document | None:
    result = document_ingest(
        company=company,
        data=data,
        filename=filename,
        source=Source.UPLOAD,
        details={"uploaded_by": "demo"},
    )
    if result.document is not None and result.document.status == Document.Status.RECEIVED:
        document_read(company_id=company.pk, document_id=result.document.pk)
        result.document.refresh_from_db()
    return result.document


def _seed_learned_supplier(company: Company, actor: User) -> None:
    """The entrepreneur checked a new supplier's first invoice (as the document page asks):
    OkiOki learned the supplier and where it puts its details, and its next invoice goes to
    the accountant by itself."""
    first = _ingest_and_read(company, "peeters-oktober.pdf", _learned_supplier_invoice(company, 0))
    if first is None or first.status != Document.Status.NEEDS_REVIEW:
        return
    document_correct(
        document=first,
        actor=actor,
        changes={name: getattr(first, name) for name in unsure_fields(first)},
    )
    supplier_learn_layout(company_id=company.pk, document_id=first.pk)
    _ingest_and_read(company, "peeters-november.pdf", _learned_supplier_invoice(company, 1))


def seed_documents(company: Company, actor: User) -> None:
    """Idempotent: a company that has its demo documents gets nothing more."""
    if Document.objects.filter(company=company, source_details__uploaded_by="demo").exists():
        return
    files = [
        ("VD-2026-311.xml", supplier_einvoice(company, "VD-2026-311")),
        ("VD-2026-CN-12.xml", supplier_einvoice(company, "VD-2026-CN-12", credit=True)),
        ("2026-0117.xml", supplier_einvoice(company, "2026-0117", sale=True)),
        ("energie-plus-oktober.pdf", _pdf(company)),
        ("offerte-verwarming.pdf", _quote(company)),
    ]
    for filename, data in files:
        _ingest_and_read(company, filename, data)
    _seed_learned_supplier(company, actor)
