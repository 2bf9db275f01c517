from django.urls import path

from apps.banking import views

app_name = "banking"

company = "c/<uuid:company_id>/bank/"
one = company + "transactions/<uuid:transaction_id>/"

urlpatterns = [
    path(company, views.overview, name="overview"),
    path(company + "accounts/new/", views.account_create, name="account-create"),
    path(company + "statements/", views.statement_upload, name="statement-upload"),
    path(company + "match/", views.match_again, name="match-again"),
    path(company + "connect/", views.connection_start_view, name="connection-start"),
    path(company + "connect/done/", views.connection_complete_view, name="connection-complete"),
    path(
        company + "accounts/<uuid:account_id>/reauthorize/",
        views.account_reauthorize,
        name="account-reauthorize",
    ),
    path("bank/ponto/callback/", views.connection_callback, name="ponto-callback"),
    path("webhooks/ponto/", views.ponto_webhook, name="ponto-webhook"),
    path(company + "cashflow/", views.cashflow, name="cashflow"),
    path(company + "cashflow/settings/", views.cashflow_settings, name="cashflow-settings"),
    path(company + "cashflow/lines/", views.cashflow_item, name="cashflow-item"),
    path(company + "cashflow/one-off/", views.cashflow_one_off, name="cashflow-one-off"),
    path(
        company + "cashflow/adjustments/<uuid:adjustment_id>/undo/",
        views.cashflow_adjustment_remove,
        name="cashflow-adjustment-remove",
    ),
    path(one, views.transaction_detail, name="transaction-detail"),
    path(one + "confirm/", views.match_confirm_view, name="match-confirm"),
    path(one + "match/", views.match_manual_view, name="match-manual"),
    path(one + "matches/<uuid:match_id>/undo/", views.match_undo_view, name="match-undo"),
    path(one + "ignore/", views.transaction_ignore_view, name="transaction-ignore"),
]
