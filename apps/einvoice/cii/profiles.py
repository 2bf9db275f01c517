"""Which CII profile a document claims (BT-24, the specification identifier), and whether it is an
invoice under EN 16931.

EN 16931 judges every CII document that claims the norm, a CIUS of it (XRechnung, Factur-X BASIC
and EN 16931) or an extension (Factur-X / ZUGFeRD EXTENDED, XRechnung extension), and any other
identifier too: the CEN rules only require that one is there (BR-01). Factur-X / ZUGFeRD MINIMUM
and BASIC WL are not invoices under EN 16931 (no lines, no VAT breakdown required): they are read
for what they hold and reported as such, never as a valid e-invoice.
"""

from django.utils.translation import gettext_lazy as _
from lxml import etree

from apps.einvoice.cii.parse import NS

EN16931 = "en16931"
EXTENDED = "extended"
XRECHNUNG = "xrechnung"
MINIMUM = "minimum"
BASIC_WL = "basicwl"

NOT_EN16931 = "CII-NOT-EN16931"  # the rule id of the verdict on MINIMUM and BASIC WL
NOT_EN16931_MESSAGE = _(
    "This is not an invoice under EN 16931: its profile (Factur-X MINIMUM or BASIC WL) leaves "
    "out the invoice lines and details the norm requires. Its content was read, but it is not "
    "a valid e-invoice: ask the supplier for the EN 16931 (or EXTENDED) version."
)

_GUIDELINE = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
# Identifiers of the profiles below EN 16931 (Factur-X 1.0 and ZUGFeRD 2.x spellings).
_NOT_EN16931 = {
    "urn:factur-x.eu:1p0:minimum": MINIMUM,
    "urn:zugferd.de:2p0:minimum": MINIMUM,
    "urn:factur-x.eu:1p0:basicwl": BASIC_WL,
    "urn:zugferd.de:2p0:basicwl": BASIC_WL,
}


def guideline(root: etree._Element) -> str:
    """The specification identifier (BT-24) the document states, or ''."""
    return (root.findtext(_GUIDELINE, namespaces=NS) or "").strip()


def profile(guideline_id: str) -> str:
    """The profile of a specification identifier: MINIMUM or BASIC WL (not EN 16931 invoices),
    XRechnung, EXTENDED, or EN 16931 for everything else (the norm, its CIUS, unknown ids)."""
    lowered = guideline_id.lower()
    for token, name in _NOT_EN16931.items():
        if lowered.endswith(token):
            return name
    if "xeinkauf.de:kosit:xrechnung" in lowered or "xeinkauf.de:kosit:extension" in lowered:
        return XRECHNUNG
    if lowered.endswith(":extended") or "#conformant#" in lowered:
        return EXTENDED
    return EN16931


def is_en16931_invoice(name: str) -> bool:
    return name not in (MINIMUM, BASIC_WL)
