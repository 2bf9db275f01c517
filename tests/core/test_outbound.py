"""The guard of outgoing connections (apps.core.outbound) over a table of address forms.

Nothing here sends a packet to a non-loopback address: "public" names come from a test
resolver, and ``tripwire`` refuses (and records) any connect before it happens.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core import outbound
from apps.core.outbound import DestinationRefused
from tests.outbound import (
    PUBLIC,
    REFUSED_HOSTS,
    RESOLVED_INSIDE,
    Listener,
    install_tripwire,
    resolver_of,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def strict(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False


@pytest.fixture
def tripwire(monkeypatch):
    return install_tripwire(monkeypatch, loopback=False)


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_inside_addresses_are_refused_before_connecting(host, strict, tripwire):
    with pytest.raises(DestinationRefused):
        outbound.resolve(host, 993)
    with pytest.raises(DestinationRefused):
        outbound.create_connection(host, 993, timeout=1)
    assert outbound.is_refused_without_dns(host)
    assert tripwire == []


@pytest.mark.parametrize("host", sorted(RESOLVED_INSIDE))
def test_names_that_resolve_inside_are_refused(host, strict, tripwire):
    with (
        outbound.resolver_override(resolver_of(RESOLVED_INSIDE)),
        pytest.raises(DestinationRefused),
    ):
        outbound.create_connection(host, 993, timeout=1)
    assert not outbound.is_refused_without_dns(host)  # the form can't know without DNS
    assert tripwire == []


@pytest.mark.parametrize("host", sorted(PUBLIC))
def test_public_addresses_pass(host, strict, tripwire):
    with outbound.resolver_override(resolver_of(PUBLIC)):
        addresses = outbound.resolve(host, 993)
        with pytest.raises(ConnectionRefusedError):
            outbound.create_connection(host, 993, timeout=1)
    assert [str(a) for a in addresses] == PUBLIC[host]
    # it tried the vetted address itself, nothing else
    assert [a[0] for a in tripwire] == PUBLIC[host]  # type: ignore[index]


@pytest.mark.parametrize("host", ["8.8.8.8", "2606:4700::1111", "[2a00:1450::1]", "::ffff:8.8.8.8"])
def test_public_literals_pass_without_dns(host, strict):
    assert not outbound.is_refused_without_dns(host)
    assert outbound.resolve(host, 443)


@pytest.mark.parametrize("host", ["", "a b", "127.0.0.1 x", "-x.example", "x" * 64 + ".example"])
def test_what_is_not_a_host_is_not_found(host, strict, tripwire):
    with pytest.raises(socket.gaierror):
        outbound.create_connection(host, 993, timeout=1)
    assert tripwire == []


def test_dns_rebinding_is_refused_at_connect_time(strict, tripwire):
    # public when the user saved it (or when a first check looked), inside when we connect
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    with outbound.resolver_override(lambda host, port: next(answers)):
        assert [str(a) for a in outbound.resolve("rebind.example.com", 993)] == ["93.184.216.34"]
        with pytest.raises(DestinationRefused):
            outbound.create_connection("rebind.example.com", 993, timeout=1)
    assert tripwire == []


def test_it_connects_to_the_address_it_vetted_without_resolving_again(strict, tripwire):
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"] if len(calls) == 1 else ["127.0.0.1"]

    with outbound.resolver_override(resolver), pytest.raises(ConnectionRefusedError):
        outbound.create_connection("once.example.com", 993, timeout=1)
    assert calls == ["once.example.com"]
    assert tripwire == [("93.184.216.34", 993)]


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


def test_loopback_is_reached_when_the_setting_allows_it(listener, settings):
    port = listener.port
    settings.OUTBOUND_ALLOW_PRIVATE = True
    for host in ("127.0.0.1", "localhost", "127.1", "0x7f.1"):
        outbound.create_connection(host, port, timeout=2).close()
    settings.OUTBOUND_ALLOW_PRIVATE = False
    for host in ("127.0.0.1", "localhost", "127.1", "0x7f.1"):
        with pytest.raises(DestinationRefused):
            outbound.create_connection(host, port, timeout=2)
    assert len(listener.wait_for(4)) == 4
    assert len(listener.wait_for(5, timeout=0.3)) == 4  # the refused ones never arrived


def test_multicast_stays_refused_even_when_private_is_allowed(settings, tripwire):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    for host in ("224.0.0.1", "ff02::1", "::ffff:224.0.0.1"):
        with pytest.raises(DestinationRefused):
            outbound.create_connection(host, 993, timeout=1)
    assert tripwire == []


def test_the_http_session_is_guarded_and_ignores_proxies_from_the_environment(
    strict, tripwire, monkeypatch, listener
):
    port = listener.port
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    session = outbound.guarded_session()
    for url in (f"http://127.0.0.1:{port}/", "http://[::1]/", "https://169.254.169.254/"):
        with pytest.raises(DestinationRefused):
            session.get(url, auth=("user", "secret"), timeout=1)
    with (
        outbound.resolver_override(resolver_of(RESOLVED_INSIDE)),
        pytest.raises(DestinationRefused),
    ):
        session.get("http://metadata.google.internal/computeMetadata/v1/", timeout=1)
    assert tripwire == []
    assert listener.wait_for(1, timeout=0.3) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Bücher.Example/dav/", "https://xn--bcher-kva.example/dav/"),
        ("https://１２７.０.０.１:8443/x?y=1", "https://127.0.0.1:8443/x?y=1"),
        ("https://user@[::FFFF:127.0.0.1]/", "https://user@[::ffff:127.0.0.1]/"),
        ("https://cloud.example.be./remote.php", "https://cloud.example.be/remote.php"),
        ("not a url", "not a url"),
    ],
)
def test_urls_name_the_host_the_guard_vets(url, expected):
    assert outbound.normalise_url(url) == expected


def test_private_addresses_are_allowed_only_where_it_is_said():
    # off by default, DEBUG or not; on in `make run` and the tests' environment only
    env = {key: value for key, value in os.environ.items() if key != "OUTBOUND_ALLOW_PRIVATE"}
    env.update(DJANGO_SETTINGS_MODULE="okioki.settings", DEBUG="true")
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.OUTBOUND_ALLOW_PRIVATE)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
    run = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "OUTBOUND_ALLOW_PRIVATE=$${OUTBOUND_ALLOW_PRIVATE:-true}" in run
    assert '"D:OUTBOUND_ALLOW_PRIVATE=true"' in (ROOT / "pyproject.toml").read_text()
