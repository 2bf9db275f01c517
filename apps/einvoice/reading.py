"""From bytes to the model: UBL or CII, through the hardened XML parser, or from a PDF."""

from facturx import get_xml_from_pdf
from lxml import etree

from apps.core.xml import XMLRejected, parse_xml
from apps.einvoice.cii.parse import ROOT as CII_ROOT
from apps.einvoice.cii.parse import parse_cii
from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import Document
from apps.einvoice.ubl.parse import parse_ubl

ZUGFERD1_ROOT = "{urn:ferd:CrossIndustryDocument:invoice:1p0}CrossIndustryDocument"
MAX_PDF_BYTES = 50 * 1024 * 1024


def parse_root(data: bytes) -> etree._Element:
    try:
        return parse_xml(data)
    except XMLRejected as error:
        raise EInvoiceError(error.code, message=error.message) from None


def from_xml(data: bytes) -> Document:
    """The model of a UBL or CII e-invoice. Raises ``EInvoiceError`` naming the problem."""
    root = parse_root(data)
    if root.tag == ZUGFERD1_ROOT:
        raise EInvoiceError("zugferd1")
    if root.tag == CII_ROOT:
        return parse_cii(root)
    return parse_ubl(root)


def looks_like_pdf(data: bytes) -> bool:
    """PDF files start with ``%PDF-`` (readers accept it within the first kilobyte)."""
    return b"%PDF-" in data[:1024] and not data.lstrip().startswith(b"<")


def from_pdf(data: bytes) -> Document:
    """The model of the e-invoice a PDF carries: the Factur-X / ZUGFeRD CII XML, or a UBL
    Invoice or CreditNote attached to it. Raises ``EInvoiceError`` naming the problem.

    The factur-x package finds the XML among the PDF's attachments; the XML itself then goes
    through the same hardened parser as any other.
    """
    if len(data) > MAX_PDF_BYTES:
        raise EInvoiceError("pdf_too_large", limit=MAX_PDF_BYTES // (1024 * 1024))
    if not looks_like_pdf(data):
        raise EInvoiceError("pdf_unreadable")
    try:
        _filename, xml = get_xml_from_pdf(data, check_xsd=False)
    except Exception:  # pypdf has many ways to say a PDF is broken; all mean the same here
        raise EInvoiceError("pdf_unreadable") from None
    if not xml:
        raise EInvoiceError("pdf_without_xml")
    return from_xml(xml)
