"""Who may open or change what, per view: anonymous, outsider, accountant of another office,
member, linked accountant, owner. Denied requests change nothing."""

import pytest
from django.urls import reverse

from apps.companies.models import Invitation, Membership, OfficeClientLink, Role
from apps.companies.scoping import all_companies
from tests import factories

ROLES = ["anonymous", "outsider", "other_accountant", "member", "accountant", "owner"]


def _user(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def _snapshot():
    with all_companies():
        return (
            sorted(Invitation.objects.values_list("email", "status")),
            sorted(Membership.objects.values_list("user_id", "role")),
            sorted(OfficeClientLink.objects.values_list("office_id", "status")),
        )


# view, method, expected status per role (anonymous, outsider, other_accountant, member,
# accountant, owner); 302 for anonymous is the redirect to the login page.
MATRIX = [
    ("dashboard", "get", [302, 404, 404, 200, 200, 200]),
    ("company-edit", "get", [302, 404, 404, 403, 403, 200]),
    ("company-edit", "post", [302, 404, 404, 403, 403, 302]),
    ("member-list", "get", [302, 404, 404, 200, 200, 200]),
    ("member-list", "post", [302, 404, 404, 403, 403, 302]),
    ("invitation-revoke", "post", [302, 404, 404, 403, 403, 302]),
    ("membership-role", "post", [302, 404, 404, 403, 403, 302]),
    ("membership-remove", "post", [302, 404, 404, 403, 403, 302]),
    ("office-link-decide", "post", [302, 404, 404, 403, 403, 302]),
    ("section", "get", [302, 404, 404, 200, 200, 200]),
    ("company-two-factor", "post", [302, 404, 404, 403, 403, 302]),
]


def _cases():
    for view, method, expected in MATRIX:
        for role, status in zip(ROLES, expected, strict=True):
            yield pytest.param(view, method, role, status, id=f"{view}-{method}-{role}")


@pytest.mark.parametrize(("view", "method", "role", "expected"), list(_cases()))
def test_access_matrix(view, method, role, expected, request, company, owner, client_for):
    # given a company with objects every view can act on
    colleague = factories.MembershipFactory(company=company, role=Role.MEMBER)
    invitation = factories.InvitationFactory(company=company)
    link = factories.OfficeClientLinkFactory(
        company=company,
        status=OfficeClientLink.Status.PENDING,
        initiated_by=OfficeClientLink.Initiator.OFFICE,
    )
    kwargs = {"company_id": company.public_id}
    data: dict[str, str] = {}
    if view == "invitation-revoke":
        kwargs["invitation_id"] = invitation.public_id
    elif view in ("membership-role", "membership-remove"):
        kwargs["membership_id"] = colleague.public_id
        data = {"role": Role.ACCOUNTANT}
    elif view == "office-link-decide":
        kwargs["link_id"] = link.public_id
        data = {"decision": "approve"}
    elif view == "section":
        kwargs["section"] = "sales"
    elif view == "member-list":
        data = {"email": "new.person@example.be", "role": Role.MEMBER}
    elif view == "company-two-factor":
        data = {"required": "on"}
        factories.totp_enable(owner)  # whoever requires it must use it
    elif view == "company-edit":
        data = {
            "name": "Renamed BV",
            "vat_number": "",
            "country": "BE",
            "default_language": "fr",
        }
    client = client_for(_user(request, role))
    before = _snapshot()
    with all_companies():
        name_before = type(company).objects.get(pk=company.pk).name

    # when the role calls the view
    response = getattr(client, method)(reverse(f"companies:{view}", kwargs=kwargs), data)

    # then the status is the expected one, and a refusal changed nothing
    assert response.status_code == expected
    if expected in (403, 404) or role == "anonymous":
        assert _snapshot() == before
        with all_companies():
            assert type(company).objects.get(pk=company.pk).name == name_before
    if role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
    if view == "company-two-factor":
        with all_companies():
            company.refresh_from_db()
        assert company.require_two_factor is (role == "owner")


# The invitation link: only the invited address, signed in and verified, may accept it. The
# anonymous visitor gets the page that asks to sign in with that address; everyone else a 403
# page that says why. (``invited`` is a verified user with the invited address.)
INVITATION_ROLES = [*ROLES, "invited"]
INVITATION_MATRIX = [
    ("get", [200, 403, 403, 403, 403, 403, 200]),
    ("post", [200, 403, 403, 403, 403, 403, 302]),
]


def _invitation_cases():
    for method, expected in INVITATION_MATRIX:
        for role, status in zip(INVITATION_ROLES, expected, strict=True):
            yield pytest.param(method, role, status, id=f"invitation-accept-{method}-{role}")


@pytest.mark.parametrize(("method", "role", "expected"), list(_invitation_cases()))
def test_invitation_matrix(method, role, expected, request, company, owner, client_for, mailoutbox):
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")
    if role == "invited":
        user = factories.UserFactory(email="invited@example.be")
    else:
        user = _user(request, role)
    client = client_for(user)
    before = _snapshot()

    url = reverse("companies:invitation-accept", args=[invitation.token])
    response = getattr(client, method)(url)

    assert response.status_code == expected
    if role != "invited" or method == "get":
        assert _snapshot() == before
        assert mailoutbox == []
