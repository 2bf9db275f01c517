"""The Cash flow page: the forecast of the company's own data, in the user's language; the
owner and members move, exclude and add lines and set the taxes and the threshold; the
accountant reads; the dashboard card says the balance today, the lowest point ahead and the
unpaid amounts. Every view's access matrix, denied calls changing nothing."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from apps.banking.models import BankAccount, CashflowSettings, ForecastAdjustment
from apps.billing.models import Plan
from apps.companies.scoping import company_scope
from apps.sales.models import Invoice
from tests.access import cases, check_access
from tests.banking import parties

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 11, 16)
RENT = "BE71096123456769"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(
        datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC), tick=False
    ):
        yield


@pytest.fixture
def collecting(company):
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    return company


def _url(company, name="banking:cashflow", **kwargs):
    return reverse(name, kwargs={"company_id": company.public_id, **kwargs})


def scenario(company):
    """10,000.00 in the bank on 13/11; an invoice of 2,420.00 due 30/11 whose customer paid
    5 days late before; a purchase invoice of 726.00 due 20/11; rent of 1,500.00 on the 5th
    since June; a quarterly VAT filer with 1,000.00 of output VAT in October."""
    klant = parties.customer(company, "Architectenbureau Peeters BV")
    before = parties.issued_invoice(company, "100.00", to=klant, due=datetime.date(2026, 9, 30))
    invoice = parties.issued_invoice(company, "2420.00", to=klant, due=datetime.date(2026, 11, 30))
    document = parties.purchase(company, "726.00", supplier="Drukkerij Peeters BV")
    for month in range(6, 12):
        parties.transaction(
            company,
            "-1500.00",
            name="Immo Vastgoed NV",
            iban=RENT,
            day=datetime.date(2026, month, 5),
        )
    with company_scope(company):
        Invoice.objects.filter(pk=before.pk).update(
            status=Invoice.Status.PAID,
            paid_amount=D("100"),
            paid_on=datetime.date(2026, 10, 5),
            total_vat=D("0"),
        )
        Invoice.objects.filter(pk=invoice.pk).update(total_vat=D("1000.00"))
        type(document).objects.filter(pk=document.pk).update(due_date=datetime.date(2026, 11, 20))
        BankAccount.objects.filter(company=company).update(
            balance=D("10000.00"), balance_date=datetime.date(2026, 11, 13)
        )
    return invoice, document


def test_the_page_shows_the_forecast_with_its_sources(collecting, owner, client_for):
    invoice, _document = scenario(collecting)
    page = client_for(owner).get(_url(collecting)).content.decode()
    assert "Cash flow" in page
    assert f"Invoice {invoice.number}" in page
    assert (
        reverse(
            "sales:invoice-detail",
            kwargs={"company_id": collecting.public_id, "invoice_id": invoice.public_id},
        )
        in page
    )
    assert "Recurring, every month" in page
    assert "VAT payable" in page
    assert 'id="cashflow-data"' in page
    assert "vendor/chart.umd.js" in page
    # by hand: 10,000 -726 (20/11) +2,420 -1,500 (5/12) -1,500 (5/1) -1,000 VAT (25/1) -1,500 (5/2)
    assert "€6,194.00" in page  # the lowest point, on 5 February


def test_the_page_in_dutch_writes_belgian_numbers(collecting, owner, client_for):
    scenario(collecting)
    owner.language = "nl"
    owner.save()
    page = client_for(owner).get(_url(collecting)).content.decode()
    assert "6.194,00\u00a0€" in page
    assert '"locale": "nl-BE"' in page


def test_the_owner_moves_excludes_and_adds_lines_then_undoes(collecting, owner, client_for):
    invoice, _document = scenario(collecting)
    client = client_for(owner)
    client.post(
        _url(collecting, "banking:cashflow-item"),
        {"item": f"invoice:{invoice.public_id}", "action": "move", "day": "2027-01-10"},
    )
    client.post(
        _url(collecting, "banking:cashflow-item"),
        {"item": f"recurring:{RENT}:2026-12-05", "action": "exclude_all"},
    )
    client.post(
        _url(collecting, "banking:cashflow-one-off"),
        {"label": "Kapitaal", "direction": "in", "amount": "4000,00", "day": "2026-12-15"},
    )
    with company_scope(collecting):
        found = sorted(ForecastAdjustment.objects.values_list("kind", "item", "day", "amount"))
    assert found == [
        ("exclude", f"recurring:{RENT}", None, None),
        ("move", f"invoice:{invoice.public_id}", datetime.date(2027, 1, 10), None),
        ("one_off", "", datetime.date(2026, 12, 15), D("4000.00")),
    ]
    page = client.get(_url(collecting)).content.decode()
    assert "moved from" in page
    assert "Kapitaal" in page
    with company_scope(collecting):
        move = ForecastAdjustment.objects.get(kind="move")
    client.post(
        _url(collecting, "banking:cashflow-adjustment-remove", adjustment_id=move.public_id)
    )
    with company_scope(collecting):
        assert not ForecastAdjustment.objects.filter(kind="move").exists()


def test_a_move_without_a_date_or_of_an_unknown_line_changes_nothing(collecting, owner, client_for):
    scenario(collecting)
    client = client_for(owner)
    client.post(_url(collecting, "banking:cashflow-item"), {"item": "invoice:x", "action": "move"})
    client.post(
        _url(collecting, "banking:cashflow-item"), {"item": "secret:1", "action": "exclude"}
    )
    with company_scope(collecting):
        assert not ForecastAdjustment.objects.exists()


def test_settings_threshold_and_advance_payments(collecting, owner, client_for):
    scenario(collecting)
    client = client_for(owner)
    response = client.post(
        _url(collecting, "banking:cashflow-settings"),
        {
            "vat_filer": "monthly",
            "makes_advance_payments": "on",
            "advance_payment_4": "2500",
            "threshold": "8000",
        },
    )
    assert response.status_code == 302
    with company_scope(collecting):
        kept = CashflowSettings.objects.get(company=collecting)
    assert (
        kept.vat_filer,
        kept.makes_advance_payments,
        kept.advance_payment_4,
        kept.threshold,
    ) == (
        "monthly",
        True,
        D("2500"),
        D("8000"),
    )
    page = client.get(_url(collecting)).content.decode()
    assert "Advance payment 4 of corporate tax" in page
    assert 'id="cashflow-warning"' in page  # below 8,000


def test_the_accountant_reads_without_forms(collecting, accountant, client_for):
    scenario(collecting)
    page = client_for(accountant).get(_url(collecting)).content.decode()
    assert "VAT payable" in page
    assert 'name="item"' not in page
    assert (
        reverse("banking:cashflow-settings", kwargs={"company_id": collecting.public_id})
        not in page
    )


def test_the_dashboard_card_and_the_bank_page_link(collecting, owner, client_for):
    scenario(collecting)
    client = client_for(owner)
    dashboard = client.get(
        reverse("companies:dashboard", kwargs={"company_id": collecting.public_id})
    )
    card = dashboard.content.decode()
    assert 'id="cashflow-card"' in card
    assert "€10,000.00" in card  # today
    assert "€6,194.00" in card  # the lowest point
    assert "€2,420.00" in card  # unpaid in
    assert "€726.00" in card  # unpaid out
    bank = client.get(_url(collecting, "banking:overview")).content.decode()
    assert 'id="cashflow-link"' in bank


def test_the_page_costs_the_same_queries_for_many_rows(
    collecting, owner, client_for, django_assert_max_num_queries
):
    scenario(collecting)
    client = client_for(owner)
    client.get(_url(collecting))
    with django_assert_max_num_queries(40) as few:
        client.get(_url(collecting))
    for n in range(20):
        parties.issued_invoice(collecting, f"{n + 1}.00", due=datetime.date(2026, 12, 1))
        parties.transaction(collecting, f"-{n + 1}.50", name=f"Leverancier {n}", iban=f"BE{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(_url(collecting)).status_code == 200


# who may --------------------------------------------------------------------------------

SEE = [302, 404, 404, 200, 200, 200]
CHANGE = [302, 404, 404, 302, 403, 302]
MATRIX = [
    ("cashflow", "get", SEE),
    ("cashflow-settings", "post", CHANGE),
    ("cashflow-item", "post", CHANGE),
    ("cashflow-one-off", "post", CHANGE),
    ("cashflow-adjustment-remove", "post", CHANGE),
]


def _snapshot():
    return (
        sorted(ForecastAdjustment.objects.values_list("pk", "kind", "item", "day")),
        sorted(CashflowSettings.objects.values_list("pk", "vat_filer", "threshold")),
    )


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company):
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    invoice, _document = scenario(company)
    with company_scope(company):
        kept = ForecastAdjustment.objects.create(
            company=company, kind="exclude", item="vat:2026-12-31"
        )
    kwargs = {"adjustment_id": kept.public_id} if view == "cashflow-adjustment-remove" else {}
    data = {
        "cashflow-settings": {"vat_filer": "monthly", "threshold": "100"},
        "cashflow-item": {"item": f"invoice:{invoice.public_id}", "action": "exclude"},
        "cashflow-one-off": {"label": "X", "direction": "out", "amount": "10", "day": "2026-12-01"},
    }.get(view, {})
    writes = {
        "cashflow-settings": lambda: CashflowSettings.objects.filter(vat_filer="monthly").exists(),
        "cashflow-item": lambda: ForecastAdjustment.objects.filter(
            item__startswith="invoice:"
        ).exists(),
        "cashflow-one-off": lambda: ForecastAdjustment.objects.filter(kind="one_off").exists(),
        "cashflow-adjustment-remove": lambda: (
            not ForecastAdjustment.objects.filter(pk=kept.pk).exists()
        ),
    }
    check_access(
        request,
        role,
        method,
        _url(company, f"banking:{view}", **kwargs),
        data,
        expected=expected,
        unchanged=_snapshot,
        wrote=writes.get(view),
    )
