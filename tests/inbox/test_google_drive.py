"""Google Drive folders: connecting through Google's sign-in, picking a folder, and scans
that read only what changed (Drive's change feed), once per file.

Faked, at the HTTP boundary: Google's sign-in (tests/fakes/oauth_provider.py) and the Drive
API v3 (tests/fakes/google_drive.py), which checks every bearer token with the sign-in
stand-in (live, with the Drive scope). Real: our OAuth and Drive clients and their requests,
the pages, the scans, PostgreSQL.
"""

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.core.crypto import encrypt
from apps.documents.models import Document
from apps.inbox import services
from apps.inbox.clients.oauth import GOOGLE_DRIVE_SCOPE
from apps.inbox.models import CloudFile, CloudFolder
from apps.inbox.scanning import cloud_folder_scan
from tests import factories
from tests.access import cases, check_access
from tests.fakes.google_drive import FakeDrive
from tests.fakes.oauth_provider import GMAIL_ACCOUNT, GOOGLE_CLIENT, FakeOAuthProvider, Grant
from tests.inbox import mails
from tests.inbox.test_oauth import _consent, _local

pytestmark = pytest.mark.slow

ACCOUNT = GMAIL_ACCOUNT


def _grant(oauth: FakeOAuthProvider) -> tuple[str, str]:
    """A refresh and an access token of ``ACCOUNT`` for Drive, as a sign-in leaves them."""
    refresh = secrets.token_urlsafe(32)
    grant = Grant(ACCOUNT, GOOGLE_CLIENT[0], f"openid email {GOOGLE_DRIVE_SCOPE}")
    with oauth.lock:
        oauth.grants[refresh] = grant
        access = oauth._access(grant, grant.scope)["access_token"]
    return refresh, access


