"""The Celery app: named queues, routes and the beat schedule live here, in code."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")

app = Celery("okioki")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem broker (embedded default) needs its folders before the first message."""
    options = sender.conf.broker_transport_options or {}
    folders = [
        options[key]
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
        if options.get(key)
    ]
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        folders.append(backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)


# "bulk": readings of a company with a backlog (apps.documents.services.document_queue_read);
# a worker takes from its queues in turn, so the other companies' readings go on meanwhile.
QUEUES = ("default", "mail", "documents", "bulk", "delivery")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_routes = {
    "apps.companies.tasks.send_email": {"queue": "mail"},
    "apps.accounts.tasks.login_unlock_offer": {"queue": "mail"},
    # someone waits for it on the page: not behind the scans of the mail queue
    "apps.inbox.tasks.connection_test_run": {"queue": "default"},
    "apps.inbox.*": {"queue": "mail"},
    "apps.documents.*": {"queue": "documents"},
    "apps.connections.*": {"queue": "delivery"},
    # a page waits for the lookup; sends and receptions go with the deliveries
    "apps.peppol.tasks.peppol_company_check": {"queue": "default"},
    "apps.peppol.*": {"queue": "delivery"},
    "apps.sales.*": {"queue": "mail"},
    # OkiOki's own invoice to a subscriber goes like the companies' invoices
    "apps.flows.tasks.platform_invoice_send": {"queue": "mail"},
}
app.conf.beat_schedule = {
    "core-heartbeat": {"task": "apps.core.tasks.heartbeat", "schedule": 60.0},
    "inbox-sweep": {"task": "apps.inbox.tasks.inbox_sweep", "schedule": 60.0},
    "outbox-sweep": {"task": "apps.outbox.tasks.outbox_sweep", "schedule": 60.0},
    "delivery-sweep": {"task": "apps.connections.tasks.delivery_sweep", "schedule": 60.0},
    "peppol-sweep": {"task": "apps.peppol.tasks.peppol_sweep", "schedule": 60.0},
    "peppol-inbound-poll": {"task": "apps.peppol.tasks.inbound_poll", "schedule": 300.0},
    "document-read-sweep": {
        "task": "apps.documents.tasks.document_read_sweep",
        "schedule": 60.0,
    },
    # live bank connections (Ponto): webhooks bring most; this catches what they missed
    "bank-connections-sweep": {
        "task": "apps.banking.tasks.bank_connections_sweep",
        "schedule": crontab(hour="*/4", minute=17),
    },
    "bank-consent-sweep": {
        "task": "apps.banking.tasks.bank_consent_sweep",
        "schedule": crontab(hour=8, minute=10),
    },
    # the month's documents to Stripe's meter (OkiOki's database is the meter of record);
    # every total once more, final, on the month's last day at 23:00 and right after midnight
    "billing-usage-report": {
        "task": "apps.billing.tasks.usage_report_sweep",
        "schedule": crontab(minute="*/10"),
    },
    "billing-usage-month-end-eve": {
        "task": "apps.billing.tasks.usage_report_month_end",
        "schedule": crontab(hour=23, minute=0, day_of_month="28-31"),
    },
    "billing-usage-month-end-close": {
        "task": "apps.billing.tasks.usage_report_month_end",
        "schedule": crontab(hour=0, minute=5, day_of_month=1),
    },
    # unpaid past the grace period: the owners hear that collection pauses
    "billing-fallback-sweep": {
        "task": "apps.billing.tasks.billing_fallback_sweep",
        "schedule": crontab(hour=8, minute=20),
    },
    # reminders and quote expiry, every morning at 8:00 (Europe/Brussels)
    "sales-daily": {"task": "apps.sales.tasks.sales_daily", "schedule": crontab(hour=8, minute=0)},
}
app.autodiscover_tasks()
