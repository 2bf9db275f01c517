"""Mailboxes and drives signed in with Google, Microsoft or Dropbox (OAuth2), and the tokens
that keep them read.

- ``oauth_flow_start`` gives the provider's sign-in address and the pending sign-in to keep
  in the user's session, under its ``state``: the company, the user, the provider, the
  purpose (``mail``), the mailbox being reconnected if any, and the PKCE verifier.
  ``oauth_flow_take`` gives it back only in that session, for that company and that user,
  once, and within ``FLOW_MINUTES``: an answer that started anywhere else is refused.
- ``mailbox_oauth_connect`` takes what the provider answered: the account's address from
  the token, a refresh token, the mail scope granted. It connects the mailbox (within the
  plan's number of mailboxes), or renews the sign-in of the mailbox of that address. The
  Microsoft sign-in also consents to reading mail through Microsoft Graph, for an account
  whose IMAP turns out to be off: the same refresh token then gives a Graph token.
- ``collector_access_token`` gives a valid access token, refreshed ``REFRESH_MARGIN``
  before it expires. A grant the provider no longer honours (revoked, expired:
  ``invalid_grant``) pauses the mailbox and tells the owners, each in their language, with a
  link that reconnects it (``collector_grant_lost``).

Tokens are stored like passwords (``apps.core.crypto``): the refresh token in ``secret``,
the access token in ``access_token``. Written for any ``Collector``: cloud drives signed in
the same way use the same functions with their purpose.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.companies.services import owners_notify
from apps.core.crypto import DecryptionFailed, decrypt, encrypt
from apps.core.errors import DomainError
from apps.inbox.clients.oauth import GOOGLE, NAMES, OAuthClient, OAuthError, Tokens, oauth_client
from apps.inbox.errors import InboxError
from apps.inbox.models import CloudFolder, Collector, Mailbox
from apps.inbox.services import _check_limit, collector_scan_now

logger = logging.getLogger(__name__)

SESSION_KEY = "inbox_oauth"
FLOW_MINUTES = 30  # a sign-in started longer ago is refused
PENDING_KEPT = 5  # sign-ins under way in one session (several tabs)
REFRESH_MARGIN = datetime.timedelta(minutes=5)
PRESET = {GOOGLE: "gmail", "microsoft": "outlook"}  # the mailbox's provider preset


def provider_name(provider: str) -> str:
    return NAMES.get(provider, provider.title())


def purpose_of(collector: Collector) -> str:
    """What the collector's tokens are for: IMAP (``mail``), Microsoft Graph mail, files."""
    if isinstance(collector, Mailbox):
        return "graph_mail" if collector.transport == Mailbox.Transport.GRAPH else "mail"
    return "files"


def callback_url() -> str:
    return settings.SITE_URL + reverse("inbox:oauth-callback")


def _client(provider: str) -> OAuthClient:
    client = oauth_client(provider)
    if client is None:
        raise InboxError("oauth_not_configured", provider=provider_name(provider))
    return client


# --- the sign-in -------------------------------------------------------------------------------


def oauth_flow_start(
    *,
    session: SessionBase,
    company: Company,
    actor: User,
    provider: str,
    purpose: str = "mail",
    collector: Collector | None = None,
    drive: str = "",
) -> str:
    """The provider's sign-in page (PKCE S256), and the pending sign-in kept in ``session``."""
    client = _client(provider)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: within PKCE's 43 to 128
    pending = {
        key: value
        for key, value in dict(session.get(SESSION_KEY) or {}).items()
        if _is_fresh(value)
    }
    pending[state] = {
        "company": str(company.public_id),
        "user": actor.pk,
        "provider": provider,
        "purpose": purpose,
        "collector": str(collector.public_id) if collector is not None else "",
        "drive": drive,  # files: the CloudFolder.Provider to connect
        "verifier": verifier,
        "started": timezone.now().isoformat(),
    }
    session[SESSION_KEY] = dict(list(pending.items())[-PENDING_KEPT:])
    hint = collector.username if collector is not None else ""
    return client.authorization_url(
        purpose=purpose,
        redirect_uri=callback_url(),
        state=state,
        verifier=verifier,
        login_hint=hint,
    )


def _is_fresh(pending: object) -> bool:
    if not isinstance(pending, dict):
        return False
    try:
        started = datetime.datetime.fromisoformat(str(pending.get("started")))
    except ValueError:
        return False
    return started > timezone.now() - datetime.timedelta(minutes=FLOW_MINUTES)


def oauth_flow_company(*, session: SessionBase, state: str) -> str:
    """The company a sign-in under way in this session was started for ("" if none)."""
    pending = (session.get(SESSION_KEY) or {}).get(state)
    return str(pending.get("company", "")) if isinstance(pending, dict) else ""


