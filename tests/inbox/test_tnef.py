"""winmail.dat (TNEF) from Outlook: its files are taken as the e-mail's attachments; one that
can't be opened, or holds no file, is reported with the e-mail kept, never "nothing to
collect". Through the real paths: the project's SMTP receiver and a real Dovecot mailbox."""

import smtplib
import struct
import time

import pytest

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.inbox import tnef
from apps.inbox.errors import describe
from apps.inbox.forwarding import forwarding_address_create
from apps.inbox.mail import Limits, parse_message
from apps.inbox.models import InboundMessage
from apps.inbox.scanning import mailbox_scan
from apps.inbox.smtpd import make_controller
from tests import factories
from tests.inbox import mails, tnef_build
from tests.servers import free_port

OUTLOOK = "Boekhouding Peeters <boekhouding@peeters.example>"


def _winmail(data: bytes, content_type: str = "application/ms-tnef") -> tuple[str, str, bytes]:
    return ("winmail.dat", content_type, data)


def outlook_mail(subject: str, winmail: bytes, **kwargs: object) -> bytes:
    return mails.message(
        subject,
        sender=OUTLOOK,
        attachments=[_winmail(winmail)],
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_files_of_a_winmail_dat_are_the_attachments_of_the_mail():
    winmail = tnef_build.tnef(
        [
            ("Factuur 2026-0311.pdf", mails.pdf("TNEF-1")),
            ("image001.png", mails.png(2_000)),  # the logo in the signature
            ("leveringsbon.docx", b"PK-not-really-a-docx"),
        ],
        body="In bijlage onze factuur.",
    )
    parsed = parse_message(outlook_mail("Factuur 2026-0311", winmail))
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("Factuur 2026-0311.pdf", mails.pdf("TNEF-1"))
    ]
    assert [(s.filename, s.reason) for s in parsed.skipped] == [
        ("image001.png", "logo"),
        ("leveringsbon.docx", "not_a_document"),
    ]
    assert parsed.problem == ""


def test_a_winmail_dat_sent_as_octet_stream_is_opened_too():
    winmail = tnef_build.tnef([("factuur.pdf", mails.pdf("TNEF-2"))])
    raw = mails.message("Factuur", attachments=[_winmail(winmail, "application/octet-stream")])
    assert [a.filename for a in parse_message(raw).attachments] == ["factuur.pdf"]


def test_the_files_of_a_winmail_dat_count_against_the_attachment_cap():
    winmail = tnef_build.tnef([(f"factuur-{n}.pdf", mails.pdf(f"CAP-{n}")) for n in range(5)])
    raw = mails.message(
        "Facturen",
        attachments=[("los.pdf", "application/pdf", mails.pdf("CAP-los")), _winmail(winmail)],
    )
    parsed = parse_message(raw, limits=Limits(depth=30, parts=1000, attachments=3))
    assert [a.filename for a in parsed.attachments] == ["los.pdf", "factuur-0.pdf", "factuur-1.pdf"]
    assert parsed.attachments_found == 6


@pytest.mark.parametrize(
    "winmail",
    [
        tnef_build.tnef([], body="Alleen tekst, in Outlook's rich text."),  # holds no file
        b"\x78\x9f\x3e\x22garbage",  # cut short
        b"not TNEF at all",
        tnef_build.hostile_property_count(),  # tnefparse alone loops four billion times
        tnef_build.hostile_values(),
    ],
    ids=["body_only", "cut_short", "not_tnef", "property_count", "value_count"],
)
def test_a_winmail_dat_that_holds_nothing_readable_is_reported(winmail):
    started = time.monotonic()
    parsed = parse_message(outlook_mail("Factuur", winmail))
    assert time.monotonic() - started < 2
    assert parsed.attachments == []
    assert [(s.filename, s.reason) for s in parsed.skipped] == [("winmail.dat", "tnef_unsupported")]
    assert parsed.problem == "tnef_unsupported"


