"""The month's collected documents reach Stripe's meter from a worker, once, whatever fails
(Stripe faked at its HTTP boundary: tests/fakes/stripe/ keeps the meter events, replays
idempotent requests and invoices a period from the price's tiers and the meter's LAST
value)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.billing import tasks, usage_reports
from apps.billing.errors import StripeUnavailable
from apps.billing.models import DocumentUsage, Subscription
from apps.billing.services import usage_month, usage_record
from apps.billing.usage_reports import final_month_due, usage_report, usage_report_due
from apps.companies.scoping import company_scope

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def collect(company, documents: int) -> None:
    with company_scope(company):
        usage_record(company=company, documents=documents)


def usage_row(company) -> DocumentUsage:
    with company_scope(company):
        return DocumentUsage.objects.get(company=company, month=usage_month())


def report(company, **kwargs) -> bool:
    with company_scope(company):
        return usage_report(company=company, month=kwargs.pop("month", usage_month()), **kwargs)


def test_a_month_with_75_documents_on_collect_70_bills_5_extra_at_30_cents(
    stripe_fake, subscribe, company, legal_invoices
):
    # given a company on Collect 70 (€35 a month, 70 documents, then €0.30 each)
    subscription = subscribe(company, "collect-70")
    # and 75 documents collected this month, reported by the periodic sweep
    collect(company, 75)
    assert tasks.usage_report_sweep() == 1

    # when Stripe closes the period
    invoice = stripe_fake.invoice_period(subscription["id"])

    # then the invoice bills the base price and 5 extra documents at €0.30
    base, metered = invoice["lines"]["data"]
    assert (base["amount"], base["quantity"]) == (3500, 1)
    assert (metered["amount"], metered["quantity"]) == (150, 75)
    assert invoice["subtotal"] == 3650
    assert invoice["total"] == 3650 + 767  # 21 % VAT on €36.50, by the fake's Stripe Tax
    # and OkiOki's own invoice was issued for it (by the legal invoice hook) and paid
    assert invoice["id"] in [issued["id"] for issued in legal_invoices.issued]
    assert invoice["id"] in legal_invoices.paid
    # and the row says what Stripe has
    row = usage_row(company)
    assert (row.documents, row.reported, row.report_attempts) == (75, 75, 0)
    assert row.report_pending is None


def test_a_later_correct_total_supersedes_the_earlier_one(stripe_fake, subscribe, company):
    # given 75 documents reported, then two of them released as junk (days later)
    subscription = subscribe(company, "collect-70")
    collect(company, 75)
    assert report(company)
    collect(company, -2)
    # when the sweep reports again
    assert usage_report_due() == [company.pk]
    assert report(company)
    # then the meter bills the last total: 3 extra documents
    invoice = stripe_fake.invoice_period(subscription["id"])
    assert invoice["lines"]["data"][1]["amount"] == 90
    assert len(stripe_fake.meter_events) == 2


def test_nothing_is_sent_when_stripe_has_the_total_already(stripe_fake, subscribe, company):
    subscribe(company, "collect-70")
    collect(company, 10)
    assert report(company)
    assert usage_report_due() == []
    assert report(company) is False
    assert len(stripe_fake.meter_events) == 1


def test_a_lost_answer_is_retried_under_the_same_key_and_counted_once(
    stripe_fake, subscribe, company
):
    # given a company with 12 documents, and a network that drops Stripe's next answer
    subscribe(company, "collect-70")
    collect(company, 12)
    stripe_fake.lose_answers = 1

    # when the report is sent (the client retries the lost answer itself)
    assert report(company)

    # then Stripe kept one event and replayed its answer to the retry
    assert len(stripe_fake.meter_events) == 1
    assert stripe_fake.replays == 1
    event = stripe_fake.meter_events[0]
    customer = Subscription.objects.unscoped().get(company=company).stripe_customer_id
    assert event["payload"] == {"stripe_customer_id": customer, "value": "12"}
    assert event["identifier"].startswith(f"usage:{company.public_id}:{usage_month():%Y-%m}:12:")
    assert usage_row(company).reported == 12


def test_a_worker_that_dies_after_stripe_accepted_sends_the_same_event_again(
    stripe_fake, subscribe, company, monkeypatch
):
    # given 12 documents, and a worker that dies right after Stripe accepted the report
    subscribe(company, "collect-70")
    collect(company, 12)
    recorded = usage_reports._accepted

    def crash(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(usage_reports, "_accepted", crash)
    with pytest.raises(SystemExit):
        report(company)
    row = usage_row(company)
    assert (row.reported, row.report_pending) == (0, 12)
    assert len(stripe_fake.meter_events) == 1

    # when the next worker reports (the sweep finds the total still unreported)
    monkeypatch.setattr(usage_reports, "_accepted", recorded)
    assert usage_report_due() == [company.pk]
    assert report(company)

    # then it sent the very same request: Stripe replayed it, the meter has one event
    assert stripe_fake.replays == 1
    assert len(stripe_fake.meter_events) == 1
    row = usage_row(company)
    assert (row.reported, row.report_pending) == (12, None)


def test_a_failed_report_counts_the_attempt_and_is_sent_at_the_next_sweep(
    stripe_fake, subscribe, company
):
    # given 12 documents, and Stripe down for the next call
    subscribe(company, "collect-70")
    collect(company, 12)
    stripe_fake.outage = 1

    # when the sweep runs: the report fails (the task gives up quietly: next sweep)
    assert tasks.usage_report_sweep() == 1
    row = usage_row(company)
    assert (row.reported, row.report_attempts) == (0, 1)
    assert "503" in row.report_error
    stripe_fake.outage = 1
    with pytest.raises(StripeUnavailable):
        report(company)
    assert usage_row(company).report_attempts == 2

    # when the next sweep runs, with Stripe back
    assert tasks.usage_report_sweep() == 1

    # then Stripe has the total once
    row = usage_row(company)
    assert (row.reported, row.report_attempts, row.report_error) == (12, 0, "")
    assert len(stripe_fake.meter_events) == 1


def test_only_companies_with_a_live_subscription_are_reported(
    stripe_fake, subscribe, company, other_company
):
    # given two companies that collected documents, one subscribed
    subscribe(company, "collect-70")
    collect(company, 3)
    collect(other_company, 4)
    # then the sweep reports the subscribed one only
    assert usage_report_due() == [company.pk]
    # and a cancelled subscription is no longer reported
    Subscription.objects.unscoped().filter(company=company).update(status="canceled")
    assert usage_report_due() == []
    assert report(company) is False


def test_a_plan_without_extra_documents_has_nothing_to_report(stripe_fake, subscribe, company):
    # given a company subscribed to Start (no metered price) with documents counted
    subscribe(company, "start")
    collect(company, 3)
    # then nothing goes to the meter
    assert usage_report_due() == []
    assert report(company) is False
    assert stripe_fake.meter_events == []


def test_the_month_totals_go_again_as_final_before_and_right_after_the_month_closes(
    stripe_fake, subscribe, company
):
    # given a company subscribed on 15 January 2027 that collected 80 documents
    with time_machine.travel(datetime.datetime(2027, 1, 15, 10, tzinfo=BRUSSELS)):
        subscription = subscribe(company, "collect-70")
        collect(company, 80)
        assert tasks.usage_report_sweep() == 1
    january = datetime.date(2027, 1, 1)

    # when the month's last day reaches 23:00 (Brussels): every total again, final
    with time_machine.travel(datetime.datetime(2027, 1, 31, 23, 0, 5, tzinfo=BRUSSELS)):
        assert final_month_due() == january
        assert tasks.usage_report_month_end() == 1
        # and a late document of the evening goes with the next sweep
        collect(company, 1)
        assert tasks.usage_report_sweep() == 1

    # and right after midnight, for the month just closed (within Stripe's hour)
    with time_machine.travel(datetime.datetime(2027, 2, 1, 0, 5, tzinfo=BRUSSELS)):
        assert final_month_due() == january
        assert tasks.usage_report_month_end() == 1
        invoice = stripe_fake.invoice_period(subscription["id"])

    # then the final reports carry ":final" and the closing one the month's last second
    identifiers = [event["identifier"] for event in stripe_fake.meter_events]
    assert [identifier.endswith(":final") for identifier in identifiers] == [
        False,
        True,
        False,
        True,
    ]
    closing = stripe_fake.meter_events[-1]
    last_second = datetime.datetime(2027, 1, 31, 23, 59, 59, tzinfo=BRUSSELS)
    assert closing["timestamp"] == int(last_second.timestamp())
    assert closing["payload"]["value"] == "81"
    # and January is billed on its last total: 11 extra documents at €0.30
    assert invoice["lines"]["data"][1]["amount"] == 330
    assert invoice["period_end"] == int(datetime.datetime(2027, 2, 1, tzinfo=BRUSSELS).timestamp())


def test_no_final_reports_in_the_middle_of_the_month():
    assert final_month_due(datetime.datetime(2027, 1, 15, 23, 30, tzinfo=BRUSSELS)) is None
    assert final_month_due(datetime.datetime(2027, 1, 31, 22, 59, tzinfo=BRUSSELS)) is None
    assert final_month_due(datetime.datetime(2027, 2, 1, 1, 30, tzinfo=BRUSSELS)) is None
    assert final_month_due(datetime.datetime(2027, 2, 28, 23, 0, tzinfo=BRUSSELS)) == (
        datetime.date(2027, 2, 1)
    )


def test_a_closed_month_past_stripes_grace_hour_is_not_sent(stripe_fake, subscribe, company):
    with time_machine.travel(datetime.datetime(2027, 1, 20, 10, tzinfo=BRUSSELS)):
        subscribe(company, "collect-70")
        collect(company, 5)
    with time_machine.travel(datetime.datetime(2027, 2, 1, 2, 0, tzinfo=BRUSSELS)):
        assert report(company, month=datetime.date(2027, 1, 1)) is False
    assert stripe_fake.meter_events == []
