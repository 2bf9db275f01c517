from django.contrib import admin

from apps.billing.models import DocumentUsage, Plan


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


@admin.register(DocumentUsage)
class DocumentUsageAdmin(admin.ModelAdmin):
    list_display = ["company", "month", "documents"]
    list_select_related = ["company"]
    readonly_fields = ["company", "month", "documents"]
    ordering = ["-month", "company"]
