""" "Test connection" of a mailbox or cloud folder, in a worker, never in a web request.

The form's "Test connection" records what was typed (``connection_test_start``) and queues
the task; the page polls the result. The worker tries it with a short timeout
(``OUTBOUND_TEST_TIMEOUT``), through the outgoing-connection guard like any scan.
"""

import logging
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.companies.models import Company
from apps.core.crypto import DecryptionFailed, decrypt, encrypt
from apps.inbox import scanning
from apps.inbox.errors import InboxError
from apps.inbox.models import CloudFolder, Collector, ConnectionTest, Mailbox

logger = logging.getLogger(__name__)

KEPT_FOR = timedelta(hours=1)  # a test and what was typed for it are deleted after this
MAILBOX_VALUES = ("host", "port", "security", "username", "auth_method", "folders")
CLOUD_FOLDER_VALUES = ("provider", "url", "username", "path")


@transaction.atomic
def connection_test_start(
    *,
    company: Company,
    actor: User,
    kind: ConnectionTest.Kind,
    values: dict[str, Any],
    password: str,
    collector: Collector | None = None,
) -> ConnectionTest:
    """Record a test of a mailbox's or cloud folder's ``values`` and queue it. An empty
    ``password`` tests with the one saved with ``collector``."""
    names = MAILBOX_VALUES if kind == ConnectionTest.Kind.MAILBOX else CLOUD_FOLDER_VALUES
    test = ConnectionTest.objects.create(
        company=company,
        kind=kind,
        mailbox=collector if isinstance(collector, Mailbox) else None,
        cloud_folder=collector if isinstance(collector, CloudFolder) else None,
        values={name: values[name] for name in names if name in values},
        secret=encrypt(password),
        created_by=actor,
    )
    transaction.on_commit(lambda: _queue(test))
    return test


def connection_tests_forget() -> int:
    """Delete the tests older than ``KEPT_FOR`` (run by the inbox sweep, in the scope it is
    given), so a typed password no worker got to does not stay; how many were deleted."""
    deleted, _by_model = ConnectionTest.objects.filter(
        created_at__lt=timezone.now() - KEPT_FOR
    ).delete()
    return deleted


def _queue(test: ConnectionTest) -> None:
    from apps.inbox import tasks

    tasks.connection_test_run.delay(test.company_id, test.pk)


def _count(test: ConnectionTest, secret: str | None) -> int:
    values, timeout = test.values, settings.OUTBOUND_TEST_TIMEOUT
    if test.kind == ConnectionTest.Kind.MAILBOX and test.mailbox and test.mailbox.oauth_provider:
        if test.mailbox.transport == Mailbox.Transport.GRAPH:
            return scanning.mailbox_graph_test(
                mailbox=test.mailbox, folders=values["folders"], timeout=timeout
            )
        # signed in with Google or Microsoft: its server and token, the folders as typed
        account = scanning.imap_account(test.mailbox, timeout=timeout)
        return scanning.mailbox_test(account=account, folders=values["folders"])
    if test.kind == ConnectionTest.Kind.MAILBOX:
        mailbox = Mailbox(
            company=test.company,
            secret=test.mailbox.secret if test.mailbox else "",
            **{name: values[name] for name in MAILBOX_VALUES if name != "folders"},
        )
        account = scanning.imap_account(mailbox, secret=secret, timeout=timeout)
        return scanning.mailbox_test(account=account, folders=values["folders"])
    folder = CloudFolder(
        company=test.company,
        secret=test.cloud_folder.secret if test.cloud_folder else "",
        **{name: values[name] for name in CLOUD_FOLDER_VALUES},
    )
    client = scanning.cloud_client_for(folder, secret=secret, timeout=timeout)
    return scanning.cloud_folder_test(client=client, path=values["path"])


def connection_test_run(*, test: ConnectionTest) -> ConnectionTest:
    """Try the connection once and record the outcome. A finished test is left as it is."""
    if not test.is_pending:
        return test
    test.status = ConnectionTest.Status.FAILED
    try:
        secret = decrypt(test.secret) or None
        test.count = _count(test, secret)
        test.status = ConnectionTest.Status.CONNECTED
    except DecryptionFailed:
        test.error_code = "secret_unreadable"
    except InboxError as error:
        test.error_code = error.code
        test.error_params = {key: str(value) for key, value in error.params.items()}
    except SoftTimeLimitExceeded:
        test.error_code = "timeout"
    except Exception as error:
        logger.exception("Connection test %s failed", test.pk)
        test.error_code, test.error_params = "protocol", {"detail": type(error).__name__}
    test.secret = ""
    test.finished_at = timezone.now()
    test.save()
    return test
