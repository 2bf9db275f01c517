"""Error pages in the app shell and the user's language, never Django's bare English ones."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories


@pytest.fixture
def dutch_reader(db):
    return factories.UserFactory(language="nl")


def test_forged_company_id_shows_the_translated_404_page(settings, dutch_reader, client_for):
    settings.DEBUG = False
    client = client_for(dutch_reader)
    response = client.get(reverse("companies:dashboard", kwargs={"company_id": uuid.uuid4()}))
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Pagina niet gevonden" in html
    assert "Afmelden" in html  # the app shell's user menu, in Dutch


def test_unknown_address_shows_the_404_page_to_anyone(settings, db):
    settings.DEBUG = False
    client = Client()
    client.cookies["okioki_language"] = "fr"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "Page non trouvée" in html


def test_forbidden_action_shows_the_translated_403_page(settings, company, member, client_for):
    settings.DEBUG = False
    member.language = "nl"
    member.save()
    response = client_for(member).get(
        reverse("companies:company-edit", kwargs={"company_id": company.public_id})
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Je hebt geen toestemming om dit te doen." in html


def test_server_error_page_needs_no_database(settings, dutch_reader, monkeypatch):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(dutch_reader)

    def broken(**kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr("apps.companies.views.selectors.company_list_for_user", broken)
    response = client.get(reverse("companies:home"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Serverfout" in html
