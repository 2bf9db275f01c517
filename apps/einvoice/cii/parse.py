"""Read a UN/CEFACT CII invoice (Factur-X / ZUGFeRD 2.x, EN 16931 profile) into the model."""

from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from apps.einvoice.encoding import decode_base64
from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import (
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    Delivery,
    Document,
    Endpoint,
    Identifier,
    Line,
    Party,
    Payment,
    PrecedingInvoice,
    VatBreakdown,
)
from apps.einvoice.numbers import bounded_decimal
from apps.einvoice.totals import read_totals

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
ROOT = f"{{{RSM}}}CrossIndustryInvoice"

_Element = etree._Element


def _first(element: _Element | None, path: str) -> _Element | None:
    if element is None:
        return None
    found = element.find(path, NS)
    return found


def _text(element: _Element | None, path: str) -> str:
    found = _first(element, path)
    return (found.text or "").strip() if found is not None else ""


def _attr(element: _Element | None, path: str, name: str) -> str:
    found = _first(element, path)
    return (found.get(name) or "").strip() if found is not None else ""


def _decimal(element: _Element | None, path: str) -> Decimal | None:
    value = _text(element, path)
    if not value:
        return None
    return _number(value, path)


def _number(value: str, field: str) -> Decimal:
    number = bounded_decimal(value)
    if number is None:
        raise EInvoiceError("bad_number", field=field, value=value[:40])
    return number


def _amount(element: _Element | None, path: str) -> Decimal:
    return _decimal(element, path) or Decimal("0")


def _date(element: _Element | None, path: str) -> date | None:
    value = _text(element, path)
    if not value:
        return None
    try:
        if len(value) == 8 and value.isdigit():  # format 102: YYYYMMDD
            return datetime.strptime(value, "%Y%m%d").date()
        return date.fromisoformat(value[:10])
    except ValueError:
        raise EInvoiceError("bad_date", field=path, value=value[:40]) from None


