from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.selectors import user_has_totp
from apps.accounts.views import redirect_to_totp_setup
from apps.companies.access import CompanyRequest, company_access_or_404
from apps.companies.models import Company
from apps.companies.scoping import all_companies, company_scope, no_company

# The platform's own pages: Django's admin and the staff console (apps.billing.console).
STAFF_APPS = frozenset({"admin", "console"})


class CompanyScopeMiddleware:
    """Set the company scope for every request whose URL names a company.

    URLs of company pages carry ``<uuid:company_id>``. The user must have access to that
    company (membership or an active office link); a missing company and someone else's give
    the same 404. Requests without a company in the URL run with no scope, so a tenant-owned
    query there raises instead of leaking. The platform admin and the staff console run
    unscoped for staff (anyone else gets no scope there, and the console's views a 404).
    API views under ``/api/`` authenticate inside DRF and scope themselves.

    Two-factor requirements are enforced here too: platform staff (``STAFF_REQUIRE_2FA``) and
    everyone in a company that requires it are sent to set up TOTP first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            with no_company():
                return self.get_response(request)

        if match.app_name in STAFF_APPS and request.user.is_active and request.user.is_staff:
            if settings.STAFF_REQUIRE_2FA and not user_has_totp(user=request.user):
                return redirect_to_totp_setup(
                    request,
                    _(
                        "The platform admin requires two-factor authentication. Set up an "
                        "authenticator app to continue."
                    ),
                )
            # Listed bypass: platform admins manage every company.
            with all_companies():
                return self.get_response(request)
        if match.app_name in STAFF_APPS:
            with no_company():
                return self.get_response(request)

        company_id = match.kwargs.get("company_id")
        if company_id is None or match.route.startswith("api/"):
            with no_company():
                return self.get_response(request)

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        company, access = company_access_or_404(request.user, company_id)
        refusal = two_factor_refusal(user=request.user, company=company)
        if refusal:
            return redirect_to_totp_setup(request, refusal)
        scoped = cast(CompanyRequest, request)
        scoped.company, scoped.access = company, access
        with company_scope(company):
            return self.get_response(request)


def two_factor_refusal(*, user: User | AnonymousUser, company: Company) -> str | None:
    """Why ``user`` may not open ``company`` yet: it requires two-factor authentication and
    they have not set it up (the web sends them to set it up, the API answers 403). None when
    they may. Checked after the membership check, so the company's name is theirs to see."""
    if not company.require_two_factor or user_has_totp(user=user):
        return None
    return _(
        "%(company)s requires two-factor authentication for everyone who works in it. Set up "
        "an authenticator app to open it."
    ) % {"company": company.name}
