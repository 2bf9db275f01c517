"""Ponto Connect (Isabel / Ibanity): a company's bank accounts and transactions over PSD2.

The contract is read from Ponto's public documentation and its official SDKs, not from a
live account (tests/banking/contract/ponto/ holds one recorded shape per route, with where
it came from):

- OAuth2 authorization code with PKCE (S256): the user is sent to the authorization page,
  picks their bank and accounts, and comes back with a code; the code and the verifier give
  an access token (short-lived) and a refresh token (rotated at each refresh). The token
  endpoint takes the client id and secret as HTTP Basic (ibanity-python
  ``api/PontoConnect/Token.py``).
- Every API call presents the client certificate (mutual TLS, ``PONTO_CERTIFICATE`` and
  ``PONTO_PRIVATE_KEY``), goes through the outgoing-connection guard (apps.core.outbound),
  never follows a redirect, has a timeout and a bounded answer. Answers are JSON:API
  (``data``, ``links.next`` for paging).
- Webhooks carry a JWT in the ``Signature`` header, signed RS512 with a key named by ``kid``
  from Ponto's keys endpoint (cached); its claims: ``digest`` = base64(SHA-512(raw body)),
  ``iat`` and ``exp`` (30 s tolerance), ``iss``, ``aud`` = our application id
  (ibanity-ruby ``lib/ibanity/webhook.rb``). Anything else is ``WebhookRefused``.
"""

import base64
import datetime
import hashlib
import json
import logging
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.core.cache import cache

from apps.core.outbound import AnswerTooLarge, DestinationRefused, guarded_session, read_limited

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 5
READ_SECONDS = 30
ANSWER_BYTES = 8 * 1024 * 1024
PAGE_LIMIT = 100
WEBHOOK_TOLERANCE_SECONDS = 30
SIGNING_ALGORITHM = "RS512"
KEYS_CACHE = "banking:ponto:webhook-keys"
KEYS_REFETCH = "banking:ponto:webhook-keys-refetched"
KEYS_SECONDS = 3600
SCOPES = "ai offline_access"  # account information; a refresh token


class PontoError(Exception):
    """Ponto could not be reached, or said no. ``temporary``: worth trying again later;
    ``code``: OAuth's error (``invalid_grant``…) or the first JSON:API error's code."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", temporary: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.temporary = temporary


class WebhookRefused(Exception):
    """A webhook call that is not Ponto's, or not for us, or too old: nothing is stored."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class PontoAccount:
    id: str
    iban: str  # normalised when the reference is an IBAN, else ""
    name: str
    currency: str
    balance: Decimal | None
    balance_date: datetime.date | None
    consent_expires_at: datetime.datetime | None  # authorizationExpirationExpectedAt


@dataclass(frozen=True)
class PontoTransaction:
    id: str
    booking_date: datetime.date  # executionDate
    value_date: datetime.date | None
    amount: Decimal
    currency: str
    counterparty_name: str
    counterparty_iban: str
    structured_reference: str
    free_text: str
    raw: str


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str  # pontoConnect.account.transactionsCreated, …
    organization_id: str = ""
    account_id: str = ""
    synchronization_id: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


# --- reading JSON:API defensively ------------------------------------------------------------


