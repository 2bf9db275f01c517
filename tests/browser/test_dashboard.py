"""The dashboard in a real browser, on a desktop and on a phone, in Dutch and French: a new
company's owner sees the setup checklist and that nothing waits; the demo company's owner
sees what waits, each with its count and link, and the month's figures. Screenshots are
kept as artifacts for a person to look at."""

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.billing.models import Plan
from apps.companies.models import Company
from apps.companies.scoping import all_companies
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE, choose_language, fits_the_phone, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1366, "height": 900}


def _open(page, live_server, company, language: str, viewport: dict) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/c/{company.public_id}/")
    choose_language(page, language)


def test_a_new_company_sees_its_first_steps(live_server, browser_page, company, owner):
    # a plan that collects and has a bank account: all five steps
    company.plan = Plan.objects.get(code="collect-25")
    company.save(update_fields=["plan"])
    page = browser_page
    log_in(page, live_server, owner)
    for language, viewport, size in [("nl", DESKTOP, "desktop"), ("fr", PHONE, "phone")]:
        _open(page, live_server, company, language, viewport)
        assert page.locator("html").get_attribute("lang") == language
        steps = page.locator("#setup-checklist ol.checklist li")
        assert steps.count() == 5
        assert page.locator("#setup-checklist li a").count() >= 5  # each step says where
        assert page.locator("#nothing-waits").is_visible()
        assert page.locator("#this-month dl.figures > div").count() == 4
        screenshot(page, f"dashboard-new-{size}-{language}")
        if viewport is PHONE:
            assert fits_the_phone(page)
    assert page.console_errors == []


def test_the_demo_company_shows_what_waits_and_the_month(live_server, browser_page):
    page = browser_page
    call_command("seed_demo", verbosity=0)
    owner = User.objects.get(email="demo@okioki.be")
    with all_companies():
        companies = {c.default_language: c for c in Company.objects.filter(memberships__user=owner)}
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    for language, viewport, size in [
        ("nl", DESKTOP, "desktop"),
        ("nl", PHONE, "phone"),
        ("fr", DESKTOP, "desktop"),
        ("fr", PHONE, "phone"),
    ]:
        _open(page, live_server, companies[language], language, viewport)
        waiting = page.locator("#needs-you ul.to-do-list li")
        assert waiting.count() >= 3
        for n in range(waiting.count()):
            line = waiting.nth(n)
            assert any(ch.isdigit() for ch in line.inner_text())  # a count
            assert (
                line.locator("a")
                .get_attribute("href")
                .startswith(f"/c/{companies[language].public_id}/")
            )
        assert page.locator("#setup-checklist").count() == 0
        screenshot(page, f"dashboard-demo-{size}-{language}")
        if viewport is PHONE:
            assert fits_the_phone(page)
    assert page.console_errors == []
