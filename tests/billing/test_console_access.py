"""Who may open the staff console: staff only, behind their two-factor authentication.

Anonymous visitors are sent to sign in; anyone signed in who is not staff (an outsider, a
member, an accountant, an owner, even of the company the page is about) gets a 404, as if the
console did not exist; staff without an authenticator app, where staff must have one, are
sent to set it up first."""

import pytest
from django.urls import reverse

from apps.billing.console import services
from apps.billing.models import ConsoleChange, Plan, PlanOverride
from tests import factories
from tests.access import ROLES, cases, check_access
from tests.billing.console_rows import override, plan

CONSOLE_ROLES = (*ROLES, "staff")
PAGE = [302, 404, 404, 404, 404, 404, 200]  # anonymous, outsider, … owner, staff
WRITE = [302, 404, 404, 404, 404, 404, 302]

PLAN_VALUES = {
    "name": "Collect 70",
    "description": "70 documents a month",
    "monthly_price": "39.00",
    "documents_per_month": "70",
    "extra_document_price": "0.30",
    "bank_accounts": "2",
    "mailboxes": "2",
    "cloud_folders": "2",
    "is_active": "on",
}


def _url(view, company):
    """The URL of ``view`` for ``company`` (and a running override of it, a plan)."""
    kwargs = {}
    if view in ("console:company-detail", "console:override-create"):
        kwargs = {"company_public_id": company.public_id}
    elif view in ("console:plan-edit", "console:plan-sync"):
        kwargs = {"plan_id": plan("collect-70").public_id}
    elif view == "console:override-end":
        kwargs = {"override_id": override(company, "collect-200").public_id}
    return reverse(view, kwargs=kwargs)


# view, method, data, expected per role
MATRIX = [
    ("console:home", "get", None, PAGE),
    ("console:plan-list", "get", None, PAGE),
    ("console:plan-create", "get", None, PAGE),
    ("console:plan-edit", "get", None, PAGE),
    ("console:company-list", "get", None, PAGE),
    ("console:company-detail", "get", None, PAGE),
    ("console:failed-payment-list", "get", None, PAGE),
    ("console:change-list", "get", None, PAGE),
    ("console:plan-create", "post", {**PLAN_VALUES, "code": "collect-500"}, WRITE),
    ("console:plan-edit", "post", PLAN_VALUES, WRITE),
    ("console:plan-sync", "post", {}, WRITE),
    ("console:override-create", "post", {"reason": "Partner", "ends_on": "2099-01-31"}, WRITE),
    ("console:override-end", "post", {}, WRITE),
]


def _snapshot():
    return (
        list(ConsoleChange.objects.values_list("action", "target")),
        list(Plan.objects.values_list("code", "monthly_price", "stripe_product_id")),
        list(PlanOverride.objects.values_list("plan__code", "ended_at")),
    )


def _fake_sync(*, plan):
    plan.stripe_product_id = "prod_console"
    plan.save(update_fields=["stripe_product_id"])
    return plan


@pytest.mark.parametrize(
    ("view", "method", "data", "role", "expected"), cases(MATRIX, roles=CONSOLE_ROLES)
)
def test_access_matrix(view, method, data, role, expected, request, company, monkeypatch):
    # the Stripe helper's sync, stood in for: what is checked here is who reaches it
    monkeypatch.setattr(services, "plan_stripe_sync", _fake_sync)
    url = _url(view, company)
    if view == "console:override-create":
        data = {**data, "plan": plan("collect-70").pk}
    changes = ConsoleChange.objects.count()
    check_access(
        request,
        role,
        method,
        url,
        data,
        expected=expected,
        unchanged=_snapshot,
        wrote=(lambda: ConsoleChange.objects.count() > changes) if method == "post" else None,
    )


@pytest.mark.parametrize("role", ["member", "owner"])
def test_the_company_of_the_page_is_no_key(role, request, company, client_for):
    # given the owner (or a member) of the very company a console page is about
    client = client_for(request.getfixturevalue(role))
    url = reverse("console:company-detail", kwargs={"company_public_id": company.public_id})
    # then the console is still not theirs
    assert client.get(url).status_code == 404


def test_staff_without_totp_are_sent_to_set_it_up(settings, client_for, company):
    # given a staff member without an authenticator app, where staff must have one
    settings.STAFF_REQUIRE_2FA = True
    user = factories.UserFactory(is_staff=True)
    client = client_for(user)
    # when they open the console (a page or a write), then they set one up first
    for url in (
        reverse("console:home"),
        reverse("console:company-detail", kwargs={"company_public_id": company.public_id}),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    response = client.post(
        reverse("console:plan-sync", kwargs={"plan_id": plan("start").public_id})
    )
    assert response["Location"] == reverse("mfa_activate_totp")
    assert not ConsoleChange.objects.exists()
    page = client.get(reverse("console:home"), follow=True).content.decode()
    assert "requires two-factor authentication" in page


def test_without_the_requirement_staff_open_it_without_totp(settings, client_for, db):
    settings.STAFF_REQUIRE_2FA = False
    user = factories.UserFactory(is_staff=True)
    assert client_for(user).get(reverse("console:home")).status_code == 200


def test_an_inactive_staff_account_cannot_open_it(staff, client_for):
    client = client_for(staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert client.get(reverse("console:home")).status_code == 302
