"""Lines from products: what the line leaves empty comes from the product, and its VAT rate
from the rates in force on the document's date (accommodation: 6 % until 28 February 2026,
12 % from 1 March 2026)."""

import datetime
from decimal import Decimal

import pytest

from apps.companies.scoping import company_scope
from apps.sales.forms.lines import line_formset
from apps.sales.selectors import vat_rate_for
from tests import factories

D = Decimal


def _data(**line):
    return {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-quantity": "2",
        **{f"lines-0-{name}": value for name, value in line.items()},
    }


@pytest.mark.parametrize(
    ("on", "rate"), [(datetime.date(2026, 2, 28), D("6")), (datetime.date(2026, 3, 1), D("12"))]
)
def test_a_product_fills_the_line_with_the_rate_in_force_on_the_date(company, on, rate):
    with company_scope(company):
        room = factories.ProductFactory(
            company=company,
            name="Hotelkamer",
            unit="DAY",
            unit_price="89.00",
            vat_code="accommodation",
        )
        formset = line_formset(_data(product=str(room.public_id)), company=company, on=on)
        assert formset.is_valid(), formset.errors
        [line] = formset.lines()
    assert (line.description, line.unit, line.unit_price, line.vat_rate) == (
        "Hotelkamer",
        "DAY",
        D("89.0000"),
        rate,
    )
    assert vat_rate_for(code="accommodation", on=on) == rate


def test_what_is_typed_wins_over_the_product(company):
    with company_scope(company):
        product = factories.ProductFactory(company=company, name="Advies", unit_price="75")
        formset = line_formset(
            _data(
                product=str(product.public_id),
                description="Advies maart",
                unit_price="60",
                unit="HUR",
                vat_rate="21",
            ),
            company=company,
        )
        assert formset.is_valid(), formset.errors
        [line] = formset.lines()
    assert (line.description, line.unit_price, line.unit) == ("Advies maart", D("60"), "HUR")


def test_another_companys_product_is_refused(company, other_company):
    with company_scope(other_company):
        foreign = factories.ProductFactory(company=other_company)
    with company_scope(company):
        factories.ProductFactory(company=company)
        formset = line_formset(_data(product=str(foreign.public_id)), company=company)
        assert not formset.is_valid()


def test_a_line_without_product_needs_its_description_and_price(company):
    with company_scope(company):
        formset = line_formset(_data(description="", unit_price="", vat_rate="21"), company=company)
        assert not formset.is_valid()


def test_only_rates_in_force_are_offered(company):
    with company_scope(company):
        formset = line_formset(company=company, on=datetime.date(2026, 6, 1))
        choices = [value for value, _label in formset.empty_form.fields["vat_rate"].choices]
    assert choices == ["", D("21"), D("12"), D("6"), D("0")]  # "": the product's rate


def test_a_draft_made_in_february_issued_in_march_gets_the_march_rate(seller, owner):
    from apps.sales.models import VatTreatment
    from apps.sales.services.invoices import invoice_create, invoice_issue
    from tests.sales.conftest import customer_for

    with company_scope(seller):
        room = factories.ProductFactory(
            company=seller,
            name="Hotelkamer",
            unit="DAY",
            unit_price="89.00",
            vat_code="accommodation",
        )
        formset = line_formset(
            _data(product=str(room.public_id)), company=seller, on=datetime.date(2026, 2, 20)
        )
        assert formset.is_valid(), formset.errors
        [line] = formset.lines()
        assert (line.vat_rate, line.vat_code) == (D("6"), "accommodation")
        invoice = invoice_create(
            company=seller,
            customer=customer_for(seller, VatTreatment.DOMESTIC),
            lines=[line],
            issue_date=datetime.date(2026, 3, 2),
        )
        invoice = invoice_issue(invoice=invoice, actor=owner)
        assert invoice.lines.get().vat_rate == D("12")
    assert invoice.total_vat == D("21.36")  # 2 nights × 89.00 at 12 %


def test_a_credit_note_keeps_the_rates_of_its_invoice_after_a_rate_change(seller, owner):
    from apps.sales.models import VatTreatment
    from apps.sales.services.invoices import credit_note_create, invoice_create, invoice_issue
    from tests.sales.conftest import customer_for

    with company_scope(seller):
        room = factories.ProductFactory(
            company=seller, unit_price="89.00", vat_code="accommodation", name="Hotelkamer"
        )
        formset = line_formset(
            _data(product=str(room.public_id)), company=seller, on=datetime.date(2026, 2, 20)
        )
        assert formset.is_valid(), formset.errors
        invoice = invoice_create(
            company=seller,
            customer=customer_for(seller, VatTreatment.DOMESTIC),
            lines=formset.lines(),
            issue_date=datetime.date(2026, 2, 20),
        )
        invoice = invoice_issue(invoice=invoice, actor=owner)
        note = invoice_issue(invoice=credit_note_create(invoice=invoice), actor=owner)
        assert note.lines.get().vat_rate == D("6")  # February's rate, credited in December
    assert note.total_incl_vat == invoice.total_incl_vat == D("188.68")


@pytest.mark.parametrize(
    ("on", "rate"), [(datetime.date(2026, 2, 28), "6"), (datetime.date(2026, 3, 1), "12")]
)
def test_the_page_knows_each_products_price_and_rate_for_the_running_total(
    company, django_assert_max_num_queries, on, rate
):
    # given two products, one with a VAT code
    with company_scope(company):
        room = factories.ProductFactory(
            company=company, unit_price="89.00", vat_code="accommodation"
        )
        advice = factories.ProductFactory(company=company, unit_price="75.50")
        formset = line_formset(company=company, on=on)

        # when the page asks for the products' prices and rates (one query for the rates)
        with django_assert_max_num_queries(1):
            data = formset.product_data

    # then each has its price, and its rate in force on the date
    assert data[str(room.public_id)] == {"price": "89.0000", "rate": rate}
    assert data[str(advice.public_id)]["price"] == "75.5000"


def test_the_customers_to_choose_from_carry_their_vat_treatment(company):
    from apps.sales.forms.invoices import InvoiceForm

    # given a Belgian customer and one in Germany
    with company_scope(company):
        factories.CustomerFactory(company=company, name="Klant BV")
        factories.CustomerFactory(
            company=company, name="Kunde GmbH", vat_treatment="intra_eu", country="DE"
        )
        # when the invoice form shows the customers
        html = str(InvoiceForm(company=company)["customer"])

    # then each option says the customer's VAT treatment (the running total counts VAT for
    # a domestic one only)
    assert 'data-vat-treatment="domestic"' in html
    assert 'data-vat-treatment="intra_eu"' in html
