"""Standing fixtures: a company with an owner, a member and a linked accountant; another
company; an outsider; and an accountant of another office."""

import functools
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import translation

from apps.accounts.models import User
from apps.companies.models import Company, Role
from tests import factories
from tests.servers import SmtpSink, WebDav, require_program

IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(message: str) -> NoReturn:
    """Something a test needs is not on this machine: fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_service(name: str, url: str) -> None:
    """Fail in CI, skip elsewhere, when a real server a test needs is not reachable."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=2
        ):
            return
    except OSError as error:
        missing(f"{name} is not reachable at {url}: {error}")


def require_postgres() -> None:
    """Fail in CI, skip elsewhere, when the test database is not PostgreSQL (tests that need
    concurrent transactions or a second process on the same database)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing("needs PostgreSQL (set DATABASE_URL, as .ci/run does)")


def require_tesseract(*languages: str) -> None:
    """Fail in CI, skip elsewhere, when the tesseract OCR engine is not installed, or the
    data of one of ``languages`` (``osd``: orientation detection) is missing."""
    install = "apt-get install tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-osd"
    binary = require_program("tesseract", install)
    lacking = sorted(set(languages) - _tesseract_languages(binary))
    if lacking:
        missing(f"tesseract has no data for {', '.join(lacking)} ({install})")


@functools.cache
def _tesseract_languages(binary: str) -> frozenset[str]:
    listed = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:])


def shared_data(path: Path) -> bytes:
    """A file of ../shared/data: fails in CI, skips elsewhere, when it is not there."""
    if not path.exists():
        missing(f"test data missing: {path}")
    return path.read_bytes()


# What the migrations seed for every installation (apps.<app>.migrations.<name>.<function>).
MIGRATION_SEEDS = [
    ("billing", "0002_seed_plans", "seed_plans"),
    ("billing", "0003_plan_descriptions", "describe_plans"),
    ("sales", "0002_vat_rates", "seed"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The rows the migrations seed (plans, VAT rates), back in a reused test database: an
    earlier run's last transactional test flushed them (``--reuse-db``, ``make test`` twice)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    with django_db_blocker.unblock():
        from apps.billing.models import Plan

        if not Plan.objects.exists():
            state_apps = MigrationLoader(connection).project_state().apps
            for app, migration, function in MIGRATION_SEEDS:
                module = importlib.import_module(f"apps.{app}.migrations.{migration}")
                getattr(module, function)(state_apps, None)
            # what serialized_rollback puts back after each transactional test's flush
            connection._test_serialized_contents = (  # type: ignore[attr-defined]
                connection.creation.serialize_db_to_string()
            )


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic in tests: serve from the finders, without the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fresh in-memory cache per test: rate limits and sessions never leak between tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


@pytest.fixture(autouse=True)
def _language_reset():
    """A page requested in Dutch leaves Dutch active in the test thread (LocaleMiddleware
    activates, nothing deactivates): start every test from the default language."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def company(db: None) -> Company:
    return factories.CompanyFactory(name="Bakkerij Test BV")


@pytest.fixture
def other_company(db: None) -> Company:
    return factories.CompanyFactory(name="Other Company NV")


@pytest.fixture
def owner(company: Company) -> User:
    return factories.MembershipFactory(company=company, role=Role.OWNER).user


@pytest.fixture
def member(company: Company) -> User:
    return factories.MembershipFactory(company=company, role=Role.MEMBER).user


@pytest.fixture
def accountant(company: Company) -> User:
    """An accountant whose office is linked to ``company``."""
    office_member = factories.OfficeMemberFactory()
    factories.OfficeClientLinkFactory(company=company, office=office_member.office)
    return office_member.user


@pytest.fixture
def other_accountant(other_company: Company) -> User:
    """An accountant of another office, linked to ``other_company`` only."""
    office_member = factories.OfficeMemberFactory()
    factories.OfficeClientLinkFactory(company=other_company, office=office_member.office)
    return office_member.user


@pytest.fixture
def outsider(db: None) -> User:
    return factories.UserFactory()


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def redis_url() -> str:
    url = (
        os.environ.get("TEST_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )
    require_service("Redis", url)
    return url


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = sink.host
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield sink


@pytest.fixture
def webdav() -> Iterator[WebDav]:
    """A real WebDAV server on loopback (wsgidav) over a temporary folder, with basic auth."""
    server = WebDav().start()
    try:
        yield server
    finally:
        server.stop()
