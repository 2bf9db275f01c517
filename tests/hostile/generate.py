"""The hostile corpus (issue 11, "Proof"): files an attacker would send, generated, never
committed.

``python -m tests.hostile.generate DIR`` writes every item into DIR (in a few seconds, about
40 MB); ``generate(DIR)`` does the same from a fixture or a benchmark and returns the items.
Each ``Item`` says what it is and what a correct OkiOki does with it (``expect``), so the
harness (``test_hostile.py``) and the measurements (``bench/hostile.py``) judge it alike.
"""

import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

# What a correct result is, for the documents an item gives (upload, e-mail, mailbox):
REJECTED = "rejected"  # refused at arrival or "failed", with a reason; extract: a clear error
REFUSED = "refused"  # never ready: refused at arrival with a reason, or failed/needs review
READABLE = "readable"  # becomes a document that is ready or needs review, never refused
FINAL = "final"  # any final state with a reason when not ready

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "factuur<RLO>fdp.exe" shows as "factuurexe.pdf"


@dataclass(frozen=True)
class Item:
    name: str  # path in the corpus folder: "<group>/<file>"
    about: str
    expect: str = REFUSED
    # problem or refusal codes that must be among the reasons, when they are known for sure
    codes: tuple[str, ...] = ()
    # the name the file is uploaded or attached under (default: its own)
    filename: str = ""
    # seconds and MB of peak memory (whole reading process) a correct OkiOki stays under
    seconds: float = 0
    megabytes: int = 0
    # documents it must give (a ZIP's members: none lost), when it is known
    documents: int = 0

    @property
    def group(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def is_mail(self) -> bool:
        return self.group == "mime"

    @property
    def upload_name(self) -> str:
        return self.filename or self.name.rsplit("/", 1)[-1]


# --- building blocks -----------------------------------------------------------------------------


def pdf_document(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF with these objects (numbered from 1) and an exact cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<</Size %d /Root %d 0 R%s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<</Length %d%s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


INVOICE_TEXT = [
    "Drukkerij Peeters BV - Kerkstraat 1, 2000 Antwerpen",
    "BTW BE0403170701",
    "FACTUUR nr. {label}",
    "Factuurdatum: 20/11/2026",
    "Drukwerk folders 1000 stuks",
]


def text_pdf(
    label: str, *, width: int = 595, height: int = 842, lines: list[str] | None = None
) -> bytes:
    """A one-page PDF with real text (read without OCR), on a page of any size."""
    lines = [line.format(label=label) for line in (lines or INVOICE_TEXT)]
    ops = [f"BT /F1 11 Tf 50 {min(height, 842) - 60} Td 14 TL"]
    ops += ["({}) '".format(line.replace("(", "").replace(")", "")) for line in lines]
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    return pdf_document(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d %d]/Resources<</Font<</F1 5 0 R>>>>"
            b"/Contents 4 0 R>>" % (width, height),
            _stream(content),
            b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        ]
    )


def blank_pdf(width: int, height: int) -> bytes:
    """An empty page of ``width`` x ``height`` points: a few hundred bytes, a scan to OCR."""
    return pdf_document(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d %d]/Contents 4 0 R>>" % (width, height),
            _stream(b"0 0 1 rg 0 0 10 10 re f"),
        ]
    )


def many_pages_pdf(pages: int, fanout: int = 100) -> bytes:
    """``pages`` distinct page objects sharing one content stream (about 70 bytes a page), in
    a balanced page tree of ``fanout`` kids per node, as PDF writers make them."""
    objects: list[bytes] = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"",  # the root, filled in below
        _stream(b"BT /F1 11 Tf 50 700 Td (Bladzijde) Tj ET"),
    ]
    parents: list[int] = []  # the object number of each leaf's parent, filled in below
    level: list[tuple[int, int]] = []  # (object number, pages under it)
    for _ in range(pages):
        objects.append(b"")
        level.append((len(objects), 1))
        parents.append(len(objects))
    leaves = {number: index for index, (number, _count) in enumerate(level)}
    parent_of: dict[int, int] = {}
    while len(level) > fanout:
        above = []
        for start in range(0, len(level), fanout):
            group = level[start : start + fanout]
            objects.append(b"")
            number = len(objects)
            kids = b" ".join(b"%d 0 R" % kid for kid, _count in group)
            count = sum(c for _kid, c in group)
            objects[number - 1] = b"<</Type/Pages/Kids[%s]/Count %d/Parent PARENT>>" % (kids, count)
            for kid, _count in group:
                parent_of[kid] = number
            above.append((number, count))
        level = above
    for kid, _count in level:
        parent_of[kid] = 2
    objects[1] = b"<</Type/Pages/Kids[%s]/Count %d/MediaBox[0 0 595 842]>>" % (
        b" ".join(b"%d 0 R" % kid for kid, _count in level),
        pages,
    )
    for number in leaves:
        objects[number - 1] = b"<</Type/Page/Parent %d 0 R/Contents 3 0 R>>" % parent_of[number]
    for number, parent in parent_of.items():
        if number not in leaves:
            objects[number - 1] = objects[number - 1].replace(b"PARENT", b"%d 0 R" % parent)
    return pdf_document(objects)


