"""What a company may use right now: one place for every plan limit.

The plan that counts is, in this order: a staff override still running, Start while a
failed payment's grace period is over (collection pauses, nothing is deleted), else the
company's plan (the one its subscription pays for). Every limit check and its message go
through here, so bank accounts, mailboxes and cloud folders refuse in one style, and
collection (uploads, the forwarding address, mailboxes, cloud folders) pauses in one style.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db.models import Exists, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.billing.models import Plan, PlanOverride, Subscription
from apps.companies.models import Company
from apps.core.errors import DomainError, LimitReached

Limited = Literal["bank_accounts", "mailboxes", "cloud_folders"]

# Grace over and still not paid: the company falls back to Start's rights.
UNPAID = (Subscription.Status.PAST_DUE, Subscription.Status.UNPAID)
# Past this many companies, the few overrides and overdue subscriptions are read whole
# rather than filtered by a long list of ids.
_MANY = 500


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


def _plan_in_force(
    company_plan: Plan, override: Plan | None, overdue: bool, fallback: Plan | None = None
) -> Plan:
    """The order of the rule, written once: an override wins, then the fallback of an
    overdue payment (Start, the default plan), then the company's own plan."""
    if override is not None:
        return override
    if overdue:
        from apps.billing.selectors import plan_default

        return fallback or plan_default()
    return company_plan


@dataclass(frozen=True)
class InForce:
    """The plan in force for a company now, and why: read once per page (``plan_in_force``)."""

    plan: Plan
    payment_overdue: bool = False  # Start's rights: a failed payment's grace is over
    overridden: bool = False  # a staff override gives this plan

    @property
    def pause(self) -> "CollectionPause | None":
        """None while OkiOki collects for the company; else why it doesn't."""
        if self.plan.includes_collection:
            return None
        return CollectionPause(
            reason="payment_overdue" if self.payment_overdue else "plan", plan=self.plan
        )


def plan_in_force(company: Company) -> InForce:
    """The plan whose rights the company has now, with the reason: one query (the company's
    plan with whether an override runs and a payment is overdue), one more when either does."""
    overrides = PlanOverride.objects.filter(
        company=company, ended_at__isnull=True, ends_on__gte=timezone.localdate()
    ).order_by("-created_at")
    own = (
        Plan.objects.annotate(
            override_id=Subquery(overrides.values("plan_id")[:1]),
            overdue=Exists(
                Subscription.objects.filter(
                    company=company, status__in=UNPAID, grace_until__lt=timezone.now()
                )
            ),
        )
        .filter(pk=company.plan_id)
        .get()
    )
    override = Plan.objects.get(pk=own.override_id) if own.override_id else None
    overdue = override is None and bool(own.overdue)
    return InForce(
        plan=_plan_in_force(own, override, overdue),
        payment_overdue=overdue,
        overridden=override is not None,
    )


def effective_plan(company: Company) -> Plan:
    """The plan whose rights the company has now."""
    return plan_in_force(company).plan


def effective_plans(companies: Sequence[Company]) -> dict[int, Plan]:
    """``effective_plan`` of many companies, by company id, in four queries whatever their
    number (the sweeps, the period's totals). Run it in a scope that sees them all."""
    ids = [company.pk for company in companies]
    today, now = timezone.localdate(), timezone.now()
    overrides = PlanOverride.objects.filter(ended_at__isnull=True, ends_on__gte=today)
    overdue = Subscription.objects.filter(status__in=UNPAID, grace_until__lt=now)
    if len(ids) <= _MANY:
        overrides = overrides.filter(company_id__in=ids)
        overdue = overdue.filter(company_id__in=ids)
    override_of: dict[int, int] = {}
    for company_id, plan_id in overrides.order_by("created_at").values_list(
        "company_id", "plan_id"
    ):
        override_of[company_id] = plan_id  # the newest wins
    overdue_ids = set(overdue.values_list("company_id", flat=True))
    plans = Plan.objects.in_bulk()
    fallback = None
    if overdue_ids:
        from apps.billing.selectors import plan_default

        fallback = plan_default()
    return {
        company.pk: _plan_in_force(
            plans[company.plan_id],
            plans[override_of[company.pk]] if company.pk in override_of else None,
            company.pk in overdue_ids,
            fallback,
        )
        for company in companies
    }


def collection_allowed(company: Company) -> bool:
    """Does OkiOki collect documents for this company by itself (uploads, forwarding,
    mailboxes, cloud folders)? Not on Start, and not while a payment is overdue."""
    return collection_pause(company) is None


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


# --- collection paused -------------------------------------------------------------------------

PAUSE_MESSAGES: dict[str, Promise] = {
    "plan": _(
        "Your plan %(plan)s does not collect documents: uploads, the forwarding address, "
        "mailboxes and cloud folders take nothing in. E-invoices received over Peppol, your "
        "sales and the transfer to your accountant keep working. Choose a Collect plan to "
        "collect your purchase documents."
    ),
    "payment_overdue": _(
        "Collecting is paused: a payment for your plan is overdue and its grace period has "
        "ended. Nothing is lost: mail and files wait where they are, and e-invoices received "
        "over Peppol, your sales and the transfer to your accountant keep working. Collecting "
        "resumes as soon as the payment is made."
    ),
}


@dataclass(frozen=True)
class CollectionPause:
    """Why OkiOki collects nothing for a company now: ``reason`` is ``plan`` (its plan, Start,
    has no collection) or ``payment_overdue`` (the fallback after a failed payment)."""

    reason: Literal["plan", "payment_overdue"]
    plan: Plan

    @property
    def message(self) -> str:
        return str(PAUSE_MESSAGES[self.reason]) % {"plan": self.plan.name}


class CollectionPaused(DomainError):
    def __init__(self, pause: CollectionPause):
        super().__init__(pause.message, code="collection_paused")
        self.pause = pause


def collection_pause(company: Company) -> CollectionPause | None:
    """None while OkiOki collects for the company; else why it doesn't."""
    return plan_in_force(company).pause


def collection_check(company: Company) -> None:
    """Raise ``CollectionPaused`` (its words say why and what to do) unless OkiOki collects
    documents for the company now."""
    pause = collection_pause(company)
    if pause is not None:
        raise CollectionPaused(pause)


def companies_collecting(companies: Sequence[Company]) -> set[int]:
    """The ids of those of ``companies`` OkiOki collects for now (see ``effective_plans``)."""
    return {
        company_id
        for company_id, plan in effective_plans(companies).items()
        if plan.includes_collection
    }
