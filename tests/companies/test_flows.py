"""The user journeys of the foundation, end to end through the web pages."""

import re

import time_machine
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.companies.models import Company, Invitation, Membership, Role
from apps.companies.scoping import all_companies
from tests import factories


def _link_from(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S*)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_verify_create_company_invite_accept_and_switch(
    db, django_capture_on_commit_callbacks
):
    # given a new visitor who signs up
    founder = Client()
    response = founder.post(
        reverse("account_signup"),
        {
            "email": "an@bakkerij.be",
            "password1": "Brood-en-Banket-2026",
            "password2": "Brood-en-Banket-2026",
        },
    )
    assert response.status_code == 302
    # when they follow the verification link from the e-mail
    confirm_url = _link_from(mail.outbox[-1])
    founder.post(confirm_url)
    # then they are signed in and land on the onboarding page
    response = founder.get(reverse("companies:home"))
    assert response.status_code == 200
    assert "Welcome to OkiOki" in response.content.decode()

    # when they create their company with a formatted enterprise number
    response = founder.post(
        reverse("companies:company-create"),
        {
            "name": "Bakkerij An BV",
            "enterprise_number": "BE 0412.345.614",
            "vat_number": "BE0412345614",
            "country": "BE",
            "default_language": "nl",
        },
    )
    company = Company.objects.get(enterprise_number="0412345614")
    assert response["Location"] == reverse(
        "companies:dashboard", kwargs={"company_id": company.public_id}
    )
    assert company.peppol_id == "0208:0412345614"
    assert company.plan.code == "start"

    # and invite a colleague
    with django_capture_on_commit_callbacks(execute=True):
        founder.post(
            reverse("companies:member-list", kwargs={"company_id": company.public_id}),
            {"email": "jan@bakkerij.be", "role": Role.MEMBER},
        )
    invitation_mail = mail.outbox[-1]
    assert invitation_mail.to == ["jan@bakkerij.be"]
    accept_path = _link_from(invitation_mail)

    # then the colleague, signed in with a company of their own, accepts and can switch
    colleague = factories.UserFactory(email="jan@bakkerij.be")
    own = factories.CompanyFactory(name="Jan Eenmanszaak")
    factories.MembershipFactory(company=own, user=colleague, role=Role.OWNER)
    client = Client()
    client.force_login(colleague)
    assert client.get(accept_path).status_code == 200
    response = client.post(accept_path)
    assert response["Location"] == reverse(
        "companies:dashboard", kwargs={"company_id": company.public_id}
    )
    with all_companies():
        assert Membership.objects.get(company=company, user=colleague).role == Role.MEMBER
    page = client.get(reverse("companies:dashboard", kwargs={"company_id": own.public_id}))
    html = page.content.decode()
    assert "Bakkerij An BV" in html  # in the switcher
    assert reverse("companies:dashboard", kwargs={"company_id": company.public_id}) in html


def test_reused_invitation_is_refused_and_changes_nothing(company, owner):
    invitation = factories.InvitationFactory(company=company, email="x@example.be")
    first = factories.UserFactory(email="x@example.be")
    second = factories.UserFactory()
    path = reverse("companies:invitation-accept", args=[invitation.token])
    client = Client()
    client.force_login(first)
    client.post(path)
    client.force_login(second)
    response = client.post(path)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    with all_companies():
        assert not Membership.objects.filter(user=second).exists()