def shared_pages_pdf(count: int) -> bytes:
    """A page tree that says ``count`` pages, every leaf the same page object (tiny)."""
    levels = []  # each level: a /Pages node whose ten kids are the level below
    below, below_count = b"3 0 R", 1
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"",  # the root, filled in below
        b"<</Type/Page/MediaBox[0 0 595 842]>>",
    ]
    while below_count * 10 <= count:
        objects.append(
            b"<</Type/Pages/Kids[" + b" ".join([below] * 10) + b"]/Count %d>>" % (below_count * 10)
        )
        below, below_count = b"%d 0 R" % len(objects), below_count * 10
        levels.append(below)
    repeat = count // below_count
    objects[1] = b"<</Type/Pages/Kids[" + b" ".join([below] * repeat) + b"]/Count %d>>" % count
    return pdf_document(objects)


def loop_pdf() -> bytes:
    """A page tree whose node is its own kid, objects that point at each other, and a
    cross-reference chain whose /Prev points back at itself."""
    body = pdf_document(
        [
            b"<</Type/Catalog/Pages 2 0 R/Outlines 4 0 R>>",
            b"<</Type/Pages/Kids[2 0 R 3 0 R]/Count 2>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 5 0 R>>",
            b"<</First 6 0 R/Last 6 0 R/Count 1>>",
            b"5 0 R",
            b"<</Title(loop)/Parent 4 0 R/Next 6 0 R/Prev 6 0 R/First 6 0 R>>",
        ]
    )
    xref = body.rindex(b"startxref\n") + len(b"startxref\n")
    offset = int(body[xref:].split(b"\n", 1)[0])
    return body.replace(b"/Root 1 0 R>>", b"/Root 1 0 R /Prev %d>>" % offset, 1)


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf("SECRET-1"))))
    writer.encrypt(user_password="geheim", owner_password="nog-geheimer", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def huge_image_pdf(side: int = 50_000, data_mb: int = 40) -> bytes:
    """An A4 page showing one picture declared ``side`` x ``side`` RGB (7.5 GB for 50,000),
    whose Flate stream really holds ``data_mb`` MB of zeros."""
    compressor = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(data_mb)) + compressor.flush()
    return pdf_document(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
            b"/Resources<</XObject<</Im1 5 0 R>>>>/Contents 4 0 R>>",
            _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            _stream(
                data,
                b"/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceRGB"
                b"/BitsPerComponent 8/Filter/FlateDecode" % (side, side),
            ),
        ]
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_zeros(width: int, height: int, *, bit_depth: int = 1, color_type: int = 0) -> bytes:
    """A PNG of width x height black pixels, compressed row by row (small on disk)."""
    channels = {0: 1, 2: 3}[color_type]
    row = bytes(1 + (width * channels * bit_depth + 7) // 8)  # filter byte 0 + pixels
    compressor = zlib.compressobj(9)
    rows_per_chunk = max(1, (4 * 1024 * 1024) // len(row))
    block = row * rows_per_chunk
    parts, left = [], height
    while left > 0:
        take = min(rows_per_chunk, left)
        parts.append(compressor.compress(block if take == rows_per_chunk else row * take))
        left -= take
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def _small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_bomb(side: int = 65_000) -> bytes:
    """A small JPEG whose frame header claims ``side`` x ``side`` pixels."""
    data = bytearray(_small_jpeg())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, side, side)
    return bytes(data)


def tiff_pages(pages: int) -> bytes:
    from PIL import Image

    frames = [Image.new("1", (8, 8)) for _ in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def zip_of(members: list[tuple[str, bytes]], *, level: int = 9) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _compressible(size: int, ratio: int, seed: int) -> bytes:
    """``size`` bytes that deflate about ``ratio`` times: one random byte in every ``ratio``
    times a few, the rest a repeated run."""
    import random

    rng = random.Random(seed)
    noise = max(1, 4096 // (ratio * 3))
    block = bytearray(b"%PDF-1.4\n" + b"0" * 4087)
    out = bytearray()
    while len(out) < size:
        for _ in range(noise):
            block[rng.randrange(16, 4096)] = rng.randrange(256)
        out += block
    return bytes(out[:size])


def ratio_zip(ratio: int, members: int, member_mb: int) -> bytes:
    """Distinct PDF-looking members that deflate about ``ratio`` times each (the issue's 55x
    ZIP stored 182 MB from 3.3 MB)."""
    base = _compressible(member_mb * 1024 * 1024, ratio, seed=1)
    return zip_of(
        [
            (f"factuur-{n:03d}.pdf", b"%PDF-1.4\n%" + b"%08d" % n + base[18:])
            for n in range(members)
        ],
        level=6,
    )


def nested_zip(depth: int = 4) -> bytes:
    data = zip_of([("factuur.pdf", text_pdf("NESTED-1"))])
    for level in range(depth):
        data = zip_of([(f"level-{level}.zip", data)])
    return data


def overlapping_zip(entries: int = 150, member_mb: float = 1.3) -> bytes:
    """Fifield's full-overlap bomb: one deflated kernel, ``entries`` central-directory
    entries that all point at it (about 10 KB that unpack to entries x member_mb MB)."""
    kernel = b"%PDF-1.4\n" + bytes(int(member_mb * 1024 * 1024) - 9)
    compressed = zlib.compress(kernel, 9)[2:-4]  # raw deflate
    crc = zlib.crc32(kernel)
    name = b"factuur.pdf"
    local = (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(compressed),
            len(kernel),
            len(name),
            0,
        )
        + name
    )
    central = b"".join(
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(compressed),
            len(kernel),
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
        for _ in range(entries)
    )
    start = len(local) + len(compressed)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(central), start, 0)
    return local + compressed + central + end


# --- XML -----------------------------------------------------------------------------------------

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def valid_ubl() -> bytes:
    from apps.einvoice import to_ubl
    from tests.einvoice import samples

    return to_ubl(samples.domestic_mixed())


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE Invoice [' + "\n".join(entities) + "]>\n"
        f'<Invoice xmlns="{UBL}"><ID xmlns="{CBC}">&lol9;</ID></Invoice>'
    ).encode()


def quadratic_blowup(size: int = 50_000, references: int = 50_000) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY a "{"a" * size}">]>\n'
        f'<Invoice xmlns="{UBL}"><ID xmlns="{CBC}">' + "&a;" * references + "</ID></Invoice>"
    ).encode()


