"""Mutual TLS: every call to Ponto presents the client certificate from the settings, and
trusts Ponto's server as configured. The stand-in here serves HTTPS and refuses a client
without a certificate it knows, as Ponto does."""

import datetime
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apps.banking.clients.ponto import PontoError, ponto_client
from tests.fakes.ponto import ORGANIZATION, FakePonto, Server, configure

ACCOUNT_ID = "953934eb-229a-4fd2-8675-07794078cc7d"


def _certificate(root: Path, name: str, *, ip: bool = False) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    certificate = builder.sign(key, hashes.SHA256())
    cert_path, key_path = root / f"{name}.pem", root / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def mutual_tls_ponto(settings, tmp_path):
    server_cert, server_key = _certificate(tmp_path, "ponto-server", ip=True)
    client_cert, client_key = _certificate(tmp_path, "okioki-client")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(client_cert)  # the one client Ponto knows
    fake = FakePonto()
    server = Server(fake, tls=context).start()
    configure(settings, server)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.PONTO_CA_BUNDLE = str(server_cert)
    fake.add_organization(ORGANIZATION, [{"id": ACCOUNT_ID, "iban": "BE86407051416150"}])
    fake.access_tokens["token"] = (ORGANIZATION, 2e9)
    try:
        yield client_cert, client_key
    finally:
        server.stop()


def test_calls_present_the_client_certificate(mutual_tls_ponto, settings):
    settings.PONTO_CERTIFICATE, settings.PONTO_PRIVATE_KEY = map(str, mutual_tls_ponto)
    accounts = ponto_client().accounts("token")
    assert [account.id for account in accounts] == [ACCOUNT_ID]


def test_without_the_client_certificate_ponto_refuses_the_connection(mutual_tls_ponto, settings):
    settings.PONTO_CERTIFICATE = settings.PONTO_PRIVATE_KEY = ""
    with pytest.raises(PontoError) as refused:
        ponto_client().accounts("token")
    assert refused.value.temporary  # said as Ponto could not be reached, retried later


def test_a_server_not_trusted_is_refused(mutual_tls_ponto, settings):
    settings.PONTO_CERTIFICATE, settings.PONTO_PRIVATE_KEY = map(str, mutual_tls_ponto)
    settings.PONTO_CA_BUNDLE = ""  # the system's trust store does not know the stand-in
    with pytest.raises(PontoError, match="SSLError"):
        ponto_client().accounts("token")
