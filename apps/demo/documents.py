"""Demo documents for `make run`: e-invoices, PDF invoices, a credit note and a quote per
company, read by the real pipeline so a newcomer sees documents ready for the accountant, one
waiting for its first check (a new supplier) and one read with what OkiOki learned from a
correction (a supplier whose first invoice was checked)."""

import datetime
from decimal import Decimal

from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.companies.models import Company
from apps.demo.profiles import profile_of
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


def _supplier(company: Company) -> Party:
    spec = profile_of(company).einvoice_supplier
    number = spec["enterprise_number"]
    return Party(
        name=spec["name"],
        vat_id=f"BE{number}",
        enterprise_number=number,
        enterprise_number_scheme="0208",
        endpoint=Endpoint(scheme="0208", id=number),
        address=Address(
            street=spec["street"], city=spec["city"], postal_code=spec["postal_code"], country="BE"
        ),
    )


def supplier_einvoice(
    company: Company, number: str, credit: bool = False, sale: bool = False
) -> bytes:
    """An e-invoice (UBL) of the company's demo supplier to ``company``; a credit note, or
    (``sale``) an invoice of ``company`` to the supplier."""
    profile = profile_of(company)
    specs = profile.einvoice_sale_lines if sale else profile.einvoice_lines
    lines = [
        Line(
            id=str(n),
            name=name,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_category="S",
            vat_rate=Decimal("21"),
        )
        for n, (name, quantity, price) in enumerate(specs, start=1)
    ]
    supplier = _supplier(company)
    return to_ubl(
        EDocument(
            number=number,
            issue_date=datetime.date(2026, 11, 3),
            due_date=datetime.date(2026, 12, 3),
            type_code=CREDIT_NOTE if credit else "380",
            # a sale: the company invoiced the demo supplier (goes to the "sales" address)
            seller=our_party(company) if sale else supplier,
            buyer=supplier if sale else our_party(company),
            buyer_reference=profile.buyer_reference,
            lines=lines[:1] if credit else lines,
            preceding_invoices=(
                [PrecedingInvoice(number=profile.einvoice_numbers["invoice"])] if credit else []
            ),
            payment=Payment(
                iban=company.iban if sale else profile.einvoice_supplier["iban"],
                reference=profile.einvoice_reference,
            ),
        )
    )


def _pdf(company: Company, **invoice: object) -> bytes:
    from weasyprint import HTML

    profile = profile_of(company)
    html = render_to_string(
        "pdf/demo/supplier_invoice.html",
        {
            "language": profile.language,
            "labels": LABELS[profile.language],
            "supplier": profile.new_supplier,
            "customer": {
                "name": company.name,
                "street": company.street,
                "city": f"{company.postal_code} {company.city}",
                "vat": company.vat_number,
            },
            **profile.new_supplier_invoice,
            **invoice,
        },
    )
    return HTML(string=html).write_pdf()


def _learned_supplier_invoice(company: Company, index: int) -> bytes:
    profile = profile_of(company)
    number, date, due, net, vat, gross, ogm = profile.learned_invoices[index]
    return _pdf(
        company,
        supplier=profile.learned_supplier,
        number=number,
        date=date,
        due=due,
        lines=[(profile.learned_line, net)],
        net=net,
        vat=vat,
        gross=gross,
        ogm=ogm,
    )


def _quote(company: Company) -> bytes:
    """A supplier's quote: not an invoice, filed as miscellaneous (issue 13)."""
    from weasyprint import HTML

    profile = profile_of(company)
    title, number, valid, line = profile.quote_text
    supplier = profile.quote_supplier
    html = (
        "<html><body style='font-family: DejaVu Sans; font-size: 10pt'>"
        f"<p><b>{supplier['name']}</b><br>{supplier['address']}<br>{supplier['vat']}</p>"
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
    first_file, next_file = profile_of(company).learned_files
    first = _ingest_and_read(company, first_file, _learned_supplier_invoice(company, 0))
    if first is None or first.status != Document.Status.NEEDS_REVIEW:
        return
    document_correct(
        document=first,
        actor=actor,
        changes={name: getattr(first, name) for name in unsure_fields(first)},
    )
    supplier_learn_layout(company_id=company.pk, document_id=first.pk)
    _ingest_and_read(company, next_file, _learned_supplier_invoice(company, 1))


def seed_documents(company: Company, actor: User) -> None:
    """Idempotent: a company that has its demo documents gets nothing more."""
    if Document.objects.filter(company=company, source_details__uploaded_by="demo").exists():
        return
    profile = profile_of(company)
    numbers = profile.einvoice_numbers
    files = [
        (f"{numbers['invoice']}.xml", supplier_einvoice(company, numbers["invoice"])),
        (f"{numbers['credit']}.xml", supplier_einvoice(company, numbers["credit"], credit=True)),
        (f"{numbers['sale']}.xml", supplier_einvoice(company, numbers["sale"], sale=True)),
        (profile.new_supplier_file, _pdf(company)),
        (profile.quote_file, _quote(company)),
    ]
    for filename, data in files:
        _ingest_and_read(company, filename, data)
    _seed_learned_supplier(company, actor)
