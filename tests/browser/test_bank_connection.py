"""The live bank connection in a real browser: the owner clicks Connect your bank, passes
Ponto's page (the stand-in consents at once) and comes back connected; the first
synchronisation brings the booked transactions and a pending one, shown apart. The Bank page
in Dutch on a desktop and in French on a 390 px phone."""

import pytest

from apps.banking.models import BankAccount, BankTransaction, PendingTransaction
from apps.billing.models import Plan
from tests.browser.conftest import PHONE, choose_language, fits_the_phone, log_in, screenshot
from tests.fakes.ponto import ORGANIZATION, FakePonto, Server, configure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ACCOUNT_ID = "953934eb-229a-4fd2-8675-07794078cc7d"


@pytest.fixture
def ponto(settings, live_server):
    fake = FakePonto()
    server = Server(fake).start()
    configure(settings, server)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.SITE_URL = live_server.url
    fake.add_organization(
        ORGANIZATION,
        [
            {
                "id": ACCOUNT_ID,
                "iban": "BE86407051416150",
                "name": "Zichtrekening",
                "balance": 4210.5,
            }
        ],
    )
    for amount, name, text in (
        ("-1250.00", "Immo Verhuur BV", "Huur december"),
        ("450.00", "Bakkerij Janssens", "+++090/9337/55493+++"),
    ):
        fake.bank_movement(
            ACCOUNT_ID,
            {
                "amount": amount,
                "date": "2026-12-01",
                "counterpartName": name,
                "counterpartReference": "BE68539007547034",
                "remittanceInformation": text,
                "remittanceInformationType": "structured" if text.startswith("+") else "",
            },
        )
    fake.bank_movement(
        ACCOUNT_ID, {"amount": "-23.40", "pending": True, "counterpartName": "Shell"}
    )
    try:
        yield fake
    finally:
        server.stop()


def test_connect_the_bank_and_see_its_transactions(
    ponto, live_server, browser_page, company, owner, monkeypatch
):
    from apps.banking import tasks

    company.plan = Plan.objects.get(code="collect-200")
    company.save()
    # the first synchronisation, which a worker runs, runs at once here
    monkeypatch.setattr(
        tasks.bank_connection_sync, "delay", lambda *a, **k: tasks.bank_connection_sync(*a, **k)
    )
    page = browser_page
    log_in(page, live_server, owner)
    bank = f"{live_server.url}/c/{company.public_id}/bank/"
    page.goto(bank)
    page.click("button[name=language][value=nl]")
    page.wait_for_load_state("networkidle")
    with page.expect_navigation(url=bank):
        page.click("#connect-bank")
    account = BankAccount.objects.unscoped().get(company=company)
    assert account.provider_account_id == ACCOUNT_ID
    assert BankTransaction.objects.unscoped().filter(company=company).count() == 2
    assert PendingTransaction.objects.unscoped().filter(company=company).count() == 1
    page.goto(bank)
    text = page.inner_text("main")
    assert "Verbonden met je bank" in text or "Connected to your bank" in text
    assert page.locator("#pending-transactions").count() == 1
    screenshot(page, "bank-connected-nl-desktop")

    page.set_viewport_size(PHONE)
    choose_language(page, "fr")
    page.wait_for_load_state("networkidle")
    assert fits_the_phone(page)
    screenshot(page, "bank-connected-fr-phone")
    assert page.console_errors == []