STATE_REFUSED = _(
    "This answer does not belong to a sign-in you started here, or it came too late. "
    "Nothing was connected: start again."
)


def oauth_flow_take(
    *, session: SessionBase, state: str, company: Company, actor: User
) -> dict[str, Any]:
    """The pending sign-in of ``state``, taken from the session (it is used once). Refused
    (``DomainError``) unless this session started it, for this company and this user, less
    than ``FLOW_MINUTES`` ago."""
    pending_all = dict(session.get(SESSION_KEY) or {})
    pending = pending_all.pop(state, None) if state else None
    session[SESSION_KEY] = pending_all
    if (
        not isinstance(pending, dict)
        or pending.get("company") != str(company.public_id)
        or pending.get("user") != actor.pk
        or not _is_fresh(pending)
    ):
        raise DomainError(STATE_REFUSED, code="state")
    return pending


@dataclass
class Connected:
    mailbox: Mailbox
    created: bool


@dataclass
class ConnectedDrive:
    folder: CloudFolder
    created: bool


def oauth_flow_finish(
    *, company: Company, actor: User, pending: dict[str, Any], code: str, error: str = ""
) -> Connected:
    """The provider sent the user back: exchange the code (with the verifier) for tokens,
    and connect the mailbox (or renew the one being reconnected)."""
    mailbox = None
    if pending.get("collector"):
        mailbox = Mailbox.objects.filter(company=company, public_id=pending["collector"]).first()
        if mailbox is None:
            raise DomainError(_("This mailbox is no longer connected."), code="gone")
    client, tokens, address = _signed_in(pending, code=code, error=error)
    return mailbox_oauth_connect(
        company=company, actor=actor, client=client, tokens=tokens, address=address, mailbox=mailbox
    )


def drive_flow_finish(
    *, company: Company, actor: User, pending: dict[str, Any], code: str, error: str = ""
) -> ConnectedDrive:
    """The same for a cloud drive (purpose ``files``): connect it, or renew the sign-in of
    the folder being reconnected."""
    folder = None
    if pending.get("collector"):
        folder = CloudFolder.objects.filter(company=company, public_id=pending["collector"]).first()
        if folder is None:
            raise DomainError(_("This cloud folder is no longer connected."), code="gone")
    client, tokens, address = _signed_in(pending, code=code, error=error)
    return drive_oauth_connect(
        company=company,
        actor=actor,
        client=client,
        tokens=tokens,
        address=address,
        drive=folder.provider if folder is not None else str(pending.get("drive", "")),
        folder=folder,
    )


def _signed_in(
    pending: dict[str, Any], *, code: str, error: str
) -> tuple[OAuthClient, Tokens, str]:
    """The tokens and the account's address the code is worth (with the verifier)."""
    client = _client(pending["provider"])
    if error or not code:
        if error == "access_denied":
            if pending.get("purpose", "mail") == "mail":
                message = _("You did not allow OkiOki to read the mailbox. Nothing was connected.")
            else:
                message = _("You did not allow OkiOki to read your files. Nothing was connected.")
            raise DomainError(message, code="denied")
        raise DomainError(
            _("%(provider)s did not sign you in (%(reason)s). Nothing was connected.")
            % {"provider": client.name, "reason": error or "no code"},
            code="refused",
        )
    try:
        tokens = client.exchange_code(
            code=code,
            verifier=pending["verifier"],
            redirect_uri=callback_url(),
            purpose=str(pending.get("purpose", "mail")),
        )
        address = client.account_address(tokens)
    except OAuthError as failure:
        logger.warning("OAuth sign-in with %s refused: %s", client.provider, failure.message)
        raise DomainError(
            _("%(provider)s did not accept the sign-in: %(reason)s. Nothing was connected.")
            % {"provider": client.name, "reason": failure.message},
            code="token",
        ) from failure
    return client, tokens, address


def _check_sign_in(client: OAuthClient, tokens: Tokens, address: str, *, purpose: str) -> None:
    """Refuse a sign-in that named no account or did not grant what ``purpose`` needs."""
    is_mail = purpose == "mail"
    if not address:
        if is_mail:
            message = _(
                "%(provider)s did not say which e-mail address signed in. Nothing was connected."
            )
        else:
            message = _("%(provider)s did not say which account signed in. Nothing was connected.")
        raise DomainError(message % {"provider": client.name}, code="no_address")
    if not client.grants(tokens, purpose):
        if is_mail:
            message = _(
                "You did not allow OkiOki to read your mail (the box was unticked on "
                "%(provider)s's page). Nothing was connected: try again and allow it."
            )
        else:
            message = _(
                "You did not allow OkiOki to read your files (the box was unticked on "
                "%(provider)s's page). Nothing was connected: try again and allow it."
            )
        raise DomainError(message % {"provider": client.name}, code="scope")


