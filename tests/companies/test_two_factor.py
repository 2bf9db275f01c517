"""An owner can require two-factor authentication of everyone in their company."""

import pytest
from django.urls import reverse

from apps.companies.scoping import all_companies
from tests import factories

SETUP = reverse("mfa_activate_totp")


def _require(company) -> None:
    with all_companies():
        company.require_two_factor = True
        company.save(update_fields=["require_two_factor"])


def _pages(company) -> list[str]:
    kwargs = {"company_id": company.public_id}
    return [
        reverse("companies:dashboard", kwargs=kwargs),
        reverse("companies:member-list", kwargs=kwargs),
        reverse("banking:overview", kwargs=kwargs),
    ]


@pytest.mark.parametrize("role", ["member", "accountant", "owner"])
def test_without_totp_everyone_is_sent_to_set_it_up(role, request, company, client_for):
    # given a company that requires two-factor sign-in, and someone in it without TOTP
    _require(company)
    client = client_for(request.getfixturevalue(role))
    # when they open any of its pages, then they are sent to set up an authenticator app
    for url in _pages(company):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == SETUP
    # and the API refuses them too, saying why
    response = client.get(f"/api/v1/companies/{company.public_id}/")
    assert response.status_code == 403
    assert "requires two-factor authentication" in response.content.decode()


def test_the_reason_is_given_in_their_language(company, member, client_for):
    _require(company)
    member.language = "nl"
    member.save()
    client = client_for(member)  # signing in applies the user's language
    response = client.get(_pages(company)[0], follow=True)
    assert response.redirect_chain[0][0] == SETUP
    assert f"{company.name} vereist tweestapsverificatie" in response.content.decode()


@pytest.mark.parametrize("role", ["member", "accountant", "owner"])
def test_with_totp_the_company_opens(role, request, company, client_for):
    _require(company)
    user = request.getfixturevalue(role)
    factories.totp_enable(user)
    client = client_for(user)
    for url in _pages(company):
        assert client.get(url).status_code == 200, url


def test_other_companies_are_not_affected(company, other_company, member, client_for):
    _require(other_company)
    assert client_for(member).get(_pages(company)[0]).status_code == 200


def test_the_owner_turns_it_on_only_with_totp_themselves(company, owner, client_for):
    client = client_for(owner)
    url = reverse("companies:company-two-factor", kwargs={"company_id": company.public_id})
    # without an authenticator app of their own: refused, with the reason
    response = client.post(url, {"required": "on"}, follow=True)
    assert "Set up two-factor authentication for yourself first" in response.content.decode()
    with all_companies():
        company.refresh_from_db()
    assert company.require_two_factor is False
    # with one: on, and off again
    factories.totp_enable(owner)
    client.post(url, {"required": "on"})
    with all_companies():
        company.refresh_from_db()
    assert company.require_two_factor is True
    client.post(url, {})
    with all_companies():
        company.refresh_from_db()
    assert company.require_two_factor is False


def test_the_settings_page_shows_the_toggle(company, owner, client_for):
    response = client_for(owner).get(
        reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    )
    assert response.status_code == 200
    assert "Require two-factor authentication of everyone" in response.content.decode()
