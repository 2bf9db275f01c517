"""Ponto's documented shapes (tests/banking/contract/ponto/, sources in its README): the
client reads each one as we expect, and the fake answers with at least their keys, so that
a test passing against the fake says something about Ponto."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from apps.banking.clients.ponto import PontoClient, read_account, read_transaction
from tests.fakes.ponto import ORGANIZATION, FakePonto, Server

CONTRACT = Path(__file__).parent / "contract" / "ponto"
ACCOUNT_ID = "953934eb-229a-4fd2-8675-07794078cc7d"


def _load(name: str):
    return json.loads((CONTRACT / name).read_text(encoding="utf-8"))


def _keys(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (list items under ``[]``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(prefix + key)
            found |= _keys(inner, f"{prefix}{key}.")
    elif isinstance(value, list) and value:
        found |= _keys(value[0], f"{prefix}[].")
    return found


def test_the_documented_account_is_read():
    account = read_account(_load("accounts.json")["data"][0])
    assert account.id == ACCOUNT_ID
    assert account.iban == "BE86407051416150"
    assert account.balance == Decimal("1234.56")
    assert account.balance_date == datetime.date(2026, 12, 1)
    assert account.consent_expires_at == datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)


def test_the_documented_transaction_is_read():
    found = read_transaction(_load("transactions.json")["data"][0])
    assert found is not None
    assert found.amount == Decimal("121.00")
    assert found.booking_date == datetime.date(2026, 11, 30)
    assert found.structured_reference == "090933755493"
    assert found.counterparty_iban == "BE68539007547034"
    assert found.counterparty_name == "Café Central"


def test_the_documented_pending_transaction_is_read():
    found = read_transaction(_load("pending_transactions.json")["data"][0])
    assert found is not None
    assert found.amount == Decimal("-42.35")
    assert "Invoice 2026-118" in found.free_text


def test_the_documented_webhook_event_is_read():
    body = json.dumps(_load("webhook_transactions_created.json")).encode()
    event = PontoClient._event(body)
    assert event.type == "pontoConnect.account.transactionsCreated"
    assert event.account_id == ACCOUNT_ID
    assert event.synchronization_id == "b5f8a1f6-6b66-4f21-8e77-0c5a7d1d9d57"
    assert event.organization_id == "8b6fc3a6-eca2-4e52-9b6a-27a8da8b3e4a"


@pytest.fixture
def fake():
    ponto = FakePonto()
    server = Server(ponto).start()
    ponto.add_organization(ORGANIZATION, [{"id": ACCOUNT_ID, "iban": "BE86407051416150"}])
    ponto.bank_movement(ACCOUNT_ID, {"amount": "1.00"})
    ponto.bank_movement(ACCOUNT_ID, {"amount": "-2.00", "pending": True})
    ponto.synchronize(
        {"data": {"attributes": {"resourceId": ACCOUNT_ID, "subtype": "accountTransactions"}}},
        ponto.organizations[ORGANIZATION],
    )
    ponto.access_tokens["t"] = (ORGANIZATION, 2e9)
    try:
        yield ponto
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("fixture", "path", "pick"),
    [
        ("accounts.json", "/accounts", None),
        ("transactions.json", f"/accounts/{ACCOUNT_ID}/transactions", None),
        ("pending_transactions.json", f"/accounts/{ACCOUNT_ID}/pending-transactions", None),
        ("userinfo.json", "/userinfo", None),
    ],
)
def test_the_fake_answers_with_the_documented_keys(fake, fixture, path, pick):
    answer = requests.get(
        f"{fake.base_url}/ponto-connect{path}",
        headers={"Authorization": "Bearer t"},
        params={"page[limit]": 1},
        timeout=5,
    ).json()
    documented = _keys(_load(fixture))
    missing = documented - _keys(answer) - {"links.next", "meta.paging.after"}
    # optional in Ponto's answers, or set only where the user gave them
    missing -= {k for k in documented if k.startswith(("name", "payments"))}
    assert not missing, missing


def test_the_fake_synchronization_and_reauthorization_have_the_documented_keys(fake):
    headers = {"Authorization": "Bearer t"}
    for fixture, path in (
        ("synchronization.json", "/synchronizations"),
        ("reauthorization_request.json", f"/accounts/{ACCOUNT_ID}/reauthorization-requests"),
    ):
        contract = _load(fixture)
        answer = requests.post(
            f"{fake.base_url}/ponto-connect{path}",
            headers=headers,
            data=json.dumps(contract["request"]),
            timeout=5,
        ).json()
        assert not _keys(contract["answer"]) - _keys(answer), fixture


def test_the_fake_token_and_keys_have_the_documented_keys(fake):
    documented = _keys(_load("token.json"))
    assert documented <= _keys(
        fake.token(
            {"Authorization": "Basic " + _basic(fake)},
            b"grant_type=refresh_token&refresh_token=" + _refresh(fake).encode(),
        )
    )
    assert _keys(_load("webhook_keys.json")) <= _keys(fake.jwks())
    event = fake.event("account.transactionsCreated", account=ACCOUNT_ID, synchronization="s")
    assert _keys(_load("webhook_transactions_created.json")) <= _keys(json.loads(event))


def _basic(fake: FakePonto) -> str:
    import base64

    return base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()


def _refresh(fake: FakePonto) -> str:
    fake.refresh_tokens["r"] = ORGANIZATION
    return "r"
