"""Live bank connections (Ponto Connect): connecting, synchronising, Ponto's webhooks, and
the bank's consent running out.

- ``connection_start`` keeps a pending connection with the OAuth ``state`` and the PKCE
  verifier (encrypted); ``connection_complete`` takes the callback of that company only,
  saves the tokens encrypted, and links each account the user picked to the company's
  account with its IBAN, or adds it within the plan's number of accounts (the others are
  said, not added).
- ``connection_sync`` asks Ponto to synchronise each account (its details, its
  transactions), then reads the transactions: booked ones are imported exactly like the
  lines of a statement file (the same identity rules, and a movement a CODA file already
  brought is not added again, nor the other way round), then matched; pending ones replace
  the account's pending transactions, shown apart and never matched.
- A refresh that Ponto refuses marks the connection ``reauth_needed`` with Ponto's reason;
  the user is asked to reconnect.
- ``consent_warnings_send`` e-mails the owners 14 and 3 days before an account's consent
  ends (each once); after it ends the account's data is shown as stale
  (``account_live_state``).
"""

import datetime
import json
import logging
import secrets
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as iban_check
from stdnum.exceptions import ValidationError

from apps.accounts.models import User
from apps.banking.clients.ponto import (
    PontoAccount,
    PontoClient,
    PontoError,
    PontoTransaction,
    WebhookEvent,
    ponto_client,
)
from apps.banking.models import (
    BankAccount,
    BankConnection,
    PendingTransaction,
    Statement,
    StatementFile,
)
from apps.banking.parsers import ParsedStatement, ParsedTransaction
from apps.banking.services.matches import transactions_match
from apps.banking.services.statements import ImportResult, _import_statement
from apps.billing import entitlements
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.companies.services import owners_notify
from apps.core.crypto import decrypt, encrypt
from apps.core.errors import DomainError
from apps.core.files import sha256_hex

logger = logging.getLogger(__name__)

WARNING_DAYS = (14, 3)
TOKEN_MARGIN = datetime.timedelta(seconds=60)
Status = BankConnection.Status


class ConnectionBroken(Exception):
    """The connection cannot be used until the user reconnects (the reason is on it)."""


def _client() -> PontoClient:
    client = ponto_client()
    if client is None:
        raise DomainError(_("The bank connection is not configured."), code="not_configured")
    return client


def callback_url() -> str:
    return settings.SITE_URL + reverse("banking:ponto-callback")


# --- connecting ---------------------------------------------------------------------------


def connection_start(*, company: Company, actor: User | None) -> str:
    """A pending connection, and the Ponto page where the user picks their bank."""
    client = _client()
    BankConnection.objects.filter(company=company, status=Status.PENDING).delete()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: within PKCE's 43 to 128
    BankConnection.objects.create(
        company=company,
        status=Status.PENDING,
        state=state,
        code_verifier=encrypt(verifier),
        started_by=actor,
    )
    return client.authorization_redirect(
        redirect_uri=callback_url(), state=state, verifier=verifier
    )


@dataclass
class Connected:
    connection: BankConnection
    linked: list[BankAccount] = field(default_factory=list)
    added: list[BankAccount] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # IBANs beyond the plan, or not IBANs


def _link(
    company: Company,
    connection: BankConnection,
    found: PontoAccount,
    result: Connected,
    allowed: int,
) -> None:
    """Link an account Ponto gave to ours, or add it within ``allowed`` (the number of bank
    accounts of the plan in force); one beyond it is left out, and said."""
    account = BankAccount.objects.filter(company=company, iban=found.iban).first()
    if account is None:
        try:
            iban_check.validate(found.iban)
        except ValidationError:
            result.left_out.append(found.iban or found.name or found.id)
            return
        if BankAccount.objects.filter(company=company).count() >= allowed:
            result.left_out.append(found.iban)
            return
        account = BankAccount.objects.create(
            company=company, iban=found.iban, name=found.name, currency=found.currency
        )
        result.added.append(account)
    else:
        result.linked.append(account)
    account.connection = connection
    account.provider_account_id = found.id
    _account_details(account, found)
    account.save()


