"""The platform admin and the API are reached only through allauth's sign-in, two-factor
stage included: a staff user's password alone opens nothing."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/companies/company/"]


@pytest.fixture
def staff(db):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    return user, factories.totp_enable(user)


def _assert_signed_out(client: Client) -> None:
    assert "_auth_user_id" not in client.session
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin-login")), url
    assert client.get("/api/v1/companies/").status_code in (401, 403)


def test_the_admin_sign_in_form_takes_no_password(staff):
    user, _secret = staff
    client = Client()
    # when someone posts the staff user's e-mail and password to the admin's sign-in page
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": factories.PASSWORD, "next": "/admin/"},
    )
    # then they are sent to the app's sign-in, and nothing is signed in
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/"
    _assert_signed_out(client)


def test_the_admin_sends_to_allauths_sign_in_with_next(db):
    response = Client().get("/admin/companies/company/")
    assert response.status_code == 302
    response = Client().get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/companies/company/"


def test_the_password_without_the_totp_code_opens_nothing(staff):
    user, _secret = staff
    client = Client()
    # when the staff user's password is given to the app's sign-in
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": factories.PASSWORD},
    )
    # then the two-factor stage is asked for, and neither the admin nor the API opens
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    _assert_signed_out(client)


def test_http_basic_auth_with_the_password_opens_no_api(staff):
    user, _secret = staff
    credentials = base64.b64encode(f"{user.email}:{factories.PASSWORD}".encode()).decode()
    response = Client().get("/api/v1/companies/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code in (401, 403)


def test_password_and_totp_code_open_the_admin_and_the_api(staff):
    user, secret = staff
    client = Client()
    client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": factories.PASSWORD},
    )
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/companies/").status_code == 200
    # and the admin's sign-in page sends a signed-in admin on
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == "/admin/accounts/user/"


def test_a_signed_in_user_who_is_not_staff_is_refused_without_a_loop(client_for, outsider):
    response = client_for(outsider).get("/admin/login/?next=/admin/")
    assert response.status_code == 403
