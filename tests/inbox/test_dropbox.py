"""Dropbox folders: signing in (OAuth2 with PKCE), the change feed, moves, lost folders and grants.

Faked, at the HTTP boundary: Dropbox itself (tests/fakes/dropbox.py, a loopback server with
Dropbox's documented OAuth endpoints and API v2 routes and shapes: entries with ``.tag``,
``cursor``/``has_more``, 409 error tags, ``reset``). Real: our OAuth client, our Dropbox
client and its requests, the scan, PostgreSQL.
"""

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.core.crypto import decrypt, encrypt
from apps.documents.models import Document
from apps.inbox.clients import RemoteFolder
from apps.inbox.clients.dropbox import DropboxClient
from apps.inbox.clients.oauth import OAuthClient, Tokens, oauth_client
from apps.inbox.models import CloudFile, CloudFolder
from apps.inbox.scanning import cloud_client_for, cloud_folder_scan
from tests.fakes.dropbox import DROPBOX_ACCOUNT, FakeDropbox, Server, configure
from tests.inbox import mails

pytestmark = pytest.mark.slow

REDIRECT = "https://okioki.test/inbox/oauth/callback/"
VERIFIER = "v" * 64


@pytest.fixture(scope="session")
def dropbox_server() -> Iterator[Server]:
    server = Server().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dropbox(dropbox_server: Server, settings) -> Iterator[FakeDropbox]:
    """Dropbox (the stand-in) configured, afresh for each test."""
    dropbox_server.fake.reset()
    configure(settings, dropbox_server)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    yield dropbox_server.fake
    dropbox_server.fake.reset()


def _client() -> OAuthClient:
    client = oauth_client("dropbox")
    assert client is not None
    return client


