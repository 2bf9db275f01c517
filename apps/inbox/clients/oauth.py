"""Sign-in with Google, Microsoft and Dropbox (OAuth2): one client a provider, the same for
every use.

The authorization code flow with PKCE (S256), for a web application (a confidential client:
the secret goes in the form to the token endpoint, as both providers document):

- ``authorization_url``: where the user signs in and consents, with a ``state`` and the S256
  challenge of a verifier kept on our side; Google is asked for offline access (a refresh
  token) and to show its consent screen again (``prompt=consent``: a new refresh token every
  time), Microsoft to let the user pick the account, Dropbox for a refresh token
  (``token_access_type=offline``).
- ``exchange_code`` and ``refresh``: the token endpoint. A refresh token that is revoked or
  expired answers ``invalid_grant`` (``OAuthError.grant_lost``); Microsoft rotates refresh
  tokens, Google keeps the same one (its answer has none: the old one stays).
- ``account_address``: the account's e-mail address, from the ID token the token endpoint
  gave (received over TLS straight from the provider, so its signature need not be checked:
  OpenID Connect Core 1.0, 3.1.3.7), else from the userinfo endpoint (Dropbox:
  ``users/get_current_account``, a POST).
- ``revoke``: give the grant back (Google: the token in a form; Dropbox: ``auth/token/revoke``
  called with an access token of the grant, which ends the grant; Microsoft has no such
  endpoint).

Scopes are named by purpose (``mail``, ``graph_mail`` for Microsoft Graph; cloud drives add
theirs), so that a mailbox and,
later, a Google Drive or OneDrive folder use the same client. Every call goes through the
outgoing-connection guard (``apps.core.outbound``), never follows a redirect, has a timeout
and a bounded answer. The provider's endpoints come from settings, never from users.
"""

import base64
import datetime
import hashlib
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from apps.core.outbound import AnswerTooLarge, DestinationRefused, guarded_session, read_limited

CONNECT_SECONDS = 5
READ_SECONDS = 20
ANSWER_BYTES = 1024 * 1024
DEFAULT_LIFETIME = 3600  # seconds, when the answer does not say

GOOGLE = "google"
MICROSOFT = "microsoft"
DROPBOX = "dropbox"
PROVIDERS = (GOOGLE, MICROSOFT)  # of mailboxes; drives sign in with these and Dropbox
NAMES = {GOOGLE: "Google", MICROSOFT: "Microsoft", DROPBOX: "Dropbox"}
GMAIL_SCOPE = "https://mail.google.com/"  # the only Google scope that allows IMAP
OUTLOOK_IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
# Read and move mail through Microsoft Graph, for the accounts whose IMAP is off. Not
# Mail.Read without the move option: Microsoft consents per permission, so a token for
# Mail.Read would need a consent of its own, and the move option may be set at any time.
GRAPH_MAIL_SCOPE = "https://graph.microsoft.com/Mail.ReadWrite"
# the scopes of one token, each of a single resource (Microsoft refuses to mix them)
# OneDrive and the SharePoint libraries of the sites the user follows (read, and move files
# into a sub-folder)
GRAPH_FILES_SCOPE = "https://graph.microsoft.com/Files.ReadWrite.All"
GRAPH_SITES_SCOPE = "https://graph.microsoft.com/Sites.Read.All"
# Drive folders: the whole Drive, as a folder picked in our own browser (not Google's
# picker) and files moved in it need (drive.file sees only files the app created)
GOOGLE_DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    (GOOGLE, "mail"): ("openid", "email", GMAIL_SCOPE),
    (MICROSOFT, "mail"): ("openid", "email", "offline_access", OUTLOOK_IMAP_SCOPE),
    (MICROSOFT, "graph_mail"): ("offline_access", GRAPH_MAIL_SCOPE),
    (GOOGLE, "files"): ("openid", "email", GOOGLE_DRIVE_SCOPE),
    (MICROSOFT, "files"): (
        "openid",
        "email",
        "offline_access",
        GRAPH_FILES_SCOPE,
        GRAPH_SITES_SCOPE,
    ),
    # Dropbox: the account's address, listing, reading, and moving files into a sub-folder
    (DROPBOX, "files"): (
        "account_info.read",
        "files.metadata.read",
        "files.content.read",
        "files.content.write",
    ),
}
# Asked for at sign-in besides the purpose's own scopes: Microsoft lets one consent cover the
# scopes of several resources, and its refresh token then gives a token for each. A mailbox
# whose IMAP turns out to be off is read through Graph without signing in again.
CONSENT_ALSO: dict[tuple[str, str], tuple[str, ...]] = {(MICROSOFT, "mail"): (GRAPH_MAIL_SCOPE,)}
# the scope without which a grant is of no use for the purpose (a user may untick it)
REQUIRED_SCOPE = {
    (GOOGLE, "mail"): GMAIL_SCOPE,
    (MICROSOFT, "mail"): OUTLOOK_IMAP_SCOPE,
    (MICROSOFT, "graph_mail"): GRAPH_MAIL_SCOPE,
    (DROPBOX, "files"): "files.content.read",
    (MICROSOFT, "files"): GRAPH_FILES_SCOPE,
    (GOOGLE, "files"): GOOGLE_DRIVE_SCOPE,
}
# what the token endpoint answers when only the user can mend it: sign in again
GRANT_LOST = {"invalid_grant", "interaction_required", "consent_required", "login_required"}


