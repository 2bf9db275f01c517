"""OneDrive and SharePoint folders: the Graph client and scans through its delta feed.

Faked, at the HTTP boundary: Microsoft Graph (tests/fakes/microsoft_graph.py: drives, items,
children, the delta query, downloads, moves, followed sites) and Microsoft's sign-in
(tests/fakes/oauth_provider.py), which issued the tokens the Graph stand-in checks. Real: our
OAuth and Graph clients and their requests through the outgoing-connection guard, the scan,
the database and the documents made.
"""

import json
import secrets
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.core.crypto import encrypt
from apps.documents.models import Document
from apps.inbox.clients import cloud_client
from apps.inbox.clients.oauth import SCOPES, Tokens, oauth_client
from apps.inbox.clients.onedrive import OneDriveClient
from apps.inbox.errors import InboxError
from apps.inbox.models import CloudFile, CloudFolder
from apps.inbox.scanning import cloud_folder_scan
from tests.fakes.microsoft_graph import FakeGraph
from tests.fakes.microsoft_graph import Server as GraphServer
from tests.fakes.oauth_provider import MICROSOFT_ACCOUNT, FakeOAuthProvider
from tests.fakes.oauth_provider import Server as OAuthServer
from tests.fakes.oauth_provider import configure as configure_oauth
from tests.inbox import mails

pytestmark = pytest.mark.slow

DELTA = "GET /drives/_/root/delta"


