"""Writes of quotes: draft → sent → accepted / declined / expired, and into an invoice."""

import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.companies.scoping import all_companies, company_scope
from apps.companies.services import owners_notify
from apps.companies.tasks import send_email
from apps.core.errors import DomainError
from apps.sales.models import Customer, Invoice, Quote
from apps.sales.numbering import number_next
from apps.sales.selectors import sales_settings_get
from apps.sales.services.invoices import (
    LineInput,
    check_customer,
    check_fields,
    draft_save,
    invoice_create,
    set_lines,
)

QUOTE_FIELDS = (
    "customer",
    "issue_date",
    "valid_until",
    "vat_treatment",
    "discount_percent",
    "notes",
)


@transaction.atomic
def quote_create(
    *, company: Company, customer: Customer, lines: list[LineInput], **fields: Any
) -> Quote:
    check_fields(fields, QUOTE_FIELDS, "quote")
    check_customer(company, customer)
    today = timezone.localdate()
    issue_date = fields.pop("issue_date", None) or today
    valid_until = fields.pop("valid_until", None) or issue_date + datetime.timedelta(
        days=sales_settings_get(company=company).quote_validity_days
    )
    quote = Quote.objects.create(
        company=company,
        customer=customer,
        issue_date=issue_date,
        valid_until=valid_until,
        vat_treatment=fields.pop("vat_treatment", None) or customer.vat_treatment,
        **fields,
    )
    set_lines(quote, lines)
    return quote


@transaction.atomic
def quote_update(*, quote: Quote, lines: list[LineInput] | None = None, **fields: Any) -> Quote:
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.DRAFT:
        raise DomainError(_("A sent quote can no longer be changed."), code="not_draft")
    check_fields(fields, QUOTE_FIELDS, "quote")
    draft_save(quote, fields, lines)
    return quote


@transaction.atomic
def quote_mark_sent(*, quote: Quote) -> Quote:
    """Give the quote its number (on first sending) and mark it sent."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.SENT):
        raise DomainError(_("This quote was already decided."), code="decided")
    if not quote.lines.exists():
        raise DomainError(_("Add at least one line before sending."), code="no_lines")
    if not quote.number:
        _sequence, quote.number = number_next(
            company=quote.company, kind="quote", year=quote.issue_date.year
        )
    quote.status = Quote.Status.SENT
    quote.sent_at = timezone.now()
    quote.save()
    return quote


def quote_decide(*, token: str, accept: bool, ip: str | None) -> Quote:
    """The customer's answer from the public page, recorded with time and IP. Listed bypass
    of the company scope: the secret token is the key (like an invitation). A quote past its
    date is marked expired (that is kept) and the answer refused."""
    with transaction.atomic():
        quote = Quote.objects.unscoped().select_for_update().filter(token=token).first()
        if quote is None:
            raise DomainError(_("This quote does not exist."), code="unknown")
        if quote.status != Quote.Status.SENT:
            raise DomainError(
                _("This quote was already answered or is no longer open."), code="closed"
            )
        expired = quote.valid_until < timezone.localdate()
        if expired:
            quote.status = Quote.Status.EXPIRED
            quote.save(update_fields=["status", "updated_at"])
        else:
            _record_decision(quote, accept=accept, ip=ip)
    if expired:
        raise DomainError(_("This quote has expired."), code="expired")
    _decision_notify(quote)
    return quote


def _decision_notify(quote: Quote) -> None:
    """The owners hear of the answer, each in their language; the customer gets a copy of
    theirs, in the quote's language, with the link to it."""
    accepted = quote.status == Quote.Status.ACCEPTED
    company = quote.company
    customer = quote.customer
    with company_scope(company):
        owners_notify(
            company=company,
            template="sales/quote_decided",
            context={
                "quote": quote,
                "accepted": accepted,
                "customer": customer.name,
                "url": settings.SITE_URL
                + reverse(
                    "sales:quote-detail",
                    kwargs={"company_id": company.public_id, "quote_id": quote.public_id},
                ),
            },
        )
    if not customer.email:
        return
    with translation.override(customer.language or company.default_language):
        context = {
            "quote": quote,
            "company": company,
            "accepted": accepted,
            "when": formats.date_format(timezone.localtime(quote.decided_at), "DATETIME_FORMAT"),
            "url": f"{settings.SITE_URL}/q/{quote.token}/",
        }
        subject = render_to_string("emails/sales/quote_answer.subject.txt", context).strip()
        body = render_to_string("emails/sales/quote_answer.txt", context)
    transaction.on_commit(
        partial(send_email.delay, company.pk, to=[customer.email], subject=subject, body=body)
    )


def _record_decision(quote: Quote, *, accept: bool, ip: str | None) -> None:
    quote.status = Quote.Status.ACCEPTED if accept else Quote.Status.DECLINED
    quote.decided_at = timezone.now()
    quote.decided_ip = ip
    quote.save(update_fields=["status", "decided_at", "decided_ip", "updated_at"])


def quotes_expire(*, today: datetime.date | None = None) -> int:
    """Periodic: sent quotes past their validity become expired. Across companies (sweeper)."""
    today = today or timezone.localdate()
    with all_companies():
        return Quote.objects.filter(status=Quote.Status.SENT, valid_until__lt=today).update(
            status=Quote.Status.EXPIRED, updated_at=timezone.now()
        )


@transaction.atomic
def quote_to_invoice(*, quote: Quote, actor: User | None) -> Invoice:
    """An accepted quote becomes a draft invoice with its lines, once."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != Quote.Status.ACCEPTED:
        raise DomainError(_("Only an accepted quote becomes an invoice."), code="not_accepted")
    if quote.invoice_id is not None:
        return quote.invoice  # type: ignore[return-value]
    invoice = invoice_create(
        company=quote.company,
        customer=quote.customer,
        lines=[LineInput.of(line) for line in quote.lines.all()],
        vat_treatment=quote.vat_treatment,
        discount_percent=quote.discount_percent,
        notes=quote.notes,
        buyer_reference=quote.number,
    )
    quote.invoice = invoice
    quote.save(update_fields=["invoice", "updated_at"])
    return invoice
