from django.urls import path

from apps.companies import views

app_name = "companies"

company = "c/<uuid:company_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("companies/new/", views.company_create, name="company-create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("offices/new/", views.office_create, name="office-create"),
    path("offices/<uuid:office_id>/", views.office_detail, name="office-detail"),
    path(company, views.dashboard, name="dashboard"),
    path(company + "settings/", views.company_edit, name="company-edit"),
    path(company + "settings/members/", views.member_list, name="member-list"),
    path(company + "settings/logo/", views.company_logo, name="company-logo"),
    path(company + "settings/two-factor/", views.company_two_factor, name="company-two-factor"),
    path(
        company + "settings/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        company + "settings/members/<uuid:membership_id>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
    path(
        company + "settings/members/<uuid:membership_id>/role/",
        views.membership_role,
        name="membership-role",
    ),
    path(
        company + "settings/offices/<uuid:link_id>/decide/",
        views.office_link_decide,
        name="office-link-decide",
    ),
]