@transaction.atomic
def mailbox_oauth_connect(
    *,
    company: Company,
    actor: User,
    client: OAuthClient,
    tokens: Tokens,
    address: str,
    mailbox: Mailbox | None = None,
) -> Connected:
    """Connect the mailbox of ``address`` with these tokens, or renew the sign-in of
    ``mailbox`` (it must be the same address) or of the company's mailbox of that address. A
    new mailbox counts against the plan; its first scan starts once this commits."""
    _check_sign_in(client, tokens, address, purpose="mail")
    server = client.imap_server()
    if mailbox is not None and mailbox.username.lower() != address:
        raise DomainError(
            _(
                "You signed in as %(address)s, but this mailbox is %(mailbox)s. Sign in with "
                "%(mailbox)s, or connect %(address)s as another mailbox."
            )
            % {"address": address, "mailbox": mailbox.username},
            code="other_account",
        )
    mailbox = (
        mailbox
        or Mailbox.objects.filter(company=company, host=server.host, username=address).first()
    )
    created = mailbox is None
    if mailbox is None:
        _check_limit(company, Mailbox)
        mailbox = Mailbox(
            company=company, created_by=actor, name=address, username=address, folders=["INBOX"]
        )
    if not tokens.refresh_token and (created or not mailbox.secret):
        raise DomainError(
            _("%(provider)s gave no lasting access. Nothing was connected: try again.")
            % {"provider": client.name},
            code="no_refresh_token",
        )
    mailbox.provider = PRESET.get(client.provider, "other")
    mailbox.host, mailbox.port, mailbox.security = server.host, server.port, server.security
    mailbox.auth_method = Mailbox.Auth.XOAUTH2
    mailbox.oauth_provider = client.provider
    # IMAP first, with the token just given; the scan turns to Microsoft Graph if IMAP is off
    mailbox.transport = Mailbox.Transport.IMAP
    if tokens.refresh_token:
        mailbox.secret = encrypt(tokens.refresh_token)
    mailbox.access_token = encrypt(tokens.access_token)
    mailbox.token_expires_at = tokens.expires_at
    mailbox.auth_failures = 0
    if mailbox.paused_reason in ("oauth_revoked", "graph_consent", "wrong_password"):
        # what the new sign-in mends; a pause for another reason (the user's) stays
        mailbox.status = Mailbox.Status.ACTIVE
        mailbox.paused_reason = ""
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError:
        raise DomainError(_("This mailbox is connected already."), code="duplicate") from None
    transaction.on_commit(lambda: collector_scan_now(collector=mailbox))
    return Connected(mailbox=mailbox, created=created)


@transaction.atomic
def drive_oauth_connect(
    *,
    company: Company,
    actor: User,
    client: OAuthClient,
    tokens: Tokens,
    address: str,
    drive: str,
    folder: CloudFolder | None = None,
) -> ConnectedDrive:
    """Connect the drive ``drive`` of ``address`` with these tokens, or renew the sign-in of
    ``folder`` (the same account). A new one counts against the plan's cloud folders and is
    paused (``choose_folder``) until a folder is picked in the browser: nothing is read
    before."""
    _check_sign_in(client, tokens, address, purpose="files")
    if folder is not None and folder.username.lower() != address:
        raise DomainError(
            _(
                "You signed in as %(address)s, but this folder is read with %(account)s. Sign "
                "in with %(account)s, or connect %(address)s as another folder."
            )
            % {"address": address, "account": folder.username},
            code="other_account",
        )
    created = folder is None
    if folder is None:
        if drive not in dict(CloudFolder.Provider.choices) or drive == "webdav":
            raise DomainError(_("This cloud service can't be connected here."), code="drive")
        _check_limit(company, CloudFolder)
        folder = CloudFolder(
            company=company,
            created_by=actor,
            provider=drive,
            name=str(CloudFolder.Provider(drive).label),
            username=address,
            path="",
            status=CloudFolder.Status.PAUSED,
            paused_reason="choose_folder",
        )
    if not tokens.refresh_token and (created or not folder.secret):
        raise DomainError(
            _("%(provider)s gave no lasting access. Nothing was connected: try again.")
            % {"provider": client.name},
            code="no_refresh_token",
        )
    folder.oauth_provider = client.provider
    if tokens.refresh_token:
        folder.secret = encrypt(tokens.refresh_token)
    folder.access_token = encrypt(tokens.access_token)
    folder.token_expires_at = tokens.expires_at
    folder.auth_failures = 0
    resumed = folder.paused_reason in ("oauth_revoked", "wrong_password")
    if resumed:
        folder.status = CloudFolder.Status.ACTIVE
        folder.paused_reason = ""
    folder.save()
    if resumed:
        transaction.on_commit(lambda: collector_scan_now(collector=folder))
    return ConnectedDrive(folder=folder, created=created)


