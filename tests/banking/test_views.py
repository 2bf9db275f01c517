"""The Bank page: accounts within the plan, statements imported by upload, the refusals said
in the user's language, and another company's page a 404 like a missing one."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.banking.models import BankAccount, BankTransaction, StatementFile
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from tests.banking.samples import read

pytestmark = pytest.mark.django_db
SINGLE = "Coda_v2_3_single_statement.txt"


@pytest.fixture
def collecting(company):
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    return company


def _url(company, name="banking:overview"):
    return reverse(name, kwargs={"company_id": company.public_id})


def test_the_owner_adds_an_account_and_imports_a_statement(collecting, owner, client_for):
    client = client_for(owner)
    page = client.post(
        _url(collecting, "banking:account-create"),
        {"iban": "BE86 4070 5141 6150", "name": "Zichtrekening"},
        follow=True,
    ).content.decode()
    assert "BE86407051416150" in page
    upload = SimpleUploadedFile(SINGLE, read(SINGLE))
    page = client.post(
        _url(collecting, "banking:statement-upload"), {"statements": [upload]}, follow=True
    ).content.decode()
    assert "1 statement(s) imported" in page
    with company_scope(collecting):
        assert BankTransaction.objects.count() > 0
    assert 'id="transactions"' in page


def test_an_invalid_iban_and_the_plan_limit_are_said(collecting, owner, client_for):
    client = client_for(owner)
    response = client.post(_url(collecting, "banking:account-create"), {"iban": "BE00 1234"})
    assert response.status_code == 400
    assert "is not a valid IBAN" in response.content.decode()
    client.post(_url(collecting, "banking:account-create"), {"iban": "BE86407051416150"})
    page = client.get(_url(collecting)).content.decode()
    assert "includes 1 bank account, in use" in page
    with company_scope(collecting):
        assert BankAccount.objects.count() == 1


def test_a_refused_statement_is_said_in_french_and_kept(collecting, owner, client_for):
    owner.language = "fr"
    owner.save()
    with company_scope(collecting):
        BankAccount.objects.create(company=collecting, iban="NL77ABNA0574908765")
    upload = SimpleUploadedFile(SINGLE, read(SINGLE))
    response = client_for(owner).post(
        _url(collecting, "banking:statement-upload"), {"statements": [upload]}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "BE86407051416150" in page
    assert "n'est pas un des comptes bancaires de cette entreprise" in page
    with company_scope(collecting):
        assert StatementFile.objects.get().status == StatementFile.Status.REFUSED


def test_a_member_imports_but_does_not_add_accounts(collecting, member, client_for):
    client = client_for(member)
    response = client.post(_url(collecting, "banking:account-create"), {"iban": "BE86407051416150"})
    assert response.status_code == 403
    with company_scope(collecting):
        assert not BankAccount.objects.exists()


def test_the_start_plan_has_no_bank_accounts(company, owner, client_for):
    page = client_for(owner).get(_url(company)).content.decode()
    assert "has no bank accounts" in page
