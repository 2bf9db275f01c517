"""The fail-closed scoping mechanism itself."""

import pytest

from apps.companies.models import Invitation
from apps.companies.scoping import NoCompanyScope, all_companies, company_scope, current_scope
from apps.companies.tasks import CompanyTask
from okioki.celery import app
from tests import factories


def test_query_without_a_company_raises(company):
    with pytest.raises(NoCompanyScope):
        list(Invitation.objects.all())


def test_scope_filters_to_its_company(company, other_company):
    mine = factories.InvitationFactory(company=company)
    factories.InvitationFactory(company=other_company)
    with company_scope(company):
        assert list(Invitation.objects.all()) == [mine]
        # even an explicit filter on the other company finds nothing
        assert not Invitation.objects.filter(company=other_company).exists()


def test_scope_is_reset_after_an_error(company):
    with pytest.raises(ValueError), company_scope(company):
        raise ValueError("boom")
    assert current_scope() is None


def test_unscoped_is_the_explicit_bypass(company, other_company):
    factories.InvitationFactory(company=company)
    factories.InvitationFactory(company=other_company)
    assert Invitation.objects.unscoped().count() == 2
    with all_companies():
        assert Invitation.objects.count() == 2


def test_company_task_runs_in_its_companys_scope(company, other_company):
    factories.InvitationFactory(company=company)
    factories.InvitationFactory(company=other_company)
    seen = {}

    @app.task(base=CompanyTask, name="tests.count_invitations")
    def count_invitations(company_id):
        seen["count"] = Invitation.objects.count()
        seen["scope"] = current_scope()

    count_invitations.apply(args=[company.pk])
    assert seen == {"count": 1, "scope": company}
    assert current_scope() is None


def test_company_task_for_a_deleted_company_does_nothing(company):
    calls = []

    @app.task(base=CompanyTask, name="tests.noop")
    def noop(company_id):
        calls.append(company_id)

    noop.apply(args=[999_999])
    assert calls == []
