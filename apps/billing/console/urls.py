from django.urls import path

from apps.billing.console import views

# The middleware knows this name: staff pages, behind the staff two-factor requirement.
app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<uuid:plan_id>/", views.plan_edit, name="plan-edit"),
    path("plans/<uuid:plan_id>/sync/", views.plan_sync, name="plan-sync"),
    path("companies/", views.company_list, name="company-list"),
    # not ``company_id``: that names a company page of its own people, scoped to it
    path("companies/<uuid:company_public_id>/", views.company_detail, name="company-detail"),
    path(
        "companies/<uuid:company_public_id>/overrides/",
        views.override_create,
        name="override-create",
    ),
    path("overrides/<uuid:override_id>/end/", views.override_end, name="override-end"),
    path("failed-payments/", views.failed_payment_list, name="failed-payment-list"),
    path("changes/", views.change_list, name="change-list"),
]
