"""A plan's objects in Stripe, made or brought up to date from the plan row (never typed).

For every plan: a product, a licensed monthly base price and, when the plan bills extra
documents, a metered price on the one meter of collected documents, with graduated tiers
(the plan's documents at €0, then its price per extra document). The staff console calls
``plan_stripe_sync`` after a change; ``manage.py billing_plans_sync`` does every plan.

Stripe's prices are immutable: a changed amount makes a new price, the old one is
deactivated (subscriptions on it keep it until they change plan), and the plan row keeps the
new id. Every creation carries an idempotency key made of what is created, so a sync run
again after a crash gets the same object back instead of a second one.
"""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

from apps.billing.clients.stripe import (
    InvalidRequestError,
    StripeError,
    as_dict,
    error_text,
    stripe_client,
)
from apps.billing.errors import BillingNotConfigured, StripeUnavailable
from apps.billing.models import Plan

METER_NAME = "OkiOki collected documents"
# The meter adds nothing up: it keeps the LAST value reported in the billing period, and we
# report the running total of the month. OkiOki's database is the meter of record (it drops
# duplicates and junk, and releases junk later); with "last", a later correct total simply
# supersedes an earlier one, even after Stripe's 24-hour window for cancelling events has
# passed, and an event sent twice (a retry, a crash after Stripe accepted it) can never count
# twice. With "sum" and one event per document, a document found to be junk two days later
# could no longer be taken back.
METER_FORMULA = "last"
# Stripe Tax's product tax code for software as a service bought by businesses
TAX_CODE = "txcd_10103001"
CURRENCY = "eur"


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def _missing(error: StripeError) -> bool:
    return isinstance(error, InvalidRequestError) and error.code == "resource_missing"


def plan_stripe_sync(*, plan: Plan) -> Plan:
    """Make ``plan``'s product and prices in Stripe match the row, and keep their ids on it.

    Idempotent: run twice, the second run changes nothing in Stripe. Raises
    ``BillingNotConfigured`` without a Stripe key and ``StripeUnavailable`` when Stripe says
    no (nothing is stored then; run it again)."""
    client = stripe_client()
    if client is None:
        raise BillingNotConfigured()
    try:
        meter_id = meter_ensure(client)
        product_id = _product_ensure(client, plan)
        base_id = _price_ensure(
            client, plan, "base", plan.stripe_base_price_id, _base_params(plan, product_id)
        )
        metered = _metered_params(plan, product_id, meter_id)
        metered_id = (
            _price_ensure(client, plan, "metered", plan.stripe_metered_price_id, metered)
            if metered
            else ""
        )
        if not metered and plan.stripe_metered_price_id:
            _price_deactivate(client, plan.stripe_metered_price_id)
    except StripeError as error:
        raise StripeUnavailable(error_text(error)) from error
    plan.stripe_product_id = product_id
    plan.stripe_base_price_id = base_id
    plan.stripe_metered_price_id = metered_id
    Plan.objects.filter(pk=plan.pk).update(
        stripe_product_id=product_id,
        stripe_base_price_id=base_id,
        stripe_metered_price_id=metered_id,
    )
    return plan


def meter_ensure(client: Any) -> str:
    """The id of the active meter of ``STRIPE_METER_EVENT``, made once. A meter of that
    event that adds up another way is refused: a meter's formula cannot change."""
    event_name = settings.STRIPE_METER_EVENT
    listed = as_dict(client.v1.billing.meters.list({"status": "active", "limit": 100}))
    for meter in listed.get("data", []):
        if meter.get("event_name") != event_name:
            continue
        formula = (meter.get("default_aggregation") or {}).get("formula")
        if formula != METER_FORMULA:
            raise StripeUnavailable(
                f"meter {meter['id']} of {event_name} aggregates by {formula!r}, "
                f"not {METER_FORMULA!r}: set another STRIPE_METER_EVENT"
            )
        return str(meter["id"])
    created = client.v1.billing.meters.create(
        {
            "display_name": METER_NAME,
            "event_name": event_name,
            "default_aggregation": {"formula": METER_FORMULA},
            "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
            "value_settings": {"event_payload_key": "value"},
        },
        {"idempotency_key": f"meter:{event_name}:{METER_FORMULA}"},
    )
    return str(as_dict(created)["id"])


def _product_params(plan: Plan) -> dict[str, Any]:
    params: dict[str, Any] = {
        "name": f"OkiOki {plan.name}",
        "active": plan.is_active,
        "metadata": {"okioki_plan": plan.code},
        "tax_code": TAX_CODE,
    }
    if plan.description:  # Stripe refuses an empty description
        params["description"] = plan.description
    return params


