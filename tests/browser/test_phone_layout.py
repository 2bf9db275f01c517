"""The everyday pages on a 390 × 844 phone and a 1366 × 900 desktop, in Dutch and French: no
page scrolls sideways (the document is never wider than the screen), the phone's header folds
into a menu, lists read as cards, and the line editor stacks its lines with a running total.

One browser and one signed-in context visit every page in each size and language; a
screenshot of each goes to test-artifacts/phone-layout/ for a person to look at.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.companies.models import Role
from apps.companies.scoping import company_scope
from apps.demo.banking import seed_banking
from apps.demo.documents import seed_documents
from apps.demo.inbox import seed_inbox
from apps.demo.sales import seed_sales
from apps.demo.transfer import seed_transfer
from apps.documents.models import Document
from apps.sales.models import Customer, Invoice, Quote
from apps.sales.services.invoices import LineInput, invoice_create
from tests import factories
from tests.browser.conftest import ARTIFACTS, choose_language, log_in
from tests.sales.conftest import seller_details

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
SHOTS = ARTIFACTS / "phone-layout"
LONG_NAME = "Brood- en Banketbakkerij De Gouden Korenaar van Sint-Niklaas en Omstreken BV"
# Long words on purpose: a description that must wrap, never push the page wider.
LINES = [
    LineInput("Volkorenbrood", D("40"), D("2.45"), D("6")),
    LineInput(
        "Verjaardagstaart met marsepein, drie lagen en een persoonlijke boodschap in chocolade",
        D("2"),
        D("18.50"),
        D("6"),
        discount_percent=D("10"),
    ),
    LineInput("Catering (per uur)", D("4"), D("45.00"), D("21"), unit="HUR"),
    LineInput("Levering en opstelling", D("1"), D("35.00"), D("21")),
    LineInput("Huur koeltoog", D("3"), D("60.00"), D("21"), unit="DAY"),
]


@pytest.fixture
def demo_company(company, owner):
    """The owner's company with the demo's documents, sales, bank, mailbox and transfer,
    and a draft invoice of five lines."""
    company.enterprise_number = "0412345614"  # the demo's bakery: its transfer to Octopus
    seller_details(company)
    factories.collecting(company, "collect-70")
    with company_scope(company):
        seed_transfer(company)
        seed_documents(company, owner)
        seed_inbox(company)
        seed_sales(company)
        seed_banking(company)
        customer = Customer.objects.get(name="Koffiebar De Hoek BV")
        invoice_create(company=company, customer=customer, lines=LINES)
    # a second company with a long name, for the switcher
    other = factories.CompanyFactory(name=LONG_NAME)
    factories.MembershipFactory(company=other, user=owner, role=Role.OWNER)
    return company


def _pages(company) -> dict[str, str]:
    """The main flows' pages, by a short name (the screenshots' names)."""
    with company_scope(company):
        document = Document.objects.order_by("-received_at").first()
        draft = Invoice.objects.filter(status=Invoice.Status.DRAFT).order_by("-created_at")[0]
        issued = Invoice.objects.exclude(status=Invoice.Status.DRAFT).order_by("created_at")[0]
        quote = Quote.objects.filter(status=Quote.Status.SENT).first()
    c = {"company_id": company.public_id}
    document_id, draft_id, issued_id = document.public_id, draft.public_id, issued.public_id
    return {
        "dashboard": reverse("companies:dashboard", kwargs=c),
        "documents": reverse("documents:document-list", kwargs=c),
        "document": reverse("documents:document-detail", kwargs={**c, "document_id": document_id}),
        "upload": reverse("documents:document-upload", kwargs=c),
        "invoices": reverse("sales:invoice-list", kwargs=c),
        "invoice-editor": reverse("sales:invoice-detail", kwargs={**c, "invoice_id": draft_id}),
        "invoice": reverse("sales:invoice-detail", kwargs={**c, "invoice_id": issued_id}),
        "quotes": reverse("sales:quote-list", kwargs=c),
        "quote": reverse("sales:quote-detail", kwargs={**c, "quote_id": quote.public_id}),
        "quote-new": reverse("sales:quote-create", kwargs=c),
        "quote-public": reverse("sales:quote-public", kwargs={"token": quote.token}),
        "customers": reverse("sales:customer-list", kwargs=c),
        "products": reverse("sales:product-list", kwargs=c),
        "transfer": reverse("connections:transfer", kwargs=c),
        "deliveries": reverse("connections:delivery-list", kwargs=c),
        "inbox": reverse("inbox:overview", kwargs=c),
        "bank": reverse("banking:overview", kwargs=c),
        "settings": reverse("companies:company-edit", kwargs=c),
        "members": reverse("companies:member-list", kwargs=c),
        "peppol": reverse("peppol:settings", kwargs=c),
        "suppliers": reverse("documents:supplier-list", kwargs=c),
    }


def _language(page) -> str:
    return page.locator("html").get_attribute("lang")


def _widths(page) -> tuple[int, int]:
    """(the document's width, the window's)."""
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


def test_no_page_of_the_main_flows_scrolls_sideways_on_a_phone_or_a_desktop(
    live_server, browser_page, demo_company, owner
):
    # given the owner of a company with the demo's data, signed in
    page = browser_page
    pages = _pages(demo_company)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, owner)
    too_wide: list[str] = []
    for language in ("nl", "fr"):
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(live_server.url + pages["dashboard"])
            choose_language(page, language)
            for name, path in pages.items():
                # when the page is shown in this size and language
                response = page.goto(live_server.url + path)
                assert response.ok, f"{name} answered {response.status}"
                if name != "quote-public":  # the customer's page is in the customer's language
                    assert _language(page) == language
                # then it is no wider than the screen
                width, window = _widths(page)
                assert window == viewport["width"]
                if width > window:
                    too_wide.append(f"{name} ({size}, {language}): {width} px")
                if name == "invoice-editor":
                    _check_the_line_editor(page, size)
                page.screenshot(path=str(SHOTS / f"{name}-{size}-{language}.png"), full_page=True)
                if name == "dashboard":
                    _check_the_header(page, size, language)
    # (all pages seen before failing, so that one run names every page too wide)
    assert too_wide == []


def _check_the_header(page, size: str, language: str) -> None:
    """A phone's header is a bar with a Menu button that folds out the switcher, the tabs,
    the languages and the user; a desktop's shows them all and has no Menu button."""
    menu = page.locator("label.menu-button")
    tabs = page.locator(".section-nav")
    if size == "desktop":
        assert not menu.is_visible()
        assert tabs.is_visible()
        assert page.locator(".header-bar").bounding_box()["height"] < 140
        return
    # the bar is one row, the menu closed
    assert page.locator(".header-bar").bounding_box()["height"] < 70
    assert not tabs.is_visible()
    menu.click()
    assert tabs.is_visible()
    assert page.locator("form.language-switcher").is_visible()
    # the switcher opens inside the menu, within the screen, long names wrapped
    page.click(".company-switcher summary")
    names = page.locator(".company-switcher ul")
    assert LONG_NAME in names.inner_text()
    box = names.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(SHOTS / f"header-menu-phone-{language}.png"))
    # a tab in the menu leads to its page
    with page.expect_navigation():
        page.click(".section-nav li:nth-child(3) a")  # Sales
    assert "/sales/" in page.url
    assert not page.locator(".section-nav").is_visible()  # a new page starts closed


