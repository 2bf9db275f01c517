from django.urls import path

from apps.connections import views

app_name = "connections"

company = "c/<uuid:company_id>/transfer/"
delivery = company + "deliveries/<uuid:delivery_id>/"

urlpatterns = [
    path(company, views.transfer_edit, name="transfer"),
    path(company + "deliveries/", views.delivery_list, name="delivery-list"),
    path(
        company + "deliveries/approve/",
        views.deliveries_approve_all,
        name="deliveries-approve-all",
    ),
    path(
        company + "deliveries/resend/",
        views.deliveries_resend_period,
        name="deliveries-resend-period",
    ),
    path(delivery + "retry/", views.delivery_action, {"action": "retry"}, name="delivery-retry"),
    path(
        delivery + "approve/", views.delivery_action, {"action": "approve"}, name="delivery-approve"
    ),
    path(delivery + "cancel/", views.delivery_action, {"action": "cancel"}, name="delivery-cancel"),
    path(
        company + "documents/<uuid:document_id>/send/",
        views.document_send,
        name="document-send",
    ),
    path("offices/<uuid:office_id>/transfers/", views.office_transfers, name="office-transfers"),
]