class OAuthError(Exception):
    """The provider could not be reached or said no. ``code``: OAuth's ``error``;
    ``temporary``: worth trying again later."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", temporary: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.temporary = temporary

    @property
    def grant_lost(self) -> bool:
        """The user revoked the access, or it expired: only signing in again mends it."""
        return self.code in GRANT_LOST

    @property
    def consent_missing(self) -> bool:
        """The grant is alive but was never given for what was asked (Microsoft: AADSTS65001,
        "the user or administrator has not consented"): signing in once more adds it."""
        return self.code == "consent_required" or (
            self.code in ("invalid_grant", "interaction_required") and "AADSTS65001" in self.message
        )


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str  # empty when the answer gave none (keep the one you have)
    expires_at: datetime.datetime
    scope: str = ""  # what was granted, when the answer says
    id_token: str = ""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    security: str  # ssl or plain (this computer only)


def challenge_of(verifier: str) -> str:
    """PKCE's S256 code challenge of ``verifier`` (RFC 7636, 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _text(data: object, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) else ""


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (see the module's docstring for when that is right)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


@dataclass
class OAuthClient:
    provider: str  # google, microsoft or dropbox
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    revoke_url: str = ""
    userinfo_url: str = ""
    userinfo_method: str = "GET"  # Dropbox's is an RPC endpoint: POST
    imap_url: str = ""
    authorize_extras: dict[str, str] = field(default_factory=dict)
    scope_on_refresh: bool = False  # Microsoft wants the scopes again when refreshing
    # Dropbox revokes the grant of the access token that calls it (no token in a form)
    revoke_with_bearer: bool = False

    @property
    def name(self) -> str:
        return NAMES.get(self.provider, self.provider.title())

    def scopes(self, purpose: str) -> tuple[str, ...]:
        return SCOPES[(self.provider, purpose)]

    # the wire ---------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        *,
        form: dict[str, str] | None = None,
        access_token: str = "",
    ) -> tuple[int, Any]:
        """One call: (status, JSON or None). A failure to reach the provider is a temporary
        ``OAuthError``; a refused destination a lasting one."""
        headers = {"Accept": "application/json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        with guarded_session() as session:
            try:
                response = session.request(
                    method,
                    url,
                    headers=headers,
                    data=form,
                    timeout=(CONNECT_SECONDS, READ_SECONDS),
                    allow_redirects=False,
                    stream=True,
                )
                with response:
                    body = read_limited(response, ANSWER_BYTES)
            except AnswerTooLarge as error:
                raise OAuthError(f"{self.name}: the answer is too large") from error
            except DestinationRefused as error:
                raise OAuthError(f"{self.name}: {error}") from error
            except requests.RequestException as error:
                raise OAuthError(
                    f"{self.name} could not be reached: {type(error).__name__}", temporary=True
                ) from error
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        return response.status_code, data

    def _refusal(self, status: int, data: object) -> OAuthError:
        code, detail = _text(data, "error"), _text(data, "error_description")
        message = f"{self.name} (HTTP {status}): {code or 'no reason given'}"
        if detail:
            message += f": {detail.splitlines()[0]}"
        temporary = status >= 500 or status in (0, 408, 429) or code == "temporarily_unavailable"
        return OAuthError(message[:300], status=status, code=code, temporary=temporary)

    # OAuth ------------------------------------------------------------------------------

    def authorization_url(
        self, *, purpose: str, redirect_uri: str, state: str, verifier: str, login_hint: str = ""
    ) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(
                (*self.scopes(purpose), *CONSENT_ALSO.get((self.provider, purpose), ()))
            ),
            "state": state,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
            **self.authorize_extras,
        }
        if login_hint:
            query["login_hint"] = login_hint
        return f"{self.authorize_url}?{urllib.parse.urlencode(query)}"

    def _token(self, form: dict[str, str]) -> Tokens:
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        status, data = self._call("POST", self.token_url, form=form)
        if status != 200 or not _text(data, "access_token"):
            raise self._refusal(status, data)
        assert isinstance(data, dict)
        seconds = data.get("expires_in")
        if isinstance(seconds, str) and seconds.isdigit():
            seconds = int(seconds)
        lifetime = seconds if isinstance(seconds, int) and seconds > 0 else DEFAULT_LIFETIME
        return Tokens(
            access_token=_text(data, "access_token"),
            refresh_token=_text(data, "refresh_token"),
            expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=lifetime),
            scope=_text(data, "scope"),
            id_token=_text(data, "id_token"),
        )

    def exchange_code(
        self, *, code: str, verifier: str, redirect_uri: str, purpose: str = "mail"
    ) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        if self.scope_on_refresh:
            # a consent that covers several resources gives a token for one: say which
            form["scope"] = " ".join(self.scopes(purpose))
        return self._token(form)

    def refresh(self, refresh_token: str, *, purpose: str) -> Tokens:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if self.scope_on_refresh:
            form["scope"] = " ".join(self.scopes(purpose))
        return self._token(form)

    def revoke(self, token: str, *, purpose: str = "mail") -> None:
        """Give the grant of ``token`` (a refresh token) back. Nothing to do where the provider
        has no revocation endpoint."""
        if not self.revoke_url or not token:
            return
        if self.revoke_with_bearer:
            try:
                access = self.refresh(token, purpose=purpose).access_token
            except OAuthError as failure:
                if failure.grant_lost:
                    return  # revoked or expired already
                raise
            status, data = self._call("POST", self.revoke_url, access_token=access)
            if status == 401:
                return  # the grant ended in between
            if status != 200:
                raise self._refusal(status, data)
            return
        status, data = self._call("POST", self.revoke_url, form={"token": token})
        # an unknown (already revoked, expired) token is as good as revoked
        if status != 200 and _text(data, "error") not in ("invalid_token", "invalid_grant"):
            raise self._refusal(status, data)

    def grants(self, tokens: Tokens, purpose: str) -> bool:
        """The user allowed what ``purpose`` needs (Google lets them untick a scope)."""
        if not tokens.scope:
            return True  # the answer does not say: the requested scopes were granted
        required = REQUIRED_SCOPE[(self.provider, purpose)]
        return required.lower() in tokens.scope.lower().split()

    def account_address(self, tokens: Tokens) -> str:
        """The e-mail address of the account that signed in, lower case; "" when unknown."""
        claims = jwt_claims(tokens.id_token)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims and self.client_id in audiences:
            address = _text(claims, "email")
            if self.provider == MICROSOFT:
                # work accounts may have no e-mail claim; their sign-in name is their address
                address = address or _text(claims, "preferred_username")
            if address and claims.get("email_verified") is not False and "@" in address:
                return address.lower()
        if self.userinfo_url:
            status, data = self._call(
                self.userinfo_method, self.userinfo_url, access_token=tokens.access_token
            )
            if status != 200:
                raise self._refusal(status, data)
            address = _text(data, "email")
            if address and "@" in address and (data or {}).get("email_verified") is not False:
                return address.lower()
        return ""

    def imap_server(self) -> ImapServer:
        parts = urllib.parse.urlsplit(self.imap_url)
        secure = parts.scheme == "imaps"
        return ImapServer(
            host=parts.hostname or "",
            port=parts.port or (993 if secure else 143),
            security="ssl" if secure else "plain",
        )


