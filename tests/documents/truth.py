"""What the XML embedded in a Factur-X/ZUGFeRD PDF says, to check the visible text against.

EN 16931 XML (Factur-X, ZUGFeRD 2) is read by apps.einvoice. ZUGFeRD 1.0 predates EN 16931
and is not read by the product; here its few header fields are taken straight from the XML.
The Mustang sample's XML dates lie a year before the dates it prints (2014 vs 2015 in the
file name, the text and the number): for it the printed dates are the truth.
"""

import datetime
from decimal import Decimal
from typing import Any

from apps.core.xml import parse_xml
from apps.einvoice import EInvoiceError, from_xml

ZUGFERD1 = {
    "rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
}
PRINTED_DATES = {"RE-20151008/504": (datetime.date(2015, 10, 8), datetime.date(2015, 10, 29))}


def embedded_truth(xml: bytes) -> dict[str, Any]:
    try:
        invoice = from_xml(xml)
    except EInvoiceError as error:
        if error.code != "zugferd1":
            raise
        return _zugferd1(xml)
    payment = invoice.payment
    assert invoice.totals is not None
    return {
        "supplier": invoice.seller.name,
        "vat_id": invoice.seller.vat_id,
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "net": invoice.totals.tax_exclusive,
        "vat": invoice.totals.tax_total,
        "gross": invoice.totals.tax_inclusive,
        "iban": payment.iban.replace(" ", "") if payment else "",
        "bic": payment.bic if payment else "",
        "credit_note": invoice.is_credit_note,
        "vat_breakdown": sorted(
            ((e.rate, e.taxable_amount, e.tax_amount) for e in invoice.vat_breakdown),
            reverse=True,
        ),
    }


def _zugferd1(xml: bytes) -> dict[str, Any]:
    root = parse_xml(xml)

    def text(path: str) -> str:
        return root.findtext(path, namespaces=ZUGFERD1) or ""

    settlement = ".//ram:ApplicableSupplyChainTradeSettlement"
    sums = f"{settlement}/ram:SpecifiedTradeSettlementMonetarySummation"
    number = text("rsm:HeaderExchangedDocument/ram:ID")
    issue, due = PRINTED_DATES[number]
    breakdown = [
        (
            Decimal(tax.findtext("ram:ApplicablePercent", namespaces=ZUGFERD1)),
            Decimal(tax.findtext("ram:BasisAmount", namespaces=ZUGFERD1)),
            Decimal(tax.findtext("ram:CalculatedAmount", namespaces=ZUGFERD1)),
        )
        for tax in root.iterfind(f"{settlement}/ram:ApplicableTradeTax", namespaces=ZUGFERD1)
    ]
    return {
        "supplier": text(".//ram:SellerTradeParty/ram:Name"),
        "vat_id": text(
            ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"
        ),
        "number": number,
        "issue_date": issue,
        "due_date": due,
        "net": Decimal(text(f"{sums}/ram:TaxBasisTotalAmount")),
        "vat": Decimal(text(f"{sums}/ram:TaxTotalAmount")),
        "gross": Decimal(text(f"{sums}/ram:GrandTotalAmount")),
        "iban": text(".//ram:IBANID").replace(" ", ""),
        "bic": text(".//ram:BICID"),
        "credit_note": text("rsm:HeaderExchangedDocument/ram:TypeCode") == "381",
        "vat_breakdown": sorted(breakdown, reverse=True),
    }
