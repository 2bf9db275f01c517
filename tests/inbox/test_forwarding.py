"""The forwarding address: mail through the project's own SMTP receiver and the webhook."""

import base64
import datetime
import smtplib

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from apps.billing.selectors import usage_get
from apps.billing.services import usage_record
from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.inbox.forwarding import forwarding_address_create, forwarding_address_update
from apps.inbox.models import InboundMessage
from apps.inbox.smtpd import make_controller
from tests import factories
from tests.inbox import mails
from tests.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def smtp_receiver(settings):
    """``inbox_smtpd``'s server, on a free port for this test."""
    settings.INBOX_MAX_MESSAGE_SIZE = 300_000
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _address(company) -> str:
    with company_scope(company):
        return forwarding_address_create(company=company).address


def _documents(company) -> list[Document]:
    with company_scope(company):
        return list(Document.objects.all())


def _send(port: int, to: str, raw: bytes, sender: str = "sofie@bakkerij.example") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, [to], raw)


def test_a_forwarded_invoice_lands_in_the_right_company(smtp_receiver):
    # given two companies, each with its own address
    ours = factories.CompanyFactory(collecting=True)
    theirs = factories.CompanyFactory(collecting=True)
    address = _address(ours)
    _address(theirs)
    assert address.startswith(ours.slug + "-")

    # when an invoice is forwarded to ours
    _send(smtp_receiver, address, mails.invoice_pdf("FW-1"))

    # then it is a document of ours only, from the forwarding address, with the e-mail's details
    documents = _documents(ours)
    assert [d.original_filename for d in documents] == ["factuur-FW-1.pdf"]
    assert documents[0].source == Source.FORWARDING
    assert documents[0].source_details["subject"] == "Factuur FW-1"
    assert _documents(theirs) == []
    with company_scope(ours):
        message = InboundMessage.objects.get()
        assert message.status == InboundMessage.Status.IMPORTED
        assert message.raw.read().startswith(b"From: ")  # the e-mail as it came is kept


def test_an_unknown_address_is_refused_at_rcpt(smtp_receiver, settings):
    factories.CompanyFactory(collecting=True)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(
            smtp_receiver,
            f"nobody-0000000000@{settings.INBOUND_EMAIL_DOMAIN}",
            mails.invoice_pdf("x"),
        )
    code, _text = refused.value.recipients[f"nobody-0000000000@{settings.INBOUND_EMAIL_DOMAIN}"]
    assert code == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(smtp_receiver, "someone@elsewhere.example", mails.invoice_pdf("y"))


def test_a_company_that_collects_nothing_is_refused_at_rcpt_with_the_reason(smtp_receiver):
    # given a company on Start, which collects nothing by itself
    company = factories.CompanyFactory()
    address = _address(company)
    # when an invoice is forwarded to its address
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(smtp_receiver, address, mails.invoice_pdf("START"))
    # then the receiver refuses it for good, saying why: the sender's server keeps it
    code, text = refused.value.recipients[address]
    assert code == 550
    assert b"5.7.1 OkiOki collects no documents for this company" in text
    assert _documents(company) == []
    with company_scope(company):
        assert not InboundMessage.objects.exists()


