"""E-mails as suppliers, newsletters and broken mailers send them, built with the stdlib."""

import datetime
import email.policy
import io
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def pdf(label: str) -> bytes:
    """A small, distinct PDF (its text names ``label``)."""
    body = f"BT /F1 12 Tf 72 720 Td (Factuur {label}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def padded_pdf(label: str, size: int) -> bytes:
    """A PDF of about ``size`` bytes that deflates some 50 times (scanned statements do)."""
    import random

    rng = random.Random(label)
    return pdf(label) + bytes(rng.choice(b"0123456789") if n % 50 == 0 else 32 for n in range(size))


def png(size: int = 40_000, seed: int = 1) -> bytes:
    """A PNG picture of about ``size`` bytes (a photographed receipt when large, a logo when
    small)."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    side = max(8, int((size / 3) ** 0.5))
    image = Image.new("RGB", (side, side))
    image.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(side * side)]
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def ubl(number: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:ID>{number}</cbc:ID></Invoice>"
    ).encode()


def message(
    subject: str,
    *,
    sender: str = "Drukkerij Peeters <facturen@drukkerij-peeters.example>",
    to: str = "boekhouding@bakkerij.example",
    text: str = "Beste klant,\n\nIn bijlage vindt u onze factuur.\n\nMet vriendelijke groeten",
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    inline_images: list[tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC))
    mail["Message-ID"] = message_id or make_msgid(
        idstring=uuid.uuid4().hex[:8], domain="example.test"
    )
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
        for cid, data in inline_images or []:
            mail.get_payload()[1].add_related(data, "image", "png", cid=f"<{cid}>")
    for filename, content_type, data in attachments or []:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes(policy=email.policy.SMTP)  # CRLF, as on the wire


def invoice_pdf(label: str, **kwargs: object) -> bytes:
    return message(
        f"Factuur {label}",
        attachments=[(f"factuur-{label}.pdf", "application/pdf", pdf(label))],
        **kwargs,  # type: ignore[arg-type]
    )


BROKEN_MIME = (
    b"From: Broken Mailer <noreply@broken.example>\r\n"
    b"To: boekhouding@bakkerij.example\r\n"
    b"Subject: =?x-unknown-charset?q?Factuur_kapot?=\r\n"
    b"Message-ID: <broken-1@broken.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="never-used"\r\n'
    b"\r\n"
    b"This is not a multipart body at all; the boundary never comes.\r\n"
    b"Content-Type: application/pdf\r\n"
    b"\r\n"
    b"garbage\r\n"
)


def nested(
    depth: int, *, subject: str = "Diep genest", sender: str = "Nest <nest@evil.example>"
) -> bytes:
    """An e-mail whose parts nest ``depth`` multipart levels deep (2,000 levels: 143 KB)."""
    body = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for level in range(depth - 1, -1, -1):
        boundary = f"b{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            b"--" + boundary + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
        )
    head = (
        f"From: {sender}\r\nTo: boekhouding@bakkerij.example\r\nSubject: {subject}\r\n"
        "Date: Fri, 20 Nov 2026 09:30:00 +0000\r\n"
        f"Message-ID: <nest-{uuid.uuid4().hex[:8]}@evil.example>\r\nMIME-Version: 1.0\r\n"
    ).encode()
    return head + body


def many_pdfs(count: int, subject: str = "Veel facturen") -> bytes:
    """One e-mail with ``count`` distinct PDF attachments."""
    return message(
        subject,
        attachments=[(f"factuur-{n}.pdf", "application/pdf", pdf(f"M{n}")) for n in range(count)],
    )
