"""Rows of billing the staff console's tests make, each in its company's scope."""

import datetime
from typing import Any

from django.utils import timezone

from apps.billing.models import Plan, PlanOverride, Subscription
from apps.companies.models import Company
from apps.companies.scoping import company_scope


def plan(code: str) -> Plan:
    return Plan.objects.get(code=code)


def subscription(company: Company, **values: Any) -> Subscription:
    values.setdefault("status", Subscription.Status.ACTIVE)
    values.setdefault("plan", company.plan)
    with company_scope(company):
        return Subscription.objects.create(company=company, **values)


def override(company: Company, code: str, *, days: int = 30, **values: Any) -> PlanOverride:
    values.setdefault("reason", "Partner")
    with company_scope(company):
        return PlanOverride.objects.create(
            company=company,
            plan=plan(code),
            ends_on=timezone.localdate() + datetime.timedelta(days=days),
            **values,
        )
