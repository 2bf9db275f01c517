"""E-invoices: the EN 16931 model, Peppol BIS 3 UBL build and parse, CII parse, validation.

Public API (import from here):

- ``from_xml(data: bytes) -> Document``: UBL Invoice/CreditNote or CII, hardened parsing;
  raises ``EInvoiceError`` (``code`` + translated ``message``).
- ``from_pdf(data: bytes) -> Document``: the Factur-X / ZUGFeRD XML of a PDF, or a UBL
  document attached to it; same errors.
- ``to_ubl(document: Document) -> bytes``: Peppol BIS 3 UBL; the amounts a read document
  states are written as stated, those of a document without totals are computed.
- ``complete(document) -> Document``: the same: computes what the document leaves out.
- ``inconsistencies(document) -> list[Inconsistency]``: the stated amounts that don't add up
  (changes nothing).
- ``validate(xml: bytes) -> ValidationReport``: XSD, EN 16931 and Peppol rules.
"""

from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import Document
from apps.einvoice.reading import from_pdf, from_xml
from apps.einvoice.totals import Inconsistency, complete, inconsistencies
from apps.einvoice.ubl.build import to_ubl
from apps.einvoice.validation import ValidationReport, validate

__all__ = [
    "Document",
    "EInvoiceError",
    "Inconsistency",
    "ValidationReport",
    "complete",
    "from_pdf",
    "from_xml",
    "inconsistencies",
    "to_ubl",
    "validate",
]
