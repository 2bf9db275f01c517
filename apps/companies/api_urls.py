from django.urls import path

from apps.companies import api

app_name = "companies-api"

urlpatterns = [
    path("companies/", api.CompanyListAPI.as_view(), name="company-list"),
    path("companies/<uuid:company_id>/", api.CompanyDetailAPI.as_view(), name="company-detail"),
]