@pytest.fixture
def drive_folder(collecting, google_drive: FakeDrive):
    oauth = google_drive.oauth
    assert oauth is not None

    def make(folder_id: str, path: str, **fields: object) -> CloudFolder:
        refresh, access = _grant(oauth)
        values = {
            "name": "Drive",
            "provider": CloudFolder.Provider.GOOGLE_DRIVE,
            "username": ACCOUNT,
            "oauth_provider": "google",
            "secret": encrypt(refresh),
            "access_token": encrypt(access),
            "token_expires_at": timezone.now() + timedelta(hours=1),
            "folder_id": folder_id,
            "path": path,
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


def _ok(report) -> None:
    assert report.error is None, report.error and report.error.message


# --- scans -------------------------------------------------------------------------------------


def test_a_scan_collects_the_files_under_the_folder(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    year = google_drive.add_folder("2026", invoices)
    google_drive.add_file("factuur-1.pdf", mails.pdf("drive-1"), year)
    google_drive.add_file("ticket.png", mails.png(20_000), invoices)
    google_drive.add_file("Notities", b"", invoices, "application/vnd.google-apps.document")
    google_drive.add_file("elders.pdf", mails.pdf("elsewhere"))  # outside the folder
    folder = drive_folder(invoices, "/Facturen")

    report = _scan(folder)

    _ok(report)
    assert _names(collecting) == ["factuur-1.pdf", "ticket.png"]
    with company_scope(collecting):
        record = CloudFile.objects.get(path="/Facturen/2026/factuur-1.pdf")
        assert record.remote_id
        assert record.etag
        assert not CloudFile.objects.filter(path__contains="Notities").exists()  # a Google Doc


def test_a_second_scan_reads_only_the_changes(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    for number in range(5):
        sub = google_drive.add_folder(f"Map {number}", invoices)
        google_drive.add_file(f"f-{number}.pdf", mails.pdf(f"many-{number}"), sub)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    first = google_drive.calls()
    assert google_drive.calls("GET /drive/v3/files") > 6  # the tree was walked once

    google_drive.requests.clear()
    google_drive.add_file("nieuw.pdf", mails.pdf("new one"), invoices)
    report = _scan(folder)

    _ok(report)
    assert (report.seen, report.documents) == (1, 1)
    # the folder's check, the feed, one download: not the tree again
    assert google_drive.calls() <= 4 < first
    google_drive.requests.clear()
    nothing = _scan(folder)
    assert (nothing.seen, google_drive.calls()) == (0, 2)


def test_pages_are_followed(google_drive, drive_folder, collecting):
    google_drive.max_page_size = 2
    invoices = google_drive.add_folder("Facturen")
    for number in range(5):
        google_drive.add_file(f"f-{number}.pdf", mails.pdf(f"paged-{number}"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    assert len(_names(collecting)) == 5
    google_drive.requests.clear()
    for number in range(5, 10):
        google_drive.add_file(f"f-{number}.pdf", mails.pdf(f"paged-{number}"), invoices)

    report = _scan(folder)

    _ok(report)
    assert report.documents == 5
    assert google_drive.requests["GET /drive/v3/changes"] == 3  # 5 changes, 2 a page
    assert len(_names(collecting)) == 10


def test_a_changed_file_is_collected_once_more(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    file_id = google_drive.add_file("factuur.pdf", mails.pdf("v1"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))

    google_drive.change_content(file_id, mails.pdf("v2 corrected"))
    google_drive.rename(file_id, "factuur.pdf")  # two changes of one file: one in the feed
    report = _scan(folder)

    assert (report.seen, report.documents) == (1, 1)
    assert _scan(folder).seen == 0
    with company_scope(collecting):
        assert Document.objects.count() == 2


def test_a_file_moved_out_and_back_or_renamed_is_not_collected_again(
    google_drive, drive_folder, collecting
):
    invoices = google_drive.add_folder("Facturen")
    sub = google_drive.add_folder("Sub", invoices)
    elsewhere = google_drive.add_folder("Elders")
    file_id = google_drive.add_file("factuur.pdf", mails.pdf("moving"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))

    google_drive.move(file_id, elsewhere)
    _ok(_scan(folder))
    google_drive.move(file_id, sub)
    google_drive.rename(file_id, "hernoemd.pdf")
    report = _scan(folder)

    _ok(report)
    assert report.documents == 0
    assert _names(collecting) == ["factuur.pdf"]
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/Sub/hernoemd.pdf"


def test_a_folder_moved_in_brings_its_files_and_renamed_folders_keep_paths(
    google_drive, drive_folder, collecting
):
    invoices = google_drive.add_folder("Facturen")
    outside = google_drive.add_folder("Scans")
    google_drive.add_file("scan.pdf", mails.pdf("moved in"), outside)
    sub = google_drive.add_folder("Oud", invoices)
    google_drive.add_file("oud.pdf", mails.pdf("old"), sub)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))

    google_drive.move(outside, invoices)  # its file has no change of its own
    google_drive.rename(sub, "Archief")
    changed = google_drive.add_file("nieuw.pdf", mails.pdf("in renamed"), sub)
    report = _scan(folder)

    _ok(report)
    assert _names(collecting) == ["nieuw.pdf", "oud.pdf", "scan.pdf"]
    with company_scope(collecting):
        assert CloudFile.objects.get(remote_id=changed).path == "/Facturen/Archief/nieuw.pdf"
    # a sub-folder moved out: a new file in it is no longer ours
    google_drive.move(sub, google_drive.root)
    google_drive.add_file("weg.pdf", mails.pdf("gone out"), sub)
    assert _scan(folder).seen == 0


def test_the_same_file_in_two_folders_is_a_duplicate_the_second_time(
    google_drive, drive_folder, collecting
):
    invoices = google_drive.add_folder("Facturen")
    inner = google_drive.add_folder("Leverancier", invoices)
    google_drive.add_file("factuur.pdf", mails.pdf("twice"), inner)
    wide = drive_folder(invoices, "/Facturen", name="Alles")
    narrow = drive_folder(inner, "/Facturen/Leverancier", name="Leverancier")

    first, second = _scan(wide), _scan(narrow)

    assert (first.documents, second.documents, second.duplicates) == (1, 0, 1)


def test_a_removed_folder_pauses_and_tells_the_owners(
    google_drive, drive_folder, collecting, owner, mailoutbox, django_capture_on_commit_callbacks
):
    invoices = google_drive.add_folder("Facturen")
    google_drive.add_file("a.pdf", mails.pdf("before"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    google_drive.trash(invoices)

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "cloud_folder_missing"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "cloud_folder_missing")
    assert "/Facturen" in folder.last_error
    assert [m.to for m in mailoutbox] == [[owner.email]]
    google_drive.delete(invoices)  # deleted for good: the same
    with company_scope(collecting):
        folder.status, folder.paused_reason = "active", ""
        folder.save()
    assert _scan(folder).error.code == "cloud_folder_missing"


def test_a_lost_permission_pauses(google_drive, drive_folder, collecting, mailoutbox):
    invoices = google_drive.add_folder("Facturen")
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    google_drive.unshare(invoices)

    report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "forbidden"
    folder.refresh_from_db()
    assert (folder.status, folder.paused_reason) == ("paused", "forbidden")


def test_the_token_is_refreshed_before_it_expires(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    google_drive.add_file("a.pdf", mails.pdf("refresh"), invoices)
    folder = drive_folder(
        invoices, "/Facturen", token_expires_at=timezone.now() + timedelta(minutes=2)
    )

    _ok(_scan(folder))

    assert google_drive.oauth.refreshes() == 1
    folder.refresh_from_db()
    assert folder.token_expires_at > timezone.now() + timedelta(minutes=30)


def test_a_token_refused_early_is_renewed_once(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    google_drive.add_file("a.pdf", mails.pdf("early"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    with company_scope(collecting):
        folder.access_token = encrypt("not-a-live-token")
        folder.save()

    _ok(_scan(folder))

    assert google_drive.oauth.refreshes() == 1
    assert _names(collecting) == ["a.pdf"]


def test_a_revoked_grant_pauses_and_asks_to_reconnect(
    google_drive, drive_folder, collecting, owner, mailoutbox, django_capture_on_commit_callbacks
):
    invoices = google_drive.add_folder("Facturen")
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    google_drive.oauth.revoke_account(ACCOUNT)

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "oauth_revoked"
    folder.refresh_from_db()
    assert folder.needs_reconnect
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "cloud folder" in mailoutbox[0].subject
    assert f"/folders/{folder.public_id}/reconnect/" in mailoutbox[0].body


def test_an_invalid_page_token_starts_afresh_without_duplicates(
    google_drive, drive_folder, collecting
):
    invoices = google_drive.add_folder("Facturen")
    google_drive.add_file("a.pdf", mails.pdf("kept"), invoices)
    folder = drive_folder(invoices, "/Facturen")
    _ok(_scan(folder))
    google_drive.add_file("b.pdf", mails.pdf("after reset"), invoices)
    google_drive.expire_tokens()

    report = _scan(folder)

    _ok(report)
    assert (report.seen, report.documents) == (1, 1)  # a.pdf known by its id
    assert _names(collecting) == ["a.pdf", "b.pdf"]
    assert _scan(folder).seen == 0


def test_processed_files_move_to_a_sub_folder(google_drive, drive_folder, collecting):
    invoices = google_drive.add_folder("Facturen")
    first = google_drive.add_file("a.pdf", mails.pdf("move-a"), invoices)
    folder = drive_folder(invoices, "/Facturen", move_to_folder="Verwerkt")

    _ok(_scan(folder))

    [done] = [i for i in google_drive.children(invoices) if i.name == "Verwerkt"]
    assert [i.id for i in google_drive.children(done.id)] == [first]
    with company_scope(collecting):
        assert CloudFile.objects.get().path == "/Facturen/Verwerkt/a.pdf"
    # the sub-folder is left alone; a new file is collected and moved into the same one
    google_drive.add_file("b.pdf", mails.pdf("move-b"), invoices)
    report = _scan(folder)
    assert (report.seen, report.documents) == (1, 1)
    assert sorted(i.name for i in google_drive.children(done.id)) == ["a.pdf", "b.pdf"]
    assert _scan(folder).seen == 0


# --- connecting, browsing, picking ------------------------------------------------------------


def _connect_url(company) -> str:
    return reverse(
        "inbox:folder-oauth", kwargs={"company_id": company.public_id, "provider": "google_drive"}
    )


def _sign_in(client, start_url: str) -> object:
    """Continue on our page, allow on the provider's, come back: the last response."""
    started = client.post(start_url)
    assert started.status_code == 302, started.content.decode()[:500]
    back = _consent(started["Location"])
    callback = client.get(_local(back))
    assert callback.status_code == 302
    return client.get(callback["Location"])


def test_connect_browse_and_pick_a_folder_then_its_files_are_collected(
    google_drive, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # given a Drive with an invoice in Facturen/2026, and the owner on the connect page
    invoices = google_drive.add_folder("Facturen")
    year = google_drive.add_folder("2026", invoices)
    google_drive.add_file("factuur.pdf", mails.pdf("picked"), year)
    client = client_for(owner)
    overview = client.get(reverse("inbox:overview", kwargs={"company_id": collecting.public_id}))
    assert "Connect Google Drive" in overview.content.decode()
    page = client.get(_connect_url(collecting)).content.decode()
    assert "What OkiOki reads" in page
    assert "https://www.googleapis.com/auth/drive" in page

    # when they sign in at Google and allow
    done = _sign_in(client, _connect_url(collecting))

    # then the drive is connected, nothing read yet, and the folder browser is next
    with company_scope(collecting):
        folder = CloudFolder.objects.get()
    assert (folder.provider, folder.username, folder.oauth_provider) == (
        "google_drive",
        ACCOUNT,
        "google",
    )
    assert (folder.status, folder.paused_reason) == ("paused", "choose_folder")
    assert done["Location"] == folder.get_absolute_url() + "browse/"
    top = client.get(done["Location"]).content.decode()
    assert "My Drive" in top
    assert google_drive.oauth.authorize_requests[0]["scope"].split()[-1] == GOOGLE_DRIVE_SCOPE

    # when they open My Drive, then Facturen (breadcrumbs lead back)
    browse = done["Location"]
    root = client.get(browse, {"at": "root", "path": "/"}).content.decode()
    assert "Facturen" in root
    inside = client.get(
        browse, {"at": invoices, "path": "/Facturen", "t": "root", "n": "My Drive", "p": "/"}
    ).content.decode()
    assert "2026" in inside
    assert "at=root&amp;name=My+Drive&amp;path=%2F" in inside  # the crumb back
    assert "Collect from this folder" in inside

    # and collect from it, moving processed files into Verwerkt
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client.post(
            browse, {"location": invoices, "path": "/Facturen", "move_to_folder": "Verwerkt"}
        )
    assert chosen.status_code == 302
    folder.refresh_from_db()
    assert (folder.folder_id, folder.path, folder.status) == (invoices, "/Facturen", "active")
    assert folder.name == "Facturen (Google Drive)"  # no longer "Google Drive"
    assert _names(collecting) == ["factuur.pdf"]
    detail = client.get(folder.get_absolute_url()).content.decode()
    assert ACCOUNT in detail
    assert "/Facturen" in detail
    assert "Choose another folder" in detail


def test_browse_errors_are_said_in_the_users_language(
    google_drive, drive_folder, collecting, owner, client_for
):
    folder = drive_folder("", "")
    client = client_for(owner)
    url = reverse(
        "inbox:folder-browse",
        kwargs={"company_id": collecting.public_id, "folder_id": folder.public_id},
    )
    page = client.get(url, {"at": "no-such-folder", "path": "/Weg"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "does not exist" in page.content.decode()


def test_a_revoked_folder_is_reconnected_and_resumes(
    google_drive, drive_folder, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    invoices = google_drive.add_folder("Facturen")
    folder = drive_folder(invoices, "/Facturen")
    google_drive.oauth.revoke_account(ACCOUNT)
    _scan(folder)
    folder.refresh_from_db()
    assert folder.needs_reconnect
    google_drive.add_file("na.pdf", mails.pdf("after reconnect"), invoices)
    client = client_for(owner)
    resume = client.post(folder.get_absolute_url() + "resume/")
    assert resume["Location"] == folder.get_absolute_url() + "reconnect/"

    with django_capture_on_commit_callbacks(execute=True):
        done = _sign_in(client, resume["Location"])

    assert done["Location"] == folder.get_absolute_url()
    folder.refresh_from_db()
    assert (folder.status, folder.folder_id) == ("active", invoices)
    assert _names(collecting) == ["na.pdf"]


def test_a_drive_without_a_client_id_explains(
    google_drive, collecting, owner, client_for, settings
):
    settings.GOOGLE_CLIENT_ID = ""
    client = client_for(owner)
    page = client.get(_connect_url(collecting)).content.decode()
    assert "not set up on this OkiOki server" in page
    assert "oauth-continue" not in page
    assert client.post(_connect_url(collecting)).status_code == 200


DENIED = [302, 404, 404, None, 403, None]


def _allowed(statuses: list, status: int) -> list:
    return [status if value is None else value for value in statuses]


MATRIX = [
    ("folder-oauth", "get", _allowed(DENIED, 200)),
    ("folder-oauth", "post", _allowed(DENIED, 302)),
    ("folder-reconnect", "get", _allowed(DENIED, 200)),
    ("folder-reconnect", "post", _allowed(DENIED, 302)),
    ("folder-browse", "get", _allowed(DENIED, 200)),
    ("folder-browse", "post", _allowed(DENIED, 302)),
    ("folder-detail", "get", [*DENIED[:3], 200, 200, 200]),
]


def _snapshot():
    return sorted(CloudFolder.objects.values_list("folder_id", "status", "secret", "name"))


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(
    view, method, role, expected, request, google_drive, drive_folder, collecting
):
    invoices = google_drive.add_folder("Facturen")
    folder = drive_folder("", "", status="paused", paused_reason="choose_folder")
    kwargs: dict = {"company_id": collecting.public_id}
    if view == "folder-oauth":
        kwargs["provider"] = "google_drive"
    else:
        kwargs["folder_id"] = folder.public_id
    url = reverse(f"inbox:{view}", kwargs=kwargs)
    chooses = view == "folder-browse" and method == "post"
    data = {"location": invoices, "path": "/Facturen"} if chooses else None

    def chosen() -> bool:
        return CloudFolder.objects.filter(folder_id=invoices, status="active").exists()

    check_access(
        request,
        role,
        method,
        url,
        data,
        expected=expected,
        unchanged=_snapshot,
        wrote=chosen if chooses else None,
    )


@pytest.mark.parametrize("view", ["folder-reconnect", "folder-browse"])
def test_another_companys_drive_folder_is_a_404(
    view, google_drive, collecting, other_company, owner, client_for
):
    theirs = factories.CloudFolderFactory(
        company=other_company, provider="google_drive", oauth_provider="google"
    )
    url = reverse(
        f"inbox:{view}", kwargs={"company_id": collecting.public_id, "folder_id": theirs.public_id}
    )
    client = client_for(owner)
    assert client.get(url).status_code == 404
    assert client.post(url, {"location": "root"}).status_code == 404


def test_a_picked_folder_names_the_drive_folder_unless_the_user_renamed_it(collecting):
    with company_scope(collecting):
        folder = CloudFolder.objects.create(
            company=collecting,
            provider=CloudFolder.Provider.GOOGLE_DRIVE,
            oauth_provider="google",
            name="Google Drive",
            username=ACCOUNT,
            path="",
            status=CloudFolder.Status.PAUSED,
            paused_reason="choose_folder",
        )
        services.cloud_folder_choose(folder=folder, location="f-1", path="/Facturen 2026")
        assert folder.name == "Facturen 2026 (Google Drive)"
        # picked again: named after the new one, since the name is still OkiOki's
        services.cloud_folder_choose(folder=folder, location="f-2", path="/Boekhouding/2027")
        assert folder.name == "2027 (Google Drive)"
        services.cloud_folder_choose(folder=folder, location="root", path="/")
        assert folder.name == "Google Drive"
        # a name the user gave stays
        folder.name = "Aankoopfacturen"
        folder.save()
        services.cloud_folder_choose(folder=folder, location="f-1", path="/Facturen 2026")
        assert folder.name == "Aankoopfacturen"
    assert services.drive_folder_name("onedrive", "Finance (SharePoint)/Invoices") == (
        "Invoices (SharePoint)"
    )
    assert services.drive_folder_name("onedrive", "Finance (SharePoint)") == (
        "Finance (SharePoint)"
    )
    assert services.drive_folder_name("dropbox", "/Scans") == "Scans (Dropbox)"
