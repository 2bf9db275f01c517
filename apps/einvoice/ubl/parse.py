"""Read a UBL 2.1 Invoice or CreditNote (Peppol BIS 3, UBL.BE / e-FFF) into the model."""

from datetime import date
from decimal import Decimal
from typing import Any

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
    ItemProperty,
    Line,
    Party,
    Payee,
    Payment,
    PrecedingInvoice,
    TaxRepresentative,
    VatBreakdown,
)
from apps.einvoice.numbers import bounded_decimal
from apps.einvoice.totals import read_totals
from apps.einvoice.ubl.names import CAC, CBC, ROOT_NS

_Element = etree._Element


_STEPS: dict[str, tuple[str, ...]] = {}


def _steps(path: str) -> tuple[str, ...]:
    """'cac:Party/cbc:Name' -> the Clark names of each step, worked out once per path."""
    steps = _STEPS.get(path)
    if steps is None:
        names = []
        for step in path.split("/"):
            prefix, name = step.split(":")
            names.append(f"{{{CAC if prefix == 'cac' else CBC}}}{name}")
        steps = _STEPS[path] = tuple(names)
    return steps


class _Reader:
    """Reads one element's children by tag (faster than ElementPath).

    Each reader indexes its element's children once, as readers of their own, so that walking
    the same path again (``cac:Party/...`` for every party field) reuses those indexes.
    """

    __slots__ = ("_index", "element")

    def __init__(self, element: _Element | None):
        self.element = element
        self._index: dict[Any, list[_Reader]] | None = None

    def _indexed(self) -> "dict[Any, list[_Reader]]":
        index: dict[Any, list[_Reader]] = {}
        if self.element is not None:
            for child in self.element:
                found = index.get(child.tag)
                if found is None:
                    index[child.tag] = [_Reader(child)]
                else:
                    found.append(_Reader(child))
        self._index = index
        return index

    def _children(self, tag: str) -> "list[_Reader]":
        index = self._index
        if index is None:
            index = self._indexed()
        return index.get(tag) or _NO_READERS

    def _reader(self, path: str) -> "_Reader | None":
        # The parser's hot path (hundreds of lookups per document, most for absent terms).
        reader: _Reader = self
        for tag in _STEPS.get(path) or _steps(path):
            index = reader._index
            if index is None:
                index = reader._indexed()
            found = index.get(tag)
            if not found:
                return None
            reader = found[0]
        return reader

    def find(self, path: str) -> "_Reader":
        return self._reader(path) or _NOTHING

    def all(self, path: str) -> "list[_Reader]":
        *parents, last = _steps(path)
        readers = [self]
        for tag in parents:
            readers = [child for reader in readers for child in reader._children(tag)]
        return [child for reader in readers for child in reader._children(last)]

    def __bool__(self) -> bool:
        return self.element is not None

    def text(self, path: str = "") -> str:
        reader = self._reader(path) if path else self
        if reader is None or reader.element is None:
            return ""
        value = reader.element.text
        return value.strip() if value else ""

    def attr(self, path: str, name: str) -> str:
        reader = self._reader(path) if path else self
        if reader is None or reader.element is None:
            return ""
        return (reader.element.get(name) or "").strip()

    def decimal(self, path: str) -> Decimal | None:
        value = self.text(path)
        if not value:
            return None
        number = bounded_decimal(value)
        if number is None:
            raise EInvoiceError("bad_number", field=path, value=value[:40])
        return number

    def amount(self, path: str) -> Decimal:
        return self.decimal(path) or Decimal("0")

    def date(self, path: str) -> date | None:
        value = self.text(path)
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise EInvoiceError("bad_date", field=path, value=value[:40]) from None


_NO_READERS: list[_Reader] = []
_NOTHING = _Reader(None)


def _identifier(reader: _Reader, path: str) -> Identifier | None:
    value = reader.text(path)
    return Identifier(id=value, scheme=reader.attr(path, "schemeID")) if value else None


def _address(reader: _Reader) -> Address:
    return Address(
        street=reader.text("cbc:StreetName"),
        additional_street=reader.text("cbc:AdditionalStreetName"),
        address_line=reader.text("cac:AddressLine/cbc:Line"),
        city=reader.text("cbc:CityName"),
        postal_code=reader.text("cbc:PostalZone"),
        subdivision=reader.text("cbc:CountrySubentity"),
        country=reader.text("cac:Country/cbc:IdentificationCode"),
    )


