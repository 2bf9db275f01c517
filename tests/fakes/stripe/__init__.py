"""A stand-in for Stripe, on loopback: Stripe faked at its HTTP boundary.

The official stripe-python library runs for real against it (its ``base_addresses`` point
here); it answers the routes ``apps/billing`` uses with objects built from the hand-kept
shapes of tests/fakes/stripe_contract/ (sources in its README), and holds every request to
what Stripe checks:

- ``Authorization: Bearer <secret key>``, and ``Stripe-Version`` the library's pinned
  version (2026-10-28.endive);
- every POST carries an ``Idempotency-Key`` (stricter than Stripe, which only recommends
  it): the same key with the same parameters replays the first answer
  (``Idempotent-Replayed: true``), with other parameters it is a 400 ``idempotency_error``;
- meter events: the event name of an active meter, a known customer, a whole value, a
  timestamp within the past 35 days and at most 5 minutes ahead; an identifier seen before
  is dropped (deduplicated);
- prices are immutable but for ``active``, ``metadata``, ``nickname``; a metered price needs
  an active meter; ``tiers`` come only with ``expand[]=tiers``.

Routes: ``/v1/customers``, ``/v1/products``, ``/v1/prices``, ``/v1/billing/meters``,
``/v1/billing/meter_events``, ``/v1/checkout/sessions``, ``/v1/billing_portal/sessions``,
``GET /v1/subscriptions/{id}``, ``GET /v1/invoices/{id}``.

Its Checkout session's ``url`` is a stand-in Checkout page here (``/checkout/{id}``): "Pay"
creates the subscription and its first invoice, and sends the signed webhooks
``checkout.session.completed``, ``customer.subscription.created``, ``invoice.finalized`` and
``invoice.paid`` (in that order, before the browser goes back to the success URL). The
portal session's ``url`` is a stand-in portal page (``/portal/{id}``): switch plan or
cancel at the period's end. ``invoice_period`` closes a subscription's period the way Stripe
does: base price plus the metered price applied (graduated tiers) to the meter's LAST value
in the period; then it is paid, or it fails (``fail_payments``).

Webhooks are signed like Stripe signs them (``stripe.WebhookSignature``: ``t=…,v1=``
HMAC-SHA256 of ``"{t}.{body}"``) and go to ``webhook_url`` over HTTP, or to ``deliver_to``
(a function: the tests hand it Django's test client).

Failure injection: ``outage`` (the next N API calls get a 503 before anything is done, not
kept under their key), ``lose_answers`` (the next N POSTs are done and kept, then the
connection closes without an answer, as when a network drops the reply).

Run alone (``make run``'s development stand-in)::

    python -m tests.fakes.stripe --port 8055 --webhook-url URL --secret-key K --webhook-secret S
"""

from tests.fakes.stripe.fake import FakeStripe
from tests.fakes.stripe.server import Server, StandIn, configure, main
from tests.fakes.stripe.wire import (
    API_VERSION,
    SECRET_KEY,
    WEBHOOK_SECRET,
    Reply,
    contract,
    decode_form,
    tiered_amount,
)

__all__ = [
    "API_VERSION",
    "SECRET_KEY",
    "WEBHOOK_SECRET",
    "FakeStripe",
    "Reply",
    "Server",
    "StandIn",
    "configure",
    "contract",
    "decode_form",
    "main",
    "tiered_amount",
]
