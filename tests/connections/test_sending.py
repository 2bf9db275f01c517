"""Sending documents to the accountant through a real SMTP server on loopback: routed by
type, each mail one valid UBL with the original inside, exactly once whatever happens."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.companies.scoping import company_scope
from apps.companies.tasks import send_email
from apps.connections import resending, services
from apps.connections.models import Delivery
from apps.connections.transports import smtp as email_channel
from apps.core.errors import DomainError
from apps.documents.models import Document, Kind
from apps.einvoice import from_xml, validate
from tests import factories
from tests.conftest import shared_data
from tests.connections.conftest import OCTOPUS, PDF, ready_document
from tests.documents.helpers import ingest_and_read
from tests.events import run_events


def _ready_with_a_broken_envelope(company) -> Document:
    """A ready document whose stored UBL no longer validates (say, a damaged file)."""
    factories.TransferFactory(company=company)
    document = ready_document(company)
    with company_scope(company):
        document.envelope.save("envelope.xml", ContentFile(b"<Invoice>broken</Invoice>"))
    return document


def _send_all(company) -> list[Delivery]:
    """What the delivery worker does: send every due delivery of the company (once the
    events before it are dispatched, as their commits would have)."""
    run_events()
    with company_scope(company):
        ids = list(
            Delivery.objects.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True)
        )
        for delivery_id in ids:
            services.delivery_send(company=company, delivery_id=delivery_id)
        run_events()
        return list(Delivery.objects.order_by("pk"))


def _ubl_of(received) -> bytes:
    parts = [p for p in received.message.iter_attachments() if p.get_filename().endswith(".xml")]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True)


@pytest.mark.django_db
def test_each_category_goes_to_its_octopus_address_as_valid_ubl_with_the_pdf_inside(company, smtp):
    # given the Octopus preset with an address per type
    factories.TransferFactory(company=company)
    purchase = ready_document(company, Kind.PURCHASE_INVOICE, number="AK-1")
    sale = ready_document(company, Kind.SALES_INVOICE, number="2026-0001")
    other = ready_document(company, Kind.OTHER, number="MISC-1")
    # when the worker sends them
    deliveries = _send_all(company)
    # then each went once, to the address of its category
    assert {d.status for d in deliveries} == {Delivery.Status.SENT}
    received = smtp.wait_for(3)
    assert len(received) == 3
    by_address = {r.rcpt_tos[0]: r for r in received}
    assert set(by_address) == set(OCTOPUS.values())
    for document, category in ((purchase, "purchases"), (sale, "sales"), (other, "miscellaneous")):
        message = by_address[OCTOPUS[category]]
        assert message.mail_from == "documents@okioki.localhost"
        assert company.name in message.message["Subject"]
        assert document.number in message.message["Subject"]
        xml = _ubl_of(message)
        report = validate(xml)
        assert report.is_valid, report.fatal_rules
        assert report.layers_run == ["xsd", "en16931", "peppol"]
        model = from_xml(xml)
        assert model.number == document.number
        assert model.attachments[0].content == PDF
        assert model.attachments[0].mime_code == "application/pdf"
    with company_scope(company):
        for document in (purchase, sale, other):
            document.refresh_from_db()
            assert document.status == Document.Status.DELIVERED
    for delivery in deliveries:
        assert delivery.answer.startswith("250 2.0.0 OK queued as")
    assert {d.message_id for d in deliveries} == {r.message["Message-ID"] for r in received}


@pytest.mark.django_db
def test_with_one_general_address_everything_goes_there(company, smtp):
    factories.TransferFactory(
        company=company,
        general_address="boekhouding@kantoor.example",
        purchases_address="",
        sales_address="",
        miscellaneous_address="",
    )
    for kind in (Kind.PURCHASE_INVOICE, Kind.SALES_INVOICE, Kind.RECEIPT, Kind.OTHER):
        ready_document(company, kind)
    _send_all(company)
    received = smtp.wait_for(4)
    assert [r.rcpt_tos for r in received] == [["boekhouding@kantoor.example"]] * 4


@pytest.mark.django_db
def test_an_empty_category_address_falls_back_to_the_general_one(company, smtp):
    factories.TransferFactory(
        company=company, general_address="alles@kantoor.example", miscellaneous_address=""
    )
    ready_document(company, Kind.OTHER)
    ready_document(company, Kind.PURCHASE_INVOICE)
    _send_all(company)
    assert sorted(r.rcpt_tos[0] for r in smtp.wait_for(2)) == [
        "alles@kantoor.example",
        OCTOPUS["purchases"],
    ]


@pytest.mark.django_db
def test_451_twice_then_250_is_one_message(company, smtp):
    factories.TransferFactory(company=company)
    ready_document(company)
    smtp.replies = ["451 4.3.0 try again later", "451 4.3.0 try again later"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        [delivery] = _send_all(company)
        assert delivery.status == Delivery.Status.PENDING
        assert delivery.answer.startswith("451")
        assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(minutes=1)
        # not due yet: the retry task that arrives early changes nothing
        with company_scope(company):
            assert services.delivery_send(company=company, delivery_id=delivery.pk) is None
        clock.shift(datetime.timedelta(minutes=1))
        [delivery] = _send_all(company)
        assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(minutes=2)
        clock.shift(datetime.timedelta(minutes=2))
        [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3
    assert len(smtp.rejected) == 2
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.django_db
def test_550_fails_with_the_reason_and_is_not_retried(company, owner, smtp, settings):
    factories.TransferFactory(company=company)
    document = ready_document(company)
    smtp.rcpt_reply = "550 5.1.1 <uid-008352-24-PI@import.octopus.be>: no such user"
    mail.outbox = []
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "550 5.1.1" in delivery.answer
    assert "no such user" in delivery.problem
    # no retry storm: the sweeper and a stray task leave it alone
    smtp.rcpt_reply = None
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        assert services.delivery_sweep() == {"stuck": 0, "due": 0}
        with company_scope(company):
            assert services.delivery_send(company=company, delivery_id=delivery.pk) is None
    assert smtp.messages == []
    with company_scope(company):
        document.refresh_from_db()
        assert document.status == Document.Status.READY


@pytest.mark.django_db
def test_server_down_for_a_while_then_up_every_delivery_arrives_once(company, smtp):
    factories.TransferFactory(company=company)
    documents = [ready_document(company, number=f"AK-{n}") for n in range(5)]
    smtp.stop()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):  # down for three attempts (1 + 2 + 4 minutes)
            deliveries = _send_all(company)
            assert {d.status for d in deliveries} == {Delivery.Status.PENDING}
            assert all("Connection" in d.answer for d in deliveries)
            clock.shift(datetime.timedelta(minutes=5))
            services.delivery_sweep()  # enqueues the due ones (eager here: sends them)
        smtp.start()
        clock.shift(datetime.timedelta(minutes=10))
        deliveries = _send_all(company)
        _send_all(company)  # and once more: nothing is pending any more
    assert {d.status for d in deliveries} == {Delivery.Status.SENT}
    received = smtp.wait_for(5)
    assert sorted(r.message["X-OkiOki-Document"] for r in received) == sorted(
        str(d.public_id) for d in documents
    )


@pytest.mark.django_db
def test_temporary_failures_give_up_after_a_day(company, smtp, settings):
    factories.TransferFactory(company=company)
    ready_document(company)
    smtp.stop()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(40):
            [delivery] = _send_all(company)
            if delivery.status == Delivery.Status.FAILED:
                break
            clock.shift(datetime.timedelta(hours=1))
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.problems[0]["code"] == "gave_up"
    assert 20 <= delivery.attempts <= 30


@pytest.mark.django_db
def test_a_task_run_twice_sends_one_message(company, smtp):
    factories.TransferFactory(company=company)
    ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get()
        first = services.delivery_send(company=company, delivery_id=delivery.pk)
        second = services.delivery_send(company=company, delivery_id=delivery.pk)
    assert first is not None
    assert first.status == Delivery.Status.SENT
    assert second is None
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.django_db
def test_a_document_becoming_ready_again_is_not_sent_again(company, smtp):
    factories.TransferFactory(company=company)
    document = ready_document(company)
    _send_all(company)
    with company_scope(company):
        # assessed again (e.g. a second read): still one delivery, one message
        from apps.documents.services import document_assess

        document_assess(document=document)
        services.delivery_plan(document=document)
        assert Delivery.objects.count() == 1
    _send_all(company)
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.django_db
def test_the_pdf_also_as_an_attachment_when_asked(company, smtp):
    factories.TransferFactory(company=company, attach_pdf=True)
    ready_document(company)
    _send_all(company)
    [received] = smtp.wait_for(1)
    names = sorted(p.get_filename() for p in received.message.iter_attachments())
    assert [name.rsplit(".", 1)[1] for name in names] == ["pdf", "xml"]
    assert all(name.startswith(company.slug) for name in names)


@pytest.mark.django_db
def test_approval_mode_waits_for_the_users_approval(company, owner, smtp):
    factories.TransferFactory(company=company, is_automatic=False)
    ready_document(company)
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.AWAITING_APPROVAL
    assert smtp.messages == []
    with company_scope(company):
        services.delivery_approve(company=company, delivery=delivery, actor=owner)
    _send_all(company)
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.django_db
def test_documents_dated_before_send_from_are_not_sent(company, smtp):
    factories.TransferFactory(company=company, send_from=datetime.date(2026, 11, 1))
    ready_document(company, issue_date=datetime.date(2026, 10, 31))
    ready_document(company, issue_date=datetime.date(2026, 11, 1))
    deliveries = _send_all(company)
    assert len(deliveries) == 1
    assert len(smtp.wait_for(1)) == 1


@pytest.mark.django_db
def test_an_envelope_that_no_longer_validates_waits_as_needs_review(company, smtp):
    _ready_with_a_broken_envelope(company)
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.NEEDS_REVIEW
    assert delivery.problem
    assert smtp.messages == []


@pytest.mark.django_db
def test_changed_addresses_apply_to_later_documents_and_a_period_can_be_resent(
    company, owner, smtp
):
    transfer = factories.TransferFactory(company=company)
    first = ready_document(company, issue_date=datetime.date(2026, 11, 5))
    _send_all(company)
    with company_scope(company):
        services.transfer_save(
            company=company,
            actor=owner,
            package="other",
            general_address="nieuw@kantoor.example",
            purchases_address="",
            sales_address="",
            miscellaneous_address="",
        )
    transfer.refresh_from_db()
    ready_document(company, issue_date=datetime.date(2026, 11, 6))
    _send_all(company)
    assert [r.rcpt_tos[0] for r in smtp.wait_for(2)] == [
        OCTOPUS["purchases"],
        "nieuw@kantoor.example",
    ]
    # the user resends November to the new address: only the first document goes again
    with company_scope(company):
        count = resending.deliveries_resend_period(
            company=company,
            date_from=datetime.date(2026, 11, 1),
            date_to=datetime.date(2026, 11, 30),
            actor=owner,
        )
    assert count == 1
    deliveries = _send_all(company)
    received = smtp.wait_for(3)
    assert received[2].rcpt_tos == ["nieuw@kantoor.example"]
    assert received[2].message["X-OkiOki-Document"] == str(first.public_id)
    resend = deliveries[-1]
    assert (resend.reason, resend.requested_by) == (Delivery.Reason.RESEND, owner)


@pytest.mark.django_db
def test_resending_is_an_explicit_recorded_action(company, owner, smtp):
    factories.TransferFactory(company=company)
    document = ready_document(company)
    _send_all(company)
    with company_scope(company):
        delivery = services.document_resend(company=company, document=document, actor=owner)
        assert delivery.reason == Delivery.Reason.RESEND
        assert delivery.requested_by == owner
        # a second click while it is on its way makes no second one
        with pytest.raises(DomainError, match="already on its way"):
            services.document_resend(company=company, document=document, actor=owner)
    _send_all(company)
    assert len(smtp.wait_for(2)) == 2


@pytest.mark.django_db
def test_a_failure_tells_the_owner_and_the_linked_office(
    company, owner, accountant, smtp, settings, django_capture_on_commit_callbacks
):
    from apps.companies.models import OfficeClientLink

    with company_scope(company):
        link = OfficeClientLink.objects.get(company=company)
    link.office.email = "kantoor@boekhouder.example"
    link.office.save()
    factories.TransferFactory(company=company)
    ready_document(company)
    smtp.rcpt_reply = "550 5.1.1 no such user"
    with django_capture_on_commit_callbacks() as callbacks:
        _send_all(company)
    smtp.rcpt_reply = None  # the notices themselves get through
    for callback in callbacks:
        callback()
    notices = smtp.wait_for(2)
    assert sorted(r.rcpt_tos[0] for r in notices) == sorted(
        [owner.email, "kantoor@boekhouder.example"]
    )
    office = next(r for r in notices if r.rcpt_tos == ["kantoor@boekhouder.example"])
    with translation.override(company.default_language):  # the office reads the company's
        expected = render_to_string(
            "emails/connections/delivery_failed.subject.txt", {"company": company}
        ).strip()
    assert office.message["Subject"] == expected
    # a second failure within the hour sends no second notice
    ready_document(company, number="AK-2")
    smtp.rcpt_reply = "550 5.1.1 no such user"
    with django_capture_on_commit_callbacks() as callbacks:
        _send_all(company)
    assert [c for c in callbacks if getattr(c, "func", None) == send_email.delay] == []


@pytest.mark.django_db
def test_a_miscellaneous_document_without_invoice_data_goes_as_its_original(company, smtp):
    factories.TransferFactory(company=company)
    letter = ready_document(
        company,
        Kind.OTHER,
        pdf=PDF,
        total_excl_vat=None,
        total_vat=None,
        total_incl_vat=None,
        vat_breakdown=[],
        number="",
    )
    assert not letter.envelope
    _send_all(company)
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == [OCTOPUS["miscellaneous"]]
    [part] = list(received.message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == PDF


@pytest.mark.django_db
def test_turning_the_transfer_off_holds_what_was_waiting(company, owner, smtp):
    transfer = factories.TransferFactory(company=company)
    ready_document(company)
    transfer.is_active = False
    transfer.save()
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.AWAITING_APPROVAL
    assert smtp.messages == []
    # new documents are not planned at all while it is off
    ready_document(company, number="AK-2")
    with company_scope(company):
        assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_while_making_the_mail_is_retried_not_stuck(company, smtp, monkeypatch):
    factories.TransferFactory(company=company)
    ready_document(company)

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr("apps.connections.services.delivery_parcel", broken)
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.answer == "RuntimeError"
    assert delivery.next_attempt_at is not None


@pytest.mark.django_db
def test_an_office_without_a_shared_address_hears_through_its_administrators(
    company, owner, accountant, smtp, django_capture_on_commit_callbacks
):
    from apps.companies.models import OfficeMember

    OfficeMember.objects.filter(user=accountant).update(is_admin=True)
    factories.TransferFactory(company=company)
    ready_document(company)
    smtp.rcpt_reply = "550 5.1.1 no such user"
    with django_capture_on_commit_callbacks() as callbacks:
        _send_all(company)
    smtp.rcpt_reply = None
    for callback in callbacks:
        callback()
    assert sorted(r.rcpt_tos[0] for r in smtp.wait_for(2)) == sorted(
        [owner.email, accountant.email]
    )


def _correct(company, document, user, **changes):
    from apps.documents.services import document_correct

    with company_scope(company):
        return document_correct(document=document, actor=user, changes=changes)


@pytest.mark.django_db
def test_a_document_corrected_after_it_was_sent_goes_again_in_its_new_version(company, owner, smtp):
    factories.TransferFactory(company=company)
    document = ready_document(company, number="OLD-1")
    _send_all(company)
    document = _correct(company, document, owner, number="NEW-1")
    assert document.status == Document.Status.READY
    deliveries = _send_all(company)
    assert [d.reason for d in deliveries] == [Delivery.Reason.READY, Delivery.Reason.CORRECTED]
    first, second = smtp.wait_for(2)
    assert from_xml(_ubl_of(first)).number == "OLD-1"
    assert from_xml(_ubl_of(second)).number == "NEW-1"
    with company_scope(company):
        document.refresh_from_db()
        assert document.status == Document.Status.DELIVERED
        # assessed again without a change: nothing more goes
        from apps.documents.services import document_assess

        document_assess(document=document)
        assert document.status == Document.Status.DELIVERED
    assert len(_send_all(company)) == 2


@pytest.mark.django_db
def test_a_correction_made_while_the_old_version_is_being_sent_goes_next(
    company, owner, smtp, monkeypatch
):
    factories.TransferFactory(company=company)
    document = ready_document(company, number="OLD-1")
    real_send = email_channel.send

    def send_and_correct_meanwhile(message):
        outcome = real_send(message)
        if "OLD-1" in message.subject:
            _correct(company, document, owner, number="NEW-1")  # the user, at that moment
        return outcome

    monkeypatch.setattr(email_channel, "send", send_and_correct_meanwhile)
    _send_all(company)
    deliveries = _send_all(company)
    assert [d.status for d in deliveries] == [Delivery.Status.SENT, Delivery.Status.SENT]
    assert [from_xml(_ubl_of(r)).number for r in smtp.wait_for(2)] == ["OLD-1", "NEW-1"]


@pytest.mark.django_db
def test_a_delivery_back_from_review_gets_a_fresh_day_of_retries(company, owner, smtp):
    document = _ready_with_a_broken_envelope(company)
    [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.NEEDS_REVIEW
    assert "%(" not in delivery.problem
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        from apps.documents.services import document_assess

        with company_scope(company):
            document.refresh_from_db()
            assert document.status == Document.Status.NEEDS_REVIEW
            document_assess(document=document)  # envelope rebuilt: ready again
        smtp.replies = ["451 4.3.0 try again later"]
        [delivery] = _send_all(company)
    assert delivery.status == Delivery.Status.PENDING


@pytest.mark.django_db
def test_the_sweeper_leaves_inactive_companies_and_just_queued_tasks_alone(company, other_company):
    factories.DeliveryFactory(company=company, status=Delivery.Status.PENDING)
    factories.DeliveryFactory(company=other_company, status=Delivery.Status.PENDING)
    other_company.is_active = False
    other_company.save()
    assert services.delivery_sweep() == {"stuck": 0, "due": 0}  # just queued: grace
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        assert services.delivery_sweep() == {"stuck": 0, "due": 1}


@pytest.mark.django_db
def test_a_new_address_replaces_a_delivery_that_was_not_sent_yet(company, owner, smtp):
    factories.TransferFactory(company=company, is_automatic=False)
    document = ready_document(company)
    with company_scope(company):
        services.transfer_save(
            company=company,
            actor=owner,
            general_address="nieuw@kantoor.example",
            purchases_address="",
            is_automatic=True,
        )
        document.status = Document.Status.NEEDS_REVIEW
        document.save()
    _correct(company, document, owner, number="AK-9")  # ready again
    deliveries = _send_all(company)
    assert [(d.destination, d.status) for d in deliveries] == [
        (OCTOPUS["purchases"], Delivery.Status.CANCELLED),
        ("nieuw@kantoor.example", Delivery.Status.SENT),
    ]
    assert [r.rcpt_tos for r in smtp.wait_for(1)] == [["nieuw@kantoor.example"]]


@pytest.mark.django_db
def test_tests_are_limited_per_company(company, smtp):
    from apps.core.errors import DomainError

    for _ in range(services.TEST_SENDS_PER_WINDOW):
        services.transfer_send_test(company=company, addresses=["a@kantoor.example"])
    with pytest.raises(DomainError):
        services.transfer_send_test(company=company, addresses=["a@kantoor.example"])
    assert len(smtp.wait_for(services.TEST_SENDS_PER_WINDOW)) == services.TEST_SENDS_PER_WINDOW


@pytest.mark.django_db
def test_the_reason_a_delivery_waits_is_on_the_document(company, smtp):
    document = _ready_with_a_broken_envelope(company)
    _send_all(company)
    with company_scope(company):
        document.refresh_from_db()
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problems[0]["code"] == "envelope_invalid"
    assert "UBL" in document.problem


@pytest.mark.django_db
def test_an_e_invoice_whose_amounts_dont_add_up_reaches_the_accountant_as_stated(
    company, smtp, django_capture_on_commit_callbacks
):
    # given the transfer on, and a supplier's CII whose amount due doesn't follow from its lines
    factories.TransferFactory(company=company)
    source = shared_data(
        Path(settings.SHARED_DATA_DIR) / "en16931-examples" / "cii" / "CII_example9.xml"
    ).replace(
        b"<ram:DuePayableAmount>177.87</ram:DuePayableAmount>",
        b"<ram:DuePayableAmount>170.00</ram:DuePayableAmount>",
    )
    # when it is read and becomes ready (the delivery worker runs on commit, as in production)
    document = ingest_and_read(company, source, "factuur.xml", django_capture_on_commit_callbacks)
    # then the accountant gets the envelope with the amount the supplier invoiced, once
    with company_scope(company):
        deliveries = list(Delivery.objects.all())
    assert [d.status for d in deliveries] == [Delivery.Status.SENT], deliveries[0].problems
    (received,) = smtp.wait_for(1)
    assert from_xml(_ubl_of(received)).totals.payable == Decimal("170.00")
    # and the document, delivered, still says what doesn't add up
    with company_scope(company):
        document.refresh_from_db()
    assert document.status == Document.Status.DELIVERED
    assert [p["code"] for p in document.problems] == ["source_amounts_inconsistent"]
