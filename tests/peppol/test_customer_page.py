"""A customer's page says whether the customer is on Peppol: checked in a worker the first
time (the page does not wait for the network), then shown with the time of the check."""

import pytest
from django.urls import reverse

from apps.peppol import lookup
from tests import factories
from tests.peppol.conftest import INVOICE


def _page(client, customer) -> str:
    url = reverse(
        "sales:customer-detail",
        kwargs={"company_id": customer.company.public_id, "customer_id": customer.public_id},
    )
    return client.get(url).content.decode()


@pytest.mark.django_db
def test_a_customer_on_peppol_is_shown_so_after_the_check(
    peppol_network, company, owner, client_for, django_capture_on_commit_callbacks
):
    sml, smp = peppol_network
    customer = factories.CustomerFactory(company=company)
    participant = f"0208:{customer.enterprise_number}"
    sml.register(participant, smp.url)
    smp.document_types[participant] = [INVOICE]
    client = client_for(owner)
    with django_capture_on_commit_callbacks() as callbacks:
        first = _page(client, customer)
        _page(client, customer)  # looked at again before the worker answered
    assert "Checking whether this customer receives e-invoices over Peppol" in first
    assert len(callbacks) == 1  # one check, not one per page view
    callbacks[0]()  # the worker's check
    page = _page(client, customer)
    assert f"On Peppol as {participant} (checked " in page


@pytest.mark.django_db
def test_a_customer_not_on_peppol_gets_its_invoices_by_email_said_in_french(
    peppol_network, company, owner, client_for, django_capture_on_commit_callbacks
):
    owner.language = "fr"
    owner.save()
    customer = factories.CustomerFactory(company=company)
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _page(client, customer)
    page = _page(client, customer)
    assert "Pas sur Peppol (vérifié le " in page
    assert "les factures partent par e-mail" in page


@pytest.mark.django_db
def test_a_private_customer_without_numbers_has_no_peppol_line(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    customer = factories.CustomerFactory(company=company, enterprise_number="", vat_id="")
    with django_capture_on_commit_callbacks() as callbacks:
        page = _page(client_for(owner), customer)
    assert 'id="peppol-status"' not in page
    assert callbacks == []


@pytest.mark.django_db
def test_a_customer_peppol_cannot_be_checked_for_is_said_so_not_checked_forever(
    silent_dns, company, owner, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(lookup, "DNS_SECONDS", 0.3)
    customer = factories.CustomerFactory(company=company)
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _page(client, customer)
    with django_capture_on_commit_callbacks() as callbacks:
        page = _page(client, customer)
    assert "Peppol could not be checked at " in page
    assert "Checking whether" not in page
    assert callbacks == []  # asked again in a few minutes, not at every page
