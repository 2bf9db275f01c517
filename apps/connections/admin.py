from django.contrib import admin

from apps.connections.models import Delivery, Transfer


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("company", "package", "general_address", "is_automatic", "is_active")
    search_fields = ("company__name", "general_address", "purchases_address")
    raw_id_fields = ("company", "updated_by")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "document",
        "company",
        "transport",
        "destination",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "reason", "category")
    search_fields = ("company__name", "destination", "message_id")
    raw_id_fields = ("company", "document", "requested_by")
    readonly_fields = ("message_id", "answer", "attempts", "sent_at", "first_attempt_at")
