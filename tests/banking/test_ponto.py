"""The live bank connection through Ponto Connect, against a stand-in of Ponto on loopback
(tests/fakes/ponto.py): connecting (OAuth2 with PKCE), synchronising, Ponto's signed
webhooks (verified or refused), the consent running out, a refused refresh, and a movement
brought by both a CODA file and Ponto kept once."""

import datetime
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.banking.clients.ponto import PontoError, ponto_client
from apps.banking.models import (
    BankAccount,
    BankConnection,
    BankTransaction,
    PendingTransaction,
    StatementFile,
)
from apps.banking.services import connections as services
from apps.banking.services.statements import statement_import
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from apps.core.crypto import decrypt
from apps.core.errors import DomainError
from tests.banking.samples import read
from tests.fakes.ponto import ORGANIZATION, FakePonto, Server, configure

pytestmark = pytest.mark.django_db

IBAN = "BE86407051416150"  # the account of the CODA sample below
OTHER_IBAN = "BE12341702625236"
ACCOUNT_ID = "953934eb-229a-4fd2-8675-07794078cc7d"
OTHER_ID = "2f3e61b6-6a0e-4b59-8a3b-7d3d0e9a4f21"
SINGLE = "Coda_v2_3_single_statement.txt"


@pytest.fixture
def ponto(settings):
    fake = FakePonto()
    server = Server(fake).start()
    configure(settings, server)
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the stand-in listens on loopback
    settings.SITE_URL = "http://testserver"
    fake.add_organization(
        ORGANIZATION,
        [
            {
                "id": ACCOUNT_ID,
                "iban": "BE86 4070 5141 6150",
                "name": "Zichtrekening",
                "balance": 1500.25,
            }
        ],
    )
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def collect(company):
    company.plan = Plan.objects.get(code="collect-200")
    company.save()
    return company


