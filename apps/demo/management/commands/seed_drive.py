"""Google Drive in the demo (`make run`, once the development stand-in of Google's sign-in
and Drive listens): see ``apps.demo.drive``."""

import socket
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.demo.drive import seed_drive


class Command(BaseCommand):
    help = "Connect the demo bakery's Google Drive folder through the stand-in (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            help="seconds to wait for the stand-in (GOOGLE_DRIVE_API_URL) to accept connections",
        )

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        if not settings.DRIVES_STANDIN:
            return
        if wait:
            self._wait_for(settings.GOOGLE_DRIVE_API_URL, wait)
        for line in seed_drive():
            self.stdout.write(f"Google Drive demo: {line}")

    def _wait_for(self, base: str, seconds: float) -> None:
        address = urlsplit(base)
        deadline = time.monotonic() + seconds
        while True:
            try:
                with socket.create_connection(
                    (address.hostname or "127.0.0.1", address.port or 443), timeout=2
                ):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise CommandError(f"{base} does not answer") from None
                time.sleep(0.5)
