"""STAFF_REQUIRE_2FA: platform staff set up TOTP before they can use the admin."""

from django.urls import reverse

from tests import factories


def test_staff_without_totp_are_sent_to_set_it_up(settings, client_for, db):
    settings.STAFF_REQUIRE_2FA = True
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client = client_for(staff)
    for url in ("/admin/", "/admin/companies/company/", "/admin/accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get("/admin/", follow=True).content.decode()
    assert "The platform admin requires two-factor authentication" in page


def test_staff_with_totp_use_the_admin(settings, client_for, db):
    settings.STAFF_REQUIRE_2FA = True
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    factories.totp_enable(staff)
    assert client_for(staff).get("/admin/").status_code == 200


def test_the_requirement_can_be_off(settings, client_for, db):
    settings.STAFF_REQUIRE_2FA = False
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    assert client_for(staff).get("/admin/").status_code == 200