def _account_details(account: BankAccount, found: PontoAccount) -> None:
    """Ponto's view of the account: its balance and when its consent is expected to end (a
    new end date — the consent was renewed — makes the warnings due again)."""
    if found.consent_expires_at != account.consent_expires_at:
        account.consent_warned_days = None
    account.consent_expires_at = found.consent_expires_at
    if not account.name and found.name:
        account.name = found.name
    newer = found.balance_date is not None and (
        account.balance_date is None or found.balance_date >= account.balance_date
    )
    if found.balance is not None and newer:
        account.balance = found.balance
        account.balance_date = found.balance_date


def connection_complete(
    *, company: Company, state: str, code: str, error: str = "", actor: User | None = None
) -> Connected:
    """The user came back from Ponto. Refused (``DomainError``) when the state is not the
    one this company's connection started with, or Ponto or the user said no."""
    client = _client()
    pending = (
        BankConnection.objects.filter(company=company, status=Status.PENDING, state=state).first()
        if state
        else None
    )
    if pending is None:
        raise DomainError(
            _("This answer from the bank does not belong to a connection you started. Try again."),
            code="state",
        )
    if error or not code:
        pending.delete()
        raise DomainError(
            _("The bank connection was not made (%(reason)s).") % {"reason": error or "no code"},
            code="refused",
        )
    try:
        tokens = client.exchange_code(
            code=code, verifier=decrypt(pending.code_verifier), redirect_uri=callback_url()
        )
        organization = client.organization_id(tokens.access_token)
        found = client.accounts(tokens.access_token)
    except PontoError as failure:
        raise DomainError(
            _("Ponto did not accept the connection: %(reason)s") % {"reason": failure.message},
            code="ponto",
        ) from failure
    with transaction.atomic():
        connection = pending
        if organization:
            known = BankConnection.objects.filter(
                company=company, organization_id=organization
            ).exclude(pk=pending.pk)
            connection = known.first() or pending
            if connection.pk != pending.pk:
                pending.delete()
        connection.status = Status.ACTIVE
        connection.reason = ""
        connection.organization_id = organization
        connection.state = ""
        connection.code_verifier = ""
        connection.access_token = encrypt(tokens.access_token)
        connection.refresh_token = encrypt(tokens.refresh_token)
        connection.token_expires_at = tokens.expires_at
        connection.save()
        result = Connected(connection)
        allowed = entitlements.allowed(company, "bank_accounts")
        for account in found:
            _link(company, connection, account, result, allowed)
        transaction.on_commit(
            partial(_sync_later, company.pk, connection.pk, full=True)  # the history
        )
    return result


def _sync_later(company_id: int, connection_id: int, full: bool = False) -> None:
    from apps.banking.tasks import bank_connection_sync

    bank_connection_sync.delay(company_id, connection_id, full=full)


# --- tokens -----------------------------------------------------------------------------------


def _access_token(client: PontoClient, connection: BankConnection) -> str:
    """A valid access token, refreshed when due. A refresh Ponto refuses puts the connection
    in ``reauth_needed`` with Ponto's reason, and raises ``ConnectionBroken``."""
    if connection.status != Status.ACTIVE:
        raise ConnectionBroken(connection.reason or connection.status)
    expires = connection.token_expires_at
    if expires and expires > timezone.now() + TOKEN_MARGIN and connection.access_token:
        return decrypt(connection.access_token)
    try:
        tokens = client.refresh(decrypt(connection.refresh_token))
    except PontoError as failure:
        if failure.temporary:
            raise
        connection.status = Status.REAUTH_NEEDED
        connection.reason = failure.message[:300]
        connection.save(update_fields=["status", "reason", "updated_at"])
        raise ConnectionBroken(connection.reason) from failure
    connection.access_token = encrypt(tokens.access_token)
    connection.refresh_token = encrypt(tokens.refresh_token)
    connection.token_expires_at = tokens.expires_at
    connection.save(
        update_fields=["access_token", "refresh_token", "token_expires_at", "updated_at"]
    )
    return tokens.access_token


# --- synchronising --------------------------------------------------------------------------


