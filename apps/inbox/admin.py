"""Platform admin: every mailbox's and cloud folder's health, forwarding addresses, mail seen.

Stored secrets are never shown nor editable here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.inbox.models import CloudFolder, ForwardingAddress, InboundMessage, Mailbox

HEALTH = [
    "status",
    "paused_reason",
    "last_scan_at",
    "last_success_at",
    "last_error_text",
    "last_error_at",
    "auth_failures",
    "scanning_since",
    "items_seen",
    "documents_found",
    "items_failed",
]


class CollectorAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "company",
        "status",
        "last_success_at",
        "last_error_text",
        "auth_failures",
        "documents_found",
    ]
    list_filter = ["status"]
    search_fields = ["name", "username", "company__name"]
    exclude = ["secret", "access_token"]
    readonly_fields = [
        "public_id",
        *HEALTH,
        "oauth_provider",
        "token_expires_at",
        "created_by",
        "created_at",
    ]
    list_select_related = ["company"]

    @admin.display(description=_("last error"))
    def last_error_text(self, obj: Mailbox | CloudFolder) -> str:
        return obj.last_error


@admin.register(Mailbox)
class MailboxAdmin(CollectorAdmin):
    list_display = [*CollectorAdmin.list_display[:2], "host", *CollectorAdmin.list_display[2:]]


@admin.register(CloudFolder)
class CloudFolderAdmin(CollectorAdmin):
    list_display = [*CollectorAdmin.list_display[:2], "url", *CollectorAdmin.list_display[2:]]


@admin.register(ForwardingAddress)
class ForwardingAddressAdmin(admin.ModelAdmin):
    list_display = [
        "local_part",
        "company",
        "only_allowed_senders",
        "messages_received",
        "last_received_at",
    ]
    search_fields = ["local_part", "company__name"]
    readonly_fields = ["local_part", "messages_received", "last_received_at"]
    list_select_related = ["company"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "sender",
        "company",
        "channel",
        "status",
        "problem_code",
        "created_at",
    ]
    list_filter = ["channel", "status"]
    search_fields = ["subject", "sender", "message_id", "company__name"]
    list_select_related = ["company"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
