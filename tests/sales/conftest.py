"""A selling company (IBAN, VAT number, address) and customers of each VAT treatment."""

from decimal import Decimal

import pytest

from apps.companies.models import Company
from apps.sales.models import Customer, Invoice, VatTreatment
from apps.sales.services.invoices import LineInput, invoice_create
from tests import factories

D = Decimal


def seller_details(company: Company) -> Company:
    """What a company needs to issue valid invoices: VAT number, IBAN, address, e-mail."""
    company.vat_number = f"BE{company.enterprise_number}"
    company.iban = "BE68539007547034"
    company.street = "Meir 12"
    company.postal_code = "2000"
    company.city = "Antwerpen"
    company.email = "boekhouding@bakkerij.example"
    company.save()
    return company


@pytest.fixture
def seller(company: Company) -> Company:
    return seller_details(company)


CUSTOMERS = {
    VatTreatment.DOMESTIC: {"language": "nl"},
    VatTreatment.REVERSE_CHARGE: {"language": "fr", "name": "Construct SRL", "city": "Namur"},
    VatTreatment.INTRA_EU: {
        "language": "en",
        "name": "Bäckerei Schmidt GmbH",
        "enterprise_number": "",
        "vat_id": "DE136695976",
        "country": "DE",
        "city": "Aachen",
        "postal_code": "52062",
    },
    VatTreatment.INTRA_EU_SERVICES: {
        "language": "fr",
        "name": "Agence Lumière SAS",
        "enterprise_number": "",
        "vat_id": "FR40303265045",
        "country": "FR",
        "city": "Lille",
        "postal_code": "59000",
    },
    VatTreatment.EXPORT: {
        "language": "en",
        "name": "Maple Bakery Inc.",
        "enterprise_number": "",
        "vat_id": "",
        "country": "CA",
        "city": "Toronto",
        "postal_code": "M5H 2N2",
        "peppol_endpoint": "0088:5790000435975",  # its GLN
    },
    VatTreatment.EXEMPT: {"language": "nl", "name": "Vzw De Buurt"},
}


def customer_for(company: Company, treatment: str, **changes) -> Customer:
    return factories.CustomerFactory(
        company=company, vat_treatment=treatment, **{**CUSTOMERS[treatment], **changes}
    )


def draft(company: Company, customer: Customer, lines=None, **fields) -> Invoice:
    return invoice_create(
        company=company,
        customer=customer,
        lines=lines
        or [
            LineInput("Volkorenbrood", D("10"), D("2.45"), D("6")),
            LineInput("Taart", D("2"), D("18.50"), D("6"), discount_percent=D("10")),
            LineInput("Catering", D("3"), D("45.00"), D("21"), unit="HUR"),
        ],
        **fields,
    )