def _parsed(found: PontoTransaction) -> ParsedTransaction:
    return ParsedTransaction(
        booking_date=found.booking_date,
        value_date=found.value_date,
        amount=found.amount,
        currency=found.currency,
        counterparty_name=found.counterparty_name,
        counterparty_iban=found.counterparty_iban,
        structured_reference=found.structured_reference,
        free_text=found.free_text,
        bank_reference=f"ponto:{found.id}",  # Ponto's id of the movement, stable
        raw=found.raw,
    )


def _import_booked(
    company: Company, account: BankAccount, booked: list[PontoTransaction], result: ImportResult
) -> None:
    """Import like a statement: one statement per account and day of synchronisation,
    kept with the JSON Ponto gave the first time that day."""
    if not booked:
        return
    today = timezone.localdate()
    number = f"ponto-{today.isoformat()}"
    statement = Statement.objects.filter(
        company=company, account=account, number=number, date=today
    ).first()
    if statement is not None:
        kept = statement.file
    else:
        payload = json.dumps([json.loads(t.raw) for t in booked], ensure_ascii=False).encode()
        kept = StatementFile(
            company=company,
            filename=f"{number}-{account.iban}.json",
            sha256=sha256_hex(payload),
            source="ponto",
            source_details={"account": account.provider_account_id},
            status=StatementFile.Status.IMPORTED,
        )
        kept.file.save(f"{number}.json", ContentFile(payload), save=False)
        kept.save()
    parsed = ParsedStatement(
        account_iban=account.iban,
        currency=account.currency,
        number=number,
        date=today,
        opening_balance=None,
        closing_balance=None,
        transactions=[_parsed(t) for t in booked],
    )
    _import_statement(company, kept, parsed, Statement.Format.PONTO, result)


def _replace_pending(company: Company, account: BankAccount, found: list[PontoTransaction]) -> None:
    PendingTransaction.objects.filter(company=company, account=account).delete()
    PendingTransaction.objects.bulk_create(
        PendingTransaction(
            company=company,
            account=account,
            provider_id=t.id[:100],
            date=t.value_date or t.booking_date,
            amount=t.amount,
            currency=t.currency,
            counterparty_name=t.counterparty_name,
            counterparty_iban=t.counterparty_iban,
            free_text=t.free_text,
        )
        for t in found
    )


def connection_sync(
    *,
    company: Company,
    connection: BankConnection,
    account_id: str = "",
    synchronization_id: str = "",
    full: bool = False,
) -> ImportResult:
    """Bring the connection's accounts up to date. With ``synchronization_id`` (a webhook
    said it created or updated transactions), the transactions of that synchronisation;
    else a synchronisation is asked of Ponto for each account (it runs at the bank, in the
    background: its webhook brings what it finds) and the account's newest transactions
    are read (``full``: as far back as Ponto goes, for a new connection). Idempotent: a
    transaction is added once. Accounts whose consent has ended are left alone."""
    client = _client()
    result = ImportResult()
    try:
        token = _access_token(client, connection)
    except ConnectionBroken:
        return result
    accounts = BankAccount.objects.filter(company=company, connection=connection).exclude(
        provider_account_id=""
    )
    if account_id:
        accounts = accounts.filter(provider_account_id=account_id)
    try:
        _sync_accounts(client, token, company, list(accounts), synchronization_id, full, result)
    except PontoError as failure:
        if failure.status == 401:
            # the access token was refused before its time: refreshed at the next try
            connection.token_expires_at = None
            connection.save(update_fields=["token_expires_at", "updated_at"])
            failure.temporary = True
        raise
    connection.synced_at = timezone.now()
    connection.save(update_fields=["synced_at", "updated_at"])
    matched = transactions_match(company=company, transactions=result.added)
    result.matched += matched.matched
    result.suggested += matched.suggested
    return result


