"""The bank in a real browser: the owner uploads a CODA statement; two invoices turn paid by
their structured communication, the third payment (a similar name, the exact amount, no
communication) waits as a suggestion. The owner undoes one match (its invoice is open again)
and confirms the suggestion (that invoice is paid). The Bank page, a transaction and the
invoice list in Dutch and French, on a 390 px phone and on a desktop.

The CODA file is written by the tests' CODA writer (tests/banking/writers.py) and read by our
own parser before the browser uploads it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.banking.models import BankTransaction, Match, MatchState
from apps.banking.parsers import ParsedStatement, ParsedTransaction, parse_statement
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from apps.sales.models import Invoice
from tests.banking.parties import account, customer, issued_invoice, ogm
from tests.banking.writers import write_coda
from tests.browser.conftest import PHONE, fits_the_phone, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal
IBAN = "BE68539007547034"  # the company's current account, the statement's
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("nl", "fr")
OPENING = D("2500.00")
BY_HAND = "#match-by-hand .table-wrap"  # the open items to tick, with their amounts


# a CODA 2 statement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    """A payment received: from ``name`` (``iban``), with an OGM's 12 digits or nothing."""

    amount: Decimal
    name: str
    iban: str
    ogm: str = ""


def coda(iban: str, day: datetime.date, credits: list[Credit]) -> bytes:
    """One statement (number 1) of ``iban`` on ``day`` with ``credits``, written by the
    tests' CODA writer (its balances and trailer add up)."""
    total = sum((credit.amount for credit in credits), D(0))
    statement = ParsedStatement(
        account_iban=iban,
        currency="EUR",
        number="001",
        date=day,
        opening_balance=OPENING,
        closing_balance=OPENING + total,
        transactions=[
            ParsedTransaction(
                booking_date=day,
                value_date=day,
                amount=credit.amount,
                currency="EUR",
                counterparty_name=credit.name,
                counterparty_iban=credit.iban,
                structured_reference=credit.ogm,
            )
            for credit in credits
        ],
    )
    return write_coda([statement], newline="\r\n")


# the company, its invoices, the statement -------------------------------------------------


@pytest.fixture
def collecting(company):
    """The owner's company on a plan with bank accounts, and its current account."""
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    account(company, IBAN)
    return company


@dataclass
class Scene:
    a: Invoice
    b: Invoice
    c: Invoice
    statement: bytes


@pytest.fixture
def scene(collecting) -> Scene:
    """Three open invoices, due in two weeks; a statement of yesterday that pays A and B by
    their structured communication and C's amount from a name like C's customer's."""
    today = timezone.localdate()
    due = today + datetime.timedelta(days=16)
    a = issued_invoice(
        collecting,
        "1210.00",
        number="2026-101",
        reference=ogm(9101),
        to=customer(collecting, "Architectenbureau Peeters BV"),
        due=due,
    )
    b = issued_invoice(
        collecting,
        "363.00",
        number="2026-102",
        reference=ogm(9102),
        to=customer(collecting, "Studio Lambrecht SRL"),
        due=due,
    )
    c = issued_invoice(
        collecting,
        "847.50",
        number="2026-103",
        reference=ogm(9103),
        to=customer(collecting, "Bakkerij Van den Broeck NV"),
        due=due,
    )
    with company_scope(collecting):
        Invoice.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(
            issue_date=today - datetime.timedelta(days=14)
        )
    statement = coda(
        IBAN,
        today - datetime.timedelta(days=1),
        [
            Credit(
                D("1210.00"),
                "ARCHITECTENBUREAU PEETERS",
                "BE71096123456769",
                a.structured_communication,
            ),
            Credit(D("363.00"), "STUDIO LAMBRECHT", "BE43068999999501", b.structured_communication),
            Credit(D("847.50"), "VAN DEN BROECK BAKKERIJ", "BE62510007547061"),
        ],
    )
    return Scene(a, b, c, statement)


