"""Belgian e-invoices built from known values, for tests and benchmarks."""

import datetime
from dataclasses import replace
from decimal import Decimal

from apps.einvoice.model import (
    CREDIT_NOTE,
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    Delivery,
    Document,
    Endpoint,
    Line,
    Party,
    Payment,
    PrecedingInvoice,
    VatBreakdown,
)
from tests.samples import original_pdf

D = Decimal

SELLER = Party(
    name="Bakkerij De Gouden Korst BV",
    vat_id="BE0412345614",
    enterprise_number="0412345614",
    enterprise_number_scheme="0208",
    endpoint=Endpoint(scheme="0208", id="0412345614"),
    address=Address(street="Meir 12", city="Antwerpen", postal_code="2000", country="BE"),
    contact=Contact(name="Sofie Peeters", email="sofie@goudenkorst.example"),
)
BUYER = Party(
    name="Studio Lumière SRL",
    vat_id="BE0765432146",
    enterprise_number="0765432146",
    enterprise_number_scheme="0208",
    endpoint=Endpoint(scheme="0208", id="0765432146"),
    address=Address(street="Rue Neuve 45", city="Bruxelles", postal_code="1000", country="BE"),
)
FOREIGN_BUYER_EU = Party(
    name="Bäckerei Schmidt GmbH",
    vat_id="DE136695976",
    endpoint=Endpoint(scheme="9930", id="DE136695976"),
    address=Address(street="Hauptstraße 1", city="Aachen", postal_code="52062", country="DE"),
)
FOREIGN_BUYER_EXPORT = Party(
    name="Maple Bakery Inc.",
    endpoint=Endpoint(scheme="0088", id="5790000435975"),
    address=Address(street="1 Queen St", city="Toronto", postal_code="M5H 2N2", country="CA"),
)
OGM = "010806817183"  # +++010/8068/17183+++
PDF = original_pdf("a small original", 1024)


def line(
    n: int, quantity: str, price: str, category: str = "S", rate: str | None = "21", name: str = ""
) -> Line:
    return Line(
        id=str(n),
        name=name or f"Product {n}",
        quantity=D(quantity),
        unit_price=D(price),
        vat_category=category,
        vat_rate=D(rate) if rate is not None else None,
    )


def domestic_mixed() -> Document:
    """21 %, 12 % and 6 % on one invoice, a discount and a charge, an OGM, an embedded PDF."""
    return Document(
        number="2026-0042",
        issue_date=datetime.date(2026, 11, 2),
        due_date=datetime.date(2026, 12, 2),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference="PO-7781",
        lines=[
            line(1, "10", "2.45", rate="6", name="Volkorenbrood"),
            line(2, "2", "35.00", rate="12", name="Catering"),
            line(3, "1", "120.00", rate="21", name="Taart op maat"),
        ],
        allowances=[
            AllowanceCharge(
                is_charge=False,
                amount=D("5.00"),
                reason="Korting",
                reason_code="95",
                vat_category="S",
                vat_rate=D("21"),
            )
        ],
        charges=[
            AllowanceCharge(
                is_charge=True,
                amount=D("7.50"),
                reason="Levering",
                reason_code="FC",
                vat_category="S",
                vat_rate=D("21"),
            )
        ],
        payment=Payment(means_code="30", reference=OGM, iban="BE56363123456788", bic="BBRUBEBB"),
        payment_terms="Betaling binnen 30 dagen",
        attachments=[
            Attachment(
                id="original",
                filename="factuur-2026-0042.pdf",
                mime_code="application/pdf",
                content=PDF,
            )
        ],
    )


def reverse_charge() -> Document:
    """Domestic reverse charge (medecontractant, art. 51 §2 WBTW), e.g. construction work."""
    base = domestic_mixed()
    return replace(
        base,
        number="2026-0043",
        lines=[line(1, "16", "55.00", category="AE", rate="0", name="Renovatiewerken")],
        allowances=[],
        charges=[],
        attachments=[],
        vat_breakdown=[
            VatBreakdown(
                category="AE",
                rate=D("0"),
                taxable_amount=D("0"),
                tax_amount=D("0"),
                exemption_reason_code="VATEX-EU-AE",
                exemption_reason="Btw verlegd – medecontractant, art. 51 §2 WBTW",
            )
        ],
        notes=["Belasting te voldoen door de medecontractant – Btw-Wetboek artikel 51, § 2"],
    )


def intra_community_supply() -> Document:
    base = domestic_mixed()
    return replace(
        base,
        number="2026-0044",
        buyer=FOREIGN_BUYER_EU,
        lines=[line(1, "100", "3.10", category="K", rate="0", name="Speculoos")],
        allowances=[],
        charges=[],
        attachments=[],
        delivery=Delivery(
            date=datetime.date(2026, 11, 1),
            address=Address(city="Aachen", postal_code="52062", country="DE"),
        ),
    )


def export() -> Document:
    base = domestic_mixed()
    return replace(
        base,
        number="2026-0045",
        buyer=FOREIGN_BUYER_EXPORT,
        currency="EUR",
        lines=[line(1, "40", "4.25", category="G", rate="0", name="Pralines")],
        allowances=[],
        charges=[],
        attachments=[],
    )


def exempt() -> Document:
    """Small-business franchise (art. 56bis WBTW): exempt, category E with its reason."""
    base = domestic_mixed()
    return replace(
        base,
        number="2026-0046",
        lines=[line(1, "3", "60.00", category="E", rate="0", name="Bakworkshop")],
        allowances=[],
        charges=[],
        attachments=[],
        vat_breakdown=[
            VatBreakdown(
                category="E",
                rate=D("0"),
                taxable_amount=D("0"),
                tax_amount=D("0"),
                exemption_reason="Bijzondere vrijstellingsregeling kleine ondernemingen",
            )
        ],
    )


def zero_rated() -> Document:
    base = domestic_mixed()
    return replace(
        base,
        number="2026-0047",
        lines=[line(1, "50", "1.20", category="Z", rate="0", name="Krant")],
        allowances=[],
        charges=[],
        attachments=[],
    )


def outside_scope() -> Document:
    base = domestic_mixed()
    seller = replace(SELLER, vat_id="")
    buyer = replace(BUYER, vat_id="")
    return replace(
        base,
        number="2026-0048",
        seller=seller,
        buyer=buyer,
        lines=[line(1, "1", "250.00", category="O", rate=None, name="Schadevergoeding")],
        allowances=[],
        charges=[],
        attachments=[],
    )


def credit_note() -> Document:
    base = domestic_mixed()
    return replace(
        base,
        number="2026-CN-0007",
        type_code=CREDIT_NOTE,
        lines=[line(1, "2", "35.00", rate="12", name="Catering (teruggestuurd)")],
        allowances=[],
        charges=[],
        preceding_invoices=[
            PrecedingInvoice(number="2026-0042", issue_date=datetime.date(2026, 11, 2))
        ],
        attachments=[],
    )


BELGIAN_SET = {
    "domestic_mixed": domestic_mixed,
    "reverse_charge": reverse_charge,
    "intra_community_supply": intra_community_supply,
    "export": export,
    "exempt": exempt,
    "zero_rated": zero_rated,
    "outside_scope": outside_scope,
    "credit_note": credit_note,
}