def _sync_accounts(
    client: PontoClient,
    token: str,
    company: Company,
    accounts: list[BankAccount],
    synchronization_id: str,
    full: bool,
    result: ImportResult,
) -> None:
    now = timezone.now()
    for account in accounts:
        if account.consent_expires_at and account.consent_expires_at <= now:
            continue  # stale: Ponto has nothing new until the consent is renewed
        if synchronization_id:
            booked = client.updated_transactions(token, synchronization_id)
        else:
            for subtype in ("accountDetails", "accountTransactions"):
                try:
                    client.synchronize(token, account.provider_account_id, subtype)
                except PontoError as failure:  # too soon after the last one, …
                    logger.info("Ponto synchronization not made: %s", failure)
            booked = client.transactions(
                token, account.provider_account_id, max_pages=50 if full else 3
            )
        details = client.account(token, account.provider_account_id)
        pending = client.pending_transactions(token, account.provider_account_id)
        with transaction.atomic():
            # one import per account at a time (a webhook's and the sweep's may meet): the
            # second finds the first one's transactions and adds nothing
            account = BankAccount.objects.select_for_update().get(pk=account.pk)
            _import_booked(company, account, booked, result)
            _account_details(account, details)
            _replace_pending(company, account, pending)
            account.synced_at = timezone.now()
            account.save()


def connections_sweep() -> int:
    """Periodically: a synchronisation task per active connection."""
    from apps.banking.tasks import bank_connection_sync

    rows = list(
        BankConnection.objects.unscoped()
        .filter(status=Status.ACTIVE, company__is_active=True)
        .values_list("company_id", "pk")
    )
    for company_id, connection_id in rows:
        bank_connection_sync.delay(company_id, connection_id)
    return len(rows)


# --- reauthorising ----------------------------------------------------------------------------


def reauthorization_start(*, company: Company, account: BankAccount) -> str:
    """The page at Ponto where the user renews the bank's consent for ``account``."""
    client = _client()
    connection = account.connection
    if connection is None or not account.provider_account_id:
        raise DomainError(_("This account is not connected to your bank."), code="not_connected")
    try:
        token = _access_token(client, connection)
        return client.reauthorization_request(
            token,
            account.provider_account_id,
            settings.SITE_URL
            + reverse("banking:overview", kwargs={"company_id": company.public_id}),
        )
    except ConnectionBroken as broken:
        raise DomainError(
            _("Connect your bank again: %(reason)s") % {"reason": broken}, code="reauth_needed"
        ) from broken
    except PontoError as failure:
        raise DomainError(
            _("Ponto did not answer: %(reason)s") % {"reason": failure.message}, code="ponto"
        ) from failure


# --- webhooks ---------------------------------------------------------------------------------

SYNC_EVENTS = (
    "pontoConnect.account.transactionsCreated",
    "pontoConnect.account.transactionsUpdated",
)
DETAILS_EVENTS = ("pontoConnect.account.detailsUpdated", "pontoConnect.account.reauthorized")
STATUS_EVENTS = {
    "pontoConnect.integration.revoked": Status.REVOKED,
    "pontoConnect.organization.blocked": Status.BLOCKED,
}


def _connection_for_event(event: WebhookEvent) -> BankConnection | None:
    """The connection a verified event is about: by the account it names, else by the
    organisation."""
    if event.account_id:
        account = (
            BankAccount.objects.unscoped()
            .filter(provider_account_id=event.account_id, connection__isnull=False)
            .select_related("connection", "connection__company")
            .first()
        )
        if account is not None:
            return account.connection
    if event.organization_id:
        return (
            BankConnection.objects.unscoped()
            .filter(organization_id=event.organization_id)
            .exclude(status=Status.PENDING)
            .select_related("company")
            .first()
        )
    return None


