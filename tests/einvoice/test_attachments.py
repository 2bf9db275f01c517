"""Embedded attachments get a MIME code Peppol allows, from their content; pictures of a kind
Peppol does not allow (HEIC, WebP, TIFF) are converted; anything else is refused, never
application/octet-stream."""

import io
import zipfile
from dataclasses import replace

import pillow_heif
import pytest
from PIL import Image

from apps.einvoice import EInvoiceError, complete, from_xml, to_ubl, validate
from apps.einvoice.attachments import mime_code
from apps.einvoice.model import Attachment
from tests.einvoice import samples


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(entries):
            stored = index == 0 and name == "mimetype"
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


XLSX = _zip(
    [
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", b"<Relationships/>"),
        ("xl/workbook.xml", b"<workbook/>"),
    ]
)
ODS = _zip(
    [
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", b"<office:document-content/>"),
    ]
)
CSV = b"datum;omschrijving;bedrag\n2026-03-01;Brood;12,50\n2026-03-02;Koffie;3,20\n"


def _picture(kind: str, pages: int = 1) -> bytes:
    frames = [Image.new("RGB", (40, 30), (200, 10 * i, 50)) for i in range(pages)]
    out = io.BytesIO()
    if kind == "HEIF":
        pillow_heif.from_pillow(frames[0]).save(out, quality=60)
        return out.getvalue()
    frames[0].save(out, kind, save_all=pages > 1, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (samples.PDF, "application/pdf"),
        (_picture("PNG"), "image/png"),
        (_picture("JPEG"), "image/jpeg"),
        (CSV, "text/csv"),
        (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    ],
    ids=["pdf", "png", "jpeg", "csv", "xlsx", "ods"],
)
def test_every_mime_code_peppol_allows_is_told_from_the_content_and_validates(content, code):
    assert mime_code(content) == code
    document = complete(
        replace(samples.domestic_mixed(), attachments=[Attachment(id="bijlage", content=content)])
    )
    (attachment,) = document.attachments
    assert attachment.mime_code == code
    xml = to_ubl(document)
    report = validate(xml)
    assert report.is_valid, report.to_dict()
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    assert from_xml(xml).attachments == document.attachments


@pytest.mark.parametrize(
    ("content", "code", "filename"),
    [
        (_picture("HEIF"), "image/png", "foto.png"),
        (_picture("WEBP"), "image/png", "foto.png"),
        (_picture("TIFF"), "image/png", "foto.png"),
        (_picture("TIFF", pages=3), "application/pdf", "foto.pdf"),
    ],
    ids=["heic", "webp", "tiff", "multi-page tiff"],
)
def test_pictures_peppol_does_not_allow_are_converted_before_embedding(content, code, filename):
    source = Attachment(id="scan", filename="foto.webp", mime_code="image/webp", content=content)
    document = complete(replace(samples.domestic_mixed(), attachments=[source]))
    (attachment,) = document.attachments
    assert (attachment.mime_code, attachment.filename) == (code, filename)
    assert mime_code(attachment.content) == code
    if code == "image/png":
        assert Image.open(io.BytesIO(attachment.content)).size == (40, 30)
    assert complete(document) == document  # converted once
    report = validate(to_ubl(document))
    assert report.is_valid, report.to_dict()


def test_a_damaged_heic_picture_is_refused_clearly():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(EInvoiceError) as error:
        to_ubl(
            replace(samples.domestic_mixed(), attachments=[Attachment(id="iphone", content=heic)])
        )
    assert error.value.code == "attachment_picture"
    assert "iphone" in error.value.message


def test_a_damaged_picture_is_refused_clearly():
    broken = _picture("TIFF")[:40]
    with pytest.raises(EInvoiceError) as error:
        to_ubl(
            replace(samples.domestic_mixed(), attachments=[Attachment(id="scan", content=broken)])
        )
    assert error.value.code == "attachment_picture"


@pytest.mark.parametrize(
    "content", [b"\x00\x01\x02binary", b"just one line of prose", _zip([("a.txt", b"x")])]
)
def test_other_content_is_refused_never_octet_stream(content):
    with pytest.raises(EInvoiceError) as error:
        to_ubl(replace(samples.domestic_mixed(), attachments=[Attachment(id="x", content=content)]))
    assert error.value.code == "attachment_type"


def test_a_stated_code_peppol_does_not_allow_is_replaced_by_the_content_s():
    source = Attachment(
        id="a", filename="a.pdf", mime_code="application/x-pdf", content=samples.PDF
    )
    (attachment,) = complete(replace(samples.domestic_mixed(), attachments=[source])).attachments
    assert (attachment.mime_code, attachment.filename) == ("application/pdf", "a.pdf")
