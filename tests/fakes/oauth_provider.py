"""A stand-in for Google's and Microsoft's sign-in (OAuth2 + OpenID Connect), on loopback.

What is faked, and why: the real providers can't be reached from the test machines, so their
HTTP endpoints are played by this small server, following their documented behaviour. What
is real: our client (``apps.inbox.clients.oauth``) and its requests, the browser that clicks
Allow, and Dovecot, which checks every XOAUTH2 sign-in by asking this server about the token
(``/introspect``, RFC 7662), as Dovecot's ``oauth2`` passdb does with a real provider.

- ``GET /authorize``: checks the client, the redirect URI, ``response_type=code`` and the
  PKCE S256 challenge, then shows a consent page: the scopes asked for, the account to sign
  in as (``signed_in_as``, editable), and Allow / Deny buttons. ``POST /authorize`` sends the
  browser back to the redirect URI with a code (or ``error=access_denied``) and the state.
- ``POST /token``: the client's id and secret (form or HTTP Basic); ``authorization_code``
  checks the code (once), the redirect URI and the verifier against the challenge
  (``invalid_grant`` "PKCE verification failed" otherwise) and answers an access token, a
  refresh token, ``expires_in``, the granted ``scope`` and an ID token (RS256, with ``email``,
  ``aud`` = client id); ``refresh_token`` answers a new access token, and a new refresh token
  when ``rotate_refresh`` is on (Microsoft's way; Google keeps the same one), or
  ``invalid_grant`` once the grant is revoked.
- ``POST /revoke``: revokes the grant a refresh or access token belongs to (Google's
  endpoint); ``revoke_account(email)`` does the same as a user removing the app from their
  account.
- ``GET /userinfo`` (bearer): ``sub``, ``email``, ``email_verified``.
- ``POST /introspect`` and ``GET /tokeninfo?access_token=``: ``active`` and ``email`` of an
  access token, for Dovecot. An account in ``imap_off`` is refused there (``active``
  false), as Microsoft refuses the XOAUTH2 sign-in of an account whose IMAP its
  administrator turned off; so is a token for Microsoft Graph only (another resource).

Microsoft's way with scopes of several resources (its identity platform documents it): one
consent may cover the scopes of several resources (``https://outlook.office.com/...`` and
``https://graph.microsoft.com/...``), but each token is for one resource: the token
endpoint refuses a ``scope`` that mixes them (``invalid_scope``, AADSTS28000), gives the
token of the resource asked for (``scope`` of the code exchange or of the refresh; the
first resource consented to when the code exchange names none), and refuses a scope that
was not consented to (``invalid_grant``, AADSTS65001). ``token_scopes`` keeps each access
token's scope, for the Graph stand-in (tests/fakes/graph_mail.py).

Nothing here is the provider's exact wording; the shapes (field names, error codes, the
redirect's query) are the documented ones.
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.http import Answer, LoopbackServer, Reply

GOOGLE_CLIENT = ("google-client-test", "google-secret-test")
GMAIL_ACCOUNT = "owner@gmail.example"  # who signs in on the consent page, unless changed
MICROSOFT_ACCOUNT = "boekhouding@bakkerij.example"
MICROSOFT_CLIENT = ("microsoft-client-test", "microsoft-secret-test")


def resource_of(scope: str) -> str:
    """The resource a scope is for (``graph.microsoft.com``), "" for OpenID's own."""
    return (urlsplit(scope).hostname or "") if "://" in scope else ""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _oauth_error(code: str, description: str, status: int = 400) -> Reply:
    return Reply(status, {"error": code, "error_description": description})


@dataclass
class Grant:
    """What a user allowed a client: the refresh token's side of it."""

    email: str
    client_id: str
    scope: str
    revoked: bool = False


