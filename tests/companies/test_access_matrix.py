"""Who may open or change what, per view: anonymous, outsider, accountant of another office,
member, linked accountant, owner. Denied requests change nothing, allowed writes write."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.companies.models import Company, Invitation, Membership, OfficeClientLink, Role
from tests import factories
from tests.access import ROLES, cases, check_access


def _snapshot():
    return (
        sorted(Company.objects.values_list("name", "require_two_factor")),
        sorted(Invitation.objects.values_list("email", "status")),
        sorted(Membership.objects.values_list("user_id", "role")),
        sorted(OfficeClientLink.objects.values_list("office_id", "status")),
        len(mail.outbox),
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
    ("company-two-factor", "post", [302, 404, 404, 403, 403, 302]),
]


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company, owner):
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
    # what each write writes
    writes = {
        "company-edit": lambda: Company.objects.get(pk=company.pk).name == "Renamed BV",
        "member-list": lambda: Invitation.objects.filter(email="new.person@example.be").exists(),
        "invitation-revoke": lambda: (
            Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED
        ),
        "membership-role": lambda: Membership.objects.get(pk=colleague.pk).role == Role.ACCOUNTANT,
        "membership-remove": lambda: not Membership.objects.filter(pk=colleague.pk).exists(),
        "office-link-decide": lambda: (
            OfficeClientLink.objects.get(pk=link.pk).status == OfficeClientLink.Status.ACTIVE
        ),
        "company-two-factor": lambda: Company.objects.get(pk=company.pk).require_two_factor,
    }
    wrote = writes[view] if method == "post" else None

    # when the role calls the view, then the status is the expected one, a refusal changed
    # nothing (anonymous is sent to the sign-in page) and an allowed write wrote
    url = reverse(f"companies:{view}", kwargs=kwargs)
    check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )


# The invitation link: only the invited address, signed in and verified, may accept it. The
# anonymous visitor gets the page that asks to sign in with that address; everyone else a 403
# page that says why. (``invited`` is a verified user with the invited address.)
INVITATION_ROLES = [*ROLES, "invited"]
INVITATION_MATRIX = [
    ("invitation-accept", "get", [200, 403, 403, 403, 403, 403, 200]),
    ("invitation-accept", "post", [200, 403, 403, 403, 403, 403, 302]),
]


@pytest.fixture
def invited(db):
    return factories.UserFactory(email="invited@example.be")


@pytest.mark.parametrize(
    ("view", "method", "role", "expected"), cases(INVITATION_MATRIX, roles=INVITATION_ROLES)
)
def test_invitation_matrix(view, method, role, expected, request, company, owner):
    invitation = factories.InvitationFactory(company=company, email="invited@example.be")

    def joined():
        return Membership.objects.filter(company=company, user__email="invited@example.be").exists()

    url = reverse(f"companies:{view}", args=[invitation.token])
    wrote = joined if method == "post" else None
    check_access(request, role, method, url, expected=expected, unchanged=_snapshot, wrote=wrote)
