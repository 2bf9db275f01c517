"""Tenant isolation, walked over every URL pattern: another company's object is a 404.

Later apps get this for free: every URL with ``<company_id>`` is found automatically. A URL
with another object kwarg needs an entry in OBJECT_FACTORIES (the test says so if missing).
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.companies.models import Company
from tests import factories
from tests.banking import parties

# kwarg name -> makes an object of the given company and returns the value for the URL
OBJECT_FACTORIES: dict[str, Callable[[Company], Any]] = {
    "invitation_id": lambda c: factories.InvitationFactory(company=c).public_id,
    "membership_id": lambda c: factories.MembershipFactory(company=c).public_id,
    "link_id": lambda c: factories.OfficeClientLinkFactory(company=c).public_id,
    "section": lambda c: "sales",
    "document_id": lambda c: factories.DocumentFactory(company=c).public_id,
    "number": lambda c: 1,  # a page of a document
    "supplier_id": lambda c: factories.SupplierFactory(company=c).public_id,
    "mailbox_id": lambda c: factories.MailboxFactory(company=c).public_id,
    "provider": lambda c: "google",  # sign-in with Google or Microsoft: no object
    "folder_id": lambda c: factories.CloudFolderFactory(company=c).public_id,
    "message_id": lambda c: factories.InboundMessageFactory(company=c).public_id,
    "test_id": lambda c: factories.ConnectionTestFactory(company=c).public_id,
    "delivery_id": lambda c: factories.DeliveryFactory(company=c).public_id,
    "quote_id": lambda c: factories.QuoteFactory(company=c).public_id,
    "invoice_id": lambda c: factories.InvoiceFactory(company=c).public_id,
    "customer_id": lambda c: factories.CustomerFactory(company=c).public_id,
    "product_id": lambda c: factories.ProductFactory(company=c).public_id,
    "transaction_id": lambda c: parties.transaction(c, "10.00").public_id,
    "match_id": lambda c: parties.suggestion(c).public_id,
    "account_id": lambda c: parties.account(c).public_id,
    "adjustment_id": lambda c: parties.adjustment(c).public_id,
    "billing_invoice_id": lambda c: factories.BillingInvoiceFactory(company=c).public_id,
}


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, list[str]]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, route, list(entry.pattern.converters)


def url_patterns() -> list[tuple[str, str, list[str]]]:
    """Every named URL pattern: (namespaced name, route, kwargs)."""
    return list(_walk(get_resolver().url_patterns))


def company_url_patterns(*, with_objects: bool = False) -> list[tuple[str, list[str]]]:
    patterns = [
        (name, kwargs)
        for name, _route, kwargs in url_patterns()
        if "company_id" in kwargs
        and (not with_objects or set(kwargs) - {"company_id", "section", "provider"})
    ]
    assert patterns, "no company URL found: the walk is broken"
    return patterns


def _reverse(name: str, kwargs: dict[str, Any]) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("name", "kwargs"), company_url_patterns(with_objects=True))
def test_other_companys_objects_are_404(name, kwargs, company, other_company, owner, client_for):
    # given an owner of `company`, and objects that belong to `other_company`
    values: dict[str, Any] = {"company_id": company.public_id}
    for kwarg in kwargs:
        if kwarg == "company_id":
            continue
        assert kwarg in OBJECT_FACTORIES, f"add a factory for URL kwarg {kwarg!r} of {name}"
        values[kwarg] = OBJECT_FACTORIES[kwarg](other_company)
    client = client_for(owner)
    url = _reverse(name, values)
    missing = dict(values)
    for kwarg in kwargs:
        if kwarg not in ("company_id", "section", "number"):
            missing[kwarg] = "00000000-0000-4000-8000-000000000000"
    missing_url = _reverse(name, missing)
    # when they reach for another company's object, then it is exactly like a missing one:
    # 404, or 405 where the method doesn't exist at all (decided before any lookup)
    statuses = {}
    for method in ("get", "post"):
        foreign_status = getattr(client, method)(url).status_code
        assert foreign_status == getattr(client, method)(missing_url).status_code, method
        assert foreign_status in (404, 405), method
        statuses[method] = foreign_status
    assert 404 in statuses.values()


@pytest.mark.parametrize(("name", "kwargs"), company_url_patterns())
def test_other_company_in_url_is_404(name, kwargs, company, other_company, owner, client_for):
    # given an owner of `company` and URLs naming `other_company` with its own objects
    values: dict[str, Any] = {"company_id": other_company.public_id}
    for kwarg in kwargs:
        if kwarg != "company_id":
            values[kwarg] = OBJECT_FACTORIES[kwarg](other_company)
    url = _reverse(name, values)
    client = client_for(owner)
    # then every method gets the same 404 as a company that doesn't exist
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    values["company_id"] = "00000000-0000-4000-8000-000000000000"
    assert client.get(_reverse(name, values)).status_code == 404
