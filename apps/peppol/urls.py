from django.urls import path

from apps.peppol import views

app_name = "peppol"

urlpatterns = [
    path("peppol/webhook/", views.webhook, name="webhook"),
    path("c/<uuid:company_id>/settings/peppol/", views.settings_page, name="settings"),
]
