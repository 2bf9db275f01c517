"""Resending a whole period to the current addresses: a person's explicit, recorded choice,
confirmed first when it is more than a handful of documents (``TRANSFER_RESEND_CONFIRM_OVER``).
Only the owner or the linked office may do it (``Action.ROUTE_TRANSFER``, checked by the view).
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.connections.models import PeriodResend
from apps.connections.selectors import period_resend_plan
from apps.connections.services import document_resend, transfer_get
from apps.core.errors import DomainError


class ResendNotConfirmed(DomainError):
    """A period of more than ``TRANSFER_RESEND_CONFIRM_OVER`` documents, not confirmed."""

    def __init__(self, *, count: int, addresses: list[str]):
        super().__init__(_("Confirm the resend first."), code="not_confirmed")
        self.count = count
        self.addresses = addresses


@transaction.atomic
def deliveries_resend_period(
    *, company: Company, date_from: date, date_to: date, actor: User, confirmed: int | None = None
) -> int:
    """Resend the ready and sent documents dated in a period to the current addresses; those
    already sent to that very address in their current version are left out. More than
    ``TRANSFER_RESEND_CONFIRM_OVER`` documents go only when ``confirmed`` is their count
    (``ResendNotConfirmed`` says how many and where). Recorded (who, when, how many, where)
    as a ``PeriodResend``. How many."""
    transfer = transfer_get(company=company)
    if transfer is None or not transfer.is_configured:
        raise DomainError(_("Set your accountant's address first."), code="no_address")
    plan = period_resend_plan(
        company=company, transfer=transfer, date_from=date_from, date_to=date_to
    )
    addresses = sorted({address for _document, address in plan})
    if len(plan) > settings.TRANSFER_RESEND_CONFIRM_OVER and confirmed != len(plan):
        raise ResendNotConfirmed(count=len(plan), addresses=addresses)
    for document, _address in plan:
        document_resend(company=company, document=document, actor=actor)
    PeriodResend.objects.create(
        company=company,
        requested_by=actor,
        date_from=date_from,
        date_to=date_to,
        count=len(plan),
        addresses=addresses,
    )
    return len(plan)
