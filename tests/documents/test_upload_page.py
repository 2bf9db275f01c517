"""The upload page: a POST ends in a redirect to the upload's result (refreshing it never
uploads again); the result follows each document's reading by itself (htmx polls the page
while something is being read); a result is its company's and its user's alone."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.companies.models import Role
from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.documents.views import UPLOADS_KEPT
from tests import factories
from tests.samples import PDF


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


def _upload_url(company) -> str:
    return reverse("documents:document-upload", kwargs={"company_id": company.public_id})


def _results(html: str) -> str:
    found = re.search(r'<section id="upload-results".*?</section>', html, re.S)
    return found.group(0) if found else ""


def _upload(client, company, *names: str, content: bytes = PDF):
    files = [SimpleUploadedFile(name, content + name.encode(), "application/pdf") for name in names]
    return client.post(_upload_url(company), {"uploads": files})


def test_an_upload_answers_with_a_redirect_and_a_refresh_uploads_nothing(
    company, owner, client_for
):
    client = client_for(owner)
    # when two files are uploaded
    response = _upload(client, company, "a.pdf", "b.pdf")
    # then the answer is a redirect to the result page of that upload
    assert response.status_code == 302
    location = response["Location"]
    assert re.fullmatch(re.escape(_upload_url(company)) + r"\?batch=[0-9a-f]{32}", location)
    # which lists both files, with their documents
    page = client.get(location).content.decode()
    results = _results(page)
    assert "<strong>a.pdf</strong>" in results
    assert "<strong>b.pdf</strong>" in results
    with company_scope(company):
        documents = list(Document.objects.all())
    assert len(documents) == 2
    for document in documents:
        assert str(document.public_id) in results
    # and opening it again (a refresh) shows the same and adds nothing
    assert _results(client.get(location).content.decode()) == results
    with company_scope(company):
        assert Document.objects.count() == 2


def test_the_result_follows_the_reading_without_a_reload(company, owner, client_for):
    client = client_for(owner)
    location = _upload(client, company, "a.pdf")["Location"]
    with company_scope(company):
        document = Document.objects.get()
    # given the document is still being read
    assert document.status == Document.Status.RECEIVED
    # then its line says so, and the result part asks for itself again every 2 s (htmx)
    results = _results(client.get(location).content.decode())
    assert 'data-status="received"' in results
    assert "Reading…" in results
    assert f'hx-get="{location}"' in results
    assert 'hx-trigger="every 2s"' in results
    assert 'hx-select="#upload-results"' in results
    # when the reading ends (here: it needs a person's review)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(status=Document.Status.NEEDS_REVIEW)
    # then htmx's next request gets the line with its status, and no more polling
    results = _results(client.get(location, headers={"HX-Request": "true"}).content.decode())
    assert 'data-status="needs_review"' in results
    assert "Needs review" in results
    assert "hx-trigger" not in results


def test_errors_and_duplicates_stay_said_on_the_result_page(company, owner, client_for):
    client = client_for(owner)
    _upload(client, company, "a.pdf")
    # when the same file comes again with an empty one
    response = client.post(
        _upload_url(company),
        {
            "uploads": [
                SimpleUploadedFile("a.pdf", PDF + b"a.pdf", "application/pdf"),
                SimpleUploadedFile("empty.pdf", b"", "application/pdf"),
            ]
        },
        follow=True,
    )
    results = _results(response.content.decode())
    assert "already received earlier: not added twice." in results
    assert re.search(r"<strong>empty\.pdf</strong>\s*—\s*The file is empty\.", results)


def test_a_result_is_its_companys_and_its_users_alone(company, owner, client_for):
    # given an upload of `company`
    client = client_for(owner)
    location = _upload(client, company, "a.pdf")["Location"]
    batch = location.split("batch=")[1]
    # the same batch on the owner's other company shows no result
    other = factories.CompanyFactory()
    factories.MembershipFactory(company=other, user=owner, role=Role.OWNER)
    page = client.get(_upload_url(other) + f"?batch={batch}").content.decode()
    assert _results(page) == ""
    # nor for a colleague of the same company (their session holds none)
    colleague = factories.MembershipFactory(company=company, role=Role.MEMBER).user
    assert _results(client_for(colleague).get(location).content.decode()) == ""
    # and an unknown batch is the upload form, no error
    response = client.get(_upload_url(company) + "?batch=nonsense")
    assert response.status_code == 200
    assert _results(response.content.decode()) == ""


def test_only_the_last_uploads_results_are_kept(company, owner, client_for):
    client = client_for(owner)
    locations = [_upload(client, company, f"{n}.pdf")["Location"] for n in range(UPLOADS_KEPT + 1)]
    assert _results(client.get(locations[0]).content.decode()) == ""
    assert "<strong>1.pdf</strong>" in _results(client.get(locations[1]).content.decode())


def test_the_form_works_without_javascript_and_the_script_adds_progress(company, owner, client_for):
    page = client_for(owner).get(_upload_url(company)).content.decode()
    form = re.search(r"<form [^>]*data-upload-form[^>]*>", page, re.S).group(0)
    # a plain multipart POST to the upload page…
    assert 'method="post"' in form
    assert f'action="{_upload_url(company)}"' in form
    assert 'enctype="multipart/form-data"' in form
    # …that the script takes over to show each file's progress
    assert "/static/js/upload.js" in page
    assert "data-upload-progress" in page
    assert "data-label-sending=" in form


def test_an_empty_upload_says_what_is_missing_on_the_form(company, owner, client_for):
    response = client_for(owner).post(_upload_url(company), {})
    assert response.status_code == 200
    assert "Choose at least one file." in response.content.decode()
