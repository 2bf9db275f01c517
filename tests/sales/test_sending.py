"""Sending an invoice by e-mail (PDF and UBL, recorded) and payment reminders after the due
date: 1st, 2nd, final, in the customer's language, once each, and off when the owner says so."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.einvoice import validate
from apps.sales.models import Dispatch, Invoice, VatTreatment
from apps.sales.selectors import sales_settings_get
from apps.sales.services.invoices import invoice_issue, invoice_mark_paid
from apps.sales.services.sending import invoice_send, reminder_send, reminders_send_due
from tests.sales.conftest import customer_for, draft

ISSUED_ON = datetime.date(2026, 11, 2)  # due 2 December with 30 days


def _issued(seller, owner, *, sent: bool = True, **customer) -> Invoice:
    """An issued invoice; ``sent``: the customer received it (reminders need that)."""
    with company_scope(seller):
        invoice = draft(
            seller,
            customer_for(seller, VatTreatment.DOMESTIC, **customer),
            issue_date=ISSUED_ON,
        )
        invoice = invoice_issue(invoice=invoice, actor=owner)
        if sent:
            Invoice.objects.filter(pk=invoice.pk).update(sent_at=timezone.now())
            invoice.refresh_from_db()
        return invoice


def test_an_issued_invoice_goes_by_email_with_its_pdf_and_ubl(seller, owner, smtp):
    invoice = _issued(seller, owner, email="boekhouding@klant.example")
    with company_scope(seller):
        dispatch = invoice_send(invoice=invoice, actor=owner)
        invoice.refresh_from_db()
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["boekhouding@klant.example"]
    assert invoice.number in received.message["Subject"]
    assert "Factuur" in received.message["Subject"]  # the customer reads Dutch
    parts = {
        p.get_filename(): p.get_payload(decode=True) for p in received.message.iter_attachments()
    }
    assert set(parts) == {f"{invoice.number}.pdf", f"{invoice.number}.xml"}
    assert parts[f"{invoice.number}.pdf"].startswith(b"%PDF")
    assert validate(parts[f"{invoice.number}.xml"]).is_valid
    assert dispatch.to == "boekhouding@klant.example"
    assert dispatch.sent_by == owner
    assert invoice.sent_at is not None


def test_a_customer_without_email_gets_a_clear_error(seller, owner, smtp):
    invoice = _issued(seller, owner, email="")
    with company_scope(seller), pytest.raises(DomainError, match="no e-mail address"):
        invoice_send(invoice=invoice, actor=owner)
    assert smtp.messages == []


def test_a_refused_email_is_an_error_and_nothing_is_recorded(seller, owner, smtp):
    invoice = _issued(seller, owner)
    smtp.rcpt_reply = "550 5.1.1 unknown"
    with company_scope(seller), pytest.raises(DomainError, match="could not be sent"):
        invoice_send(invoice=invoice, actor=owner)
    with company_scope(seller):
        assert not Dispatch.objects.exists()


def test_reminders_go_at_each_level_once_in_the_customers_language(seller, owner, smtp):
    invoice = _issued(seller, owner, language="fr")
    due = invoice.due_date
    with company_scope(seller):
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=6)) == 0
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=7)) == 1
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=8)) == 0
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=21)) == 1
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=35)) == 1
        assert reminders_send_due(company=seller, today=due + datetime.timedelta(days=60)) == 0
    subjects = [r.message["Subject"] for r in smtp.wait_for(3)]
    assert subjects[0] == f"Rappel : facture {invoice.number}"
    assert subjects[1] == f"Deuxième rappel : facture {invoice.number}"
    assert subjects[2] == f"Dernier rappel : facture {invoice.number}"


def test_no_reminder_for_a_paid_invoice_or_when_turned_off(seller, owner, smtp):
    paid = _issued(seller, owner)
    other = _issued(seller, owner)
    late = paid.due_date + datetime.timedelta(days=10)
    with company_scope(seller):
        invoice_mark_paid(invoice=paid, actor=owner)
        settings = sales_settings_get(company=seller)
        settings.reminders_enabled = False
        settings.save()
        assert reminders_send_due(company=seller, today=late) == 0
        settings.reminders_enabled = True
        settings.save()
        assert reminders_send_due(company=seller, today=late) == 1  # only the unpaid one
    [received] = smtp.wait_for(1)
    assert other.number in received.message["Subject"]


def test_no_reminder_for_an_invoice_the_seller_collects_itself(seller, owner, smtp):
    # given two late invoices, one the seller collects by card or direct debit
    normal = _issued(seller, owner)
    with company_scope(seller):
        collected = invoice_issue(
            invoice=draft(
                seller,
                customer_for(seller, VatTreatment.DOMESTIC),
                issue_date=ISSUED_ON,
                payment_collection=Invoice.PaymentCollection.COLLECTED,
            ),
            actor=owner,
        )
        Invoice.objects.filter(pk=collected.pk).update(sent_at=timezone.now())
        collected.refresh_from_db()

        # when the reminders run at each level
        sent = [
            reminders_send_due(
                company=seller, today=normal.due_date + datetime.timedelta(days=late)
            )
            for late in (7, 21, 35)
        ]

        # then only the normal one is reminded, and nothing ever for the collected one
        assert sent == [1, 1, 1]
        assert reminder_send(invoice=collected, level=1) is None
        assert not collected.dispatches.exists()
    assert {received.message["Subject"].rsplit(" ", 1)[-1] for received in smtp.wait_for(3)} == {
        normal.number
    }


def test_the_daily_task_sends_each_companys_reminders(seller, owner, smtp):
    from apps.sales.tasks import sales_daily

    invoice = _issued(seller, owner)
    with time_machine.travel(invoice.due_date + datetime.timedelta(days=8)):
        result = sales_daily()
    assert result["companies"] == Company.objects.filter(is_active=True).count()
    assert len(smtp.wait_for(1)) == 1


def test_reminders_go_in_order_even_when_late_and_not_for_unsent_or_credited_invoices(
    seller, owner, smtp
):
    from apps.sales.services.invoices import credit_note_create

    late = _issued(seller, owner)
    _issued(seller, owner, sent=False)  # never received: no reminder
    credited = _issued(seller, owner)
    with company_scope(seller):
        note = credit_note_create(invoice=credited)
        invoice_issue(invoice=note, actor=owner)
        # 40 days late and nothing sent before: the first reminder, not the final one
        today = late.due_date + datetime.timedelta(days=40)
        assert reminders_send_due(company=seller, today=today) == 1
        assert reminders_send_due(company=seller, today=today) == 1  # the next day's run
    first, second = smtp.wait_for(2)
    assert first.message["Subject"] == f"Herinnering: factuur {late.number}"
    assert second.message["Subject"].startswith("Tweede herinnering")


def test_a_company_name_with_a_comma_still_sends(seller, owner, smtp):
    seller.name = "Peeters, Janssens & Co BV"
    seller.save()
    invoice = _issued(seller, owner)
    with company_scope(seller):
        invoice_send(invoice=invoice, actor=owner)
    [received] = smtp.wait_for(1)
    assert received.message["From"].addresses[0].display_name == "Peeters, Janssens & Co BV"


def test_a_double_click_on_send_sends_once(seller, owner, smtp):
    invoice = _issued(seller, owner, sent=False)
    with company_scope(seller):
        invoice_send(invoice=invoice, actor=owner)
        with pytest.raises(DomainError, match="a moment ago"):
            invoice_send(invoice=invoice, actor=owner)
    later = timezone.now() + datetime.timedelta(minutes=2)
    with time_machine.travel(later), company_scope(seller):
        invoice_send(invoice=invoice, actor=owner)  # "send again", on purpose
    assert len(smtp.wait_for(2)) == 2


def test_reminders_for_many_invoices_take_a_bounded_number_of_queries(
    seller, owner, smtp, django_assert_max_num_queries
):
    invoices = [_issued(seller, owner) for _ in range(6)]
    today = invoices[0].due_date + datetime.timedelta(days=8)
    # a few writes per reminder sent (the dispatch and its savepoints), no reads per invoice
    with company_scope(seller), django_assert_max_num_queries(4 + 6 * 6):
        assert reminders_send_due(company=seller, today=today) == 6


def test_marked_paid_records_the_day_the_money_came_in_and_who_said_so(seller, owner):
    from apps.sales.services.invoices import invoice_mark_unpaid, invoices_record_payments

    paid_by_hand, paid_by_bank = _issued(seller, owner), _issued(seller, owner)
    with company_scope(seller):
        invoice_mark_paid(invoice=paid_by_hand, actor=owner)
        invoices_record_payments(
            company=seller,
            payments={paid_by_bank.pk: (paid_by_bank.total_incl_vat, datetime.date(2026, 3, 2))},
        )
        paid_by_hand.refresh_from_db()
        paid_by_bank.refresh_from_db()
        assert (paid_by_hand.paid_on, paid_by_hand.paid_by) == (timezone.localdate(), owner)
        assert (paid_by_bank.paid_on, paid_by_bank.paid_by) == (datetime.date(2026, 3, 2), None)
        assert paid_by_bank.status == Invoice.Status.PAID
        with pytest.raises(DomainError) as refused:  # undone on its match, where the money is
            invoice_mark_unpaid(invoice=paid_by_bank, actor=owner)
        assert refused.value.code == "paid_by_bank"
        invoice = invoice_mark_unpaid(invoice=paid_by_hand, actor=owner)
    assert (invoice.status, invoice.paid_on, invoice.paid_at) == (Invoice.Status.ISSUED, None, None)


def test_a_partly_paid_invoice_is_reminded_of_its_balance_only(seller, owner, smtp):
    from apps.sales.services.invoices import invoices_record_payments

    invoice = _issued(seller, owner, email="boekhouding@klant.example")
    part = invoice.total_incl_vat - 10
    with company_scope(seller):
        invoices_record_payments(
            company=seller, payments={invoice.pk: (part, datetime.date(2026, 12, 1))}
        )
        with time_machine.travel(datetime.date(2026, 12, 10)):
            assert reminders_send_due(company=seller) == 1
    [received] = smtp.wait_for(1)
    body = received.message.get_body(("plain",)).get_content()
    assert "10,00" in body
    assert "nog open" in body


def test_invoices_and_reminders_go_out_after_their_dispatch_is_committed(
    seller, owner, smtp, monkeypatch
):
    # the mail server is reached with no transaction open: a slow one never holds the
    # invoice's row, and the dispatch that claims the sending is already committed
    from django.db import transaction

    from apps.sales.services import sending

    seen = []
    real = sending._send
    connection = transaction.get_connection()
    test_depth = len(connection.atomic_blocks)  # the test's own transaction

    def email(*args, **kwargs):
        seen.append(
            (
                len(connection.atomic_blocks) - test_depth,  # blocks the sending opened
                Dispatch.objects.filter(message_id="").count(),
            )
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(sending, "_send", email)
    invoice = _issued(seller, owner)
    with company_scope(seller):
        invoice_send(invoice=invoice, actor=owner)
        assert sending.reminder_send(invoice=invoice, level=1) is not None
        assert not Dispatch.objects.filter(message_id="").exists()
    assert seen == [(0, 1), (0, 1)]
    assert len(smtp.wait_for(2)) == 2
