"""Peppol in the demo (`make run`, once the app, its worker and the development stand-in
are up): see ``apps.demo.peppol``."""

from typing import Any

from django.core.management.base import BaseCommand

from apps.demo.peppol import seed_peppol


class Command(BaseCommand):
    help = "Show Peppol at work in the demo, through the development stand-in (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in seed_peppol():
            self.stdout.write(f"Peppol demo: {line}")
