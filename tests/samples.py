"""The small files tests send: a minimal PDF, a PNG, a UBL invoice, and the few builders for
files of a given shape (a padded original, a ZIP, an encrypted PDF). Larger, realistic
documents live with their area (``tests/einvoice/samples.py``, ``tests/inbox/mails.py``,
``tests/documents/samples.py``)."""

import base64
import io
import zipfile

# the smallest file that reads as a PDF
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# a 1 × 1 picture that decodes
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# a UBL invoice that is nothing but its root element
UBL = (
    b'<?xml version="1.0"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
)
# XML that declares an entity: the hardened parser refuses it for its DTD
XML_BOMB = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice>&a;</Invoice>'


def original_pdf(note: str, padding: int) -> bytes:
    """A PDF with the comment ``note`` and ``padding`` bytes of filler: an invoice's original
    of about the size a test needs."""
    return b"%PDF-1.4\n% " + note.encode() + b"\n" + b"0" * padding + b"\n%%EOF\n"


def zipped(files: dict[str, bytes]) -> bytes:
    """A ZIP archive holding ``files`` (name → content), deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    """A one-page PDF that opens only with a password."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
