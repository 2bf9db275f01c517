"""The Peppol network on loopback (the SML, an SMP and the access point's stand-in), for the
flows that send over Peppol."""

from tests.fakes.fixtures import access_point, peppol_network

__all__ = ["access_point", "peppol_network"]
