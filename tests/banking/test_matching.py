"""Matching bank transactions with open sales invoices and purchase documents: each rule of
INTEGRATIONS §2.4, its reasons in words, what a person confirms, undoes, splits or matches by
hand, and the payment status that follows — never across companies."""

from decimal import Decimal

import pytest
from django.utils import translation

from apps.banking.models import BankTransaction, Match, MatchState
from apps.banking.reasons import describe
from apps.banking.services.matches import (
    Part,
    match_confirm,
    match_manual,
    match_undo,
    transaction_ignore,
    transactions_match,
)
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.sales.models import Invoice
from tests.banking import parties

pytestmark = pytest.mark.django_db
D = Decimal


def _match(company, *rows: BankTransaction):
    with company_scope(company):
        counts = transactions_match(company=company, transactions=list(rows))
        for row in rows:
            row.refresh_from_db()
        return counts


def _live(company, row: BankTransaction) -> list[Match]:
    with company_scope(company):
        return list(row.matches.exclude(state=Match.State.REJECTED).order_by("proposal", "id"))


def _reload(company, item):
    with company_scope(company):
        item.refresh_from_db()
    return item


def test_the_structured_communication_pays_its_invoice_with_the_reason_in_words(company):
    invoice = parties.issued_invoice(company, "121.00", number="2026-014", reference="010806817183")
    row = parties.transaction(company, "121.00", reference="010806817183", name="Klant BV")
    counts = _match(company, row)
    assert (counts.matched, counts.suggested) == (1, 0)
    [match] = _live(company, row)
    assert match.state == Match.State.MATCHED
    assert match.automatic
    assert match.invoice == invoice
    assert match.amount == D("121.00")
    assert row.match_state == MatchState.MATCHED
    invoice = _reload(company, invoice)
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_on == row.value_date
    assert invoice.paid_by is None
    assert invoice.payment_state == "paid"
    with translation.override("en"):
        assert describe(match.reasons) == (
            "Structured communication +++010/8068/17183+++ matches invoice 2026-014; "
            "amount €121.00 equals the open balance"
        )
    with translation.override("nl"):
        assert "+++010/8068/17183+++" in describe(match.reasons)
        assert "121,00" in describe(match.reasons)


def test_a_smaller_payment_leaves_a_balance_and_a_larger_one_is_only_suggested(company):
    partly = parties.issued_invoice(company, "200.00")
    over = parties.issued_invoice(company, "100.00")
    first = parties.transaction(company, "80.00", reference=partly.structured_communication)
    second = parties.transaction(company, "130.00", reference=over.structured_communication)
    _match(company, first, second)
    assert first.match_state == MatchState.MATCHED
    partly = _reload(company, partly)
    assert partly.status == Invoice.Status.ISSUED
    assert partly.paid_amount == D("80.00")
    assert partly.payment_state in ("partly_paid", "overdue")
    assert second.match_state == MatchState.SUGGESTED
    [suggestion] = _live(company, second)
    assert suggestion.state == Match.State.SUGGESTED
    with translation.override("en"):
        assert "€30.00 more than the open balance of €100.00" in describe(suggestion.reasons)


def test_an_ogm_typed_with_wrong_separators_in_the_free_text_still_pays(company):
    invoice = parties.issued_invoice(company, "55.10", reference="010806817183")
    row = parties.transaction(company, "55.10", text="factuur 010 8068 17183 bedankt")
    _match(company, row)
    [match] = _live(company, row)
    assert match.invoice == invoice
    assert match.state == Match.State.MATCHED
    assert match.reasons[0]["where"] == "text"


def test_a_known_account_with_one_equal_open_amount_pays_without_communication(company):
    klant = parties.customer(company, "Brasserie Lux")
    earlier = parties.issued_invoice(company, "40.00", to=klant)
    invoice = parties.issued_invoice(company, "75.00", to=klant)
    parties.issued_invoice(company, "75.00")  # another customer's, same amount
    paid = parties.transaction(
        company, "40.00", iban="BE71096123456769", reference=earlier.structured_communication
    )
    _match(company, paid)  # the account is now known as Brasserie Lux's
    row = parties.transaction(company, "75.00", iban="BE71096123456769", name="LUX BRASSERIE")
    _match(company, row)
    [match] = _live(company, row)
    assert match.invoice == invoice
    assert match.state == Match.State.MATCHED
    assert [r["rule"] for r in match.reasons] == ["iban_known", "amount_equal"]