def oauth_client(provider: str) -> OAuthClient | None:
    """The client of ``provider`` as configured; None when it has no client id."""
    if provider == GOOGLE and settings.GOOGLE_CLIENT_ID:
        return OAuthClient(
            provider=GOOGLE,
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=settings.GOOGLE_CLIENT_SECRET,
            authorize_url=settings.GOOGLE_AUTH_URL,
            token_url=settings.GOOGLE_TOKEN_URL,
            revoke_url=settings.GOOGLE_REVOKE_URL,
            userinfo_url=settings.GOOGLE_USERINFO_URL,
            imap_url=settings.GOOGLE_IMAP_URL,
            # a refresh token, and a new one each time the user consents again
            authorize_extras={"access_type": "offline", "prompt": "consent"},
        )
    if provider == MICROSOFT and settings.MICROSOFT_CLIENT_ID:
        return OAuthClient(
            provider=MICROSOFT,
            client_id=settings.MICROSOFT_CLIENT_ID,
            client_secret=settings.MICROSOFT_CLIENT_SECRET,
            authorize_url=settings.MICROSOFT_AUTH_URL,
            token_url=settings.MICROSOFT_TOKEN_URL,
            revoke_url=settings.MICROSOFT_REVOKE_URL,
            imap_url=settings.MICROSOFT_IMAP_URL,
            authorize_extras={"response_mode": "query", "prompt": "select_account"},
            scope_on_refresh=True,
        )
    if provider == DROPBOX and settings.DROPBOX_CLIENT_ID:
        api = settings.DROPBOX_API_URL.rstrip("/")
        return OAuthClient(
            provider=DROPBOX,
            client_id=settings.DROPBOX_CLIENT_ID,
            client_secret=settings.DROPBOX_CLIENT_SECRET,
            authorize_url=settings.DROPBOX_AUTH_URL,
            token_url=settings.DROPBOX_TOKEN_URL,
            revoke_url=f"{api}/auth/token/revoke",
            userinfo_url=f"{api}/users/get_current_account",
            userinfo_method="POST",
            # a refresh token (Dropbox's access tokens last four hours)
            authorize_extras={"token_access_type": "offline"},
            revoke_with_bearer=True,
        )
    return None
