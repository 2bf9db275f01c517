"""The outgoing channels, behind one interface (``base.Transport``).

A delivery to the accountant and a sales invoice to a customer both name a channel
("email" today; "peppol" and "octopus" next) and hand it a ``Parcel``; the state machine
around it (claim, send, record, retry, sweep) does not depend on the channel. A new channel
is one module here and one line in ``TRANSPORTS``.
"""

from apps.connections.transports import smtp
from apps.connections.transports.base import Outcome, Parcel, Transport

__all__ = ["Outcome", "Parcel", "Transport", "transport_for"]

TRANSPORTS: dict[str, Transport] = {smtp.EMAIL.name: smtp.EMAIL}


def transport_for(name: str) -> Transport | None:
    """The channel called ``name``; None when OkiOki cannot send over it (yet)."""
    return TRANSPORTS.get(name)
