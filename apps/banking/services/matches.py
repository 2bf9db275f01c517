"""Matching bank transactions with what they pay: sales invoices and purchase documents.

Invariants:
- everything is of one company: open items, transactions and the IBANs learned from earlier
  matches are read with the company's filter, and a person can only name items of it;
- a transaction's matches never add up to more than its amount (``amount`` of a match is
  signed like the money: + received, - paid);
- an undone match stays (rejected): the rules never propose it again;
- after every change the items' payments (``paid_amount``, paid on the value date of the
  last payment) and the transaction's ``match_state`` follow, in the same transaction.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.banking.matching import (
    Matcher,
    Movement,
    OpenItem,
    Proposal,
    normalise_name,
    normalise_reference,
)
from apps.banking.models import BankTransaction, Match, MatchState
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.documents.models import Document, Kind
from apps.documents.services import PAYABLE_KINDS, documents_record_payments
from apps.sales.models import Invoice
from apps.sales.services.invoices import credited_total, invoices_record_payments

ZERO = Decimal("0")


@dataclass
class MatchCounts:
    matched: int = 0
    suggested: int = 0


# open items ------------------------------------------------------------------------------


def _sales_items(company: Company) -> list[OpenItem]:
    invoices = (
        Invoice.objects.filter(
            company=company, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
        )
        .annotate(credited=credited_total())
        # the columns the rules read, not thousands of invoices and customers made into models
        .values(
            "pk",
            "number",
            "total_incl_vat",
            "credited",
            "paid_amount",
            "customer_id",
            "customer_snapshot",
            "customer__name",
            "structured_communication",
            "due_date",
            "issue_date",
        )
        .order_by("due_date", "pk")  # equal proposals in the same order on every database
    )
    items = []
    for invoice in invoices:
        left = (invoice["total_incl_vat"] or ZERO) - invoice["credited"] - invoice["paid_amount"]
        if left <= 0:
            continue
        items.append(
            OpenItem(
                kind="invoice",
                pk=invoice["pk"],
                number=invoice["number"],
                open=left,
                party=f"c:{invoice['customer_id']}",
                party_name=invoice["customer_snapshot"].get("name") or invoice["customer__name"],
                reference=invoice["structured_communication"],
                due_date=invoice["due_date"],
                issue_date=invoice["issue_date"],
            )
        )
    return items


def _document_party(document: Document) -> str:
    if document.supplier_id:
        return f"s:{document.supplier_id}"
    return f"n:{normalise_name(document.counterparty_name)}"


def _purchase_items(company: Company) -> list[OpenItem]:
    documents = (
        Document.objects.filter(
            company=company,
            kind__in=PAYABLE_KINDS,
            total_incl_vat__isnull=False,
            paid_on__isnull=True,
            junk_at__isnull=True,
        )
        .exclude(status=Document.Status.FAILED)
        .select_related("supplier")
        .order_by("due_date", "pk")
    )
    items = []
    for document in documents:
        assert document.total_incl_vat is not None
        left = document.total_incl_vat - document.paid_amount
        if left <= 0:
            continue
        credit = document.kind == Kind.PURCHASE_CREDIT_NOTE
        ibans = {document.counterparty_iban}
        if document.supplier is not None:
            ibans.add(document.supplier.iban)
        items.append(
            OpenItem(
                kind="document",
                pk=document.pk,
                number=document.number or document.original_filename,
                open=left if credit else -left,  # a purchase invoice is money going out
                party=_document_party(document),
                party_name=document.counterparty_name,
                reference=normalise_reference(document.structured_communication),
                due_date=document.due_date,
                issue_date=document.issue_date,
                ibans=ibans - {""},
                is_credit_note=credit,
            )
        )
    return items


def _known_ibans(company: Company) -> dict[str, set[str]]:
    """The parties each counterparty account paid or was paid by, from confirmed matches."""
    known: dict[str, set[str]] = defaultdict(set)
    rows = (
        Match.objects.filter(company=company, state=Match.State.MATCHED)
        .exclude(transaction__counterparty_iban="")
        .values_list(
            "transaction__counterparty_iban",
            "invoice__customer_id",
            "document__supplier_id",
            "document__counterparty_name",
        )
        .distinct()
    )
    for iban, customer_id, supplier_id, name in rows:
        if customer_id:
            known[iban].add(f"c:{customer_id}")
        elif supplier_id:
            known[iban].add(f"s:{supplier_id}")
        elif name:
            known[iban].add(f"n:{normalise_name(name)}")
    return known


def _movement(row: BankTransaction) -> Movement:
    return Movement(
        pk=row.pk,
        amount=row.amount,
        date=row.value_date or row.booking_date,
        counterparty_name=row.counterparty_name,
        counterparty_iban=row.counterparty_iban,
        structured_reference=row.structured_reference,
        free_text=row.free_text,
    )


# the rules, applied ----------------------------------------------------------------------


def _ids(item: OpenItem) -> tuple[int | None, int | None]:
    """(invoice id, document id) of an open item."""
    return (item.pk, None) if item.kind == "invoice" else (None, item.pk)


def _rows(
    row: BankTransaction, proposal: Proposal, state: str, number: int, now: Any
) -> list[Match]:
    return [
        Match(
            company_id=row.company_id,
            transaction=row,
            invoice_id=_ids(item)[0],
            document_id=_ids(item)[1],
            amount=amount,
            state=state,
            proposal=number,
            automatic=state == Match.State.MATCHED,
            score=proposal.score,
            reasons=proposal.reasons,
            decided_at=now if state == Match.State.MATCHED else None,
        )
        for item, amount in proposal.parts
    ]


@transaction.atomic
def transactions_match(
    *, company: Company, transactions: list[BankTransaction] | None = None
) -> MatchCounts:
    """Apply the rules to the transactions not matched yet (``transactions``, or all of the
    company's): the best proposal is matched when it is sure enough, else up to three are
    suggested. Open items are read once; each match lowers what is left of its items for
    the next transaction."""
    if transactions is None:
        transactions = list(
            BankTransaction.objects.filter(company=company, match_state=MatchState.UNMATCHED)
        )
    pending = sorted(
        (row for row in transactions if row.match_state == MatchState.UNMATCHED),
        key=lambda row: (row.booking_date, row.pk),
    )
    counts = MatchCounts()
    if not pending:
        return counts
    matcher = Matcher(_sales_items(company) + _purchase_items(company), _known_ibans(company))
    # an item once proposed for a transaction is never proposed again (undone: rejected)
    known: set[tuple[int, int | None, int | None]] = set(
        Match.objects.filter(company=company, transaction__in=[r.pk for r in pending]).values_list(
            "transaction_id", "invoice_id", "document_id"
        )
    )
    now = timezone.now()
    rows: list[Match] = []
    changed = []
    for row in pending:
        proposals = [
            proposal
            for proposal in matcher.propose(_movement(row))
            if not any((row.pk, *_ids(item)) in known for item, _amount in proposal.parts)
        ]
        if not proposals:
            continue
        if proposals[0].automatic:
            best = proposals[0]
            matcher.take(best)
            rows += _rows(row, best, Match.State.MATCHED, 1, now)
            row.matched_amount = sum((amount for _item, amount in best.parts), ZERO)
            row.match_state = _state(row.amount, row.matched_amount, suggested=False)
            counts.matched += 1
        else:
            for number, proposal in enumerate(proposals, 1):
                rows += _rows(row, proposal, Match.State.SUGGESTED, number, now)
            row.match_state = MatchState.SUGGESTED
            counts.suggested += 1
        changed.append(row)
    Match.objects.bulk_create(rows, batch_size=500)
    _save_states(company, changed)
    _settle(
        company,
        invoices={m.invoice_id for m in rows if m.invoice_id and m.state == Match.State.MATCHED},
        documents={m.document_id for m in rows if m.document_id and m.state == Match.State.MATCHED},
    )
    return counts


def _save_states(company: Company, rows: list[BankTransaction]) -> None:
    """The rows' ``match_state`` and ``matched_amount`` saved with one UPDATE per outcome
    (matched in full, suggested…), not ``bulk_update``: its CASE branch per row takes Django
    longer to build than the rules take to match."""
    groups: dict[tuple[str, Decimal | F], list[int]] = defaultdict(list)
    for row in rows:
        matched = F("amount") if row.matched_amount == row.amount else row.matched_amount
        groups[(row.match_state, matched)].append(row.pk)
    for (state, matched), pks in groups.items():
        for start in range(0, len(pks), 500):
            BankTransaction.objects.filter(company=company, pk__in=pks[start : start + 500]).update(
                match_state=state, matched_amount=matched, updated_at=timezone.now()
            )


def _state(amount: Decimal, matched: Decimal, *, suggested: bool) -> str:
    if matched != ZERO:
        return MatchState.MATCHED if abs(matched) >= abs(amount) else MatchState.PARTLY
    return MatchState.SUGGESTED if suggested else MatchState.UNMATCHED


def _settle(company: Company, *, invoices: set[int], documents: set[int]) -> None:
    """The items' payments follow their matches: the sum, and the last payment's date."""
    paid_on = Coalesce("transaction__value_date", "transaction__booking_date")
    for field, ids, record in (
        ("invoice_id", invoices, invoices_record_payments),
        ("document_id", documents, documents_record_payments),
    ):
        if not ids:
            continue
        payments: dict[int, tuple[Decimal, datetime.date | None]] = dict.fromkeys(ids, (ZERO, None))
        sums = (
            Match.objects.filter(
                company=company, state=Match.State.MATCHED, **{f"{field}__in": ids}
            )
            .values(field)
            .annotate(total=Sum("amount"), last=Max(paid_on))
        )
        for row in sums:
            payments[row[field]] = (abs(row["total"]), row["last"])
        record(company=company, payments=payments)


def _refresh(company: Company, row: BankTransaction) -> None:
    """The transaction's state from its matches, after a person changed them."""
    live = Match.objects.filter(company=company, transaction=row).exclude(
        state=Match.State.REJECTED
    )
    matched = live.filter(state=Match.State.MATCHED).aggregate(total=Sum("amount"))["total"]
    row.matched_amount = matched or ZERO
    if row.match_state != MatchState.IGNORED or row.matched_amount:
        suggested = live.filter(state=Match.State.SUGGESTED).exists()
        row.match_state = _state(row.amount, row.matched_amount, suggested=suggested)
    row.save(update_fields=["match_state", "matched_amount", "updated_at"])


def _locked(company: Company, row: BankTransaction) -> BankTransaction:
    return BankTransaction.objects.select_for_update().get(company=company, pk=row.pk)


def _affected(matches: list[Match]) -> dict[str, set[int]]:
    return {
        "invoices": {m.invoice_id for m in matches if m.invoice_id},
        "documents": {m.document_id for m in matches if m.document_id},
    }


# what a person does ----------------------------------------------------------------------


@transaction.atomic
def match_confirm(
    *, company: Company, transaction_row: BankTransaction, proposal: int, actor: User
) -> list[Match]:
    """Confirm one suggested proposal (all its items); the other suggestions are dismissed."""
    row = _locked(company, transaction_row)
    suggested = list(
        Match.objects.filter(company=company, transaction=row, state=Match.State.SUGGESTED)
    )
    chosen = [m for m in suggested if m.proposal == proposal]
    if not chosen:
        raise DomainError(_("This suggestion is no longer there."), code="gone")
    matched = row.matched_amount + sum((m.amount for m in chosen), ZERO)
    if abs(matched) > abs(row.amount) or (matched > 0) != (row.amount > 0):
        raise DomainError(
            _("This would match more than the transaction's amount."), code="too_much"
        )
    now = timezone.now()
    for match in suggested:
        match.state = Match.State.MATCHED if match in chosen else Match.State.REJECTED
        match.decided_by, match.decided_at = actor, now
    Match.objects.bulk_update(suggested, ["state", "decided_by", "decided_at", "updated_at"])
    _refresh(company, row)
    _settle(company, **_affected(chosen))
    return chosen


@transaction.atomic
def match_undo(*, company: Company, match: Match, actor: User) -> Match:
    """Undo a match (automatic ones too) or dismiss a suggestion: it stays, rejected, and its
    item is open again for what it covered."""
    match = Match.objects.select_for_update().get(company=company, pk=match.pk)
    if match.state == Match.State.REJECTED:
        return match
    row = _locked(company, match.transaction)
    match.state = Match.State.REJECTED
    match.decided_by, match.decided_at = actor, timezone.now()
    match.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    _refresh(company, row)
    _settle(company, **_affected([match]))
    return match


@dataclass(frozen=True)
class Part:
    """What a person says a transaction pays: one item and how much of it (positive)."""

    item: Invoice | Document
    amount: Decimal


def _direction(item: Invoice | Document) -> int:
    """+1: money we receive for it; -1: money we pay."""
    if isinstance(item, Invoice):
        return 1
    return 1 if item.kind == Kind.PURCHASE_CREDIT_NOTE else -1


def _check_part(company: Company, part: Part) -> None:
    item = part.item
    if item.company_id != company.pk:
        raise DomainError(_("This invoice or document was not found."), code="not_found")
    if isinstance(item, Invoice):
        if item.kind != Invoice.Kind.INVOICE or item.status == Invoice.Status.DRAFT:
            raise DomainError(
                _("Only an issued invoice can be matched with a payment."), code="not_payable"
            )
    elif item.kind not in PAYABLE_KINDS:
        raise DomainError(
            _("Only a purchase invoice or credit note can be matched with a payment."),
            code="not_payable",
        )
    if part.amount <= 0:
        raise DomainError(_("Each amount must be more than zero."), code="amount")


@transaction.atomic
def match_manual(
    *, company: Company, transaction_row: BankTransaction, parts: list[Part], actor: User
) -> list[Match]:
    """Match a transaction by hand with one item or split it over several: the amounts, in
    the money's direction, add up to no more than what is left of the transaction. Its
    suggestions are dismissed."""
    if not parts:
        raise DomainError(_("Choose at least one invoice or document."), code="empty")
    for part in parts:
        _check_part(company, part)
    row = _locked(company, transaction_row)
    signed = [(part, part.amount * _direction(part.item)) for part in parts]
    total = row.matched_amount + sum((amount for _part, amount in signed), ZERO)
    if (total > 0) != (row.amount > 0) or abs(total) > abs(row.amount):
        left = abs(row.amount - row.matched_amount)
        raise DomainError(
            _("The amounts add up to more than is left of this transaction (%(left)s).")
            % {"left": f"{left:.2f}"},
            code="too_much",
        )
    live = Match.objects.filter(company=company, transaction=row).exclude(
        state=Match.State.REJECTED
    )
    taken = {(m.invoice_id, m.document_id) for m in live.filter(state=Match.State.MATCHED)}
    now = timezone.now()
    created = []
    live.filter(state=Match.State.SUGGESTED).update(
        state=Match.State.REJECTED, decided_by=actor, decided_at=now
    )
    for part, amount in signed:
        invoice = part.item if isinstance(part.item, Invoice) else None
        document = part.item if isinstance(part.item, Document) else None
        key = (invoice.pk if invoice else None, document.pk if document else None)
        if key in taken:
            raise DomainError(
                _("%(item)s is already matched with this transaction.") % {"item": part.item},
                code="already_matched",
            )
        created.append(
            Match.objects.create(
                company=company,
                transaction=row,
                invoice=invoice,
                document=document,
                amount=amount,
                state=Match.State.MATCHED,
                score=Decimal("1"),
                reasons=[{"rule": "manual"}],
                decided_by=actor,
                decided_at=now,
            )
        )
    _refresh(company, row)
    _settle(company, **_affected(created))
    return created


@transaction.atomic
def transaction_ignore(
    *, company: Company, transaction_row: BankTransaction, actor: User, ignore: bool = True
) -> BankTransaction:
    """Nothing to match (bank costs, a transfer between own accounts…): off the to-do list;
    or back on it. A transaction with matches is not ignored: undo them first."""
    row = _locked(company, transaction_row)
    if ignore:
        if row.matched_amount:
            raise DomainError(
                _("This transaction has matches: undo them first."), code="has_matches"
            )
        Match.objects.filter(company=company, transaction=row, state=Match.State.SUGGESTED).update(
            state=Match.State.REJECTED, decided_by=actor, decided_at=timezone.now()
        )
        row.match_state = MatchState.IGNORED
        row.save(update_fields=["match_state", "updated_at"])
    elif row.match_state == MatchState.IGNORED:
        row.match_state = MatchState.UNMATCHED
        row.save(update_fields=["match_state", "updated_at"])
    return row
