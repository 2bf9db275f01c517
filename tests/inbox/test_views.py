"""The inbox pages: who may see and change what, the plan's limits, test connection, health."""

import re
import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.billing.models import Plan
from apps.companies.scoping import all_companies, company_scope
from apps.core.crypto import decrypt, encrypt
from apps.inbox.forwarding import forwarding_address_create
from apps.inbox.models import (
    CloudFolder,
    ConnectionTest,
    ForwardingAddress,
    InboundMessage,
    Mailbox,
)
from tests import factories
from tests.access import cases, check_access
from tests.outbound import install_tripwire

MAILBOX_POST = {
    "provider": "other",
    "name": "Facturen",
    "username": "facturen@bakkerij.example",
    "password": "app-password",
    "host": "127.0.0.1",
    "port": "9",
    "security": "plain",
    "auth_method": "password",
    "folders_text": "INBOX",
    "move_to_folder": "",
    "scan_interval_minutes": "15",
}
FOLDER_POST = {
    "name": "Scans",
    "url": "http://127.0.0.1:9/",
    "username": "me",
    "password": "pw",
    "path": "/Scans",
    "move_to_folder": "",
    "scan_interval_minutes": "30",
}

TESTED = [302, 404, 404, 200, 403, 200]  # "Test connection" shows the form again
# view, method, needs (object kind), data, expected per role
MATRIX = [
    ("overview", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    (
        "forwarding-edit",
        "post",
        None,
        {"allowed_senders": "@x.example"},
        [302, 404, 404, 302, 403, 302],
    ),
    ("forwarding-create", "post", None, {}, [302, 404, 404, 302, 403, 302]),
    ("mailbox-create", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("mailbox-create", "post", None, MAILBOX_POST, [302, 404, 404, 302, 403, 302]),
    ("mailbox-detail", "get", "mailbox", {}, [302, 404, 404, 200, 200, 200]),
    (
        "mailbox-detail",
        "post",
        "mailbox",
        {**MAILBOX_POST, "name": "Renamed"},
        [302, 404, 404, 302, 403, 302],
    ),
    ("mailbox-scan", "post", "mailbox", {}, [302, 404, 404, 302, 403, 302]),
    ("mailbox-pause", "post", "mailbox", {}, [302, 404, 404, 302, 403, 302]),
    ("mailbox-resume", "post", "paused-mailbox", {}, [302, 404, 404, 302, 403, 302]),
    ("mailbox-delete", "post", "mailbox", {}, [302, 404, 404, 302, 403, 302]),
    ("folder-create", "get", None, {}, [302, 404, 404, 200, 403, 200]),
    ("folder-create", "post", None, FOLDER_POST, [302, 404, 404, 302, 403, 302]),
    ("folder-detail", "get", "folder", {}, [302, 404, 404, 200, 200, 200]),
    (
        "folder-detail",
        "post",
        "folder",
        {**FOLDER_POST, "name": "Renamed"},
        [302, 404, 404, 302, 403, 302],
    ),
    ("folder-scan", "post", "folder", {}, [302, 404, 404, 302, 403, 302]),
    ("folder-delete", "post", "folder", {}, [302, 404, 404, 302, 403, 302]),
    ("mailbox-create", "post", None, {**MAILBOX_POST, "action": "test"}, TESTED),
    ("folder-detail", "post", "folder", {**FOLDER_POST, "action": "test"}, TESTED),
    ("connection-test", "get", "test", {}, [302, 404, 404, 200, 403, 200]),
    ("message-detail", "get", "message", {}, [302, 404, 404, 200, 200, 200]),
    ("message-raw", "get", "message", {}, [302, 404, 404, 200, 200, 200]),
]


def _snapshot():
    with all_companies():
        return (
            sorted(Mailbox.objects.values_list("name", "status")),
            sorted(CloudFolder.objects.values_list("name", "status")),
            sorted(ForwardingAddress.objects.values_list("local_part", "allowed_senders")),
            ConnectionTest.objects.count(),
        )


@pytest.mark.parametrize(("view", "method", "needs", "data", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, needs, data, role, expected, request, collecting, owner):
    kwargs = {"company_id": collecting.public_id}
    if view != "forwarding-create":
        with company_scope(collecting):
            forwarding_address_create(company=collecting)  # asked for before
    collector = None
    if needs in ("mailbox", "paused-mailbox"):
        status = Mailbox.Status.PAUSED if needs == "paused-mailbox" else Mailbox.Status.ACTIVE
        collector = factories.MailboxFactory(company=collecting, status=status)
        kwargs["mailbox_id"] = collector.public_id
    elif needs == "folder":
        collector = factories.CloudFolderFactory(company=collecting)
        kwargs["folder_id"] = collector.public_id
    elif needs == "message":
        kwargs["message_id"] = factories.InboundMessageFactory(company=collecting).public_id
    elif needs == "test":
        kwargs["test_id"] = factories.ConnectionTestFactory(company=collecting).public_id

    def saved():
        return type(collector).objects.filter(pk=collector.pk).first()

    writes = {
        "forwarding-edit": lambda: ForwardingAddress.objects.filter(
            allowed_senders="@x.example"
        ).exists(),
        "forwarding-create": ForwardingAddress.objects.exists,
        "mailbox-create": lambda: Mailbox.objects.filter(name=MAILBOX_POST["name"]).exists(),
        "mailbox-detail": lambda: saved().name == "Renamed",
        "mailbox-scan": lambda: saved().last_scan_at is not None,
        "mailbox-pause": lambda: saved().status == Mailbox.Status.PAUSED,
        "mailbox-resume": lambda: saved().status == Mailbox.Status.ACTIVE,
        "mailbox-delete": lambda: saved() is None,
        "folder-create": lambda: CloudFolder.objects.filter(name=FOLDER_POST["name"]).exists(),
        "folder-detail": lambda: saved().name == "Renamed",
        "folder-scan": lambda: saved().last_scan_at is not None,
        "folder-delete": lambda: saved() is None,
    }
    wrote = None
    if method == "post":  # "Test connection" saves nothing, it queues a test
        wrote = ConnectionTest.objects.exists if data.get("action") == "test" else writes[view]

    url = reverse(f"inbox:{view}", kwargs=kwargs)
    check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )


def test_connecting_a_mailbox_stores_the_password_encrypted(collecting, owner, client_for):
    client = client_for(owner)
    response = client.post(
        reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id}), MAILBOX_POST
    )
    assert response.status_code == 302
    with company_scope(collecting):
        mailbox = Mailbox.objects.get()
    assert "app-password" not in mailbox.secret
    assert decrypt(mailbox.secret) == "app-password"
    page = client.get(mailbox.get_absolute_url()).content.decode()
    assert "app-password" not in page  # never shown again
    # editing without a password keeps the stored one
    client.post(mailbox.get_absolute_url(), {**MAILBOX_POST, "password": "", "name": "Renamed"})
    mailbox.refresh_from_db()
    assert mailbox.name == "Renamed"
    assert decrypt(mailbox.secret) == "app-password"


