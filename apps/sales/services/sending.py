"""Sending invoices, credit notes, quotes and payment reminders to customers.

An invoice or credit note goes over Peppol when its customer receives it there
(``channel.invoice_channel``): its UBL, exactly as issued, is queued with ``apps.peppol``,
which sends it once in a worker. Otherwise, or when the user says so, it goes by e-mail
(PDF and UBL) through the outgoing channels of ``apps.connections.transports``. Every
sending is recorded as a ``Dispatch``.
"""

import copy
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.connections.transports import Parcel
from apps.connections.transports.smtp import EMAIL
from apps.core.errors import DomainError
from apps.peppol.services import transmission_queue
from apps.sales.models import Dispatch, Invoice, Quote, SalesSettings
from apps.sales.numbering import number_preview
from apps.sales.selectors import sales_settings_get
from apps.sales.services.channel import ChannelChoice, invoice_channel
from apps.sales.services.invoices import amount_open, credited_total

logger = logging.getLogger(__name__)
REMINDER_LEVELS = (1, 2, 3)  # 3 is the final reminder
RESEND_AFTER_SECONDS = 60


def _language(invoice_or_quote: Invoice | Quote) -> str:
    snapshot = getattr(invoice_or_quote, "customer_snapshot", None) or {}
    return snapshot.get("language") or invoice_or_quote.customer.language or "nl"


def _render(template: str, context: dict[str, object], language: str) -> tuple[str, str]:
    """The e-mail's subject (on one line) and body in ``language``: what is sent, and what
    the preview shows before."""
    with translation.override(language):
        subject = render_to_string(f"emails/sales/{template}.subject.txt", context)
        body = render_to_string(f"emails/sales/{template}.txt", context)
    return " ".join(subject.split()), body