def _check_the_line_editor(page, size: str) -> None:
    """The draft's five lines: cards on a phone, a table on a desktop; each with its amount,
    and a running total that is the engine's (the page's Totals, from the saved draft)."""
    lines = page.locator("table.lines-table tr.line")
    assert lines.count() == len(LINES) + 1  # and the empty line to fill in
    display = lines.first.evaluate("row => getComputedStyle(row).display")
    assert display == ("grid" if size == "phone" else "table-row")
    amounts = page.locator("tr.line [data-line-amount]").all_inner_texts()
    assert all(amount.strip() not in ("", "—") for amount in amounts[: len(LINES)])
    engine = page.locator("table.totals .grand-total td").inner_text()
    running = page.locator("[data-lines-total] [data-total=incl]").inner_text()
    assert running == engine
    # typing changes the total at once (a line of 2 × 10.00 at 21 %: 24.20 more)
    before = page.locator("[data-total=excl]").inner_text()
    n = len(LINES)
    page.fill(f"[name=lines-{n}-description]", "Extra")
    page.fill(f"[name=lines-{n}-quantity]", "2")
    page.fill(f"[name=lines-{n}-unit_price]", "10")
    page.select_option(f"[name=lines-{n}-vat_rate]", "21")
    assert page.locator("[data-total=excl]").inner_text() != before
    # what a person sees scrolling through the lines: the total stays in sight
    page.locator("tr.line").nth(2).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"invoice-editor-lines-{size}-{_language(page)}.png"))
    page.reload()  # the page as saved, for the full screenshot
