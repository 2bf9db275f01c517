"""Stripe's documented shapes (tests/fakes/stripe_contract/, sources in its README) against
stripe-python 16.1.0, which is generated from Stripe's specification of the API version it
sends: every recorded field is one the library declares for that object, the library reads
each as the right object, our code reads them as we expect, and the fake answers with at
least their keys, so that a test passing against the fake says something about Stripe."""

import datetime
import inspect
from typing import Any

import pytest
import requests
import stripe

from apps.billing.clients.stripe import API_VERSION, as_dict, stripe_client
from apps.billing.models import Plan, Subscription
from apps.billing.subscriptions import checkout_start, subscription_apply
from apps.companies.scoping import company_scope
from tests.fakes.stripe import contract

DECLARED: dict[str, type] = {
    "customer": stripe.Customer,
    "product": stripe.Product,
    "price": stripe.Price,
    "price_metered": stripe.Price,
    "meter": stripe.billing.Meter,
    "meter_event": stripe.billing.MeterEvent,
    "checkout_session": stripe.checkout.Session,
    "billing_portal_session": stripe.billing_portal.Session,
    "subscription": stripe.Subscription,
    "invoice": stripe.Invoice,
    "event": stripe.Event,
}


def _fields(cls: type) -> set[str]:
    return set(inspect.get_annotations(cls)) - {"OBJECT_NAME"}


def _keys(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (list items under ``[]``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(prefix + key)
            found |= _keys(inner, f"{prefix}{key}.")
    elif isinstance(value, list) and value:
        found |= _keys(value[0], f"{prefix}[].")
    return found


def test_the_client_speaks_the_recorded_api_version():
    assert API_VERSION == "2026-10-28.endive"
    assert contract("event")["api_version"] == API_VERSION


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_recorded_field_is_one_the_library_declares(name):
    recorded = contract(name)
    assert set(recorded) <= _fields(DECLARED[name]) | {"tiers"}, name
    parsed = stripe.StripeClient("sk_test_x").deserialize(recorded, api_mode="V1")
    assert isinstance(parsed, DECLARED[name])


def test_nested_items_and_lines_are_the_librarys_too():
    item = contract("subscription")["items"]["data"][0]
    assert set(item) <= _fields(stripe.SubscriptionItem)
    line = contract("invoice")["lines"]["data"][0]
    assert set(line) <= _fields(stripe.InvoiceLineItem)


@pytest.mark.django_db
def test_the_documented_subscription_is_read_as_we_expect(company):
    # given Collect 70 whose product is the documented one
    recorded = contract("subscription")
    product = recorded["items"]["data"][0]["price"]["product"]
    Plan.objects.filter(code="collect-70").update(stripe_product_id=product)
    # when the documented subscription is applied
    at = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    with company_scope(company):
        subscription_apply(company=company, data=recorded, at=at)
        found = Subscription.objects.get(company=company)
    # then the mirror holds its status, plan, period and base amount
    assert (found.status, found.plan.code) == ("active", "collect-70")
    assert found.stripe_customer_id == recorded["customer"]
    end = recorded["items"]["data"][0]["current_period_end"]
    assert found.current_period_end == datetime.datetime.fromtimestamp(end, tz=datetime.UTC)
    assert found.next_invoice_amount == 35
    assert found.stripe_updated == at
    company.refresh_from_db()
    assert company.plan.code == "collect-70"


@pytest.mark.django_db
def test_the_fake_answers_with_at_least_the_documented_keys(
    stripe_fake, synced_plans, legal_invoices, company
):
    # given everything the fake makes along a subscription (a Belgian business with its VAT
    # number) and a closed period
    plan = synced_plans["collect-70"]
    with company_scope(company):
        url = checkout_start(company=company, plan=plan)
    stripe_fake.checkout_complete(url.rsplit("/", 1)[1], vat_number="BE0123456749")
    subscription = next(iter(stripe_fake.subscriptions.values()))
    client = stripe_client()
    assert client is not None
    invoice = stripe_fake.invoice_period(subscription["id"])
    stripe_fake.invoice_period(subscription["id"], pay=False)  # ends with an update: past due
    session = next(iter(stripe_fake.sessions.values()))
    portal = as_dict(client.v1.billing_portal.sessions.create({"customer": session["customer"]}))
    answers = {
        "customer": client.v1.customers.retrieve(session["customer"]),
        "product": client.v1.products.retrieve(plan.stripe_product_id),
        "price": client.v1.prices.retrieve(plan.stripe_base_price_id),
        "price_metered": client.v1.prices.retrieve(
            plan.stripe_metered_price_id, {"expand": ["tiers"]}
        ),
        "meter": client.v1.billing.meters.list()["data"][0],
        "meter_event": stripe_fake.meter_event_create(
            {
                "event_name": stripe_fake.meters[next(iter(stripe_fake.meters))]["event_name"],
                "payload": {"stripe_customer_id": session["customer"], "value": "1"},
            }
        ),
        "checkout_session": client.v1.checkout.sessions.retrieve(session["id"]),
        "billing_portal_session": portal,
        "subscription": client.v1.subscriptions.retrieve(subscription["id"]),
        "invoice": client.v1.invoices.retrieve(invoice["id"]),
        "event": stripe_fake.events[-1],
    }
    # then each carries every key path of the recorded one
    for name, answer in answers.items():
        missing = _keys(contract(name)) - _keys(as_dict(answer))
        assert not missing, (name, sorted(missing))
    # and the metered price's tiers come only when expanded
    plain = as_dict(client.v1.prices.retrieve(plan.stripe_metered_price_id))
    assert "tiers" not in plain


def test_the_fake_checks_the_version_the_key_and_idempotency(stripe_fake):
    url = stripe_fake.base_url + "/v1/customers"
    auth = {"Authorization": f"Bearer {stripe_fake.secret_key}"}
    version = {"Stripe-Version": API_VERSION}
    # no key, another version, no idempotency key: refused
    assert requests.post(url, data={"name": "A"}, headers=version, timeout=5).status_code == 401
    answer = requests.post(
        url, data={"name": "A"}, headers={**auth, "Stripe-Version": "2020-08-27"}, timeout=5
    )
    assert answer.status_code == 400
    assert (
        requests.post(url, data={"name": "A"}, headers={**auth, **version}, timeout=5).status_code
        == 400
    )
    # the same key: the same answer replayed; other parameters: an idempotency error
    headers = {**auth, **version, "Idempotency-Key": "k1"}
    first = requests.post(url, data={"name": "A"}, headers=headers, timeout=5)
    again = requests.post(url, data={"name": "A"}, headers=headers, timeout=5)
    other = requests.post(url, data={"name": "B"}, headers=headers, timeout=5)
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert len(stripe_fake.customers) == 1
