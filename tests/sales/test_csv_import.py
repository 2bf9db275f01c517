"""Importing customers and products from CSV files as Belgian spreadsheets write them: the
parser (delimiters, encodings, Dutch and French column names, decimal commas, limits, never a
crash on garbage) and the import pages (good rows in, bad rows reported by line)."""

import codecs
import contextlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.companies.scoping import company_scope
from apps.sales.csv_import import (
    MAX_BYTES,
    MAX_ROWS,
    CsvFileError,
    parse_customers_csv,
    parse_decimal,
    parse_products_csv,
)
from apps.sales.models import Customer, Product
from apps.sales.services.customers import customer_import, product_import
from tests import factories
from tests.factories import enterprise_number

FIRST, SECOND, THIRD = (enterprise_number(n) for n in (91_001, 91_002, 91_003))


def _fields(data: bytes, parse=parse_customers_csv):
    rows, errors = parse(data)
    assert errors == []
    return [row.fields for row in rows]


# --- the parser ---------------------------------------------------------------------------------


def test_a_belgian_excel_export_semicolons_dutch_headers_windows_1252():
    data = (
        "Naam;BTW-nummer;E-mail;Straat;Postcode;Gemeente;Land;Taal;Betalingstermijn\n"
        f"Bakkerij Jansen;BE{FIRST};facturen@jansen.be;Kerkstraat 1;9000;Gent;België;NL;30\n"
        f"Brasserie Dupont;{SECOND};;Rue Haute 2;7000;Mons;Belgique;français;14 dagen\n"
    ).encode("cp1252")

    assert _fields(data) == [
        {
            "name": "Bakkerij Jansen",
            "vat_id": f"BE{FIRST}",
            "email": "facturen@jansen.be",
            "street": "Kerkstraat 1",
            "postal_code": "9000",
            "city": "Gent",
            "country": "BE",
            "language": "nl",
            "payment_terms_days": 30,
        },
        {
            "name": "Brasserie Dupont",
            "vat_id": SECOND,
            "street": "Rue Haute 2",
            "postal_code": "7000",
            "city": "Mons",
            "country": "BE",
            "language": "fr",
            "payment_terms_days": 14,
        },
    ]


def test_french_headers_utf8_with_bom_and_commas():
    data = (
        codecs.BOM_UTF8
        + (
            "Nom,TVA,Courriel,Rue,Code postal,Ville,Pays,Langue,Délai de paiement\n"
            '"Société Générale d\'Électricité, SA",FR40303265045,compta@sge.fr,'
            '"Rue de Rivoli 1",75001,Paris,France,fr,45\n'
        ).encode()
    )

    (row,) = _fields(data)
    assert row["name"] == "Société Générale d'Électricité, SA"
    assert (row["vat_id"], row["country"], row["payment_terms_days"]) == ("FR40303265045", "FR", 45)


def test_utf16_tab_separated_unicode_text():
    data = "name\tvat\tcountry\nBäckerei Schmidt\tDE136695976\tDeutschland\n".encode("utf-16")

    assert _fields(data) == [{"name": "Bäckerei Schmidt", "vat_id": "DE136695976", "country": "DE"}]


def test_line_numbers_count_blank_lines_and_multiline_cells():
    data = (
        b"name;language\n"
        b"\n"
        b'"Jansen\nen Zonen";nl\n'  # lines 3-4
        b";;\n"
        b"Peeters;klingon\n"  # line 6
        b"Dupont;fr\n"
    )

    rows, errors = parse_customers_csv(data)

    assert [(row.line, row.fields["name"]) for row in rows] == [
        (3, "Jansen\nen Zonen"),
        (7, "Dupont"),
    ]
    assert [(error.line, str(error.label)) for error in errors] == [(6, "language")]
    assert "klingon" in str(errors[0].message)


def test_excel_text_cells_keep_their_leading_zero():
    data = f'name;ondernemingsnummer\nJansen;="{FIRST}"\n'.encode()

    assert _fields(data) == [{"name": "Jansen", "enterprise_number": FIRST}]


def test_unknown_columns_are_ignored_and_empty_cells_left_to_the_defaults():
    data = b"name;telefoon;country;language\nJansen;09 123 45 67;;\n"

    assert _fields(data) == [{"name": "Jansen"}]


