"""Customers and products: who may see and change what, the rules on Belgian numbers and VAT,
isolation between companies, deactivating a product, and the lists' query budget."""

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.companies.scoping import all_companies, company_scope
from apps.core.errors import DomainError
from apps.sales.models import Customer, Product
from apps.sales.services.customers import (
    customer_create,
    customer_update,
    product_activate,
    product_create,
    product_deactivate,
    product_update,
)
from tests import factories
from tests.access import cases, check_access
from tests.factories import enterprise_number

NUMBER = enterprise_number(90_001)  # a valid enterprise number no factory hands out
DOTTED = f"{NUMBER[:4]}.{NUMBER[4:7]}.{NUMBER[7:]}"
CUSTOMER_POST = {
    "kind": "company",
    "name": "Brasserie Dupont SRL",
    "enterprise_number": "",
    "vat_id": f"BE {DOTTED}",
    "street": "Rue de la Station 5",
    "postal_code": "7000",
    "city": "Mons",
    "country": "BE",
    "email": "factures@dupont.example",
    "language": "fr",
    "payment_terms_days": "30",
    "peppol_endpoint": "",
    "vat_treatment": "domestic",
}
PRODUCT_POST = {
    "name": "Croissant",
    "description": "Au beurre",
    "unit": "C62",
    "unit_price": "1,20",
    "vat_code": "reduced",
}
CUSTOMERS_CSV = b"naam;btw\nBakkerij Jansen;\n"
PRODUCTS_CSV = b"naam;prijs;btw\nPistolet;0,60;6\n"
OK = [302, 404, 404, 302, 403, 302]  # a change: members and owners, not the accountant

