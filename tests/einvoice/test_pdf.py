"""E-invoices inside PDFs: Factur-X / ZUGFeRD CII, and UBL attached to a PDF."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from facturx import get_xml_from_pdf
from pypdf import PdfWriter

from apps.einvoice import EInvoiceError, from_pdf, from_xml, to_ubl
from tests.conftest import missing
from tests.einvoice import samples
from tests.samples import XML_BOMB

FACTURX = Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx"


def _sample(name: str) -> bytes:
    path = FACTURX / name
    if not path.exists():
        missing(f"Factur-X samples missing at {FACTURX}")
    return path.read_bytes()


def _pdf(attachments: dict[str, bytes]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    for name, content in attachments.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        "zugferd_2p0_EN16931_Einfach.pdf",
        "zugferd_2p0_EN16931_Rabatte.pdf",
        "zugferd_2p0_BASIC_Taxifahrt.pdf",
        "Avoir_FR_type381_BASIC.pdf",
        "Facture_UE_BASICWL.pdf",
    ],
)
def test_factur_x_pdf_gives_the_model_of_its_xml(name):
    pdf = _sample(name)
    _filename, xml = get_xml_from_pdf(pdf, check_xsd=False)
    assert from_pdf(pdf) == from_xml(xml)


def test_zugferd_1_pdf_is_named_clearly():
    with pytest.raises(EInvoiceError) as error:
        from_pdf(_sample("MustangGnuaccountingBeispielRE-20151008_504new.pdf"))
    assert error.value.code == "zugferd1"


def test_ubl_attached_to_a_pdf_is_read():
    xml = to_ubl(samples.domestic_mixed())
    document = from_pdf(_pdf({"notes.txt": b"not an invoice", "2026-0042.xml": xml}))
    assert document == from_xml(xml)


def test_pdf_without_an_e_invoice_says_so():
    with pytest.raises(EInvoiceError) as error:
        from_pdf(_pdf({"notes.txt": b"hello"}))
    assert error.value.code == "pdf_without_xml"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n garbage \x00\x01", b"%PDF-1.4\n%%EOF", b"<Invoice/>", b""],
    ids=["garbage", "empty PDF", "XML", "nothing"],
)
def test_broken_pdf_is_one_clear_error(data):
    with pytest.raises(EInvoiceError) as error:
        from_pdf(data)
    assert error.value.code == "pdf_unreadable"


def test_attached_xml_goes_through_the_hardened_parser():
    with pytest.raises(EInvoiceError) as error:
        from_pdf(_pdf({"invoice.xml": XML_BOMB}))
    assert error.value.code == "doctype"