def _party(element: _Element | None) -> Party:
    vat_id = tax_id = ""
    for registration in (
        element.findall("ram:SpecifiedTaxRegistration", NS) if element is not None else []
    ):
        identifier = _first(registration, "ram:ID")
        if identifier is None:
            continue
        if (identifier.get("schemeID") or "").upper() == "VA":
            vat_id = (identifier.text or "").strip()
        else:
            tax_id = (identifier.text or "").strip()
    endpoint = None
    if _text(element, "ram:URIUniversalCommunication/ram:URIID"):
        endpoint = Endpoint(
            scheme=_attr(element, "ram:URIUniversalCommunication/ram:URIID", "schemeID"),
            id=_text(element, "ram:URIUniversalCommunication/ram:URIID"),
        )
    contact = None
    trade_contact = _first(element, "ram:DefinedTradeContact")
    if trade_contact is not None:
        contact = Contact(
            name=_text(trade_contact, "ram:PersonName"),
            phone=_text(trade_contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=_text(trade_contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )
    identifiers = []
    for path in ("ram:ID", "ram:GlobalID"):
        for found in element.findall(path, NS) if element is not None else []:
            if found.text and found.text.strip():
                identifiers.append(
                    Identifier(id=found.text.strip(), scheme=found.get("schemeID") or "")
                )
    address = _first(element, "ram:PostalTradeAddress")
    return Party(
        name=_text(element, "ram:Name"),
        trading_name=_text(element, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        enterprise_number=_text(element, "ram:SpecifiedLegalOrganization/ram:ID"),
        enterprise_number_scheme=_attr(
            element, "ram:SpecifiedLegalOrganization/ram:ID", "schemeID"
        ),
        legal_form=_text(element, "ram:Description"),
        identifiers=identifiers,
        endpoint=endpoint,
        address=Address(
            street=_text(address, "ram:LineOne"),
            additional_street=_text(address, "ram:LineTwo"),
            address_line=_text(address, "ram:LineThree"),
            city=_text(address, "ram:CityName"),
            postal_code=_text(address, "ram:PostcodeCode"),
            subdivision=_text(address, "ram:CountrySubDivisionName"),
            country=_text(address, "ram:CountryID"),
        ),
        contact=contact,
    )


def _allowance_charge(element: _Element, *, with_tax: bool) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=_text(element, "ram:ChargeIndicator/udt:Indicator").lower() == "true",
        amount=_amount(element, "ram:ActualAmount"),
        reason=_text(element, "ram:Reason"),
        reason_code=_text(element, "ram:ReasonCode"),
        vat_category=_text(element, "ram:CategoryTradeTax/ram:CategoryCode") if with_tax else "",
        vat_rate=_decimal(element, "ram:CategoryTradeTax/ram:RateApplicablePercent")
        if with_tax
        else None,
        base_amount=_decimal(element, "ram:BasisAmount"),
        percentage=_decimal(element, "ram:CalculationPercent"),
    )


def _line(element: _Element) -> Line:
    product = _first(element, "ram:SpecifiedTradeProduct")
    agreement = _first(element, "ram:SpecifiedLineTradeAgreement")
    settlement = _first(element, "ram:SpecifiedLineTradeSettlement")
    quantity = _first(element, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    adjustments = [
        _allowance_charge(found, with_tax=False)
        for found in (
            settlement.findall("ram:SpecifiedTradeAllowanceCharge", NS)
            if settlement is not None
            else []
        )
    ]
    global_id = _first(product, "ram:GlobalID")
    return Line(
        id=_text(element, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        name=_text(product, "ram:Name"),
        description=_text(product, "ram:Description"),
        quantity=_amount(element, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
        unit_code=(quantity.get("unitCode") if quantity is not None else None) or "C62",
        unit_price=_amount(agreement, "ram:NetPriceProductTradePrice/ram:ChargeAmount"),
        base_quantity=_decimal(agreement, "ram:NetPriceProductTradePrice/ram:BasisQuantity"),
        gross_price=_decimal(agreement, "ram:GrossPriceProductTradePrice/ram:ChargeAmount"),
        net_amount=_decimal(  # None: computed when built
            settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
        ),
        vat_category=_text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode"),
        vat_rate=_decimal(settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent"),
        allowances=[a for a in adjustments if not a.is_charge],
        charges=[c for c in adjustments if c.is_charge],
        note=_text(element, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
        seller_item_id=_text(product, "ram:SellerAssignedID"),
        buyer_item_id=_text(product, "ram:BuyerAssignedID"),
        standard_item_id=Identifier(
            id=(global_id.text or "").strip(), scheme=global_id.get("schemeID") or ""
        )
        if global_id is not None and global_id.text
        else None,
        period_start=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"
        ),
        period_end=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"
        ),
    )


# UNTDID 1001 in AdditionalReferencedDocument/TypeCode (BG-24 and two business terms).
SUPPORTING_DOCUMENT = "916"
INVOICED_OBJECT = "130"  # BT-18
TENDER = "50"  # BT-17


def _attachment(element: _Element) -> Attachment:
    """A supporting document (BG-24): embedded bytes and/or an external URI."""
    identifier = _text(element, "ram:IssuerAssignedID")
    binary = _first(element, "ram:AttachmentBinaryObject")
    content = None
    if binary is not None and binary.text and binary.text.strip():
        content = decode_base64(binary.text)
        if content is None:
            raise EInvoiceError("bad_attachment", id=identifier[:40])
    type_code = _text(element, "ram:TypeCode")
    return Attachment(
        id=identifier,
        description=_text(element, "ram:Name"),
        filename=(binary.get("filename") or "").strip() if binary is not None else "",
        mime_code=(binary.get("mimeCode") or "").strip() if binary is not None else "",
        content=content,
        uri=_text(element, "ram:URIID"),
        type_code="" if type_code == SUPPORTING_DOCUMENT else type_code,
    )


NOT_SPECIFIED = "1"  # UNCL4461: payment means not specified


def parse_cii(root: _Element) -> Document:
    if root.tag != ROOT:
        raise EInvoiceError("wrong_root", root=etree.QName(root).localname)
    header = _first(root, "rsm:ExchangedDocument")
    transaction = _first(root, "rsm:SupplyChainTradeTransaction")
    agreement = _first(transaction, "ram:ApplicableHeaderTradeAgreement")
    delivery_element = _first(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _first(transaction, "ram:ApplicableHeaderTradeSettlement")
    number = _text(header, "ram:ID")
    issue_date = _date(header, "ram:IssueDateTime/udt:DateTimeString")
    if not number or issue_date is None:
        raise EInvoiceError("missing_header")
    currency = _text(settlement, "ram:InvoiceCurrencyCode") or "EUR"
    means = _first(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    payment = None
    if means is not None or _text(settlement, "ram:PaymentReference"):
        payment = Payment(
            # Only what the source says: a bare payment reference (BT-83) states no means, so
            # "1" (not specified), never an invented credit transfer (30, which needs BT-84).
            means_code=_text(means, "ram:TypeCode") or NOT_SPECIFIED,
            means_text=_text(means, "ram:Information"),
            reference=_text(settlement, "ram:PaymentReference"),
            iban=_text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
            or _text(means, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
            account_name=_text(means, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"),
            bic=_text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
            mandate_reference=_text(
                settlement, "ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
            ),
            debited_account=_text(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
        )
    breakdown = [
        VatBreakdown(
            category=_text(tax, "ram:CategoryCode"),
            rate=_decimal(tax, "ram:RateApplicablePercent"),
            taxable_amount=_amount(tax, "ram:BasisAmount"),
            tax_amount=_amount(tax, "ram:CalculatedAmount"),
            exemption_reason=_text(tax, "ram:ExemptionReason"),
            exemption_reason_code=_text(tax, "ram:ExemptionReasonCode"),
        )
        for tax in (
            settlement.findall("ram:ApplicableTradeTax", NS) if settlement is not None else []
        )
    ]
    summary = _first(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    tax_total = Decimal("0")
    tax_total_other = None
    for found in summary.findall("ram:TaxTotalAmount", NS) if summary is not None else []:
        value = _number((found.text or "0").strip() or "0", "ram:TaxTotalAmount")
        if (found.get("currencyID") or currency) == currency:
            tax_total = value
        else:
            tax_total_other = value
    # The amounts the source states are kept as stated (``totals.read_totals``); without a
    # monetary summation they are computed when built.
    stated = (
        None
        if summary is None
        else {
            "line_extension": _decimal(summary, "ram:LineTotalAmount"),
            "allowance_total": _decimal(summary, "ram:AllowanceTotalAmount"),
            "charge_total": _decimal(summary, "ram:ChargeTotalAmount"),
            "tax_exclusive": _decimal(summary, "ram:TaxBasisTotalAmount"),
            "tax_total": tax_total,
            "tax_inclusive": _decimal(summary, "ram:GrandTotalAmount"),
            "prepaid": _decimal(summary, "ram:TotalPrepaidAmount"),
            "rounding": _decimal(summary, "ram:RoundingAmount"),
            "payable": _decimal(summary, "ram:DuePayableAmount"),
            "tax_total_in_tax_currency": tax_total_other,
        }
    )
    adjustments = [
        _allowance_charge(found, with_tax=True)
        for found in (
            settlement.findall("ram:SpecifiedTradeAllowanceCharge", NS)
            if settlement is not None
            else []
        )
    ]
    delivery_date = _date(
        delivery_element,
        "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString",
    )
    ship_to = _first(delivery_element, "ram:ShipToTradeParty")
    delivery = None
    if delivery_date or ship_to is not None:
        delivery = Delivery(
            date=delivery_date,
            party_name=_text(ship_to, "ram:Name"),
            address=_party(ship_to).address if ship_to is not None else None,
        )
    attachments, invoiced_object, tender = [], None, ""
    for found in (
        agreement.findall("ram:AdditionalReferencedDocument", NS) if agreement is not None else []
    ):
        type_code = _text(found, "ram:TypeCode")
        if type_code == INVOICED_OBJECT and _first(found, "ram:AttachmentBinaryObject") is None:
            invoiced_object = Identifier(
                id=_text(found, "ram:IssuerAssignedID"),
                scheme=_text(found, "ram:ReferenceTypeCode"),
            )
        elif type_code == TENDER:
            tender = _text(found, "ram:IssuerAssignedID")
        else:
            attachments.append(_attachment(found))
    document = Document(
        number=number,
        issue_date=issue_date,
        type_code=_text(header, "ram:TypeCode") or "380",
        currency=currency,
        tax_currency=_text(settlement, "ram:TaxCurrencyCode"),
        due_date=_date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
        ),
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        order_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_reference=_text(
            agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"
        ),
        contract_reference=_text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        project_reference=_text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
        despatch_reference=_text(
            delivery_element, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        receiving_reference=_text(
            delivery_element, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        tender_reference=tender,
        invoiced_object=invoiced_object,
        accounting_cost=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        notes=[
            (found.text or "").strip()
            for found in (
                header.findall("ram:IncludedNote/ram:Content", NS) if header is not None else []
            )
            if found.text and found.text.strip()
        ],
        payment_terms=_text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"),
        period_start=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"
        ),
        period_end=_date(
            settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"
        ),
        preceding_invoices=[
            PrecedingInvoice(
                number=_text(found, "ram:IssuerAssignedID"),
                issue_date=_date(found, "ram:FormattedIssueDateTime/*"),
            )
            for found in (
                settlement.findall("ram:InvoiceReferencedDocument", NS)
                if settlement is not None
                else []
            )
        ],
        seller=_party(_first(agreement, "ram:SellerTradeParty")),
        buyer=_party(_first(agreement, "ram:BuyerTradeParty")),
        delivery=delivery,
        payment=payment,
        allowances=[a for a in adjustments if not a.is_charge],
        charges=[c for c in adjustments if c.is_charge],
        lines=[
            _line(found)
            for found in (
                transaction.findall("ram:IncludedSupplyChainTradeLineItem", NS)
                if transaction is not None
                else []
            )
        ],
        vat_breakdown=breakdown,
        totals=None,
        attachments=attachments,
        customization_id=_text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        ),
    )
    if stated is not None:  # what the source states, what it leaves out derived from it
        document.totals = read_totals(stated, document)
    return document