def xxe(system: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY x SYSTEM "{system}">]>\n'
        f'<Invoice xmlns="{UBL}"><ID xmlns="{CBC}">&x;</ID></Invoice>'
    ).encode()


def external_dtd(system: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "{system}">\n'
        f'<Invoice xmlns="{UBL}"><ID xmlns="{CBC}">X-1</ID></Invoice>'
    ).encode()


def strict_utf7(text: str) -> bytes:
    """UTF-7 that writes every character outside RFC 2152's set D in base64, as an attacker
    does: ``<!`` becomes ``+ADwAIQ-`` (Python's codec would leave ``<`` as it is)."""
    import base64
    import re

    direct = re.compile(r"([A-Za-z0-9'(),\-./:? \t\r\n]+)")
    out = []
    for index, run in enumerate(direct.split(text)):
        if not run:
            continue
        if index % 2:
            out.append(run.encode("ascii"))
        else:
            encoded = base64.b64encode(run.encode("utf-16-be")).rstrip(b"=")
            out.append(b"+" + encoded + b"-")
    return b"".join(out)


def utf7_bomb() -> bytes:
    """The issue's UTF-7 file: the declaration in ASCII, the rest (a DTD with entities,
    then the invoice) in UTF-7, where ``<!DOCTYPE`` is written ``+ADwAIQ-DOCTYPE``."""
    rest = billion_laughs().split(b"\n", 1)[1].decode()
    return b'<?xml version="1.0" encoding="UTF-7"?>\n' + strict_utf7(rest)


