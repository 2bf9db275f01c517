"""`make run`'s stand-in of Google's sign-in and Google Drive (tests/fakes/drive_standin.py),
run alone as `run_dev` runs it, and the demo's Google Drive folder connected through it
(``seed_drive``).

Faked: Google's sign-in and the Drive API, by the stand-in itself on loopback (that is what is
tested here). Real: the stand-in's process and state file, our OAuth and Drive clients, the
connection and scan path, PostgreSQL."""

import base64
import hashlib
import io
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from django.core.management import call_command

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.demo.drive import BAKERY, FOLDER, INVOICES, RECEIPT
from apps.documents.models import Document, Source
from apps.inbox.models import CloudFile, CloudFolder
from apps.inbox.scanning import cloud_folder_scan

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ("google-client-standin", "google-secret-standin")
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandIn:
    """``python -m tests.fakes.drive_standin`` on a free port, with a state file."""

    def __init__(self, state: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "tests.fakes.drive_standin",
            "--port",
            str(self.port),
            "--state",
            str(state),
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "StandIn":
        self.process = subprocess.Popen(self.command, cwd=ROOT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                assert self.process.poll() is None, "the stand-in stopped"
                time.sleep(0.2)
        raise AssertionError("the stand-in does not listen")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture
def standin(tmp_path):
    running = StandIn(tmp_path / "drive-standin.json").start()
    yield running
    running.stop()


def _configure(settings, standin: StandIn) -> None:
    """As the Makefile's `run:` block does, on the stand-in's port."""
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = CLIENT
    settings.DRIVES_STANDIN = True
    settings.GOOGLE_AUTH_URL = f"{standin.url}/authorize"
    settings.GOOGLE_TOKEN_URL = f"{standin.url}/token"
    settings.GOOGLE_REVOKE_URL = f"{standin.url}/revoke"
    settings.GOOGLE_USERINFO_URL = f"{standin.url}/userinfo"
    settings.GOOGLE_DRIVE_API_URL = f"{standin.url}/drive/v3"
    settings.OUTBOUND_ALLOW_PRIVATE = True


def test_the_stand_in_serves_a_labelled_consent_page_tokens_and_its_drive(standin):
    # given the stand-in started as `run_dev` starts it, and a sign-in with PKCE
    verifier = secrets.token_urlsafe(64)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    query = {
        "client_id": CLIENT[0],
        "redirect_uri": "http://127.0.0.1:9/callback",
        "response_type": "code",
        "scope": f"openid email {DRIVE_SCOPE}",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    # when a Dutch-speaking browser opens the consent page
    page = requests.get(
        f"{standin.url}/authorize?{urlencode(query)}",
        headers={"Accept-Language": "nl-BE,nl;q=0.9"},
        timeout=5,
    )

    # then it asks for Drive, with Allow, and says in Dutch that it is a local stand-in
    assert page.status_code == 200
    assert DRIVE_SCOPE in page.text
    assert 'id="allow"' in page.text
    assert 'id="drive-standin"' in page.text
    assert "lokale nabootsing" in page.text

    # when the user allows, and the code is exchanged for tokens
    allowed = requests.post(
        f"{standin.url}/authorize",
        data={**query, "decision": "allow"},
        allow_redirects=False,
        timeout=5,
    )
    code = dict(parse_qsl(urlsplit(allowed.headers["Location"]).query))["code"]
    tokens = requests.post(
        f"{standin.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": query["redirect_uri"],
            "code_verifier": verifier,
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
        },
        timeout=5,
    ).json()

    # then files.list with the access token answers My Drive's folders
    listing = requests.get(
        f"{standin.url}/drive/v3/files",
        params={"q": "'root' in parents and trashed = false"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert listing.status_code == 200
    assert [f["name"] for f in listing.json()["files"]] == [FOLDER, "Recepten"]
    # and without a token Drive refuses, as Google does
    assert requests.get(f"{standin.url}/drive/v3/files", timeout=5).status_code == 401


@pytest.mark.django_db
def test_the_demo_bakery_gets_its_google_drive_folder_collected_through_the_stand_in(
    standin, settings, django_capture_on_commit_callbacks
):
    # given the demo data (the bakery on a plan with cloud folders) and the stand-in listening
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    _configure(settings, standin)
    bakery = Company.objects.get(enterprise_number=BAKERY)

    # when `run_dev` seeds the drive once the stand-in listens
    out = io.StringIO()
    call_command("seed_drive", wait=20, stdout=out)

    # then the bakery has a Google Drive folder, signed in through the stand-in, on its folder
    with company_scope(bakery):
        folder = CloudFolder.objects.get(provider=CloudFolder.Provider.GOOGLE_DRIVE)
        assert (folder.oauth_provider, folder.status, folder.path) == (
            "google",
            CloudFolder.Status.ACTIVE,
            f"/{FOLDER}",
        )
        assert folder.secret
        assert folder.access_token
        # and its invoices and the receipt in its sub-folder are documents from Google Drive;
        # the recipe elsewhere in the Drive is not read
        files = dict(
            CloudFile.objects.filter(folder=folder).values_list("path", "document__source")
        )
        expected = {f"/{FOLDER}/{name}" for name, _spec in INVOICES}
        expected.add(f"/{FOLDER}/Bonnetjes/{RECEIPT}")
        assert set(files) == expected
        assert set(files.values()) == {Source.CLOUD}
        documents = Document.objects.filter(company=bakery, source=Source.CLOUD)
        assert documents.count() == len(expected)
        assert not documents.filter(status=Document.Status.RECEIVED).exists()  # all were read
    assert "4 documents collected" in out.getvalue()

    # when it runs again (another `make run`), nothing changes
    call_command("seed_drive", wait=20, stdout=io.StringIO())
    with company_scope(bakery):
        assert CloudFolder.objects.count() == 1
        assert Document.objects.filter(source=Source.CLOUD).count() == len(expected)

    # and after a restart of the stand-in its Drive and the grant are still there: the folder's
    # next scan signs in with the kept tokens and finds nothing new
    standin.stop()
    standin.start()
    with company_scope(bakery):
        folder.refresh_from_db()
        report = cloud_folder_scan(folder=folder)
    assert report.error is None, report.error and report.error.message
    assert report.documents == 0