def _sender(company: Company) -> str:
    return formataddr((company.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def _send(
    company: Company,
    *,
    to: str,
    template: str,
    context: dict[str, object],
    language: str,
    attachments: list[tuple[str, bytes, str]],
    dispatch: Dispatch | None = None,
) -> str:
    """Send one e-mail in ``language``; its Message-ID. DomainError when it cannot go, and
    then ``dispatch`` (the committed record that claimed this sending) is taken back."""
    try:
        subject, body = _render(template, context, language)
        message_id = make_msgid(domain=settings.TRANSFER_FROM_EMAIL.rsplit("@", 1)[-1])
        outcome = EMAIL.send(
            Parcel(
                destination=to,
                sender=_sender(company),
                subject=subject,
                body=body,
                attachments=tuple(attachments),
                message_id=message_id,
                reply_to=company.email,
            )
        )
        if not outcome.accepted:  # refused, timeouts: said plainly
            logger.warning("e-mail to %s not sent: %s", to, outcome.line)
            raise DomainError(
                _(
                    "The e-mail to %(to)s could not be sent: the mail server refused it or could "
                    "not be reached. Check the address and try again."
                )
                % {"to": to},
                code="send_failed",
            )
    except DomainError:
        if dispatch is not None:
            dispatch.delete()  # nothing went out: sending again is allowed at once
        raise
    return message_id


def _files(invoice: Invoice) -> list[tuple[str, bytes, str]]:
    with invoice.pdf.open("rb") as pdf, invoice.ubl.open("rb") as ubl:
        return [
            (f"{invoice.number}.pdf", pdf.read(), "application/pdf"),
            (f"{invoice.number}.xml", ubl.read(), "application/xml"),
        ]


def invoice_subject(invoice: Invoice) -> str:
    """How ``apps.peppol`` names the invoice's transmission."""
    return f"invoice:{invoice.public_id}"


def _invoice_to(invoice: Invoice) -> str:
    return invoice.customer_snapshot.get("email") or invoice.customer.email


def _send_invoice(invoice: Invoice, to: str, dispatch: Dispatch) -> str:
    """By e-mail: its PDF and UBL."""
    return _send(
        invoice.company,
        to=to,
        template="invoice",
        context={"invoice": invoice, "company": invoice.company},
        language=_language(invoice),
        attachments=_files(invoice),
        dispatch=dispatch,
    )


@dataclass(frozen=True)
class Attachment:
    filename: str
    size: int | None  # bytes; None when the file is made at sending (a quote's PDF)


@dataclass(frozen=True)
class Preview:
    """What a sending will do, shown before it happens: by e-mail, the message as it will
    go (in the customer's language); over Peppol, to whom and which file."""

    channel: str  # Invoice.Channel
    to: str
    number: str  # of the invoice or quote, as the customer will see it
    attachments: list[Attachment]
    sender: str = ""
    reply_to: str = ""
    subject: str = ""
    body: str = ""
    language: str = ""


def invoice_preview(*, invoice: Invoice, by_email: bool = False) -> Preview:
    """How ``invoice_send`` would send the issued invoice now (``by_email``: as it would
    with that choice), without sending it or asking the network. DomainError when it
    cannot be sent, as ``invoice_send`` would say."""
    if invoice.is_draft:
        raise DomainError(_("Issue the invoice before sending it."), code="draft")
    files = [
        Attachment(f"{invoice.number}.pdf", invoice.pdf.size),
        Attachment(f"{invoice.number}.xml", invoice.ubl.size),
    ]
    if not by_email:
        choice = invoice_channel(invoice)
        if choice.channel == Invoice.Channel.PEPPOL:
            # the UBL as issued, the PDF inside it
            return Preview(
                channel=choice.channel,
                to=choice.participant,
                number=invoice.number,
                attachments=files[1:],
            )
    to = _invoice_to(invoice)
    if not to:
        raise DomainError(
            _("The customer has no e-mail address for invoices. Add one first."), code="no_email"
        )
    language = _language(invoice)
    subject, body = _render("invoice", {"invoice": invoice, "company": invoice.company}, language)
    return Preview(
        channel=Invoice.Channel.EMAIL,
        to=to,
        number=invoice.number,
        attachments=files,
        sender=_sender(invoice.company),
        reply_to=invoice.company.email,
        subject=subject,
        body=body,
        language=language,
    )


def _queue_over_peppol(invoice: Invoice, actor: User | None, choice: ChannelChoice) -> Dispatch:
    """The issued UBL, byte for byte, queued for the customer's Peppol ID; the dispatch and
    the transmission are written together or not at all."""
    with invoice.ubl.open("rb") as stored:
        ubl = stored.read()
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        transmission_queue(
            company=invoice.company,
            subject=invoice_subject(invoice),
            reference=invoice.number,
            receiver=choice.participant,
            xml=ubl,
        )
        Invoice.objects.filter(pk=invoice.pk).update(send_channel=Invoice.Channel.PEPPOL)
        return Dispatch.objects.create(
            company=invoice.company,
            invoice=invoice,
            what=Dispatch.What.INVOICE,
            channel=Invoice.Channel.PEPPOL,
            to=choice.participant,
            sent_by=actor,
        )


def invoice_send(
    *, invoice: Invoice, actor: User | None, to: str = "", by_email: bool = False
) -> Dispatch:
    """Send an issued invoice or credit note and record it: over Peppol when the customer
    receives it there (queued; a worker sends it), else, or ``by_email``, its PDF and UBL
    by e-mail at once."""
    if invoice.is_draft:
        first = (
            _("Issue the credit note before sending it.")
            if invoice.is_credit_note
            else _("Issue the invoice before sending it.")
        )
        raise DomainError(first, code="draft")
    if not by_email:
        choice = invoice_channel(invoice, wait=True)
        if choice.channel == Invoice.Channel.PEPPOL:
            return _queue_over_peppol(invoice, actor, choice)
    to = to or _invoice_to(invoice)
    if not to:
        raise DomainError(
            _("The customer has no e-mail address for invoices. Add one first."), code="no_email"
        )
    with transaction.atomic():
        # one sending at a time per invoice, and not twice within a minute (a double click):
        # the dispatch claims the minute, under the invoice's lock
        Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
        recent = Dispatch.objects.filter(
            invoice=invoice,
            what=Dispatch.What.INVOICE,
            created_at__gte=timezone.now() - datetime.timedelta(seconds=RESEND_AFTER_SECONDS),
        )
        if recent.exists():
            just_sent = (
                _("This credit note was sent a moment ago. Wait a minute to send it again.")
                if invoice.is_credit_note
                else _("This invoice was sent a moment ago. Wait a minute to send it again.")
            )
            raise DomainError(just_sent, code="just_sent")
        dispatch = Dispatch.objects.create(
            company=invoice.company,
            invoice=invoice,
            what=Dispatch.What.INVOICE,
            channel=Invoice.Channel.EMAIL,
            to=to,
            sent_by=actor,
        )
    # sent once the dispatch is committed, outside the lock (a slow mail server never holds
    # the invoice's row)
    dispatch.message_id = _send_invoice(invoice, to, dispatch)
    dispatch.save(update_fields=["message_id", "updated_at"])
    Invoice.objects.filter(pk=invoice.pk).update(
        sent_at=timezone.now(), send_channel=Invoice.Channel.EMAIL
    )
    return dispatch


def invoice_record_transmission(*, company: Company, subject: str, status: str) -> None:
    """What ``apps.peppol`` says of an invoice's transmission: once sent, the invoice is."""
    kind, _colon, public_id = subject.partition(":")
    if kind == "invoice" and status == "sent":
        Invoice.objects.filter(company=company, public_id=public_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )


def _quote_context(quote: Quote) -> dict[str, object]:
    return {
        "quote": quote,
        "company": quote.company,
        "url": f"{settings.SITE_URL}/q/{quote.token}/",
    }


def _quote_to(quote: Quote) -> str:
    if not quote.customer.email:
        raise DomainError(_("The customer has no e-mail address. Add one first."), code="no_email")
    return quote.customer.email


def quote_preview(*, quote: Quote) -> Preview:
    """The quote's e-mail as ``quote_send`` would send it now, without sending it. A draft
    has no number yet: it shows the number the quote will be given when it is sent (unless
    another quote is sent first)."""
    if quote.status not in (Quote.Status.DRAFT, Quote.Status.SENT):
        raise DomainError(_("This quote was already decided."), code="decided")
    if not quote.lines.exists():
        raise DomainError(_("Add at least one line before sending."), code="no_lines")
    to = _quote_to(quote)
    shown = copy.copy(quote)
    if not shown.number:
        shown.number = number_preview(
            company=quote.company, kind="quote", year=quote.issue_date.year
        )
    language = quote.customer.language
    subject, body = _render("quote", _quote_context(shown), language)
    return Preview(
        channel=Invoice.Channel.EMAIL,
        to=to,
        number=shown.number,
        attachments=[Attachment(f"{shown.number}.pdf", None)],
        sender=_sender(quote.company),
        reply_to=quote.company.email,
        subject=subject,
        body=body,
        language=language,
    )


def quote_send(*, quote: Quote, actor: User | None) -> Dispatch:
    """Send the quote with its PDF and the link where the customer accepts or declines."""
    from apps.sales.einvoicing import quote_model
    from apps.sales.pdf import quote_pdf
    from apps.sales.services.quotes import quote_mark_sent

    to = _quote_to(quote)
    with transaction.atomic():
        before = Quote.objects.select_for_update().values("status", "sent_at").get(pk=quote.pk)
        quote = quote_mark_sent(quote=quote)
        pdf = quote_pdf(quote, quote_model(quote))  # with its number; a failure undoes all
        dispatch = Dispatch.objects.create(
            company=quote.company, quote=quote, what=Dispatch.What.QUOTE, to=to, sent_by=actor
        )
    try:
        dispatch.message_id = _send(
            quote.company,
            to=to,
            template="quote",
            context=_quote_context(quote),
            language=quote.customer.language,
            attachments=[(f"{quote.number}.pdf", pdf, "application/pdf")],
            dispatch=dispatch,
        )
    except DomainError:
        # not sent: the quote is as it was (it keeps the number it was given, so that the
        # numbering has no gap), unless the customer answered in the meantime
        Quote.objects.filter(pk=quote.pk, status=Quote.Status.SENT).update(**before)
        raise
    dispatch.save(update_fields=["message_id", "updated_at"])
    return dispatch


def _due_level(invoice: Invoice, sales_settings: SalesSettings, today: datetime.date) -> int:
    if invoice.due_date is None:
        return 0
    late = (today - invoice.due_date).days
    thresholds = (
        sales_settings.first_reminder_days,
        sales_settings.second_reminder_days,
        sales_settings.final_reminder_days,
    )
    return max(
        (level for level, days in zip(REMINDER_LEVELS, thresholds, strict=True) if late >= days),
        default=0,
    )


def reminder_send(
    *, invoice: Invoice, level: int, balance: Decimal | None = None
) -> Dispatch | None:
    """Send reminder ``level`` once (the database refuses a second one of the same level)
    for what is left to pay (``balance``: computed when not given). Never for an invoice
    the seller collects itself (card or direct debit): the customer has nothing to do."""
    if invoice.is_collected_automatically:
        return None
    to = invoice.customer_snapshot.get("email") or invoice.customer.email
    if not to:
        return None
    try:
        with transaction.atomic():
            dispatch = Dispatch.objects.create(
                company=invoice.company,
                invoice=invoice,
                what=Dispatch.What.REMINDER,
                level=level,
                to=to,
            )
    except IntegrityError:
        return None  # already sent (another worker, a second run)
    dispatch.message_id = _send(
        invoice.company,
        to=to,
        template="reminder",
        context={
            "invoice": invoice,
            "company": invoice.company,
            "level": level,
            "balance": balance if balance is not None else amount_open(invoice),
        },
        language=_language(invoice),
        attachments=_files(invoice),
        dispatch=dispatch,
    )
    dispatch.save(update_fields=["message_id", "updated_at"])
    return dispatch


def reminders_send_due(*, company: Company, today: datetime.date | None = None) -> int:
    """The reminders due today for one company: per unpaid invoice past its due date, the
    highest level reached that was not sent yet. Nothing when the owner turned them off,
    nor for an invoice the seller collects itself (card or direct debit)."""
    today = today or timezone.localdate()
    sales_settings = sales_settings_get(company=company)
    if not sales_settings.reminders_enabled:
        return 0
    sent = 0
    unpaid = Invoice.objects.filter(
        company=company,
        kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.ISSUED,
        due_date__lt=today,
        sent_at__isnull=False,  # a customer is reminded of an invoice they received
        payment_collection=Invoice.PaymentCollection.TRANSFER,
    ).select_related("company", "customer")
    # only those with something left to pay after their credit notes and the payments the
    # bank brought, in one query
    unpaid = unpaid.annotate(credited=credited_total()).filter(
        total_incl_vat__gt=F("credited") + F("paid_amount")
    )
    for invoice in unpaid.prefetch_related("dispatches"):
        reached = _due_level(invoice, sales_settings, today)
        done = {d.level for d in invoice.dispatches.all() if d.what == Dispatch.What.REMINDER}
        # one level at a time, in order: never the final one first
        level = max(done, default=0) + 1
        if level <= reached and level in REMINDER_LEVELS:
            try:
                balance = (
                    (invoice.total_incl_vat or Decimal("0"))
                    - invoice.credited
                    - invoice.paid_amount
                )
                if reminder_send(invoice=invoice, level=level, balance=balance) is not None:
                    sent += 1
            except DomainError:
                continue  # this one is retried tomorrow; the others still go
    return sent