def _text(data: object, key: str) -> str:
    value = data.get(key) if isinstance(data, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _moment(value: object) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _date(value: object) -> datetime.date | None:
    moment = _moment(value)
    return moment.date() if moment else None


def _iban(value: str) -> str:
    return "".join(value.split()).upper()


def structured_reference(text: str) -> str:
    """A Belgian structured communication (+++123/4567/89012+++) as its 12 digits, or an
    RF creditor reference, as the statement parsers give them; else ""."""
    compact = "".join(text.split())
    if compact.upper().startswith("RF"):
        return compact.upper()[:35]
    digits = "".join(ch for ch in compact if ch.isdigit())
    if len(digits) == 12 and compact.strip("+*/0123456789") == "":
        return digits
    return ""


def _related_id(resource: Mapping[str, Any], name: str) -> str:
    relationships = resource.get("relationships")
    related = relationships.get(name) if isinstance(relationships, Mapping) else None
    data = related.get("data") if isinstance(related, Mapping) else None
    return _text(data, "id")


def read_account(resource: Mapping[str, Any]) -> PontoAccount:
    attributes = resource.get("attributes") or {}
    reference = _text(attributes, "reference")
    is_iban = _text(attributes, "referenceType").upper() in ("", "IBAN")
    return PontoAccount(
        id=_text(resource, "id"),
        iban=_iban(reference) if is_iban else "",
        name=_text(attributes, "description")[:100],
        currency=_text(attributes, "currency")[:3] or "EUR",
        balance=_decimal(attributes.get("currentBalance")),
        balance_date=_date(
            attributes.get("currentBalanceReferenceDate")
            or attributes.get("currentBalanceChangedAt")
        ),
        consent_expires_at=_moment(attributes.get("authorizationExpirationExpectedAt")),
    )


def read_transaction(resource: Mapping[str, Any]) -> PontoTransaction | None:
    """A booked transaction; None when it lacks what every movement has (date, amount)."""
    attributes = resource.get("attributes") or {}
    amount = _decimal(attributes.get("amount"))
    booked = _date(attributes.get("executionDate")) or _date(attributes.get("valueDate"))
    if amount is None or booked is None or not _text(resource, "id"):
        return None
    remittance = _text(attributes, "remittanceInformation")
    structured = ""
    if _text(attributes, "remittanceInformationType") == "structured":
        structured = structured_reference(remittance)
    free_text = remittance if not structured else ""
    description = _text(attributes, "description")
    if description and description not in free_text:
        free_text = f"{free_text}\n{description}".strip()
    return PontoTransaction(
        id=_text(resource, "id"),
        booking_date=booked,
        value_date=_date(attributes.get("valueDate")),
        amount=amount,
        currency=_text(attributes, "currency")[:3] or "EUR",
        counterparty_name=_text(attributes, "counterpartName")[:200],
        counterparty_iban=_iban(_text(attributes, "counterpartReference"))[:34],
        structured_reference=structured,
        free_text=free_text,
        raw=json.dumps(resource, ensure_ascii=False, sort_keys=True),
    )


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_int(text: str) -> int:
    return int.from_bytes(_b64url(text), "big")


# --- the client -----------------------------------------------------------------------------


@dataclass
class PontoClient:
    api_url: str
    authorization_url: str
    client_id: str
    client_secret: str
    certificate: str = ""
    private_key: str = ""
    ca_bundle: str = ""  # whom to trust for Ponto's server certificate; empty: the system's
    keys_url: str = ""
    issuer: str = ""
    application_id: str = ""
    is_standin: bool = False

    # the wire ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        access_token: str = "",
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        basic: bool = False,
    ) -> tuple[int, Any]:
        """One call: (status, JSON or None). Requests' failures become a temporary
        ``PontoError``; a refused destination a lasting one."""
        headers = {"Accept": "application/vnd.api+json, application/json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        if json_body is not None:
            headers["Content-Type"] = "application/vnd.api+json"
        with guarded_session() as session:
            if self.certificate and self.private_key:
                session.cert = (self.certificate, self.private_key)
            if self.ca_bundle:
                session.verify = self.ca_bundle
            try:
                response = session.request(
                    method,
                    url,
                    headers=headers,
                    data=(json.dumps(json_body).encode() if json_body is not None else form),
                    params=params,
                    auth=(self.client_id, self.client_secret) if basic else None,
                    timeout=(CONNECT_SECONDS, READ_SECONDS),
                    allow_redirects=False,
                    stream=True,
                )
                with response:
                    body = read_limited(response, ANSWER_BYTES)
            except AnswerTooLarge as error:
                raise PontoError("Ponto: the answer is too large", temporary=True) from error
            except DestinationRefused as error:
                raise PontoError(f"Ponto: {error}") from error
            except requests.RequestException as error:
                raise PontoError(
                    f"Ponto could not be reached: {type(error).__name__}", temporary=True
                ) from error
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        return response.status_code, data

    def _api(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        url: str = "",
    ) -> dict[str, Any]:
        status, data = self._request(
            method,
            url or f"{self.api_url}/{path.lstrip('/')}",
            access_token=access_token,
            json_body=json_body,
            params=params,
        )
        if 200 <= status < 300 and isinstance(data, dict):
            return data
        raise self._refusal(status, data)

    @staticmethod
    def _refusal(status: int, data: object) -> PontoError:
        """Ponto's words: OAuth's ``error``/``error_description`` or JSON:API's ``errors``."""
        code, detail = "", ""
        if isinstance(data, dict):
            code, detail = _text(data, "error"), _text(data, "error_description")
            errors = data.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                code = code or _text(errors[0], "code")
                detail = detail or _text(errors[0], "detail")
        message = f"Ponto (HTTP {status}): {detail or code or 'no reason given'}"
        temporary = status >= 500 or status in (408, 429) or status == 0
        return PontoError(message[:300], status=status, code=code, temporary=temporary)

    # OAuth ------------------------------------------------------------------------------

    def authorization_redirect(self, *, redirect_uri: str, state: str, verifier: str) -> str:
        """Where the user picks their bank and accounts (PKCE, S256)."""
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .decode()
            .rstrip("=")
        )
        query = urllib.parse.urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": SCOPES,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.authorization_url}?{query}"

    def _token(self, form: dict[str, str]) -> Tokens:
        status, data = self._request("POST", f"{self.api_url}/oauth2/token", form=form, basic=True)
        if status != 200 or not isinstance(data, dict) or not _text(data, "access_token"):
            raise self._refusal(status, data)
        seconds = data.get("expires_in")
        lifetime = seconds if isinstance(seconds, int) and seconds > 0 else 1800
        return Tokens(
            access_token=_text(data, "access_token"),
            refresh_token=_text(data, "refresh_token") or form.get("refresh_token", ""),
            expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=lifetime),
        )

    def exchange_code(self, *, code: str, verifier: str, redirect_uri: str) -> Tokens:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )

    def refresh(self, refresh_token: str) -> Tokens:
        """A new access token, and a new refresh token (the old one is spent)."""
        return self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            }
        )

    # the API ----------------------------------------------------------------------------

    def organization_id(self, access_token: str) -> str:
        """``GET /userinfo``: ``sub`` is the user's organisation at Ponto."""
        return _text(self._api("GET", "/userinfo", access_token), "sub")

    def _pages(self, path: str, access_token: str, max_pages: int) -> list[dict[str, Any]]:
        """Every resource of a JSON:API list, following ``links.next`` (on Ponto's host only)."""
        found: list[dict[str, Any]] = []
        url, params = "", {"page[limit]": PAGE_LIMIT}
        for _page in range(max_pages):
            data = self._api("GET", path, access_token, params=params if not url else None, url=url)
            items = data.get("data")
            found.extend(item for item in items or [] if isinstance(item, dict))
            links = data.get("links")
            following = _text(links, "next") if isinstance(links, dict) else ""
            if not following or not items:
                break
            if (
                urllib.parse.urlsplit(following).netloc
                != urllib.parse.urlsplit(self.api_url).netloc
            ):
                raise PontoError("Ponto: a next page on another host")
            url = following
        return found

    def accounts(self, access_token: str) -> list[PontoAccount]:
        return [read_account(item) for item in self._pages("/accounts", access_token, 10)]

    def account(self, access_token: str, account_id: str) -> PontoAccount:
        data = self._api("GET", f"/accounts/{account_id}", access_token).get("data")
        if not isinstance(data, dict):
            raise PontoError("Ponto: no account in the answer", temporary=True)
        return read_account(data)

    def synchronize(
        self, access_token: str, account_id: str, subtype: str, customer_ip: str = ""
    ) -> tuple[str, str]:
        """``POST /synchronizations``: (its id, its status)."""
        attributes = {"resourceType": "account", "resourceId": account_id, "subtype": subtype}
        if customer_ip:
            attributes["customerIpAddress"] = customer_ip
        data = self._api(
            "POST",
            "/synchronizations",
            access_token,
            json_body={"data": {"type": "synchronization", "attributes": attributes}},
        ).get("data")
        return _text(data, "id"), _text((data or {}).get("attributes"), "status")

    def synchronization_status(self, access_token: str, synchronization_id: str) -> str:
        data = self._api("GET", f"/synchronizations/{synchronization_id}", access_token)
        return _text((data.get("data") or {}).get("attributes"), "status")

    def _transactions(self, path: str, access_token: str, max_pages: int) -> list[PontoTransaction]:
        found = (read_transaction(item) for item in self._pages(path, access_token, max_pages))
        return [t for t in found if t is not None]

    def transactions(
        self, access_token: str, account_id: str, max_pages: int = 5
    ) -> list[PontoTransaction]:
        return self._transactions(f"/accounts/{account_id}/transactions", access_token, max_pages)

    def updated_transactions(
        self, access_token: str, synchronization_id: str, max_pages: int = 20
    ) -> list[PontoTransaction]:
        return self._transactions(
            f"/synchronizations/{synchronization_id}/updated-transactions", access_token, max_pages
        )

    def pending_transactions(
        self, access_token: str, account_id: str, max_pages: int = 5
    ) -> list[PontoTransaction]:
        return self._transactions(
            f"/accounts/{account_id}/pending-transactions", access_token, max_pages
        )

    def reauthorization_request(self, access_token: str, account_id: str, redirect_uri: str) -> str:
        """``POST /accounts/{id}/reauthorization-requests``: the page where the user renews
        the bank's consent."""
        data = self._api(
            "POST",
            f"/accounts/{account_id}/reauthorization-requests",
            access_token,
            json_body={
                "data": {
                    "type": "reauthorizationRequest",
                    "attributes": {"redirectUri": redirect_uri},
                }
            },
        ).get("data")
        links = (data or {}).get("links") if isinstance(data, dict) else None
        redirect = _text(links, "redirect")
        if not redirect.startswith(("https://", "http://")):
            raise PontoError("Ponto: no reauthorization page in the answer", temporary=True)
        return redirect

    # webhooks ---------------------------------------------------------------------------

    def _keys(self, *, fresh: bool = False) -> dict[str, Any]:
        keys = None if fresh else cache.get(KEYS_CACHE)
        if keys is None:
            status, data = self._request("GET", self.keys_url)
            found = data.get("keys") if isinstance(data, dict) else None
            if status != 200 or not isinstance(found, list):
                raise WebhookRefused("Ponto's signing keys could not be read")
            keys = {_text(k, "kid"): k for k in found if isinstance(k, dict) and _text(k, "kid")}
            cache.set(KEYS_CACHE, keys, KEYS_SECONDS)
        return keys

    def _key(self, kid: str) -> rsa.RSAPublicKey:
        keys = self._keys()
        if kid not in keys and cache.add(KEYS_REFETCH, True, 300):
            keys = self._keys(fresh=True)  # a new key: read again, at most every 5 minutes
        jwk = keys.get(kid)
        if jwk is None or _text(jwk, "kty") != "RSA":
            raise WebhookRefused("unknown signing key")
        try:
            numbers = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"]))
            return numbers.public_key()
        except (KeyError, TypeError, ValueError) as error:
            raise WebhookRefused("unreadable signing key") from error

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """The event, once its signature, digest, times, issuer and audience are right;
        else ``WebhookRefused``."""
        token = (headers.get("Signature") or "").strip()
        parts = token.split(".")
        if len(parts) != 3:
            raise WebhookRefused("no signature")
        try:
            header = json.loads(_b64url(parts[0]))
            claims = json.loads(_b64url(parts[1]))
            signature = _b64url(parts[2])
        except ValueError as error:
            raise WebhookRefused("unreadable signature") from error
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise WebhookRefused("unreadable signature")
        if header.get("alg") != SIGNING_ALGORITHM or not _text(header, "kid"):
            raise WebhookRefused("not RS512 with a key id")
        key = self._key(_text(header, "kid"))
        try:
            key.verify(
                signature,
                f"{parts[0]}.{parts[1]}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA512(),
            )
        except (InvalidSignature, ValueError) as error:
            raise WebhookRefused("the signature does not verify") from error
        digest = base64.b64encode(hashlib.sha512(body).digest()).decode()
        if claims.get("digest") != digest:
            raise WebhookRefused("the digest does not match the body")
        now = time.time()
        issued, expires = claims.get("iat"), claims.get("exp")
        if not isinstance(issued, int | float) or issued > now + WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRefused("issued in the future")
        if not isinstance(expires, int | float) or expires < now - WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRefused("expired")
        if self.issuer and claims.get("iss") != self.issuer:
            raise WebhookRefused("another issuer")
        if claims.get("aud") != self.application_id:
            raise WebhookRefused("another audience")
        return self._event(body)

    @staticmethod
    def _event(body: bytes) -> WebhookEvent:
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise WebhookRefused("the body is not JSON") from error
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not _text(data, "type"):
            raise WebhookRefused("no event in the body")
        attributes = data.get("attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        return WebhookEvent(
            id=_text(data, "id"),
            type=_text(data, "type"),
            organization_id=_related_id(data, "organization")
            or _text(attributes, "organizationId"),
            account_id=_related_id(data, "account") or _text(attributes, "accountId"),
            synchronization_id=_related_id(data, "synchronization")
            or _text(attributes, "synchronizationId"),
            attributes=attributes,
        )


def ponto_client() -> PontoClient | None:
    """The configured Ponto; None when it is not (the Bank page then says statements can be
    uploaded or e-mailed instead)."""
    if not settings.PONTO_CLIENT_ID:
        return None
    return PontoClient(
        api_url=settings.PONTO_API_URL,
        authorization_url=settings.PONTO_AUTHORIZATION_URL,
        client_id=settings.PONTO_CLIENT_ID,
        client_secret=settings.PONTO_CLIENT_SECRET,
        certificate=settings.PONTO_CERTIFICATE,
        private_key=settings.PONTO_PRIVATE_KEY,
        ca_bundle=settings.PONTO_CA_BUNDLE,
        keys_url=settings.PONTO_WEBHOOK_KEYS_URL,
        issuer=settings.PONTO_WEBHOOK_ISSUER,
        application_id=settings.PONTO_APPLICATION_ID,
        is_standin=settings.PONTO_STANDIN,
    )