def utf7_invoice() -> bytes:
    xml = valid_ubl().decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    return b'<?xml version="1.0" encoding="UTF-7"?>' + strict_utf7(body)


def reencoded(xml: bytes, encoding: str, label: str, *, bom: bool = False) -> bytes:
    text = xml.decode()
    body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
    declared = f'<?xml version="1.0" encoding="{label}"?>' + body
    data = declared.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be") and bom:
        data = "\ufeff".encode(encoding) + data
    return data


def deep_xml(depth: int = 100_000) -> bytes:
    return f'<Invoice xmlns="{UBL}">'.encode() + b"<a>" * depth + b"</a>" * depth + b"</Invoice>"


def wide_xml(elements: int = 1_000_000) -> bytes:
    """A UBL invoice with a million empty notes: 12 MB, under the size limit."""
    return (
        f'<Invoice xmlns="{UBL}" xmlns:cbc="{CBC}"><cbc:ID>W-1</cbc:ID>'.encode()
        + (b"<cbc:Note/>" * elements)
        + b"</Invoice>"
    )


def many_lines_ubl(lines: int = 20_000) -> bytes:
    """A well-formed UBL invoice of ``lines`` lines (well under the element limit)."""
    xml = valid_ubl().decode()
    start = xml.index("<cac:InvoiceLine>")
    end = xml.index("</cac:InvoiceLine>") + len("</cac:InvoiceLine>")
    line = xml[start:end]
    return (xml[:start] + line * lines + xml[end:]).encode()


# --- e-mail --------------------------------------------------------------------------------------