def test_too_many_objects_are_refused_before_tnefparse_copies_them():
    # each of tnefparse's objects copies the rest of the stream: 100,000 tiny objects in
    # front of a megabyte would copy 100 GB
    filler = b"".join(
        tnef_build.attribute(tnef_build.MESSAGE, 0x00078004, b"x") for _ in range(100_000)
    )
    data = struct.pack("<IH", tnef_build.SIGNATURE, 0) + filler
    data += tnef_build.attribute(tnef_build.MESSAGE, 0x0006800C, b"\0" * 1_000_000)
    started = time.monotonic()
    with pytest.raises(tnef.TnefUnsupported):
        tnef.tnef_files(data)
    assert time.monotonic() - started < 2


def test_attached_messages_nested_too_deep_are_refused():
    stream = tnef_build.tnef([("factuur.pdf", mails.pdf("deep"))])
    for _level in range(tnef.MAX_DEPTH + 2):
        stream = tnef_build.embedded(stream)
    with pytest.raises(tnef.TnefUnsupported):
        tnef.tnef_files(stream)


def test_the_file_of_an_attached_message_is_taken():
    stream = tnef_build.embedded(tnef_build.tnef([("factuur.pdf", mails.pdf("inner"))]))
    assert [(f.filename, f.data) for f in tnef.tnef_files(stream)] == [
        ("factuur.pdf", mails.pdf("inner"))
    ]


def test_the_reason_is_said_in_words():
    assert "winmail.dat" in describe("tnef_unsupported")


# --- Through the real paths --------------------------------------------------------------------


@pytest.fixture
def smtp_receiver(settings):
    settings.INBOX_MAX_MESSAGE_SIZE = 300_000
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _forward(port: int, company, raw: bytes) -> None:
    with company_scope(company):
        address = forwarding_address_create(company=company).address
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("sofie@bakkerij.example", [address], raw)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_invoice_forwarded_inside_a_winmail_dat_becomes_a_document(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    winmail = tnef_build.tnef([("Factuur 2026-0311.pdf", mails.pdf("FW-TNEF"))])
    _forward(smtp_receiver, company, outlook_mail("Factuur 2026-0311", winmail))
    with company_scope(company):
        document = Document.objects.get()
        message = InboundMessage.objects.get()
        assert document.original_filename == "Factuur 2026-0311.pdf"
        assert document.source == Source.FORWARDING
        assert document.original.read() == mails.pdf("FW-TNEF")
        assert message.status == InboundMessage.Status.IMPORTED
        assert message.problem_code == ""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_forwarded_winmail_dat_without_files_is_reported_and_kept(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    raw = outlook_mail("Factuur 2026-0312", tnef_build.tnef([], body="Zie bijlage"))
    _forward(smtp_receiver, company, raw)
    with company_scope(company):
        message = InboundMessage.objects.get()
        assert Document.objects.count() == 0
        assert message.status == InboundMessage.Status.FAILED  # not "nothing to collect"
        assert message.problem_code == "tnef_unsupported"
        assert message.raw.read() == raw
        assert message.details["skipped"] == [
            {"filename": "winmail.dat", "reason": "tnef_unsupported"}
        ]


@pytest.mark.slow
def test_a_mailbox_scan_opens_winmail_dat_and_reports_what_it_cannot(
    dovecot, imap_user, make_mailbox, collecting
):
    user, password = imap_user
    readable = outlook_mail(
        "Factuur 2026-0400", tnef_build.tnef([("factuur-0400.pdf", mails.pdf("IMAP-TNEF"))])
    )
    unreadable = outlook_mail("Factuur 2026-0401", tnef_build.hostile_property_count())
    dovecot.append(user, password, [readable, unreadable])
    mailbox = make_mailbox(user, password)
    with company_scope(mailbox.company):
        mailbox_scan(mailbox=mailbox)
        documents = list(Document.objects.values_list("original_filename", flat=True))
        messages = {m.subject: m for m in InboundMessage.objects.all()}
    assert documents == ["factuur-0400.pdf"]
    assert messages["Factuur 2026-0400"].status == InboundMessage.Status.IMPORTED
    failed = messages["Factuur 2026-0401"]
    assert failed.status == InboundMessage.Status.FAILED
    assert failed.problem_code == "tnef_unsupported"
    with failed.raw.open("rb") as stored:
        assert stored.read().replace(b"\r\n", b"\n") == unreadable.replace(b"\r\n", b"\n")