def test_products_with_decimal_commas_vat_percentages_and_units():
    data = (
        "Naam;Prijs;BTW;Eenheid;Omschrijving\n"
        "Pistolet;0,60;6%;stuk;\n"
        "Bruidstaart;1.250,00;6;;Drie verdiepingen\n"
        "Advies;85;21 %;uur;\n"
        "Kamer;95,5;12;nacht;\n"
        "Boek;12,00;0;;\n"
        "Logies;80;accommodation;dag;\n"
    ).encode("cp1252")

    rows, errors = parse_products_csv(data)

    assert [row.fields for row in rows] == [
        {"name": "Pistolet", "unit_price": Decimal("0.60"), "vat_code": "reduced", "unit": "C62"},
        {
            "name": "Bruidstaart",
            "unit_price": Decimal("1250.00"),
            "vat_code": "reduced",
            "description": "Drie verdiepingen",
        },
        {"name": "Advies", "unit_price": Decimal("85"), "vat_code": "standard", "unit": "HUR"},
        {"name": "Boek", "unit_price": Decimal("12.00"), "vat_code": "zero"},
        {"name": "Logies", "unit_price": Decimal("80"), "vat_code": "accommodation", "unit": "DAY"},
    ]
    assert [(error.line, str(error.label)) for error in errors] == [(5, "unit")]


def test_in_a_semicolon_file_a_lone_point_groups_thousands():
    rows, _errors = parse_products_csv(b"name;price\nA;1.250\nB;12.50\nC;1.250.000\n")

    assert [row.fields["unit_price"] for row in rows] == [
        Decimal("1250"),
        Decimal("12.50"),
        Decimal("1250000"),
    ]


def test_in_a_comma_file_a_point_is_the_decimal_separator():
    rows, _errors = parse_products_csv(b'name,price\nA,1.250\nB,"1,250.50"\n')

    assert [row.fields["unit_price"] for row in rows] == [Decimal("1.250"), Decimal("1250.50")]


def test_prix_en_francais():
    rows, errors = parse_products_csv("Nom;Prix HTVA;TVA;Unité\nCroissant;1,20;6;pièce\n".encode())

    assert errors == []
    assert rows[0].fields == {
        "name": "Croissant",
        "unit_price": Decimal("1.20"),
        "vat_code": "reduced",
        "unit": "C62",
    }


