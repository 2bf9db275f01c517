from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.sales.models import Customer, Invoice, Product, Quote, VatRate


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    """Platform admins keep the rates current (a new Royal Decree is a new row with its date)."""

    list_display = ("code", "name", "rate", "valid_from", "valid_until")
    list_filter = ("code",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "vat_id", "country", "vat_treatment")
    search_fields = ("name", "vat_id", "company__name")
    raw_id_fields = ("company",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "unit_price", "vat_code", "is_active")
    raw_id_fields = ("company",)


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ("number", "company", "customer", "status", "issue_date", "valid_until")
    list_filter = ("status",)
    raw_id_fields = ("company", "customer", "invoice")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: an issued invoice changes only through a credit note, never here."""

    list_display = (
        "number",
        "kind",
        "company",
        "customer",
        "status",
        "issue_date",
        "total_incl_vat",
    )
    list_filter = ("kind", "status")
    search_fields = ("number", "company__name", "customer__name")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