def test_the_invoice_number_in_the_text_with_the_amount_pays(company):
    invoice = parties.issued_invoice(company, "99.00", number="2026-077", reference="")
    row = parties.transaction(company, "99.00", text="betaling factuur 2026-077")
    _match(company, row)
    [match] = _live(company, row)
    assert match.invoice == invoice
    assert match.state == Match.State.MATCHED


def test_a_similar_name_with_the_amount_is_only_a_suggestion(company):
    klant = parties.customer(company, "Bakkerij Van den Broeck NV")
    invoice = parties.issued_invoice(company, "64.20", to=klant, reference="")
    row = parties.transaction(company, "64.20", name="VAN DEN BROECK BAKKERIJ")
    _match(company, row)
    [suggestion] = _live(company, row)
    assert suggestion.invoice == invoice
    assert suggestion.state == Match.State.SUGGESTED
    assert _reload(company, invoice).status == Invoice.Status.ISSUED


def test_open_items_of_one_supplier_that_add_up_are_suggested_with_its_credit_note(company, owner):
    iban = "BE62510007547061"
    first = parties.purchase(company, "100.00", iban=iban)
    second = parties.purchase(company, "50.00", iban=iban)
    credit = parties.purchase(company, "30.00", iban=iban, credit_note=True)
    parties.purchase(company, "999.00", supplier="Ander BV")
    row = parties.transaction(company, "-120.00", iban=iban, name="Drukkerij Peeters")
    _match(company, row)
    suggestions = _live(company, row)
    assert {m.document for m in suggestions} == {first, second, credit}
    assert {m.proposal for m in suggestions} == {1}
    assert sum(m.amount for m in suggestions) == D("-120.00")
    with company_scope(company):
        match_confirm(company=company, transaction_row=row, proposal=1, actor=owner)
        row.refresh_from_db()
    assert row.match_state == MatchState.MATCHED
    assert [_reload(company, d).payment_state for d in (first, second)] == ["paid", "paid"]
    assert _reload(company, credit).paid_amount == D("30.00")  # netted


def test_a_debit_pays_a_purchase_invoice_by_its_communication(company, owner):
    document = parties.purchase(company, "363.00", reference="090933755493")
    row = parties.transaction(company, "-363.00", reference="090933755493")
    _match(company, row)
    [match] = _live(company, row)
    assert match.document == document
    assert match.amount == D("-363.00")
    document = _reload(company, document)
    assert document.payment_state == "paid"
    assert document.paid_amount == D("363.00")


def test_an_unrelated_debit_stays_on_the_to_do_list(company):
    parties.issued_invoice(company, "50.00")
    row = parties.transaction(company, "-12.34", name="Bancontact kosten")
    counts = _match(company, row)
    assert (counts.matched, counts.suggested) == (0, 0)
    assert row.match_state == MatchState.UNMATCHED


def test_confirming_a_suggestion_pays_and_dismisses_the_others(company, owner):
    klant = parties.customer(company, "Bakkerij Van den Broeck NV")
    invoice = parties.issued_invoice(company, "64.20", to=klant, reference="")
    row = parties.transaction(company, "64.20", name="VAN DEN BROECK BAKKERIJ")
    _match(company, row)
    with company_scope(company):
        match_confirm(company=company, transaction_row=row, proposal=1, actor=owner)
        row.refresh_from_db()
    [match] = _live(company, row)
    assert match.state == Match.State.MATCHED
    assert match.decided_by == owner
    assert row.match_state == MatchState.MATCHED
    assert _reload(company, invoice).status == Invoice.Status.PAID


def test_undoing_an_automatic_match_reopens_the_invoice_and_is_never_proposed_again(company, owner):
    invoice = parties.issued_invoice(company, "121.00")
    row = parties.transaction(company, "121.00", reference=invoice.structured_communication)
    _match(company, row)
    [match] = _live(company, row)
    with company_scope(company):
        match_undo(company=company, match=match, actor=owner)
        row.refresh_from_db()
    assert row.match_state == MatchState.UNMATCHED
    invoice = _reload(company, invoice)
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.paid_amount == 0
    _match(company, row)
    assert _live(company, row) == []
    assert row.match_state == MatchState.UNMATCHED


