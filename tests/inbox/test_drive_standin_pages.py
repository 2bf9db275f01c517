"""`make run`'s stand-in of Google's sign-in and Drive (DRIVES_STANDIN) is said on every page
of a Google Drive folder, and Gmail, which the stand-in does not play, keeps its app-password
route.

Faked: Google's sign-in (tests/fakes/oauth_provider.py) and the Drive API
(tests/fakes/google_drive.py) on loopback, as in test_google_drive.py. Real: our views and
clients, PostgreSQL."""

import pytest
from django.urls import reverse

from tests.inbox.conftest import drive_server, google_drive, oauth_server  # noqa: F401
from tests.inbox.test_google_drive import _connect_url, drive_folder  # noqa: F401

pytestmark = pytest.mark.slow

LABEL = 'id="drive-standin"'


def _pages(client, company, folder) -> dict[str, str]:
    browse = reverse(
        "inbox:folder-browse",
        kwargs={"company_id": company.public_id, "folder_id": folder.public_id},
    )
    urls = {
        "connect": _connect_url(company),
        "browse": browse,
        "detail": folder.get_absolute_url(),
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


@pytest.mark.parametrize("standin", [True, False])
def test_the_google_drive_pages_say_when_google_is_the_local_stand_in(
    google_drive,  # noqa: F811
    drive_folder,  # noqa: F811
    collecting,
    owner,
    client_for,
    settings,
    standin,
):
    # given a connected Drive folder, with or without `make run`'s stand-in
    settings.DRIVES_STANDIN = standin
    folder = drive_folder(google_drive.add_folder("Facturen"), "/Facturen")
    # when the owner opens the sign-in page, the folder browser and the folder's page
    pages = _pages(client_for(owner), collecting, folder)
    # then each says Google is a local stand-in exactly when it is
    assert {name: LABEL in page for name, page in pages.items()} == {
        "connect": standin,
        "browse": standin,
        "detail": standin,
    }
    if standin:
        assert "no Google account is used" in pages["connect"]


def test_gmail_keeps_its_app_password_route_while_the_stand_in_plays_google(
    google_drive,  # noqa: F811
    collecting,
    owner,
    client_for,
    settings,
):
    # given Google's sign-in configured, by the stand-in
    settings.DRIVES_STANDIN = True
    url = reverse(
        "inbox:mailbox-oauth", kwargs={"company_id": collecting.public_id, "provider": "google"}
    )
    client = client_for(owner)
    # when the owner opens Connect Gmail
    page = client.get(url).content.decode()
    # then it says the stand-in has no Gmail and offers the app password, not the sign-in
    assert 'id="gmail-standin"' in page
    assert "Connect Gmail with an app password" in page
    assert "oauth-continue" not in page
    # and a POST does not go to the stand-in's sign-in
    assert client.post(url).status_code == 200
    # while Google Drive's sign-in goes on to it
    assert client.post(_connect_url(collecting)).status_code == 302
