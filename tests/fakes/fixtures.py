"""The Peppol network on loopback as pytest fixtures: the SML and an SMP
(tests/fakes/peppol_network.py) and the access point, a stand-in of Recommand's API
(tests/fakes/recommand.py). The real ones cannot be reached from here; these follow their
documented contracts. The Peppol tests and the browser tests import them in their conftest."""

import socket
from collections.abc import Iterator

import pytest

from tests.fakes.peppol_network import ZONE, Sml, Smp, sml_server
from tests.fakes.recommand import AccessPoint, FakeRecommand, Server


@pytest.fixture
def peppol_network(settings) -> Iterator[tuple[Sml, Smp]]:
    """The SML zone on a loopback DNS server and one SMP, as the settings' network."""
    sml, smp = Sml(), Smp()
    server = sml_server(sml)
    settings.PEPPOL_SML_ZONE = ZONE
    settings.PEPPOL_DNS_NAMESERVER = f"127.0.0.1:{server.server.server_address[1]}"
    try:
        yield sml, smp
    finally:
        server.stop()
        smp.stop()


@pytest.fixture
def silent_dns(settings) -> Iterator[None]:
    """A DNS server that never answers (a UDP port nobody reads)."""
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.0.0.1", 0))
    settings.PEPPOL_SML_ZONE = ZONE
    settings.PEPPOL_DNS_NAMESERVER = f"127.0.0.1:{hole.getsockname()[1]}"
    try:
        yield
    finally:
        hole.close()


@pytest.fixture
def access_point(settings) -> Iterator[AccessPoint]:
    """The Recommand stand-in on a free loopback port, as the settings' partner."""
    fake = FakeRecommand(api_key="key_test", api_secret="secret_test", webhook_secret="whsec_test")
    server = Server(fake).start()
    settings.PEPPOL_PROVIDER = "recommand"
    settings.PEPPOL_API_URL = server.api_url
    settings.PEPPOL_API_KEY = fake.api_key
    settings.PEPPOL_API_SECRET = fake.api_secret
    settings.PEPPOL_WEBHOOK_SECRET = fake.webhook_secret
    try:
        yield AccessPoint(
            server.url, key=fake.api_key, secret=fake.api_secret, webhook_secret="whsec_test"
        )
    finally:
        server.stop()