def _connect(client, company, fake: FakePonto):
    """The whole OAuth round: the Bank page's button, Ponto's page, the callback."""
    start = client.post(
        reverse("banking:connection-start", kwargs={"company_id": company.public_id})
    )
    assert start.status_code == 302
    target = start["Location"]
    assert target.startswith(fake.base_url + "/oauth2/auth?")
    query = parse_qs(urlsplit(target).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://testserver" + reverse("banking:ponto-callback")]
    at_ponto = requests.get(target, allow_redirects=False, timeout=5)
    assert at_ponto.status_code == 302
    back = urlsplit(at_ponto.headers["Location"])
    callback = client.get(f"{back.path}?{back.query}")
    assert callback.status_code == 302
    return client.get(callback["Location"])


def _connected(company, fake: FakePonto) -> BankConnection:
    """A connection made through the service (without the browser round)."""
    client = ponto_client()
    assert client is not None
    with company_scope(company):
        target = services.connection_start(company=company, actor=None)
        at_ponto = requests.get(target, allow_redirects=False, timeout=5)
        query = parse_qs(urlsplit(at_ponto.headers["Location"]).query)
        result = services.connection_complete(
            company=company, state=query["state"][0], code=query["code"][0]
        )
        return result.connection


def _sync(company, connection, **kwargs):
    with company_scope(company):
        connection.refresh_from_db()
        return services.connection_sync(company=company, connection=connection, **kwargs)


# --- connecting -------------------------------------------------------------------------------


def test_connecting_links_the_account_with_the_same_iban_and_keeps_tokens_encrypted(
    ponto, collect, owner, client_for
):
    with company_scope(collect):
        existing = BankAccount.objects.create(company=collect, iban=IBAN, name="")
    answer = _connect(client_for(owner), collect, ponto)
    assert answer.status_code == 302
    with company_scope(collect):
        connection = BankConnection.objects.get(company=collect)
        account = BankAccount.objects.get(pk=existing.pk)
    assert connection.status == BankConnection.Status.ACTIVE
    assert connection.organization_id == ORGANIZATION
    assert connection.state == ""
    assert connection.code_verifier == ""
    token = decrypt(connection.access_token)
    assert token in ponto.access_tokens
    assert token not in connection.access_token  # encrypted at rest
    assert decrypt(connection.refresh_token) in ponto.refresh_tokens
    assert account.connection_id == connection.pk
    assert account.provider_account_id == ACCOUNT_ID
    assert account.consent_expires_at is not None
    assert account.name == "Zichtrekening"
    assert BankAccount.objects.unscoped().filter(company=collect).count() == 1


def test_accounts_beyond_the_plan_are_not_added_and_said(ponto, company, owner, client_for):
    company.plan = Plan.objects.get(code="collect-25")  # one bank account
    company.save()
    ponto.add_organization(ORGANIZATION, [{"id": OTHER_ID, "iban": OTHER_IBAN, "name": "Spaar"}])
    client = client_for(owner)
    answer = _connect(client, company, ponto)
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    text = page.content.decode()
    with company_scope(company):
        assert BankAccount.objects.filter(company=company).count() == 1
    assert "Not added" in text
    assert "Collect 25" in text


def test_a_callback_with_another_state_is_refused(ponto, collect, owner, client_for):
    with company_scope(collect):
        services.connection_start(company=collect, actor=owner)
        with pytest.raises(DomainError):
            services.connection_complete(company=collect, state="forged", code="x")
        assert BankConnection.objects.get(company=collect).status == "pending"


def test_a_code_with_the_wrong_verifier_is_refused_by_ponto(ponto, collect):
    with company_scope(collect):
        target = services.connection_start(company=collect, actor=None)
        connection = BankConnection.objects.get(company=collect)
        connection.code_verifier = services.encrypt("another-verifier-" + "x" * 40)
        connection.save()
        query = parse_qs(
            urlsplit(
                requests.get(target, allow_redirects=False, timeout=5).headers["Location"]
            ).query
        )
        with pytest.raises(DomainError, match="PKCE"):
            services.connection_complete(
                company=collect, state=query["state"][0], code=query["code"][0]
            )


def test_without_ponto_configured_the_bank_page_says_to_upload_or_mail(
    settings, collect, owner, client_for
):
    settings.PONTO_CLIENT_ID = ""
    page = client_for(owner).get(
        reverse("banking:overview", kwargs={"company_id": collect.public_id})
    )
    text = page.content.decode()
    assert 'id="connect-bank-unavailable"' in text
    assert 'id="connect-bank"' not in text
    answer = client_for(owner).post(
        reverse("banking:connection-start", kwargs={"company_id": collect.public_id})
    )
    assert answer.status_code == 302
    assert "/bank/" in answer["Location"]


# --- synchronising ----------------------------------------------------------------------------


def test_sync_imports_booked_transactions_once_and_pending_apart(ponto, collect):
    connection = _connected(collect, ponto)
    ponto.bank_movement(
        ACCOUNT_ID,
        {
            "amount": "121.00",
            "date": "2026-11-30",
            "counterpartName": "Café Central",
            "counterpartReference": "BE68 5390 0754 7034",
            "remittanceInformation": "+++090/9337/55493+++",
            "remittanceInformationType": "structured",
        },
    )
    ponto.bank_movement(ACCOUNT_ID, {"amount": "-42.35", "pending": True, "counterpartName": "X"})
    first = _sync(collect, connection)
    assert first.new == 1
    with company_scope(collect):
        row = BankTransaction.objects.get(company=collect)
        assert row.structured_reference == "090933755493"
        assert row.counterparty_iban == "BE68539007547034"
        assert row.booking_date == datetime.date(2026, 11, 30)
        assert row.statement.format == "ponto"
        pending = PendingTransaction.objects.get(company=collect)
        assert str(pending.amount) == "-42.35"
        account = BankAccount.objects.get(company=collect)
        assert str(account.balance) == "1500.25"
        assert account.synced_at is not None
        assert StatementFile.objects.filter(company=collect, source="ponto").count() == 1
    again = _sync(collect, connection)
    assert again.new == 0
    with company_scope(collect):
        assert BankTransaction.objects.filter(company=collect).count() == 1
        # pending ones are replaced at each synchronisation: none left at the bank now
        assert not PendingTransaction.objects.filter(company=collect).exists()


def test_a_movement_from_a_coda_file_is_not_added_again_by_ponto(ponto, collect):
    connection = _connected(collect, ponto)
    with company_scope(collect):
        coda = statement_import(company=collect, data=read(SINGLE), filename=SINGLE)
        assert coda.new > 0
        rows = list(BankTransaction.objects.filter(company=collect))
    for row in rows:
        ponto.bank_movement(
            ACCOUNT_ID,
            {
                "amount": str(row.amount),
                "date": row.booking_date.isoformat(),
                "counterpartName": row.counterparty_name + " (as Ponto writes it)",
                "counterpartReference": row.counterparty_iban,
                "remittanceInformation": row.structured_reference or row.free_text,
                "remittanceInformationType": "structured" if row.structured_reference else "",
            },
        )
    result = _sync(collect, connection)
    assert result.new == 0
    assert result.duplicates == len(rows)
    with company_scope(collect):
        assert BankTransaction.objects.filter(company=collect).count() == len(rows)


def test_a_coda_file_adds_nothing_that_ponto_brought(ponto, collect):
    with company_scope(collect):
        BankAccount.objects.create(company=collect, iban=IBAN)
        probe = statement_import(company=collect, data=read(SINGLE), filename=SINGLE)
        rows = list(BankTransaction.objects.filter(company=collect))
        BankTransaction.objects.filter(company=collect).delete()
    assert probe.new == len(rows) > 0
    connection = _connected(collect, ponto)
    for row in rows:
        ponto.bank_movement(
            ACCOUNT_ID,
            {
                "amount": str(row.amount),
                "date": row.booking_date.isoformat(),
                "counterpartReference": row.counterparty_iban,
                "remittanceInformation": row.structured_reference or row.free_text,
                "remittanceInformationType": "structured" if row.structured_reference else "",
            },
        )
    assert _sync(collect, connection).new == len(rows)
    with company_scope(collect):
        again = statement_import(company=collect, data=read(SINGLE), filename="again.cod")
        assert again.new == 0
        assert BankTransaction.objects.filter(company=collect).count() == len(rows)


def test_sync_of_a_webhooks_synchronization_reads_its_updated_transactions(ponto, collect):
    connection = _connected(collect, ponto)
    ponto.bank_movement(ACCOUNT_ID, {"amount": "10.00", "date": "2026-12-01"})
    client = ponto_client()
    with company_scope(collect):
        connection.refresh_from_db()
        token = decrypt(connection.access_token)
    sync_id, status = client.synchronize(token, ACCOUNT_ID, "accountTransactions")
    assert status == "success"
    result = _sync(collect, connection, account_id=ACCOUNT_ID, synchronization_id=sync_id)
    assert result.new == 1
    assert (
        ponto.requests[f"GET /ponto-connect/synchronizations/{sync_id}/updated-transactions"] == 1
    )


def test_paging_follows_links_next(ponto, collect):
    connection = _connected(collect, ponto)
    for day in range(1, 26):
        ponto.bank_movement(ACCOUNT_ID, {"amount": f"{day}.00", "date": f"2026-11-{day:02d}"})
    ponto.synchronize(
        {"data": {"attributes": {"resourceId": ACCOUNT_ID, "subtype": "accountTransactions"}}},
        ponto.organizations[ORGANIZATION],
    )
    client = ponto_client()
    with company_scope(collect):
        connection.refresh_from_db()
        token = decrypt(connection.access_token)
    import apps.banking.clients.ponto as module

    limit, module.PAGE_LIMIT = module.PAGE_LIMIT, 10
    try:
        found = client.transactions(token, ACCOUNT_ID, max_pages=5)
    finally:
        module.PAGE_LIMIT = limit
    assert len(found) == 25


# --- tokens -----------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_and_the_refresh_token_rotates(ponto, collect):
    connection = _connected(collect, ponto)
    with company_scope(collect):
        old_refresh = decrypt(connection.refresh_token)
        connection.token_expires_at = timezone.now() - datetime.timedelta(minutes=1)
        connection.save()
    _sync(collect, connection)
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == "active"
    assert decrypt(connection.refresh_token) != old_refresh
    assert old_refresh not in ponto.refresh_tokens


def test_a_refused_refresh_asks_to_reconnect_with_the_reason(ponto, collect, owner, client_for):
    connection = _connected(collect, ponto)
    ponto.fail_refresh = True
    with company_scope(collect):
        connection.token_expires_at = timezone.now() - datetime.timedelta(minutes=1)
        connection.save()
    result = _sync(collect, connection)
    assert result.new == 0
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == BankConnection.Status.REAUTH_NEEDED
    assert "invalid or revoked" in connection.reason
    page = client_for(owner).get(
        reverse("banking:overview", kwargs={"company_id": collect.public_id})
    )
    text = page.content.decode()
    assert "Connect your bank again" in text
    assert "invalid or revoked" in text
    assert "Out of date" in text


def test_an_access_token_refused_before_its_time_is_refreshed_at_the_next_try(ponto, collect):
    connection = _connected(collect, ponto)
    ponto.access_tokens.clear()  # Ponto no longer knows it
    ponto.bank_movement(ACCOUNT_ID, {"amount": "5.00", "date": "2026-12-01"})
    with pytest.raises(PontoError) as refused:
        _sync(collect, connection)
    assert refused.value.temporary
    assert _sync(collect, connection).new == 1
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == "active"


# --- webhooks ---------------------------------------------------------------------------------


def _post_webhook(client, body: bytes, headers: dict[str, str]):
    return client.post(
        reverse("banking:ponto-webhook"),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_a_signed_webhook_starts_a_sync_of_its_synchronization(
    ponto, collect, client, django_capture_on_commit_callbacks, monkeypatch
):
    connection = _connected(collect, ponto)
    queued = []
    from apps.banking import tasks

    monkeypatch.setattr(tasks.bank_connection_sync, "delay", lambda *a, **k: queued.append((a, k)))
    body = ponto.event("account.transactionsCreated", account=ACCOUNT_ID, synchronization="s-1")
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post_webhook(client, body, ponto.signed(body))
    assert answer.status_code == 200, answer.content
    assert queued == [
        ((collect.pk, connection.pk), {"account_id": ACCOUNT_ID, "synchronization_id": "s-1"})
    ]


@pytest.mark.parametrize(
    "tamper",
    [
        "no_header",
        "other_body",
        "other_key",
        "unknown_kid",
        "hs256",
        "expired",
        "future",
        "other_audience",
        "other_issuer",
    ],
)
def test_a_webhook_not_signed_as_ponto_signs_is_refused_and_nothing_stored(
    ponto, collect, client, monkeypatch, tamper
):
    connection = _connected(collect, ponto)
    queued = []
    from apps.banking import tasks

    monkeypatch.setattr(tasks.bank_connection_sync, "delay", lambda *a, **k: queued.append(a))
    body = ponto.event("integration.revoked", organization=ORGANIZATION)
    now = datetime.datetime.now(datetime.UTC).timestamp()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    headers = {
        "no_header": {},
        "other_body": ponto.signed(body + b" "),
        "other_key": ponto.signed(body, key=stranger),
        "unknown_kid": ponto.signed(body, kid="not-a-key"),
        "hs256": ponto.signed(body, alg="HS256"),
        "expired": ponto.signed(body, now=now - 120),
        "future": ponto.signed(body, now=now + 120),
        "other_audience": ponto.signed(body, aud="someone-else"),
        "other_issuer": ponto.signed(body, iss="https://evil.example"),
    }[tamper]
    answer = _post_webhook(client, body, headers)
    assert answer.status_code == 401
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == "active"
    assert queued == []


def test_revoked_and_blocked_are_shown_and_unblocked_resumes(
    ponto, collect, client, owner, client_for
):
    connection = _connected(collect, ponto)
    body = ponto.event("organization.blocked", organization=ORGANIZATION)
    assert _post_webhook(client, body, ponto.signed(body)).status_code == 200
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == BankConnection.Status.BLOCKED
    page = (
        client_for(owner)
        .get(reverse("banking:overview", kwargs={"company_id": collect.public_id}))
        .content.decode()
    )
    assert "Ponto has blocked your organisation" in page
    body = ponto.event("organization.unblocked", organization=ORGANIZATION)
    assert _post_webhook(client, body, ponto.signed(body)).status_code == 200
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == "active"
    body = ponto.event("integration.revoked", organization=ORGANIZATION)
    _post_webhook(client, body, ponto.signed(body))
    with company_scope(collect):
        connection.refresh_from_db()
    assert connection.status == BankConnection.Status.REVOKED


def test_the_signing_keys_are_cached(ponto, collect, client):
    _connected(collect, ponto)
    for kind in ("organization.blocked", "organization.unblocked"):
        body = ponto.event(kind, organization=ORGANIZATION)
        assert _post_webhook(client, body, ponto.signed(body)).status_code == 200
    assert ponto.requests["GET /webhooks/keys"] == 1


# --- consent ----------------------------------------------------------------------------------


def test_owners_are_warned_14_and_3_days_before_the_consent_ends_once_each(ponto, collect, owner):
    ends = timezone.now() + datetime.timedelta(days=20)
    ponto.organizations[ORGANIZATION][ACCOUNT_ID]["attributes"][
        "authorizationExpirationExpectedAt"
    ] = ends.isoformat()
    _connected(collect, ponto)

    def warn():
        with company_scope(collect), django_on_commit():
            return services.consent_warnings_send(company=collect)

    assert warn() == 0
    with time_machine.travel(ends - datetime.timedelta(days=14), tick=False):
        assert warn() == 1
        assert warn() == 0
    with time_machine.travel(ends - datetime.timedelta(days=10), tick=False):
        assert warn() == 0
    with time_machine.travel(ends - datetime.timedelta(days=3), tick=False):
        assert warn() == 1
        assert warn() == 0
    with time_machine.travel(ends + datetime.timedelta(days=1), tick=False):
        assert warn() == 0
        with company_scope(collect):
            account = BankAccount.objects.get(company=collect)
            assert services.account_live_state(account) == "stale"


def test_an_expired_consent_marks_the_balance_out_of_date_and_offers_renewal(
    ponto, collect, owner, client_for
):
    _connected(collect, ponto)
    with company_scope(collect):
        account = BankAccount.objects.get(company=collect)
        account.consent_expires_at = timezone.now() + datetime.timedelta(days=5)
        account.save()
    overview = reverse("banking:overview", kwargs={"company_id": collect.public_id})
    page = client_for(owner).get(overview).content.decode()
    assert "Consent ends" in page
    assert "Renew consent" in page
    answer = client_for(owner).post(
        reverse(
            "banking:account-reauthorize",
            kwargs={"company_id": collect.public_id, "account_id": account.public_id},
        )
    )
    assert answer.status_code == 302
    assert answer["Location"].startswith(ponto.base_url + "/reauthorize/")
    with company_scope(collect):
        account.consent_expires_at = timezone.now() - datetime.timedelta(days=1)
        account.save()
    page = client_for(owner).get(overview).content.decode()
    assert "Out of date" in page


def test_ponto_errors_say_ponto_s_words(ponto, collect):
    client = ponto_client()
    with pytest.raises(PontoError) as refused:
        client.accounts("not-a-token")
    assert refused.value.status == 401
    assert "invalid access token" in refused.value.message


class django_on_commit:
    """Run on-commit callbacks at once (the e-mails of ``owners_notify``)."""

    def __enter__(self):
        from django.db import connection

        self.connection = connection
        self.before = len(connection.run_on_commit)
        return self

    def __exit__(self, *exc):
        callbacks = self.connection.run_on_commit[self.before :]
        del self.connection.run_on_commit[self.before :]
        for _sids, callback, _robust in callbacks:
            callback()
        return False


@pytest.fixture(autouse=True)
def _mail_sent_at_once(monkeypatch):
    """``send_email.delay`` sends in the test process (locmem), so warnings can be read."""
    from apps.companies import tasks

    monkeypatch.setattr(tasks.send_email, "delay", lambda *a, **k: tasks.send_email.run(*a, **k))


@time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC), tick=False)
def test_the_warning_e_mail_names_the_account_and_the_date(ponto, collect, owner):
    ends = timezone.now() + datetime.timedelta(days=3, hours=1)
    ponto.organizations[ORGANIZATION][ACCOUNT_ID]["attributes"][
        "authorizationExpirationExpectedAt"
    ] = ends.isoformat()
    _connected(collect, ponto)
    mail.outbox.clear()
    with company_scope(collect), django_on_commit():
        assert services.consent_warnings_send(company=collect) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "3 days" in message.subject
    assert IBAN in message.body
    assert "/bank/" in message.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_end_to_end_the_webhook_of_a_synchronization_brings_its_transactions(
    ponto, live_server, settings, monkeypatch
):
    """Ponto calls the running site: its webhook is verified, the task (run at once here)
    reads the synchronisation's transactions."""
    from apps.banking import tasks
    from tests import factories

    company = factories.CompanyFactory(plan=Plan.objects.get(code="collect-200"))
    monkeypatch.setattr(
        tasks.bank_connection_sync, "delay", lambda *a, **k: tasks.bank_connection_sync(*a, **k)
    )
    connection = _connected(company, ponto)
    ponto.webhook_url = live_server.url + reverse("banking:ponto-webhook")
    ponto.bank_movement(ACCOUNT_ID, {"amount": "77.00", "date": "2026-12-01"})
    token = decrypt(BankConnection.objects.unscoped().get(pk=connection.pk).access_token)
    # the synchronisation finds the movement; Ponto then calls the webhook (in a thread)
    ponto_client().synchronize(token, ACCOUNT_ID, "accountTransactions")
    deadline = time.monotonic() + 15
    while not ponto.deliveries and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [d["status"] for d in ponto.deliveries] == [200]
    rows = BankTransaction.objects.unscoped().filter(company=company)
    assert [str(row.amount) for row in rows] == ["77.00"]