def _consent(url: str, *, decision: str = "allow") -> dict[str, str]:
    """What a browser does on Dropbox's consent page; the query it is sent back with."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {name: value.replace("&amp;", "&") for name, value in fields.items()}
    fields.update(decision=decision, account=DROPBOX_ACCOUNT)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    answer = requests.post(
        f"{origin}/oauth2/authorize", data=fields, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def _sign_in() -> Tokens:
    client = _client()
    url = client.authorization_url(
        purpose="files", redirect_uri=REDIRECT, state="s1", verifier=VERIFIER
    )
    back = _consent(url)
    return client.exchange_code(code=back["code"], verifier=VERIFIER, redirect_uri=REDIRECT)


@pytest.fixture
def make_folder(collecting, dropbox):
    def make(**fields: object) -> CloudFolder:
        tokens = _sign_in()
        values = {
            "name": "Facturen",
            "provider": CloudFolder.Provider.DROPBOX,
            "oauth_provider": "dropbox",
            "username": DROPBOX_ACCOUNT,
            "secret": encrypt(tokens.refresh_token),
            "access_token": encrypt(tokens.access_token),
            "token_expires_at": tokens.expires_at,
            "path": "/Facturen",
            "folder_id": "/facturen",
            **fields,
        }
        with company_scope(collecting):
            return CloudFolder.objects.create(company=collecting, **values)

    return make


def _scan(folder: CloudFolder):
    with company_scope(folder.company):
        folder.refresh_from_db()
        return cloud_folder_scan(folder=folder)


def _names(company) -> list[str]:
    with company_scope(company):
        return sorted(Document.objects.values_list("original_filename", flat=True))


def _api(fake: FakeDropbox) -> dict[str, int]:
    return {k.removeprefix("POST /2/"): v for k, v in fake.requests.items() if "/2/files/" in k}


# --- signing in ----------------------------------------------------------------------------


def test_sign_in_with_pkce_gives_a_refresh_token_and_the_account_address(dropbox):
    client = _client()
    url = client.authorization_url(
        purpose="files", redirect_uri=REDIRECT, state="s1", verifier=VERIFIER
    )
    query = parse_qs(urlsplit(url).query)
    assert query["token_access_type"] == ["offline"]  # a refresh token
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == [
        "account_info.read files.metadata.read files.content.read files.content.write"
    ]

    back = _consent(url)
    assert back["state"] == "s1"
    tokens = client.exchange_code(code=back["code"], verifier=VERIFIER, redirect_uri=REDIRECT)

    assert tokens.refresh_token
    assert tokens.access_token
    assert not tokens.id_token
    assert client.grants(tokens, "files")
    # no ID token: the address comes from users/get_current_account
    assert client.account_address(tokens) == DROPBOX_ACCOUNT
    assert dropbox.requests["POST /2/users/get_current_account"] == 1
    assert client.name == "Dropbox"


def test_a_wrong_verifier_is_refused(dropbox):
    client = _client()
    url = client.authorization_url(
        purpose="files", redirect_uri=REDIRECT, state="s1", verifier=VERIFIER
    )
    back = _consent(url)
    with pytest.raises(Exception) as refused:
        client.exchange_code(code=back["code"], verifier="w" * 64, redirect_uri=REDIRECT)
    assert refused.value.grant_lost  # invalid_grant


def test_refresh_keeps_the_refresh_token_and_revoke_ends_the_grant(dropbox):
    client = _client()
    tokens = _sign_in()
    renewed = client.refresh(tokens.refresh_token, purpose="files")
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token == ""  # Dropbox keeps the one we have

    client.revoke(tokens.refresh_token, purpose="files")

    assert dropbox.requests["POST /2/auth/token/revoke"] == 1
    with pytest.raises(Exception) as refused:
        client.refresh(tokens.refresh_token, purpose="files")
    assert refused.value.grant_lost
    client.revoke(tokens.refresh_token, purpose="files")  # revoked twice is fine


# --- scanning ------------------------------------------------------------------------------


def test_a_scan_collects_the_folder_and_pages_through_has_more(dropbox, make_folder, collecting):
    for n in range(8):
        dropbox.put(f"/Facturen/2026/factuur-{n}.pdf", mails.pdf(f"db-{n}"))
    dropbox.put("/Facturen/notities.docx", b"PK\x03\x04 not ours")
    dropbox.put("/Elders/factuur-x.pdf", mails.pdf("elsewhere"))
    folder = make_folder()

    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert _names(collecting) == [f"factuur-{n}.pdf" for n in range(8)]
    requests_made = _api(dropbox)
    assert requests_made["files/list_folder"] == 1
    assert requests_made["files/list_folder/continue"] == 3  # 10 entries, 3 a page
    assert requests_made["files/download"] == 8
    folder.refresh_from_db()
    assert folder.cursor
    with company_scope(collecting):
        record = CloudFile.objects.get(path="/Facturen/2026/factuur-0.pdf")
        assert record.remote_id.startswith("id:")
        assert CloudFile.objects.get(path="/Facturen/notities.docx").problem_code == "unsupported"


def test_the_next_scan_reads_only_what_changed(dropbox, make_folder, collecting):
    for n in range(30):
        dropbox.put(f"/Facturen/bijlage-{n}.txt", f"notitie {n}".encode())
    dropbox.put("/Facturen/factuur.pdf", mails.pdf("v1"))
    folder = make_folder()
    _scan(folder)
    dropbox.requests.clear()

    dropbox.put("/Facturen/factuur.pdf", mails.pdf("v2 corrected"))
    dropbox.put("/Facturen/nieuw.pdf", mails.pdf("new"))
    report = _scan(folder)

    assert (report.seen, report.documents) == (2, 2)
    # one page of changes and the two downloads, whatever the folder's size
    assert _api(dropbox) == {"files/list_folder/continue": 1, "files/download": 2}
    dropbox.requests.clear()
    again = _scan(folder)
    assert (again.seen, again.documents) == (0, 0)
    assert _api(dropbox) == {"files/list_folder/continue": 1}
    assert _names(collecting) == ["factuur.pdf", "factuur.pdf", "nieuw.pdf"]


def test_moved_out_and_back_or_renamed_is_not_read_again(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    folder = make_folder()
    _scan(folder)

    dropbox.move("/Facturen/a.pdf", "/Elders/a.pdf")
    assert _scan(folder).seen == 0
    dropbox.move("/Elders/a.pdf", "/Facturen/a.pdf")
    assert _scan(folder).seen == 0
    dropbox.move("/Facturen/a.pdf", "/Facturen/2026/a-renamed.pdf")
    report = _scan(folder)

    assert (report.seen, report.documents) == (0, 0)
    assert _names(collecting) == ["a.pdf"]
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/2026/a-renamed.pdf"


def test_the_same_file_in_a_second_folder_is_a_duplicate(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/2026/a.pdf", mails.pdf("twice"))
    first = make_folder()
    second = make_folder(name="2026", path="/Facturen/2026", folder_id="/facturen/2026")

    assert _scan(first).documents == 1
    report = _scan(second)

    assert (report.seen, report.documents, report.duplicates) == (1, 0, 1)
    assert _names(collecting) == ["a.pdf"]


def test_a_reset_cursor_starts_again_without_duplicates(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    dropbox.put("/Facturen/b.pdf", mails.pdf("b"))
    folder = make_folder()
    _scan(folder)
    folder.refresh_from_db()
    old_cursor = folder.cursor

    dropbox.reset_cursors()
    dropbox.put("/Facturen/c.pdf", mails.pdf("c"))
    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert (report.seen, report.documents) == (1, 1)
    assert _names(collecting) == ["a.pdf", "b.pdf", "c.pdf"]
    assert _api(dropbox)["files/list_folder"] == 2  # the first scan, and again after the reset
    folder.refresh_from_db()
    assert folder.cursor != old_cursor


def test_an_app_that_may_not_write_still_collects(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    dropbox.put("/Facturen/b.pdf", mails.pdf("b"))
    dropbox.read_only = True  # granted files.content.read only
    folder = make_folder(move_to_folder="Verwerkt")

    report = _scan(folder)

    assert (report.documents, report.error) == (2, None)
    assert _names(collecting) == ["a.pdf", "b.pdf"]
    folder.refresh_from_db()
    assert folder.status == "active"
    assert sorted(dropbox.entries) == ["/facturen", "/facturen/a.pdf", "/facturen/b.pdf"]
    assert _api(dropbox)["files/create_folder_v2"] == 1  # refused once, not asked per file
    with company_scope(collecting):
        problems = list(CloudFile.objects.values_list("problem_code", flat=True))
    assert problems == ["move_refused", "move_refused"]


def test_processed_files_move_to_the_sub_folder_and_stay_there(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    dropbox.put("/Facturen/Verwerkt/a.pdf", mails.pdf("an older a"))
    folder = make_folder(move_to_folder="Verwerkt")

    report = _scan(folder)

    assert (report.documents, report.error) == (1, None)
    assert sorted(dropbox.entries) == [
        "/facturen",
        "/facturen/verwerkt",
        "/facturen/verwerkt/a (1).pdf",  # numbered: a file of that name is there
        "/facturen/verwerkt/a.pdf",
    ]
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/Verwerkt/a (1).pdf"
    again = _scan(folder)  # the move is in the feed, under the sub-folder: left alone
    assert (again.seen, again.error) == (0, None)


def test_a_removed_folder_pauses_and_tells_the_owners(
    dropbox, make_folder, collecting, owner, mailoutbox, django_capture_on_commit_callbacks
):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    folder = make_folder()
    _scan(folder)
    dropbox.delete("/Facturen")

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "cloud_folder_missing"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "cloud_folder_missing")
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert _names(collecting) == ["a.pdf"]


def test_a_lost_permission_pauses(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    folder = make_folder()
    _scan(folder)
    dropbox.denied.add("/facturen")

    report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "forbidden"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "forbidden")


def test_too_many_requests_is_tried_again_later(dropbox, make_folder):
    folder = make_folder()
    dropbox.throttled = True
    before = timezone.now()

    report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "rate_limited"
    folder.refresh_from_db()
    assert folder.status == "active"
    assert "Dropbox" in folder.last_error
    # the fake's Retry-After: 30 s, during which no scan asks Dropbox again
    assert 30 <= (folder.retry_after - before).total_seconds() < 40
    dropbox.throttled = False
    assert _scan(folder).waiting
    dropbox.put("/Facturen/a.pdf", mails.pdf("after the wait"))
    with time_machine.travel(folder.retry_after + timedelta(seconds=1), tick=True):
        assert _scan(folder).documents == 1


def test_an_access_token_refused_early_is_renewed_once(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    folder = make_folder()
    dropbox.access_tokens.clear()  # Dropbox forgot it (401 invalid_access_token)

    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert dropbox.refreshes() == 1
    assert _names(collecting) == ["a.pdf"]


def test_an_expired_access_token_is_refreshed_before_the_scan(dropbox, make_folder):
    dropbox.mkdir("/Facturen")
    folder = make_folder(token_expires_at=timezone.now() - timedelta(minutes=1))
    assert _scan(folder).error is None
    assert dropbox.refreshes() == 1
    folder.refresh_from_db()
    assert folder.token_expires_at > timezone.now()
    assert decrypt(folder.secret)  # the refresh token kept: Dropbox gave none


def test_a_revoked_grant_pauses_the_folder(dropbox, make_folder, collecting):
    dropbox.put("/Facturen/a.pdf", mails.pdf("a"))
    folder = make_folder()
    dropbox.revoke_account(DROPBOX_ACCOUNT)  # the user disconnected the app in Dropbox

    report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "oauth_revoked"
    assert "Dropbox" in report.error.message
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "oauth_revoked")
    assert folder.secret == ""
    assert folder.access_token == ""
    assert _names(collecting) == []


def test_the_folder_browser_lists_sub_folders(dropbox, make_folder):
    dropbox.put("/Facturen/2026/a.pdf", b"%PDF")
    dropbox.mkdir("/Facturen/2025")
    dropbox.mkdir("/Bonnetjes")
    for n in range(5):
        dropbox.put(f"/losse-{n}.pdf", b"%PDF")  # files are not offered; pages are followed
    folder = make_folder()
    with company_scope(folder.company):
        client = cloud_client_for(folder)
    assert isinstance(client, DropboxClient)

    assert client.folders("") == [
        RemoteFolder(location="/bonnetjes", name="Bonnetjes", path="/Bonnetjes"),
        RemoteFolder(location="/facturen", name="Facturen", path="/Facturen"),
    ]
    assert [f.path for f in client.folders("/facturen")] == ["/Facturen/2025", "/Facturen/2026"]
    client.check("/facturen")
    with pytest.raises(Exception) as missing:
        client.check("/nergens")
    assert missing.value.code == "cloud_folder_missing"
