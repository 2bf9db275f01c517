"""From bytes to the model: UBL or CII, through the hardened XML parser."""

from lxml import etree

from apps.core.xml import XMLRejected, parse_xml
from apps.einvoice.cii.parse import ROOT as CII_ROOT
from apps.einvoice.cii.parse import parse_cii
from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import Document
from apps.einvoice.ubl.parse import parse_ubl

ZUGFERD1_ROOT = "{urn:ferd:CrossIndustryDocument:invoice:1p0}CrossIndustryDocument"


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
