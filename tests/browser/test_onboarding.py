"""A newcomer in a real browser: sign up, verify, create a company, switch language."""

import re

import pytest
from django.core import mail

from apps.companies.models import Company
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_up_create_company_and_switch_language(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "newcomer@example.be")
    page.fill("input[name=password1]", "Een-Sterk-Wachtwoord-2026")
    page.fill("input[name=password2]", "Een-Sterk-Wachtwoord-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    # the verification link from the e-mail
    link = re.search(r"https?://[^/\s]+(/\S*)", mail.outbox[-1].body).group(1)
    page.goto(f"{live_server.url}{link}")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    screenshot(page, "onboarding-1-welcome")

    page.click("text=Add a company")
    page.fill("input[name=name]", "Brouwerij Hop BV")
    page.fill("input[name=enterprise_number]", "0412.345.615")  # wrong check digits
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert "check digits" in page.locator(".field-error").first.inner_text()
    screenshot(page, "onboarding-2-invalid-number")

    page.fill("input[name=enterprise_number]", "0412.345.614")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/c/[0-9a-f-]+/$"))
    assert page.locator("h1").inner_text() == "Brouwerij Hop BV"
    company = Company.objects.get(enterprise_number="0412345614")
    assert company.peppol_id == "0208:0412345614"
    screenshot(page, "onboarding-3-dashboard-en")

    with page.expect_navigation():
        page.click("button.lang[value=nl]")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator(".section-nav").inner_text().find("Documenten") >= 0
    screenshot(page, "onboarding-4-dashboard-nl")

    with page.expect_navigation():
        page.click("button.lang[value=fr]")
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "onboarding-5-dashboard-fr")
    assert page.console_errors == []
