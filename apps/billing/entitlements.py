"""What a company may use right now: one place for every plan limit.

The plan that counts is, in this order: a staff override still running, Start while a
failed payment's grace period is over (collection pauses, nothing is deleted), else the
company's plan (the one its subscription pays for). Every limit check and its message go
through here, so bank accounts, mailboxes and cloud folders refuse in one style.
"""

from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.billing.models import Plan, PlanOverride, Subscription
from apps.companies.models import Company
from apps.core.errors import LimitReached

Limited = Literal["bank_accounts", "mailboxes", "cloud_folders"]

# Grace over and still not paid: the company falls back to Start's rights.
UNPAID = (Subscription.Status.PAST_DUE, Subscription.Status.UNPAID)


def override_active(company: Company) -> PlanOverride | None:
    today = timezone.localdate()
    return (
        PlanOverride.objects.filter(company=company, ended_at__isnull=True, ends_on__gte=today)
        .select_related("plan")
        .order_by("-created_at")
        .first()
    )


def payment_overdue(company: Company) -> bool:
    """A failed payment's grace period has ended and the company has not paid since."""
    return Subscription.objects.filter(
        company=company, status__in=UNPAID, grace_until__lt=timezone.now()
    ).exists()


def effective_plan(company: Company) -> Plan:
    """The plan whose rights the company has now."""
    override = override_active(company)
    if override is not None:
        return override.plan
    if payment_overdue(company):
        from apps.billing.selectors import plan_default

        return plan_default()
    return company.plan


def collection_allowed(company: Company) -> bool:
    """Does OkiOki collect documents for this company by itself (uploads, forwarding,
    mailboxes, cloud folders)? Not on Start, and not while a payment is overdue."""
    return effective_plan(company).includes_collection


def allowed(company: Company, what: Limited) -> int:
    return int(getattr(effective_plan(company), what))


_MESSAGES = {
    "bank_accounts": _(
        "Your plan %(plan)s includes %(allowed)s bank account(s) and all are in use. "
        "Choose a larger plan to add another one."
    ),
    "mailboxes": _(
        "Your plan %(plan)s includes %(allowed)s mailbox(es) and all are in use. "
        "Choose a larger plan to connect another one."
    ),
    "cloud_folders": _(
        "Your plan %(plan)s includes %(allowed)s cloud folder(s) and all are in use. "
        "Choose a larger plan to connect another one."
    ),
}


def limit_check(company: Company, what: Limited, *, used: int) -> None:
    """Raise ``LimitReached`` (one message style) if ``used`` leaves no room for one more."""
    plan = effective_plan(company)
    room = int(getattr(plan, what))
    if used < room:
        return
    raise LimitReached(str(_MESSAGES[what]) % {"plan": plan.name, "allowed": room})