@dataclass
class FakeOAuthProvider:
    clients: dict[str, str] = field(default_factory=lambda: dict([GOOGLE_CLIENT, MICROSOFT_CLIENT]))
    signed_in_as: str = GMAIL_ACCOUNT
    access_lifetime: int = 3600
    rotate_refresh: bool = False
    granted_scope: str = ""  # when set, the scope granted instead of the one asked for
    id_token_email: bool = True  # False: no e-mail in the ID token (userinfo has it)
    base_url: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # by refresh token
    access_tokens: dict[str, tuple[Grant, float]] = field(default_factory=dict)
    token_scopes: dict[str, str] = field(default_factory=dict)  # what each access token is for
    imap_off: set[str] = field(default_factory=set)  # accounts whose IMAP refuses XOAUTH2
    requests: Counter[str] = field(default_factory=Counter)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def reset(self) -> None:
        with self.lock:
            self.signed_in_as = GMAIL_ACCOUNT
            self.access_lifetime = 3600
            self.rotate_refresh = False
            self.granted_scope = ""
            self.id_token_email = True
            for name in ("codes", "grants", "access_tokens", "token_scopes", "imap_off"):
                getattr(self, name).clear()
            self.requests.clear()
            self.token_requests.clear()
            self.authorize_requests.clear()

    # --- what a user does at the provider --------------------------------------------------

    def revoke_account(self, email: str) -> int:
        """The user removes the app from their account: every grant of ``email`` ends."""
        with self.lock:
            ended = [grant for grant in self.grants.values() if grant.email == email]
            for grant in ended:
                grant.revoked = True
            return len(ended)

    def refreshes(self) -> int:
        with self.lock:
            return sum(1 for form in self.token_requests if form["grant_type"] == "refresh_token")

    # --- HTTP -----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        self.requests[f"{method} {path}"] += 1
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        one = {key: values[0] for key, values in query.items() if values}
        if path == "/authorize" and method == "GET":
            return 200, self.consent_page(one), {"Content-Type": "text/html; charset=utf-8"}
        if path == "/authorize" and method == "POST":
            return self.decide(form)
        if path == "/token" and method == "POST":
            return 200, self.token(headers, form), {}
        if path == "/revoke" and method == "POST":
            return 200, self.revoke(form.get("token", "") or one.get("token", "")), {}
        if path == "/userinfo" and method == "GET":
            return 200, self.userinfo(headers), {}
        if path == "/introspect" and method == "POST":
            return 200, self.introspect(form.get("token", "")), {}
        if path == "/tokeninfo" and method == "GET":
            return 200, self.introspect(one.get("access_token", "")), {}
        raise Reply(404, {"error": "not_found"})

    def _check_authorize(self, one: dict[str, str]) -> None:
        if one.get("client_id") not in self.clients:
            raise _oauth_error("invalid_client", "unknown client")
        if one.get("response_type") != "code" or not one.get("redirect_uri"):
            raise _oauth_error("invalid_request", "response_type=code and redirect_uri needed")
        if one.get("code_challenge_method") != "S256" or len(one.get("code_challenge", "")) < 43:
            raise _oauth_error("invalid_request", "PKCE with S256 is required")

    def consent_page(self, one: dict[str, str]) -> str:
        self._check_authorize(one)
        with self.lock:
            self.authorize_requests.append(dict(one))
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in one.items()
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in one.get("scope", "").split())
        return (
            "<!doctype html><html><head><meta charset=utf-8>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,">'
            "<title>Sign in (test provider)</title></head><body>"
            "<h1>Test provider: sign in and allow</h1>"
            f"<p>{html.escape(one['client_id'])} asks for:</p><ul>{scopes}</ul>"
            f'<form method="post" action="/authorize">{hidden}'
            '<label>Account <input name="account" id="account" '
            f'value="{html.escape(self.signed_in_as)}"></label>'
            '<button name="decision" value="allow" id="allow">Allow</button>'
            '<button name="decision" value="deny" id="deny">Deny</button>'
            "</form></body></html>"
        )

    def decide(self, form: dict[str, str]) -> tuple[int, object, dict[str, str]]:
        self._check_authorize(form)
        target = form["redirect_uri"]
        if form.get("decision") != "allow":
            query = {"error": "access_denied", "state": form.get("state", "")}
            return 302, "", {"Location": f"{target}?{urlencode(query)}"}
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "client_id": form["client_id"],
                "redirect_uri": target,
                "challenge": form["code_challenge"],
                "scope": self.granted_scope or form.get("scope", ""),
                "email": form.get("account") or self.signed_in_as,
            }
        query = {"code": code, "state": form.get("state", "")}
        return 302, "", {"Location": f"{target}?{urlencode(query)}"}

    def _client(self, headers: Any, form: dict[str, str]) -> str:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = headers.get("Authorization") or ""
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if self.clients.get(client_id) != secret or not secret:
            raise _oauth_error("invalid_client", "client authentication failed", 401)
        return client_id

    def token(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        client_id = self._client(headers, form)
        with self.lock:
            self.token_requests.append(
                {k: v for k, v in form.items() if k not in ("client_secret",)}
            )
            kind = form.get("grant_type")
            if kind == "authorization_code":
                found = self.codes.pop(form.get("code", ""), None)
                if found is None or found["client_id"] != client_id:
                    raise _oauth_error("invalid_grant", "The code is invalid or was used.")
                if found["redirect_uri"] != form.get("redirect_uri"):
                    raise _oauth_error("invalid_grant", "redirect_uri mismatch")
                verifier = form.get("code_verifier", "")
                if _b64url(hashlib.sha256(verifier.encode()).digest()) != found["challenge"]:
                    raise _oauth_error("invalid_grant", "PKCE verification failed")
                grant = Grant(found["email"], client_id, found["scope"])
                refresh = secrets.token_urlsafe(32)
                self.grants[refresh] = grant
                answer = self._access(grant, self._token_scope(grant, form.get("scope", "")))
                answer["refresh_token"] = refresh
                answer["id_token"] = self.id_token(grant)
                return answer
            if kind == "refresh_token":
                grant = self.grants.get(form.get("refresh_token", ""))
                if grant is None or grant.revoked or grant.client_id != client_id:
                    raise _oauth_error("invalid_grant", "Token has been expired or revoked.")
                answer = self._access(grant, self._token_scope(grant, form.get("scope", "")))
                if self.rotate_refresh:
                    refresh = secrets.token_urlsafe(32)
                    self.grants[refresh] = grant
                    answer["refresh_token"] = refresh
                return answer
        raise _oauth_error("unsupported_grant_type", str(kind))

    def _token_scope(self, grant: Grant, asked: str) -> str:
        """The scope of a new access token of ``grant``: Google's grant as it is; Microsoft's
        for one resource (see the module's docstring)."""
        if grant.client_id != MICROSOFT_CLIENT[0]:
            return grant.scope
        consented = grant.scope.split()
        resources = [r for r in dict.fromkeys(map(resource_of, consented)) if r]
        wanted = asked.split()
        if not wanted:  # the first resource consented to
            first = resources[0] if resources else ""
            return " ".join(s for s in consented if resource_of(s) in ("", first))
        if len({resource_of(s) for s in wanted} - {""}) > 1:
            raise _oauth_error(
                "invalid_scope", "AADSTS28000: the scope contains more than one resource."
            )
        lacking = [s for s in wanted if s.lower() not in {c.lower() for c in consented}]
        if lacking:
            raise _oauth_error(
                "invalid_grant", f"AADSTS65001: the user has not consented to {lacking[0]}."
            )
        return " ".join(wanted)

    def _access(self, grant: Grant, scope: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        self.access_tokens[token] = (grant, time.time() + self.access_lifetime)
        self.token_scopes[token] = scope
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.access_lifetime - 1,
            "scope": scope,
        }

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.base_url,
            "aud": grant.client_id,
            "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:21],
            "iat": now,
            "exp": now + 3600,
        }
        if self.id_token_email:
            claims.update(email=grant.email, email_verified=True)
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "test"}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signature = self.key.sign(
            f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{header}.{payload}.{_b64url(signature)}"

    def revoke(self, token: str) -> dict[str, Any]:
        with self.lock:
            grant = self.grants.get(token) or (self.access_tokens.get(token) or (None, 0))[0]
            if grant is None:
                raise _oauth_error("invalid_token", "unknown token")
            grant.revoked = True
        return {}

    def _live(self, token: str) -> Grant | None:
        with self.lock:
            found = self.access_tokens.get(token)
        if found is None or found[0].revoked or found[1] < time.time():
            return None
        return found[0]

    def grant_of(self, access_token: str) -> Grant | None:
        """The grant a live access token belongs to (None: unknown, expired or revoked), for
        the stand-ins of the providers' APIs that check bearer tokens."""
        return self._live(access_token)

    def userinfo(self, headers: Any) -> dict[str, Any]:
        grant = self._live((headers.get("Authorization") or "").removeprefix("Bearer "))
        if grant is None:
            raise Reply(401, {"error": "invalid_token"})
        return {
            "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:21],
            "email": grant.email,
            "email_verified": True,
        }

    def live_scope(self, token: str) -> tuple[Grant, str] | None:
        """The grant and scope of a live access token (for the Graph stand-in)."""
        grant = self._live(token)
        if grant is None:
            return None
        with self.lock:
            return grant, self.token_scopes.get(token, grant.scope)

    def introspect(self, token: str) -> dict[str, Any]:
        found = self.live_scope(token)
        if found is None:
            return {"active": False}
        grant, scope = found
        resources = {resource_of(s) for s in scope.split()} - {""}
        if grant.email in self.imap_off or resources == {"graph.microsoft.com"}:
            return {"active": False}  # IMAP is off, or the token is for Graph only
        with self.lock:
            expires = int(self.access_tokens[token][1])
        return {
            "active": True,
            "email": grant.email,
            "scope": scope,
            "client_id": grant.client_id,
            "exp": expires,
        }


class Server(LoopbackServer):
    """A ``FakeOAuthProvider`` (or another stand-in with ``handle`` and ``base_url``, such as
    tests/fakes/graph_mail.py) on ``127.0.0.1`` (a free port), in a thread."""

    methods = ("GET", "POST", "PATCH")

    def __init__(self, fake: Any = None, port: int = 0):
        super().__init__(port)
        self.fake = fake or FakeOAuthProvider()
        self.fake.base_url = self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        params = parse_qs(query, keep_blank_values=True)
        answer: Answer = self.fake.handle(method, path, params, headers, body)
        return answer

    def common_headers(self) -> dict[str, str]:
        return {"Cache-Control": "no-store"}


def configure(settings: Any, server: Server, *, imap_port: int) -> None:
    """Point Google's and Microsoft's settings at ``server``, and their IMAP at a Dovecot on
    ``imap_port`` of this computer."""
    for prefix, (client_id, secret) in (("GOOGLE", GOOGLE_CLIENT), ("MICROSOFT", MICROSOFT_CLIENT)):
        setattr(settings, f"{prefix}_CLIENT_ID", client_id)
        setattr(settings, f"{prefix}_CLIENT_SECRET", secret)
        setattr(settings, f"{prefix}_AUTH_URL", f"{server.url}/authorize")
        setattr(settings, f"{prefix}_TOKEN_URL", f"{server.url}/token")
        setattr(settings, f"{prefix}_REVOKE_URL", f"{server.url}/revoke")
        setattr(settings, f"{prefix}_IMAP_URL", f"imap://127.0.0.1:{imap_port}")
    settings.GOOGLE_USERINFO_URL = f"{server.url}/userinfo"
