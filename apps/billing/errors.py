"""Billing's domain errors: what a page or the console tells a person when Stripe can't help."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError


class BillingNotConfigured(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _("Subscribing is not configured on this OkiOki yet."), code="billing_not_configured"
        )


class StripeUnavailable(DomainError):
    """Stripe could not be reached or said no; ``detail`` is its answer, for the records."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            _("The payment service did not answer as expected. Please try again in a moment."),
            code="stripe_unavailable",
        )
        self.detail = detail
