"""The Peppol network on loopback: the SML, an SMP and the access point (a stand-in of
Recommand's API), as fixtures from tests/fakes/fixtures.py, shared with the browser tests."""

from tests.fakes.fixtures import access_point, peppol_network, silent_dns
from tests.fakes.peppol_network import CREDIT_NOTE, INVOICE, ZONE, Sml, Smp, sml_server

__all__ = [
    "CREDIT_NOTE",
    "INVOICE",
    "ZONE",
    "Sml",
    "Smp",
    "access_point",
    "peppol_network",
    "silent_dns",
    "sml_server",
]
