"""`manage.py deliveries`: operators list deliveries and retry failed ones."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from tests import factories
from tests.connections.conftest import ready_document


def _run(*args: str) -> str:
    out = StringIO()
    call_command("deliveries", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_lists_deliveries_of_one_company_by_status(company, other_company):
    failed = factories.DeliveryFactory(company=company, status=Delivery.Status.FAILED)
    factories.DeliveryFactory(company=company, status=Delivery.Status.SENT)
    factories.DeliveryFactory(company=other_company, status=Delivery.Status.FAILED)
    output = _run("--company", company.slug, "--status", "failed")
    assert str(failed.public_id) in output
    assert output.count("\n") == 1
    assert other_company.slug not in output


@pytest.mark.django_db
def test_retry_sends_the_failed_ones_again(company, smtp):
    factories.TransferFactory(company=company)
    ready_document(company)
    with company_scope(company):
        Delivery.objects.update(status=Delivery.Status.FAILED)
    output = _run("--company", company.slug, "--status", "failed", "--retry")
    assert "retried: sent" in output
    assert len(smtp.wait_for(1)) == 1
    # and again: nothing failed any more, nothing sent twice
    assert _run("--status", "failed", "--retry") == "No deliveries.\n"
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_an_unknown_company_is_an_error():
    with pytest.raises(CommandError, match="No active company"):
        _run("--company", "nope")
