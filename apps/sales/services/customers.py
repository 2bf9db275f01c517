"""Writes of customers and products: the business rules on their identifiers, country, e-mail
and VAT, and imports from a CSV file (read by ``apps.sales.csv_import``).

Belgian identifiers are checked with python-stdnum and stored compact: the enterprise number
as its 10 digits (``0123456749``), the VAT number with its country prefix (``BE0123456749``).
For a Belgian customer both are the same number, so one is enough: the other is derived.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel import Locale
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.sales.csv_import import ImportRow, RowError
from apps.sales.models import Customer, Product, Unit, VatTreatment
from apps.sales.selectors import vat_rate_choices

CUSTOMER_FIELDS = (
    "kind",
    "name",
    "enterprise_number",
    "vat_id",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "language",
    "payment_terms_days",
    "peppol_endpoint",
    "vat_treatment",
)
PRODUCT_FIELDS = ("name", "description", "unit", "unit_price", "vat_code")

_MEMBER_STATES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_COUNTRIES = frozenset(_MEMBER_STATES.split())
_VAT_PREFIXES = {"GR": "EL"}  # Greece's VAT numbers start with EL
_EU_VAT_PREFIXES = (EU_COUNTRIES - {"GR"}) | {"EL", "XI"}  # XI: Northern Ireland (goods)
# Territories in the CLDR list that are not ISO 3166 countries.
_NOT_COUNTRIES = frozenset(
    ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"]
)
MAX_PAYMENT_TERMS_DAYS = 365
_PRICE_LIMIT = Decimal("1e10")  # unit_price: 14 digits, 4 of them decimals


@cache
def country_codes() -> frozenset[str]:
    """The ISO 3166 two-letter country codes (and XK, Kosovo, as the EU writes it)."""
    territories = [code for code in Locale("en").territories if isinstance(code, str)]
    return frozenset(
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name in ``language``) of every country, by name."""
    names = Locale.parse(language or "en").territories
    return sorted(
        ((code, names.get(code, code)) for code in country_codes()), key=lambda c: c[1].lower()
    )


# --- checks -------------------------------------------------------------------------------------


def _enterprise_number(value: str) -> str:
    """``BE 0123.456.749`` or ``123456749`` → ``0123456749``."""
    try:
        return str(be_vat.validate(value))
    except stdnum_exceptions.InvalidChecksum:
        message = _("This enterprise number is not valid: its check digits do not match.")
    except stdnum_exceptions.ValidationError:
        message = _("An enterprise number has 10 digits and starts with 0 or 1, e.g. 0123.456.749.")
    raise DomainError(message, field="enterprise_number")


def _vat_id(value: str, country: str) -> str:
    """A VAT number in compact form with its country prefix. Numbers of EU countries are
    checked (a missing prefix is the customer's country's); others are only tidied."""
    compact = re.sub(r"[\s.\-/]", "", value).upper()
    prefix = _VAT_PREFIXES.get(country, country)
    if compact[:2] in _EU_VAT_PREFIXES:
        number = compact
    elif country in EU_COUNTRIES:
        number = prefix + compact
    else:
        if not re.fullmatch(r"[A-Z0-9]{4,20}", compact):
            raise DomainError(
                _("Enter the VAT number with letters and digits only."), field="vat_id"
            )
        return compact
    try:
        return str(eu_vat.validate(number))
    except stdnum_exceptions.InvalidChecksum:
        message = _("This VAT number is not valid: its check digits do not match.")
    except stdnum_exceptions.ValidationError:
        message = _("Enter a VAT number with its country code, e.g. BE0123456749.")
    raise DomainError(message, field="vat_id")


def _peppol_endpoint(value: str) -> str:
    """``0088 : 5790000435975`` → ``0088:5790000435975`` (a scheme of the Peppol EAS list,
    four digits, and the identifier)."""
    scheme, colon, identifier = value.partition(":")
    scheme, identifier = scheme.strip(), identifier.strip()
    if not colon or not re.fullmatch(r"\d{4}", scheme) or not re.fullmatch(r"\S{1,70}", identifier):
        raise DomainError(
            _("A Peppol ID is a scheme and an identifier, e.g. 0088:5790000435975."),
            field="peppol_endpoint",
        )
    if scheme == "0208":  # a Belgian enterprise number
        try:
            identifier = _enterprise_number(identifier)
        except DomainError as error:
            raise DomainError(error.message, field="peppol_endpoint") from None
    return f"{scheme}:{identifier}"


