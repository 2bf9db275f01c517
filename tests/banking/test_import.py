"""Importing statement files: each transaction once, into the company's own account named by
the statement's IBAN, the file kept whatever became of it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.banking.models import BankAccount, BankTransaction, Statement, StatementFile
from apps.banking.services.accounts import bank_account_create
from apps.banking.services.statements import statement_import
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from tests.banking.samples import read

pytestmark = pytest.mark.django_db
SINGLE = "Coda_v2_3_single_statement.txt"
MULTI = "Coda_v2_3_multi_statements.txt"
SINGLE_IBAN = "BE86407051416150"
OTHER_IBAN = "BE12341702625236"  # the second statement of MULTI


def _account(company, iban: str = SINGLE_IBAN) -> BankAccount:
    with company_scope(company):
        return BankAccount.objects.create(company=company, iban=iban, name="Zichtrekening")


def _import(company, name: str):
    with company_scope(company):
        return statement_import(company=company, data=read(name), filename=name)


def test_a_coda_statement_is_imported_into_the_account_it_names(company):
    account = _account(company)
    result = _import(company, SINGLE)
    assert result.errors == []
    assert result.statements == 1
    assert result.new == result.transactions > 0
    with company_scope(company):
        statement = Statement.objects.get()
        assert statement.account == account
        assert statement.format == Statement.Format.CODA
        assert BankTransaction.objects.filter(account=account).count() == result.new
        account.refresh_from_db()
        assert account.balance == statement.closing_balance
        assert StatementFile.objects.get().status == StatementFile.Status.IMPORTED


def test_importing_the_same_statement_again_adds_nothing(company):
    _account(company)
    first = _import(company, SINGLE)
    again = _import(company, SINGLE)
    assert again.new == 0
    assert again.duplicates == first.new
    with company_scope(company):
        assert BankTransaction.objects.count() == first.new


def test_a_statement_for_an_account_the_company_has_not_added_is_refused_and_kept(
    company, other_company
):
    theirs = _account(other_company)  # another company's account with that IBAN
    result = _import(company, SINGLE)
    assert [error["code"] for error in result.errors] == ["iban_unknown"]
    assert result.errors[0]["iban"] == SINGLE_IBAN
    with company_scope(company):
        kept = StatementFile.objects.get()
        assert kept.status == StatementFile.Status.REFUSED
        assert kept.file.read() == read(SINGLE)
        assert not Statement.objects.exists()
    with company_scope(other_company):
        assert not BankTransaction.objects.filter(account=theirs).exists()


def test_a_file_with_one_unknown_account_imports_none_of_its_statements(company):
    _account(company)  # the first account of MULTI only
    result = _import(company, MULTI)
    assert [error["code"] for error in result.errors] == ["iban_unknown"]
    assert result.errors[0]["iban"] == OTHER_IBAN
    assert result.new == 0
    with company_scope(company):
        assert not BankTransaction.objects.exists()
        assert not Statement.objects.exists()


def test_a_coda_file_of_version_1_is_refused_with_its_reason_and_kept(company):
    _account(company)
    result = _import(company, "Coda_faulty_version.txt")
    assert [error["code"] for error in result.errors] == ["coda_version"]
    with company_scope(company):
        assert StatementFile.objects.get().status == StatementFile.Status.REFUSED


def test_the_command_prints_one_json_object(company, tmp_path):
    _account(company)
    out = StringIO()
    path = tmp_path / SINGLE
    path.write_bytes(read(SINGLE))
    call_command("bank", "import", "--company", company.slug, str(path), stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {
        "statements",
        "transactions",
        "new",
        "duplicates",
        "matched",
        "suggested",
        "unmatched",
        "errors",
    }
    assert printed["statements"] == 1
    assert printed["new"] == printed["unmatched"] > 0


def test_an_account_needs_a_valid_iban_and_room_in_the_plan(company):
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    with company_scope(company):
        with pytest.raises(DomainError, match="not a valid IBAN"):
            bank_account_create(company=company, iban="BE00 0000 0000 0000")
        account = bank_account_create(company=company, iban="be86 4070 5141 6150", name="Zicht")
        assert account.iban == "BE86407051416150"
        with pytest.raises(DomainError, match="includes 1 bank account"):
            bank_account_create(company=company, iban="NL77ABNA0574908765")
        assert BankAccount.objects.count() == 1
