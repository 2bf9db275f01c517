"""Company details: edit, logo, validation of Belgian identifiers."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.companies.models import Company


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
    assert company.logo.name.startswith("logos/")


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


def test_password_reset_by_email(db, client, mailoutbox):
    from tests import factories

    user = factories.UserFactory(email="forgot@example.be")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert mailoutbox[-1].to == [user.email]
    assert "/accounts/password/reset/key/" in mailoutbox[-1].body
