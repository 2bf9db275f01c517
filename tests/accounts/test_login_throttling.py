"""Failed sign-ins are limited per client IP and per account; the client IP is read through
the configured number of trusted proxies only; a locked account's owner gets a way in."""

import re
import time

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories

LOGIN = reverse("account_login")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client_ip"),
    [
        (0, None, "192.0.2.9"),
        (0, "203.0.113.7", "192.0.2.9"),  # no proxy of ours: the header is the client's lie
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the spoofed hop is ignored
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
    ],
)
def test_client_ip_is_read_through_the_trusted_proxies_only(
    settings, proxies, forwarded_for, client_ip
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="192.0.2.9", **headers)
    assert get_adapter(request).get_client_ip(request) == client_ip


def _fail(client: Client, login: str, forwarded_for: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    response = client.post(LOGIN, {"login": login, "password": "wrong password"}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_spoofed_forwarded_for_does_not_escape_the_ip_limit(settings, db):
    # given no trusted proxy, and failures on many accounts (so only the IP limit counts)
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client = Client()
    for n in range(10):
        assert "Too many" not in _fail(client, f"guess{n}@example.be", f"203.0.113.{n}")
    # then a new X-Forwarded-For does not make a new client
    assert "Too many" in _fail(client, "guess99@example.be", "203.0.113.99")


def test_behind_one_proxy_the_last_hop_is_the_client(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = Client()
    for n in range(10):
        _fail(client, f"guess{n}@example.be", f"198.51.100.{n}, 203.0.113.7")
    # the same client with another spoofed first hop is still limited
    assert "Too many" in _fail(client, "guess99@example.be", "198.51.100.99, 203.0.113.7")
    # another client behind the same proxy is not
    assert "Too many" not in _fail(client, "guess99@example.be", "203.0.113.8")


def _sign_in(client: Client, user) -> bool:
    client.post(LOGIN, {"login": user.email, "password": factories.PASSWORD})
    return client.session.get("_auth_user_id") == str(user.pk)


def _unlock_url() -> str:
    (message,) = mail.outbox
    return re.search(r"https?://\S+(/me/sign-in/unlock/\S+/)", message.body).group(1)


@pytest.fixture
def attacked(settings, db):
    """A user whose account an attacker locks from many addresses behind our proxy."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = factories.UserFactory(language="nl")
    attacker = Client()
    for n in range(8):
        _fail(attacker, user.email, f"203.0.113.{n}")
    return user, attacker


def test_an_attacker_locks_the_account_from_many_addresses(attacked):
    user, _attacker = attacked
    # the owner's right password is refused while locked
    assert not _sign_in(Client(), user)


def test_the_owner_is_emailed_once_in_their_language(attacked):
    user, attacker = attacked
    for n in range(20):
        _fail(attacker, user.email, f"198.51.100.{n}")
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "OkiOki" in message.subject
    assert "/me/sign-in/unlock/" in message.body
    assert message.subject == "Je OkiOki-account werd geblokkeerd na mislukte aanmeldpogingen"


def test_the_emailed_link_lets_the_owner_in_despite_the_attacker(attacked):
    user, attacker = attacked
    owner = Client()
    url = _unlock_url()
    # opening the link changes nothing (mail scanners open links)...
    assert owner.get(url).status_code == 200
    assert owner.get(url).status_code == 200
    # ...confirming unlocks this browser
    response = owner.post(url)
    assert response.status_code == 302
    # while the attacker keeps failing from new addresses
    for n in range(10):
        _fail(attacker, user.email, f"198.51.100.{n}")
    assert not _sign_in(Client(), user)  # any other browser stays locked out
    assert _sign_in(owner, user)


def test_the_link_works_once(attacked):
    _user, _attacker = attacked
    url = _unlock_url()
    assert Client().post(url).status_code == 302
    assert Client().post(url).status_code == 410
    assert Client().get(url).status_code == 410


def test_the_link_expires(attacked, settings):
    url = _unlock_url()
    with time_machine.travel(time.time() + settings.LOGIN_UNLOCK_VALID_MINUTES * 60 + 1):
        assert Client().post(url).status_code == 410


def test_a_forged_link_is_refused(attacked):
    url = _unlock_url()
    assert Client().post(url[:-3] + "xx/").status_code == 410


def test_no_email_for_an_address_without_an_account(settings, db):
    client = Client()
    for n in range(8):
        _fail(client, "nobody@example.be", f"203.0.113.{n}")
    assert mail.outbox == []
