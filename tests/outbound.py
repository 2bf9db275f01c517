"""The table of address forms the outgoing-connection guard must refuse, and the tools of its
tests: a resolver hook, a loopback listener that records what reaches it, and a tripwire that
stops any connection to a non-loopback address before a packet leaves."""

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any

from apps.core import outbound

# Every spelling of an address we must never connect to (with OUTBOUND_ALLOW_PRIVATE off).
REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "foo.localhost",
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # hex, short
    "0x7f000001",
    "127.1",  # short
    "127.0.0.1.",  # trailing dot
    "[::1]",
    "::1",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "::ffff:7f00:1",
    "::127.0.0.1",  # IPv4-compatible
    "0.0.0.0",
    "0",
    "[::]",
    "169.254.169.254",  # cloud metadata
    "10.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "100.64.0.1",  # CGNAT
    "192.0.0.1",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "ff0e::1",  # global-scope multicast
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:db8::1",
    "3fff::1",
    "2001::1",  # Teredo
    "100::1",
    "１２７.０.０.１",  # full-width digits (IDNA maps them)
    "127。0。0。1",  # ideographic full stops
]
# Names the test resolver answers with an inside address (DNS we don't control).
RESOLVED_INSIDE = {
    "metadata.google.internal": ["169.254.169.254"],
    "metadata.example.com": ["fd00:ec2::254"],
    "printer.corp.example": ["10.1.2.3"],
    "half.example.com": ["93.184.216.34", "192.168.0.10"],  # one inside address is enough
    "mapped.example.com": ["::ffff:127.0.0.1"],
    "bücher.example": ["127.0.0.1"],
}
PUBLIC = {
    "imap.example.com": ["93.184.216.34"],
    "cloud.example.be": ["2606:2800:220:1:248:1893:25c8:1946"],
    "bücher.example": ["93.184.216.34"],
    "nat64.example.com": ["64:ff9b::808:808"],
}


def resolver_of(table: dict[str, list[str]]) -> outbound.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        for name, addresses in table.items():
            if outbound.normalise_host(name) == host:
                return addresses
        raise socket.gaierror(socket.EAI_NONAME, "not in the test table")

    return resolve


def install_tripwire(monkeypatch: Any, *, loopback: bool) -> list[Any]:
    """Record every ``connect``; refuse it without sending anything, except (``loopback``)
    connections to 127.0.0.1, which go through so a ``Listener`` can record them."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        if loopback and address[0] == "127.0.0.1":
            return real_connect(self, address)
        raise ConnectionRefusedError("tripwire: no packet was sent")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


class Listener:
    """A loopback server that records every connection it accepts and what it received."""

    def __init__(self) -> None:
        self.accepted: list[Any] = []
        self.received = b""
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, peer = self.server.accept()
            except OSError:
                continue
            self.accepted.append(peer)
            with connection:
                connection.settimeout(0.5)
                with contextlib.suppress(OSError):
                    self.received += connection.recv(65536)

    def wait_for(self, count: int, timeout: float = 3) -> list[Any]:
        """The connections accepted, once ``count`` have come (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.accepted

    def __enter__(self) -> "Listener":
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.thread.join()
        self.server.close()