def test_expired_invitation_is_refused(company, owner):
    invitation = factories.InvitationFactory(company=company)
    user = factories.UserFactory()
    client = Client()
    client.force_login(user)
    with time_machine.travel(invitation.expires_at, tick=False):
        response = client.post(reverse("companies:invitation-accept", args=[invitation.token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    with all_companies():
        assert not Membership.objects.filter(user=user).exists()
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING


def test_revoked_or_unknown_invitation_is_refused(company, owner):
    invitation = factories.InvitationFactory(company=company, status=Invitation.Status.REVOKED)
    client = Client()
    client.force_login(factories.UserFactory())
    assert (
        client.get(reverse("companies:invitation-accept", args=[invitation.token])).status_code
        == 410
    )
    assert client.get(reverse("companies:invitation-accept", args=["nope"])).status_code == 410


def test_invalid_enterprise_number_is_explained_in_dutch(db, client_for):
    client = client_for(factories.UserFactory(language="nl"))
    client.cookies["okioki_language"] = "nl"
    response = client.post(
        reverse("companies:company-create"),
        {
            "name": "Fout BV",
            "enterprise_number": "0412.345.615",
            "country": "BE",
            "default_language": "nl",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    assert "controlecijfers" in response.content.decode()
    assert not Company.objects.filter(name="Fout BV").exists()


def test_duplicate_company_is_refused(company, client_for):
    client = client_for(factories.UserFactory())
    response = client.post(
        reverse("companies:company-create"),
        {
            "name": "Copycat",
            "enterprise_number": company.enterprise_number,
            "country": "BE",
            "default_language": "en",
        },
    )
    assert response.status_code == 200
    assert "already exists on OkiOki" in response.content.decode()
    assert Company.objects.filter(enterprise_number=company.enterprise_number).count() == 1


def test_totp_enrolment_and_login_with_a_code(db):
    user = factories.UserFactory(email="secure@example.be")
    client = Client()
    with time_machine.travel("2026-11-24 10:00:00+00:00", tick=False) as traveller:
        client.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
        # enrolling is sensitive: the password is asked again first
        assert client.get(reverse("mfa_activate_totp")).status_code == 302
        client.post(reverse("account_reauthenticate"), {"password": factories.PASSWORD})
        assert client.get(reverse("mfa_activate_totp")).status_code == 200
        secret = client.session[SECRET_SESSION_KEY]
        response = client.post(reverse("mfa_activate_totp"), {"code": factories.totp_code(secret)})
        assert response.status_code == 302
        client.post(reverse("account_logout"))

        # a password alone is no longer enough
        traveller.shift(60)
        response = Client().post(
            reverse("account_login"), {"login": user.email, "password": factories.PASSWORD}
        )
        assert response["Location"] == reverse("mfa_authenticate")

        second = Client()
        second.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
        wrong = second.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert wrong.status_code == 200
        response = second.post(reverse("mfa_authenticate"), {"code": factories.totp_code(secret)})
        assert response.status_code == 302
        assert second.get(reverse("companies:home")).status_code == 200
    assert User.objects.get(pk=user.pk).authenticator_set.count() >= 1


def test_login_is_rate_limited(db, settings):
    # given the project's configured limit of failed sign-ins per account (LOGIN_RATE_LIMIT)
    per_account = next(
        int(rule.split("/")[0])
        for rule in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
        if rule.endswith("/key")
    )
    user = factories.UserFactory()
    client = Client()
    for _ in range(per_account):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    # when the right password comes after that many wrong ones
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": factories.PASSWORD}
    )
    # then it is refused all the same, with a message
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_login_works_below_the_rate_limit(db, settings):
    user = factories.UserFactory()
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    client.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_owner_revokes_an_invitation_and_its_link_stops_working(company, owner, client_for):
    # given a pending invitation
    invitation = factories.InvitationFactory(company=company, email="late@example.be")
    accept_url = reverse("companies:invitation-accept", args=[invitation.token])
    # when the owner revokes it
    response = client_for(owner).post(
        reverse(
            "companies:invitation-revoke",
            kwargs={"company_id": company.public_id, "invitation_id": invitation.public_id},
        )
    )
    assert response.status_code == 302
    with all_companies():
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED
    # then the link is refused (410) and accepting it changes nothing
    invitee = client_for(factories.UserFactory(email="late@example.be"))
    assert invitee.get(accept_url).status_code == 410
    response = invitee.post(accept_url)
    assert response.status_code == 410
    assert "not valid" in response.content.decode()
    with all_companies():
        assert not Membership.objects.filter(company=company, user__email="late@example.be")
        assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED


def test_company_list_shows_the_role_in_the_users_language(company, owner, client_for):
    # given an owner of two companies who reads Dutch
    factories.MembershipFactory(company=factories.CompanyFactory(), user=owner, role=Role.MEMBER)
    owner.language = "nl"
    owner.save()
    # when they open the list of their companies
    html = client_for(owner).get(reverse("companies:home") + "?all=1").content.decode()
    # then the roles are in Dutch
    assert "Eigenaar" in html
    assert "Lid" in html
    assert "Owner" not in html
