"""`manage.py billing_plans_sync`: every plan's product and prices in Stripe made to match
the plan rows (``plan_stripe_sync``), and their ids kept on the plans. `make run` runs it
against the Stripe stand-in at start-up so that Subscribe works there."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.billing.models import Plan
from apps.billing.plan_sync import plan_stripe_sync
from apps.core.errors import DomainError
from apps.core.management.listening import wait_until_listening


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
            wait_until_listening(settings.STRIPE_API_BASE, wait)
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