def test_the_statement_we_write_is_a_coda_file_we_read(scene):
    [statement] = parse_statement(scene.statement)
    assert statement.account_iban == IBAN
    assert statement.currency == "EUR"
    assert (statement.opening_balance, statement.closing_balance) == (D("2500"), D("4920.50"))
    rows = [
        (t.amount, t.counterparty_name, t.counterparty_iban, t.structured_reference, t.free_text)
        for t in statement.transactions
    ]
    assert rows == [
        (
            D("1210"),
            "ARCHITECTENBUREAU PEETERS",
            "BE71096123456769",
            scene.a.structured_communication,
            "",
        ),
        (D("363"), "STUDIO LAMBRECHT", "BE43068999999501", scene.b.structured_communication, ""),
        (D("847.5"), "VAN DEN BROECK BAKKERIJ", "BE62510007547061", "", ""),
    ]


# the browser -------------------------------------------------------------------------------


def _click(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _main(page) -> str:
    return page.locator("main").inner_text()


def _row(page, name: str):
    return page.locator("#transactions tbody tr", has_text=name)


def _speaking(page, language: str) -> None:
    """The header's language switcher (it keeps the page)."""
    _click(page, f"button[name=language][value={language}]")
    assert page.locator("html").get_attribute("lang") == language


def _frame(page, selector: str) -> tuple[int, int]:
    """(the width of what is in the scrolling frame ``selector``, the frame's width)."""
    inside, frame = page.evaluate(
        "s => { const w = document.querySelector(s); return [w.scrollWidth, w.clientWidth]; }",
        selector,
    )
    return inside, frame


def _looks(page, live_server, path: str, name: str, *, whole: str = "") -> None:
    """``path`` in Dutch and French, on a phone and a desktop, photographed; on the phone
    nothing scrolls the page sideways; on the desktop the table in ``whole`` is seen whole."""
    page.goto(f"{live_server.url}{path}")
    for language in LANGUAGES:
        _speaking(page, language)
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}{path}")
            screenshot(page, f"bank-{name}-{language}-{size}")
            if size == "phone":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert fits_the_phone(page), f"{name} in {language}: {width} px wide"
            if size == "desktop" and whole:
                inside, frame = _frame(page, whole)
                assert inside <= frame, f"{whole} of {name} in {language}: {inside} > {frame} px"
    _speaking(page, "en")
    page.set_viewport_size(DESKTOP)


def _invoice_path(invoice: Invoice) -> str:
    return f"/c/{invoice.company.public_id}/sales/invoices/{invoice.public_id}/"


def _payment_state(page, live_server, invoice: Invoice) -> str:
    page.goto(f"{live_server.url}{_invoice_path(invoice)}")
    return page.locator("#payment-state").inner_text()


