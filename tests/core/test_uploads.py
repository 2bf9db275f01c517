"""Upload size is checked before and while the request streams in: a 300 MB upload never
reaches memory, and the user reads why it was refused in their language."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.sales.models import Customer
from tests import factories
from tests.samples import PDF


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


MB = 1024 * 1024
BOUNDARY = "okioki-test-boundary"


class LazyUpload:
    """A multipart body with one file of ``size`` bytes, made as it is read (never held)."""

    def __init__(self, size: int, *, field: str, filename: str = "big.pdf") -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode() + PDF
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.filler = size - len(PDF)
        self.length = len(self.head) + self.filler + len(self.tail)
        self.position = 0
        self.block = b"0" * MB

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            raise AssertionError("the whole body was asked for at once")
        out = bytearray()
        while len(out) < size and self.position < self.length:
            start = self.position
            if start < len(self.head):
                piece = self.head[start : start + size - len(out)]
            elif start < len(self.head) + self.filler:
                left = len(self.head) + self.filler - start
                piece = self.block[: min(size - len(out), left, MB)]
            else:
                offset = start - len(self.head) - self.filler
                piece = self.tail[offset : offset + size - len(out)]
            out += piece
            self.position += len(piece)
        return bytes(out)

    readline = read  # the multipart parser reads chunks, never lines


class Unreadable:
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body of a refused request was read")

    readline = read


def _status_kb(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())[1])


def _post(client, url: str, body, length: int, **extra):
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
        **extra,
    )


@pytest.fixture
def temp_dir(settings, tmp_path) -> Path:
    """Where uploads past the memory threshold are written while the request lasts."""
    path = tmp_path / "uploads"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


@pytest.fixture
def dutch_owner(owner):
    owner.language = "nl"
    owner.save(update_fields=["language"])
    return owner


@pytest.mark.slow
@pytest.mark.parametrize(
    ("url_name", "field", "status", "reason"),
    [
        ("documents:document-upload", "uploads", 302, "groter dan de limiet van 25 MB"),
        ("documents-api:document-list", "files", 400, "groter dan de limiet van 25 MB"),
        ("sales:customer-import", "file", 200, "groter dan 2 MB"),
    ],
)
def test_a_300_mb_upload_streams_past_without_reaching_memory(
    url_name, field, status, reason, company, dutch_owner, client_for, settings, temp_dir
):
    # given a request limit that lets 300 MB stream in (the file limit stays 25 MB)
    settings.MAX_UPLOAD_REQUEST_SIZE = 400 * MB
    client = client_for(dutch_owner)
    body = LazyUpload(300 * MB, field=field)
    url = reverse(url_name, kwargs={"company_id": company.public_id})
    # when it is uploaded, with the process's peak memory measured from here
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    response = _post(client, url, body, body.length)
    growth_mb = (_status_kb("VmHWM") - before) / 1024
    print(f"peak memory growth for a 300 MB upload: {growth_mb:.1f} MB")
    # then all of it was read, the file refused with its reason, in Dutch (the upload page
    # says it on its result page)
    assert body.position == body.length
    assert response.status_code == status
    if status == 302:
        response = client.get(response["Location"])
    assert reason in response.content.decode()
    assert growth_mb < 60, f"{growth_mb:.0f} MB more memory for a 300 MB upload"
    # and nothing stays: no document, no customer, no temporary file
    with company_scope(company):
        assert not Document.objects.exists()
        assert not Customer.objects.exists()
    assert list(temp_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("url_name", "field"),
    [("documents:document-upload", "uploads"), ("documents-api:document-list", "files")],
)
def test_an_upload_declared_past_the_limit_is_refused_before_it_is_read(
    url_name, field, company, dutch_owner, client_for
):
    url = reverse(url_name, kwargs={"company_id": company.public_id})
    response = _post(client_for(dutch_owner), url, Unreadable(), 300 * MB)
    assert response.status_code == 413
    assert "Deze upload is groter dan 100 MB" in response.content.decode()
    if field == "uploads":  # the page links back to the upload form
        assert f'href="{url}">Opnieuw proberen' in response.content.decode()


def test_a_file_past_the_limit_gets_its_reason_and_the_others_are_kept(
    company, owner, client_for, settings, temp_dir
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_UPLOAD_SIZE = 1 * MB
    settings.INBOX_MAX_MESSAGE_SIZE = 1 * MB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # to a temporary file past this
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * MB), "application/pdf")
    small = SimpleUploadedFile("small.pdf", PDF, "application/pdf")
    response = client_for(owner).post(url, {"uploads": [big, small]}, follow=True)
    results = {r.filename: r for r in response.context["results"]}
    assert results["big.pdf"].error_code == "too_large"
    assert results["small.pdf"].document is not None
    assert list(temp_dir.iterdir()) == []


def test_the_upload_handler_cuts_a_file_one_byte_past_the_largest_limit(settings, rf):
    from apps.core.uploads import SizeLimitUploadHandler

    settings.MAX_UPLOAD_SIZE = 10
    settings.INBOX_MAX_MESSAGE_SIZE = 15
    handler = SizeLimitUploadHandler(rf.post("/"))
    handler.new_file("file", "a.pdf", "application/pdf", 100)
    passed = [handler.receive_data_chunk(b"x" * 7, n * 7) for n in range(4)]
    assert passed == [b"x" * 7, b"x" * 7, b"x" * 2, None]
    handler.new_file("file", "b.pdf", "application/pdf", 3)
    assert handler.receive_data_chunk(b"abc", 0) == b"abc"