@pytest.fixture(scope="module")
def graph_server(oauth_server: OAuthServer) -> Iterator[GraphServer]:
    server = GraphServer(FakeGraph(oauth_server.fake)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def graph(graph_server: GraphServer, oauth_server: OAuthServer, settings) -> Iterator[FakeGraph]:
    """Microsoft's sign-in and Graph, both stand-ins, configured; each test starts afresh."""
    oauth_server.fake.reset()
    graph_server.fake.reset()
    configure_oauth(settings, oauth_server, imap_port=9)
    settings.MICROSOFT_GRAPH_URL = f"{graph_server.url}/v1.0"
    settings.OUTBOUND_ALLOW_PRIVATE = True
    yield graph_server.fake
    graph_server.fake.reset()


@pytest.fixture
def microsoft(graph: FakeGraph, oauth_server: OAuthServer) -> FakeOAuthProvider:
    return oauth_server.fake


def sign_in(oauth_url: str) -> Tokens:
    """Sign in to the stand-in with the files scopes, as a user clicking Allow would."""
    client = oauth_client("microsoft")
    assert client is not None
    verifier, redirect = secrets.token_urlsafe(64), "http://testserver/oauth/callback"
    url = client.authorization_url(
        purpose="files", redirect_uri=redirect, state="state", verifier=verifier
    )
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(
        f"{oauth_url}/authorize",
        data={**form, "decision": "allow", "account": MICROSOFT_ACCOUNT},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return client.exchange_code(
        code=code, verifier=verifier, redirect_uri=redirect, purpose="files"
    )


@pytest.fixture
def tokens(graph: FakeGraph, oauth_server: OAuthServer) -> Tokens:
    return sign_in(oauth_server.url)


@pytest.fixture
def make_folder(collecting, graph: FakeGraph, tokens: Tokens):
    def make(path: str = "/Facturen", drive: str | None = None, **fields: object) -> CloudFolder:
        graph.mkdir(path, drive)
        values = {
            "name": path.rsplit("/", 1)[-1] or "OneDrive",
            "provider": CloudFolder.Provider.ONEDRIVE,
            "oauth_provider": "microsoft",
            "username": MICROSOFT_ACCOUNT,
            "secret": encrypt(tokens.refresh_token),
            "access_token": encrypt(tokens.access_token),
            "token_expires_at": tokens.expires_at,
            "path": path,
            "folder_id": graph.location(path, drive),
            **fields,
        }
        with company_scope(collecting):
            return CloudFolder.objects.create(company=collecting, **values)

    return make


def _scan(folder: CloudFolder):
    with company_scope(folder.company):
        return cloud_folder_scan(folder=folder)


def _names(company) -> list[str]:
    with company_scope(company):
        return sorted(Document.objects.values_list("original_filename", flat=True))


def _client(tokens: Tokens) -> OneDriveClient:
    client = cloud_client(
        "onedrive", url="", username=MICROSOFT_ACCOUNT, secret=tokens.access_token, timeout=10
    )
    assert isinstance(client, OneDriveClient)
    return client


# --- scans ---------------------------------------------------------------------------------


def test_the_sign_in_for_drives_asks_for_files_and_sites(microsoft, tokens):
    assert SCOPES[("microsoft", "files")][-2:] == (
        "https://graph.microsoft.com/Files.ReadWrite.All",
        "https://graph.microsoft.com/Sites.Read.All",
    )
    # the stand-in grants what was asked for
    granted = tokens.scope.split()
    assert "offline_access" in granted
    assert "https://graph.microsoft.com/Sites.Read.All" in granted
    assert tokens.refresh_token
    assert oauth_client("microsoft").grants(tokens, "files")


def test_a_scan_collects_the_files_under_the_folder_once(graph, make_folder, collecting):
    graph.put("/Facturen/2026/factuur-1.pdf", mails.pdf("od-1"))
    graph.put("/Facturen/ticket.png", mails.png(30_000))
    graph.put("/Facturen/notities.docx", b"PK\x03\x04 not ours")
    graph.put("/Elders/factuur-x.pdf", mails.pdf("elsewhere"))  # outside the folder
    folder = make_folder()

    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert _names(collecting) == ["factuur-1.pdf", "ticket.png"]
    with company_scope(collecting):
        document = Document.objects.get(original_filename="factuur-1.pdf")
        assert document.source_details["path"] == "/Facturen/2026/factuur-1.pdf"
        record = CloudFile.objects.get(path="/Facturen/2026/factuur-1.pdf")
        item = graph.get("/Facturen/2026/factuur-1.pdf")
        assert record.remote_id == f"{item.drive}/{item.id}"
        assert CloudFile.objects.get(path="/Facturen/notities.docx").problem_code == "unsupported"
    folder.refresh_from_db()
    assert folder.cursor  # the delta link and the folders under this one
    again = _scan(folder)
    assert (again.error, again.seen, again.documents) == (None, 0, 0)
    assert _names(collecting) == ["factuur-1.pdf", "ticket.png"]


def test_the_feed_is_read_page_by_page_and_later_scans_cost_the_same_however_many_files(
    graph, make_folder, collecting
):
    for n in range(8):
        graph.put(f"/Facturen/f-{n}.pdf", mails.pdf(f"page-{n}"))
    folder = make_folder()

    first = _scan(folder)

    assert first.documents == 8
    assert graph.requests[DELTA] >= 4  # pages of 3 items: followed to the delta link
    graph.requests.clear()
    assert _scan(folder).seen == 0
    quiet_small = graph.calls()

    for n in range(8, 30):
        graph.put(f"/Facturen/f-{n}.pdf", mails.pdf(f"page-{n}"))
    assert _scan(folder).documents == 22
    graph.requests.clear()
    assert _scan(folder).seen == 0

    # a scan with nothing new costs as many calls with 30 files as with 8
    assert graph.calls() == quiet_small
    assert graph.requests[DELTA] == 1
    assert graph.requests["GET /drives/_/items/_/children"] == 0


def test_a_changed_file_is_read_once_more(graph, make_folder, collecting):
    graph.put("/Facturen/factuur.pdf", mails.pdf("v1"))
    folder = make_folder()
    _scan(folder)

    graph.put("/Facturen/factuur.pdf", mails.pdf("v2 corrected"))
    report = _scan(folder)

    assert (report.seen, report.documents) == (1, 1)
    assert _scan(folder).seen == 0
    with company_scope(collecting):
        assert Document.objects.count() == 2
        assert CloudFile.objects.count() == 1


def test_a_file_moved_out_and_back_or_renamed_is_not_read_again(graph, make_folder, collecting):
    graph.put("/Facturen/factuur.pdf", mails.pdf("moving"))
    folder = make_folder()
    assert _scan(folder).documents == 1

    graph.move("/Facturen/factuur.pdf", "/Elders")
    assert _scan(folder).seen == 0
    graph.move("/Elders/factuur.pdf", "/Facturen/2026")
    back = _scan(folder)
    graph.rename("/Facturen/2026/factuur.pdf", "factuur-maart.pdf")
    renamed = _scan(folder)

    assert (back.seen, renamed.seen) == (0, 0)
    assert _names(collecting) == ["factuur.pdf"]
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/2026/factuur-maart.pdf"


def test_a_folder_moved_in_brings_its_files(graph, make_folder, collecting):
    graph.put("/Archief/2025/oud.pdf", mails.pdf("moved-in"))
    folder = make_folder()
    _scan(folder)

    graph.move("/Archief/2025", "/Facturen")  # the feed names the folder, not its file
    report = _scan(folder)

    assert report.documents == 1
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/2025/oud.pdf"


def test_the_same_file_seen_by_two_folders_is_a_duplicate_the_second_time(
    graph, make_folder, collecting
):
    graph.put("/Facturen/2026/factuur.pdf", mails.pdf("twice"))
    outer, inner = make_folder("/Facturen"), make_folder("/Facturen/2026")

    assert _scan(outer).documents == 1
    second = _scan(inner)

    assert (second.documents, second.duplicates) == (0, 1)
    assert _names(collecting) == ["factuur.pdf"]


def test_a_sharepoint_library_folder_is_collected(graph, make_folder, collecting):
    site = graph.add_site("Finance")
    library = site.drives[0]
    graph.put("/Aankoop/factuur-sp.pdf", mails.pdf("sharepoint"), library)
    graph.put("/Aankoop/factuur-od.pdf", mails.pdf("not this drive"))  # the user's OneDrive
    folder = make_folder("/Aankoop", library)

    report = _scan(folder)

    assert report.documents == 1
    assert _names(collecting) == ["factuur-sp.pdf"]
    graph.put("/Aankoop/tweede.pdf", mails.pdf("sharepoint 2"), library)
    assert _scan(folder).documents == 1


def test_files_in_a_deleted_sub_folder_are_not_offered(graph, make_folder, collecting):
    folder = make_folder()
    _scan(folder)
    graph.put("/Facturen/Weg/a.pdf", mails.pdf("deleted-a"))
    graph.delete("/Facturen/Weg")

    assert _scan(folder).seen == 0
    assert _names(collecting) == []


def test_a_removed_folder_pauses_and_tells_the_owners(
    graph, make_folder, collecting, owner, mailoutbox, django_capture_on_commit_callbacks
):
    graph.put("/Facturen/a.pdf", mails.pdf("gone"))
    folder = make_folder()
    _scan(folder)
    graph.delete("/Facturen")

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(folder)

    assert report.error.code == "cloud_folder_missing"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "cloud_folder_missing")
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "does not exist" in mailoutbox[0].body
    assert _names(collecting) == ["a.pdf"]


def test_a_lost_permission_pauses_the_folder(graph, make_folder, collecting, mailoutbox):
    graph.put("/Facturen/a.pdf", mails.pdf("denied"))
    folder = make_folder()
    _scan(folder)
    graph.deny("/Facturen")

    report = _scan(folder)

    assert report.error.code == "forbidden"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "forbidden")


