"""Reads of sales: VAT rates in force on a date."""

import datetime
from decimal import Decimal

from django.db.models import Q

from apps.companies.models import Company
from apps.sales.models import SalesSettings, VatRate


def vat_rate_for(*, code: str, on: datetime.date) -> Decimal | None:
    """The rate of ``code`` in force on ``on``; None when the code is unknown then."""
    rate = (
        VatRate.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    return rate


def vat_rate_choices(*, on: datetime.date) -> list[tuple[str, str]]:
    """(code, "name – rate %") of every rate in force on ``on``, for forms."""
    rates = (
        VatRate.objects.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-rate", "code")
    )
    return [(rate.code, f"{rate.label} – {rate.rate.normalize()} %") for rate in rates]


def sales_settings_get(*, company: Company) -> SalesSettings:
    """The company's sales settings; the defaults (not saved) until someone changes them."""
    return SalesSettings.objects.filter(company=company).first() or SalesSettings(company=company)
