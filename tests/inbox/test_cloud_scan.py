"""Cloud folders against a real WebDAV server (wsgidav): new files once, changes by ETag."""

import shutil

import pytest

from apps.companies.scoping import company_scope
from apps.core.crypto import encrypt
from apps.documents.models import Document, Source
from apps.inbox.models import CloudFile, CloudFolder
from apps.inbox.scanning import cloud_folder_scan
from tests.inbox import mails

pytestmark = pytest.mark.slow


@pytest.fixture
def make_folder(collecting, webdav):
    def make(**fields: object) -> CloudFolder:
        values = {
            "name": "Facturen",
            "url": webdav.url,
            "username": webdav.user,
            "secret": encrypt(webdav.password),
            "path": "/Facturen",
            **fields,
        }
        with company_scope(collecting):
            return CloudFolder.objects.create(company=collecting, **values)

    return make


def _scan(folder):
    with company_scope(folder.company):
        return cloud_folder_scan(folder=folder)


def _names(company) -> list[str]:
    with company_scope(company):
        return sorted(Document.objects.values_list("original_filename", flat=True))


def test_new_files_become_documents_once(webdav, make_folder, collecting):
    webdav.put("/Facturen/2026/factuur-1.pdf", mails.pdf("cloud-1"))
    webdav.put("/Facturen/ticket.png", mails.png(30_000))
    webdav.put("/Facturen/notities.docx", b"PK\x03\x04 not ours")
    webdav.put("/Elders/factuur-x.pdf", mails.pdf("elsewhere"))  # outside the folder
    folder = make_folder()

    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert _names(collecting) == ["factuur-1.pdf", "ticket.png"]
    with company_scope(collecting):
        document = Document.objects.get(original_filename="factuur-1.pdf")
        assert document.source == Source.CLOUD
        assert document.source_details["path"] == "/Facturen/2026/factuur-1.pdf"
        docx = CloudFile.objects.get(path="/Facturen/notities.docx")
        assert docx.problem_code == "unsupported"
        assert "not supported" in docx.problem
    assert report.documents == 2
    again = _scan(folder)
    assert (again.seen, again.documents) == (0, 0)
    assert _names(collecting) == ["factuur-1.pdf", "ticket.png"]


def test_a_changed_file_is_picked_up(webdav, make_folder, collecting):
    webdav.put("/Facturen/factuur.pdf", mails.pdf("v1"))
    folder = make_folder()
    _scan(folder)

    webdav.put("/Facturen/factuur.pdf", mails.pdf("v2 corrected"))
    report = _scan(folder)

    assert report.seen == 1
    assert report.documents == 1
    with company_scope(collecting):
        assert Document.objects.count() == 2  # each version is a file of its own


def test_processed_files_move_to_a_sub_folder(webdav, make_folder, collecting):
    webdav.put("/Facturen/a.pdf", mails.pdf("move-a"))
    webdav.put("/Facturen/b.pdf", mails.pdf("move-b"))
    folder = make_folder(move_to_folder="Verwerkt")

    report = _scan(folder)

    assert report.documents == 2
    assert sorted(p.name for p in (webdav.root / "Facturen" / "Verwerkt").iterdir()) == [
        "a.pdf",
        "b.pdf",
    ]
    assert not (webdav.root / "Facturen" / "a.pdf").exists()
    # the sub-folder is not read again, and a new a.pdf is a new file
    webdav.put("/Facturen/a.pdf", mails.pdf("move-a2"))
    second = _scan(folder)
    assert second.documents == 1
    assert sorted(p.name for p in (webdav.root / "Facturen" / "Verwerkt").iterdir()) == [
        "a (2).pdf",
        "a.pdf",
        "b.pdf",
    ]


