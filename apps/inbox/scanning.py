"""Scans: a mailbox's new mail and a cloud folder's new or changed files become documents.

Incremental and resumable. A mailbox folder remembers its UIDVALIDITY and the highest UID
done; each message commits together with that progress, so a scan cut off anywhere resumes at
the next message, and the cost of a scan grows with new mail, not with the mailbox. A changed
UIDVALIDITY restarts the folder from the beginning; messages already recorded (by Message-ID)
are recognised from their headers and not downloaded again. A Microsoft 365 mailbox whose
IMAP is off is read through Microsoft Graph by the same code (``_collect``): its folder
remembers Graph's delta link instead, and a link Graph no longer knows restarts the folder the
same way. A cloud file is read again only when its ETag changes.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.billing.entitlements import collection_allowed
from apps.companies.models import Membership, Role
from apps.companies.scoping import company_scope
from apps.companies.tasks import send_email
from apps.core.crypto import DecryptionFailed, decrypt
from apps.documents.models import Source
from apps.documents.services import IngestResult, document_ingest
from apps.inbox.clients import (
    CloudClient,
    FileGone,
    FileTooLarge,
    RemoteFile,
    cloud_client,
)
from apps.inbox.clients.graph_mail import GraphFolder, GraphMailClient, NotFound, SyncLost, TooLarge
from apps.inbox.clients.http import RETRY_AFTER_MAX
from apps.inbox.clients.imap import ImapAccount, ImapConnection, imap_connect
from apps.inbox.clients.oauth import MICROSOFT
from apps.inbox.errors import InboxError, describe
from apps.inbox.mail import ParsedMessage, message_key, parse_message
from apps.inbox.messages import message_import, problem_record
from apps.inbox.models import (
    CloudFile,
    CloudFolder,
    Collector,
    InboundMessage,
    Mailbox,
    MailboxFolder,
)
from apps.inbox.oauth import collector_access_token, collector_token_expire, provider_name

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 50  # messages whose headers are fetched in one round trip
SCAN_TIME_LIMIT = 30 * 60  # seconds a scan task may run (its soft time limit)
BATCH_BYTES = 40 * 1024 * 1024  # at most this much mail downloaded in one round trip


@dataclass
class ScanReport:
    seen: int = 0  # new messages or changed files looked at
    documents: int = 0  # new documents
    statements: int = 0  # bank statement files imported by the bank import
    duplicates: int = 0
    failed: int = 0
    already_known: int = 0
    resynced: list[str] = field(default_factory=list)
    error: InboxError | None = None
    busy: bool = False  # another scan of the same source was running
    paused: bool = False  # not scanned: the company's plan in force collects nothing now
    waiting: bool = False  # not scanned: the provider asked to wait (``Collector.retry_after``)
    move_refused: bool = False  # the account may not move files into the sub-folder

    @property
    def ok(self) -> bool:
        return self.error is None and not self.busy and not self.paused and not self.waiting

    def counts(self) -> dict[str, int]:
        """What a scan task returns."""
        return {
            "seen": self.seen,
            "documents": self.documents,
            "statements": self.statements,
            "failed": self.failed,
            "paused": int(self.paused),
        }


# --- claims and health -------------------------------------------------------------------------


def scan_is_running(collector: Collector) -> bool:
    """A scan claimed it and may still be at work (a worker that died leaves a stale claim)."""
    since = collector.scanning_since
    return since is not None and since > timezone.now() - timedelta(seconds=SCAN_TIME_LIMIT + 120)


def _claim(collector: Collector) -> bool:
    """Only one scan per mailbox or folder at a time (a second worker, a double click)."""
    now = timezone.now()
    stale = now - timedelta(seconds=SCAN_TIME_LIMIT + 120)
    claimed = (
        type(collector)
        .objects.filter(pk=collector.pk)
        .filter(Q(scanning_since__isnull=True) | Q(scanning_since__lt=stale))
        .update(scanning_since=now)
    )
    return claimed == 1


def _scan(collector: Collector, what: str, scan: Callable[[ScanReport], None]) -> ScanReport:
    """Run ``scan`` (of a mailbox or a cloud folder, ``what`` in the log) if no other scan of
    it is running, and record how it went on ``collector``. An unexpected error never crashes
    the worker: it is logged and recorded like a known one, and the next scan goes on.

    Nothing is scanned while the company's plan in force collects nothing (Start, or a
    payment overdue past its grace): mail and files stay where they are, untouched, and the
    first scan once collecting resumes takes them."""
    report = ScanReport()
    with company_scope(collector.company):
        if not collection_allowed(collector.company):
            report.paused = True
            return report
    if collector.is_waiting:
        report.waiting = True  # asked again before the provider's time, it would refuse again
        return report
    if not _claim(collector):
        report.busy = True
        return report
    try:
        scan(report)
    except InboxError as error:
        report.error = error
    except Exception as error:
        logger.exception("Scan of %s %s failed", what, collector.pk)
        report.error = InboxError("protocol", detail=type(error).__name__)
    finally:
        _finish(collector, report)
    return report


def _finish(collector: Collector, report: ScanReport) -> None:
    now = timezone.now()
    updates: dict[str, Any] = {
        "scanning_since": None,
        "last_scan_at": now,
        "items_seen": F("items_seen") + report.seen,
        "documents_found": F("documents_found") + report.documents,
        "items_failed": F("items_failed") + report.failed,
    }
    error = report.error
    if error is None:
        updates.update(
            last_success_at=now,
            last_error_code="",
            last_error_params={},
            auth_failures=0,
            retry_after=None,
        )
    else:
        updates.update(
            last_error_code=error.code,
            last_error_params={k: str(v) for k, v in error.params.items()},
            last_error_at=now,
            retry_after=_retry_after(error, now),
        )
        if error.is_authentication:
            updates["auth_failures"] = F("auth_failures") + 1
    type(collector).objects.filter(pk=collector.pk).update(**updates)
    collector.refresh_from_db()
    if (
        error is not None
        and error.is_authentication
        and not collector.is_paused
        and collector.auth_failures >= settings.INBOX_AUTH_FAILURES_BEFORE_PAUSE
    ):
        _pause_for_authentication(collector)


def _retry_after(error: InboxError, now: datetime) -> datetime | None:
    """When the provider that refused with ``error`` may be asked again (None: at once)."""
    seconds = error.params.get("retry_after")
    if not isinstance(seconds, int) or seconds <= 0:
        return None
    return now + timedelta(seconds=min(seconds, RETRY_AFTER_MAX))


def _pause_for_authentication(collector: Collector) -> None:
    _pause_and_tell(
        collector,
        "wrong_password",
        "paused",
        lambda: {"is_mailbox": isinstance(collector, Mailbox), "failures": collector.auth_failures},
        html=True,
    )


def _pause_and_tell(
    collector: Collector,
    reason: str,
    template: str,
    context: Callable[[], dict[str, Any]],
    *,
    html: bool = False,
) -> None:
    """Pause ``collector`` for ``reason`` and e-mail its company's owners, each in their
    language, from ``emails/inbox/<template>.*`` (``context``: what the template needs besides
    the collector, the company and the link to it, made in the owner's language)."""
    collector.status = Collector.Status.PAUSED
    collector.paused_reason = reason
    collector.save(update_fields=["status", "paused_reason", "updated_at"])
    url = settings.SITE_URL + collector.get_absolute_url()
    owners = Membership.objects.filter(company=collector.company, role=Role.OWNER).select_related(
        "user"
    )
    for membership in owners:
        user = membership.user
        with translation.override(user.language or collector.company.default_language):
            values = {"collector": collector, "company": collector.company, "url": url}
            values.update(context())
            path = f"emails/inbox/{template}"
            subject = render_to_string(f"{path}.subject.txt", values).strip()
            body = render_to_string(f"{path}.txt", values)
            extra = {"html": render_to_string(f"{path}.html", values)} if html else {}
        transaction.on_commit(
            partial(
                send_email.delay,
                collector.company_id,
                to=[user.email],
                subject=subject,
                body=body,
                **extra,
            )
        )


def _secret(collector: Collector) -> str:
    try:
        return decrypt(collector.secret)
    except DecryptionFailed as error:
        raise InboxError("secret_unreadable") from error


# --- mailboxes ---------------------------------------------------------------------------------


def imap_account(
    mailbox: Mailbox, *, secret: str | None = None, timeout: float | None = None
) -> ImapAccount:
    if secret is None:
        # signed in with Google or Microsoft: an access token, refreshed before it expires
        secret = collector_access_token(mailbox) if mailbox.oauth_provider else _secret(mailbox)
    return ImapAccount(
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        secret=secret,
        auth_method=mailbox.auth_method,
        timeout=timeout or settings.INBOX_TIMEOUT,
    )


Connect = Callable[[ImapAccount], AbstractContextManager[ImapConnection]]


def mailbox_scan(*, mailbox: Mailbox, connect: Connect = imap_connect) -> ScanReport:
    """Collect the documents of every new message in the mailbox's folders, over IMAP or,
    for a Microsoft 365 account whose IMAP is off, Microsoft Graph.

    Invariants: each message is looked at once (per mailbox, by Message-ID); progress commits
    with each message; read flags are never touched; a bad message is recorded and skipped.
    A Microsoft mailbox whose IMAP refuses the sign-in goes on through Graph from then on.
    """

    def scan(report: ScanReport) -> None:
        if mailbox.transport == Mailbox.Transport.GRAPH:
            _scan_graph(mailbox, report)
            return
        try:
            with _signed_in(mailbox, connect) as connection:
                for folder in mailbox.folders or ["INBOX"]:
                    _scan_folder(mailbox, connection, folder, report)
        except InboxError as error:
            if error.code != "oauth_imap_refused" or mailbox.oauth_provider != MICROSOFT:
                raise
            _read_through_graph(mailbox)
            _scan_graph(mailbox, report)

    return _scan(mailbox, "mailbox", scan)


@contextmanager
def _signed_in(mailbox: Mailbox, connect: Connect) -> Iterator[ImapConnection]:
    """The mailbox's connection. An access token the server refuses before its time (revoked
    at the provider?) is renewed once; refused again, the provider signed us in but the
    mailbox does not let us read it (IMAP turned off for the account)."""
    with ExitStack() as stack:
        yield _with_a_new_token_once(
            mailbox,
            lambda: stack.enter_context(connect(imap_account(mailbox))),
            refused="oauth_imap_refused",
        )


def _with_a_new_token_once(collector: Collector, attempt: Callable[[], T], *, refused: str) -> T:
    """``attempt()``; when the provider refuses a collector's access token before its time
    (revoked at the provider?), once more with a new one: a grant the provider no longer
    honours pauses the collector there (``collector_access_token``). Refused again, the
    provider signs us in but will not let us read: ``refused`` (no password to blame, so it
    does not count towards pausing)."""
    try:
        return attempt()
    except InboxError as error:
        if not (collector.oauth_provider and error.is_authentication):
            raise
    collector_token_expire(collector)
    try:
        return attempt()
    except InboxError as again:
        if again.is_authentication:
            name = provider_name(collector.oauth_provider)
            raise InboxError(refused, provider=name) from again
        raise


# What the IMAP and the Graph scans share: the messages of a folder listed with a few headers,
# the new ones downloaded, imported once, and moved when the mailbox says so.

Ref = int | str  # a message in its folder: its IMAP UID, or its Microsoft Graph id


@dataclass(frozen=True)
class Head:
    """A message listed, not downloaded yet."""

    ref: Ref
    size: int  # 0: not known before it is downloaded
    raw: bytes  # its Message-ID, From, Subject and Date header lines


# the bodies of the messages asked for; None: larger than INBOX_MAX_MESSAGE_SIZE
Download = Callable[[list[Head]], Iterator[tuple[Head, bytes | None]]]
# the folder's progress, written in the transaction of each message
Progress = Callable[[Ref], None]


def _collect(
    mailbox: Mailbox,
    folder: str,
    heads: list[Head],
    download: Download,
    progress: Progress,
    report: ScanReport,
) -> list[Ref]:
    """Import the new messages among ``heads``; those imported with documents (to move)."""
    limit = settings.INBOX_MAX_MESSAGE_SIZE
    # From, Subject, Date and Message-ID of each, without downloading the message
    headers = {head.ref: parse_message(head.raw + b"\r\n") for head in heads}
    keys = {ref: h.key if h.message_id else "" for ref, h in headers.items()}
    known = set(
        InboundMessage.objects.filter(
            mailbox=mailbox, key__in=[key for key in keys.values() if key]
        ).values_list("key", flat=True)
    )
    wanted = [head for head in heads if keys[head.ref] not in known and head.size <= limit]
    wanted_refs = {head.ref for head in wanted}
    # first what is not downloaded (known already, or too large), then the new mail
    with transaction.atomic():
        for head in heads:
            if head.ref in wanted_refs:
                continue
            if keys[head.ref] in known:
                report.already_known += 1
                continue
            _too_large(mailbox, folder, head, headers[head.ref], report)
    moved: list[Ref] = []
    for head, raw in download(wanted):
        if raw is None:
            with transaction.atomic():
                _too_large(mailbox, folder, head, headers[head.ref], report)
                progress(head.ref)
            continue
        _import_one(mailbox, folder, head.ref, raw, report, moved, progress)
    return moved


def _too_large(
    mailbox: Mailbox, folder: str, head: Head, headers: ParsedMessage, report: ScanReport
) -> None:
    limit = settings.INBOX_MAX_MESSAGE_SIZE
    problem_record(
        company=mailbox.company,
        mailbox=mailbox,
        folder=folder,
        uid=head.ref if isinstance(head.ref, int) else None,
        key=headers.key if headers.message_id else message_key("", head.raw),
        code="too_large",
        size=head.size,
        headers=headers,
        params={"limit": limit // (1024 * 1024)},
    )
    report.seen += 1
    report.failed += 1


def _chunks(uids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(uids), size):
        yield uids[start : start + size]


def _scan_folder(
    mailbox: Mailbox, connection: ImapConnection, folder: str, report: ScanReport
) -> None:
    info = connection.select(folder)
    state, _created = MailboxFolder.objects.get_or_create(
        company=mailbox.company, mailbox=mailbox, name=folder
    )
    if state.uidvalidity != info.uidvalidity:
        if state.uidvalidity is not None:
            report.resynced.append(folder)
            logger.info("UIDVALIDITY of %s changed: resync of folder %s", mailbox.pk, folder)
        state.uidvalidity, state.last_uid = info.uidvalidity, 0
        state.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    uids = connection.uids_after(state.last_uid)

    def download(wanted: list[Head]) -> Iterator[tuple[Head, bytes | None]]:
        for group in _by_size(wanted):
            bodies = connection.bodies([int(head.ref) for head in group])
            for head in group:
                if head.ref in bodies:
                    yield head, bodies[int(head.ref)]

    for batch in _chunks(uids, BATCH):
        rows = connection.heads(batch)
        heads = [Head(uid, *rows[uid]) for uid in batch if uid in rows]
        moved = _collect(
            mailbox, folder, heads, download, partial(_advance, mailbox, folder), report
        )
        MailboxFolder.objects.filter(pk=state.pk, last_uid__lt=batch[-1]).update(last_uid=batch[-1])
        if moved and mailbox.move_to_folder:
            connection.move([int(uid) for uid in moved], mailbox.move_to_folder, source=folder)
            connection.select(folder)


def _by_size(heads: list[Head]) -> Iterator[list[Head]]:
    group: list[Head] = []
    total = 0
    for head in heads:
        if group and total + head.size > BATCH_BYTES:
            yield group
            group, total = [], 0
        group.append(head)
        total += head.size
    if group:
        yield group


def _import_one(
    mailbox: Mailbox,
    folder: str,
    ref: Ref,
    raw: bytes,
    report: ScanReport,
    moved: list[Ref],
    progress: Progress,
) -> None:
    uid = ref if isinstance(ref, int) else None
    try:
        with transaction.atomic():
            message, created = message_import(
                company=mailbox.company,
                raw=raw,
                channel=InboundMessage.Channel.MAILBOX,
                mailbox=mailbox,
                folder=folder,
                uid=uid,
            )
            progress(ref)
    except Exception:
        # One message must never stop the mailbox (nor come back at every scan): it is
        # recorded as unreadable, the e-mail kept, and the scan goes on.
        logger.exception("Message %s of mailbox %s could not be imported", ref, mailbox.pk)
        try:
            with transaction.atomic():
                parsed = parse_message(raw)  # never raises: at worst its headers only
                message = problem_record(
                    company=mailbox.company,
                    mailbox=mailbox,
                    folder=folder,
                    uid=uid,
                    key=parsed.key,
                    code="unreadable",
                    size=len(raw),
                    headers=parsed,
                    raw=raw,
                )
                progress(ref)
        except Exception:
            # not even its record could be written: the folder still moves past it
            logger.exception("Message %s of mailbox %s could not be recorded", ref, mailbox.pk)
            progress(ref)
            report.seen += 1
            report.failed += 1
            return
        created = True
    if not created:
        report.already_known += 1
        return
    report.seen += 1
    report.documents += message.documents_created
    report.duplicates += message.duplicates
    report.statements += message.statements
    if message.status == InboundMessage.Status.FAILED:
        report.failed += 1
    if message.status == InboundMessage.Status.IMPORTED:
        moved.append(ref)


def _advance(mailbox: Mailbox, folder: str, uid: Ref) -> None:
    MailboxFolder.objects.filter(mailbox=mailbox, name=folder, last_uid__lt=uid).update(
        last_uid=uid
    )


# --- mailboxes read through Microsoft Graph ---------------------------------------------------


def _read_through_graph(mailbox: Mailbox) -> None:
    """Microsoft signed us in but refuses IMAP for the account (turned off by its
    administrator): read it through Microsoft Graph from now on, with a token for Graph."""
    logger.info("IMAP is off for mailbox %s: read through Microsoft Graph", mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(transport=Mailbox.Transport.GRAPH)
    mailbox.transport = Mailbox.Transport.GRAPH
    collector_token_expire(mailbox)  # the one we have is for IMAP


def graph_mail_client(mailbox: Mailbox, *, timeout: float | None = None) -> GraphMailClient:
    """The mailbox's Graph client. Its token is refreshed before it expires, and once more
    when Graph refuses it; a grant Microsoft no longer honours pauses the mailbox and tells
    the owners (``collector_access_token``)."""

    def token(renew: bool) -> str:
        if renew:
            collector_token_expire(mailbox)
        return collector_access_token(mailbox)

    return GraphMailClient(token=token, timeout=timeout or settings.INBOX_TIMEOUT)


def _scan_graph(mailbox: Mailbox, report: ScanReport) -> None:
    client = graph_mail_client(mailbox)
    for folder in mailbox.folders or ["INBOX"]:
        _scan_graph_folder(mailbox, client, folder, report)


def _scan_graph_folder(
    mailbox: Mailbox, client: GraphMailClient, folder: str, report: ScanReport
) -> None:
    """A delta round over the folder, from where the last one ended. Each page's link commits
    once its messages are done; a link Graph no longer knows starts the folder again (the
    messages already recorded are recognised by their Message-ID and not downloaded)."""
    remote = client.folder(folder)
    state, _created = MailboxFolder.objects.get_or_create(
        company=mailbox.company, mailbox=mailbox, name=folder
    )
    link, restarted = state.sync_token, False
    destination: GraphFolder | None = None
    limit = settings.INBOX_MAX_MESSAGE_SIZE

    def download(wanted: list[Head]) -> Iterator[tuple[Head, bytes | None]]:
        for head in wanted:
            try:
                yield head, client.mime(str(head.ref), max_bytes=limit)
            except TooLarge:
                yield head, None
            except NotFound:
                continue  # deleted or moved since it was listed

    while True:
        try:
            page = client.delta(remote, link)
        except SyncLost as lost:
            if not link or restarted:
                raise InboxError("protocol", detail=f"delta: {lost}") from lost
            logger.info("Delta link of %s lost: resync of folder %s", mailbox.pk, folder)
            report.resynced.append(folder)
            link, restarted = "", True
            MailboxFolder.objects.filter(pk=state.pk).update(sync_token="")
            continue
        heads = [Head(message.id, message.size, message.head) for message in page.messages]
        moved = _collect(mailbox, folder, heads, download, _no_progress, report)
        if moved and mailbox.move_to_folder:
            destination = destination or client.folder_create(mailbox.move_to_folder)
            for ref in moved:
                with suppress(NotFound):
                    client.move(str(ref), destination)
        link = page.next_link or page.delta_link
        MailboxFolder.objects.filter(pk=state.pk).update(sync_token=link)
        if not page.next_link:
            return


def _no_progress(ref: Ref) -> None:
    """Graph's progress is the page's link, kept once the page is done."""


def mailbox_test(
    *, account: ImapAccount, folders: list[str], connect: Connect = imap_connect
) -> int:
    """Sign in and open each folder; the number of messages, or ``InboxError``."""
    total = 0
    with connect(account) as connection:
        for folder in folders or ["INBOX"]:
            total += connection.select(folder).exists
    return total


def mailbox_graph_test(*, mailbox: Mailbox, folders: list[str], timeout: float) -> int:
    """Find each folder through Microsoft Graph; the number of messages, or ``InboxError``."""
    client = graph_mail_client(mailbox, timeout=timeout)
    return sum(client.folder(folder).total for folder in folders or ["INBOX"])


# --- cloud folders -----------------------------------------------------------------------------


def cloud_client_for(
    folder: CloudFolder, *, secret: str | None = None, timeout: float | None = None
) -> CloudClient:
    if secret is None:
        # a drive signed in with OAuth2: an access token, refreshed before it expires
        secret = collector_access_token(folder) if folder.oauth_provider else _secret(folder)
    return cloud_client(
        folder.provider,
        url=folder.url,
        username=folder.username,
        secret=secret,
        timeout=timeout or settings.INBOX_TIMEOUT,
    )


DOCUMENT_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "heic", "heif", "webp", "xml", "zip"}
# bank statement files as banks name them (CODA, CAMT.05x, MT940): the bank import takes them
STATEMENT_EXTENSIONS = {"cod", "coda", "txt", "052", "053", "054", "sta", "940", "mt940"}
# the folder is gone or may no longer be read: scanning again won't mend it, the user must
FOLDER_LOST = {"cloud_folder_missing", "forbidden"}
KNOWN_BATCH = 1_000  # files whose records are looked up in one query


def cloud_folder_scan(*, folder: CloudFolder, client: CloudClient | None = None) -> ScanReport:
    """Collect the files of a cloud folder that are new or changed since the last scan.

    The client's change feed says what changed since ``folder.cursor`` (everything, the first
    time). A file is known by its id (or path) and read again only when its content version
    (ETag) changed: a file moved or renamed, or offered again after the provider reset its
    feed, is not collected twice. Each file commits on its own; the cursor moves on only
    once every file it covers was handled, so a scan cut short resumes where it was. A
    folder that is gone, or that the account may no longer read, pauses it (``FOLDER_LOST``);
    one it may read but not change keeps collecting, its files unmoved (``_move``).
    """

    def scan(report: ScanReport) -> None:
        if client is not None:
            collect(client, report)
            return
        _with_a_new_token_once(
            folder,
            lambda: collect(cloud_client_for(folder), report),
            refused="oauth_files_refused",
        )

    def collect(cloud: CloudClient, report: ScanReport) -> None:
        changes = cloud.changes(folder.location, folder.cursor, exclude=folder.move_to_folder)
        by_id = _known_files(folder, changes.files)
        for remote in changes.files:
            record = by_id.get(remote.key)
            if record is not None and record.etag == remote.etag and remote.etag:
                if record.path != remote.path:  # moved or renamed: the same file
                    CloudFile.objects.filter(pk=record.pk).update(path=remote.path)
                continue
            _import_file(folder, cloud, remote, record, report)
        if changes.cursor != folder.cursor:
            CloudFolder.objects.filter(pk=folder.pk).update(cursor=changes.cursor)
            folder.cursor = changes.cursor

    report = _scan(folder, "cloud folder", scan)
    if report.error is not None and report.error.code in FOLDER_LOST:
        _pause_for_lost_folder(folder, report.error)
    return report


def _known_files(folder: CloudFolder, files: list[RemoteFile]) -> dict[str, CloudFile]:
    """The records of ``files`` the folder knows, by key: only those (a change feed's few
    changes in a folder of thousands of files cost what the changes cost)."""
    known: dict[str, CloudFile] = {}
    for start in range(0, len(files), KNOWN_BATCH):
        batch = files[start : start + KNOWN_BATCH]
        ids = [f.id for f in batch if f.id]
        paths = [f.path for f in batch if not f.id]
        found = CloudFile.objects.filter(folder=folder).filter(
            Q(remote_id__in=ids) | Q(remote_id="", path__in=paths)
        )
        known.update((record.key, record) for record in found)
    return known


def _pause_for_lost_folder(folder: CloudFolder, error: InboxError) -> None:
    folder.refresh_from_db()
    if folder.is_paused:
        return
    _pause_and_tell(
        folder, error.code, "folder_lost", lambda: {"reason": describe(error.code, error.params)}
    )


def _import_file(
    folder: CloudFolder,
    client: CloudClient,
    remote: RemoteFile,
    record: CloudFile | None,
    report: ScanReport,
) -> None:
    record = record or CloudFile(
        company=folder.company, folder=folder, path=remote.path, remote_id=remote.id
    )
    record.path = remote.path
    record.etag, record.size, record.last_seen_at = remote.etag, remote.size, timezone.now()
    record.problem_code, record.problem_params = "", {}
    extension = remote.name.rsplit(".", 1)[-1].lower() if "." in remote.name else ""
    limit = settings.MAX_UPLOAD_SIZE
    result = None
    if extension not in DOCUMENT_EXTENSIONS | STATEMENT_EXTENSIONS:
        record.problem_code = "unsupported"
    elif remote.size > limit:
        record.problem_code = "too_large"
    else:
        try:
            data = client.download(remote, max_bytes=limit)
        except FileGone:
            return  # gone since the listing: offered again if it comes back
        except FileTooLarge:
            record.problem_code = "too_large"
        else:
            try:
                with transaction.atomic():
                    result = document_ingest(
                        company=folder.company,
                        data=data,
                        filename=remote.name,
                        source=Source.CLOUD,
                        details={"folder": folder.name, "path": remote.path},
                    )
                    if result.error_code:
                        record.problem_code = result.error_code
                        record.problem_params = result.error_params
                    children = [c for c in result.children if c.document is not None]
                    document = result.document or (children[0].document if children else None)
                    record.document = document
                    # a bank statement file is no document, and that is no problem
                    record.is_bank_statement = result.is_statement
                    record.save()
            except Exception:
                # One file must never stop the folder (nor come back at every scan): it is
                # recorded with its ETag, read again only when it changes.
                logger.exception("File %s of cloud folder %s failed", remote.path, folder.pk)
                record.document, record.problem_code = None, "file_failed"
            else:
                _count(result, report)
    report.seen += 1
    if record.problem_code:
        report.failed += 1
        record.save()
    if result is not None and result.ok and folder.move_to_folder:
        _move(folder, client, remote, record, report)


def _move(
    folder: CloudFolder,
    client: CloudClient,
    remote: RemoteFile,
    record: CloudFile,
    report: ScanReport,
) -> None:
    """Move a collected file into the folder's sub-folder. An account that may read but not
    change the folder (a read-only library or share, an app without write access) keeps its
    document: the file says it stayed, the scan goes on, and is not asked again this scan."""
    if not report.move_refused:
        try:
            record.path = client.move(remote, folder.move_to_folder, folder=folder.location)
        except FileGone:
            return
        except InboxError as error:
            if error.code != "forbidden":
                raise
            report.move_refused = True
        else:
            # the moved file lives on in the sub-folder, which scans leave alone
            CloudFile.objects.filter(pk=record.pk).update(path=record.path)
            return
    CloudFile.objects.filter(pk=record.pk).update(
        problem_code="move_refused", problem_params={"folder": folder.move_to_folder}
    )


def _count(result: IngestResult, report: ScanReport) -> None:
    if result.document is not None and not result.is_duplicate:
        report.documents += 1
    elif result.is_duplicate:
        report.duplicates += 1
    report.documents += sum(
        1
        for c in result.children
        if c.document is not None and not c.is_duplicate and not c.joined_with
    )
    report.statements += sum(
        1 for r in (result, *result.children) if r.is_statement and not r.error_code
    )


def cloud_folder_test(*, client: CloudClient, path: str) -> int:
    """List the folder; the number of files in it, or ``InboxError``."""
    client.check(path)
    return len(client.changes(path, "").files)
