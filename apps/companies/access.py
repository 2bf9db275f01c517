"""Who may do what in a company. The single place that answers "can this user see it?"."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest

from apps.accounts.models import User
from apps.companies.models import Company, Membership, OfficeClientLink, Role


class Action(StrEnum):
    VIEW = "view"
    EDIT_DATA = "edit_data"  # documents, sales, bank: day-to-day work
    MANAGE_COMPANY = "manage_company"  # company details, logo
    MANAGE_MEMBERS = "manage_members"
    MANAGE_BILLING = "manage_billing"
    CONFIGURE_TRANSFER = "configure_transfer"  # approve, retry, cancel, send one document
    # Change where documents go (addresses, preset, on/off) and resend a whole period: the
    # owner, or an accountant of an office the owner linked (never a plain member).
    ROUTE_TRANSFER = "route_transfer"
    MANAGE_OFFICE_LINKS = "manage_office_links"


_ALLOWED: dict[str, set[Action]] = {
    Role.OWNER: set(Action),
    Role.MEMBER: {Action.VIEW, Action.EDIT_DATA, Action.CONFIGURE_TRANSFER},
    Role.ACCOUNTANT: {Action.VIEW, Action.CONFIGURE_TRANSFER, Action.ROUTE_TRANSFER},
}
# Allowed to an accountant only through an active office link (which the owner approved),
# not to someone who merely holds the accountant role as a direct member.
_VIA_OFFICE_ONLY: dict[str, set[Action]] = {Role.ACCOUNTANT: {Action.ROUTE_TRANSFER}}


@dataclass(frozen=True)
class Access:
    company: Company
    role: str
    via_office: bool = False

    def can(self, action: Action) -> bool:
        if action in _VIA_OFFICE_ONLY.get(self.role, set()) and not self.via_office:
            return False
        return action in _ALLOWED.get(self.role, set())

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def access_for(user: User | AnonymousUser, company: Company) -> Access | None:
    """The user's access to ``company``, or None. Direct membership wins over an office link.

    Both lookups bypass the scope on purpose (listed bypass): this is the check that decides
    which scope to set.
    """
    if not user.is_authenticated or not company.is_active:
        return None
    membership = (
        Membership.objects.unscoped().filter(company=company, user=user).only("role").first()
    )
    if membership is not None:
        return Access(company=company, role=membership.role)
    linked = (
        OfficeClientLink.objects.unscoped()
        .filter(
            company=company,
            status=OfficeClientLink.Status.ACTIVE,
            office__members__user=user,
        )
        .exists()
    )
    if linked:
        return Access(company=company, role=Role.ACCOUNTANT, via_office=True)
    return None


def company_access_or_404(
    user: User | AnonymousUser, company_id: UUID | str
) -> tuple[Company, Access]:
    """The active company with public id ``company_id`` and the user's access to it; a 404
    when it is missing, inactive or not theirs (the same answer for all three). The one
    lookup of the web middleware and the API."""
    company = Company.objects.filter(public_id=company_id, is_active=True).first()
    access = access_for(user, company) if company is not None else None
    if company is None or access is None:
        raise Http404("No such company.")
    return company, access


class UserRequest(HttpRequest):
    """A request of a signed-in user (behind ``login_required``)."""

    user: User  # narrower than HttpRequest's: signed in


class CompanyRequest(UserRequest):
    """A request to one company's page once ``CompanyScopeMiddleware`` let it through: the
    company, the user's access to it, and the company scope set for the whole request.
    Views of company pages (``company_view``) take it."""

    company: Company
    access: Access
