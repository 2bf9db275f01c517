from django.contrib import admin

from apps.billing.models import Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "monthly_price",
        "documents_per_month",
        "extra_document_price",
        "bank_accounts",
        "mailboxes",
        "cloud_folders",
        "is_default",
        "is_active",
    ]
    list_editable = ["monthly_price", "extra_document_price", "is_active"]
    ordering = ["sort_order"]
