"""For commands that run right after `make run` starts a development stand-in."""

import socket
import time
from urllib.parse import urlsplit

from django.core.management.base import CommandError


def wait_until_listening(base: str, seconds: float) -> None:
    """Return once something accepts connections at ``base``'s host and port; a
    ``CommandError`` after ``seconds``."""
    address = urlsplit(base)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(
                (address.hostname or "127.0.0.1", address.port or 443), timeout=2
            ):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise CommandError(f"{base} does not answer") from None
            time.sleep(0.5)
