"""The language switcher: a signed-in user's choice is saved and follows them."""

from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from tests import factories


def _sign_in(client: Client, user: User) -> None:
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def test_choice_is_saved_and_a_new_login_brings_it_back(db):
    # given a signed-in user reading in English
    user = factories.UserFactory(language="en")
    browser = Client()
    _sign_in(browser, user)
    # when they switch to French
    response = browser.post(reverse("accounts:set-language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    # then the choice is saved on the user
    user.refresh_from_db()
    assert user.language == "fr"
    # and on another device (no cookie, no session) signing in brings French back
    other_device = Client()
    _sign_in(other_device, user)
    html = other_device.get(reverse("companies:home")).content.decode()
    assert '<html lang="fr"' in html


def test_anonymous_choice_is_kept_in_a_cookie(db):
    browser = Client()
    browser.post(reverse("accounts:set-language"), {"language": "nl", "next": "/accounts/login/"})
    html = browser.get(reverse("account_login")).content.decode()
    assert '<html lang="nl"' in html


def test_unknown_language_changes_nothing(db):
    user = factories.UserFactory(language="nl")
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("accounts:set-language"), {"language": "xx"})
    user.refresh_from_db()
    assert user.language == "nl"


def test_next_to_another_site_is_ignored(db):
    response = Client().post(
        reverse("accounts:set-language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_signed_in_message_is_in_the_users_language(db):
    # given a Dutch-speaking user signing in from a browser that shows the English login page
    user = factories.UserFactory(language="nl")
    browser = Client()
    # when they sign in
    _sign_in(browser, user)
    html = browser.get(reverse("companies:home")).content.decode()
    # then the page and its "signed in" message are Dutch
    assert '<html lang="nl"' in html
    assert "Successfully signed in" not in html
    assert user.email in html  # the message is there, translated
