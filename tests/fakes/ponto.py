"""A stand-in for Ponto Connect (Isabel / Ibanity), on loopback.

It answers the routes ``apps.banking.clients.ponto`` uses, in the JSON:API shapes of
tests/banking/contract/ponto/ (test_ponto_contract.py keeps this fake to them):

- OAuth2 with PKCE: ``GET /oauth2/auth`` is the page where a user picks their bank and
  accounts; here it consents at once for the organisation set up (``consent_to``) and
  redirects back with a code. ``POST /ponto-connect/oauth2/token`` checks HTTP Basic, the
  code, the redirect URI and the S256 verifier; refresh tokens rotate (an old one is
  refused, as is every refresh once ``fail_refresh`` is set).
- ``GET /ponto-connect/userinfo``, ``/accounts`` (paged), ``/accounts/{id}``,
  ``/accounts/{id}/transactions`` and ``/pending-transactions`` (paged with
  ``page[limit]``/``page[after]`` and ``links.next``), ``POST /synchronizations`` (done at
  once: the movements waiting at the "bank" become transactions of the account, listed by
  ``GET /synchronizations/{id}/updated-transactions``, and a signed
  ``transactionsCreated`` webhook goes out when a webhook URL is set),
  ``POST /accounts/{id}/reauthorization-requests``.
- ``GET /webhooks/keys``: the public key (JWKS) of a test RSA key pair generated when the
  fake starts; ``signed(body)`` signs a webhook as Ponto does (JWT RS512 in ``Signature``,
  ``digest`` = base64 SHA-512 of the body, ``iat``/``exp``, ``iss``, ``aud``).

Test-only control routes (no auth, loopback only), under ``/__control/``:
``POST organization {id, accounts: [{id, iban, name, balance, consentExpiresAt}]}``,
``POST bank {account, amount, date, counterpartName, counterpartReference,
remittanceInformation, remittanceInformationType, pending}`` (a movement at the bank, seen at
the next synchronisation), ``POST webhook {type, account?, synchronization?}``,
``POST fail-refresh {fail}``, ``GET state``.

Run alone (``make run``'s development stand-in)::

    python -m tests.fakes.ponto --port 8054 --webhook-url URL
"""

import argparse
import base64
import datetime
import hashlib
import json
import ssl
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.http import Answer, LoopbackServer, Reply

