"""IBANs are refused only when they are wrong: a bad checksum, length or structure. A right one
whose Belgian bank code python-stdnum does not list yet (new banks) is taken, with a warning."""

import html

import pytest
from django.urls import reverse
from stdnum.exceptions import ValidationError

from apps.core.iban import iban_check


def test_a_right_iban_of_a_bank_not_listed_yet_is_taken_and_flagged():
    checked = iban_check("BE68 5390 0754 7034")  # the example banks print
    assert checked.number == "BE68539007547034"
    assert checked.unknown_bank
    assert not iban_check("BE86 4070 5141 6150").unknown_bank


@pytest.mark.parametrize("wrong", ["BE68 5390 0754 7035", "BE68 5390 0754 703", "XX00 1234"])
def test_a_wrong_iban_is_refused(wrong):
    with pytest.raises(ValidationError):
        iban_check(wrong)


def test_the_company_form_takes_its_own_placeholder_with_a_warning(company, owner, client_for):
    url = reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    page = client.get(url).content.decode()
    assert 'placeholder="BE68 5390 0754 7034"' in page
    data = {
        "name": company.name,
        "country": "BE",
        "default_language": "nl",
        "iban": "BE68 5390 0754 7034",
    }
    page = html.unescape(client.post(url, data, follow=True).content.decode())
    company.refresh_from_db()
    assert company.iban == "BE68539007547034"
    assert "its bank code is not in OkiOki's list yet" in page
    data["iban"] = "BE68 5390 0754 7035"
    response = client.post(url, data)
    assert "This IBAN is not valid" in html.unescape(response.content.decode())
