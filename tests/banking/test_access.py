"""Who may see the bank and change its matches: every Bank page and action, for anonymous,
outsider, accountant of another office, member, accountant and owner (an accountant sees
the payment status of their clients, and changes nothing). Denied requests change nothing,
allowed changes are made."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.banking.models import BankAccount, BankTransaction, Match, MatchState
from apps.billing.models import Plan
from apps.sales.models import Invoice
from tests.access import cases, check_access
from tests.banking import parties
from tests.banking.samples import read

SEE = [302, 404, 404, 200, 200, 200]
CHANGE = [302, 404, 404, 302, 403, 302]
MANAGE = [302, 404, 404, 403, 403, 302]
SINGLE = "Coda_v2_3_single_statement.txt"
MATRIX = [
    ("overview", "get", SEE),
    ("transaction-detail", "get", SEE),
    ("account-create", "post", MANAGE),
    ("statement-upload", "post", CHANGE),
    ("match-again", "post", CHANGE),
    ("match-confirm", "post", CHANGE),
    ("match-undo", "post", CHANGE),
    ("match-manual", "post", CHANGE),
    ("transaction-ignore", "post", CHANGE),
]


def _snapshot():
    return (
        sorted(BankAccount.objects.values_list("iban", flat=True)),
        sorted(BankTransaction.objects.values_list("pk", "match_state")),
        sorted(Match.objects.values_list("pk", "state")),
        sorted(Invoice.objects.values_list("pk", "status", "paid_amount")),
    )


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company):
    company.plan = Plan.objects.get(code="collect-200")
    company.save()
    suggested = parties.suggestion(company)
    row = suggested.transaction
    kwargs = {"company_id": company.public_id}
    if view not in ("overview", "account-create", "statement-upload", "match-again"):
        kwargs["transaction_id"] = row.public_id
    if view == "match-undo":
        kwargs["match_id"] = suggested.public_id
    key = f"invoice:{suggested.invoice.public_id}"
    data = {
        "account-create": {"iban": "BE86 4070 5141 6150"},
        "statement-upload": {"statements": [SimpleUploadedFile("s.cod", read(SINGLE))]},
        "match-confirm": {"proposal": "1"},
        "match-manual": {"item": key, f"amount-{key}": "64.20"},
    }.get(view, {})
    if view == "statement-upload":
        parties.account(company, "BE86407051416150")
    state = lambda: BankTransaction.objects.get(pk=row.pk).match_state  # noqa: E731
    writes = {
        "account-create": lambda: BankAccount.objects.filter(iban="BE86407051416150").exists(),
        "statement-upload": lambda: BankTransaction.objects.count() > 1,
        "match-confirm": lambda: state() == MatchState.MATCHED,
        "match-undo": lambda: Match.objects.get(pk=suggested.pk).state == Match.State.REJECTED,
        "match-manual": lambda: state() == MatchState.MATCHED,
        "transaction-ignore": lambda: state() == MatchState.IGNORED,
    }
    if view == "match-again":
        # an unmatched transaction whose invoice came later: matched again
        invoice = parties.issued_invoice(company, "33.00", reference="")
        parties.transaction(company, "33.00", text=f"factuur {invoice.number}")
        writes["match-again"] = lambda: Invoice.objects.get(pk=invoice.pk).status == "paid"
    url = reverse(f"banking:{view}", kwargs=kwargs)
    wrote = writes[view] if method == "post" else None
    check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )
