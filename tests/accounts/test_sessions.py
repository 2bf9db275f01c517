"""Signing in and out."""

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests import factories


def test_logout_ends_the_session(db):
    # given a signed-in user
    user = factories.UserFactory()
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)
    session_key = client.session.session_key
    # when they sign out
    response = client.post(reverse("account_logout"))
    # then the session is gone, on the server too, and pages ask to sign in again
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not Session.objects.filter(session_key=session_key).exists()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
