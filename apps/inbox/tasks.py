"""Background work of the inbox: the periodic sweep, scans, and collecting forwarded mail."""

from celery import Task, shared_task
from django.conf import settings

from apps.billing.entitlements import companies_collecting
from apps.companies.scoping import all_companies
from apps.companies.tasks import CompanyTask
from apps.core.crypto import DecryptionFailed, decrypt
from apps.inbox import connection_tests, messages, oauth, scanning
from apps.inbox.clients.oauth import OAuthError
from apps.inbox.models import CloudFolder, ConnectionTest, InboundMessage, Mailbox
from apps.inbox.scanning import SCAN_TIME_LIMIT, scan_is_running


@shared_task(name="apps.inbox.tasks.inbox_sweep")
def inbox_sweep() -> int:
    """Every minute (beat): queue a scan of each mailbox and cloud folder that is due, and
    forget connection tests past their time (with a password a worker never got to). The
    companies whose plan in force collects nothing now are skipped (their mail waits).

    Listed bypass of the company scope: the sweep fans out to every company's own task.
    """
    queued = 0
    with all_companies():
        connection_tests.connection_tests_forget()
        active = [
            *(
                ("mailbox", m)
                for m in Mailbox.objects.filter(status=Mailbox.Status.ACTIVE).select_related(
                    "company"
                )
            ),
            *(
                ("folder", f)
                for f in CloudFolder.objects.filter(
                    status=CloudFolder.Status.ACTIVE
                ).select_related("company")
            ),
        ]
        due = [(kind, c) for kind, c in active if c.is_due and not scan_is_running(c)]
        collecting = companies_collecting([collector.company for _kind, collector in due])
    for kind, collector in due:
        if collector.company_id not in collecting:
            continue
        if kind == "mailbox":
            mailbox_scan.delay(collector.company_id, collector.pk)
        else:
            cloud_folder_scan.delay(collector.company_id, collector.pk)
        queued += 1
    return queued


@shared_task(
    base=CompanyTask,
    name="apps.inbox.tasks.mailbox_scan",
    acks_late=True,
    soft_time_limit=SCAN_TIME_LIMIT,
    time_limit=SCAN_TIME_LIMIT + 60,
)
def mailbox_scan(company_id: int, mailbox_id: int) -> dict[str, int]:
    """Scan one mailbox. Safe to run twice: a second scan finds nothing new."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        return {}
    return scanning.mailbox_scan(mailbox=mailbox).counts()


@shared_task(
    base=CompanyTask,
    name="apps.inbox.tasks.cloud_folder_scan",
    acks_late=True,
    soft_time_limit=SCAN_TIME_LIMIT,
    time_limit=SCAN_TIME_LIMIT + 60,
)
def cloud_folder_scan(company_id: int, folder_id: int) -> dict[str, int]:
    folder = CloudFolder.objects.filter(pk=folder_id).first()
    if folder is None:
        return {}
    return scanning.cloud_folder_scan(folder=folder).counts()


@shared_task(
    base=CompanyTask,
    name="apps.inbox.tasks.message_collect",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
)
def message_collect(company_id: int, message_id: int) -> None:
    """Collect the documents of a forwarded e-mail stored on arrival. Idempotent."""
    message = InboundMessage.objects.filter(pk=message_id).first()
    if message is not None:
        messages.message_collect(message)


@shared_task(
    base=CompanyTask,
    name="apps.inbox.tasks.connection_test_run",
    soft_time_limit=settings.OUTBOUND_TEST_TIMEOUT * 6,
    time_limit=settings.OUTBOUND_TEST_TIMEOUT * 6 + 30,
)
def connection_test_run(company_id: int, test_id: int) -> str:
    """Run one "Test connection" (each network step waits OUTBOUND_TEST_TIMEOUT at most)."""
    test = ConnectionTest.objects.filter(pk=test_id).first()
    if test is None:
        return ""
    return connection_tests.connection_test_run(test=test).status


@shared_task(
    base=CompanyTask,
    name="apps.inbox.tasks.oauth_grant_revoke",
    bind=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def oauth_grant_revoke(self: Task, company_id: int, provider: str, token: str) -> bool:
    """Give a disconnected mailbox's sign-in back to the provider (``token``: its refresh
    token, encrypted). Retried while the provider can't be reached; revoked twice is fine."""
    try:
        oauth.oauth_grant_revoke(provider=provider, token=decrypt(token))
    except DecryptionFailed:
        return False
    except OAuthError as failure:
        if failure.temporary:
            raise self.retry(exc=failure, countdown=60 * 2**self.request.retries) from failure
        return False
    return True
