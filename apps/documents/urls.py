from django.urls import path

from apps.documents import views

app_name = "documents"

company = "c/<uuid:company_id>/documents/"

urlpatterns = [
    path(company, views.document_list, name="document-list"),
    path(company + "upload/", views.document_upload, name="document-upload"),
    path(company + "<uuid:document_id>/", views.document_detail, name="document-detail"),
    path(
        company + "<uuid:document_id>/original/", views.document_original, name="document-original"
    ),
    path(
        company + "<uuid:document_id>/pages/<int:number>/",
        views.document_page_image,
        name="document-page-image",
    ),
    path(company + "<uuid:document_id>/ubl/", views.document_ubl, name="document-ubl"),
    path(company + "<uuid:document_id>/junk/", views.document_junk, name="document-junk"),
    path(
        company + "<uuid:document_id>/paid/",
        views.document_paid,
        {"paid": True},
        name="document-paid",
    ),
    path(
        company + "<uuid:document_id>/unpaid/",
        views.document_paid,
        {"paid": False},
        name="document-unpaid",
    ),
    path(company + "suppliers/", views.supplier_list, name="supplier-list"),
    path(
        company + "suppliers/<uuid:supplier_id>/forget/",
        views.supplier_forget,
        name="supplier-forget",
    ),
]
