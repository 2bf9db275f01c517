"""The amounts an e-invoice states, read straight from its XML (UBL or CII) without our parser.

For the property test "source amounts are sacred": whatever OkiOki makes from a document must
carry the same BT-106…BT-115, line net amounts (BT-131) and VAT breakdown (BT-116/BT-117).
Amounts are compared to the cent; an absent optional total counts as zero.
"""

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CII_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CII_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS = {"cac": UBL_CAC, "cbc": UBL_CBC, "rsm": CII_RSM, "ram": CII_RAM}

CENT = Decimal("0.01")

UBL_TOTALS = {
    "BT-106": "LineExtensionAmount",
    "BT-107": "AllowanceTotalAmount",
    "BT-108": "ChargeTotalAmount",
    "BT-109": "TaxExclusiveAmount",
    "BT-112": "TaxInclusiveAmount",
    "BT-113": "PrepaidAmount",
    "BT-114": "PayableRoundingAmount",
    "BT-115": "PayableAmount",
}
CII_TOTALS = {
    "BT-106": "LineTotalAmount",
    "BT-107": "AllowanceTotalAmount",
    "BT-108": "ChargeTotalAmount",
    "BT-109": "TaxBasisTotalAmount",
    "BT-112": "GrandTotalAmount",
    "BT-113": "TotalPrepaidAmount",
    "BT-114": "RoundingAmount",
    "BT-115": "DuePayableAmount",
}


def _cents(text: str | None) -> Decimal:
    value = Decimal((text or "0").strip() or "0")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _vat(
    category: str | None, rate: str | None, taxable: str | None, tax: str | None
) -> tuple[str, Decimal | None, Decimal, Decimal]:
    """(category, rate, BT-116, BT-117); category O has no rate, an absent rate is zero."""
    code = (category or "").strip()
    percent = None if code == "O" else Decimal((rate or "0").strip() or "0").normalize()
    return (code, percent, _cents(taxable), _cents(tax))


def stated_amounts(xml: bytes) -> dict[str, object]:
    """{"BT-106": Decimal, …, "BT-110": Decimal, "lines": [BT-131, …],
    "vat": sorted [(category, rate, BT-116, BT-117), …]}."""
    root = etree.fromstring(xml)
    if root.tag == f"{{{CII_RSM}}}CrossIndustryInvoice":
        return _cii(root)
    return _ubl(root)


def _ubl(root: etree._Element) -> dict[str, object]:
    currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=NS)
    total = root.find("cac:LegalMonetaryTotal", NS)
    found: dict[str, object] = {
        bt: _cents(total.findtext(f"cbc:{name}", namespaces=NS)) for bt, name in UBL_TOTALS.items()
    }
    vat, tax_total = [], Decimal("0")
    for tax in root.findall("cac:TaxTotal", NS):
        amount = tax.find("cbc:TaxAmount", NS)
        if amount is None or amount.get("currencyID") not in (None, currency):
            continue
        tax_total = _cents(amount.text)
        for sub in tax.findall("cac:TaxSubtotal", NS):
            vat.append(
                _vat(
                    sub.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
                    sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS),
                    sub.findtext("cbc:TaxableAmount", namespaces=NS),
                    sub.findtext("cbc:TaxAmount", namespaces=NS),
                )
            )
    found["BT-110"] = tax_total
    found["lines"] = [
        _cents(line.findtext("cbc:LineExtensionAmount", namespaces=NS))
        for line in root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)
    ]
    found["vat"] = sorted(vat, key=str)
    return found


def _cii(root: etree._Element) -> dict[str, object]:
    settlement = root.find(
        "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement", NS
    )
    currency = settlement.findtext("ram:InvoiceCurrencyCode", namespaces=NS)
    summary = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    found: dict[str, object] = {
        bt: _cents(summary.findtext(f"ram:{name}", namespaces=NS))
        for bt, name in CII_TOTALS.items()
    }
    tax_total = _cents(None)
    for amount in summary.findall("ram:TaxTotalAmount", NS):
        if amount.get("currencyID") in (None, currency):
            tax_total = _cents(amount.text)
    found["BT-110"] = tax_total
    found["lines"] = [
        _cents(
            line.findtext(
                "ram:SpecifiedLineTradeSettlement/"
                "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                namespaces=NS,
            )
        )
        for line in root.findall(
            "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem", NS
        )
    ]
    vat = []
    for tax in settlement.findall("ram:ApplicableTradeTax", NS):
        vat.append(
            _vat(
                tax.findtext("ram:CategoryCode", namespaces=NS),
                tax.findtext("ram:RateApplicablePercent", namespaces=NS),
                tax.findtext("ram:BasisAmount", namespaces=NS),
                tax.findtext("ram:CalculatedAmount", namespaces=NS),
            )
        )
    found["vat"] = sorted(vat, key=str)
    return found
