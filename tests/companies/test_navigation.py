"""Navigation shows only what the role may open: every link on a company's pages, followed
by each role, opens (no 403 behind a link the page offered), and every form with a button
that a page offers posts to a view the role may use."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import resolve

from apps.companies.access import access_for
from apps.companies.models import Role
from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from tests import factories
from tests.sales.conftest import seller_details

# Files and pages that answer something else than a page: followed, not read for links.
NOT_PAGES = ("/original/", "/pdf/", "/ubl/", "/file/", "/raw/", "/logo/", "/pages/")
MAX_PAGES = 160


class _Page(HTMLParser):
    """A page's links, and the actions of its POST forms that have a button."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.post_actions: set[str] = set()
        self._form: str | None = None  # the open POST form's action

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")
        elif tag == "form":
            is_post = (attributes.get("method") or "get").lower() == "post"
            self._form = (attributes.get("action") or "") if is_post else None
        elif self._form is not None and _is_submit(tag, attributes):
            self.post_actions.add(self._form)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _is_submit(tag: str, attributes: dict[str, str | None]) -> bool:
    kind = (attributes.get("type") or "").lower()
    return (tag == "button" and kind in ("", "submit")) or (
        tag == "input" and kind in ("submit", "image")
    )


def _company_data(company) -> None:
    """One of each thing a company's pages link to."""
    seller_details(company)
    with company_scope(company):
        customer = factories.CustomerFactory(company=company)
        factories.ProductFactory(company=company)
        factories.InvoiceFactory(company=company, customer=customer)
        factories.QuoteLineFactory(quote=factories.QuoteFactory(company=company, customer=customer))
        document = factories.DocumentFactory(company=company)
        factories.TransferFactory(company=company)
        factories.DeliveryFactory(
            company=company, document=document, status=Delivery.Status.AWAITING_APPROVAL
        )
        factories.MailboxFactory(company=company)
        factories.InboundMessageFactory(company=company)
        factories.SupplierFactory(company=company)


def _crawl(client, start: str, company_prefix: str) -> tuple[dict[str, int], dict[str, str]]:
    """Each link reachable from ``start`` within the company's pages, with its status; and
    the actions of the POST forms they offer, with the page that offers each."""
    seen: dict[str, int] = {}
    forms: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or any(part in url for part in NOT_PAGES):
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for action in page.post_actions:
            forms.setdefault(urlsplit(action).path or urlsplit(url).path, url)
        for href in page.hrefs:
            link = urldefrag(href).url
            path = urlsplit(link).path
            if link and not urlsplit(link).netloc and path.startswith(company_prefix):
                queue.append(link)
    return seen, forms


@pytest.fixture
def direct_accountant(company):
    """An accountant who is a member of the company (not through a linked office)."""
    return factories.MembershipFactory(company=company, role=Role.ACCOUNTANT).user


@pytest.mark.parametrize("role", ["owner", "member", "accountant", "direct_accountant"])
def test_no_link_on_a_companys_pages_answers_403_for_the_role(
    role, request, company, owner, client_for
):
    # given a company with one of everything, and a user of ``role``
    _company_data(company)
    user = request.getfixturevalue(role)
    client = client_for(user)
    prefix = f"/c/{company.public_id}/"

    # when the user follows every link of the company's pages, from the dashboard
    statuses, forms = _crawl(client, prefix, prefix)

    # then every link opens: nothing offered answers 403 (or is broken)
    assert len(statuses) > 20, statuses  # the crawl reached the pages behind the tabs
    refused = {url: status for url, status in statuses.items() if status not in (200, 302)}
    assert refused == {}
    # and every form offered with a button posts to a view the role may use
    access = access_for(user, company)
    assert access is not None
    forbidden = {
        action: f"{required} (offered on {page})"
        for action, page in forms.items()
        if action.startswith(prefix)
        and not access.can(required := resolve(action).func.required_action)
    }
    assert forbidden == {}
