"""The dashboard's reading of a company's work across the apps: what needs the user now, this
month's figures and the setup left to do, in a handful of queries whatever the company's
size (one aggregate per app, one query for the whole checklist).

Each count uses the same conditions as the list it links to, so that the number on the
dashboard is the number of rows the link opens.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.banking.models import BankAccount, BankTransaction, MatchState
from apps.banking.selectors import STATE_FILTERS
from apps.billing.entitlements import effective_plan
from apps.companies.access import Access, Action
from apps.companies.models import Company, Invitation, Membership, OfficeClientLink, Role
from apps.connections.models import Delivery, Transfer
from apps.documents.models import Document, Kind
from apps.documents.selectors import PAYMENT_FILTERS
from apps.inbox.models import CloudFolder, InboundMessage, Mailbox
from apps.sales.models import Invoice, Quote
from apps.sales.services.invoices import ISSUED_STATUSES

ZERO = Decimal("0")


def _money(field: str | Combinable, condition: Q) -> Coalesce:
    return Coalesce(Sum(field, filter=condition), ZERO)


@dataclass(frozen=True)
class NeedsYou:
    """What waits for someone, each with the list it links to."""

    documents_to_review: int  # documents list, status "needs review"
    deliveries_failed: int  # deliveries list, failed
    invoices_overdue: int  # sales invoices past their due date, not paid in full
    purchases_overdue: int  # purchase invoices past their due date, not paid
    quotes_waiting: int  # sent, no answer yet (the nightly sweep marks the expired ones)
    transactions_to_match: int  # bank transactions not (fully) matched
    matches_to_confirm: int  # of which the matching proposes a match to confirm

    @property
    def total(self) -> int:
        return (
            self.documents_to_review
            + self.deliveries_failed
            + self.invoices_overdue
            + self.purchases_overdue
            + self.quotes_waiting
            + self.transactions_to_match
        )


@dataclass(frozen=True)
class ThisMonth:
    """Sales of the month (excluding VAT, credit notes deducted) and what is unpaid either
    way today (including VAT). The documents collected against the plan come from billing's
    usage line, beside these."""

    month: datetime.date  # its first day
    sales: Decimal
    invoices_issued: int
    unpaid_in: Decimal  # what customers still owe: after credit notes and payments
    unpaid_in_count: int
    unpaid_out: Decimal  # what the purchase invoices still ask
    unpaid_out_count: int


@dataclass(frozen=True)
class Setup:
    """A new company's first steps; the checklist goes away once all are done. A step the
    plan does not include (collecting on Start, a bank account without one in the plan) is
    None: not shown, not waited for."""

    company_details: bool  # address, e-mail and IBAN, as invoices need them
    accountant: bool  # an accountant invited or linked, or the transfer's addresses set
    collecting: bool | None  # a mailbox or cloud folder connected, or forwarding used
    first_invoice: bool  # an invoice issued
    bank_account: bool | None

    @property
    def steps(self) -> list[bool]:
        return [
            step
            for step in (
                self.company_details,
                self.accountant,
                self.collecting,
                self.first_invoice,
                self.bank_account,
            )
            if step is not None
        ]

    @property
    def done(self) -> int:
        return sum(self.steps)

    @property
    def is_complete(self) -> bool:
        return all(self.steps)


@dataclass(frozen=True)
class Dashboard:
    needs_you: NeedsYou
    this_month: ThisMonth
    setup: Setup | None  # None when it is complete, or not the reader's to do


def _documents(company: Company, today: datetime.date) -> dict[str, int | Decimal]:
    purchase = Q(kind=Kind.PURCHASE_INVOICE)
    # what the cash flow counts as to pay: a read total, not failed, not a second copy
    to_pay = (
        purchase
        & PAYMENT_FILTERS["to_pay"](today)
        & Q(total_incl_vat__isnull=False, possible_duplicate_of__isnull=True)
        & ~Q(status=Document.Status.FAILED)
    )
    return Document.objects.filter(company=company).aggregate(
        to_review=Count("id", filter=Q(status=Document.Status.NEEDS_REVIEW)),
        overdue=Count("id", filter=purchase & PAYMENT_FILTERS["overdue"](today)),
        unpaid_out=_money(F("total_incl_vat") - F("paid_amount"), to_pay),
        unpaid_out_count=Count("id", filter=to_pay),
    )


def _invoices(company: Company, today: datetime.date) -> dict[str, int | Decimal]:
    month = today.replace(day=1)
    issued_this_month = Q(status__in=ISSUED_STATUSES, issue_date__gte=month, issue_date__lte=today)
    open_invoice = Q(kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED)
    found = Invoice.objects.filter(company=company).aggregate(
        overdue=Count("id", filter=open_invoice & Q(due_date__lt=today)),
        open_total=_money(F("total_incl_vat") - F("paid_amount"), open_invoice),
        open_count=Count("id", filter=open_invoice),
        invoiced=_money("total_excl_vat", issued_this_month & Q(kind=Invoice.Kind.INVOICE)),
        credited=_money("total_excl_vat", issued_this_month & Q(kind=Invoice.Kind.CREDIT_NOTE)),
        issued=Count("id", filter=issued_this_month & Q(kind=Invoice.Kind.INVOICE)),
        # the credit notes of the open invoices: what their customers no longer owe
        open_credited=_money(
            "total_incl_vat",
            Q(
                kind=Invoice.Kind.CREDIT_NOTE,
                status__in=ISSUED_STATUSES,
                credited_invoice__kind=Invoice.Kind.INVOICE,
                credited_invoice__status=Invoice.Status.ISSUED,
            ),
        ),
    )
    return found


def _bank(company: Company) -> dict[str, int]:
    return BankTransaction.objects.filter(company=company).aggregate(
        to_match=Count("id", filter=STATE_FILTERS["todo"]),
        to_confirm=Count("id", filter=Q(match_state=MatchState.SUGGESTED)),
    )


def _setup(company: Company) -> Setup:
    """The five steps in one query (and the plan that counts now, for the steps it
    includes)."""
    plan = effective_plan(company)
    of_company = {"company": OuterRef("pk")}
    transfer_set = Transfer.objects.filter(**of_company, is_active=True).exclude(
        general_address="", purchases_address="", sales_address="", miscellaneous_address=""
    )
    found = (
        Company.objects.filter(pk=company.pk)
        .annotate(
            has_office=Exists(
                OfficeClientLink.objects.filter(
                    **of_company,
                    status__in=[OfficeClientLink.Status.ACTIVE, OfficeClientLink.Status.PENDING],
                )
            ),
            has_accountant=Exists(Membership.objects.filter(**of_company, role=Role.ACCOUNTANT)),
            has_invited=Exists(
                Invitation.objects.filter(
                    **of_company, role=Role.ACCOUNTANT, status=Invitation.Status.PENDING
                )
            ),
            has_transfer=Exists(transfer_set),
            has_mailbox=Exists(Mailbox.objects.filter(**of_company)),
            has_folder=Exists(CloudFolder.objects.filter(**of_company)),
            has_forwarded=Exists(
                InboundMessage.objects.filter(
                    **of_company, channel=InboundMessage.Channel.FORWARDING
                )
            ),
            has_invoice=Exists(Invoice.objects.filter(**of_company, status__in=ISSUED_STATUSES)),
            has_bank_account=Exists(BankAccount.objects.filter(**of_company)),
        )
        .values()
        .get()
    )
    return Setup(
        company_details=all(
            found[name] for name in ("street", "postal_code", "city", "email", "iban")
        ),
        accountant=found["has_office"]
        or found["has_accountant"]
        or found["has_invited"]
        or found["has_transfer"],
        collecting=(found["has_mailbox"] or found["has_folder"] or found["has_forwarded"])
        if plan.includes_collection
        else None,
        first_invoice=found["has_invoice"],
        bank_account=found["has_bank_account"] if plan.bank_accounts > 0 else None,
    )


def dashboard_get(
    company: Company, access: Access, *, today: datetime.date | None = None
) -> Dashboard:
    """What the dashboard shows ``access``'s user of ``company`` (the setup checklist to
    the owner only, who can do every step)."""
    today = today or timezone.localdate()
    documents = _documents(company, today)
    invoices = _invoices(company, today)
    bank = _bank(company)
    needs_you = NeedsYou(
        documents_to_review=int(documents["to_review"]),
        deliveries_failed=Delivery.objects.filter(
            company=company, status=Delivery.Status.FAILED
        ).count(),
        invoices_overdue=int(invoices["overdue"]),
        purchases_overdue=int(documents["overdue"]),
        quotes_waiting=Quote.objects.filter(company=company, status=Quote.Status.SENT).count(),
        transactions_to_match=bank["to_match"],
        matches_to_confirm=bank["to_confirm"],
    )
    this_month = ThisMonth(
        month=today.replace(day=1),
        sales=Decimal(invoices["invoiced"]) - Decimal(invoices["credited"]),
        invoices_issued=int(invoices["issued"]),
        unpaid_in=Decimal(invoices["open_total"]) - Decimal(invoices["open_credited"]),
        unpaid_in_count=int(invoices["open_count"]),
        unpaid_out=Decimal(documents["unpaid_out"]),
        unpaid_out_count=int(documents["unpaid_out_count"]),
    )
    setup = _setup(company) if access.can(Action.MANAGE_COMPANY) else None
    return Dashboard(
        needs_you=needs_you,
        this_month=this_month,
        setup=None if setup is None or setup.is_complete else setup,
    )