API = "/ponto-connect"
CLIENT_ID = "ponto-client-test"
CLIENT_SECRET = "ponto-secret-test"
APPLICATION_ID = "ponto-application-test"
ORGANIZATION = "8b6fc3a6-eca2-4e52-9b6a-27a8da8b3e4a"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _now() -> str:
    return (
        datetime.datetime.now(datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _day(value: str) -> str:
    return f"{value}T00:00:00.000Z" if len(value) == 10 else value


def _error(status: int, code: str, detail: str) -> Reply:
    return Reply(status, {"errors": [{"code": code, "detail": detail, "meta": {}}]})


@dataclass
class FakePonto:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    application_id: str = APPLICATION_ID
    issuer: str = ""
    base_url: str = ""
    webhook_url: str = ""
    consent_to: str = ORGANIZATION
    fail_refresh: bool = False
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    # organisation id -> {account id -> account resource}
    organizations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    transactions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by account
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    at_bank: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # not synced yet
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    synchronizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- set-up -------------------------------------------------------------------------

    def add_organization(self, organization: str, accounts: list[dict[str, Any]]) -> None:
        with self.lock:
            held = self.organizations.setdefault(organization, {})
            for spec in accounts:
                account_id = spec.get("id") or str(uuid.uuid4())
                held[account_id] = self._account(account_id, spec)
                self.transactions.setdefault(account_id, [])
                self.pending.setdefault(account_id, [])

    def _account(self, account_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        expires = spec.get("consentExpiresAt") or (
            datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=90)
        ).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "type": "account",
            "id": account_id,
            "attributes": {
                "reference": spec.get("iban", ""),
                "referenceType": "IBAN",
                "description": spec.get("name", "Business account"),
                "holderName": spec.get("holder", "Test company"),
                "product": "Business account",
                "subtype": "checking",
                "currency": spec.get("currency", "EUR"),
                "currentBalance": spec.get("balance", 0.0),
                "currentBalanceChangedAt": _now(),
                "currentBalanceReferenceDate": _now(),
                "availableBalance": spec.get("balance", 0.0),
                "availableBalanceChangedAt": _now(),
                "availableBalanceReferenceDate": _now(),
                "authorizedAt": _now(),
                "authorizationExpirationExpectedAt": expires,
                "availability": "available",
                "deprecated": False,
            },
            "relationships": {
                "financialInstitution": {
                    "data": {"type": "financialInstitution", "id": "fake-bank"}
                },
                "transactions": {
                    "links": {"related": f"{self.base_url}{API}/accounts/{account_id}/transactions"}
                },
            },
            "links": {"self": f"{self.base_url}{API}/accounts/{account_id}"},
            "meta": {"synchronizedAt": _now()},
        }

    def bank_movement(self, account_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        """A movement at the bank: Ponto sees it at the next synchronisation."""
        day = _day(spec.get("date") or datetime.date.today().isoformat())
        pending = bool(spec.get("pending"))
        resource = {
            "type": "pendingTransaction" if pending else "transaction",
            "id": spec.get("id") or str(uuid.uuid4()),
            "attributes": {
                "valueDate": day,
                "executionDate": day,
                "amount": float(spec["amount"]),
                "currency": spec.get("currency", "EUR"),
                "counterpartName": spec.get("counterpartName", ""),
                "counterpartReference": spec.get("counterpartReference", ""),
                "description": spec.get("description", ""),
                "remittanceInformation": spec.get("remittanceInformation", ""),
                "remittanceInformationType": spec.get("remittanceInformationType", "unstructured"),
                "bankTransactionCode": None,
                "proprietaryBankTransactionCode": None,
                "internalReference": None,
                "endToEndId": None,
                "purposeCode": None,
                "mandateId": None,
                "creditorId": None,
                "additionalInformation": None,
                "fee": None,
                "cardReference": None,
                "cardReferenceType": None,
                "digest": base64.b64encode(
                    hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).digest()
                ).decode(),
            },
            "relationships": {"account": {"data": {"type": "account", "id": account_id}}},
        }
        if not pending:
            resource["links"] = {
                "self": f"{self.base_url}{API}/accounts/{account_id}/transactions/{resource['id']}"
            }
        if pending:
            resource["attributes"]["createdAt"] = _now()
            resource["attributes"]["updatedAt"] = _now()
        with self.lock:
            self.at_bank.setdefault(account_id, []).append(resource)
        return resource

    # --- signing -----------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def _int(value: int) -> str:
            return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return {
            "keys": [
                {
                    "kid": self.kid,
                    "kty": "RSA",
                    "alg": "RS512",
                    "use": "sig",
                    "status": "ACTIVE",
                    "e": _int(numbers.e),
                    "n": _int(numbers.n),
                }
            ]
        }

    def signed(
        self,
        body: bytes,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        alg: str = "RS512",
        now: float | None = None,
        **claims: Any,
    ) -> dict[str, str]:
        """The headers Ponto sends a webhook with; ``claims`` replace the right ones."""
        issued = int(now if now is not None else time.time())
        payload = {
            "digest": base64.b64encode(hashlib.sha512(body).digest()).decode(),
            "iat": issued,
            "exp": issued + 30,
            "iss": self.issuer,
            "aud": self.application_id,
            **claims,
        }
        header = {"alg": alg, "kid": kid or self.kid, "typ": "JWT"}
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())
        )
        signature = (key or self.key).sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA512()
        )
        return {"Signature": f"{signing_input}.{_b64url(signature)}"}

    def event(
        self, kind: str, *, account: str = "", synchronization: str = "", organization: str = ""
    ) -> bytes:
        relationships: dict[str, Any] = {}
        if account:
            relationships["account"] = {"data": {"type": "account", "id": account}}
        if synchronization:
            relationships["synchronization"] = {
                "data": {"type": "synchronization", "id": synchronization}
            }
        relationships["organization"] = {
            "data": {"type": "organization", "id": organization or self._owner(account)}
        }
        attributes: dict[str, Any] = {"createdAt": _now()}
        if synchronization:
            found = self.synchronizations.get(synchronization)
            attributes["count"] = len(found["updated"]) if found else 0
            attributes["synchronizedAt"] = _now()
        return json.dumps(
            {
                "data": {
                    "type": f"pontoConnect.{kind}",
                    "id": str(uuid.uuid4()),
                    "attributes": attributes,
                    "relationships": relationships,
                }
            }
        ).encode()

    def _owner(self, account_id: str) -> str:
        for organization, accounts in self.organizations.items():
            if account_id in accounts:
                return organization
        return self.consent_to

    def deliver(self, body: bytes) -> int | None:
        if not self.webhook_url:
            return None
        try:
            answer = requests.post(
                self.webhook_url,
                data=body,
                headers={"Content-Type": "application/json", **self.signed(body)},
                timeout=10,
            )
        except requests.RequestException:
            status = None
        else:
            status = answer.status_code
        self.deliveries.append({"body": body.decode(), "status": status})
        return status

    # --- HTTP ---------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        self.requests[f"{method} {path}"] += 1
        if path.startswith("/__control/"):
            return 200, self.control(method, path.removeprefix("/__control/"), body), {}
        if method == "GET" and path == "/oauth2/auth":
            return self.authorize(query)
        if method == "GET" and path == "/webhooks/keys":
            return 200, self.jwks(), {}
        if method == "POST" and path == f"{API}/oauth2/token":
            return 200, self.token(headers, body), {}
        if not path.startswith(API + "/"):
            raise _error(404, "resourceNotFound", "no such route")
        organization = self.bearer(headers)
        route = path.removeprefix(API).strip("/").split("/")
        return 200, self.api(method, route, query, body, organization), {}

    def authorize(self, query: dict[str, list[str]]) -> tuple[int, object, dict[str, str]]:
        one = {key: values[0] for key, values in query.items() if values}
        if one.get("client_id") != self.client_id or one.get("code_challenge_method") != "S256":
            raise _error(400, "invalidRequest", "client_id or PKCE missing")
        code = uuid.uuid4().hex
        with self.lock:
            self.codes[code] = {
                "challenge": one.get("code_challenge", ""),
                "redirect_uri": one.get("redirect_uri", ""),
                "organization": self.consent_to,
            }
        target = (
            one.get("redirect_uri", "")
            + "?"
            + urlencode({"code": code, "state": one.get("state", "")})
        )
        return 302, "", {"Location": target}

    def token(self, headers: Any, body: bytes) -> dict[str, Any]:
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if headers.get("Authorization") != expected:
            raise Reply(401, {"error": "invalid_client", "error_description": "bad client"})
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    raise Reply(400, {"error": "invalid_grant", "error_description": "bad code"})
                if grant["challenge"] != challenge:
                    raise Reply(
                        400, {"error": "invalid_grant", "error_description": "PKCE mismatch"}
                    )
                organization = grant["organization"]
            elif form.get("grant_type") == "refresh_token":
                organization = self.refresh_tokens.pop(form.get("refresh_token", ""), "")
                if self.fail_refresh or not organization:
                    raise Reply(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "The refresh token is invalid or revoked.",
                        },
                    )
            else:
                raise Reply(400, {"error": "unsupported_grant_type"})
            access, refresh = uuid.uuid4().hex, uuid.uuid4().hex
            self.access_tokens[access] = (organization, time.time() + 1800)
            self.refresh_tokens[refresh] = organization
        return {
            "access_token": access,
            "expires_in": 1799,
            "refresh_token": refresh,
            "scope": "ai offline_access",
            "token_type": "bearer",
        }

    def bearer(self, headers: Any) -> str:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        found = self.access_tokens.get(token)
        if found is None or found[1] < time.time():
            raise _error(401, "unauthorized", "invalid access token")
        return found[0]

    def _accounts_of(self, organization: str) -> dict[str, dict[str, Any]]:
        return self.organizations.get(organization, {})

    def _page(
        self, path: str, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        limit = int((query.get("page[limit]") or ["10"])[0])
        after = (query.get("page[after]") or [""])[0]
        start = 0
        if after:
            ids = [item["id"] for item in items]
            start = ids.index(after) + 1 if after in ids else len(items)
        page = items[start : start + limit]
        url = f"{self.base_url}{API}/{path}"
        links: dict[str, str] = {"first": f"{url}?page[limit]={limit}"}
        paging: dict[str, Any] = {"limit": limit}
        if start + limit < len(items) and page:
            links["next"] = f"{url}?page[after]={page[-1]['id']}&page[limit]={limit}"
            paging["after"] = page[-1]["id"]
        return {"data": page, "links": links, "meta": {"paging": paging}}

    def api(
        self,
        method: str,
        route: list[str],
        query: dict[str, list[str]],
        body: bytes,
        organization: str,
    ) -> object:
        accounts = self._accounts_of(organization)
        with self.lock:
            if method == "GET" and route == ["userinfo"]:
                return {"sub": organization, "name": "Test company", "onboardingComplete": True}
            if method == "GET" and route == ["accounts"]:
                return self._page("accounts", list(accounts.values()), query)
            if route[0] == "accounts" and len(route) >= 2:
                account = accounts.get(route[1])
                if account is None:
                    raise _error(404, "resourceNotFound", "no such account")
                if method == "GET" and len(route) == 2:
                    return {"data": account}
                if method == "GET" and route[2:] == ["transactions"]:
                    rows = self.transactions.get(route[1], [])
                    return self._page(f"accounts/{route[1]}/transactions", rows, query)
                if method == "GET" and route[2:] == ["pending-transactions"]:
                    rows = self.pending.get(route[1], [])
                    return self._page(f"accounts/{route[1]}/pending-transactions", rows, query)
                if method == "POST" and route[2:] == ["reauthorization-requests"]:
                    data = json.loads(body or b"{}")
                    redirect = data["data"]["attributes"]["redirectUri"]
                    request_id = str(uuid.uuid4())
                    return {
                        "data": {
                            "type": "reauthorizationRequest",
                            "id": request_id,
                            "links": {
                                "redirect": f"{self.base_url}/reauthorize/{request_id}?"
                                + urlencode({"redirect_uri": redirect})
                            },
                        }
                    }
            if method == "POST" and route == ["synchronizations"]:
                return self.synchronize(json.loads(body or b"{}"), accounts)
            if route[0] == "synchronizations" and len(route) >= 2:
                found = self.synchronizations.get(route[1])
                if found is None or found["organization"] != organization:
                    raise _error(404, "resourceNotFound", "no such synchronization")
                if method == "GET" and len(route) == 2:
                    return {"data": found["resource"]}
                if method == "GET" and route[2:] == ["updated-transactions"]:
                    rows = found["updated"]
                    return self._page(
                        f"synchronizations/{route[1]}/updated-transactions", rows, query
                    )
        raise _error(404, "resourceNotFound", "no such route")

    def synchronize(self, data: dict[str, Any], accounts: dict[str, Any]) -> dict[str, Any]:
        attributes = data["data"]["attributes"]
        account_id = attributes["resourceId"]
        if account_id not in accounts:
            raise _error(404, "resourceNotFound", "no such account")
        sync_id = str(uuid.uuid4())
        updated: list[dict[str, Any]] = []
        if attributes["subtype"] in ("accountTransactions", "accountTransactionsWithUnsettled"):
            waiting = self.at_bank.pop(account_id, [])
            booked = [r for r in waiting if r["type"] == "transaction"]
            self.transactions.setdefault(account_id, [])[:0] = booked  # newest first
            self.pending[account_id] = [r for r in waiting if r["type"] == "pendingTransaction"]
            updated = booked
        resource = {
            "type": "synchronization",
            "id": sync_id,
            "attributes": {
                "resourceType": "account",
                "resourceId": account_id,
                "subtype": attributes["subtype"],
                "status": "success",
                "errors": [],
                "customerIpAddress": attributes.get("customerIpAddress", ""),
                "createdAt": _now(),
                "updatedAt": _now(),
            },
            "links": {"self": f"{self.base_url}{API}/synchronizations/{sync_id}"},
        }
        self.synchronizations[sync_id] = {
            "resource": resource,
            "updated": updated,
            "organization": self._owner(account_id),
        }
        if updated and self.webhook_url:
            body = self.event(
                "account.transactionsCreated", account=account_id, synchronization=sync_id
            )
            threading.Thread(target=self.deliver, args=(body,), daemon=True).start()
        return {"data": resource}

    def control(self, method: str, name: str, body: bytes) -> object:
        data = json.loads(body or b"{}")
        if method == "GET" and name == "state":
            with self.lock:
                return {
                    "organizations": self.organizations,
                    "transactions": self.transactions,
                    "deliveries": self.deliveries,
                    "requests": dict(self.requests),
                }
        if method == "POST" and name == "organization":
            self.add_organization(data.get("id", self.consent_to), data.get("accounts", []))
            self.consent_to = data.get("id", self.consent_to)
            return {"ok": True}
        if method == "POST" and name == "bank":
            return self.bank_movement(data["account"], data)
        if method == "POST" and name == "webhook":
            body = self.event(
                data["type"],
                account=data.get("account", ""),
                synchronization=data.get("synchronization", ""),
            )
            return {"status": self.deliver(body)}
        if method == "POST" and name == "fail-refresh":
            self.fail_refresh = bool(data.get("fail", True))
            return {"ok": True}
        raise _error(404, "resourceNotFound", "no such control")


class Server(LoopbackServer):
    """A ``FakePonto`` on ``127.0.0.1:port`` (0: a free one), in a thread."""

    def __init__(
        self,
        fake: FakePonto | None = None,
        port: int = 0,
        tls: "ssl.SSLContext | None" = None,
    ):
        """``tls``: serve HTTPS with this context (one that requires a client certificate
        stands for Ponto's mutual TLS)."""
        super().__init__(port, tls)
        self.fake = fake or FakePonto()
        self.fake.base_url = self.url
        self.fake.issuer = self.fake.issuer or self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        params = parse_qs(query, keep_blank_values=True)
        return self.fake.handle(method, path, params, headers, body)

    def common_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/vnd.api+json"}  # JSON:API, every answer


def configure(settings: Any, server: Server) -> None:
    """Point the settings at ``server``."""
    fake = server.fake
    settings.PONTO_CLIENT_ID = fake.client_id
    settings.PONTO_CLIENT_SECRET = fake.client_secret
    settings.PONTO_API_URL = server.url + API
    settings.PONTO_AUTHORIZATION_URL = server.url + "/oauth2/auth"
    settings.PONTO_WEBHOOK_KEYS_URL = server.url + "/webhooks/keys"
    settings.PONTO_WEBHOOK_ISSUER = fake.issuer
    settings.PONTO_APPLICATION_ID = fake.application_id


def private_key_pem(fake: FakePonto) -> bytes:
    return fake.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


KEPT = (
    "organizations",
    "transactions",
    "pending",
    "at_bank",
    "access_tokens",
    "refresh_tokens",
    "kid",
)
DEMO_IBAN = "BE56363123456788"  # the first demo company's account (apps/demo)


@dataclass
class StandIn(FakePonto):
    """``make run``'s stand-in: its state (and its signing key) kept in a JSON file, so that a
    restart keeps the demo's connection working."""

    state_path: Path | None = None

    def handle(self, *args: Any, **kwargs: Any) -> tuple[int, object, dict[str, str]]:
        try:
            return super().handle(*args, **kwargs)
        finally:
            self.save()

    def save(self) -> None:
        if self.state_path is None:
            return
        with self.lock:
            data = {name: getattr(self, name) for name in KEPT}
            data["key"] = private_key_pem(self).decode()
            text = json.dumps(data)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.state_path)

    def load(self) -> bool:
        if self.state_path is None or not self.state_path.exists():
            return False
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        for name in KEPT:
            if isinstance(data.get(name), type(getattr(self, name))):
                setattr(self, name, data[name])
        key = serialization.load_pem_private_key(data["key"].encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self.key = key
        return True


def _demo(fake: FakePonto, iban: str) -> None:
    """An organisation with the demo company's account, and movements waiting at the bank."""
    account = "5e1f0c1e-0d3e-4c2a-9d7e-000000000001"
    fake.add_organization(
        ORGANIZATION, [{"id": account, "iban": iban, "name": "Zichtrekening", "balance": 8421.37}]
    )
    today = datetime.date.today()
    for days, amount, name, counterpart, text in (
        (3, "-1250.00", "Immo Verhuur BV", "BE71096123456769", "Huur kantoor"),
        (2, "-89.95", "Proximus", "BE82210000000013", "Factuur 2026-11"),
        (1, "450.00", "Bakkerij Janssens", "BE68539007547034", "Factuur 12"),
    ):
        fake.bank_movement(
            account,
            {
                "amount": amount,
                "date": (today - datetime.timedelta(days=days)).isoformat(),
                "counterpartName": name,
                "counterpartReference": counterpart,
                "remittanceInformation": text,
            },
        )
    fake.bank_movement(
        account,
        {
            "amount": "-23.40",
            "pending": True,
            "counterpartName": "Shell",
            "description": "Card payment",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="A stand-in for Ponto Connect, on loopback")
    parser.add_argument("--port", type=int, default=8054)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--client-id", default=CLIENT_ID)
    parser.add_argument("--client-secret", default=CLIENT_SECRET)
    parser.add_argument("--application-id", default=APPLICATION_ID)
    parser.add_argument("--iban", default=DEMO_IBAN, help="the demo organisation's account")
    parser.add_argument("--state", default="", help="a JSON file to keep the state in")
    options = parser.parse_args()
    fake = StandIn(
        client_id=options.client_id,
        client_secret=options.client_secret,
        application_id=options.application_id,
        webhook_url=options.webhook_url,
        state_path=Path(options.state) if options.state else None,
    )
    server = Server(fake, options.port)
    if not fake.load():
        _demo(fake, options.iban)
        fake.save()
    print(f"Ponto stand-in (development only) on {server.url}", flush=True)
    server.serve()


if __name__ == "__main__":
    main()
