"""Stripe's objects for a plan: its product, its monthly base price and its metered price.

The staff console's "Sync with Stripe" calls ``plan_stripe_sync``; Stripe's ids are never
typed by hand. Without ``STRIPE_SECRET_KEY`` there is no Stripe to talk to, and the console
says so.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.billing.models import Plan
from apps.core.errors import DomainError


def plan_stripe_sync(*, plan: Plan) -> Plan:
    """Create or update ``plan``'s Stripe product, its licensed monthly base price and its
    metered price (graduated: the plan's documents at €0, then the price per extra document),
    store their ids on the plan and return it. Stripe's prices cannot change: a changed amount
    is a new price, the old one archived."""
    if not settings.STRIPE_SECRET_KEY:
        raise DomainError(_("Stripe is not configured"), code="stripe_not_configured")
    # Talking to Stripe is the Stripe client's work (issue 18, its own branch): until it is
    # merged, a configured key still syncs nothing, and says so.
    raise DomainError(
        _("Syncing plans with Stripe is not available in this version."),
        code="stripe_sync_unavailable",
    )
