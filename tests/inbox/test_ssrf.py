"""End to end, mailboxes and cloud folders reach no address inside (SSRF), in any spelling:
"Test connection" (the form, then the worker) and scans refuse with one message, before a
packet leaves. A loopback listener records anything that arrives; a tripwire stops (and
records) any other connection. Loopback servers stay reachable when the setting allows it.
"""

import re
import ssl
import time

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.core import outbound
from apps.core.crypto import encrypt
from apps.inbox import connection_tests, scanning
from apps.inbox.clients import imap
from apps.inbox.clients.imap import ImapAccount
from apps.inbox.errors import CONNECTION_ERRORS, InboxError
from apps.inbox.models import CloudFolder, ConnectionTest, Mailbox
from apps.inbox.scanning import cloud_folder_scan, mailbox_scan
from tests.inbox.test_views import FOLDER_POST, MAILBOX_POST
from tests.outbound import REFUSED_HOSTS, RESOLVED_INSIDE, Listener, install_tripwire, resolver_of

NOT_ALLOWED = str(CONNECTION_ERRORS["not_allowed"])
INSIDE_NAMES = sorted(RESOLVED_INSIDE)
EVERY_FORM = REFUSED_HOSTS + INSIDE_NAMES


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


@pytest.fixture
def guarded(settings, monkeypatch, listener):
    """Production's rule (private addresses refused), the test resolver for the inside names,
    and the tripwire; after the test, nothing may have arrived or been attempted."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    attempts = install_tripwire(monkeypatch, loopback=True)
    with outbound.resolver_override(resolver_of(RESOLVED_INSIDE)):
        yield listener
    assert attempts == []
    assert listener.wait_for(1, timeout=0.2) == []
    assert listener.received == b""  # no credentials, nothing at all


def _in_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _mailbox_values(host: str, port: int) -> dict[str, object]:
    return {
        "host": host,
        "port": port,
        "security": "ssl",
        "username": "me",
        "auth_method": "password",
        "folders": ["INBOX"],
    }


def _folder_values(host: str, port: int) -> dict[str, object]:
    return {
        "provider": "webdav",
        "url": f"https://{_in_url(host)}:{port}/dav/",
        "username": "me",
        "path": "/",
    }


def _worker_test(company, owner, kind, values) -> ConnectionTest:
    with company_scope(company):
        test = ConnectionTest.objects.create(
            company=company, kind=kind, values=values, secret=encrypt("secret"), created_by=owner
        )
        return connection_tests.connection_test_run(test=test)


@pytest.mark.parametrize("host", EVERY_FORM)
def test_the_worker_refuses_every_form_with_one_message(host, guarded, collecting, owner):
    port = guarded.port
    started = time.monotonic()
    imap = _worker_test(collecting, owner, ConnectionTest.Kind.MAILBOX, _mailbox_values(host, port))
    folder = _worker_test(
        collecting, owner, ConnectionTest.Kind.CLOUD_FOLDER, _folder_values(host, port)
    )
    assert (imap.error_code, folder.error_code) == ("not_allowed", "not_allowed")
    assert imap.error == folder.error == NOT_ALLOWED
    assert time.monotonic() - started < 1  # refused at once: nothing to time, nothing to scan


@pytest.mark.parametrize("host", EVERY_FORM)
def test_scans_refuse_every_form(host, guarded, collecting):
    port = guarded.port
    with company_scope(collecting):
        mailbox = Mailbox.objects.create(
            company=collecting,
            name="x",
            host=host,
            port=port,
            username="me",
            secret=encrypt("secret"),
        )
        folder = CloudFolder.objects.create(
            company=collecting,
            name="x",
            url=f"https://{_in_url(host)}:{port}/",
            username="me",
            secret=encrypt("secret"),
        )
        assert mailbox_scan(mailbox=mailbox).error.code == "not_allowed"  # type: ignore[union-attr]
        assert cloud_folder_scan(folder=folder).error.code == "not_allowed"  # type: ignore[union-attr]
    mailbox.refresh_from_db()
    assert mailbox.last_error == NOT_ALLOWED
    assert mailbox.auth_failures == 0


def _press_test(client, url, data, capture) -> str:
    """What the user reads after "Test connection": a form error, or the polled result."""
    with capture(execute=True):
        page = client.post(url, {**data, "action": "test"}).content.decode()
    match = re.search(r'hx-get="([^"]+/connection-tests/[^"]+/)"', page)
    if match is None:
        return page
    return client.get(match.group(1), HTTP_HX_REQUEST="true").content.decode()


# what Django's URL field takes as a host (it refuses zone ids and a few exotic spellings)
URL_FORMS = [h for h in EVERY_FORM if "%" not in h and not h.isdigit() and h != "0x7f000001"]


@pytest.mark.parametrize("host", EVERY_FORM)
def test_test_connection_of_a_mailbox_refuses_every_form(
    host, guarded, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
    data = {**MAILBOX_POST, "host": host, "port": str(guarded.port), "security": "ssl"}
    shown = _press_test(client_for(owner), url, data, django_capture_on_commit_callbacks)
    assert NOT_ALLOWED in shown


@pytest.mark.parametrize("host", URL_FORMS)
def test_test_connection_of_a_cloud_folder_refuses_every_form(
    host, guarded, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    url = reverse("inbox:folder-create", kwargs={"company_id": collecting.public_id})
    data = {**FOLDER_POST, "url": f"https://{_in_url(host)}:{guarded.port}/dav/"}
    try:
        forms.URLField(assume_scheme="https").clean(data["url"])
    except ValidationError:
        expected = "Enter a valid URL"  # Django's URL field refuses a few exotic spellings
    else:
        expected = NOT_ALLOWED
    shown = _press_test(client_for(owner), url, data, django_capture_on_commit_callbacks)
    assert expected in shown


def test_a_name_that_rebinds_to_an_inside_address_is_refused_when_connecting(
    guarded, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # public when the form (or anyone) looked it up, loopback when the worker connects
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    with outbound.resolver_override(lambda host, port: next(answers)):
        assert str(outbound.resolve("rebind.example.com", 993)[0]) == "93.184.216.34"
        url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
        data = {
            **MAILBOX_POST,
            "host": "rebind.example.com",
            "port": str(guarded.port),
            "security": "ssl",
        }
        shown = _press_test(client_for(owner), url, data, django_capture_on_commit_callbacks)
    assert NOT_ALLOWED in shown


def test_refused_and_closed_and_filtered_look_the_same(guarded, collecting, owner):
    # a listening port, a closed one and an unanswered address: one message, no delay
    results = {
        _worker_test(
            collecting, owner, ConnectionTest.Kind.MAILBOX, _mailbox_values(host, port)
        ).error
        for host, port in (("127.0.0.1", guarded.port), ("127.0.0.1", 1), ("10.255.255.1", 993))
    }
    assert results == {NOT_ALLOWED}


def test_loopback_servers_stay_reachable_when_allowed(settings, listener, collecting, owner):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    test = _worker_test(
        collecting, owner, ConnectionTest.Kind.MAILBOX, _mailbox_values("127.0.0.1", listener.port)
    )
    assert test.error_code != "not_allowed"
    assert len(listener.wait_for(1)) == 1


def test_tls_checks_the_certificate_of_the_name_on_the_pinned_address(
    dovecot, imap_user, settings, monkeypatch
):
    # the guard connects to the address it vetted; TLS still checks the name that was typed
    settings.OUTBOUND_ALLOW_PRIVATE = True
    trusted = ssl.create_default_context(cafile=str(dovecot.root / "cert.pem"))  # CN=localhost
    monkeypatch.setattr(imap, "_ssl_context", lambda: trusted)
    user, password = imap_user

    def attempt(host: str) -> int | str:
        account = ImapAccount(
            host=host, port=dovecot.tls_port, security="ssl", username=user, secret=password
        )
        try:
            return scanning.mailbox_test(account=account, folders=["INBOX"])
        except InboxError as error:
            return error.code

    with outbound.resolver_override(lambda host, port: ["127.0.0.1"]):
        assert attempt("localhost") == 0
        assert attempt("imap.elsewhere.example") == "tls_failed"