def test_a_preset_fills_in_the_server(collecting, owner, client_for):
    client = client_for(owner)
    data = {**MAILBOX_POST, "provider": "telenet", "host": "", "port": "993", "security": "ssl"}
    client.post(reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id}), data)
    with company_scope(collecting):
        mailbox = Mailbox.objects.get()
    assert (mailbox.host, mailbox.port, mailbox.security) == ("imap.telenet.be", 993, "ssl")


def test_plain_imap_is_refused_for_a_remote_server(collecting, owner, client_for):
    client = client_for(owner)
    data = {**MAILBOX_POST, "host": "imap.example.com"}
    response = client.post(
        reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id}), data
    )
    assert response.status_code == 200
    assert "localhost" in response.content.decode()
    with company_scope(collecting):
        assert not Mailbox.objects.exists()


def test_the_plan_limit_is_shown_and_enforced(company, owner, client_for):
    # the Start plan reads no mailboxes
    client = client_for(owner)
    url = reverse("inbox:mailbox-create", kwargs={"company_id": company.public_id})
    page = client.get(url).content.decode()
    assert "does not read mailboxes" in page
    client.post(url, MAILBOX_POST)
    with company_scope(company):
        assert not Mailbox.objects.exists()
    # Collect 25: one mailbox, then the limit
    company.plan = Plan.objects.get(code="collect-25")
    company.save()
    assert client.post(url, MAILBOX_POST).status_code == 302
    response = client.post(url, {**MAILBOX_POST, "username": "second@bakkerij.example"})
    assert response.status_code == 200
    assert "includes 1 mailbox, and it is in use" in response.content.decode()
    with company_scope(company):
        assert Mailbox.objects.count() == 1
    overview = client.get(reverse("inbox:overview", kwargs={"company_id": company.public_id}))
    assert "it is in use" in overview.content.decode()


