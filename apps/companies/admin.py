from django.contrib import admin

from apps.companies.models import (
    AccountingOffice,
    Company,
    Invitation,
    Membership,
    OfficeClientLink,
    OfficeMember,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class OfficeLinkInline(admin.TabularInline):
    model = OfficeClientLink
    extra = 0
    fields = ["office", "status", "initiated_by", "decided_at"]
    readonly_fields = ["decided_at"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "enterprise_number",
        "plan",
        "default_language",
        "is_active",
        "created_at",
    ]
    list_filter = ["plan", "is_active", "default_language"]
    search_fields = ["name", "enterprise_number", "vat_number", "slug"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [MembershipInline, OfficeLinkInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "company__name"]
    readonly_fields = ["token", "public_id"]


class OfficeMemberInline(admin.TabularInline):
    model = OfficeMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(AccountingOffice)
class AccountingOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "enterprise_number", "email", "created_at"]
    search_fields = ["name", "enterprise_number"]
    inlines = [OfficeMemberInline]


@admin.register(OfficeClientLink)
class OfficeClientLinkAdmin(admin.ModelAdmin):
    list_display = ["office", "company", "status", "initiated_by", "decided_at"]
    list_filter = ["status"]
