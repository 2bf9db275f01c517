from django.urls import path

from apps.banking import views

app_name = "banking"

company = "c/<uuid:company_id>/bank/"

urlpatterns = [
    path(company, views.overview, name="overview"),
    path(company + "accounts/new/", views.account_create, name="account-create"),
    path(company + "statements/", views.statement_upload, name="statement-upload"),
]