def test_the_cash_flow_page_and_the_dashboard_say_a_balance_is_out_of_date(
    ponto, collect, owner, client_for
):
    _connected(collect, ponto)
    with company_scope(collect):
        account = BankAccount.objects.get(company=collect)
        account.consent_expires_at = timezone.now() - datetime.timedelta(days=1)
        account.save()
    client = client_for(owner)
    for name in ("banking:cashflow", "companies:dashboard"):
        page = client.get(reverse(name, kwargs={"company_id": collect.public_id}))
        assert 'id="bank-consent-alert"' in page.content.decode(), name
        assert "is out of date" in page.content.decode(), name


def test_an_account_revoked_at_ponto_is_no_longer_connected(ponto, collect, client):
    _connected(collect, ponto)
    body = ponto.event("integration.accountRevoked", account=ACCOUNT_ID)
    assert _post_webhook(client, body, ponto.signed(body)).status_code == 200
    with company_scope(collect):
        account = BankAccount.objects.get(company=collect)
    assert account.connection_id is None
    assert account.provider_account_id == ""


def test_the_make_run_stand_in_keeps_its_state_and_key_across_restarts(tmp_path):
    from tests.fakes.ponto import DEMO_IBAN, StandIn, _demo

    path = tmp_path / "ponto-standin.json"
    first = StandIn(state_path=path)
    _demo(first, DEMO_IBAN)
    first.refresh_tokens["r"] = ORGANIZATION
    first.save()
    again = StandIn(state_path=path)
    assert again.load()
    assert again.jwks() == first.jwks()  # webhooks still verify after a restart
    assert again.refresh_tokens == {"r": ORGANIZATION}
    accounts = again.organizations[ORGANIZATION]
    assert [a["attributes"]["reference"] for a in accounts.values()] == [DEMO_IBAN]
