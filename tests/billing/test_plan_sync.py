"""The plans' objects in Stripe, made from the plan rows (Stripe faked at its HTTP boundary,
tests/fakes/stripe/): one meter that keeps the last value, a product per plan, a monthly
base price and a metered price with graduated tiers; a changed amount makes a new price."""

import io
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.billing.errors import BillingNotConfigured, StripeUnavailable
from apps.billing.models import Plan
from apps.billing.plan_sync import plan_stripe_sync

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_plan_gets_its_meter_product_and_two_prices(stripe_fake, settings):
    # given Collect 70 (70 documents, then €0.30 each, €35 a month) with nothing in Stripe
    plan = Plan.objects.get(code="collect-70")

    # when it is synced
    plan_stripe_sync(plan=plan)

    # then one meter keeps the last value reported per customer
    plan.refresh_from_db()
    [meter] = stripe_fake.meters.values()
    assert meter["event_name"] == settings.STRIPE_METER_EVENT
    assert meter["default_aggregation"] == {"formula": "last"}
    assert meter["customer_mapping"]["event_payload_key"] == "stripe_customer_id"
    # and the product and prices are stored on the plan
    product = stripe_fake.products[plan.stripe_product_id]
    assert product["name"] == "OkiOki Collect 70"
    assert product["metadata"] == {"okioki_plan": "collect-70"}
    base = stripe_fake.prices[plan.stripe_base_price_id]
    assert (base["unit_amount"], base["currency"]) == (3500, "eur")
    assert base["tax_behavior"] == "exclusive"
    assert base["recurring"]["usage_type"] == "licensed"
    assert base["recurring"]["interval"] == "month"
    metered = stripe_fake.prices[plan.stripe_metered_price_id]
    assert metered["recurring"] == {
        "interval": "month",
        "interval_count": 1,
        "meter": meter["id"],
        "trial_period_days": None,
        "usage_type": "metered",
    }
    assert metered["tiers_mode"] == "graduated"
    assert [(tier["up_to"], tier["unit_amount"]) for tier in metered["tiers"]] == [
        (70, 0),
        (None, 30),
    ]


def test_start_has_a_base_price_and_no_metered_price(stripe_fake):
    plan = plan_stripe_sync(plan=Plan.objects.get(code="start"))
    assert stripe_fake.prices[plan.stripe_base_price_id]["unit_amount"] == 900
    assert plan.stripe_metered_price_id == ""


def test_syncing_again_changes_nothing_in_stripe(stripe_fake):
    # given every plan synced once
    for plan in Plan.objects.all():
        plan_stripe_sync(plan=plan)
    counts = (len(stripe_fake.meters), len(stripe_fake.products), len(stripe_fake.prices))
    posts = sum(n for route, n in stripe_fake.requests.items() if route.startswith("POST"))

    # when they are synced again
    for plan in Plan.objects.all():
        plan_stripe_sync(plan=plan)

    # then Stripe was only read
    assert (len(stripe_fake.meters), len(stripe_fake.products), len(stripe_fake.prices)) == counts
    assert sum(n for r, n in stripe_fake.requests.items() if r.startswith("POST")) == posts


def test_a_changed_price_makes_a_new_price_and_deactivates_the_old_one(stripe_fake):
    # given Collect 70 synced
    plan = plan_stripe_sync(plan=Plan.objects.get(code="collect-70"))
    old_base, old_metered = plan.stripe_base_price_id, plan.stripe_metered_price_id

    # when an admin raises the extra document's price to €0.35 and syncs
    plan.extra_document_price = Decimal("0.35")
    plan.save()
    plan_stripe_sync(plan=plan)

    # then the metered price is new, the old one inactive; the base price is the same
    plan.refresh_from_db()
    assert plan.stripe_base_price_id == old_base
    assert plan.stripe_metered_price_id != old_metered
    assert stripe_fake.prices[old_metered]["active"] is False
    new = stripe_fake.prices[plan.stripe_metered_price_id]
    assert [(tier["up_to"], tier["unit_amount"]) for tier in new["tiers"]] == [(70, 0), (None, 35)]
    assert new["product"] == plan.stripe_product_id


def test_a_renamed_plan_renames_its_product(stripe_fake):
    plan = plan_stripe_sync(plan=Plan.objects.get(code="collect-25"))
    plan.name = "Collect 25+"
    plan.is_active = False
    plan.save()
    plan_stripe_sync(plan=plan)
    product = stripe_fake.products[plan.stripe_product_id]
    assert (product["name"], product["active"]) == ("OkiOki Collect 25+", False)
    assert len(stripe_fake.products) == 1


def test_a_meter_of_the_event_that_adds_up_otherwise_is_refused(stripe_fake, settings):
    # given a meter of our event name that sums
    stripe_fake.meter_create(
        {"event_name": settings.STRIPE_METER_EVENT, "default_aggregation": {"formula": "sum"}}
    )
    # then syncing says so, and stores nothing
    with pytest.raises(StripeUnavailable) as refused:
        plan_stripe_sync(plan=Plan.objects.get(code="collect-70"))
    assert "sum" in refused.value.detail
    assert Plan.objects.get(code="collect-70").stripe_product_id == ""


def test_without_a_stripe_key_sync_says_billing_is_not_configured(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(BillingNotConfigured):
        plan_stripe_sync(plan=Plan.objects.get(code="collect-70"))


def test_a_product_stripe_no_longer_knows_is_made_again(stripe_fake):
    # given a plan whose product id is not in this Stripe account (a fresh stand-in)
    Plan.objects.filter(code="collect-70").update(
        stripe_product_id="prod_gone", stripe_base_price_id="price_gone"
    )
    plan = plan_stripe_sync(plan=Plan.objects.get(code="collect-70"))
    assert plan.stripe_product_id in stripe_fake.products
    assert plan.stripe_base_price_id in stripe_fake.prices


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_make_runs_stand_in_keeps_the_plans_it_was_given_across_a_restart(settings, tmp_path):
    # given the development stand-in run alone, as `make run` runs it, with a state file
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "tests.fakes.stripe",
        "--port",
        str(port),
        "--secret-key",
        "sk_test_standin",
        "--webhook-secret",
        "whsec_standin",
        "--state",
        str(tmp_path / "stripe-standin.json"),
    ]
    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    for run in range(2):
        standin = subprocess.Popen(command, cwd=ROOT)
        try:
            # when the plans are synced at start-up (waiting for it to listen)
            out = io.StringIO()
            call_command("billing_plans_sync", wait=20, stdout=out)
        finally:
            standin.terminate()
            standin.wait(timeout=20)
        plans = {plan.code: plan.stripe_base_price_id for plan in Plan.objects.all()}
        if run == 0:
            first = plans
    # then every plan has its prices there, and a restart kept them (no new ones)
    assert all(first.values())
    assert plans == first
    assert "collect-70: prod_" in out.getvalue()
