"""Stripe: the one place that builds the official client (stripe-python, API version pinned
by the library: 2026-10-28.endive) and reads what it answers.

No other module talks HTTP to Stripe. Services call ``stripe_client().v1.…`` and turn the
answers into plain dicts (``as_dict``) at once, so the rest of billing reads JSON as Stripe
documents it, whatever the library's object model. Every POST that creates something lasting
passes a deterministic ``idempotency_key``: the library's own random key only covers its own
retries (``max_network_retries``), ours covers a task run again after a crash.

``STRIPE_API_BASE`` points every base address (api, meter events, files, connect) elsewhere:
the tests' fake and ``make run``'s stand-in (tests/fakes/stripe/), which speak the same
routes on loopback.
"""

from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings

# The errors callers catch (the library's types, re-exported so nobody imports stripe for them)
StripeError = stripe.StripeError
InvalidRequestError = stripe.InvalidRequestError
SignatureVerificationError = stripe.SignatureVerificationError

API_VERSION = stripe.api_version  # the version this library speaks (sent as Stripe-Version)
NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 30
# Where Stripe's hosted pages live (a form whose answer sends the browser there needs them in
# the page's form-action)
HOSTED_ORIGINS = ("https://checkout.stripe.com", "https://billing.stripe.com")

_clients: dict[tuple[str, str], stripe.StripeClient] = {}


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient | None:
    """The configured client; None without ``STRIPE_SECRET_KEY`` (then nobody can subscribe,
    and OkiOki's own meter goes on counting). One per key and base, kept for its connections."""
    key, base = settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE
    if not key:
        return None
    client = _clients.get((key, base))
    if client is None:
        addresses: Any = (
            dict.fromkeys(("api", "meter_events", "files", "connect"), base) if base else None
        )
        client = stripe.StripeClient(
            key,
            base_addresses=addresses,
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )
        _clients[(key, base)] = client
    return client


def as_dict(value: Any) -> dict[str, Any]:
    """A Stripe answer as plain JSON-like data (nested objects and lists included)."""
    if isinstance(value, dict):
        return value
    return dict(value.to_dict(recursive=True, for_json=True))


def event_verify(payload: bytes, signature: str) -> dict[str, Any]:
    """A webhook's event, once its ``Stripe-Signature`` proved it is Stripe's and recent
    (HMAC-SHA256 with ``STRIPE_WEBHOOK_SECRET``, five minutes' tolerance); otherwise
    ``SignatureVerificationError``, and nothing of the body is used."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise SignatureVerificationError("no webhook secret is configured", signature)
    event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    return as_dict(event)


def hosted_origins() -> list[str]:
    """The origins of the Checkout and portal pages the browser is sent to."""
    if settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        return [f"{parts.scheme}://{parts.netloc}"]
    return list(HOSTED_ORIGINS)


def error_text(error: Exception) -> str:
    """A Stripe failure in one line, for the records (never shown as is to customers)."""
    if isinstance(error, StripeError):
        code = f" ({error.code})" if getattr(error, "code", None) else ""
        status = f"HTTP {error.http_status}: " if error.http_status else ""
        return f"{status}{error.user_message or error}{code}"[:500]
    return str(error)[:500]
