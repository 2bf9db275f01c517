"""`manage.py deliveries`: list deliveries to accountants, and retry failed ones."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from apps.connections.services import delivery_retry, delivery_send
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "List deliveries to accountants (all companies or one); --retry sends failed ones again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--company", help="the company's short name (slug)")
        parser.add_argument(
            "--status", choices=Delivery.Status.values, help="only deliveries with this status"
        )
        parser.add_argument(
            "--retry",
            action="store_true",
            help="try the listed failed (or review-blocked) deliveries again, now",
        )
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.filter(is_active=True).order_by("slug")
        if options["company"]:
            companies = companies.filter(slug=options["company"])
            if not companies.exists():
                raise CommandError(f"No active company with short name {options['company']!r}.")
        shown = 0
        for company in companies:
            with company_scope(company):
                deliveries = Delivery.objects.filter(company=company).select_related("document")
                if options["status"]:
                    deliveries = deliveries.filter(status=options["status"])
                for delivery in deliveries.order_by("-created_at")[: options["limit"]]:
                    shown += 1
                    when = timezone.localtime(delivery.sent_at or delivery.created_at)
                    self.stdout.write(
                        f"{company.slug}\t{delivery.public_id}\t{delivery.status}\t"
                        f"{when:%Y-%m-%d %H:%M}\t{delivery.destination}\t{delivery.document}\t"
                        f"{delivery.answer[:80]}"
                    )
                    if options["retry"] and delivery.status in (
                        Delivery.Status.FAILED,
                        Delivery.Status.NEEDS_REVIEW,
                    ):
                        self._retry(company, delivery)
        if not shown:
            self.stdout.write("No deliveries.")

    def _retry(self, company: Company, delivery: Delivery) -> None:
        try:
            delivery_retry(company=company, delivery=delivery, actor=None)
        except DomainError as error:
            self.stdout.write(f"  not retried: {error.message}")
            return
        result = delivery_send(company=company, delivery_id=delivery.pk)
        status = result.status if result is not None else "queued"
        self.stdout.write(f"  retried: {status}")
