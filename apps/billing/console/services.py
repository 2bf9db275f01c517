"""Writes of the staff console: plan tiers, their sync with Stripe, plan overrides.

Every change is recorded as a ``ConsoleChange`` (who, what, on which company, the values
before and after) in the same transaction as the change itself, so a change without its
record, or a record of a change rolled back, cannot exist.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.billing.models import ConsoleChange, Plan, PlanOverride
from apps.billing.plan_sync import plan_stripe_sync
from apps.companies.models import Company
from apps.core.errors import DomainError


class Action:
    """What a ``ConsoleChange`` records (its ``action``)."""

    PLAN_CREATE = "plan.create"
    PLAN_UPDATE = "plan.update"
    PLAN_SYNC = "plan.sync"
    OVERRIDE_CREATE = "override.create"
    OVERRIDE_END = "override.end"


# What staff edit on a plan. The Stripe ids are not among them: only the sync writes those.
PLAN_FIELDS = (
    "name",
    "description",
    "monthly_price",
    "documents_per_month",
    "extra_document_price",
    "bank_accounts",
    "mailboxes",
    "cloud_folders",
    "is_active",
    "is_default",
)
STRIPE_FIELDS = ("stripe_product_id", "stripe_base_price_id", "stripe_metered_price_id")
# A change to one of these makes Stripe's prices of the plan out of date.
PRICE_FIELDS = ("monthly_price", "documents_per_month", "extra_document_price")


def _json(value: Any) -> Any:
    """A value as the change log keeps it (JSON): amounts and dates as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, Plan):
        return value.code
    return value


def _values(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: _json(getattr(instance, field)) for field in fields}


def change_record(
    *,
    actor: User,
    action: str,
    target: str,
    about: Company | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ConsoleChange:
    return ConsoleChange.objects.create(
        actor=actor,
        action=action,
        target=target,
        about=about,
        data={"before": before or {}, "after": after or {}},
    )


def _plan_check(plan: Plan, *, was_default: bool) -> None:
    """The rules a plan's values must keep (the form has checked each value's shape)."""
    if plan.documents_per_month and plan.extra_document_price is None:
        raise DomainError(
            _("A plan that collects documents needs a price per extra document."),
            field="extra_document_price",
        )
    if not plan.documents_per_month and plan.extra_document_price is not None:
        raise DomainError(
            _("A plan without collected documents has no price per extra document."),
            field="extra_document_price",
        )
    if plan.is_default and not plan.is_active:
        raise DomainError(
            _("The default plan must be offered: new companies start on it."), field="is_active"
        )
    if was_default and not plan.is_default:
        raise DomainError(
            _("There is always one default plan: make another plan the default instead."),
            field="is_default",
        )


def _default_take(*, actor: User, plan: Plan) -> None:
    """Make ``plan`` the only default: the plan that was the default stops being it (and
    that is recorded too). Locked, so two staff doing it at once leave one default."""
    for previous in Plan.objects.select_for_update().filter(is_default=True).exclude(pk=plan.pk):
        previous.is_default = False
        previous.save(update_fields=["is_default", "updated_at"])
        change_record(
            actor=actor,
            action=Action.PLAN_UPDATE,
            target=previous.code,
            before={"is_default": True},
            after={"is_default": False},
        )


@transaction.atomic
def console_plan_create(*, actor: User, code: str, values: dict[str, Any]) -> Plan:
    """A new tier. Its Stripe objects come from the sync, afterwards."""
    if Plan.objects.filter(code=code).exists():
        raise DomainError(_("Another plan has this code."), field="code")
    plan = Plan(code=code, **{field: values[field] for field in PLAN_FIELDS})
    _plan_check(plan, was_default=False)
    if plan.is_default:
        _default_take(actor=actor, plan=plan)
    plan.sort_order = max(Plan.objects.values_list("sort_order", flat=True), default=0) + 1
    plan.save()
    change_record(
        actor=actor,
        action=Action.PLAN_CREATE,
        target=plan.code,
        after={"code": code, **_values(plan, PLAN_FIELDS)},
    )
    return plan


@transaction.atomic
def console_plan_update(*, actor: User, plan: Plan, values: dict[str, Any]) -> list[str]:
    """Change ``plan``'s values; the names of the fields that changed (none: nothing saved,
    nothing recorded). Companies on the plan have its new limits at once."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = _values(plan, PLAN_FIELDS)
    was_default = plan.is_default
    for field in PLAN_FIELDS:
        setattr(plan, field, values[field])
    after = _values(plan, PLAN_FIELDS)
    changed = [field for field in PLAN_FIELDS if before[field] != after[field]]
    if not changed:
        return []
    _plan_check(plan, was_default=was_default)
    if plan.is_default and not was_default:
        _default_take(actor=actor, plan=plan)
    plan.save(update_fields=[*changed, "updated_at"])
    change_record(
        actor=actor,
        action=Action.PLAN_UPDATE,
        target=plan.code,
        before={field: before[field] for field in changed},
        after={field: after[field] for field in changed},
    )
    return changed


def console_plan_sync(*, plan: Plan, actor: User) -> Plan:
    """Create or update ``plan``'s product and prices in Stripe (``plan_stripe_sync``) and
    record the ids before and after. A refusal (Stripe not configured, Stripe's error) raises
    ``DomainError`` and records nothing: nothing changed."""
    before = _values(plan, STRIPE_FIELDS)
    plan = plan_stripe_sync(plan=plan)
    change_record(
        actor=actor,
        action=Action.PLAN_SYNC,
        target=plan.code,
        before=before,
        after=_values(plan, STRIPE_FIELDS),
    )
    return plan


@transaction.atomic
def console_override_create(
    *, actor: User, company: Company, plan: Plan, reason: str, ends_on: date
) -> PlanOverride:
    """Give ``company`` ``plan`` instead of the one it pays for, until ``ends_on`` included
    (entitlements count it from now on). One override runs at a time: end the running one
    first, so that no override ends unseen."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why this company gets another plan."), field="reason")
    today = timezone.localdate()
    if ends_on <= today:
        raise DomainError(_("The end date must be in the future."), field="ends_on")
    # the company's row is the lock: two staff giving an override at once make one
    Company.objects.select_for_update().get(pk=company.pk)
    running = PlanOverride.objects.filter(
        company=company, ended_at__isnull=True, ends_on__gte=today
    ).first()
    if running is not None:
        raise DomainError(
            _("An override runs already (%(plan)s until %(date)s): end it first.")
            % {"plan": running.plan.name, "date": running.ends_on.strftime("%d/%m/%Y")}
        )
    override = PlanOverride.objects.create(
        company=company, plan=plan, reason=reason, ends_on=ends_on, created_by=actor
    )
    change_record(
        actor=actor,
        action=Action.OVERRIDE_CREATE,
        target=plan.code,
        about=company,
        after=_values(override, ("plan", "reason", "ends_on")),
    )
    return override


@transaction.atomic
def console_override_end(*, actor: User, override: PlanOverride) -> PlanOverride:
    """End a running override now: the company has its own plan's rights again at once."""
    override = (
        PlanOverride.objects.select_for_update()
        .select_related("plan", "company")
        .get(pk=override.pk, company=override.company_id)
    )
    if override.ended_at is not None or override.ends_on < timezone.localdate():
        raise DomainError(_("This override has ended already."))
    override.ended_at = timezone.now()
    override.save(update_fields=["ended_at", "updated_at"])
    change_record(
        actor=actor,
        action=Action.OVERRIDE_END,
        target=override.plan.code,
        about=override.company,
        before={"ended_at": None},
        after=_values(override, ("ended_at",)),
    )
    return override