def test_an_oversize_mail_gets_an_smtp_error(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    big = mails.message(
        "Groot", attachments=[("big.pdf", "application/pdf", mails.pdf("b") + b"0" * 400_000)]
    )
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as error:
        _send(smtp_receiver, _address(company), big)
    assert error.value.smtp_code == 552
    assert _documents(company) == []


def test_only_allowed_senders_when_the_company_asks(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    member = factories.MembershipFactory(company=company).user
    with company_scope(company):
        address = forwarding_address_create(company=company)
        forwarding_address_update(
            address=address, only_allowed_senders=True, allowed_senders="@trusted-supplier.example"
        )
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp_receiver, address.address, mails.invoice_pdf("spam"), sender="spam@spam.example")
    assert refused.value.smtp_code == 550
    _send(smtp_receiver, address.address, mails.invoice_pdf("member"), sender=member.email)
    _send(
        smtp_receiver,
        address.address,
        mails.invoice_pdf("supplier", sender="Facturatie <billing@trusted-supplier.example>"),
        sender="bounce-123@mailer.example",
    )
    assert sorted(d.original_filename for d in _documents(company)) == [
        "factuur-member.pdf",
        "factuur-supplier.pdf",
    ]


def test_the_same_message_delivered_twice_counts_once(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    raw = mails.invoice_pdf("retry", message_id="<retry-1@example.test>")
    _send(smtp_receiver, _address(company), raw)
    _send(smtp_receiver, _address(company), raw)  # an MTA retry after a lost reply
    with company_scope(company):
        assert InboundMessage.objects.count() == 1
    assert len(_documents(company)) == 1


def _auth(secret: str) -> str:
    return "Basic " + base64.b64encode(f"inbound:{secret}".encode()).decode()


def _post_raw(client, address: str, raw: bytes, secret: str = "hook-secret"):
    return client.post(
        f"{reverse('inbox:inbound-webhook')}?recipient={address}",
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=_auth(secret),
    )


def test_the_webhook_takes_the_same_path(client, settings):
    settings.INBOUND_WEBHOOK_SECRET = "hook-secret"
    company = factories.CompanyFactory(collecting=True)
    address = _address(company)
    url = reverse("inbox:inbound-webhook")

    # a raw MIME body (e.g. a Cloudflare or Mailgun route)
    response = _post_raw(client, address, mails.invoice_pdf("HOOK-1"))
    assert response.status_code == 200
    assert response.json()["accepted"] == [address]

    # SendGrid's inbound parse: the raw message in a form field, the envelope as JSON
    response = client.post(
        url,
        data={
            "email": mails.invoice_pdf("HOOK-2").decode(),
            "envelope": f'{{"to": ["{address}"], "from": "x@supplier.example"}}',
        },
        HTTP_AUTHORIZATION=_auth("hook-secret"),
    )
    assert response.status_code == 200
    assert sorted(d.original_filename for d in _documents(company)) == [
        "factuur-HOOK-1.pdf",
        "factuur-HOOK-2.pdf",
    ]


def test_the_webhook_refuses_strangers_and_unknown_addresses(client, settings):
    url = reverse("inbox:inbound-webhook")
    settings.INBOUND_WEBHOOK_SECRET = ""
    assert client.post(url, data=b"x", content_type="message/rfc822").status_code == 404
    settings.INBOUND_WEBHOOK_SECRET = "hook-secret"
    raw = mails.invoice_pdf("HOOK-3")
    response = client.post(
        f"{url}?recipient=x@y.example",
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=_auth("wrong"),
    )
    assert response.status_code == 401
    response = client.post(
        f"{url}?recipient=nobody@{settings.INBOUND_EMAIL_DOMAIN}",
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=_auth("hook-secret"),
    )
    assert response.status_code == 404
    with company_scope(factories.CompanyFactory(collecting=True)):
        assert InboundMessage.objects.count() == 0


def test_a_message_nested_2000_levels_deep_gets_a_final_status(smtp_receiver):
    company = factories.CompanyFactory(collecting=True)
    address = _address(company)
    _send(smtp_receiver, address, mails.invoice_pdf("voor"))
    _send(smtp_receiver, address, mails.nested(2000, subject="Diep genest"))  # answered 250
    _send(smtp_receiver, address, mails.invoice_pdf("na"))

    assert sorted(d.original_filename for d in _documents(company)) == [
        "factuur-na.pdf",
        "factuur-voor.pdf",
    ]
    with company_scope(company):
        bad = InboundMessage.objects.get(subject="Diep genest")
        assert bad.status == InboundMessage.Status.FAILED  # never "received" for ever
        assert bad.problem_code == "too_deep"
        assert bad.sender == "Nest <nest@evil.example>"
        assert bad.raw.read().startswith(b"From: Nest")


def test_one_e_mail_gives_at_most_the_attachment_cap(settings, client, company, owner):
    factories.collecting(company)
    settings.INBOX_MAX_MESSAGE_SIZE = 5_000_000
    port = free_port()
    controller = make_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        # tasks run eagerly here, inside the SMTP answer: give them time
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            smtp.sendmail("x@spam.example", [_address(company)], mails.many_pdfs(5000))
    finally:
        controller.stop()

    assert len(_documents(company)) == 50
    with company_scope(company):
        message = InboundMessage.objects.get()
        assert message.status == InboundMessage.Status.IMPORTED
        assert message.documents_created == 50
        assert message.problem_code == "too_many_attachments"
        assert message.raw  # the rest is not lost: the e-mail is kept
    client.force_login(owner)
    page = client.get(
        reverse(
            "inbox:message-detail",
            kwargs={"company_id": company.public_id, "message_id": message.public_id},
        )
    ).content.decode()
    assert "5,000 attachments, the first 50 taken" in page
    overview = client.get(reverse("inbox:overview", kwargs={"company_id": company.public_id}))
    assert "5,000 attachments, the first 50 taken" in overview.content.decode()
    with translation.override("nl"):
        assert "5.000 bijlagen, de eerste 50 genomen" in message.problem
    with translation.override("fr"):
        assert "50 premières reprises" in message.problem


def test_a_sender_flooding_the_address_is_told_to_slow_down(smtp_receiver, settings):
    settings.INBOUND_SENDER_MESSAGES_PER_HOUR = 2
    company = factories.CompanyFactory(collecting=True)
    address = _address(company)
    _send(smtp_receiver, address, mails.invoice_pdf("R1"), sender="flood@spam.example")
    _send(smtp_receiver, address, mails.invoice_pdf("R2"), sender="flood@spam.example")

    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp_receiver, address, mails.invoice_pdf("R3"), sender="flood@spam.example")

    assert refused.value.smtp_code == 450  # temporary: a real MTA tries again later
    assert b"Too many messages from this sender" in refused.value.smtp_error
    # another sender still gets through
    _send(smtp_receiver, address, mails.invoice_pdf("R4"), sender="sofie@bakkerij.example")
    assert sorted(d.original_filename for d in _documents(company)) == [
        "factuur-R1.pdf",
        "factuur-R2.pdf",
        "factuur-R4.pdf",
    ]


def test_a_flood_split_across_a_full_hour_is_still_slowed_down(smtp_receiver, settings):
    # given a sender at its hourly limit just before the hour turns
    settings.INBOUND_SENDER_MESSAGES_PER_HOUR = 2
    company = factories.CompanyFactory(collecting=True)
    address = _address(company)
    start = datetime.datetime(2026, 12, 7, 5, 59, 50, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=True) as traveller:
        _send(smtp_receiver, address, mails.invoice_pdf("H1"), sender="flood@spam.example")
        _send(smtp_receiver, address, mails.invoice_pdf("H2"), sender="flood@spam.example")
        # when it sends again a few seconds into the next hour
        traveller.move_to(start + datetime.timedelta(seconds=15))
        # then it is still told to slow down
        with pytest.raises(smtplib.SMTPDataError) as refused:
            _send(smtp_receiver, address, mails.invoice_pdf("H3"), sender="flood@spam.example")
    assert refused.value.smtp_code == 450


def test_past_the_abuse_ceiling_the_address_refuses_new_mail(smtp_receiver, settings, client):
    settings.INBOUND_ABUSE_CEILING_MIN = 0
    settings.INBOUND_ABUSE_CEILING_FACTOR = 2
    settings.INBOUND_WEBHOOK_SECRET = "hook-secret"
    company = factories.CompanyFactory(collecting=True)
    address = _address(company)
    with company_scope(company):
        usage_record(company=company, documents=49)
    _send(smtp_receiver, address, mails.invoice_pdf("C1"))  # the 50th: 2 × 25

    # refused at RCPT, before the body is sent
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(smtp_receiver, address, mails.invoice_pdf("C2"))
    code, text = refused.value.recipients[address]
    assert code == 552
    assert b"takes no more mail until next month" in text

    response = _post_raw(client, address, mails.invoice_pdf("C3"))
    assert response.status_code == 429
    assert "no more mail until next month" in response.json()["error"]
    assert [d.original_filename for d in _documents(company)] == ["factuur-C1.pdf"]
    with company_scope(company):
        assert usage_get(company=company).documents == 50
