"""Reading e-mails: which parts are documents, odd encodings, and never a crash."""

import email
import email.policy
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.inbox.mail import parse_message
from tests.inbox import mails


def test_attachments_are_found_and_pictures_in_the_message_left_aside():
    raw = mails.message(
        "Factuur",
        html='<p>Zie bijlage</p><img src="cid:sig">',
        inline_images=[("sig", mails.png(60_000, seed=3))],
        attachments=[
            ("factuur.pdf", "application/pdf", mails.pdf("A")),
            ("image001.png", "image/png", mails.png(1_500, seed=4)),
            ("smime.p7s", "application/pkcs7-signature", b"0\x82sig"),
            ("afspraak.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
            ("notities.txt", "text/plain", b"just notes"),
        ],
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["factuur.pdf"]
    reasons = {s.filename: s.reason for s in parsed.skipped}
    assert reasons["image001.png"] == "logo"
    assert reasons["smime.p7s"] == "signature"
    assert reasons["afspraak.ics"] == "calendar"
    assert "inline" in reasons.values()
    assert parsed.problem == ""


def test_odd_encodings_are_read():
    mail = EmailMessage()
    mail["From"] = "=?iso-8859-1?q?Fran=E7ois_D=E9lice?= <f@delice.example>"
    mail["Subject"] = "=?utf-8?b?RmFjdHVyZSBuwrAgMjAyNi0wMDEg4oCTIMOpdMOp?="
    mail["Message-ID"] = "<enc-1@delice.example>"
    mail.set_content("Bonjour,\nVeuillez trouver notre facture.\n", charset="iso-8859-1")
    mail.add_attachment(
        mails.pdf("é"), maintype="application", subtype="pdf", filename="Facture été 2026.pdf"
    )
    parsed = parse_message(mail.as_bytes())
    assert parsed.sender.startswith("François Délice")
    assert parsed.subject == "Facture n° 2026-001 – été"
    assert parsed.attachments[0].filename == "Facture été 2026.pdf"
    assert parsed.message_id == "<enc-1@delice.example>"


def test_an_unknown_charset_and_a_bad_date_do_not_break_it():
    raw = (
        b"From: x@y.example\r\nSubject: test\r\nDate: not a date\r\n"
        b"Content-Type: text/plain; charset=x-martian\r\n\r\nFactuur \xe9 \xff\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.date is None
    assert "Factuur" in parsed.text


def test_a_forwarded_mail_attached_as_a_message_counts():
    inner = mails.invoice_pdf("INNER-1")
    for attached in (
        email.message_from_bytes(inner, policy=email.policy.default),  # as RFC 2046 wants
        inner,  # base64-encoded, as some mailers send it
    ):
        outer = EmailMessage()
        outer["From"] = "sofie@bakkerij.example"
        outer["Subject"] = "Fwd: Factuur INNER-1"
        outer.set_content("Zie doorgestuurd bericht")
        if isinstance(attached, bytes):
            outer.add_attachment(attached, maintype="message", subtype="rfc822")
        else:
            outer.add_attachment(attached)
        parsed = parse_message(outer.as_bytes())
        assert [a.filename for a in parsed.attachments] == ["factuur-INNER-1.pdf"]


def test_a_body_with_invoice_wording_and_an_amount_is_an_invoice():
    assert parse_message(
        mails.message("Uw bestelling", text="Factuur 2026/118\nTotaal: 45,00 EUR")
    ).body_is_invoice
    assert parse_message(
        mails.message("Your receipt", text="Receipt #1-223\nAmount paid: €12.50")
    ).body_is_invoice
    assert not parse_message(mails.message("Hallo", text="Tot morgen!")).body_is_invoice
    newsletter = mails.message(
        "Promo",
        text="Factuur-korting: nu € 10,00",
        headers={"List-Unsubscribe": "<mailto:u@n.example>"},
    )
    assert not parse_message(newsletter).body_is_invoice


def test_a_message_without_message_id_gets_a_stable_key():
    raw = b"From: a@b.example\r\nSubject: s\r\n\r\nbody\r\n"
    assert parse_message(raw).key == parse_message(raw).key
    assert parse_message(raw).key != parse_message(raw.replace(b"s\r\n", b"t\r\n", 1)).key


def test_broken_mime_is_flagged_not_raised():
    parsed = parse_message(mails.BROKEN_MIME)
    assert parsed.problem == "broken_mime"
    assert parsed.attachments == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_raising(data):
    parse_message(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_mangled_messages_parse_without_raising(noise):
    raw = mails.invoice_pdf("fuzz")
    cut = len(noise) % len(raw)
    parse_message(raw[:cut] + noise + raw[cut:])


def test_a_message_nested_2000_levels_deep_is_read_for_its_headers_only():
    raw = mails.nested(2000, subject="Factuur diep")
    assert len(raw) > 100_000

    parsed = parse_message(raw)  # before: RecursionError

    assert parsed.problem == "too_deep"
    assert parsed.subject == "Factuur diep"
    assert parsed.sender_address == "nest@evil.example"
    assert parsed.date is not None
    assert parsed.attachments == []


def test_nesting_within_the_limit_is_read_and_past_it_is_not(settings):
    settings.MAIL_MAX_DEPTH = 10
    assert parse_message(mails.nested(10)).problem == ""
    assert parse_message(mails.nested(10)).text.strip() == "bottom"
    assert parse_message(mails.nested(11)).problem == "too_deep"


def test_base64_encoded_e_mails_inside_e_mails_spend_the_same_depth(settings):
    settings.MAIL_MAX_DEPTH = 5
    raw = mails.invoice_pdf("binnenin")
    for _level in range(8):
        outer = EmailMessage()
        outer["From"], outer["Subject"] = "a@b.example", "Doorgestuurd"
        outer.set_content("Zie bijlage")
        outer.add_attachment(raw, maintype="message", subtype="rfc822")  # base64-encoded
        raw = outer.as_bytes()
    parsed = parse_message(raw)
    assert parsed.problem == "too_deep"
    assert parsed.subject == "Doorgestuurd"
    assert parsed.attachments == []
    settings.MAIL_MAX_DEPTH = 30
    assert [a.filename for a in parse_message(raw).attachments] == ["factuur-binnenin.pdf"]


def test_too_many_parts_is_read_for_its_headers_only(settings):
    settings.MAIL_MAX_PARTS = 20
    parsed = parse_message(mails.many_pdfs(30, subject="Te veel"))
    assert parsed.problem == "too_many_parts"
    assert parsed.subject == "Te veel"
    assert parsed.attachments == []


def test_at_most_the_attachment_cap_is_taken_and_the_rest_counted(settings):
    settings.MAIL_MAX_ATTACHMENTS = 5
    parsed = parse_message(mails.many_pdfs(12))
    assert [a.filename for a in parsed.attachments] == [f"factuur-{n}.pdf" for n in range(5)]
    assert parsed.attachments_found == 12
    assert parsed.problem == ""
