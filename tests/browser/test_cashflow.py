"""The Cash flow page in a real browser: the owner sees the balance line and the months' bars
drawn by Chart.js (no script refused by the content security policy), the forecast's lines
with their sources, moves an invoice's expected date and adds a line of their own; the page
in Dutch and French, on a 390 px phone (nothing scrolls sideways) and on a desktop."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.banking.models import BankAccount, ForecastAdjustment
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from tests.banking import parties
from tests.browser.conftest import PHONE, fits_the_phone, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
DESKTOP = {"width": 1280, "height": 900}
RENT = "BE71096123456769"


@pytest.fixture
def scene(company):
    """10,000.00 in the bank yesterday; an open invoice due in 10 days, a purchase invoice due
    in 5, rent of 1,500.00 every month for half a year."""
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    today = timezone.localdate()
    invoice = parties.issued_invoice(
        company,
        "2420.00",
        number="2026-201",
        to=parties.customer(company, "Architectenbureau Peeters BV"),
        due=today + datetime.timedelta(days=10),
    )
    document = parties.purchase(company, "726.00", supplier="Drukkerij Peeters BV")
    for months in range(6, 0, -1):
        parties.transaction(
            company,
            "-1500.00",
            name="Immo Vastgoed NV",
            iban=RENT,
            day=today - datetime.timedelta(days=30 * months + 2),
        )
    with company_scope(company):
        type(document).objects.filter(pk=document.pk).update(
            due_date=today + datetime.timedelta(days=5)
        )
        BankAccount.objects.filter(company=company).update(
            balance=D("10000.00"), balance_date=today - datetime.timedelta(days=1)
        )
    return invoice


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _charts_drawn(page) -> bool:
    return page.evaluate(
        "() => typeof window.Chart === 'function'"
        " && !!window.Chart.getChart('balance-chart') && !!window.Chart.getChart('flows-chart')"
    )


def test_the_cash_flow_page_draws_its_charts_and_takes_the_owners_word(
    live_server, browser_page, company, owner, scene
):
    page = browser_page
    path = f"/c/{company.public_id}/bank/cashflow/"
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/c/{company.public_id}/bank/")
    _click(page, "#cashflow-link")
    assert page.url.endswith(path)
    assert _charts_drawn(page)
    lines = page.locator("#cashflow-lines").inner_text()
    assert "Invoice 2026-201" in lines
    assert "Purchase invoice" in lines
    assert "Recurring, every month" in lines
    screenshot(page, "cashflow-desktop-en")

    # move the invoice a month later
    later = timezone.localdate() + datetime.timedelta(days=40)
    row = page.locator("#cashflow-lines tr[data-source=invoice]")
    row.locator("summary").click()
    row.locator("input[name=day]").fill(later.isoformat())
    _click(page, "#cashflow-lines tr[data-source=invoice] button[value=move]")
    assert "The line is moved." in page.locator("main").inner_text()
    assert "moved from" in page.locator("#cashflow-lines tr[data-source=invoice]").inner_text()

    # a line of one's own
    page.locator("#one-off summary").click()
    page.fill("#one-off input[name=label]", "Kapitaalverhoging")
    page.select_option("#one-off select[name=direction]", "in")
    page.fill("#one-off input[name=amount]", "5000")
    page.fill(
        "#one-off input[name=day]", (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    )
    _click(page, "#one-off button[type=submit]")
    assert "Kapitaalverhoging" in page.locator("#cashflow-lines").inner_text()
    with company_scope(company):
        assert sorted(ForecastAdjustment.objects.values_list("kind", flat=True)) == [
            "move",
            "one_off",
        ]

    # Dutch and French, phone and desktop
    for language in ("nl", "fr"):
        with page.expect_navigation():
            page.click(f"button[name=language][value={language}]")
        assert page.locator("html").get_attribute("lang") == language
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}{path}")
            assert _charts_drawn(page)
            screenshot(page, f"cashflow-{language}-{size}")
            if size == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert fits_the_phone(page), f"cash flow in {language}: {width} px wide"
        # the figures in the page's language: 1.500,00 € in both
        assert "1.500,00" in page.locator("#cashflow-lines").inner_text()
    page.goto(f"{live_server.url}/c/{company.public_id}/")
    assert page.locator("#cashflow-card").is_visible()
    screenshot(page, "cashflow-dashboard-fr")
    assert page.console_errors == []