def test_a_transaction_split_by_hand_over_two_invoices(company, owner):
    first = parties.issued_invoice(company, "100.00")
    second = parties.issued_invoice(company, "60.00")
    row = parties.transaction(company, "130.00", name="Iemand")
    with company_scope(company):
        match_manual(
            company=company,
            transaction_row=row,
            parts=[Part(first, D("100.00")), Part(second, D("30.00"))],
            actor=owner,
        )
        row.refresh_from_db()
    assert row.match_state == MatchState.MATCHED
    assert _reload(company, first).status == Invoice.Status.PAID
    second = _reload(company, second)
    assert second.status == Invoice.Status.ISSUED
    assert second.paid_amount == D("30.00")
    with company_scope(company), pytest.raises(DomainError) as refused:
        match_manual(
            company=company, transaction_row=row, parts=[Part(second, D("1.00"))], actor=owner
        )
    assert refused.value.code == "too_much"


def test_nothing_matches_across_companies(company, other_company, owner):
    theirs = parties.issued_invoice(other_company, "121.00", reference="010806817183")
    row = parties.transaction(company, "121.00", reference="010806817183")
    _match(company, row)
    assert _live(company, row) == []
    with company_scope(company), pytest.raises(DomainError) as refused:
        match_manual(
            company=company, transaction_row=row, parts=[Part(theirs, D("121.00"))], actor=owner
        )
    assert refused.value.code == "not_found"
    assert _reload(other_company, theirs).status == Invoice.Status.ISSUED


def test_a_transaction_with_nothing_to_match_leaves_the_to_do_list(company, owner):
    row = parties.transaction(company, "-5.00", name="Bankkosten")
    with company_scope(company):
        transaction_ignore(company=company, transaction_row=row, actor=owner)
        row.refresh_from_db()
    assert row.match_state == MatchState.IGNORED


def test_a_second_payment_of_a_paid_invoice_is_not_matched_to_another_by_its_account(
    company,
):
    klant = parties.customer(company, "Brasserie Lux")
    paid = parties.issued_invoice(company, "75.00", to=klant)
    other = parties.issued_invoice(company, "75.00", to=klant)
    iban = "BE71096123456769"
    first = parties.transaction(
        company, "75.00", iban=iban, reference=paid.structured_communication
    )
    _match(company, first)
    again = parties.transaction(
        company, "75.00", iban=iban, reference=paid.structured_communication
    )
    _match(company, again)
    assert again.match_state == MatchState.SUGGESTED  # the payer named the paid one
    assert _reload(company, other).status == Invoice.Status.ISSUED


def test_an_ogm_typed_in_groups_of_four_still_pays(company):
    invoice = parties.issued_invoice(company, "55.10", reference="010806817183")
    row = parties.transaction(company, "55.10", text="OGM 0108 0681 7183")
    _match(company, row)
    [match] = _live(company, row)
    assert match.invoice == invoice
    assert match.state == Match.State.MATCHED


def test_a_known_account_owing_the_amount_twice_is_told_apart_by_the_number(company):
    klant = parties.customer(company, "Abonnee BV")
    iban = "BE71096123456769"
    earlier = parties.issued_invoice(company, "30.00", to=klant)
    _match(
        company,
        parties.transaction(
            company, "30.00", iban=iban, reference=earlier.structured_communication
        ),
    )
    parties.issued_invoice(company, "30.00", to=klant, number="2026-501", reference="")
    second = parties.issued_invoice(company, "30.00", to=klant, number="2026-502", reference="")
    row = parties.transaction(company, "30.00", iban=iban, text="abonnement 2026-502")
    _match(company, row)
    [match] = _live(company, row)
    assert match.invoice == second
    assert match.state == Match.State.MATCHED


def test_short_numbers_are_not_read_in_card_payment_texts(company):
    parties.purchase(company, "23.40", number="4711", supplier="Drukkerij")
    row = parties.transaction(company, "-23.40", text="BANCONTACT 4711 XXXX 1234 WINKEL")
    _match(company, row)
    assert row.match_state == MatchState.UNMATCHED