# view, method, needs, data, expected per role
MATRIX = [
    ("customer-list", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    ("customer-create", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("customer-create", "post", None, CUSTOMER_POST, OK),
    ("customer-detail", "get", "customer", {}, [302, 404, 404, 200, 200, 200]),
    ("customer-detail", "post", "customer", {**CUSTOMER_POST, "name": "Renamed"}, OK),
    ("customer-import", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("customer-import", "post", None, "customers-csv", [302, 404, 404, 200, 403, 200]),
    ("product-list", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    ("product-create", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("product-create", "post", None, PRODUCT_POST, OK),
    ("product-detail", "get", "product", {}, [302, 404, 404, 200, 200, 200]),
    ("product-detail", "post", "product", {**PRODUCT_POST, "name": "Renamed"}, OK),
    ("product-deactivate", "post", "product", {}, OK),
    ("product-deactivate", "get", "product", {}, [302, 404, 404, 405, 405, 405]),
    ("product-activate", "post", "inactive-product", {}, OK),
    ("product-import", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("product-import", "post", None, "products-csv", [302, 404, 404, 200, 403, 200]),
]


def _snapshot():
    with all_companies():
        return (
            sorted(Customer.objects.values_list("public_id", "name", "vat_id", "city")),
            sorted(Product.objects.values_list("public_id", "name", "unit_price", "is_active")),
        )


def _url(name, company, **kwargs):
    return reverse(f"sales:{name}", kwargs={"company_id": company.public_id, **kwargs})


@pytest.mark.parametrize(("view", "method", "needs", "data", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, needs, data, role, expected, request, company):
    kwargs = {}
    if needs == "customer":
        customer = factories.CustomerFactory(company=company)
        kwargs["customer_id"] = customer.public_id
    elif needs in ("product", "inactive-product"):
        product = factories.ProductFactory(company=company, is_active=needs == "product")
        kwargs["product_id"] = product.public_id
    if data == "customers-csv":
        data = {"file": SimpleUploadedFile("klanten.csv", CUSTOMERS_CSV, "text/csv")}
    elif data == "products-csv":
        data = {"file": SimpleUploadedFile("producten.csv", PRODUCTS_CSV, "text/csv")}
    customers, products = Customer.objects, Product.objects
    writes = {
        "customer-create": lambda: customers.filter(name=CUSTOMER_POST["name"]).exists(),
        "customer-detail": lambda: customers.get(pk=customer.pk).name == "Renamed",
        "customer-import": lambda: customers.filter(name="Bakkerij Jansen").exists(),
        "product-create": lambda: products.filter(name=PRODUCT_POST["name"]).exists(),
        "product-detail": lambda: products.get(pk=product.pk).name == "Renamed",
        "product-deactivate": lambda: not products.get(pk=product.pk).is_active,
        "product-activate": lambda: products.get(pk=product.pk).is_active,
        "product-import": lambda: products.filter(name="Pistolet").exists(),
    }

    url = _url(view, company, **kwargs)
    wrote = writes[view] if method == "post" else None
    check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )


# --- isolation ----------------------------------------------------------------------------------


def test_another_companys_customer_is_not_found(request, company, other_company, owner, client_for):
    theirs = factories.CustomerFactory(company=other_company, name="Their Customer")
    url = _url("customer-detail", company, customer_id=theirs.public_id)

    check_access(request, "owner", "get", url, expected=404, unchanged=_snapshot)
    changed = {**CUSTOMER_POST, "name": "Mine now"}
    check_access(request, "owner", "post", url, changed, expected=404, unchanged=_snapshot)
    with company_scope(other_company):
        assert Customer.objects.get().name == "Their Customer"
    page = client_for(owner).get(_url("customer-list", company)).content.decode()
    assert "Their Customer" not in page


def test_another_companys_product_is_not_found(request, company, other_company, owner):
    theirs = factories.ProductFactory(company=other_company, name="Their Product")

    for name, method in [
        ("product-detail", "get"),
        ("product-detail", "post"),
        ("product-deactivate", "post"),
    ]:
        url = _url(name, company, product_id=theirs.public_id)
        check_access(request, "owner", method, url, PRODUCT_POST, expected=404, unchanged=_snapshot)
    with company_scope(other_company):
        product = Product.objects.get()
    assert (product.name, product.is_active) == ("Their Product", True)


# --- customers: Belgian numbers -----------------------------------------------------------------


def test_a_belgian_vat_number_gives_the_enterprise_number_and_peppol_id(company, owner, client_for):
    response = client_for(owner).post(_url("customer-create", company), CUSTOMER_POST)

    assert response.status_code == 302
    with company_scope(company):
        customer = Customer.objects.get()
    assert (customer.vat_id, customer.enterprise_number) == (f"BE{NUMBER}", NUMBER)
    assert customer.peppol_id == f"0208:{NUMBER}"
    assert response["Location"] == _url("customer-detail", company, customer_id=customer.public_id)


def test_an_enterprise_number_alone_gives_the_vat_number(company):
    with company_scope(company):
        customer = customer_create(company=company, name="Jansen BV", enterprise_number=DOTTED)
    assert (customer.enterprise_number, customer.vat_id) == (NUMBER, f"BE{NUMBER}")
    assert customer.country == "BE"
    assert customer.language == "nl"


def test_a_nine_digit_enterprise_number_gets_its_leading_zero(company):
    with company_scope(company):
        customer = customer_create(company=company, name="Oud BV", enterprise_number=NUMBER[1:])
    assert customer.enterprise_number == NUMBER


def test_different_enterprise_and_vat_numbers_are_refused(company):
    other = enterprise_number(90_002)
    with company_scope(company), pytest.raises(DomainError) as refused:
        customer_create(company=company, name="X", enterprise_number=NUMBER, vat_id=f"BE{other}")
    assert refused.value.field == "vat_id"


def test_a_wrong_enterprise_number_is_explained_on_its_field(company, owner, client_for):
    wrong = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    data = {**CUSTOMER_POST, "vat_id": "", "enterprise_number": wrong}

    response = client_for(owner).post(_url("customer-create", company), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_enterprise_number_error"' in page
    assert "This enterprise number is not valid: its check digits do not match." in page
    with company_scope(company):
        assert not Customer.objects.exists()


def test_a_wrong_number_is_explained_in_dutch(company, owner, client_for):
    owner.language = "nl"
    owner.save()
    client = client_for(owner)
    wrong = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)

    response = client.post(
        _url("customer-create", company),
        {**CUSTOMER_POST, "vat_id": "", "enterprise_number": wrong},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_enterprise_number_error"' in page
    assert "Dit ondernemingsnummer is niet geldig" in page  # a message translated already

    # a message new with these pages: its field shows an error, whatever the translation says
    mismatch = {**CUSTOMER_POST, "enterprise_number": enterprise_number(90_002)}
    response = client.post(_url("customer-create", company), mismatch)
    assert response.status_code == 200
    assert 'id="id_vat_id_error"' in response.content.decode()
    with company_scope(company):
        assert not Customer.objects.exists()


def test_a_wrong_foreign_vat_number_is_refused(company, owner, client_for):
    data = {**CUSTOMER_POST, "country": "NL", "vat_id": "NL123456789B02"}

    response = client_for(owner).post(_url("customer-create", company), data)

    assert response.status_code == 200
    assert 'id="id_vat_id_error"' in response.content.decode()
    with company_scope(company):
        assert not Customer.objects.exists()


def test_a_foreign_vat_number_gets_its_country_prefix(company):
    with company_scope(company):
        customer = customer_create(
            company=company,
            name="Bäckerei Schmidt GmbH",
            country="de",
            vat_id="136 695 976",
            vat_treatment="intra_eu",
            language="en",
        )
    assert (customer.country, customer.vat_id, customer.enterprise_number) == (
        "DE",
        "DE136695976",
        "",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "Belgium"}, "country"),
        ({"email": "not an address"}, "email"),
        ({"name": "  "}, "name"),
        ({"language": "de"}, "language"),
        ({"payment_terms_days": 400}, "payment_terms_days"),
        ({"vat_treatment": "intra_eu"}, "vat_treatment"),  # a Belgian customer
        ({"vat_treatment": "export"}, "vat_treatment"),
        ({"vat_treatment": "reverse_charge", "kind": "person"}, "vat_treatment"),
        ({"peppol_endpoint": "5790000435975"}, "peppol_endpoint"),
        ({"peppol_endpoint": "0208:0123456789"}, "peppol_endpoint"),
        ({"name": "x" * 201}, "name"),
        ({"city": "Gent\x00"}, "city"),
    ],
)
def test_customer_rules(company, fields, field):
    values = {"name": "Klant BV", **fields}
    if fields.get("kind") == "person":
        values.update(enterprise_number="", vat_id="")
    with company_scope(company), pytest.raises(DomainError) as refused:
        customer_create(company=company, **values)
    assert refused.value.field == field
    with company_scope(company):
        assert not Customer.objects.exists()


def test_a_customer_without_numbers_is_fine(company):
    with company_scope(company):
        customer = customer_create(
            company=company, kind="person", name="Jan Peeters", email="jan@example.be"
        )
    assert (customer.enterprise_number, customer.vat_id, customer.peppol_id) == ("", "", "")


def test_an_export_customer_outside_the_eu(company):
    with company_scope(company):
        customer = customer_create(
            company=company,
            name="Maple Bakery Inc.",
            country="CA",
            vat_id="123456789 RT0001",
            vat_treatment="export",
            peppol_endpoint=" 0088 : 5790000435975 ",
        )
    assert customer.vat_id == "123456789RT0001"
    assert customer.peppol_id == "0088:5790000435975"


def test_the_same_customer_twice_is_refused(company, owner, client_for):
    client = client_for(owner)
    client.post(_url("customer-create", company), CUSTOMER_POST)

    again = {**CUSTOMER_POST, "name": "Dupont again", "vat_id": "", "enterprise_number": NUMBER}
    response = client.post(_url("customer-create", company), again)

    assert response.status_code == 200
    assert "Brasserie Dupont SRL has this number already" in response.content.decode()
    with company_scope(company):
        assert Customer.objects.count() == 1


def test_another_company_may_have_the_same_customer(company, other_company):
    with company_scope(other_company):
        customer_create(company=other_company, name="Dupont", enterprise_number=NUMBER)
    with company_scope(company):
        customer_create(company=company, name="Dupont", enterprise_number=NUMBER)
        assert Customer.objects.count() == 1


def test_update_keeps_the_rules_and_may_keep_its_own_number(company):
    with company_scope(company):
        customer = customer_create(company=company, name="Jansen", enterprise_number=NUMBER)
        customer_update(customer=customer, city="Brugge")  # its own number is no duplicate
        with pytest.raises(DomainError):
            customer_update(customer=customer, vat_id=f"BE{enterprise_number(90_002)}")
        customer.refresh_from_db()
    assert (customer.city, customer.vat_id) == ("Brugge", f"BE{NUMBER}")


def test_the_detail_page_shows_the_form_filled_in_and_saves(company, owner, client_for):
    customer = factories.CustomerFactory(company=company, name="Bakkerij Jansen", city="Gent")
    client = client_for(owner)
    url = _url("customer-detail", company, customer_id=customer.public_id)

    page = client.get(url).content.decode()
    assert 'value="Bakkerij Jansen"' in page
    assert customer.peppol_id in page

    data = {**CUSTOMER_POST, "name": "Bakkerij Jansen & Zonen", "vat_id": customer.vat_id}
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.city) == ("Bakkerij Jansen & Zonen", "Mons")

    refused = client.post(url, {**data, "name": "Refused", "email": "nope"})
    assert refused.status_code == 200
    assert "<h1>Bakkerij Jansen &amp; Zonen</h1>" in refused.content.decode()
    customer.refresh_from_db()
    assert customer.name == "Bakkerij Jansen & Zonen"


def test_the_accountant_sees_the_customer_without_a_form(company, accountant, client_for):
    customer = factories.CustomerFactory(company=company, name="Bakkerij Jansen")

    response = client_for(accountant).get(
        _url("customer-detail", company, customer_id=customer.public_id)
    )

    page = response.content.decode()
    assert "Bakkerij Jansen" in page
    assert customer.vat_id in page
    assert 'name="name"' not in page


# --- customer list ------------------------------------------------------------------------------


def test_the_empty_list_invites_to_add_or_import(company, owner, client_for):
    page = client_for(owner).get(_url("customer-list", company)).content.decode()

    assert "Add your first customer" in page
    assert _url("customer-create", company) in page
    assert _url("customer-import", company) in page


def test_the_list_searches_names_and_numbers(company, owner, client_for):
    factories.CustomerFactory(company=company, name="Bakkerij Jansen")
    peeters = factories.CustomerFactory(company=company, name="Slagerij Peeters")
    client = client_for(owner)
    url = _url("customer-list", company)

    page = client.get(url, {"q": "jansen"}).content.decode()
    assert "Bakkerij Jansen" in page
    assert "Slagerij Peeters" not in page

    number = peeters.enterprise_number
    dotted = f"{number[:4]}.{number[4:7]}.{number[7:]}"
    for query in (dotted, f"BE{number}", f"be {dotted}"):
        page = client.get(url, {"q": query}).content.decode()
        assert "Slagerij Peeters" in page
        assert "Bakkerij Jansen" not in page

    assert "No customer matches" in client.get(url, {"q": "nobody"}).content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_customer_list_query_budget(company, owner, client_for, django_assert_max_num_queries):
    factories.CustomerFactory.create_batch(3, company=company)
    client = client_for(owner)
    url = _url("customer-list", company)
    few = _queries(client, url)
    factories.CustomerFactory.create_batch(40, company=company)

    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert response.status_code == 200
    assert _queries(client, url) == few  # no query per row


def test_product_list_query_budget(company, owner, client_for, django_assert_max_num_queries):
    factories.ProductFactory.create_batch(3, company=company)
    client = client_for(owner)
    url = _url("product-list", company)
    few = _queries(client, url)
    factories.ProductFactory.create_batch(40, company=company)

    with django_assert_max_num_queries(12):
        response = client.get(url)

    assert response.status_code == 200
    assert _queries(client, url) == few


def test_the_list_pages_at_fifty(company, owner, client_for):
    factories.CustomerFactory.create_batch(51, company=company)
    client = client_for(owner)

    first = client.get(_url("customer-list", company)).content.decode()
    second = client.get(_url("customer-list", company), {"page": "2"}).content.decode()

    assert first.count("/sales/customers/") - second.count("/sales/customers/") == 49
    assert "Page 2 of 2" in second


# --- products -----------------------------------------------------------------------------------


def test_a_product_with_a_decimal_comma(company, member, client_for):
    response = client_for(member).post(_url("product-create", company), PRODUCT_POST)

    assert response.status_code == 302
    with company_scope(company):
        product = Product.objects.get()
    assert (product.unit_price, product.vat_code, product.unit) == (
        Decimal("1.20"),
        "reduced",
        "C62",
    )


def test_a_dutch_user_types_prices_the_belgian_way(company, owner, client_for):
    owner.language = "nl"
    owner.save()
    client = client_for(owner)
    data = {**PRODUCT_POST, "name": "Bruidstaart", "unit_price": "1.250,50"}

    assert client.post(_url("product-create", company), data).status_code == 302

    with company_scope(company):
        product = Product.objects.get()
    assert product.unit_price == Decimal("1250.50")
    page = client.get(_url("product-detail", company, product_id=product.public_id))
    assert 'value="1250,50"' in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "twelve"}, "unit_price"),
        ({"vat_code": "luxury"}, "vat_code"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_product_says_why_on_its_field(company, owner, client_for, changes, field):
    response = client_for(owner).post(_url("product-create", company), {**PRODUCT_POST, **changes})

    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    with company_scope(company):
        assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"vat_code": "luxury"}, "vat_code"),
        ({"unit_price": Decimal("-0.01")}, "unit_price"),
        ({"unit_price": Decimal("1.23456")}, "unit_price"),
        ({"unit_price": Decimal("1e12")}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"unit": "XYZ"}, "unit"),
    ],
)
def test_product_rules(company, fields, field):
    with company_scope(company), pytest.raises(DomainError) as refused:
        product_create(company=company, **{"name": "Brood", "unit_price": Decimal("2"), **fields})
    assert refused.value.field == field


