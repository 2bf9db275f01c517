"""CII (Factur-X / ZUGFeRD 2.x), also when extracted from the PDF with the factur-x package."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from facturx import get_xml_from_pdf
from lxml import etree

from apps.einvoice import EInvoiceError, from_xml, to_ubl, validate
from apps.einvoice.cii.parse import RAM
from tests.conftest import IN_CI

FACTURX = Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx"


def _xml(name: str) -> bytes:
    path = FACTURX / name
    if not path.exists():
        message = f"Factur-X samples missing at {FACTURX}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
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
    "name", ["zugferd_2p0_EN16931_Einfach.pdf", "zugferd_2p0_BASIC_Taxifahrt.pdf"]
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
