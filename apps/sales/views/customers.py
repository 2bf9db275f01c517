"""Customers and products: the lists (with search), adding and changing them, deactivating a
product, and importing either from a CSV file."""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.core.paging import query_text
from apps.core.views import refusal_as_message
from apps.peppol.selectors import reachability_known
from apps.sales import csv_import
from apps.sales.forms.customers import CustomerForm, ImportForm, ProductForm
from apps.sales.models import Customer, Product
from apps.sales.selectors import vat_rate_choices
from apps.sales.services import customers as services

PAGE_SIZE = 50
SHOWN_IMPORTED = 100  # an import lists this many of the rows it created, then "and N more"


def _url(name: str, company: Company, **kwargs: Any) -> str:
    return reverse(f"sales:{name}", kwargs={"company_id": company.public_id, **kwargs})


# --- reads: company-scoped; another company's object is the same 404 as a missing one --------


def _customer_list(*, company: Company, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(company=company).order_by("name", "id")
    if search:
        number = re.sub(r"[\s.\-/]", "", search).upper()
        condition = Q(name__icontains=search) | Q(email__icontains=search)
        if number:
            condition |= Q(vat_id__icontains=number)
            condition |= Q(enterprise_number__icontains=number.removeprefix("BE"))
        customers = customers.filter(condition)
    return customers


def _customer_or_404(request: CompanyRequest, customer_id: uuid.UUID) -> Customer:
    customer = Customer.objects.filter(company=request.company, public_id=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def _product_list(
    *, company: Company, search: str = "", include_inactive: bool = False
) -> QuerySet[Product]:
    products = Product.objects.filter(company=company).order_by("name", "id")
    if not include_inactive:
        products = products.filter(is_active=True)
    if search:
        products = products.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return products


def _product_or_404(request: CompanyRequest, product_id: uuid.UUID) -> Product:
    product = Product.objects.filter(company=request.company, public_id=product_id).first()
    if product is None:
        raise Http404
    return product


def _saved(
    request: CompanyRequest,
    form: BaseForm,
    save: Callable[[], Any],
    instance: Customer | Product | None = None,
) -> Any:
    """The object ``save`` (a service) returns for a posted, valid ``form``; otherwise None,
    with the service's refusal on its field, and ``instance`` (when editing) read again: the
    page shows the stored values beside the refused input. Only who may edit data posts."""
    if request.method != "POST":
        return None
    if not request.access.can(Action.EDIT_DATA):
        raise PermissionDenied
    saved = None
    if form.is_valid():
        try:
            saved = save()
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)  # type: ignore[arg-type]
    if saved is None and instance is not None:
        instance.refresh_from_db()
    return saved


# --- customers ----------------------------------------------------------------------------------


@company_view()
def customer_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    search = query_text(request, "q")
    page = Paginator(_customer_list(company=company, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sales/customer_list.html",
        {
            "page": page,
            "search": search,
            "can_edit": request.access.can(Action.EDIT_DATA),
            "tab": "customers",
        },
    )


def _peppol(customer: Customer | None) -> dict[str, Any] | None:
    """Whether the customer is on Peppol, as far as known now; the check is asked of a
    worker when it is not (the page says it is being checked)."""
    if customer is None:
        return None
    vat = customer.vat_id if customer.vat_id.upper().startswith("BE") else ""
    if not (customer.enterprise_number or vat):
        return None
    known, _checking = reachability_known(
        enterprise_number=customer.enterprise_number, vat_number=vat
    )
    return {"known": known}


def _customer_page(request: CompanyRequest, form: CustomerForm, customer: Customer | None) -> Any:
    return render(
        request,
        "sales/customer_form.html",
        {
            "form": form,
            "customer": customer,
            "can_edit": request.access.can(Action.EDIT_DATA),
            "tab": "customers",
            "peppol": _peppol(customer),
        },
    )


@company_view(Action.EDIT_DATA)
def customer_create(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = CustomerForm(
        request.POST or None, initial={"language": company.default_language, "country": "BE"}
    )
    customer = _saved(
        request, form, lambda: services.customer_create(company=company, **form.service_fields())
    )
    if customer is not None:
        messages.success(request, _("%(name)s is added.") % {"name": customer.name})
        return redirect(_url("customer-detail", company, customer_id=customer.public_id))
    return _customer_page(request, form, None)


@company_view()
def customer_detail(request: CompanyRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = _customer_or_404(request, customer_id)
    form = CustomerForm(request.POST or None, instance=customer)
    saved = _saved(
        request,
        form,
        lambda: services.customer_update(customer=customer, **form.service_fields()),
        customer,
    )
    if saved is not None:
        messages.success(request, _("The customer is saved."))
        return redirect(_url("customer-detail", request.company, customer_id=customer_id))
    return _customer_page(request, form, customer)


# --- products -----------------------------------------------------------------------------------


@company_view()
def product_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    search = query_text(request, "q")
    include_inactive = request.GET.get("inactive") == "1"
    page = Paginator(
        _product_list(company=company, search=search, include_inactive=include_inactive),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rates = dict(vat_rate_choices(on=timezone.localdate()))
    return render(
        request,
        "sales/product_list.html",
        {
            "page": page,
            "rows": [(product, rates.get(product.vat_code, product.vat_code)) for product in page],
            "search": search,
            "include_inactive": include_inactive,
            "has_inactive": include_inactive
            or Product.objects.filter(company=company, is_active=False).exists(),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "tab": "products",
        },
    )


def _product_page(request: CompanyRequest, form: ProductForm, product: Product | None) -> Any:
    rates = dict(form.fields["vat_code"].choices)  # type: ignore[attr-defined]
    return render(
        request,
        "sales/product_form.html",
        {
            "form": form,
            "product": product,
            "vat_label": rates.get(product.vat_code, product.vat_code) if product else "",
            "can_edit": request.access.can(Action.EDIT_DATA),
            "tab": "products",
        },
    )


@company_view(Action.EDIT_DATA)
def product_create(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = ProductForm(request.POST or None)
    product = _saved(
        request, form, lambda: services.product_create(company=company, **form.service_fields())
    )
    if product is not None:
        messages.success(request, _("%(name)s is added.") % {"name": product.name})
        return redirect(_url("product-list", company))
    return _product_page(request, form, None)


@company_view()
def product_detail(request: CompanyRequest, product_id: uuid.UUID) -> HttpResponse:
    product = _product_or_404(request, product_id)
    form = ProductForm(request.POST or None, instance=product)
    saved = _saved(
        request,
        form,
        lambda: services.product_update(product=product, **form.service_fields()),
        product,
    )
    if saved is not None:
        messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
        return redirect(_url("product-list", request.company))
    return _product_page(request, form, product)


@require_POST
@company_view(Action.EDIT_DATA)
def product_deactivate(request: CompanyRequest, product_id: uuid.UUID) -> HttpResponse:
    product = services.product_deactivate(product=_product_or_404(request, product_id))
    messages.success(
        request,
        _("%(name)s is deactivated: it is no longer offered on new quotes and invoices.")
        % {"name": product.name},
    )
    return redirect(_url("product-list", request.company))


@require_POST
@company_view(Action.EDIT_DATA)
def product_activate(request: CompanyRequest, product_id: uuid.UUID) -> HttpResponse:
    product = _product_or_404(request, product_id)
    with refusal_as_message(request):
        services.product_activate(product=product)
        messages.success(request, _("%(name)s is offered again.") % {"name": product.name})
    return redirect(_url("product-detail", request.company, product_id=product.public_id))


# --- imports ------------------------------------------------------------------------------------


def _import(
    request: CompanyRequest,
    *,
    template: str,
    parse: Callable[[bytes], tuple[list[csv_import.ImportRow], list[csv_import.RowError]]],
    save: Callable[..., services.ImportResult],
    tab: str,
) -> HttpResponse:
    """Upload → import → the result: the rows created, and every refused row with its line
    and the reason. A file that cannot be read at all is one error and imports nothing."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            rows, refused = parse(form.read())
        except csv_import.CsvFileError as error:
            form.add_error("file", error.message)  # type: ignore[arg-type]
        else:
            result = save(company=request.company, rows=rows)
            result.errors = sorted([*refused, *result.errors], key=lambda error: error.line)
    context: dict[str, Any] = {"form": form, "result": result, "tab": tab}
    if result is not None:
        context["shown"] = result.imported[:SHOWN_IMPORTED]
        context["more"] = max(0, len(result.imported) - SHOWN_IMPORTED)
    return render(request, template, context)


@company_view(Action.EDIT_DATA)
def customer_import(request: CompanyRequest) -> HttpResponse:
    return _import(
        request,
        template="sales/customer_import.html",
        parse=csv_import.parse_customers_csv,
        save=services.customer_import,
        tab="customers",
    )


@company_view(Action.EDIT_DATA)
def product_import(request: CompanyRequest) -> HttpResponse:
    return _import(
        request,
        template="sales/product_import.html",
        parse=csv_import.parse_products_csv,
        save=services.product_import,
        tab="products",
    )


company = "c/<uuid:company_id>/sales/"
customer = company + "customers/<uuid:customer_id>/"
product = company + "products/<uuid:product_id>/"

urls = [
    path(company + "customers/", customer_list, name="customer-list"),
    path(company + "customers/new/", customer_create, name="customer-create"),
    path(company + "customers/import/", customer_import, name="customer-import"),
    path(customer, customer_detail, name="customer-detail"),
    path(company + "products/", product_list, name="product-list"),
    path(company + "products/new/", product_create, name="product-create"),
    path(company + "products/import/", product_import, name="product-import"),
    path(product, product_detail, name="product-detail"),
    path(product + "deactivate/", product_deactivate, name="product-deactivate"),
    path(product + "activate/", product_activate, name="product-activate"),
]
