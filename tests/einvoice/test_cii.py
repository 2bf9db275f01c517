"""CII (Factur-X / ZUGFeRD 2.x), also when extracted from the PDF with the factur-x package."""

import base64
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from facturx import get_xml_from_pdf
from lxml import etree

from apps.einvoice import EInvoiceError, from_xml, to_ubl, validate
from apps.einvoice.cii.parse import RAM
from apps.einvoice.model import Attachment, Identifier, Payment
from tests.conftest import missing

FACTURX = Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx"


def _xml(name: str) -> bytes:
    path = FACTURX / name
    if not path.exists():
        missing(f"Factur-X samples missing at {FACTURX}")
    _filename, xml = get_xml_from_pdf(path.read_bytes(), check_xsd=False)
    return xml


@pytest.mark.parametrize(
    ("name", "number", "type_code", "payable", "seller"),
    [
        ("zugferd_2p0_EN16931_Einfach.pdf", "471102", "380", "529.87", "Lieferant GmbH"),
        ("zugferd_2p0_EN16931_Rabatte.pdf", "471102", "380", "165.07", "Lieferant GmbH"),
        ("zugferd_2p0_BASIC_Taxifahrt.pdf", "TX-471102", "380", "18.08", "Taxiunternehmen TX GmbH"),
        ("Avoir_FR_type381_BASIC.pdf", "AV-2017-0005", "381", "233.47", "Au bon moulin"),
        ("Facture_UE_BASICWL.pdf", "FA-2017-0008", "380", "1453.76", "Au bon moulin"),
    ],
)
def test_factur_x_invoice_is_read(name, number, type_code, payable, seller):
    xml = _xml(name)
    document = from_xml(xml)
    assert document.number == number
    assert document.type_code == type_code
    assert document.totals.payable == Decimal(payable)
    assert document.seller.name == seller
    line_items = etree.fromstring(xml).findall(f".//{{{RAM}}}IncludedSupplyChainTradeLineItem")
    assert [line.id for line in document.lines] == [
        item.findtext(f"{{{RAM}}}AssociatedDocumentLineDocument/{{{RAM}}}LineID")
        for item in line_items
    ]
    if document.lines:  # BASIC WL carries no lines
        line_sum = sum((line.net_amount for line in document.lines), Decimal("0"))
        assert line_sum == document.totals.line_extension


@pytest.mark.parametrize(
    "name",
    [
        "zugferd_2p0_EN16931_Einfach.pdf",
        "zugferd_2p0_EN16931_Rabatte.pdf",
        "zugferd_2p0_BASIC_Taxifahrt.pdf",
    ],
)
def test_valid_cii_passes_its_profiles_rules(name):
    report = validate(_xml(name))
    assert report.is_valid, report.to_dict()
    assert report.syntax == "cii"
    assert report.layers_run == ["xsd", "en16931"]


def test_cii_becomes_valid_ubl():
    document = from_xml(_xml("zugferd_2p0_EN16931_Einfach.pdf"))
    report = validate(to_ubl(document), peppol=False)
    assert report.is_valid, report.to_dict()
    assert from_xml(to_ubl(document)).totals == document.totals


def test_zugferd_1_is_named_clearly():
    with pytest.raises(EInvoiceError) as error:
        from_xml(_xml("MustangGnuaccountingBeispielRE-20151008_504new.pdf"))
    assert error.value.code == "zugferd1"


def _with_references(xml: bytes, references: str) -> bytes:
    anchor = b"</ram:BuyerTradeParty>"
    assert anchor in xml
    return xml.replace(anchor, anchor + references.encode(), 1)