def test_an_active_product_name_is_unique(company):
    with company_scope(company):
        first = product_create(company=company, name="Advies", unit_price=Decimal("90"))
        with pytest.raises(DomainError) as refused:
            product_create(company=company, name="advies ", unit_price=Decimal("95"))
        assert refused.value.code == "duplicate"
        product_update(product=first, unit_price=Decimal("95"))  # itself is no duplicate

        product_deactivate(product=first)
        second = product_create(company=company, name="Advies", unit_price=Decimal("100"))
        with pytest.raises(DomainError):
            product_activate(product=first)  # another one has the name now
        product_deactivate(product=second)
        product_activate(product=first)
        first.refresh_from_db()
    assert (first.is_active, first.unit_price) == (True, Decimal("95"))


def test_deactivating_hides_the_product_from_the_list(company, member, client_for):
    product = factories.ProductFactory(company=company, name="Oude taart")
    factories.ProductFactory(company=company, name="Nieuwe taart")
    client = client_for(member)

    response = client.post(_url("product-deactivate", company, product_id=product.public_id))

    assert response.status_code == 302
    assert "Oude taart is deactivated" in client.get(response["Location"]).content.decode()
    product.refresh_from_db()
    assert not product.is_active
    listed = client.get(_url("product-list", company)).content.decode()
    assert "Oude taart" not in listed
    assert "Nieuwe taart" in listed
    with_inactive = client.get(_url("product-list", company), {"inactive": "1"}).content.decode()
    assert "Oude taart" in with_inactive

    client.post(_url("product-activate", company, product_id=product.public_id))
    product.refresh_from_db()
    assert product.is_active


def test_the_empty_product_list_invites_to_add_or_import(company, owner, client_for):
    page = client_for(owner).get(_url("product-list", company)).content.decode()

    assert "Add your first product or service" in page
    assert _url("product-import", company) in page


def test_the_accountant_sees_the_product_without_a_form(company, accountant, client_for):
    product = factories.ProductFactory(company=company, name="Advies", vat_code="standard")

    page = (
        client_for(accountant)
        .get(_url("product-detail", company, product_id=product.public_id))
        .content.decode()
    )

    assert "Advies" in page
    assert "Standard rate" in page
    assert 'name="unit_price"' not in page
    assert _url("product-deactivate", company, product_id=product.public_id) not in page


def test_the_vat_rates_are_named_in_the_users_language(company, owner, client_for):
    owner.language = "fr"
    owner.save()
    page = client_for(owner).get(
        reverse("sales:product-create", kwargs={"company_id": company.public_id})
    )
    text = html.unescape(page.content.decode())
    assert "Taux normal – 21 %" in text
    assert "Standard rate" not in text
