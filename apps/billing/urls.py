from django.urls import path

from apps.billing import views

app_name = "billing"

company = "c/<uuid:company_id>/plan/"

urlpatterns = [
    path(company, views.plan_page, name="plan"),
    path(company + "subscribe/", views.checkout, name="checkout"),
    path(company + "manage/", views.portal, name="portal"),
    path(
        company + "invoices/<uuid:billing_invoice_id>/pdf/",
        views.invoice_file,
        {"kind": "pdf"},
        name="invoice-pdf",
    ),
    path(
        company + "invoices/<uuid:billing_invoice_id>/ubl/",
        views.invoice_file,
        {"kind": "ubl"},
        name="invoice-ubl",
    ),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
