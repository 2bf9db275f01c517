"""`manage.py billing_plans_sync`: every plan's product and prices in Stripe made to match
the plan rows (``plan_stripe_sync``), and their ids kept on the plans. `make run` runs it
against the Stripe stand-in at start-up so that Subscribe works there."""

import socket
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.billing.models import Plan
from apps.billing.plan_sync import plan_stripe_sync
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update every plan's Stripe product and prices from the plan rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            help="seconds to wait for STRIPE_API_BASE to accept connections (the stand-in)",
        )

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        if wait and settings.STRIPE_API_BASE:
            self._wait_for(settings.STRIPE_API_BASE, wait)
        for plan in Plan.objects.all():
            try:
                plan_stripe_sync(plan=plan)
            except DomainError as error:
                detail = getattr(error, "detail", "")
                raise CommandError(f"{plan.code}: {error.message} {detail}".strip()) from error
            self.stdout.write(
                f"{plan.code}: {plan.stripe_product_id} base {plan.stripe_base_price_id}"
                f" metered {plan.stripe_metered_price_id or '-'}"
            )

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
