"""Company details: edit, logo, validation of Belgian identifiers."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.companies.models import Company
from tests.access import user_of


def _png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 79)).save(buffer, format="PNG")
    return buffer.getvalue()


def _form(**overrides):
    data = {
        "name": "Bakkerij Test BV",
        "vat_number": "",
        "street": "Kerkstraat 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "default_language": "nl",
        "email": "",
        "iban": "",
    }
    data.update(overrides)
    return data


def test_owner_saves_details_and_logo(company, owner, client_for):
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = client_for(owner).post(
        url, {**_form(vat_number="be 0412.345.614", iban="be56 3631 2345 6788"), "logo": logo}
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.vat_number == "BE0412345614"
    assert company.iban == "BE56363123456788"
    assert company.logo.name.startswith(f"companies/{company.public_id}/logo/")


def test_bad_iban_vat_and_fake_logo_are_refused(company, owner, client_for):
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    fake = SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = client_for(owner).post(
        url, {**_form(name="Changed", vat_number="BE0412345615", iban="BE00 1234"), "logo": fake}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This IBAN is not valid" in html
    assert "This VAT number is not valid" in html
    assert 'aria-invalid="true"' in html
    assert Company.objects.get(pk=company.pk).name == company.name


def _upload_logo(client, company, **overrides):
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    response = client.post(url, {**_form(), "logo": logo, **overrides})
    assert response.status_code == 302
    company.refresh_from_db()
    return company.logo.name


def test_clearing_the_logo_deletes_its_file(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    # given a company with a logo
    client = client_for(owner)
    name = _upload_logo(client, company)
    assert default_storage.exists(name)
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    # when the owner ticks "clear" and saves
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**_form(), "logo-clear": "on"})
    # then the logo is gone, from the company and from storage
    assert response.status_code == 302
    company.refresh_from_db()
    assert not company.logo
    assert not default_storage.exists(name)


def test_a_new_logo_replaces_the_old_file(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    first = _upload_logo(client, company)
    with django_capture_on_commit_callbacks(execute=True):
        second = _upload_logo(client, company)
    assert second != first
    assert default_storage.exists(second)
    assert not default_storage.exists(first)


def test_saving_without_a_new_logo_keeps_it(company, owner, client_for):
    client = client_for(owner)
    name = _upload_logo(client, company)
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    assert client.post(url, _form(name="Renamed BV")).status_code == 302
    company.refresh_from_db()
    assert company.name == "Renamed BV"
    assert company.logo.name == name
    assert default_storage.exists(name)


def test_only_png_and_jpeg_logos_are_accepted(company, owner, client_for):
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("logo.gif", buffer.getvalue(), content_type="image/gif")
    response = client_for(owner).post(url, {**_form(), "logo": gif})
    assert response.status_code == 200
    assert "The logo must be a PNG or JPEG picture." in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_settings_link_the_logo_through_the_checked_view(company, owner, client_for):
    client = client_for(owner)
    _upload_logo(client, company)
    logo_url = reverse("companies:company-logo", kwargs={"company_id": company.public_id})
    html = client.get(
        reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    ).content.decode()
    assert f'<a href="{logo_url}">logo.png</a>' in html  # the form's "currently" link
    assert f'<img class="company-logo" src="{logo_url}"' in html
    assert "/logos/" not in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("other_accountant", 404),
        ("member", 200),
        ("accountant", 200),
        ("owner", 200),
    ],
)
def test_logo_is_served_only_to_people_of_the_company(
    role, expected, request, company, owner, client_for
):
    _upload_logo(client_for(owner), company)
    url = reverse("companies:company-logo", kwargs={"company_id": company.public_id})
    response = client_for(user_of(role, request)).get(url)
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == _png()


def test_no_logo_is_404(company, owner, client_for):
    url = reverse("companies:company-logo", kwargs={"company_id": company.public_id})
    assert client_for(owner).get(url).status_code == 404


def test_password_reset_by_email(db, client, mailoutbox):
    from tests import factories

    user = factories.UserFactory(email="forgot@example.be")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert mailoutbox[-1].to == [user.email]
    assert "/accounts/password/reset/key/" in mailoutbox[-1].body
