"""Reads of banking: transactions and their matches, the to-do list, open items to match by
hand. Every read filters by the company."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from apps.banking.cashflow.forecast import Forecast
from apps.banking.cashflow.queries import forecast
from apps.banking.models import BankAccount, BankTransaction, Match, MatchState
from apps.billing import entitlements
from apps.companies.models import Company
from apps.documents.models import Document, Kind
from apps.sales.models import Invoice
from apps.sales.services.invoices import credited_total

# the transaction list's filters
STATE_FILTERS: dict[str, Q] = {
    "todo": Q(match_state__in=[MatchState.UNMATCHED, MatchState.SUGGESTED, MatchState.PARTLY]),
    "matched": Q(match_state=MatchState.MATCHED),
    "ignored": Q(match_state=MatchState.IGNORED),
}
SEARCH_LIMIT = 20


def transaction_list(*, company: Company, state: str = "") -> QuerySet[BankTransaction]:
    rows = BankTransaction.objects.filter(company=company).select_related("account")
    if state in STATE_FILTERS:
        rows = rows.filter(STATE_FILTERS[state])
    return rows.order_by("-booking_date", "-id")


def _live_matches() -> Prefetch:
    return Prefetch(
        "matches",
        queryset=Match.objects.exclude(state=Match.State.REJECTED)
        .select_related("invoice", "document", "decided_by")
        .order_by("proposal", "id"),
        to_attr="live_matches",
    )


def transaction_get(*, company: Company, public_id: str) -> BankTransaction | None:
    return (
        BankTransaction.objects.filter(company=company, public_id=public_id)
        .select_related("account", "statement")
        .prefetch_related(_live_matches())
        .first()
    )


@dataclass(frozen=True)
class ToDo:
    transactions: int  # to match or to confirm
    suggested: int
    overdue_invoices: int  # sales invoices past their due date with no payment
    overdue_documents: int  # purchase invoices past their due date with no payment

    @property
    def total(self) -> int:
        return self.transactions + self.overdue_invoices + self.overdue_documents


def overdue_invoices(*, company: Company, today: datetime.date) -> QuerySet[Invoice]:
    return Invoice.objects.filter(
        company=company,
        kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.ISSUED,
        due_date__lt=today,
        paid_amount=0,
    ).select_related("customer")


def overdue_documents(*, company: Company, today: datetime.date) -> QuerySet[Document]:
    return Document.objects.filter(
        company=company,
        kind=Kind.PURCHASE_INVOICE,
        due_date__lt=today,
        paid_on__isnull=True,
        paid_amount=0,
        total_incl_vat__isnull=False,
        junk_at__isnull=True,
    ).exclude(status=Document.Status.FAILED)


def to_do(*, company: Company) -> ToDo:
    today = timezone.localdate()
    states = BankTransaction.objects.filter(company=company).filter(STATE_FILTERS["todo"])
    return ToDo(
        transactions=states.count(),
        suggested=states.filter(match_state=MatchState.SUGGESTED).count(),
        overdue_invoices=overdue_invoices(company=company, today=today).count(),
        overdue_documents=overdue_documents(company=company, today=today).count(),
    )


@dataclass(frozen=True)
class Candidate:
    """An open item offered to match by hand."""

    kind: str  # "invoice" or "document"
    public_id: str
    label: str
    party: str
    due_date: datetime.date | None
    left: Decimal  # what is still to pay or receive


def open_item_search(*, company: Company, row: BankTransaction, query: str = "") -> list[Candidate]:
    """Open items in the transaction's direction (a credit: sales invoices and suppliers'
    credit notes; a debit: purchase invoices), nearest amount first, searched by number or
    name when ``query`` is given."""
    query = query.strip()[:100]
    found: list[Candidate] = []
    if row.amount > 0:
        invoices = (
            Invoice.objects.filter(
                company=company, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
            )
            .select_related("customer")
            .annotate(credited=credited_total())
        )
        if query:
            said = Q(number__icontains=query) | Q(customer__name__icontains=query)
            digits = "".join(c for c in query if c.isdigit())
            if len(digits) >= 3:
                said |= Q(structured_communication__contains=digits)
            invoices = invoices.filter(said)
        for invoice in invoices.order_by("due_date")[: SEARCH_LIMIT * 5]:
            total = invoice.total_incl_vat or Decimal("0")
            left = total - invoice.credited - invoice.paid_amount
            found.append(
                Candidate(
                    "invoice",
                    str(invoice.public_id),
                    invoice.number,
                    invoice.customer.name,
                    invoice.due_date,
                    left,
                )
            )
    # money in: a supplier's credit note refunded; money out: a purchase invoice
    kind = Kind.PURCHASE_CREDIT_NOTE if row.amount > 0 else Kind.PURCHASE_INVOICE
    documents = Document.objects.filter(
        company=company,
        kind=kind,
        paid_on__isnull=True,
        total_incl_vat__isnull=False,
        junk_at__isnull=True,
    ).exclude(status=Document.Status.FAILED)
    if query:
        documents = documents.filter(
            Q(number__icontains=query) | Q(counterparty_name__icontains=query)
        )
    for document in documents.order_by("due_date")[: SEARCH_LIMIT * 5]:
        assert document.total_incl_vat is not None
        found.append(
            Candidate(
                "document",
                str(document.public_id),
                document.number or document.original_filename,
                document.counterparty_name,
                document.due_date,
                document.total_incl_vat - document.paid_amount,
            )
        )
    amount = abs(row.amount - row.matched_amount)
    found.sort(key=lambda c: (abs(c.left - amount), c.due_date or datetime.date.max))
    return found[:SEARCH_LIMIT]


def item_get(*, company: Company, kind: str, public_id: str) -> Invoice | Document | None:
    """An invoice or purchase document of the company named in a match by hand."""
    model = Invoice if kind == "invoice" else Document if kind == "document" else None
    if model is None:
        return None
    kept = {"junk_at__isnull": True} if model is Document else {}  # not one deleted as junk
    try:
        return model.objects.filter(company=company, public_id=public_id, **kept).first()
    except ValidationError:  # not a UUID: like a missing one
        return None


def cashflow_summary(*, company: Company) -> Forecast | None:
    """The forecast, for a company on a plan with bank accounts that knows a balance."""
    if entitlements.allowed(company, "bank_accounts") < 1:
        return None
    if not BankAccount.objects.filter(company=company, balance__isnull=False).exists():
        return None
    return forecast(company, timezone.localdate())