def press_test_connection(client, url, data, capture) -> tuple[str, str]:
    """Press "Test connection": the page it shows (the test queued), and the result the page
    then polls, once the worker (eager here, on commit) has run it."""
    with capture(execute=True):
        page = client.post(url, {**data, "action": "test"}).content.decode()
    match = re.search(r'hx-get="([^"]+/connection-tests/[^"]+/)"', page)
    assert match, "the page does not poll a test result"
    result = client.get(match.group(1), HTTP_HX_REQUEST="true")
    assert result.status_code == 200
    return page, result.content.decode()


def test_test_connection_runs_in_a_worker_and_says_precisely_what_is_wrong(
    collecting, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
    page, result = press_test_connection(
        client, url, MAILBOX_POST, django_capture_on_commit_callbacks
    )
    assert "Testing the connection" in page
    assert 'value="app-password"' in page  # what was typed stays in the form
    assert "The connection failed" in result
    assert "refused the connection" in result
    assert "hx-get" not in result  # done: the page stops asking
    with company_scope(collecting):
        assert not Mailbox.objects.exists()  # testing saves nothing
        test = ConnectionTest.objects.get()
    assert test.secret == ""  # the typed password is not kept once tried
    assert test.values["host"] == "127.0.0.1"


def test_test_connection_in_dutch(
    collecting, owner, client_for, django_capture_on_commit_callbacks
):
    owner.language = "nl"
    owner.save()
    client = client_for(owner)
    url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
    _page, result = press_test_connection(
        client, url, MAILBOX_POST, django_capture_on_commit_callbacks
    )
    assert "De verbinding is mislukt" in result


def test_a_cloud_folder_test_uses_the_saved_password_in_the_worker(
    collecting, owner, client_for, django_capture_on_commit_callbacks
):
    folder = factories.CloudFolderFactory(company=collecting)
    client = client_for(owner)
    _page, result = press_test_connection(
        client,
        folder.get_absolute_url(),
        {**FOLDER_POST, "password": ""},
        django_capture_on_commit_callbacks,
    )
    assert "refused the connection" in result
    with company_scope(collecting):
        test = ConnectionTest.objects.get()
    assert test.cloud_folder == folder
    assert test.secret == ""  # the web request never copied the saved password


def test_a_test_that_no_worker_runs_says_so_and_stops_polling(collecting, owner, client_for):
    client = client_for(owner)
    url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
    page = client.post(url, {**MAILBOX_POST, "action": "test"}).content.decode()  # never run
    status_url = re.search(r'hx-get="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert "hx-get" in client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        later = client.get(status_url).content.decode()  # the page without JavaScript
    assert "background worker may be busy or stopped" in later
    assert "hx-get" not in later


def test_looking_at_the_overview_makes_no_forwarding_address(collecting, owner, member, client_for):
    url = reverse("inbox:overview", kwargs={"company_id": collecting.public_id})
    # given a company without a forwarding address
    # when its owner and a member look at the overview
    page = client_for(owner).get(url).content.decode()
    client_for(member).get(url)
    # then nothing is made, and the owner is offered to create it
    with company_scope(collecting):
        assert not ForwardingAddress.objects.exists()
    create = reverse("inbox:forwarding-create", kwargs={"company_id": collecting.public_id})
    assert f'action="{create}"' in page
    # when the owner asks for it, then it is made once and kept on a second ask
    client = client_for(owner)
    assert client.post(create).status_code == 302
    with company_scope(collecting):
        first = ForwardingAddress.objects.get()
    client.post(create)
    with company_scope(collecting):
        assert list(ForwardingAddress.objects.all()) == [first]
    page = client.get(url).content.decode()
    assert first.address in page
    assert f'action="{create}"' not in page


def test_the_overview_shows_the_forwarding_address_and_health(collecting, owner, client_for):
    with company_scope(collecting):
        forwarding_address_create(company=collecting)
    mailbox = factories.MailboxFactory(company=collecting, last_error_code="wrong_password")
    factories.InboundMessageFactory(
        company=collecting,
        subject="Factuur 77",
        status=InboundMessage.Status.FAILED,
        problem_code="broken_mime",
    )
    client = client_for(owner)
    page = client.get(
        reverse("inbox:overview", kwargs={"company_id": collecting.public_id})
    ).content.decode()
    with company_scope(collecting):
        address = ForwardingAddress.objects.get()
    assert address.address in page
    assert address.local_part.startswith(collecting.slug)
    assert mailbox.name in page
    assert "refused the user name or password" in page
    assert "Factuur 77" in page
    assert "damaged" in page


def test_the_forwarding_address_is_stable_and_unguessable(collecting, other_company):
    from apps.inbox.forwarding import forwarding_address_create

    with company_scope(collecting):
        first = forwarding_address_create(company=collecting)
        assert forwarding_address_create(company=collecting) == first
    with company_scope(other_company):
        other = forwarding_address_create(company=other_company)
    assert first.local_part != other.local_part
    assert len(first.local_part.rsplit("-", 1)[1]) == 10


def test_allowed_senders_must_be_addresses(collecting, owner, client_for):
    client = client_for(owner)
    response = client.post(
        reverse("inbox:forwarding-edit", kwargs={"company_id": collecting.public_id}),
        {"only_allowed_senders": "on", "allowed_senders": "not an address\n@good.example"},
        follow=True,
    )
    assert "not an address" in response.content.decode()
    with company_scope(collecting):
        assert not ForwardingAddress.objects.get().only_allowed_senders


def test_the_web_request_only_queues_the_test(collecting, owner, client_for, monkeypatch):
    # the server accepts and never answers, as a filtered port or a slow server would
    attempts = install_tripwire(monkeypatch, loopback=True)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
        data = {**MAILBOX_POST, "port": str(silent.getsockname()[1]), "action": "test"}
        started = time.monotonic()
        response = client_for(owner).post(url, data)
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert attempts == []  # the web process connected nowhere: the worker will
    assert elapsed < 2
    with company_scope(collecting):
        assert ConnectionTest.objects.get().is_pending


def test_the_worker_waits_the_short_test_timeout_at_most(collecting, owner, settings):
    from apps.inbox.connection_tests import connection_test_run

    settings.OUTBOUND_TEST_TIMEOUT = 1
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        test = factories.ConnectionTestFactory(
            company=collecting,
            status=ConnectionTest.Status.PENDING,
            error_code="",
            values={
                "host": "127.0.0.1",
                "port": silent.getsockname()[1],
                "security": "plain",
                "username": "me",
                "auth_method": "password",
                "folders": ["INBOX"],
            },
            secret=encrypt("pw"),
        )
        started = time.monotonic()
        with company_scope(collecting):
            connection_test_run(test=test)
        elapsed = time.monotonic() - started
    assert test.error_code == "timeout"
    assert elapsed < 3  # not the 30 s of a scan
