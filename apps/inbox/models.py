"""Where documents flow in by themselves: mailboxes, the forwarding address, cloud folders."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel
from apps.inbox.errors import describe


def _default_interval() -> int:
    return settings.INBOX_SCAN_INTERVAL_MINUTES


def _default_folders() -> list[str]:
    return ["INBOX"]


class Collector(CompanyOwnedModel):
    """What mailboxes and cloud folders share: a secret, a schedule and their health."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(_("name"), max_length=100)
    username = models.CharField(_("user name"), max_length=254)
    secret = models.TextField(blank=True)  # encrypted with apps.core.crypto; never shown again
    # Signed in with Google or Microsoft (apps.inbox.clients.oauth): ``secret`` holds the
    # refresh token, ``access_token`` the current access token (both encrypted) until
    # ``token_expires_at``. Empty for a password.
    oauth_provider = models.CharField(max_length=20, blank=True)
    access_token = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scan_interval_minutes = models.PositiveSmallIntegerField(
        _("scan every (minutes)"), default=_default_interval
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_reason = models.CharField(max_length=40, blank=True)
    last_scan_at = models.DateTimeField(_("last scan"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful scan"), null=True, blank=True)
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    auth_failures = models.PositiveSmallIntegerField(default=0)
    scanning_since = models.DateTimeField(null=True, blank=True)
    # the provider asked OkiOki to wait (429/503 with Retry-After): no scan before this time
    retry_after = models.DateTimeField(null=True, blank=True)
    items_seen = models.PositiveIntegerField(default=0)
    documents_found = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        raise NotImplementedError

    @property
    def last_error(self) -> str:
        return (
            describe(self.last_error_code, self.last_error_params) if self.last_error_code else ""
        )

    @property
    def is_paused(self) -> bool:
        return self.status == self.Status.PAUSED

    @property
    def needs_reconnect(self) -> bool:
        """Paused because the provider no longer accepts its sign-in (revoked, expired), or
        it lacks the consent to read mail through Microsoft Graph."""
        return self.is_paused and self.paused_reason in ("oauth_revoked", "graph_consent")

    @property
    def is_waiting(self) -> bool:
        """The provider asked to wait (``retry_after``) and that time has not come yet."""
        return self.retry_after is not None and timezone.now() < self.retry_after

    @property
    def is_due(self) -> bool:
        if self.is_paused or self.is_waiting:
            return False
        if self.last_scan_at is None:
            return True
        return timezone.now() >= self.last_scan_at + timedelta(minutes=self.scan_interval_minutes)


class Mailbox(Collector):
    """An IMAP mailbox the company lets us read. Read-only unless ``move_to_folder`` is set."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        PLAIN = "plain", _("None (this computer only)")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("Password or app password")
        XOAUTH2 = "xoauth2", _("OAuth2 (XOAUTH2) access token")

    class Transport(models.TextChoices):
        IMAP = "imap", "IMAP"
        # a Microsoft 365 account whose IMAP is off (apps.inbox.clients.graph_mail)
        GRAPH = "graph", "Microsoft Graph"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="mailboxes")
    provider = models.CharField(_("provider"), max_length=20, default="other")
    host = models.CharField(_("IMAP server"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    auth_method = models.CharField(
        _("sign-in method"), max_length=10, choices=Auth.choices, default=Auth.PASSWORD
    )
    folders = models.JSONField(_("folders to watch"), default=_default_folders)
    # how the mail is read: chosen by the scans (IMAP first, Graph when Microsoft refuses IMAP)
    transport = models.CharField(max_length=10, choices=Transport.choices, default=Transport.IMAP)
    move_to_folder = models.CharField(
        _("move processed mail to"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to leave your mail exactly as it is."),
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "host", "username"], name="mailbox_unique_account"
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse(
            "inbox:mailbox-detail",
            kwargs={"company_id": self.company.public_id, "mailbox_id": self.public_id},
        )


class MailboxFolder(CompanyOwnedModel):
    """Where the scan of one folder stands: new mail is what has a UID above ``last_uid``
    (IMAP), or what Microsoft Graph's delta query of ``sync_token`` gives (Graph)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    name = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    # Microsoft Graph: the @odata.deltaLink of the last round, or its @odata.nextLink while a
    # round is under way; empty: list the folder from the beginning
    sync_token = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="mailboxfolder_unique_name")
        ]


def _forwarding_local_part() -> str:
    return secrets.token_hex(5)


class ForwardingAddress(CompanyOwnedModel):
    """The company's own e-mail address for invoices: ``<slug>-<random>@<INBOUND_EMAIL_DOMAIN>``."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="forwarding_address"
    )
    local_part = models.CharField(max_length=80, unique=True)
    only_allowed_senders = models.BooleanField(
        _("only accept mail from members and allowed senders"), default=False
    )
    allowed_senders = models.TextField(
        _("allowed senders"),
        blank=True,
        help_text=_("One e-mail address or @domain per line, besides the company's members."),
    )
    messages_received = models.PositiveIntegerField(default=0)
    last_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("forwarding address")
        verbose_name_plural = _("forwarding addresses")

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.local_part}@{settings.INBOUND_EMAIL_DOMAIN}"

    @property
    def allowed_sender_list(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_senders.splitlines() if line.strip()]


def message_path(instance: "InboundMessage", filename: str) -> str:
    return f"companies/{instance.company.public_id}/inbox/{instance.public_id}.eml"


class InboundMessage(CompanyOwnedModel):
    """One e-mail we looked at (mailbox or forwarding address), and what became of it."""

    class Channel(models.TextChoices):
        MAILBOX = "mailbox", _("Mailbox")
        FORWARDING = "forwarding", _("Forwarding address")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IMPORTED = "imported", _("Documents found")
        IGNORED = "ignored", _("Nothing to collect")
        FAILED = "failed", _("Could not be read")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    folder = models.CharField(max_length=200, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=64)
    message_id = models.CharField(max_length=500, blank=True)
    sender = models.CharField(_("from"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    problem_code = models.CharField(max_length=40, blank=True)
    problem_params = models.JSONField(default=dict, blank=True)
    documents_created = models.PositiveSmallIntegerField(default=0)
    duplicates = models.PositiveSmallIntegerField(default=0)
    # bank statement files the bank import took (no documents)
    statements = models.PositiveSmallIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    # The e-mail as it came, kept when it is ours alone to keep (forwarded mail) or went wrong.
    raw = models.FileField(upload_to=message_path, max_length=300, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A message is looked at once per mailbox (UIDVALIDITY resyncs and moved mail)...
            models.UniqueConstraint(
                fields=["mailbox", "key"],
                condition=models.Q(mailbox__isnull=False),
                name="inboundmessage_once_per_mailbox",
            ),
            # ...and once per company on the forwarding address (SMTP retries).
            models.UniqueConstraint(
                fields=["company", "key"],
                condition=models.Q(channel="forwarding"),
                name="inboundmessage_once_forwarded",
            ),
        ]
        indexes = [models.Index(fields=["company", "-created_at"], name="inboundmessage_recent")]

    def __str__(self) -> str:
        return self.subject or self.message_id or str(self.public_id)

    @property
    def problem(self) -> str:
        return describe(self.problem_code, self.problem_params) if self.problem_code else ""

    @property
    def attachment_results(self) -> list[dict[str, Any]]:
        """What became of each attachment, with the reason in the reader's language."""
        return [
            {
                **item,
                "problem": ""
                if item.get("result") in ("created", "duplicate", "joined", "statement")
                else describe(item.get("result", ""), item.get("params")),
            }
            for item in self.details.get("attachments", [])
        ]


class CloudFolder(Collector):
    """A folder in the cloud: WebDAV with a password, or a drive signed in with OAuth2
    (Google Drive, OneDrive and SharePoint, Dropbox). See ``apps.inbox.clients``."""

    class Provider(models.TextChoices):
        WEBDAV = "webdav", _("WebDAV (Nextcloud, ownCloud, NAS)")
        GOOGLE_DRIVE = "google_drive", _("Google Drive")
        ONEDRIVE = "onedrive", _("OneDrive or SharePoint")
        DROPBOX = "dropbox", _("Dropbox")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="cloud_folders")
    provider = models.CharField(
        _("service"), max_length=20, choices=Provider.choices, default=Provider.WEBDAV
    )
    url = models.URLField(
        _("server address"),
        max_length=500,
        blank=True,  # WebDAV only; a drive's address is the provider's
        help_text=_("e.g. https://cloud.example.be/remote.php/dav/files/your-name/"),
    )
    path = models.CharField(_("folder"), max_length=500, default="/")  # as shown to users
    # the provider's id of the folder where it has one (Drive, OneDrive); "": ``path`` is it
    folder_id = models.CharField(max_length=500, blank=True)
    # where the provider's change feed stands (opaque, the client's); "": list everything
    cursor = models.TextField(blank=True)
    move_to_folder = models.CharField(
        _("move processed files to the sub-folder"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to leave the files where they are."),
    )

    class Meta:
        verbose_name = _("cloud folder")
        verbose_name_plural = _("cloud folders")
        ordering = ["name", "id"]

    @property
    def location(self) -> str:
        """The folder as its client takes it."""
        return self.folder_id or self.path

    @property
    def is_drive(self) -> bool:
        """Signed in with the provider (OAuth2), not with a password."""
        return self.provider != self.Provider.WEBDAV

    def get_absolute_url(self) -> str:
        return reverse(
            "inbox:folder-detail",
            kwargs={"company_id": self.company.public_id, "folder_id": self.public_id},
        )


class CloudFile(CompanyOwnedModel):
    """A file seen in a cloud folder; a new ETag means a changed file, read again. Known by
    the provider's id where it has one (moved or renamed, it stays the same file), else by
    its path (WebDAV)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    folder = models.ForeignKey(CloudFolder, on_delete=models.CASCADE, related_name="files")
    remote_id = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=1000)
    etag = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    document = models.ForeignKey(
        "documents.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # a bank statement file: taken by the bank import, no document
    is_bank_statement = models.BooleanField(default=False)
    problem_code = models.CharField(max_length=40, blank=True)
    problem_params = models.JSONField(default=dict, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["folder", "path"],
                condition=models.Q(remote_id=""),
                name="cloudfile_unique_path",
            ),
            models.UniqueConstraint(
                fields=["folder", "remote_id"],
                condition=~models.Q(remote_id=""),
                name="cloudfile_unique_remote_id",
            ),
        ]

    @property
    def key(self) -> str:
        return self.remote_id or self.path

    @property
    def problem(self) -> str:
        return describe(self.problem_code, self.problem_params) if self.problem_code else ""


class ConnectionTest(CompanyOwnedModel):
    """One "Test connection" of a mailbox's or cloud folder's settings, run by a worker.

    What was typed is kept only until the worker has tried it: the ``values``, and the typed
    password encrypted (emptied once run). Without a typed password the worker uses the one
    saved with ``mailbox`` or ``cloud_folder``; the web process never reads it.
    """

    class Kind(models.TextChoices):
        MAILBOX = "mailbox", _("Mailbox")
        CLOUD_FOLDER = "folder", _("Cloud folder")

    class Status(models.TextChoices):
        PENDING = "pending", _("Testing")
        CONNECTED = "connected", _("Connected")
        FAILED = "failed", _("Failed")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cloud_folder = models.ForeignKey(
        CloudFolder, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    values = models.JSONField(default=dict)  # host, port... as typed; never the password
    secret = models.TextField(blank=True)  # the typed password, encrypted, until run
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    count = models.PositiveIntegerField(null=True, blank=True)  # messages or files found
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_stale(self) -> bool:
        """Still waiting long after a worker should have run it (no worker running?)."""
        return self.is_pending and self.created_at < timezone.now() - timedelta(minutes=2)

    @property
    def error(self) -> str:
        return describe(self.error_code, self.error_params) if self.error_code else ""

    @property
    def where(self) -> str:
        """The folders tried, as the user typed them."""
        if self.kind == self.Kind.MAILBOX:
            return ", ".join(self.values.get("folders", []))
        return str(self.values.get("path", "/"))
