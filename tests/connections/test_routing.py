"""Where documents go is the owner's (or the linked office's) to decide: a member keeps the
options but not the addresses, every change of addresses is e-mailed to all the owners in
their language, and resending a period asks for confirmation above a few documents and is
recorded."""

import datetime

import pytest
from django.urls import reverse

from apps.companies.models import Role
from apps.companies.scoping import company_scope
from apps.connections import resending
from apps.connections.models import Delivery, PeriodResend, Transfer
from tests import factories
from tests.connections.conftest import OCTOPUS, ready_document
from tests.connections.test_views import TRANSFER_POST


def _transfer_url(company):
    return reverse("connections:transfer", kwargs={"company_id": company.public_id})


def _resend_url(company):
    return reverse("connections:deliveries-resend-period", kwargs={"company_id": company.public_id})


NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.mark.django_db
def test_every_owner_is_told_of_new_addresses_in_their_language(
    company, owner, accountant, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    # given a company with two owners, one reading Dutch and one French
    owner.language = "nl"
    owner.save()
    second = factories.MembershipFactory(company=company, role=Role.OWNER, user__language="fr")
    factories.TransferFactory(company=company, general_address="oud@kantoor.example")
    # when the linked office's accountant changes the addresses
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(accountant).post(_transfer_url(company), TRANSFER_POST)
    assert response.status_code == 302
    # then each owner gets one e-mail, in their language, with old, new and who
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {owner.email, second.user.email}
    dutch, french = by_recipient[owner.email], by_recipient[second.user.email]
    assert "adressen van je boekhouder zijn gewijzigd" in dutch.subject
    assert "adresses de votre comptable ont été modifiées" in french.subject
    for message in (dutch, french):
        assert "oud@kantoor.example" in message.body
        assert OCTOPUS["purchases"] in message.body
        assert accountant.email in message.body


@pytest.mark.django_db
def test_a_member_changes_the_options_but_not_where_documents_go(
    company, owner, member, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    factories.TransferFactory(company=company, general_address="oud@kantoor.example")
    client = client_for(member)
    page = client.get(_transfer_url(company)).content.decode()
    # the member sees the addresses but has no field to change them
    assert OCTOPUS["purchases"] in page
    assert 'name="general_address"' not in page
    assert "can change where documents go" in page
    # saving the options works and tells nobody
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _transfer_url(company), {"action": "save", "is_automatic": "False", "send_from": ""}
        )
    assert response.status_code == 302
    with company_scope(company):
        transfer = Transfer.objects.get()
    assert (transfer.general_address, transfer.is_automatic) == ("oud@kantoor.example", False)
    assert mailoutbox == []
    # a crafted request to switch sending off, or to a new address, is refused
    for crafted in ({"is_active": ""}, {"general_address": "steal@evil.example"}):
        data = {"action": "save", "is_automatic": "False", **crafted}
        assert client.post(_transfer_url(company), data).status_code == 403
    transfer.refresh_from_db()
    assert (transfer.general_address, transfer.is_active) == ("oud@kantoor.example", True)


@pytest.mark.django_db
def test_an_accountant_without_an_office_link_cannot_change_the_addresses(
    company, owner, client_for
):
    # a person who holds the accountant role as a direct member (no office the owner linked)
    direct = factories.MembershipFactory(company=company, role=Role.ACCOUNTANT).user
    factories.TransferFactory(company=company, general_address="oud@kantoor.example")
    client = client_for(direct)
    assert client.post(_transfer_url(company), TRANSFER_POST).status_code == 403
    assert client.post(_resend_url(company), NOVEMBER).status_code == 403
    with company_scope(company):
        assert Transfer.objects.get().general_address == "oud@kantoor.example"


def _sent_documents(company, count):
    """``count`` documents of November sent to the Octopus addresses, then new addresses."""
    factories.TransferFactory(company=company)
    for day in range(count):
        ready_document(company, issue_date=datetime.date(2026, 11, 1 + day))
    with company_scope(company):
        Delivery.objects.update(status=Delivery.Status.SENT)
        Transfer.objects.update(general_address="nieuw@kantoor.example", purchases_address="")


@pytest.mark.django_db
def test_a_large_resend_asks_for_confirmation_and_is_recorded(company, owner, client_for, settings):
    settings.TRANSFER_RESEND_CONFIRM_OVER = 2
    _sent_documents(company, 3)
    client = client_for(owner)
    # when the owner asks to resend November: a page says how many and where, nothing sent
    page = client.post(_resend_url(company), NOVEMBER)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 documents dated from" in text
    assert "nieuw@kantoor.example" in text
    assert 'name="confirmed" value="3"' in text
    with company_scope(company):
        assert not Delivery.objects.filter(reason=Delivery.Reason.RESEND).exists()
        assert not PeriodResend.objects.exists()
    # a confirmation of another count (the period changed meanwhile) asks again
    assert client.post(_resend_url(company), {**NOVEMBER, "confirmed": "2"}).status_code == 200
    # when they confirm: sent and recorded (who, how many, which period, where)
    response = client.post(_resend_url(company), {**NOVEMBER, "confirmed": "3"})
    assert response.status_code == 302
    with company_scope(company):
        assert Delivery.objects.filter(reason=Delivery.Reason.RESEND).count() == 3
        record = PeriodResend.objects.get()
    assert (record.requested_by, record.count) == (owner, 3)
    assert (record.date_from, record.date_to) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert record.addresses == ["nieuw@kantoor.example"]
    # and the deliveries page shows it
    deliveries = reverse("connections:delivery-list", kwargs={"company_id": company.public_id})
    listing = client.get(deliveries).content.decode()
    assert "Periods sent again" in listing
    assert owner.email in listing


@pytest.mark.django_db
def test_a_small_resend_goes_at_once_and_is_recorded(company, owner, client_for, settings):
    settings.TRANSFER_RESEND_CONFIRM_OVER = 5
    _sent_documents(company, 2)
    response = client_for(owner).post(_resend_url(company), NOVEMBER)
    assert response.status_code == 302
    with company_scope(company):
        assert PeriodResend.objects.get().count == 2


@pytest.mark.django_db
def test_a_member_has_no_resend_form(company, member, client_for):
    _sent_documents(company, 1)
    deliveries = reverse("connections:delivery-list", kwargs={"company_id": company.public_id})
    page = client_for(member).get(deliveries).content.decode()
    assert _resend_url(company) not in page


@pytest.mark.django_db
def test_the_service_itself_refuses_a_large_resend_without_the_confirmed_count(
    company, owner, settings
):
    settings.TRANSFER_RESEND_CONFIRM_OVER = 2
    _sent_documents(company, 3)
    november = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    with company_scope(company):
        with pytest.raises(resending.ResendNotConfirmed) as question:
            resending.deliveries_resend_period(
                company=company, date_from=november[0], date_to=november[1], actor=owner
            )
        assert (question.value.count, question.value.addresses) == (3, ["nieuw@kantoor.example"])
        assert not PeriodResend.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("confirmed", ["9" * 5000, "abc", "-3", "²"])
def test_a_mangled_confirmation_is_a_clear_refusal(company, owner, client_for, confirmed):
    _sent_documents(company, 1)
    response = client_for(owner).post(_resend_url(company), {**NOVEMBER, "confirmed": confirmed})
    assert response.status_code == 302
    with company_scope(company):
        assert not PeriodResend.objects.exists()