def _product_ensure(client: Any, plan: Plan) -> str:
    wanted = _product_params(plan)
    product = None
    if plan.stripe_product_id:
        try:
            product = as_dict(client.v1.products.retrieve(plan.stripe_product_id))
        except StripeError as error:
            if not _missing(error):
                raise
    if product is None:
        created = client.v1.products.create(
            wanted, {"idempotency_key": f"product:{plan.public_id}:{_digest(wanted)}"}
        )
        return str(as_dict(created)["id"])
    current = {
        "name": product.get("name"),
        "active": product.get("active"),
        "metadata": {"okioki_plan": (product.get("metadata") or {}).get("okioki_plan")},
        "tax_code": product.get("tax_code"),
    }
    if product.get("description"):
        current["description"] = product["description"]
    if current != wanted:
        client.v1.products.update(
            product["id"],
            {**wanted, "description": wanted.get("description", "")},
            {"idempotency_key": f"product-update:{product['id']}:{_digest(wanted)}"},
        )
    return str(product["id"])


def _base_params(plan: Plan, product_id: str) -> dict[str, Any]:
    return {
        "currency": CURRENCY,
        "product": product_id,
        "unit_amount": cents(plan.monthly_price),
        "recurring": {"interval": "month", "usage_type": "licensed"},
        "tax_behavior": "exclusive",
        "nickname": f"{plan.name}: monthly",
        "metadata": {"okioki_plan": plan.code, "okioki_part": "base"},
    }


def _metered_params(plan: Plan, product_id: str, meter_id: str) -> dict[str, Any] | None:
    """None when the plan bills no extra documents (Start collects nothing)."""
    if plan.extra_document_price is None:
        return None
    extra = cents(plan.extra_document_price)
    params: dict[str, Any] = {
        "currency": CURRENCY,
        "product": product_id,
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter_id},
        "tax_behavior": "exclusive",
        "nickname": f"{plan.name}: documents",
        "metadata": {"okioki_plan": plan.code, "okioki_part": "metered"},
    }
    if plan.documents_per_month:
        params |= {
            "billing_scheme": "tiered",
            "tiers_mode": "graduated",
            "tiers": [
                {"up_to": plan.documents_per_month, "unit_amount": 0},
                {"up_to": "inf", "unit_amount": extra},
            ],
        }
    else:  # every document at the price
        params |= {"billing_scheme": "per_unit", "unit_amount": extra}
    return params


def _price_shape(price: dict[str, Any]) -> dict[str, Any]:
    """What decides whether a price still bills what the plan says."""
    recurring = price.get("recurring") or {}
    tiers = [
        {"up_to": tier.get("up_to") or "inf", "unit_amount": tier.get("unit_amount")}
        for tier in price.get("tiers") or []
    ]
    shape = {
        "currency": price.get("currency"),
        "product": price.get("product"),
        "interval": recurring.get("interval"),
        "usage_type": recurring.get("usage_type"),
        "meter": recurring.get("meter"),
        "billing_scheme": price.get("billing_scheme", "per_unit"),
        "tiers_mode": price.get("tiers_mode"),
        "tiers": tiers,
        "unit_amount": None if tiers else price.get("unit_amount"),
        "tax_behavior": price.get("tax_behavior"),
    }
    return shape


def _price_ensure(
    client: Any, plan: Plan, part: str, current_id: str, wanted: dict[str, Any]
) -> str:
    """The id of an active price billing ``wanted``: the current one if it still does, else
    a new one (the current one deactivated)."""
    if current_id:
        try:
            price = as_dict(client.v1.prices.retrieve(current_id, {"expand": ["tiers"]}))
        except StripeError as error:
            if not _missing(error):
                raise
            price = None
        if (
            price is not None
            and price.get("active")
            and _price_shape(price)
            == _price_shape({**wanted, "billing_scheme": wanted.get("billing_scheme", "per_unit")})
        ):
            return current_id
    key = f"price:{plan.public_id}:{part}:{_digest(wanted)}:{current_id or 'first'}"
    created = as_dict(client.v1.prices.create(wanted, {"idempotency_key": key}))
    if current_id:
        _price_deactivate(client, current_id)
    return str(created["id"])


def _price_deactivate(client: Any, price_id: str) -> None:
    try:
        client.v1.prices.update(
            price_id, {"active": False}, {"idempotency_key": f"price-deactivate:{price_id}"}
        )
    except StripeError as error:
        if not _missing(error):
            raise
