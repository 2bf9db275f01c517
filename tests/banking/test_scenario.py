"""The issue's scenario, end to end through a CODA file: ten issued invoices with their
structured communications; a statement pays six exactly, one partly, one with the
communication typed with wrong separators in the free text, one from a known account without
communication, and has one unrelated debit. Each lands where it should, with its reasons."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from apps.banking.models import BankTransaction, Match, MatchState
from apps.banking.parsers import ParsedStatement, ParsedTransaction
from apps.banking.reasons import describe
from apps.banking.services.statements import statement_import
from apps.companies.scoping import company_scope
from apps.sales.models import Invoice
from tests.banking import parties
from tests.banking.writers import write_coda

pytestmark = pytest.mark.django_db
IBAN = "BE68539007547034"
KNOWN = "BE71096123456769"  # the account Brasserie Lux paid from before
DAY = datetime.date(2026, 11, 20)


def _coda(number: str, opening: str, moves: list[ParsedTransaction]) -> bytes:
    closing = Decimal(opening) + sum((m.amount for m in moves), Decimal("0"))
    statement = ParsedStatement(
        account_iban=IBAN,
        currency="EUR",
        number=number,
        date=DAY,
        opening_balance=Decimal(opening),
        closing_balance=closing,
        transactions=moves,
    )
    return write_coda([statement])


def _move(amount: str, *, name: str, iban: str = "", ogm: str = "", text: str = ""):
    return ParsedTransaction(
        booking_date=DAY,
        value_date=DAY,
        amount=Decimal(amount),
        currency="EUR",
        counterparty_name=name,
        counterparty_iban=iban,
        structured_reference=ogm,
        free_text=text,
    )


def _import(company, data: bytes, name: str):
    with company_scope(company):
        return statement_import(company=company, data=data, filename=name)


def test_a_coda_statement_pays_what_it_should_and_says_why(company):
    parties.account(company, IBAN)
    lux = parties.customer(company, "Brasserie Lux")
    invoices = [parties.issued_invoice(company, f"{100 + 11 * n}.00") for n in range(8)]
    earlier = parties.issued_invoice(company, "40.00", to=lux)
    by_account = parties.issued_invoice(company, "250.00", to=lux)
    assert len(invoices) + 2 == 10
    # an earlier statement: Brasserie Lux paid from its account (which OkiOki now knows)
    first = _coda(
        "101",
        "1000.00",
        [_move("40.00", name="Brasserie Lux", iban=KNOWN, ogm=earlier.structured_communication)],
    )
    assert _import(company, first, "101.cod").matched == 1

    exact = invoices[:6]
    partly, typed = invoices[6], invoices[7]
    ogm = typed.structured_communication
    moves = [
        *(
            _move(str(i.total_incl_vat), name=f"Klant {n}", ogm=i.structured_communication)
            for n, i in enumerate(exact)
        ),
        _move("50.00", name="Klant zeven", ogm=partly.structured_communication),
        _move(
            str(typed.total_incl_vat),
            name="Klant acht",
            text=f"fact. {ogm[:3]}.{ogm[3:7]}.{ogm[7:]} dank",
        ),
        _move("250.00", name="LUX", iban=KNOWN),
        _move("-87.45", name="Tankstation Total", text="BRANDSTOF 19/11"),
    ]
    result = _import(company, _coda("102", "1040.00", moves), "102.cod")
    assert result.errors == []
    assert (result.new, result.matched, result.suggested, result.unmatched) == (10, 9, 0, 1)

    with company_scope(company):
        for invoice in [*exact, typed, by_account]:
            invoice.refresh_from_db()
            assert invoice.status == Invoice.Status.PAID, invoice.number
            assert invoice.paid_on == DAY
        partly.refresh_from_db()
        assert partly.status == Invoice.Status.ISSUED
        assert partly.paid_amount == Decimal("50.00")
        rules = {
            m.invoice_id: [r["rule"] for r in m.reasons]
            for m in Match.objects.filter(transaction__statement__number="102")
        }
        debit = BankTransaction.objects.get(amount=Decimal("-87.45"))
        typed_match = Match.objects.get(invoice=typed)
        exact_match = Match.objects.get(invoice=exact[0])
    assert {rules[i.pk][0] for i in exact} == {"reference"}
    assert rules[partly.pk] == ["reference", "amount_partial"]
    assert typed_match.reasons[0]["where"] == "text"
    assert rules[by_account.pk] == ["iban_known", "amount_equal"]
    assert debit.match_state == MatchState.UNMATCHED
    with translation.override("en"):
        sentence = describe(exact_match.reasons)
    assert sentence.startswith(
        f"Structured communication +++{exact[0].structured_communication[:3]}/"
    )
    assert sentence.endswith(
        f"matches invoice {exact[0].number}; amount €100.00 equals the open balance"
    )
    with translation.override("fr"):
        assert "correspond à la facture" in describe(exact_match.reasons)


def test_the_same_statement_again_or_for_another_company_adds_nothing(company, other_company):
    parties.account(company, IBAN)
    invoice = parties.issued_invoice(company, "121.00")
    data = _coda("7", "0.00", [_move("121.00", name="Klant", ogm=invoice.structured_communication)])
    assert _import(company, data, "7.cod").matched == 1
    again = _import(company, data, "7.cod")
    assert (again.new, again.duplicates, again.matched) == (0, 1, 0)
    refused = _import(other_company, data, "7.cod")  # their company has no such account
    assert [e["code"] for e in refused.errors] == ["iban_unknown"]
    with company_scope(company):
        assert Match.objects.count() == 1