def test_a_removed_folder_gives_a_clear_error_and_pauses(
    webdav, make_folder, collecting, owner, mailoutbox, django_capture_on_commit_callbacks
):
    webdav.put("/Facturen/a.pdf", mails.pdf("gone"))
    folder = make_folder()
    _scan(folder)
    shutil.rmtree(webdav.root / "Facturen")

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(folder)

    assert report.error is not None
    assert report.error.code == "cloud_folder_missing"
    folder.refresh_from_db()
    assert "/Facturen" in folder.last_error
    assert "does not exist" in folder.last_error
    assert folder.last_success_at is not None  # the earlier good scan still shows
    assert _names(collecting) == ["a.pdf"]  # nothing is lost
    # scanning again won't bring the folder back: it pauses, and the owner is told why
    assert (folder.status, folder.paused_reason) == ("paused", "cloud_folder_missing")
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "paused" in mailoutbox[0].subject
    assert "does not exist" in mailoutbox[0].body
    assert folder.get_absolute_url() in mailoutbox[0].body
    with company_scope(collecting):
        assert not _scan(folder).seen  # paused: not scanned, and no second e-mail
    assert len(mailoutbox) == 1


def test_a_wrong_password_is_named(webdav, make_folder):
    folder = make_folder(secret=encrypt("wrong"))
    report = _scan(folder)
    assert report.error is not None
    assert report.error.code == "wrong_password"
    folder.refresh_from_db()
    assert folder.auth_failures == 1


def test_a_file_over_the_size_limit_is_recorded_not_read(webdav, make_folder, collecting, settings):
    settings.MAX_UPLOAD_SIZE = 50_000
    webdav.put("/Facturen/huge.pdf", mails.pdf("huge") + b"0" * 60_000)
    folder = make_folder()
    report = _scan(folder)
    assert report.failed == 1
    with company_scope(collecting):
        assert CloudFile.objects.get().problem_code == "too_large"
    assert _names(collecting) == []


def test_a_file_that_breaks_collecting_is_recorded_and_the_scan_goes_on(
    webdav, make_folder, collecting, monkeypatch, poison
):
    from apps.inbox import scanning

    for n in range(3):
        webdav.put(f"/Facturen/poison-{n}.pdf", mails.pdf(f"poison-{n}"))
    folder = make_folder()
    real_ingest = poison(
        scanning, "document_ingest", lambda call: call["filename"] == "poison-1.pdf"
    )

    report = _scan(folder)

    assert report.error is None
    assert report.documents == 2
    assert report.failed == 1
    assert _names(collecting) == ["poison-0.pdf", "poison-2.pdf"]
    with company_scope(collecting):
        failed = CloudFile.objects.get(problem_code="file_failed")
        assert failed.path.endswith("poison-1.pdf")
        assert failed.document is None
        assert "tried again when it changes" in failed.problem
    # and it does not come back at the next scan (same ETag)
    monkeypatch.setattr(scanning, "document_ingest", real_ingest)
    assert _scan(folder).seen == 0


def test_a_refused_move_keeps_the_documents_and_the_scan_goes_on(
    webdav, make_folder, collecting, owner, client_for, mailoutbox
):
    webdav.put("/Facturen/a.pdf", mails.pdf("read-only-a"))
    webdav.put("/Facturen/b.pdf", mails.pdf("read-only-b"))
    # the account may read the share, not change it (a read-only library or share)
    folder = make_folder(url=webdav.url + "read-only/", move_to_folder="Verwerkt")

    report = _scan(folder)

    assert report.error is None, report.error and report.error.message
    assert report.documents == 2
    assert _names(collecting) == ["a.pdf", "b.pdf"]
    folder.refresh_from_db()
    assert (folder.status, folder.last_error_code) == ("active", "")
    assert mailoutbox == []
    assert (webdav.root / "Facturen" / "a.pdf").exists()
    with company_scope(collecting):
        files = list(CloudFile.objects.order_by("path"))
    assert [f.problem_code for f in files] == ["move_refused", "move_refused"]
    assert files[0].problem == (
        "Collected, but could not be moved to Verwerkt: the account may not change files here."
    )
    page = client_for(owner).get(folder.get_absolute_url()).content.decode()
    assert page.count('id="move-refused"') == 1
    # the next scan reads nothing twice
    assert _scan(folder).seen == 0