def test_a_feed_graph_resets_starts_again_without_reading_anything_twice(
    graph, make_folder, collecting
):
    for n in range(4):
        graph.put(f"/Facturen/f-{n}.pdf", mails.pdf(f"resync-{n}"))
    folder = make_folder()
    _scan(folder)
    graph.expire_delta()
    graph.put("/Facturen/nieuw.pdf", mails.pdf("resync-new"))
    graph.requests.clear()

    report = _scan(folder)

    assert report.error is None
    assert (report.seen, report.documents) == (1, 1)
    assert graph.requests[DELTA] >= 3  # the stale link (410), then the whole feed again
    assert len(_names(collecting)) == 5
    assert _scan(folder).seen == 0


def test_throttling_is_temporary(graph, make_folder, collecting):
    graph.put("/Facturen/a.pdf", mails.pdf("throttled"))
    folder = make_folder()
    graph.throttle(1, retry_after=90)
    before = timezone.now()

    report = _scan(folder)

    assert report.error.code == "rate_limited"
    assert report.error.params["retry_after"] == 90
    folder.refresh_from_db()
    assert not folder.is_paused
    assert 90 <= (folder.retry_after - before).total_seconds() < 100
    calls = graph.calls()
    assert _scan(folder).waiting  # not before Microsoft's time...
    assert graph.calls() == calls
    with time_machine.travel(folder.retry_after + timedelta(seconds=1), tick=True):
        assert _scan(folder).documents == 1  # ...then at once


