from django.urls import path

from apps.inbox import views

app_name = "inbox"

company = "c/<uuid:company_id>/inbox/"
mailbox = company + "mailboxes/<uuid:mailbox_id>/"
folder = company + "folders/<uuid:folder_id>/"

urlpatterns = [
    path(company, views.overview, name="overview"),
    path(company + "forwarding/", views.forwarding_edit, name="forwarding-edit"),
    path(company + "forwarding/new/", views.forwarding_create, name="forwarding-create"),
    path(company + "mailboxes/new/", views.mailbox_create, name="mailbox-create"),
    path(company + "mailboxes/connect/<str:provider>/", views.mailbox_oauth, name="mailbox-oauth"),
    path(mailbox, views.mailbox_detail, name="mailbox-detail"),
    path(mailbox + "reconnect/", views.mailbox_reconnect, name="mailbox-reconnect"),
    path(mailbox + "scan/", views.mailbox_action, {"action": "scan"}, name="mailbox-scan"),
    path(mailbox + "pause/", views.mailbox_action, {"action": "pause"}, name="mailbox-pause"),
    path(mailbox + "resume/", views.mailbox_action, {"action": "resume"}, name="mailbox-resume"),
    path(mailbox + "delete/", views.mailbox_action, {"action": "delete"}, name="mailbox-delete"),
    path(company + "folders/new/", views.folder_create, name="folder-create"),
    path(company + "folders/connect/<str:provider>/", views.folder_oauth, name="folder-oauth"),
    path(folder, views.folder_detail, name="folder-detail"),
    path(folder + "browse/", views.folder_browse, name="folder-browse"),
    path(folder + "reconnect/", views.folder_reconnect, name="folder-reconnect"),
    path(folder + "scan/", views.folder_action, {"action": "scan"}, name="folder-scan"),
    path(folder + "pause/", views.folder_action, {"action": "pause"}, name="folder-pause"),
    path(folder + "resume/", views.folder_action, {"action": "resume"}, name="folder-resume"),
    path(folder + "delete/", views.folder_action, {"action": "delete"}, name="folder-delete"),
    path(
        company + "connection-tests/<uuid:test_id>/",
        views.connection_test_status,
        name="connection-test",
    ),
    path(company + "messages/<uuid:message_id>/", views.message_detail, name="message-detail"),
    path(company + "messages/<uuid:message_id>/raw/", views.message_raw, name="message-raw"),
    path(company + "oauth/done/", views.oauth_done, name="oauth-done"),
    path("inbox/oauth/callback/", views.oauth_callback, name="oauth-callback"),
    path("inbox/inbound/", views.inbound_webhook, name="inbound-webhook"),
]
