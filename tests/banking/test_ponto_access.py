"""Who may connect the bank, finish a connection and renew a consent: anonymous, outsider,
accountant of another office, member, accountant and owner. Only an owner manages the
company's bank connection; denied requests change nothing, allowed changes are made."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from apps.banking.models import BankAccount, BankConnection
from apps.banking.services import connections as services
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from tests.access import cases, check_access
from tests.fakes.ponto import ORGANIZATION, FakePonto, Server, configure

MANAGE = [302, 404, 404, 403, 403, 302]
ACCOUNT_ID = "953934eb-229a-4fd2-8675-07794078cc7d"
MATRIX = [
    ("connection-start", "post", MANAGE),
    ("connection-complete", "get", MANAGE),
    ("account-reauthorize", "post", MANAGE),
]


@pytest.fixture
def ponto(settings):
    fake = FakePonto()
    server = Server(fake).start()
    configure(settings, server)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.SITE_URL = "http://testserver"
    fake.add_organization(ORGANIZATION, [{"id": ACCOUNT_ID, "iban": "BE86407051416150"}])
    try:
        yield fake
    finally:
        server.stop()


def _snapshot():
    return (
        sorted(BankConnection.objects.values_list("status", "state")),
        sorted(BankAccount.objects.values_list("iban", "provider_account_id")),
    )


def _pending_with_code(company) -> dict[str, str]:
    """A connection started, and what Ponto's page sends back."""
    with company_scope(company):
        target = services.connection_start(company=company, actor=None)
    answer = requests.get(target, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {"state": query["state"][0], "code": query["code"][0]}


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company, ponto):
    company.plan = Plan.objects.get(code="collect-200")
    company.save()
    kwargs = {"company_id": company.public_id}
    data: dict[str, str] = {}
    wrote = None
    if view == "connection-start":
        wrote = lambda: BankConnection.objects.filter(status="pending").exists()  # noqa: E731
    elif view == "connection-complete":
        data = _pending_with_code(company)
        wrote = lambda: BankConnection.objects.filter(status="active").exists()  # noqa: E731
    else:
        params = _pending_with_code(company)
        with company_scope(company):
            services.connection_complete(company=company, **params)
            account = BankAccount.objects.get(company=company)
        kwargs["account_id"] = account.public_id
    url = reverse(f"banking:{view}", kwargs=kwargs)
    response = check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )
    if view == "account-reauthorize" and expected == 302 and role == "owner":
        assert response["Location"].startswith(ponto.base_url + "/reauthorize/")


def test_the_callback_needs_a_signed_in_user_who_started(client, owner, client_for):
    callback = reverse("banking:ponto-callback")
    assert client.get(callback + "?code=x&state=y").status_code == 302  # to the login page
    assert client_for(owner).get(callback + "?code=x&state=y").status_code == 404