def test_processed_files_move_to_a_sub_folder(graph, make_folder, collecting):
    graph.put("/Facturen/a.pdf", mails.pdf("move-a"))
    graph.put("/Facturen/b.pdf", mails.pdf("move-b"))
    folder = make_folder(move_to_folder="Verwerkt")

    report = _scan(folder)

    assert report.documents == 2
    done = graph.get("/Facturen/Verwerkt")
    assert graph.find("/Facturen/Verwerkt/a.pdf") is not None
    assert graph.find("/Facturen/a.pdf") is None
    with company_scope(collecting):
        assert sorted(CloudFile.objects.values_list("path", flat=True)) == [
            "/Facturen/Verwerkt/a.pdf",
            "/Facturen/Verwerkt/b.pdf",
        ]
    # the sub-folder is not read again, and a new a.pdf is numbered as OneDrive does
    graph.put("/Facturen/a.pdf", mails.pdf("move-a2"))
    second = _scan(folder)
    assert (second.seen, second.documents) == (1, 1)
    names = sorted(i.name for i in graph.items.values() if i.parent == done.id)
    assert names == ["a 1.pdf", "a.pdf", "b.pdf"]
    assert _scan(folder).seen == 0


def test_a_token_graph_refuses_early_is_renewed_once(graph, make_folder, collecting, microsoft):
    graph.put("/Facturen/a.pdf", mails.pdf("renewed"))
    folder = make_folder()
    microsoft.access_tokens.clear()  # Graph no longer knows the access token

    report = _scan(folder)

    assert report.error is None, report.error.message
    assert report.documents == 1
    assert microsoft.refreshes() == 1


def test_a_revoked_grant_pauses_the_folder(graph, make_folder, collecting, microsoft):
    folder = make_folder(token_expires_at=timezone.now() + timedelta(minutes=1))
    microsoft.revoke_account(MICROSOFT_ACCOUNT)

    report = _scan(folder)

    assert report.error.code == "oauth_revoked"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "oauth_revoked")
    assert folder.secret == ""


def test_a_drive_that_refuses_even_a_renewed_token_says_so(graph, make_folder, microsoft):
    folder = make_folder()
    graph.refuse_tokens = True

    report = _scan(folder)

    assert report.error.code == "oauth_files_refused"
    assert "administrator" in report.error.message
    assert microsoft.refreshes() == 1  # renewed once, not again and again
    folder.refresh_from_db()
    assert not folder.is_paused