def test_a_wrong_product_cell_refuses_its_row_only():
    data = "naam;prijs;btw\nGoed;1,00;21\nGeen prijs;douze;21\nGeen tarief;2;19\nStandaard;3;\n"

    rows, errors = parse_products_csv(data.encode())

    assert [row.fields["name"] for row in rows] == ["Goed", "Standaard"]
    assert "vat_code" not in rows[1].fields  # empty: the default rate applies
    assert [(error.line, str(error.label)) for error in errors] == [
        (3, "unit price excl. VAT"),
        (4, "VAT rate"),
    ]
    assert "Not a price: “douze”" in str(errors[0].message)
    assert "no Belgian VAT rate of 19" in str(errors[1].message)


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("12,50", None, "12.50"),
        ("12.50", None, "12.50"),
        ("€ 1.234,56", None, "1234.56"),
        ("1,234.56", None, "1234.56"),
        ("1 234,56", None, "1234.56"),
        ("1.250", ",", "1250"),
        ("1.250", None, "1.250"),
        ("1,250", ".", "1250"),
        ("-3", None, "-3"),
        ("12 EUR", None, "12"),
        ("1.2.3", None, None),
        ("12,", None, None),
        ("abc", None, None),
        ("", None, None),
        ("1e5", None, None),
        ("NaN", None, None),
    ],
)
def test_parse_decimal(text, separator, expected):
    result = parse_decimal(text, decimal_separator=separator)
    assert result == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b" \n\n", "The file is empty."),
        (b";;;\n;;\n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a zip", "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "Excel"),
        (b"%PDF-1.4\n\x00\x01\x02binary", "This is not a CSV file"),
        (b"\x81\x8d\x8f\x90\x9d", "This is not a CSV file"),
        (b"naam;btw\n", "no rows under its first line"),
        (b"btw;email\nBE0123456749;a@b.be\n", "The column “name” is missing"),
        (b"naam;nom\nA;B\n", "mean the same thing"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_error(data, message):
    with pytest.raises(CsvFileError) as refused:
        parse_customers_csv(data)
    assert message in str(refused.value.message)
    assert refused.value.field == "file"


def test_a_products_file_needs_a_price_column():
    with pytest.raises(CsvFileError) as refused:
        parse_products_csv(b"naam;btw\nBrood;6\n")
    assert "“unit_price” is missing" in str(refused.value.message)


def test_limits_on_size_and_rows():
    with pytest.raises(CsvFileError, match="larger than 2 MB"):
        parse_customers_csv(b"name\n" + b"x" * MAX_BYTES)
    many = b"name\n" + b"".join(b"Klant %d\n" % n for n in range(MAX_ROWS + 1))
    with pytest.raises(CsvFileError, match="more than 5000 rows"):
        parse_customers_csv(many)
    rows, _errors = parse_customers_csv(b"name\n" + b"".join(b"K%d\n" % n for n in range(MAX_ROWS)))
    assert len(rows) == MAX_ROWS


def test_a_huge_cell_is_one_clear_error():
    with pytest.raises(CsvFileError, match="cannot be read as CSV"):
        parse_customers_csv(b'name\n"' + b"x" * 200_000 + b'"\n')


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_the_parsers(data):
    for parse in (parse_customers_csv, parse_products_csv):
        try:
            rows, errors = parse(data)
        except CsvFileError as error:
            message = str(error.message)
        else:
            message = "read"
            assert all(row.line >= 2 for row in rows)
            assert all(error.line >= 2 and str(error.message) for error in errors)
        assert message


_cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cell, min_size=0, max_size=8), max_size=15), st.sampled_from(";,\t"))
def test_random_cells_under_a_valid_header_never_crash(cells, delimiter):
    for header, parse in (
        (
            ["naam", "btw", "land", "taal", "betalingstermijn", "type", "peppol"],
            parse_customers_csv,
        ),
        (["naam", "prijs", "btw", "eenheid", "omschrijving"], parse_products_csv),
    ):
        lines = [delimiter.join(header)] + [
            delimiter.join(c.replace('"', "").replace(delimiter, " ") for c in row) for row in cells
        ]
        with contextlib.suppress(CsvFileError):
            parse("\n".join(lines).encode())


# --- the import services ------------------------------------------------------------------------


def test_good_rows_are_imported_and_bad_rows_reported_by_line(company):
    factories.CustomerFactory(company=company, name="Al gekend", enterprise_number=THIRD)
    data = (
        "naam;btw;land;e-mail\n"
        f"Bakkerij Jansen;BE{FIRST};BE;a@jansen.be\n"
        "Slecht Nummer;BE0123456789;BE;\n"
        f"Dubbel Jansen;{FIRST};BE;\n"
        f"Al gekend bis;{THIRD};BE;\n"
        ";;;x@y.be\n"
        "Schmidt;DE136695976;Duitsland;s@schmidt.de\n"
        "Fout adres;;BE;geen-adres\n"
    ).encode()
    rows, errors = parse_customers_csv(data)

    with company_scope(company):
        result = customer_import(company=company, rows=rows)
        names = sorted(Customer.objects.values_list("name", flat=True))

    assert errors == []
    assert [(line, customer.name) for line, customer in result.imported] == [
        (2, "Bakkerij Jansen"),
        (7, "Schmidt"),
    ]
    refused = {error.line: (str(error.label), str(error.message)) for error in result.errors}
    assert sorted(refused) == [3, 4, 5, 6, 8]
    assert refused[3] == (
        "VAT number",
        "This VAT number is not valid: its check digits do not match.",
    )
    assert "Bakkerij Jansen has this number already" in refused[4][1]
    assert "Al gekend has this number already" in refused[5][1]
    assert refused[6] == ("name", "Enter the customer's name.")
    assert refused[8][0] == "e-mail for invoices"
    assert names == ["Al gekend", "Bakkerij Jansen", "Schmidt"]
    with company_scope(company):
        jansen = Customer.objects.get(name="Bakkerij Jansen")
    assert (jansen.enterprise_number, jansen.vat_id) == (FIRST, f"BE{FIRST}")