def webhook_receive(*, event: WebhookEvent) -> str:
    """What a verified event changes: new or updated transactions and a renewed consent are
    synchronised by a task; revoked access and a blocked organisation are shown on the
    connection; an unblocked one is active again. Returns what was done."""
    connection = _connection_for_event(event)
    if connection is None:
        return "unknown"
    company = connection.company
    with company_scope(company):
        if event.type in SYNC_EVENTS or event.type in DETAILS_EVENTS:
            from apps.banking.tasks import bank_connection_sync

            transaction.on_commit(
                partial(
                    bank_connection_sync.delay,
                    company.pk,
                    connection.pk,
                    account_id=event.account_id,
                    synchronization_id=(
                        event.synchronization_id if event.type in SYNC_EVENTS else ""
                    ),
                )
            )
            return "sync"
        if event.type in STATUS_EVENTS:
            connection.status = STATUS_EVENTS[event.type]
            connection.reason = ""
            connection.save(update_fields=["status", "reason", "updated_at"])
            return connection.status
        if event.type == "pontoConnect.organization.unblocked":
            if connection.status == Status.BLOCKED:
                connection.status = Status.ACTIVE
                connection.save(update_fields=["status", "updated_at"])
            return connection.status
        if event.type == "pontoConnect.integration.accountRevoked" and event.account_id:
            BankAccount.objects.filter(
                company=company, connection=connection, provider_account_id=event.account_id
            ).update(connection=None, provider_account_id="")
            return "account_revoked"
    return "ignored"


# --- consent ----------------------------------------------------------------------------------


def account_live_state(account: BankAccount, now: datetime.datetime | None = None) -> str:
    """How a connected account's data stands: ``""`` (not connected), ``connected``,
    ``expiring`` (consent ends within 14 days), or ``stale`` (consent ended, access revoked,
    organisation blocked, reconnect needed)."""
    connection = account.connection
    if connection is None:
        return ""
    now = now or timezone.now()
    if connection.status != Status.ACTIVE:
        return "stale"
    if account.consent_expires_at:
        if account.consent_expires_at <= now:
            return "stale"
        if account.consent_expires_at - now <= datetime.timedelta(days=WARNING_DAYS[0]):
            return "expiring"
    return "connected"


def consent_warnings_send(*, company: Company, today: datetime.date | None = None) -> int:
    """E-mail the owners 14 and 3 days before an account's consent ends, each warning once
    (a renewed consent makes them due again). Returns the number of warnings."""
    today = today or timezone.localdate()
    sent = 0
    accounts = BankAccount.objects.filter(
        company=company, connection__isnull=False, consent_expires_at__isnull=False
    )
    for account in accounts:
        assert account.consent_expires_at is not None
        days = (timezone.localtime(account.consent_expires_at).date() - today).days
        if days < 0:
            continue
        due = min((d for d in WARNING_DAYS if days <= d), default=None)
        if due is None or (
            account.consent_warned_days is not None and account.consent_warned_days <= due
        ):
            continue
        account.consent_warned_days = due
        account.save(update_fields=["consent_warned_days", "updated_at"])
        owners_notify(
            company=company,
            template="banking/consent_expiring",
            context={
                "account": account,
                "days": days,
                "expires": timezone.localtime(account.consent_expires_at).date(),
                "url": settings.SITE_URL
                + reverse("banking:overview", kwargs={"company_id": company.public_id}),
            },
        )
        sent += 1
    return sent


def consent_check_sweep() -> int:
    """Daily: a consent check per company with a connected account."""
    from apps.banking.tasks import bank_consent_warnings

    companies = set(
        BankAccount.objects.unscoped()
        .filter(connection__isnull=False, consent_expires_at__isnull=False)
        .values_list("company_id", flat=True)
    )
    for company_id in companies:
        bank_consent_warnings.delay(company_id)
    return len(companies)


def connection_context(accounts: list[BankAccount]) -> dict[str, Any]:
    """What the Bank page says of live connections, from its accounts (their connections
    selected with them: no query of its own)."""
    connections = list({a.connection.pk: a.connection for a in accounts if a.connection}.values())
    return {
        "ponto_configured": ponto_client() is not None,
        "ponto_standin": settings.PONTO_STANDIN,
        "connections": connections,
        "broken_connections": [c for c in connections if c.status != Status.ACTIVE],
    }


def connection_alerts(company: Company) -> list[dict[str, Any]]:
    """For the dashboard: the connected accounts whose consent ends within 14 days or whose
    data is out of date (consent ended, access revoked, organisation blocked, reconnect)."""
    accounts = BankAccount.objects.filter(company=company, connection__isnull=False)
    alerts = []
    for account in accounts.select_related("connection"):
        state = account_live_state(account)
        if state in ("expiring", "stale"):
            alerts.append({"account": account, "state": state})
    return alerts
