"""`manage.py inbox_smtpd`: receive mail for the companies' forwarding addresses."""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.inbox.smtpd import make_controller


class Command(BaseCommand):
    help = "Run the SMTP server that receives mail for the forwarding addresses (aiosmtpd)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=settings.INBOUND_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.INBOUND_SMTP_PORT)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        controller = make_controller(host=host, port=port)
        controller.start()
        self.stdout.write(
            f"Receiving mail for *@{settings.INBOUND_EMAIL_DOMAIN} on {host}:{port} "
            f"(at most {settings.INBOX_MAX_MESSAGE_SIZE // (1024 * 1024)} MB a message)."
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
