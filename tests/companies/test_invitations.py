"""An invitation is accepted only by the invited address, signed in and verified (or signed
up through the link with exactly that address); anyone else gets a clear page in their
language and changes nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.companies.models import Invitation, Membership
from apps.companies.scoping import all_companies
from tests import factories

PASSWORD = "Brood-en-Banket-2026"


def _accept_url(invitation):
    return reverse("companies:invitation-accept", args=[invitation.token])


def _unchanged(invitation, company):
    with all_companies():
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING
        assert not Membership.objects.filter(company=company, user__email=invitation.email)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "but you are signed in as"),
        ("nl", "maar je bent aangemeld als"),
        ("fr", "mais vous êtes connecté avec"),
    ],
)
def test_someone_else_signed_in_gets_a_clear_page_and_changes_nothing(
    language, words, company, owner, client_for
):
    # given an invitation for one address, opened by a user signed in with another
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    other = factories.UserFactory(email="colleague@example.be", language=language)
    client = client_for(other)
    client.cookies["django_language"] = language
    # when they open or accept it
    page = client.get(_accept_url(invitation), HTTP_ACCEPT_LANGUAGE=language)
    accepted = client.post(_accept_url(invitation), HTTP_ACCEPT_LANGUAGE=language)
    # then a page in their language says so, with both addresses; nothing changes
    for response in (page, accepted):
        assert response.status_code == 403
        text = response.content.decode()
        assert words in text
        assert "invited@example.be" in text
        assert "colleague@example.be" in text
    _unchanged(invitation, company)
    with all_companies():
        assert not Membership.objects.filter(company=company, user=other).exists()


@pytest.mark.django_db
def test_the_invited_address_unverified_is_asked_to_verify_it(company, owner, client_for):
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    invited = factories.UserFactory(email="invited@example.be")
    EmailAddress.objects.filter(user=invited).update(verified=False)
    client = client_for(invited)
    for response in (client.get(_accept_url(invitation)), client.post(_accept_url(invitation))):
        assert response.status_code == 403
        assert "is not verified yet" in response.content.decode()
        assert reverse("account_email") in response.content.decode()
    _unchanged(invitation, company)


@pytest.mark.django_db
def test_a_visitor_is_asked_to_sign_in_with_the_invited_address(company, owner):
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    response = Client().get(_accept_url(invitation))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Only the invited address, invited@example.be, can accept" in text
    assert reverse("account_signup") in text
    _unchanged(invitation, company)


@pytest.mark.django_db
def test_signing_up_through_the_link_with_the_invited_address_counts_as_verified(company, owner):
    # given a visitor who opens the link and signs up with the invited address
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    visitor = Client()
    visitor.get(_accept_url(invitation))
    sent_before = len(mail.outbox)
    response = visitor.post(
        reverse("account_signup") + f"?next={_accept_url(invitation)}",
        {"email": "Invited@example.be", "password1": PASSWORD, "password2": PASSWORD},
    )
    # then they are signed in at once, verified, with no confirmation mail, back on the link
    assert response.status_code == 302
    assert response["Location"] == _accept_url(invitation)
    assert len(mail.outbox) == sent_before
    assert EmailAddress.objects.get(email__iexact="invited@example.be").verified
    # and they can accept
    assert visitor.post(_accept_url(invitation)).status_code == 302
    with all_companies():
        assert Membership.objects.filter(company=company, user__email="invited@example.be")


@pytest.mark.django_db
def test_signing_up_through_the_link_makes_the_account_of_the_invited_address(company, owner):
    # allauth's rule for a stashed (invited) address: the account is made for it, verified;
    # a different address typed in the form is added unverified, until its own confirmation
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    visitor = Client()
    visitor.get(_accept_url(invitation))
    visitor.post(
        reverse("account_signup"),
        {"email": "someone.else@example.be", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = User.objects.get(emailaddress__email="someone.else@example.be")
    assert user.email == "invited@example.be"
    assert not EmailAddress.objects.get(email="someone.else@example.be").verified
    assert EmailAddress.objects.get(email="invited@example.be", user=user).verified


@pytest.mark.django_db
def test_a_sign_up_without_the_link_is_not_verified(company, owner):
    factories.InvitationFactory(company=company, email="invited@example.be")
    visitor = Client()
    visitor.post(
        reverse("account_signup"),
        {"email": "invited@example.be", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not EmailAddress.objects.get(email="invited@example.be").verified
    assert "_auth_user_id" not in visitor.session


@pytest.mark.django_db
def test_the_invited_verified_address_joins(company, owner, client_for):
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    invited = factories.UserFactory(email="INVITED@example.be")
    response = client_for(invited).post(_accept_url(invitation))
    assert response["Location"] == reverse(
        "companies:dashboard", kwargs={"company_id": company.public_id}
    )
    with all_companies():
        assert Membership.objects.get(company=company, user=invited).role == invitation.role


@pytest.mark.django_db
def test_an_accountant_whose_office_is_already_linked_goes_straight_to_the_company(
    company, owner, client_for
):
    office_member = factories.OfficeMemberFactory()
    factories.OfficeClientLinkFactory(company=company, office=office_member.office)
    invitation = factories.InvitationFactory(
        company=company, role="accountant", email=office_member.user.email
    )
    response = client_for(office_member.user).post(_accept_url(invitation))
    assert response["Location"] == reverse(
        "companies:dashboard", kwargs={"company_id": company.public_id}
    )
