"""Writes of the inbox: connecting mailboxes and cloud folders, within the plan's limits.

Scans live in ``scanning.py``, one e-mail's journey in ``messages.py``, the forwarding address
in ``forwarding.py``.
"""

from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.billing import entitlements
from apps.billing.entitlements import Limited
from apps.billing.models import Plan
from apps.companies.models import Company
from apps.core.crypto import encrypt
from apps.core.errors import DomainError
from apps.inbox.models import CloudFolder, Collector, Mailbox

MAILBOX_FIELDS = (
    "name",
    "provider",
    "host",
    "port",
    "security",
    "auth_method",
    "username",
    "folders",
    "move_to_folder",
    "scan_interval_minutes",
)
CLOUD_FOLDER_FIELDS = (
    "name",
    "provider",
    "url",
    "username",
    "path",
    "move_to_folder",
    "scan_interval_minutes",
)


def _limited(model: type[Collector]) -> Limited:
    return "mailboxes" if model is Mailbox else "cloud_folders"


def limit_for(
    company: Company, model: type[Collector], *, plan: Plan | None = None
) -> tuple[int, int]:
    """How many the company has, and how many its plan in force allows (``plan``, when the
    caller has read it already: ``apps.billing.entitlements.effective_plan``)."""
    used = model.objects.filter(company=company).count()
    if plan is None:
        return used, entitlements.allowed(company, _limited(model))
    return used, int(getattr(plan, _limited(model)))


def _check_limit(company: Company, model: type[Collector]) -> None:
    used = model.objects.filter(company=company).count()
    entitlements.limit_check(company, _limited(model), used=used)


Saved = TypeVar("Saved", bound=Collector)


def _save(
    collector: Saved, allowed: tuple[str, ...], fields: dict[str, Any], secret: str | None
) -> Saved:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(collector, name, value)
    if secret:
        collector.secret = encrypt(secret)
    if secret or any(name in fields for name in ("host", "url", "username")):
        # new credentials: start afresh
        collector.status = Collector.Status.ACTIVE
        collector.paused_reason = ""
        collector.auth_failures = 0
    try:
        with transaction.atomic():
            collector.save()
    except IntegrityError:
        raise DomainError(
            _("This mailbox is connected already."), code="duplicate", field="username"
        ) from None
    return collector


def _create(
    collector: Saved, allowed: tuple[str, ...], fields: dict[str, Any], secret: str
) -> Saved:
    """Connect a new mailbox or cloud folder, within the plan's number of them; its first
    scan starts once this is committed."""
    _check_limit(collector.company, type(collector))
    _save(collector, allowed, fields, secret)
    transaction.on_commit(lambda: collector_scan_now(collector=collector))
    return collector


@transaction.atomic
def mailbox_create(*, company: Company, actor: User, password: str, **fields: Any) -> Mailbox:
    """Connect a mailbox. Within the plan's number of mailboxes; the password is encrypted."""
    return _create(Mailbox(company=company, created_by=actor), MAILBOX_FIELDS, fields, password)


@transaction.atomic
def mailbox_update(*, mailbox: Mailbox, password: str = "", **fields: Any) -> Mailbox:
    """Change a mailbox; an empty password keeps the stored one."""
    return _save(mailbox, MAILBOX_FIELDS, fields, password)


@transaction.atomic
def cloud_folder_create(
    *, company: Company, actor: User, password: str, **fields: Any
) -> CloudFolder:
    """Connect a cloud folder, within the plan's number of cloud folders."""
    folder = CloudFolder(company=company, created_by=actor)
    return _create(folder, CLOUD_FOLDER_FIELDS, fields, password)


@transaction.atomic
def cloud_folder_update(*, folder: CloudFolder, password: str = "", **fields: Any) -> CloudFolder:
    return _save(folder, CLOUD_FOLDER_FIELDS, fields, password)


def collector_resume(*, collector: Collector) -> Collector:
    collector.status = Collector.Status.ACTIVE
    collector.paused_reason = ""
    collector.auth_failures = 0
    collector.save(update_fields=["status", "paused_reason", "auth_failures", "updated_at"])
    return collector


def collector_pause(*, collector: Collector) -> Collector:
    collector.status = Collector.Status.PAUSED
    collector.paused_reason = "user"
    collector.save(update_fields=["status", "paused_reason", "updated_at"])
    return collector


def collector_delete(*, collector: Collector) -> None:
    """Disconnect. Documents already collected stay; so does the record of mail looked at. A
    sign-in with Google or Microsoft is given back to the provider (by a worker)."""
    if collector.oauth_provider and collector.secret:
        from apps.inbox import tasks

        args = (collector.company_id, collector.oauth_provider, collector.secret)
        transaction.on_commit(lambda: tasks.oauth_grant_revoke.delay(*args))
    collector.delete()


def collector_scan_now(*, collector: Collector) -> None:
    from apps.inbox import tasks

    if isinstance(collector, Mailbox):
        tasks.mailbox_scan.delay(collector.company_id, collector.pk)
    else:
        tasks.cloud_folder_scan.delay(collector.company_id, collector.pk)


@transaction.atomic
def cloud_folder_choose(
    *, folder: CloudFolder, location: str, path: str, move_to_folder: str = ""
) -> CloudFolder:
    """Collect from the drive's folder ``location`` (shown as ``path``), named after it
    unless the user renamed the folder: the change feed starts afresh there (files already
    collected are known by id, not read again), the folder is active and scanned once this
    commits."""
    if not folder.is_drive:
        raise ValueError("Only a drive's folder is chosen in the browser")
    if _is_automatic_name(folder):
        folder.name = drive_folder_name(folder.provider, path or "/")
    folder.folder_id, folder.path, folder.cursor = location, path or "/", ""
    folder.move_to_folder = move_to_folder
    folder.status, folder.paused_reason, folder.auth_failures = Collector.Status.ACTIVE, "", 0
    folder.save()
    transaction.on_commit(lambda: collector_scan_now(collector=folder))
    return folder


# how a drive's folders are named after the folder picked: brand names, the same in every language
SERVICE_NAMES = {"google_drive": "Google Drive", "onedrive": "OneDrive", "dropbox": "Dropbox"}
SHAREPOINT = " (SharePoint)"  # how the folder browser ends a SharePoint library's name


def drive_folder_name(provider: str, path: str) -> str:
    """ "Facturen 2026 (Google Drive)" for the folder at ``path``; the service's name alone at
    the top of the drive."""
    service = SERVICE_NAMES.get(provider, provider)
    last = path.rstrip("/").rsplit("/", 1)[-1].strip()
    if provider == "onedrive" and SHAREPOINT in path:
        service = "SharePoint"
        last = last.removesuffix(SHAREPOINT)
    if not last:
        return service
    suffix = f" ({service})"
    return last[: 100 - len(suffix)].rstrip() + suffix


def _is_automatic_name(folder: CloudFolder) -> bool:
    """The folder still has the name OkiOki gave it: the service's, in any language (at
    sign-in), or the one of the folder picked before."""
    given = {drive_folder_name(folder.provider, folder.path)} if folder.path else set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            given.add(str(CloudFolder.Provider(folder.provider).label))
    return folder.name in given
