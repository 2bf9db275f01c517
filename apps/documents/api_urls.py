from django.urls import path

from apps.documents import api

app_name = "documents-api"

urlpatterns = [
    path(
        "companies/<uuid:company_id>/documents/",
        api.DocumentListAPI.as_view(),
        name="document-list",
    ),
    path(
        "companies/<uuid:company_id>/documents/<uuid:document_id>/",
        api.DocumentDetailAPI.as_view(),
        name="document-detail",
    ),
]