def _party(reader: _Reader) -> Party:
    party = reader.find("cac:Party")
    vat_id = tax_id = ""
    for scheme in party.all("cac:PartyTaxScheme"):
        if scheme.text("cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat_id = scheme.text("cbc:CompanyID")
        else:
            tax_id = scheme.text("cbc:CompanyID")
    legal = party.find("cac:PartyLegalEntity")
    endpoint = None
    if party.text("cbc:EndpointID"):
        endpoint = Endpoint(
            scheme=party.attr("cbc:EndpointID", "schemeID"), id=party.text("cbc:EndpointID")
        )
    contact = None
    if party.find("cac:Contact"):
        found = party.find("cac:Contact")
        contact = Contact(
            name=found.text("cbc:Name"),
            phone=found.text("cbc:Telephone"),
            email=found.text("cbc:ElectronicMail"),
        )
    name = legal.text("cbc:RegistrationName") or party.text("cac:PartyName/cbc:Name")
    return Party(
        name=name,
        trading_name=party.text("cac:PartyName/cbc:Name"),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        enterprise_number=legal.text("cbc:CompanyID"),
        enterprise_number_scheme=legal.attr("cbc:CompanyID", "schemeID"),
        legal_form=legal.text("cbc:CompanyLegalForm"),
        identifiers=[
            found
            for found in (
                _identifier(item, "cbc:ID") for item in party.all("cac:PartyIdentification")
            )
            if found is not None
        ],
        endpoint=endpoint,
        address=_address(party.find("cac:PostalAddress")),
        contact=contact,
    )


def _allowance_charge(reader: _Reader, *, with_tax: bool) -> AllowanceCharge:
    category = reader.find("cac:TaxCategory")
    return AllowanceCharge(
        is_charge=reader.text("cbc:ChargeIndicator").lower() == "true",
        amount=reader.amount("cbc:Amount"),
        reason=reader.text("cbc:AllowanceChargeReason"),
        reason_code=reader.text("cbc:AllowanceChargeReasonCode"),
        vat_category=category.text("cbc:ID") if with_tax else "",
        vat_rate=category.decimal("cbc:Percent") if with_tax else None,
        base_amount=reader.decimal("cbc:BaseAmount"),
        percentage=reader.decimal("cbc:MultiplierFactorNumeric"),
    )


def _line(reader: _Reader, credit: bool) -> Line:
    item = reader.find("cac:Item")
    category = item.find("cac:ClassifiedTaxCategory")
    price = reader.find("cac:Price")
    price_discount = price.find("cac:AllowanceCharge")
    quantity_path = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    adjustments = [
        _allowance_charge(found, with_tax=False) for found in reader.all("cac:AllowanceCharge")
    ]
    object_id = None
    for reference in reader.all("cac:DocumentReference"):
        if reference.text("cbc:DocumentTypeCode") == "130":
            object_id = _identifier(reference, "cbc:ID")
    return Line(
        id=reader.text("cbc:ID"),
        name=item.text("cbc:Name"),
        quantity=reader.amount(quantity_path),
        unit_code=reader.attr(quantity_path, "unitCode") or "C62",
        unit_price=price.amount("cbc:PriceAmount"),
        base_quantity=price.decimal("cbc:BaseQuantity"),
        gross_price=price_discount.decimal("cbc:BaseAmount") if price_discount else None,
        price_discount=price_discount.decimal("cbc:Amount") if price_discount else None,
        net_amount=reader.decimal("cbc:LineExtensionAmount"),  # None: computed when built
        vat_category=category.text("cbc:ID"),
        vat_rate=category.decimal("cbc:Percent"),
        description=item.text("cbc:Description"),
        allowances=[a for a in adjustments if not a.is_charge],
        charges=[c for c in adjustments if c.is_charge],
        note=reader.text("cbc:Note"),
        object_id=object_id,
        order_line_reference=reader.text("cac:OrderLineReference/cbc:LineID"),
        accounting_cost=reader.text("cbc:AccountingCost"),
        period_start=reader.date("cac:InvoicePeriod/cbc:StartDate"),
        period_end=reader.date("cac:InvoicePeriod/cbc:EndDate"),
        seller_item_id=item.text("cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=item.text("cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_identifier(item, "cac:StandardItemIdentification/cbc:ID"),
        classifications=[
            Identifier(
                id=found.text("cbc:ItemClassificationCode"),
                scheme=found.attr("cbc:ItemClassificationCode", "listID"),
            )
            for found in item.all("cac:CommodityClassification")
            if found.text("cbc:ItemClassificationCode")
        ],
        origin_country=item.text("cac:OriginCountry/cbc:IdentificationCode"),
        properties=[
            ItemProperty(name=found.text("cbc:Name"), value=found.text("cbc:Value"))
            for found in item.all("cac:AdditionalItemProperty")
        ],
    )


def _attachment(reader: _Reader) -> Attachment:
    binary = reader.find("cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
    content = None
    if binary and binary.element is not None and binary.element.text:
        content = decode_base64(binary.element.text)
        if content is None:
            raise EInvoiceError("bad_attachment", id=reader.text("cbc:ID")[:40])
    return Attachment(
        id=reader.text("cbc:ID"),
        description=reader.text("cbc:DocumentDescription"),
        filename=binary.attr("", "filename") if binary else "",
        mime_code=binary.attr("", "mimeCode") if binary else "",
        content=content,
        uri=reader.text("cac:Attachment/cac:ExternalReference/cbc:URI"),
        type_code=reader.text("cbc:DocumentTypeCode"),
    )


def parse_ubl(root: _Element) -> Document:
    """The model of a UBL Invoice or CreditNote root element."""
    local = etree.QName(root).localname
    if root.tag not in {f"{{{ns}}}{name}" for name, ns in ROOT_NS.items()}:
        raise EInvoiceError("wrong_root", root=local)
    credit = local == "CreditNote"
    doc = _Reader(root)
    number = doc.text("cbc:ID")
    issue_date = doc.date("cbc:IssueDate")
    if not number or issue_date is None:
        raise EInvoiceError("missing_header")
    means = doc.find("cac:PaymentMeans")
    payment = None
    if means:
        payment = Payment(
            means_code=means.text("cbc:PaymentMeansCode") or "1",  # only what the source says
            means_text=means.attr("cbc:PaymentMeansCode", "name"),
            reference=means.text("cbc:PaymentID"),
            iban=means.text("cac:PayeeFinancialAccount/cbc:ID"),
            account_name=means.text("cac:PayeeFinancialAccount/cbc:Name"),
            bic=means.text("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
            mandate_reference=means.text("cac:PaymentMandate/cbc:ID"),
            debited_account=means.text("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
        )
    attachments, invoiced_object, project = [], None, doc.text("cac:ProjectReference/cbc:ID")
    for reference in doc.all("cac:AdditionalDocumentReference"):
        type_code = reference.text("cbc:DocumentTypeCode")
        if type_code == "130" and not reference.find("cac:Attachment"):
            invoiced_object = _identifier(reference, "cbc:ID")
        elif type_code == "50" and credit:
            project = reference.text("cbc:ID")
        else:
            attachments.append(_attachment(reference))
    # UBL 2.0 makes the document currency optional; its amounts still say which it is.
    currency = doc.text("cbc:DocumentCurrencyCode") or doc.attr(
        "cac:LegalMonetaryTotal/cbc:PayableAmount", "currencyID"
    )
    tax_currency = doc.text("cbc:TaxCurrencyCode")
    breakdown, tax_total, tax_total_other = [], Decimal("0"), None
    for total in doc.all("cac:TaxTotal"):
        if total.attr("cbc:TaxAmount", "currencyID") not in ("", currency):
            tax_total_other = total.amount("cbc:TaxAmount")
            continue
        tax_total = total.amount("cbc:TaxAmount")
        for subtotal in total.all("cac:TaxSubtotal"):
            category = subtotal.find("cac:TaxCategory")
            breakdown.append(
                VatBreakdown(
                    category=category.text("cbc:ID"),
                    rate=category.decimal("cbc:Percent")
                    if category.text("cbc:ID") != "O"
                    else None,
                    taxable_amount=subtotal.amount("cbc:TaxableAmount"),
                    tax_amount=subtotal.amount("cbc:TaxAmount"),
                    exemption_reason=category.text("cbc:TaxExemptionReason"),
                    exemption_reason_code=category.text("cbc:TaxExemptionReasonCode"),
                )
            )
    monetary = doc.find("cac:LegalMonetaryTotal")
    # The amounts the source states are kept as stated (``totals.read_totals``); without a
    # LegalMonetaryTotal they are computed when built.
    stated = (
        None
        if not monetary
        else {
            "line_extension": monetary.decimal("cbc:LineExtensionAmount"),
            "allowance_total": monetary.decimal("cbc:AllowanceTotalAmount"),
            "charge_total": monetary.decimal("cbc:ChargeTotalAmount"),
            "tax_exclusive": monetary.decimal("cbc:TaxExclusiveAmount"),
            "tax_total": tax_total,
            "tax_inclusive": monetary.decimal("cbc:TaxInclusiveAmount"),
            "prepaid": monetary.decimal("cbc:PrepaidAmount"),
            "rounding": monetary.decimal("cbc:PayableRoundingAmount"),
            "payable": monetary.decimal("cbc:PayableAmount"),
            "tax_total_in_tax_currency": tax_total_other,
        }
    )
    adjustments = [
        _allowance_charge(found, with_tax=True) for found in doc.all("cac:AllowanceCharge")
    ]
    payee_reader = doc.find("cac:PayeeParty")
    payee = None
    if payee_reader:
        payee = Payee(
            name=payee_reader.text("cac:PartyName/cbc:Name"),
            identifier=_identifier(payee_reader, "cac:PartyIdentification/cbc:ID"),
            legal_id=_identifier(payee_reader, "cac:PartyLegalEntity/cbc:CompanyID"),
        )
    representative_reader = doc.find("cac:TaxRepresentativeParty")
    representative = None
    if representative_reader:
        representative = TaxRepresentative(
            name=representative_reader.text("cac:PartyName/cbc:Name"),
            vat_id=representative_reader.text("cac:PartyTaxScheme/cbc:CompanyID"),
            address=_address(representative_reader.find("cac:PostalAddress")),
        )
    delivery_reader = doc.find("cac:Delivery")
    delivery = None
    if delivery_reader:
        location = delivery_reader.find("cac:DeliveryLocation")
        delivery = Delivery(
            date=delivery_reader.date("cbc:ActualDeliveryDate"),
            party_name=delivery_reader.text("cac:DeliveryParty/cac:PartyName/cbc:Name"),
            location_id=_identifier(location, "cbc:ID") if location else None,
            address=_address(location.find("cac:Address"))
            if location and location.find("cac:Address")
            else None,
        )
    due_date = doc.date("cbc:DueDate")
    if due_date is None and means:
        due_date = means.date("cbc:PaymentDueDate")
    line_path = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    document = Document(
        number=number,
        issue_date=issue_date,
        type_code=doc.text("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode"),
        currency=currency,
        tax_currency=tax_currency,
        due_date=due_date,
        tax_point_date=doc.date("cbc:TaxPointDate"),
        buyer_reference=doc.text("cbc:BuyerReference"),
        order_reference=doc.text("cac:OrderReference/cbc:ID"),
        sales_order_reference=doc.text("cac:OrderReference/cbc:SalesOrderID"),
        contract_reference=doc.text("cac:ContractDocumentReference/cbc:ID"),
        project_reference=project,
        despatch_reference=doc.text("cac:DespatchDocumentReference/cbc:ID"),
        receiving_reference=doc.text("cac:ReceiptDocumentReference/cbc:ID"),
        tender_reference=doc.text("cac:OriginatorDocumentReference/cbc:ID"),
        invoiced_object=invoiced_object,
        accounting_cost=doc.text("cbc:AccountingCost"),
        notes=[found.text() for found in doc.all("cbc:Note") if found.text()],
        payment_terms=doc.text("cac:PaymentTerms/cbc:Note"),
        period_start=doc.date("cac:InvoicePeriod/cbc:StartDate"),
        period_end=doc.date("cac:InvoicePeriod/cbc:EndDate"),
        preceding_invoices=[
            PrecedingInvoice(number=found.text("cbc:ID"), issue_date=found.date("cbc:IssueDate"))
            for found in doc.all("cac:BillingReference/cac:InvoiceDocumentReference")
        ],
        seller=_party(doc.find("cac:AccountingSupplierParty")),
        buyer=_party(doc.find("cac:AccountingCustomerParty")),
        payee=payee,
        tax_representative=representative,
        delivery=delivery,
        payment=payment,
        allowances=[a for a in adjustments if not a.is_charge],
        charges=[c for c in adjustments if c.is_charge],
        lines=[_line(found, credit) for found in doc.all(line_path)],
        vat_breakdown=breakdown,
        totals=None,
        attachments=attachments,
        customization_id=doc.text("cbc:CustomizationID"),
        profile_id=doc.text("cbc:ProfileID"),
    )
    if stated is not None:  # what the source states, what it leaves out derived from it
        document.totals = read_totals(stated, document)
    return document