# --- tokens ------------------------------------------------------------------------------------


def _decrypted(value: str) -> str:
    try:
        return decrypt(value)
    except DecryptionFailed as error:
        raise InboxError("secret_unreadable") from error


def collector_access_token(collector: Collector) -> str:
    """A valid access token of ``collector``, refreshed when it expires within
    ``REFRESH_MARGIN``. Raises ``InboxError``: ``oauth_revoked`` (and the collector is paused,
    its owners told) when the provider no longer honours the grant, ``oauth_unavailable``
    when it could not be reached (the next scan tries again)."""
    client = _client(collector.oauth_provider)
    if _is_valid(collector):
        return _decrypted(collector.access_token)
    try:
        with transaction.atomic():
            # one refresh at a time (Microsoft rotates refresh tokens): the first to get here
            # refreshes, the others find its token
            locked = type(collector).objects.select_for_update().get(pk=collector.pk)
            if _is_valid(locked):
                tokens = None
            else:
                tokens = client.refresh(_decrypted(locked.secret), purpose=purpose_of(collector))
                if tokens.refresh_token:
                    locked.secret = encrypt(tokens.refresh_token)
                locked.access_token = encrypt(tokens.access_token)
                locked.token_expires_at = tokens.expires_at
                locked.save(update_fields=["secret", "access_token", "token_expires_at"])
    except OAuthError as failure:
        if failure.consent_missing and purpose_of(collector) == "graph_mail":
            # connected before OkiOki read mail through Graph: the sign-in never consented to it
            collector_grant_lost(collector, reason="graph_consent")
            raise InboxError("graph_consent") from failure
        if failure.grant_lost:
            collector_grant_lost(collector)
            raise InboxError("oauth_revoked", provider=client.name) from failure
        if failure.temporary:
            raise InboxError("oauth_unavailable", provider=client.name) from failure
        # our client's id or secret (a Microsoft secret expires): the owners can't mend that
        logger.error("OAuth refresh of %s refused: %s", collector.pk, failure.message)
        raise InboxError("oauth_refused", provider=client.name, detail=failure.message) from None
    collector.secret, collector.access_token = locked.secret, locked.access_token
    collector.token_expires_at = locked.token_expires_at
    return tokens.access_token if tokens is not None else _decrypted(locked.access_token)


def _is_valid(collector: Collector) -> bool:
    expires = collector.token_expires_at
    return bool(collector.access_token) and (
        expires is not None and expires > timezone.now() + REFRESH_MARGIN
    )


def collector_token_expire(collector: Collector) -> None:
    """The server refused the access token before its time: the next one is refreshed."""
    type(collector).objects.filter(pk=collector.pk).update(access_token="", token_expires_at=None)
    collector.access_token, collector.token_expires_at = "", None


def reconnect_url(collector: Collector) -> str:
    if isinstance(collector, Mailbox):
        name, key = "inbox:mailbox-reconnect", "mailbox_id"
    else:
        name, key = "inbox:folder-reconnect", "folder_id"
    return settings.SITE_URL + reverse(
        name, kwargs={"company_id": collector.company.public_id, key: collector.public_id}
    )


def collector_grant_lost(collector: Collector, *, reason: str = "oauth_revoked") -> None:
    """The provider no longer honours the sign-in (``oauth_revoked``), or it never covered
    Microsoft Graph's mail (``graph_consent``: a mailbox connected before OkiOki read mail
    through Graph, whose IMAP is now off): pause, forget the tokens, and tell the owners
    (once) in their language, with the link that reconnects it."""
    paused = (
        type(collector)
        .objects.filter(pk=collector.pk)
        .exclude(status=Collector.Status.PAUSED, paused_reason=reason)
        .update(
            status=Collector.Status.PAUSED,
            paused_reason=reason,
            secret="",
            access_token="",
            token_expires_at=None,
            updated_at=timezone.now(),
        )
    )
    collector.refresh_from_db()
    if not paused:
        return
    owners_notify(
        company=collector.company,
        template=f"inbox/{reason}",
        context={
            "collector": collector,
            "provider": provider_name(collector.oauth_provider),
            "url": reconnect_url(collector),
            "is_mailbox": isinstance(collector, Mailbox),
        },
    )


def oauth_grant_revoke(*, provider: str, token: str) -> None:
    """Give a grant back to the provider (a mailbox was disconnected). Raises ``OAuthError``
    when the provider could not be reached (``temporary``: try again later)."""
    client = oauth_client(provider)
    if client is not None:
        client.revoke(token)
