"""The cash-flow forecast's settings and the user's adjustments to it."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.banking.models import CashflowSettings, ForecastAdjustment
from apps.companies.models import Company
from apps.core.errors import DomainError

ITEM_SOURCES = ("invoice", "document", "recurring", "vat", "advance_tax")


def cashflow_settings_update(
    *,
    company: Company,
    vat_filer: str,
    makes_advance_payments: bool,
    advance_payments: tuple[Decimal, Decimal, Decimal, Decimal],
    threshold: Decimal | None,
) -> CashflowSettings:
    found, _created = CashflowSettings.objects.update_or_create(
        company=company,
        defaults={
            "vat_filer": vat_filer,
            "makes_advance_payments": makes_advance_payments,
            "advance_payment_1": advance_payments[0],
            "advance_payment_2": advance_payments[1],
            "advance_payment_3": advance_payments[2],
            "advance_payment_4": advance_payments[3],
            "threshold": threshold,
        },
    )
    return found


@transaction.atomic
def forecast_item_adjust(
    *,
    company: Company,
    item: str,
    kind: str,
    day: datetime.date | None = None,
    actor: User | None = None,
) -> ForecastAdjustment:
    """A forecast line (``item``, the key the forecast gave it) expected on ``day``
    (``kind`` move) or not counted (exclude). The item's earlier adjustment is replaced."""
    if item.split(":", 1)[0] not in ITEM_SOURCES or len(item) > 120:
        raise DomainError(_("This line of the forecast cannot be changed."), code="item")
    if kind == ForecastAdjustment.Kind.MOVE and day is None:
        raise DomainError(_("Choose the date to expect it."), code="day", field="day")
    if kind not in (ForecastAdjustment.Kind.MOVE, ForecastAdjustment.Kind.EXCLUDE):
        raise DomainError(_("This line of the forecast cannot be changed."), code="kind")
    found, _created = ForecastAdjustment.objects.update_or_create(
        company=company,
        item=item,
        kind__in=[ForecastAdjustment.Kind.MOVE, ForecastAdjustment.Kind.EXCLUDE],
        defaults={
            "kind": kind,
            "day": day if kind == ForecastAdjustment.Kind.MOVE else None,
            "created_by": actor,
        },
    )
    return found


def forecast_one_off_add(
    *,
    company: Company,
    day: datetime.date,
    amount: Decimal,
    label: str,
    actor: User | None = None,
) -> ForecastAdjustment:
    """A line of the user's own: money expected in (+) or out (-) on ``day``."""
    if not amount:
        raise DomainError(_("Enter an amount other than zero."), code="amount", field="amount")
    return ForecastAdjustment.objects.create(
        company=company,
        kind=ForecastAdjustment.Kind.ONE_OFF,
        day=day,
        amount=amount,
        label=label.strip()[:200],
        created_by=actor,
    )


def forecast_adjustment_remove(*, company: Company, adjustment: ForecastAdjustment) -> None:
    """Undo a move or an exclusion, or take off a line of the user's own."""
    ForecastAdjustment.objects.filter(company=company, pk=adjustment.pk).delete()
