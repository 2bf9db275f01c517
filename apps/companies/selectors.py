"""Reads about companies, memberships and offices. Cross-company lists are listed bypasses."""

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.companies.models import (
    AccountingOffice,
    Company,
    Invitation,
    Membership,
    OfficeClientLink,
    OfficeMember,
    Role,
)


@dataclass(frozen=True)
class CompanyChoice:
    company: Company
    role: str
    via_office: bool

    @property
    def role_label(self) -> str:
        """The role as people read it, in the active language."""
        return str(Role(self.role).label)


def company_list_for_user(*, user: User) -> list[CompanyChoice]:
    """Every company the user can open: direct memberships first, then office clients.

    Listed bypass: this list spans companies by nature; it only ever filters by ``user``.
    """
    if not user.is_authenticated:
        return []
    choices: dict[int, CompanyChoice] = {}
    memberships = (
        Membership.objects.unscoped()
        .filter(user=user, company__is_active=True)
        .select_related("company")
        .order_by("company__name")
    )
    for membership in memberships:
        choices[membership.company_id] = CompanyChoice(
            membership.company, membership.role, via_office=False
        )
    links = (
        OfficeClientLink.objects.unscoped()
        .filter(
            office__members__user=user,
            status=OfficeClientLink.Status.ACTIVE,
            company__is_active=True,
        )
        .select_related("company")
        .order_by("company__name")
    )
    for link in links:
        choices.setdefault(link.company_id, CompanyChoice(link.company, Role.ACCOUNTANT, True))
    return list(choices.values())


def office_list_for_user(*, user: User) -> list[AccountingOffice]:
    return [
        member.office for member in OfficeMember.objects.filter(user=user).select_related("office")
    ]


def office_get_for_user(*, user: User, office_id: str) -> AccountingOffice | None:
    member = (
        OfficeMember.objects.filter(user=user, office__public_id=office_id)
        .select_related("office")
        .first()
    )
    return member.office if member else None


def office_client_list(*, office: AccountingOffice) -> QuerySet[OfficeClientLink]:
    """An office's clients with their plans. Listed bypass: one office, many companies.

    The office's own requests by enterprise number stay out until the owner approves: they
    must not tell the office whether, or which, company has the number."""
    return (
        OfficeClientLink.objects.unscoped()
        .filter(office=office)
        .exclude(status=OfficeClientLink.Status.ENDED)
        .exclude(
            status=OfficeClientLink.Status.PENDING, initiated_by=OfficeClientLink.Initiator.OFFICE
        )
        .select_related("company", "company__plan")
        .order_by("company__name")
    )


def membership_list(*, company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitation_list(*, company: Company) -> QuerySet[Invitation]:
    return Invitation.objects.filter(company=company, status=Invitation.Status.PENDING)


def office_link_list(*, company: Company) -> QuerySet[OfficeClientLink]:
    return (
        OfficeClientLink.objects.filter(company=company)
        .exclude(status=OfficeClientLink.Status.ENDED)
        .select_related("office", "requested_by")
    )


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """Listed bypass: the invitee is not a member yet; the secret token is the key."""
    return Invitation.objects.unscoped().filter(token=token).select_related("company").first()