def test_an_import_costs_a_few_queries_not_one_per_row(company, django_assert_max_num_queries):
    data = "naam;btw\n" + "".join(
        f"Klant {n};BE{enterprise_number(92_000 + n)}\n" for n in range(300)
    )
    rows, _errors = parse_customers_csv(data.encode())

    # one read of the numbers in use, then inserts by batch (SQLite: ~50 rows a batch)
    with company_scope(company), django_assert_max_num_queries(12):
        result = customer_import(company=company, rows=rows)

    assert len(result.imported) == 300


def test_products_import_with_the_rates_in_force(company):
    factories.ProductFactory(company=company, name="Pistolet")
    rows, errors = parse_products_csv(
        b"naam;prijs;btw\nPistolet;0,60;6\nCroissant;1,20;6\nTaart;-5;6\nLuxe;10;btw-vrij\n"
        b"croissant;1,30;6\n"
    )
    with company_scope(company):
        result = product_import(company=company, rows=rows)
        croissant = Product.objects.get(name="Croissant")

    assert errors == []
    assert [line for line, _product in result.imported] == [3]
    assert (croissant.unit_price, croissant.vat_code) == (Decimal("1.20"), "reduced")
    assert [error.line for error in result.errors] == [2, 4, 5, 6]


# --- the import pages ---------------------------------------------------------------------------


def _upload(client, url, data, name="klanten.csv"):
    return client.post(url, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_importing_customers_through_the_page(company, member, client_for):
    url = reverse("sales:customer-import", kwargs={"company_id": company.public_id})
    data = (
        "Naam;BTW;Gemeente;Taal\n"
        f"Bakkerij Jansen;BE {FIRST[:4]}.{FIRST[4:7]}.{FIRST[7:]};Gent;nl\n"
        "Slecht Nummer;BE0123456789;Gent;nl\n"
        f"Slagerij Peeters;{SECOND};Brugge;nl\n"
    ).encode("cp1252")

    response = _upload(client_for(member), url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 customers imported." in page
    assert "1 row not imported" in page
    assert '<td class="num">3</td>' in page
    assert "This VAT number is not valid: its check digits do not match." in page
    with company_scope(company):
        assert sorted(Customer.objects.values_list("name", flat=True)) == [
            "Bakkerij Jansen",
            "Slagerij Peeters",
        ]


def test_a_garbage_file_is_one_error_and_imports_nothing(company, owner, client_for):
    url = reverse("sales:customer-import", kwargs={"company_id": company.public_id})

    response = _upload(client_for(owner), url, b"\x00\x01\x02\x03garbage\xff\xfe", "x.csv")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_file_error"' in page
    assert "This is not a CSV file" in page
    assert "imported." not in page
    with company_scope(company):
        assert not Customer.objects.exists()


def test_an_excel_file_is_explained(company, owner, client_for):
    url = reverse("sales:product-import", kwargs={"company_id": company.public_id})

    response = _upload(client_for(owner), url, b"PK\x03\x04xlsx inside", "producten.xlsx")

    assert "Save it as CSV first" in response.content.decode()
    with company_scope(company):
        assert not Product.objects.exists()


def test_importing_products_through_the_page(company, owner, client_for):
    url = reverse("sales:product-import", kwargs={"company_id": company.public_id})
    data = "Naam;Prijs;BTW;Eenheid\nPistolet;0,60;6%;stuk\nAdvies;85,00;21;uur\nFout;gratis;21;\n"

    response = _upload(client_for(owner), url, data.encode(), "producten.csv")

    page = response.content.decode()
    assert "2 products and services imported." in page
    assert "Not a price: “gratis”" in page
    with company_scope(company):
        advies = Product.objects.get(name="Advies")
    assert (advies.unit_price, advies.vat_code, advies.unit) == (
        Decimal("85.00"),
        "standard",
        "HUR",
    )


def test_the_import_page_in_dutch(company, owner, client_for):
    owner.language = "nl"
    owner.save()
    url = reverse("sales:customer-import", kwargs={"company_id": company.public_id})

    response = _upload(client_for(owner), url, b"naam;btw\nFout;BE0123456789\n")

    assert response.status_code == 200
    assert "Dit btw-nummer is niet geldig" in response.content.decode()
    with company_scope(company):
        assert not Customer.objects.exists()