def mail(
    subject: str,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    *,
    sender: str = "Drukkerij Peeters <facturen@drukkerij-peeters.example>",
    message_id: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "boekhouding@bakkerij.example"
    message["Subject"] = subject
    message["Date"] = "Fri, 20 Nov 2026 09:30:00 +0000"
    message["Message-ID"] = message_id or f"<{abs(hash((subject, len(attachments))))}@hostile.test>"
    message.set_content("Beste klant,\n\nIn bijlage vindt u onze factuur.\n")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def attach(item: Item, data: bytes) -> bytes:
    """A file item as the one attachment of an e-mail (its identity: the item's name)."""
    content_type = {
        "pdf": "application/pdf",
        "xml": "application/xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "zip": "application/zip",
        "tif": "image/tiff",
    }.get(item.name.rsplit(".", 1)[-1], "application/octet-stream")
    return mail(
        f"Factuur {item.name}",
        [(item.upload_name, content_type, data)],
        message_id=f"<{item.name.replace('/', '.')}@hostile.test>",
    )


def good_invoice(label: str) -> bytes:
    """The invoice that comes after a hostile message: it must be collected all the same."""
    return mail(
        f"Factuur {label}",
        [(f"factuur-{label}.pdf", "application/pdf", text_pdf(label))],
        message_id=f"<good-{label}@hostile.test>",
    )


def nested_mime(levels: int = 2000) -> bytes:
    """2,000 multipart levels (about 118 KB), an invoice at the bottom."""
    head = (
        "From: Diep Genest <diep@nested.example>\r\nTo: boekhouding@bakkerij.example\r\n"
        "Subject: Factuur genest\r\nMessage-ID: <nested-2000@hostile.test>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    lines = []
    for level in range(levels):
        lines.append(f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n')
    lines.append("Content-Type: text/plain\r\n\r\nFactuur 12,10 EUR\r\n")
    for level in reversed(range(levels)):
        lines.append(f"--b{level}--\r\n")
    return (head + "".join(lines)).encode()


def many_pdf_parts(parts: int = 5000) -> bytes:
    """5,000 distinct small text PDFs in one e-mail (no OCR needed: each has its text)."""
    boundary = "many-parts"
    pdf_template = text_pdf("MANY-#####")
    chunks = [
        "From: Veel Bijlagen <veel@flood.example>\r\nTo: boekhouding@bakkerij.example\r\n"
        "Subject: 5000 facturen\r\nMessage-ID: <many-pdf-parts@hostile.test>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    ]
    import base64

    for n in range(parts):
        data = pdf_template.replace(b"#####", b"%05d" % n)
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/pdf\r\n"
            f'Content-Disposition: attachment; filename="factuur-{n:05d}.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data).decode().replace("\n", "\r\n")
        )
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode()


def flat_parts(parts: int = 100_000) -> bytes:
    boundary = "flat"
    head = (
        "From: Plat <plat@flood.example>\r\nTo: boekhouding@bakkerij.example\r\n"
        "Subject: 100000 delen\r\nMessage-ID: <flat-100000@hostile.test>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    )
    part = f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return (head + part * parts + f"--{boundary}--\r\n").encode()


def broken_boundaries() -> bytes:
    pdf = text_pdf("BROKEN-1")
    import base64

    encoded = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
    return (
        "From: Kapot <kapot@broken.example>\r\nTo: boekhouding@bakkerij.example\r\n"
        "Subject: Factuur kapot\r\nMessage-ID: <broken-boundaries@hostile.test>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        "--outer\r\n"
        'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        "--inner\r\nContent-Type: text/plain\r\n\r\nzie bijlage\r\n"
        "--outer\r\n"  # the inner part is never closed
        'Content-Type: application/pdf; name="factuur-BROKEN-1.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + "--inne\r\n--outer-\r\n"  # a boundary cut short, and no closing one
        + "Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"
    ).encode()


def odd_charsets() -> bytes:
    pdf = text_pdf("CHARSET-1")
    import base64

    encoded = base64.encodebytes(pdf).decode().replace("\n", "\r\n")
    head = (
        b"From: =?x-unknown?q?Drukkerij_Peeters?= <facturen@drukkerij-peeters.example>\r\n"
        b"To: =?utf-7?q?+AGQ-boekhouding?= <boekhouding@bakkerij.example>\r\n"
        b"Subject: =?iso-2022-jp?b?GyRCJVUlIiUvJTglYxsoQg==?= =?utf-32?b?AAAARgAAAGE=?="
        b" \xff\xfe raw \xe9t\xe9\r\n"
        b"Message-ID: <odd-charsets@hostile.test>\r\n"
        b"Date: Fri, 20 Nov 2026 09:30:00 +9999\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="odd"\r\n\r\n'
        b"--odd\r\nContent-Type: text/plain; charset=x-mac-klingon\r\n\r\nqapla'\r\n"
        b"--odd\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=x-bogus''factuur%FF%FE-CHARSET-1.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head + encoded.encode() + b"--odd--\r\n"


def rtl_mail() -> bytes:
    return mail(
        f"Factuur {RLO}fdp.exe 2026-11",
        [(f"factuur-{RLO}fdp.exe.pdf", "application/pdf", text_pdf("RTL-1"))],
        sender=f"=?utf-8?b?{_b64(f'Boekhouding {RLO}knaB')}?= <rtl@bidi.example>",
        message_id="<rtl-override@hostile.test>",
    )


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


# --- the corpus ----------------------------------------------------------------------------------

MB = 1024 * 1024
ITEMS: list[tuple[Item, Callable[[], bytes]]] = [
    # XML
    (
        Item(
            "xml/billion-laughs.xml",
            expect=REJECTED,
            about="10^9 nested entities",
            codes=("doctype",),
        ),
        billion_laughs,
    ),
    (
        Item(
            "xml/quadratic-blowup.xml",
            expect=REJECTED,
            about="a 50 KB entity used 50,000 times",
            codes=("doctype",),
        ),
        quadratic_blowup,
    ),
    (
        Item(
            "xml/xxe-file.xml",
            expect=REJECTED,
            about="external entity file:///etc/passwd",
            codes=("doctype",),
        ),
        lambda: xxe("file:///etc/passwd"),
    ),
    (
        Item(
            "xml/xxe-http.xml",
            expect=REJECTED,
            about="external entity over HTTP (closed loopback port)",
            codes=("doctype",),
        ),
        lambda: xxe("http://127.0.0.1:9/x"),
    ),
    (
        Item(
            "xml/external-dtd.xml",
            expect=REJECTED,
            about="an external DTD over HTTP",
            codes=("doctype",),
        ),
        lambda: external_dtd("http://127.0.0.1:9/x.dtd"),
    ),
    (
        Item("xml/utf7-doctype.xml", "UTF-7 hiding +ADwAIQ-DOCTYPE and entities", expect=REJECTED),
        utf7_bomb,
    ),
    (
        Item(
            "xml/utf7-invoice.xml", "a valid invoice declared and written in UTF-7", expect=REJECTED
        ),
        utf7_invoice,
    ),
    (
        Item("xml/utf32-invoice.xml", "a valid invoice in UTF-32 with a BOM", expect=REJECTED),
        lambda: reencoded(valid_ubl(), "utf-32", "UTF-32"),
    ),
    (
        Item("xml/ebcdic-invoice.xml", "a valid invoice in EBCDIC (cp500)", expect=REJECTED),
        lambda: reencoded(valid_ubl(), "cp500", "IBM500"),
    ),
    (
        Item("xml/mislabelled-latin1.xml", "declares UTF-8, written in Latin-1", expect=REJECTED),
        lambda: reencoded(valid_ubl(), "utf-8", "UTF-8").replace(b"Lumi\xc3\xa8re", b"Lumi\xe8re"),
    ),
    (
        Item(
            "xml/mislabelled-utf16.xml",
            "declares UTF-16, written in UTF-8 without BOM",
            expect=FINAL,
        ),
        lambda: reencoded(valid_ubl(), "utf-8", "UTF-16"),
    ),
    (
        Item(
            "xml/utf16-invoice.xml",
            "a valid invoice in UTF-16 with a BOM (the XML spec allows it)",
            expect=READABLE,
        ),
        lambda: reencoded(valid_ubl(), "utf-16", "UTF-16"),
    ),
    (
        Item(
            "xml/utf16be-nobom-invoice.xml",
            "a valid invoice in UTF-16BE without a BOM",
            expect=FINAL,
        ),
        lambda: reencoded(valid_ubl(), "utf-16-be", "UTF-16"),
    ),
    (
        Item(
            "xml/deep-100000.xml",
            expect=REJECTED,
            about="100,000 nested elements",
            codes=("too_deep",),
        ),
        deep_xml,
    ),
    (
        Item(
            "xml/wide-1000000.xml",
            expect=REJECTED,
            about="a million empty elements (12 MB)",
            codes=("too_many_elements",),
        ),
        wide_xml,
    ),
    (
        Item(
            "xml/lines-20000.xml",
            "a well-formed UBL invoice of 20,000 lines (9 MB)",
            expect=FINAL,
        ),
        many_lines_ubl,
    ),
    # PDF
    (
        Item(
            "pdf/page-7200pt.pdf",
            "one empty 7200 x 7200 pt page (2.5 m square)",
            seconds=60,
            megabytes=1200,
        ),
        lambda: blank_pdf(7200, 7200),
    ),
    (
        Item(
            "pdf/page-14400pt.pdf",
            "one empty 14400 x 14400 pt page (the largest PDF allows)",
            seconds=60,
            megabytes=1200,
        ),
        lambda: blank_pdf(14400, 14400),
    ),
    (
        Item(
            "pdf/pages-200000.pdf",
            "200,000 real page objects in a balanced page tree (20 MB)",
            codes=("too_many_pages",),
            seconds=20,
            megabytes=700,
        ),
        lambda: many_pages_pdf(200_000),
    ),
    (
        Item(
            "pdf/pages-200000-shared.pdf",
            "/Count 200000 over one shared page object (1 KB)",
            expect=FINAL,
        ),
        lambda: shared_pages_pdf(200_000),
    ),
    (
        Item("pdf/truncated.pdf", "a text PDF cut in the middle", expect=FINAL),
        lambda: text_pdf("TRUNC-1")[:400],
    ),
    (
        Item("pdf/garbage.pdf", "%PDF- then 64 KB of random bytes"),
        lambda: b"%PDF-1.7\n" + __import__("random").Random(7).randbytes(64 * 1024),
    ),
    (
        Item(
            "pdf/xref-loop.pdf",
            "self-referencing page tree, outlines and /Prev chain",
            expect=FINAL,
        ),
        loop_pdf,
    ),
    (
        Item("pdf/encrypted.pdf", "AES-encrypted with a user password", codes=("encrypted",)),
        encrypted_pdf,
    ),
    (
        Item(
            "pdf/huge-image.pdf",
            "a 50,000 x 50,000 RGB image on an A4 page",
            seconds=60,
            megabytes=1200,
        ),
        huge_image_pdf,
    ),
    # pictures
    (
        Item(
            "image/png-50000x50000.png", "50,000 x 50,000 pixels of zeros (2.5 gigapixels, 300 KB)"
        ),
        lambda: png_of_zeros(50_000, 50_000),
    ),
    (
        Item(
            "image/png-12000x12000.png",
            "144 megapixels: under Pillow's error, over its warning",
            expect=FINAL,
            seconds=60,
            megabytes=1200,
        ),
        lambda: png_of_zeros(12_000, 12_000),
    ),
    (Item("image/jpeg-65000x65000.jpg", "a small JPEG claiming 65,000 x 65,000 pixels"), jpeg_bomb),
    (
        Item("image/truncated.png", "a PNG cut in half"),
        lambda: png_of_zeros(2000, 2000, bit_depth=8, color_type=2)[:300],
    ),
    (
        Item("image/truncated.jpg", "a JPEG cut in half"),
        lambda: _small_jpeg()[: len(_small_jpeg()) // 2],
    ),
    (
        Item(
            "image/tiff-300-pages.tif",
            "a TIFF of 300 pages (not a supported type)",
            expect=REJECTED,
        ),
        lambda: tiff_pages(300),
    ),
    # ZIP
    (
        Item(
            "zip/ratio-55.zip",
            "8 PDF-looking members of 23 MB deflating 53x: 3.5 MB that unpack to 184 MB",
            seconds=60,
            megabytes=1200,
        ),
        lambda: ratio_zip(80, 8, 23),
    ),
    (
        Item("zip/ratio-1000.zip", "one 20 MB member that deflates 1000x", expect=REJECTED),
        lambda: zip_of([("factuur.pdf", b"%PDF-1.4\n" + bytes(20 * MB))]),
    ),
    (Item("zip/nested.zip", "a PDF in a ZIP in a ZIP, 5 levels", expect=REJECTED), nested_zip),
    (
        Item("zip/members-5000.zip", "5,000 small members", expect=REJECTED),
        lambda: zip_of([(f"f{n}.pdf", text_pdf(f"Z-{n}")) for n in range(5000)], level=1),
    ),
    (
        Item(
            "zip/path-traversal.zip",
            "members named ../../, /abs and ..\\ paths",
            expect=READABLE,
            documents=3,
        ),
        lambda: zip_of(
            [
                ("../../../../tmp/evil-1.pdf", text_pdf("TRAV-1")),
                ("/etc/evil-2.pdf", text_pdf("TRAV-2")),
                ("..\\..\\evil-3.pdf", text_pdf("TRAV-3")),
            ]
        ),
    ),
    (
        Item(
            "zip/overlapping.zip",
            "150 entries over one 1.3 MB kernel (19 KB -> 195 MB)",
            seconds=60,
            megabytes=1200,
        ),
        overlapping_zip,
    ),
    # a name that reads backwards
    (
        Item(
            "name/rtl-override.pdf",
            "an invoice named factuur-<RLO>fdp.exe.pdf",
            expect=READABLE,
            filename=f"factuur-{RLO}fdp.exe.pdf",
        ),
        lambda: text_pdf("RTL-2"),
    ),
    # MIME
    (
        Item("mime/nested-2000.eml", "2,000 nested multipart levels (118 KB)", expect=FINAL),
        nested_mime,
    ),
    (
        Item("mime/pdf-parts-5000.eml", "5,000 distinct PDF attachments (3 MB)", expect=READABLE),
        many_pdf_parts,
    ),
    (
        Item(
            "mime/flat-100000.eml", "100,000 one-line text parts (4 MB)", expect=FINAL, seconds=30
        ),
        flat_parts,
    ),
    (
        Item(
            "mime/broken-boundaries.eml",
            "unclosed and cut-short boundaries around a PDF",
            expect=FINAL,
        ),
        broken_boundaries,
    ),
    (
        Item(
            "mime/odd-charsets.eml",
            "unknown, UTF-7, UTF-32 and raw 8-bit header charsets, a PDF",
            expect=READABLE,
        ),
        odd_charsets,
    ),
    (
        Item(
            "mime/rtl-override.eml", "RLO in sender, subject and attachment name", expect=READABLE
        ),
        rtl_mail,
    ),
]


def generate(folder: Path, *, only: set[str] | None = None) -> list[Item]:
    """Write the corpus into ``folder`` (existing files are kept); the items written."""
    items = []
    for item, make in ITEMS:
        if only is not None and item.name not in only:
            continue
        path = folder / item.name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make())
        items.append(item)
    return items


def items() -> list[Item]:
    return [item for item, _make in ITEMS]


if __name__ == "__main__":
    import os
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/hostile")
    started = time.perf_counter()
    for item in generate(target):
        print(f"{(target / item.name).stat().st_size:>12,}  {item.name}")
    print(f"written in {time.perf_counter() - started:.1f} s to {target}")