def test_a_statement_pays_invoices_a_match_is_undone_and_a_suggestion_confirmed(
    live_server, browser_page, collecting, owner, scene, tmp_path
):
    page = browser_page
    company = collecting
    bank = f"/c/{company.public_id}/bank/"
    invoices = f"/c/{company.public_id}/sales/"
    log_in(page, live_server, owner)

    # the Bank page: upload the statement
    statement = tmp_path / "statement.cod"
    statement.write_bytes(scene.statement)
    page.goto(f"{live_server.url}{bank}")
    assert "No transactions yet" in _main(page)
    page.set_input_files("input[name=statements]", str(statement))
    _click(page, "#import-button")
    assert "1 statement(s) imported: 3 new transaction(s), 0 already there." in _main(page)
    assert page.locator("#transactions tbody tr").count() == 3
    assert (
        _row(page, "ARCHITECTENBUREAU PEETERS").locator("td.wide-only .badge").inner_text()
        == "Matched"
    )
    assert _row(page, "STUDIO LAMBRECHT").locator("td.wide-only .badge").inner_text() == "Matched"
    assert _row(page, "VAN DEN BROECK").locator("td.wide-only .badge").inner_text() == "To confirm"
    digits = scene.a.structured_communication
    ogm_shown = f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
    assert ogm_shown in _row(page, "ARCHITECTENBUREAU PEETERS").inner_text()
    to_do = page.locator("#to-do").inner_text()
    assert "1 transaction to match" in to_do
    assert "1 to confirm" in to_do
    screenshot(page, "bank-imported")
    with company_scope(company):
        states = dict(BankTransaction.objects.values_list("counterparty_name", "match_state"))
    assert states == {
        "ARCHITECTENBUREAU PEETERS": MatchState.MATCHED,
        "STUDIO LAMBRECHT": MatchState.MATCHED,
        "VAN DEN BROECK BAKKERIJ": MatchState.SUGGESTED,
    }
    for invoice, status in (
        (scene.a, Invoice.Status.PAID),
        (scene.b, Invoice.Status.PAID),
        (scene.c, Invoice.Status.ISSUED),
    ):
        invoice.refresh_from_db()
        assert invoice.status == status, invoice.number

    # the invoice list: A and B paid, C not
    page.goto(f"{live_server.url}{invoices}?status=paid")
    paid = page.locator("main table tbody").inner_text()
    assert scene.a.number in paid
    assert scene.b.number in paid
    assert scene.c.number not in paid
    page.goto(f"{live_server.url}{invoices}")
    for invoice, state in ((scene.a, "Paid"), (scene.b, "Paid"), (scene.c, "Unpaid")):
        row = page.locator("main table tbody tr", has_text=invoice.number)
        assert row.locator(".badge").first.inner_text() == state
    screenshot(page, "bank-invoices-paid")

    # A's transaction: matched by its structured communication; undo it
    page.goto(f"{live_server.url}{bank}")
    _click(page, "#transactions tbody tr:has-text('ARCHITECTENBUREAU PEETERS') td.wide-only .badge")
    assert page.locator("#match-state").inner_text() == "Matched"
    matches = page.locator("#matches").inner_text()
    assert f"Invoice {scene.a.number}" in matches
    assert "Matched by OkiOki" in matches
    screenshot(page, "bank-transaction-matched")
    a_transaction = page.url
    _click(page, "#matches button:has-text('Undo')")
    assert "Match undone." in _main(page)
    assert page.locator("#match-state").inner_text() == "Not matched"
    assert page.locator("#matches").count() == 0
    assert page.locator("#match-by-hand").is_visible()  # A is among the items to match by hand
    assert scene.a.number in page.locator("#match-by-hand").inner_text()
    assert _payment_state(page, live_server, scene.a) == "Unpaid"
    assert "No bank payment matched yet." in page.locator("section.payments").inner_text()
    scene.a.refresh_from_db()
    assert (scene.a.status, scene.a.paid_amount) == (Invoice.Status.ISSUED, D("0"))
    page.goto(f"{live_server.url}{invoices}?status=open")
    assert scene.a.number in page.locator("main table tbody").inner_text()
    with company_scope(company):
        assert Match.objects.get(invoice=scene.a).state == Match.State.REJECTED

    # C's transaction: a suggestion (a similar name, the same amount); confirm it
    page.goto(f"{live_server.url}{bank}")
    _click(page, "#transactions tbody tr:has-text('VAN DEN BROECK') td.wide-only .badge")
    assert page.locator("#match-state").inner_text() == "To confirm"
    suggestions = page.locator("#suggestions").inner_text()
    assert f"Invoice {scene.c.number}" in suggestions
    c_transaction = page.url.removeprefix(live_server.url)
    screenshot(page, "bank-transaction-suggested")
    _looks(page, live_server, c_transaction, "transaction-suggested", whole=BY_HAND)
    _click(page, "#suggestions button:has-text('Confirm')")
    assert "Matched." in _main(page)
    assert page.locator("#match-state").inner_text() == "Matched"
    assert f"Invoice {scene.c.number}" in page.locator("#matches").inner_text()
    assert f"Matched by {owner.email}" in page.locator("#matches").inner_text()
    assert page.locator("#suggestions").count() == 0
    assert _payment_state(page, live_server, scene.c) == "Paid"
    assert "VAN DEN BROECK BAKKERIJ" in page.locator("section.payments").inner_text()
    scene.c.refresh_from_db()
    assert (scene.c.status, scene.c.paid_amount) == (Invoice.Status.PAID, D("847.50"))

    # the list says so: B and C paid, A not
    page.goto(f"{live_server.url}{invoices}?status=paid")
    paid = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert sorted(paid) == [scene.b.number, scene.c.number]

    # how it looks in Dutch and French, on a phone and a desktop
    _looks(page, live_server, bank, "overview")
    a_path = a_transaction.removeprefix(live_server.url)
    _looks(page, live_server, a_path, "transaction", whole=BY_HAND)
    _looks(page, live_server, invoices, "invoices")
    assert page.console_errors == []