def test_cii_embedded_attachments_are_read():
    content = b"%PDF-1.4\n% timesheet\n%%EOF\n"
    xml = _with_references(
        _xml("zugferd_2p0_EN16931_Einfach.pdf"),
        f"""
      <ram:AdditionalReferencedDocument>
        <ram:IssuerAssignedID>TS-2018-03</ram:IssuerAssignedID>
        <ram:TypeCode>916</ram:TypeCode>
        <ram:Name>Timesheet March</ram:Name>
        <ram:AttachmentBinaryObject mimeCode="application/pdf" filename="timesheet.pdf">{
            base64.encodebytes(content).decode()
        }</ram:AttachmentBinaryObject>
      </ram:AdditionalReferencedDocument>
      <ram:AdditionalReferencedDocument>
        <ram:IssuerAssignedID>SPEC-7</ram:IssuerAssignedID>
        <ram:URIID>https://example.com/spec-7.pdf</ram:URIID>
        <ram:TypeCode>916</ram:TypeCode>
      </ram:AdditionalReferencedDocument>
      <ram:AdditionalReferencedDocument>
        <ram:IssuerAssignedID>METER-42</ram:IssuerAssignedID>
        <ram:TypeCode>130</ram:TypeCode>
        <ram:ReferenceTypeCode>AAA</ram:ReferenceTypeCode>
      </ram:AdditionalReferencedDocument>""",
    )
    assert validate(xml).is_valid, validate(xml).to_dict()
    document = from_xml(xml)
    assert document.attachments == [
        Attachment(
            id="TS-2018-03",
            description="Timesheet March",
            filename="timesheet.pdf",
            mime_code="application/pdf",
            content=content,
        ),
        Attachment(id="SPEC-7", uri="https://example.com/spec-7.pdf"),
    ]
    assert document.invoiced_object == Identifier(id="METER-42", scheme="AAA")
    rebuilt = from_xml(to_ubl(document))  # and the PDF travels on in UBL
    assert rebuilt.attachments[0].content == content


def test_cii_attachment_that_is_not_base64_is_named():
    xml = _with_references(
        _xml("zugferd_2p0_EN16931_Einfach.pdf"),
        """<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>X-1</ram:IssuerAssignedID>
        <ram:TypeCode>916</ram:TypeCode><ram:AttachmentBinaryObject mimeCode="application/pdf"
        filename="x.pdf">not*base64!</ram:AttachmentBinaryObject>
        </ram:AdditionalReferencedDocument>""",
    )
    with pytest.raises(EInvoiceError) as error:
        from_xml(xml)
    assert error.value.code == "bad_attachment"
    assert "X-1" in error.value.message


@pytest.mark.parametrize(
    ("element", "number"),
    [
        (b'<ram:BilledQuantity unitCode="C62">', b"NaN"),
        (b'<ram:BilledQuantity unitCode="C62">', b"1e999999"),
        (b'<ram:TaxTotalAmount currencyID="EUR">', b"Infinity"),
        (b'<ram:TaxTotalAmount currencyID="EUR">', b"1e5000"),
        (b"<ram:LineTotalAmount>", b"sNaN"),
    ],
)
def test_cii_number_that_is_not_a_plain_finite_number_is_a_bad_number(element, number):
    xml = _xml("zugferd_2p0_EN16931_Einfach.pdf")
    assert element in xml, element
    start = xml.index(element) + len(element)
    end = xml.index(b"<", start)
    with pytest.raises(EInvoiceError) as error:
        from_xml(xml[:start] + number + xml[end:])
    assert error.value.code == "bad_number"


def test_bare_payment_reference_gives_means_not_specified_with_the_reference():
    xml = _xml("zugferd_2p0_EN16931_Einfach.pdf")
    anchor = b"<ram:InvoiceCurrencyCode>"
    xml = xml.replace(
        anchor, b"<ram:PaymentReference>+++090/9337/55493+++</ram:PaymentReference>" + anchor, 1
    )
    document = from_xml(xml)
    assert document.payment == Payment(means_code="1", reference="+++090/9337/55493+++")
    ubl = to_ubl(document)
    report = validate(ubl, peppol=False)
    assert report.is_valid, report.to_dict()
    assert "BR-61" not in str(report.to_dict())
    assert from_xml(ubl).payment == document.payment


def test_payment_means_code_the_source_states_is_kept():
    xml = _xml("zugferd_2p0_EN16931_Einfach.pdf")
    xml = xml.replace(
        b"</ram:InvoiceCurrencyCode>",
        b"</ram:InvoiceCurrencyCode><ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>"
        b"<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>BE56363123456788</ram:IBANID>"
        b"</ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>",
        1,
    )
    assert validate(xml).is_valid, validate(xml).to_dict()
    payment = from_xml(xml).payment
    assert (payment.means_code, payment.iban) == ("58", "BE56363123456788")


def test_self_billed_cii_invoice_becomes_self_billing_ubl():
    xml = _xml("zugferd_2p0_EN16931_Einfach.pdf")
    header = b"<ram:TypeCode>380</ram:TypeCode>"
    assert header in xml
    document = from_xml(xml.replace(header, b"<ram:TypeCode>389</ram:TypeCode>", 1))
    assert document.type_code == "389"
    ubl = to_ubl(document)
    assert b"poacc:selfbilling:3.0</cbc:CustomizationID>" in ubl
    assert b"<cbc:InvoiceTypeCode>389</cbc:InvoiceTypeCode>" in ubl
    assert validate(ubl, peppol=False).is_valid