def _check_text(model: type[Model], values: dict[str, Any]) -> None:
    """Within the columns' lengths and without NUL characters (a file can carry anything)."""
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            raise DomainError(_("This contains characters that are not text."), field=name)
        max_length = getattr(model._meta.get_field(name), "max_length", None)
        if max_length and len(value) > max_length:
            raise DomainError(
                _("This is too long: at most %(count)s characters.") % {"count": max_length},
                field=name,
            )


def _customer_values(values: dict[str, Any]) -> dict[str, Any]:
    """Every customer field, checked and normalised. Raises DomainError on the first problem."""
    data = {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }
    if not data["name"]:
        raise DomainError(_("Enter the customer's name."), field="name")
    if data["kind"] not in Customer.Kind.values:
        raise DomainError(_("Choose a company or a person."), field="kind")
    country = str(data["country"] or "").upper()
    if country not in country_codes():
        raise DomainError(
            _("Enter the country as its two-letter code, e.g. BE, NL or FR."), field="country"
        )
    data["country"] = country
    if data["enterprise_number"]:
        data["enterprise_number"] = _enterprise_number(data["enterprise_number"])
    if data["vat_id"]:
        data["vat_id"] = _vat_id(data["vat_id"], country)
    if country == "BE":
        _derive_belgian_numbers(data)
    if data["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            raise DomainError(_("Enter a valid e-mail address."), field="email") from None
    if data["language"] not in dict(settings.LANGUAGES):
        raise DomainError(_("Choose Dutch, French or English."), field="language")
    terms = data["payment_terms_days"]
    if not isinstance(terms, int) or not 0 <= terms <= MAX_PAYMENT_TERMS_DAYS:
        raise DomainError(
            _("Payment terms are between 0 and %(count)s days.")
            % {"count": MAX_PAYMENT_TERMS_DAYS},
            field="payment_terms_days",
        )
    if data["peppol_endpoint"]:
        data["peppol_endpoint"] = _peppol_endpoint(data["peppol_endpoint"])
    _check_vat_treatment(data)
    _check_text(Customer, data)
    return data


def _derive_belgian_numbers(data: dict[str, Any]) -> None:
    """A Belgian VAT number is BE + the enterprise number: fill in the one that is missing."""
    number, vat_id = data["enterprise_number"], data["vat_id"]
    belgian_vat = vat_id[2:] if vat_id.startswith("BE") else ""
    if number and not vat_id:
        data["vat_id"] = f"BE{number}"
    elif belgian_vat and not number:
        data["enterprise_number"] = belgian_vat
    elif belgian_vat and number != belgian_vat:
        raise DomainError(
            _("A Belgian VAT number is BE followed by the enterprise number; these two differ."),
            field="vat_id",
        )


def _check_vat_treatment(data: dict[str, Any]) -> None:
    """What the EN 16931 rules need for each treatment, said when the customer is saved
    rather than when an invoice is refused."""
    treatment, country, vat_id = data["vat_treatment"], data["country"], data["vat_id"]
    if treatment not in VatTreatment.values:
        raise DomainError(_("Choose how VAT applies."), field="vat_treatment")
    if treatment in (VatTreatment.INTRA_EU, VatTreatment.INTRA_EU_SERVICES) and (
        country == "BE" or country not in EU_COUNTRIES or not vat_id
    ):
        raise DomainError(
            _("An intra-EU supply is for a customer in another EU country, with its VAT number."),
            field="vat_treatment",
        )
    if treatment == VatTreatment.REVERSE_CHARGE and not vat_id.startswith("BE"):
        raise DomainError(
            _("Reverse charge (co-contractor) needs the customer's Belgian VAT number."),
            field="vat_treatment",
        )
    if treatment == VatTreatment.EXPORT and country in EU_COUNTRIES:
        raise DomainError(_("Export is for a customer outside the EU."), field="vat_treatment")


def _customer_taken(
    company_id: int, *, numbers: set[str] | None = None, exclude_pk: int | None = None
) -> dict[str, str]:
    """The enterprise and VAT numbers in use by the company's customers (all of them, or
    those among ``numbers``) → the customer's name."""
    customers = Customer.objects.filter(company_id=company_id)
    if exclude_pk is not None:
        customers = customers.exclude(pk=exclude_pk)
    if numbers is None:
        customers = customers.filter(~Q(enterprise_number="") | ~Q(vat_id=""))
    else:
        customers = customers.filter(Q(enterprise_number__in=numbers) | Q(vat_id__in=numbers))
    taken: dict[str, str] = {}
    for number, vat_id, name in customers.values_list("enterprise_number", "vat_id", "name"):
        for key in (number, vat_id):
            if key:
                taken.setdefault(key, name)
    return taken


def _check_customer_unique(data: dict[str, Any], taken: dict[str, str]) -> None:
    for name in ("enterprise_number", "vat_id"):
        if data[name] and data[name] in taken:
            raise DomainError(
                _("%(name)s has this number already: you have this customer already.")
                % {"name": taken[data[name]]},
                code="duplicate",
                field=name,
            )


def _given(allowed: tuple[str, ...], fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    return fields


def _current(instance: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


# --- customers ----------------------------------------------------------------------------------


@transaction.atomic
def customer_create(*, company: Company, **fields: Any) -> Customer:
    """Add a customer. Fields not given get the model's defaults (a Belgian company, Dutch,
    30 days, Belgian VAT). Its enterprise and VAT numbers are unique within the company."""
    customer = Customer(company=company)
    return _customer_save(customer, fields)


@transaction.atomic
def customer_update(*, customer: Customer, **fields: Any) -> Customer:
    """Change some fields of a customer; the rules apply to the result as a whole. Issued
    invoices keep their own copy of the customer and do not change."""
    return _customer_save(customer, fields)


def _customer_save(customer: Customer, fields: dict[str, Any]) -> Customer:
    data = _customer_values(
        {**_current(customer, CUSTOMER_FIELDS), **_given(CUSTOMER_FIELDS, fields)}
    )
    numbers = {data["enterprise_number"], data["vat_id"]} - {""}
    if numbers:
        taken = _customer_taken(customer.company_id, numbers=numbers, exclude_pk=customer.pk)
        _check_customer_unique(data, taken)
    for name, value in data.items():
        setattr(customer, name, value)
    customer.save()
    return customer


# --- products -----------------------------------------------------------------------------------


def _vat_codes(on: datetime.date | None = None) -> set[str]:
    return {code for code, _label in vat_rate_choices(on=on or timezone.localdate())}


def _product_values(values: dict[str, Any], *, vat_codes: set[str]) -> dict[str, Any]:
    """Every product field, checked and normalised. Raises DomainError on the first problem."""
    data = {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }
    if not data["name"]:
        raise DomainError(_("Enter the name of the product or service."), field="name")
    if data["unit"] not in Unit.values:
        raise DomainError(_("Choose a unit."), field="unit")
    try:
        price = Decimal(str(data["unit_price"]))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("Enter the price as a number, e.g. 12.50."), field="unit_price"
        ) from None
    if not price.is_finite() or price < 0 or price >= _PRICE_LIMIT:
        raise DomainError(_("Enter a price of 0 or more, without VAT."), field="unit_price")
    if price != price.quantize(Decimal("0.0001")):
        raise DomainError(_("A price has at most 4 decimals."), field="unit_price")
    data["unit_price"] = price
    if data["vat_code"] not in vat_codes:
        raise DomainError(
            _("Unknown VAT rate “%(code)s”: choose one of the list.") % {"code": data["vat_code"]},
            field="vat_code",
        )
    _check_text(Product, data)
    return data


def _product_names_taken(
    company_id: int, *, name: str | None = None, exclude_pk: int | None = None
) -> set[str]:
    """The names (case-folded) of the company's active products, all or those like ``name``."""
    products = Product.objects.filter(company_id=company_id, is_active=True)
    if exclude_pk is not None:
        products = products.exclude(pk=exclude_pk)
    if name is not None:
        products = products.filter(name__iexact=name)
    return {taken.casefold() for taken in products.values_list("name", flat=True)}


def _check_product_unique(data: dict[str, Any], taken: set[str]) -> None:
    if data["name"].casefold() in taken:
        raise DomainError(
            _("You offer a product or service with this name already."),
            code="duplicate",
            field="name",
        )


@transaction.atomic
def product_create(*, company: Company, **fields: Any) -> Product:
    """Add a product or service to the company's list. The VAT code is a rate in force today;
    the names of active products are unique (case aside)."""
    product = Product(company=company)
    return _product_save(product, fields)


@transaction.atomic
def product_update(*, product: Product, **fields: Any) -> Product:
    """Change a product. Lines of quotes and invoices copied it and do not change."""
    return _product_save(product, fields)


def _product_save(product: Product, fields: dict[str, Any]) -> Product:
    data = _product_values(
        {**_current(product, PRODUCT_FIELDS), **_given(PRODUCT_FIELDS, fields)},
        vat_codes=_vat_codes(),
    )
    if product.is_active:
        taken = _product_names_taken(product.company_id, name=data["name"], exclude_pk=product.pk)
        _check_product_unique(data, taken)
    for name, value in data.items():
        setattr(product, name, value)
    product.save()
    return product


@transaction.atomic
def product_deactivate(*, product: Product) -> Product:
    """No longer offered: hidden from new quotes and invoices; the documents that used it keep
    their lines."""
    product.is_active = False
    product.save(update_fields=["is_active", "updated_at"])
    return product


@transaction.atomic
def product_activate(*, product: Product) -> Product:
    """Offered again, unless an active product has its name meanwhile."""
    if not product.is_active:
        taken = _product_names_taken(product.company_id, name=product.name, exclude_pk=product.pk)
        _check_product_unique({"name": product.name}, taken)
        product.is_active = True
        product.save(update_fields=["is_active", "updated_at"])
    return product


# --- imports ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did: the rows created (line, object) and the rows refused, by line."""

    imported: list[tuple[int, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _refused(row: ImportRow, error: DomainError, model: type[Model]) -> RowError:
    label: Any = ""
    if error.field:
        label = model._meta.get_field(error.field).verbose_name  # type: ignore[union-attr]
    return RowError(line=row.line, message=error.message, label=label)


@transaction.atomic
def customer_import(*, company: Company, rows: Iterable[ImportRow]) -> ImportResult:
    """Create a customer per row, with the same rules as ``customer_create``. A refused row
    (a wrong number, a customer that exists already, twice the same in the file) is reported
    with its line and does not stop the others. All valid rows are saved together, or none."""
    taken = _customer_taken(company.pk)
    defaults = _current(Customer(company=company), CUSTOMER_FIELDS)
    result = ImportResult()
    for row in rows:
        try:
            data = _customer_values({**defaults, **_given(CUSTOMER_FIELDS, row.fields)})
            _check_customer_unique(data, taken)
        except DomainError as error:
            result.errors.append(_refused(row, error, Customer))
            continue
        for key in (data["enterprise_number"], data["vat_id"]):
            if key:
                taken[key] = data["name"]
        result.imported.append((row.line, Customer(company=company, **data)))
    Customer.objects.bulk_create([customer for _line, customer in result.imported], batch_size=500)
    return result


@transaction.atomic
def product_import(*, company: Company, rows: Iterable[ImportRow]) -> ImportResult:
    """Create a product per row, with the same rules as ``product_create``; refused rows are
    reported with their line. All valid rows are saved together, or none."""
    taken = _product_names_taken(company.pk)
    vat_codes = _vat_codes()
    defaults = _current(Product(company=company), PRODUCT_FIELDS)
    result = ImportResult()
    for row in rows:
        try:
            data = _product_values(
                {**defaults, **_given(PRODUCT_FIELDS, row.fields)}, vat_codes=vat_codes
            )
            _check_product_unique(data, taken)
        except DomainError as error:
            result.errors.append(_refused(row, error, Product))
            continue
        taken.add(data["name"].casefold())
        result.imported.append((row.line, Product(company=company, **data)))
    Product.objects.bulk_create([product for _line, product in result.imported], batch_size=500)
    return result