def test_without_hashes_the_content_version_is_the_ctag(graph, make_folder, collecting):
    graph.with_hashes = False
    graph.put("/Facturen/a.pdf", mails.pdf("ctag-1"))
    folder = make_folder()
    assert _scan(folder).documents == 1

    graph.rename("/Facturen/a.pdf", "b.pdf")  # the eTag changes, the cTag does not
    assert _scan(folder).seen == 0
    graph.put("/Facturen/b.pdf", mails.pdf("ctag-2"))
    assert _scan(folder).documents == 1


def test_check_says_whether_the_folder_can_be_read(graph, tokens):
    graph.put("/Facturen/a.pdf", mails.pdf("check"))
    client = _client(tokens)
    client.check(graph.location("/Facturen"))

    for location in (graph.location("/Facturen/a.pdf"), "nonsense", f"{graph.me}/01MISSING"):
        with pytest.raises(InboxError) as refused:
            client.check(location)
        assert refused.value.code == "cloud_folder_missing"


def test_links_in_a_cursor_go_to_graph_only(graph, tokens):
    # given a cursor whose delta link points elsewhere (tampered with, or a bug)
    graph.mkdir("/Facturen")
    location = graph.location("/Facturen")
    client = _client(tokens)
    cursor = json.loads(client.changes(location, "").cursor)
    cursor["delta"] = "http://127.0.0.2:9/v1.0/drives/x/root/delta?token=1"
    graph.requests.clear()

    with pytest.raises(InboxError) as refused:
        client.changes(location, json.dumps(cursor))

    assert refused.value.code == "protocol"
    assert graph.requests[DELTA] == 0


def test_a_token_without_the_files_scope_says_so(graph, make_folder, microsoft, tokens):
    folder = make_folder()
    grant = microsoft.grant_of(tokens.access_token)
    grant.scope = "openid email"  # as a grant whose files permission the tenant removed

    report = _scan(folder)

    assert report.error.code == "forbidden"


def test_the_download_follows_graphs_redirect_without_the_token(graph, tokens):
    graph.put("/Facturen/a.pdf", mails.pdf("download"))
    client = _client(tokens)
    files = client.changes(graph.location("/Facturen"), "").files

    data = client.download(files[0], max_bytes=10_000_000)

    assert data == mails.pdf("download")
    assert graph.requests["GET download"] == 1  # which refuses a bearer token


# --- the folder browser --------------------------------------------------------------------


def test_the_browser_offers_the_onedrive_and_the_libraries_of_followed_sites(graph, tokens):
    graph.add_site("Finance")
    projects = graph.add_site("Projecten", libraries=("Documents", "Contracten"))
    for n in range(5):  # more than a page
        graph.mkdir(f"/Map {n}")
    graph.put("/los.pdf", mails.pdf("not a folder"))
    graph.mkdir("/Werven/2026", projects.drives[1])
    client = _client(tokens)

    top = client.folders("")

    assert [f.name for f in top] == [
        "OneDrive",
        "Finance (SharePoint)",
        "Projecten - Contracten (SharePoint)",
        "Projecten - Documents (SharePoint)",
    ]
    mine = client.folders(top[0].location)
    assert [f.path for f in mine] == [f"/Map {n}" for n in range(5)]
    assert mine[0].location == graph.location("/Map 0")
    contracts = client.folders(top[2].location)
    assert [(f.name, f.path) for f in contracts] == [("Werven", "Contracten (SharePoint)/Werven")]
    below = client.folders(contracts[0].location)
    assert [f.path for f in below] == ["Contracten (SharePoint)/Werven/2026"]


def test_a_folder_picked_at_a_drives_top_collects_the_whole_drive(graph, make_folder, tokens):
    graph.put("/a.pdf", mails.pdf("top-a"))
    graph.put("/Map/b.pdf", mails.pdf("top-b"))
    client = _client(tokens)
    top = client.folders("")[0]

    files = client.changes(top.location, "").files

    assert [f.path for f in files] == ["/Map/b.pdf", "/a.pdf"]
