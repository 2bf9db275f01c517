from collections.abc import Callable, Iterator

import pytest

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.crypto import encrypt
from apps.inbox.models import Mailbox
from tests import factories
from tests.fakes.google_drive import FakeDrive
from tests.fakes.google_drive import Server as DriveServer
from tests.fakes.oauth_provider import GMAIL_ACCOUNT, MICROSOFT_ACCOUNT, FakeOAuthProvider
from tests.fakes.oauth_provider import Server as OAuthServer
from tests.fakes.oauth_provider import configure as configure_oauth
from tests.servers import Dovecot


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def collecting(company: Company) -> Company:
    """``company`` on the Collect 70 plan: two mailboxes and two cloud folders."""
    factories.collecting(company, "collect-70")
    return company


@pytest.fixture
def imap_user(dovecot: Dovecot) -> tuple[str, str]:
    return dovecot.add_user()


@pytest.fixture
def make_mailbox(collecting: Company, dovecot: Dovecot):
    def make(user: str, password: str, **fields: object) -> Mailbox:
        values = {
            "name": user,
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": Mailbox.Security.PLAIN,
            "username": user,
            "secret": encrypt(password),
            **fields,
        }
        with company_scope(collecting):
            return Mailbox.objects.create(company=collecting, **values)

    return make


@pytest.fixture
def poison(monkeypatch):
    """Make ``module.name`` raise an unforeseen error on the calls ``is_poisoned`` picks (by
    their keyword arguments); returns the real function."""

    def apply(module: object, name: str, is_poisoned: Callable[[dict], bool]) -> Callable:
        real = getattr(module, name)

        def poisoned(**kwargs: object) -> object:
            if is_poisoned(kwargs):
                raise RuntimeError("a bug we did not foresee")
            return real(**kwargs)

        monkeypatch.setattr(module, name, poisoned)
        return real

    return apply


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[OAuthServer]:
    """The stand-in for Google's and Microsoft's sign-in (tests/fakes/oauth_provider.py)."""
    server = OAuthServer(FakeOAuthProvider()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oauth_dovecot(oauth_server: OAuthServer) -> Iterator[Dovecot]:
    """A real Dovecot whose XOAUTH2 sign-ins are checked by the stand-in's introspection
    endpoint: the token must be live and belong to the address signing in."""
    server = Dovecot(token_check=oauth_server.url, username_attribute="email").start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def oauth_provider(
    oauth_server: OAuthServer, oauth_dovecot: Dovecot, settings
) -> Iterator[FakeOAuthProvider]:
    """Google and Microsoft (both played by the stand-in) configured, their IMAP on the
    Dovecot above; the stand-in starts each test afresh."""
    oauth_server.fake.reset()
    for account in (GMAIL_ACCOUNT, MICROSOFT_ACCOUNT):
        oauth_dovecot.empty(account)  # the server is shared by the tests of a session
    configure_oauth(settings, oauth_server, imap_port=oauth_dovecot.port)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    yield oauth_server.fake
    oauth_server.fake.reset()


@pytest.fixture(scope="session")
def drive_server(oauth_server: OAuthServer) -> Iterator[DriveServer]:
    """The stand-in for the Google Drive API (tests/fakes/google_drive.py), whose bearer
    tokens are the sign-in stand-in's."""
    server = DriveServer(FakeDrive(oauth=oauth_server.fake)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def google_drive(
    oauth_server: OAuthServer, drive_server: DriveServer, settings
) -> Iterator[FakeDrive]:
    """Google's sign-in and Drive (both stand-ins) configured, each test afresh."""
    oauth_server.fake.reset()
    drive_server.fake.reset()
    configure_oauth(settings, oauth_server, imap_port=993)
    settings.GOOGLE_DRIVE_API_URL = drive_server.api_url
    settings.OUTBOUND_ALLOW_PRIVATE = True
    yield drive_server.fake
    drive_server.fake.reset()
    oauth_server.fake.reset()
