"""Google Drive in the demo (`make run`, once the development stand-in of Google's sign-in
and Drive listens): see ``apps.demo.drive``."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.management.listening import wait_until_listening
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
            wait_until_listening(settings.GOOGLE_DRIVE_API_URL, wait)
        for line in seed_drive():
            self.stdout.write(f"Google Drive demo: {line}")
