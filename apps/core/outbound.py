"""Every connection to a host a user typed goes through here (the guard against SSRF).

Mailboxes (IMAP), cloud folders (WebDAV) and, later, webhooks, access points and bank APIs
connect with ``create_connection`` (a socket) or ``guarded_session`` (requests). Both resolve
the host when they connect, not only when a form was filled in (DNS can change), refuse it
when any of its addresses is not on the public internet (loopback, private, link-local,
CGNAT, multicast, reserved, documentation and benchmarking ranges, and the IPv6 forms that
carry one of those: IPv4-mapped, IPv4-compatible, NAT64, 6to4), and connect to the address
they vetted, never resolving again. The host name stays for TLS (SNI and the certificate).

A refusal is ``DestinationRefused``, raised before any packet leaves: a refused address
answers the same, at once, whether something listens there or not.

``settings.OUTBOUND_ALLOW_PRIVATE`` lets development and the tests reach servers on this
computer (multicast stays refused). It is off unless set.
"""

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import idna
from django.conf import settings
from requests import Response, Session
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

MAX_ADDRESSES = 4  # tried in turn, each with the full timeout

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# Not on the public internet, whatever this Python's ``is_global`` thinks (it has changed
# between releases): IANA special-purpose registries, written out.
REFUSED_NETWORKS: tuple[_V4 | _V6, ...] = (
    _V4("0.0.0.0/8"),  # "this network"
    _V4("10.0.0.0/8"),
    _V4("100.64.0.0/10"),  # carrier-grade NAT
    _V4("127.0.0.0/8"),
    _V4("169.254.0.0/16"),  # link-local, cloud metadata
    _V4("172.16.0.0/12"),
    _V4("192.0.0.0/24"),  # IETF protocol assignments
    _V4("192.0.2.0/24"),  # documentation
    _V4("192.88.99.0/24"),  # 6to4 relays (deprecated)
    _V4("192.168.0.0/16"),
    _V4("198.18.0.0/15"),  # benchmarking
    _V4("198.51.100.0/24"),  # documentation
    _V4("203.0.113.0/24"),  # documentation
    _V4("224.0.0.0/4"),  # multicast
    _V4("240.0.0.0/4"),  # reserved, and the broadcast address
    _V6("::/96"),  # unspecified, loopback, IPv4-compatible (deprecated)
    _V6("::ffff:0:0/96"),  # IPv4-mapped (checked through the embedded address first)
    _V6("::ffff:0:0:0/96"),  # IPv4-translated
    _V6("64:ff9b:1::/48"),  # local-use NAT64
    _V6("100::/64"),  # discard
    _V6("2001::/23"),  # IETF protocol assignments (Teredo, benchmarking, ORCHID…)
    _V6("2001:db8::/32"),  # documentation
    _V6("3fff::/20"),  # documentation
    _V6("5f00::/16"),  # SRv6 segment identifiers
    _V6("fc00::/7"),  # unique local
    _V6("fe80::/10"),  # link-local
    _V6("fec0::/10"),  # site-local (deprecated)
    _V6("ff00::/8"),  # multicast
)
NAT64 = _V6("64:ff9b::/96")  # well-known prefix: the last 32 bits are an IPv4 address
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class DestinationRefused(Exception):
    """The host is, or resolves to, an address we do not connect to. Raised before connecting.

    Deliberately not an ``OSError``: nothing retries it, and HTTP libraries let it through
    instead of turning it into a connection error like any other."""

    def __init__(self, host: str):
        super().__init__(f"Outgoing connections to {host!r} are not allowed.")
        self.host = host


class InvalidHost(socket.gaierror):
    """Not a host name nor an address (told to the user as a host that can't be found)."""


# --- the policy --------------------------------------------------------------------------------


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any."""
    if address.version == 4:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public(address: IPAddress) -> bool:
    """On the public internet, for IPv4 and IPv6 and every IPv6 form of an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = embedded_ipv4(address)
        if address.ipv4_mapped is not None or address in NAT64:
            return embedded is not None and is_public(embedded)  # the IPv4 address decides
        if embedded is not None and not is_public(embedded):  # 6to4
            return False
    if any(address in net for net in REFUSED_NETWORKS if net.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def is_allowed(address: IPAddress) -> bool:
    """What we may connect to here: public addresses, or any but multicast in development."""
    if is_public(address):
        return True
    target = embedded_ipv4(address) or address
    return bool(settings.OUTBOUND_ALLOW_PRIVATE) and not target.is_multicast


# --- host names and addresses ------------------------------------------------------------------


def normalise_host(host: str) -> str:
    """Lower case, without brackets or the final dot, IDN in ASCII (``xn--``). Raises
    ``InvalidHost`` for anything that is neither a name nor an address."""
    value = host.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        pass
    else:
        return value.lower()
    if not value.isascii():
        try:
            value = idna.encode(value, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise InvalidHost(f"{host!r} is not a host name") from error
    value = value.lower()
    if value.endswith("."):
        value = value[:-1]
    labels = value.split(".")
    if not value or len(value) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidHost(f"{host!r} is not a host name")
    return value


def normalise_url(url: str) -> str:
    """``url`` with its host as ``normalise_host`` writes it (IDN in ASCII, lower case), so
    an HTTP library reads the same host the guard vets. Left as it is when it has no host."""
    parts = urlsplit(url)
    try:
        name, port = normalise_host(parts.hostname or ""), parts.port
    except (InvalidHost, ValueError):
        return url
    host = f"[{name}]" if ":" in name else name
    userinfo, at, _rest = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{host}" + (f":{port}" if port is not None else "")
    return urlunsplit(parts._replace(netloc=netloc))


def parse_address(host: str) -> IPAddress | None:
    """The address a normalised host spells, in any form the system resolver would take
    (``127.1``, ``0x7f.1``, ``2130706433``, ``0177.0.0.1``, ``::ffff:127.0.0.1``), or None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", host) and not host.endswith("."):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_refused_without_dns(host: str) -> bool:
    """For forms, without the network: the host is an address, or a local name, that
    would be refused. Names are vetted again, with DNS, at each connection."""
    try:
        name = normalise_host(host)
    except InvalidHost:
        return False  # the connection names it (host not found)
    address = parse_address(name)
    if address is not None:
        return not is_allowed(address)
    return _is_local_name(name) and not settings.OUTBOUND_ALLOW_PRIVATE


def _is_local_name(name: str) -> bool:
    return name in LOCAL_NAMES or name.endswith(".localhost")


def _system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


_resolver: Resolver = _system_resolver


@contextmanager
def resolver_override(resolver: Resolver) -> Iterator[None]:
    """For tests: answer names with ``resolver`` (host, port -> addresses) instead of DNS."""
    global _resolver
    previous, _resolver = _resolver, resolver
    try:
        yield
    finally:
        _resolver = previous


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses to connect to, every one vetted. Raises ``DestinationRefused`` when any
    of them is refused (a name that also points inside is not trusted), ``socket.gaierror``
    when the name does not resolve."""
    name = normalise_host(host)
    literal = parse_address(name)
    if literal is not None:
        found = [literal]
    elif _is_local_name(name) and not settings.OUTBOUND_ALLOW_PRIVATE:
        raise DestinationRefused(host)  # whatever a resolver would say
    else:
        found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in _resolver(name, port)]
        found = list(dict.fromkeys(found))
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{host!r} has no address")
    if not all(is_allowed(address) for address in found):
        raise DestinationRefused(host)
    return found[:MAX_ADDRESSES]


# --- connecting --------------------------------------------------------------------------------


def create_connection(
    host: str,
    port: int,
    timeout: float | None,
    *,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """Like ``socket.create_connection``, to a vetted address of ``host`` (resolved once)."""
    last_error: OSError | None = None
    for address in resolve(host, port):
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect((str(address), port))
        except OSError as error:
            sock.close()
            last_error = error
        else:
            return sock
    assert last_error is not None
    raise last_error


class _GuardedConnectionMixin:
    """urllib3's connection with its socket from ``create_connection``; ``self.host`` stays
    the name, so TLS checks the certificate of the name that was asked for."""

    host: str
    port: int
    timeout: Any
    source_address: tuple[str, int] | None
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, int | float) else None
        try:
            sock = create_connection(
                self._dns_host, self.port, timeout, source_address=self.source_address
            )
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error  # type: ignore[arg-type]
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        except OSError as error:
            raise NewConnectionError(
                self,  # type: ignore[arg-type]
                f"Failed to establish a new connection: {error}",
            ) from error
        for option in self.socket_options or ():
            sock.setsockopt(*option)
        return sock


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose every connection goes through ``create_connection``."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        # a proxy would connect on our behalf to an address nobody vetted
        raise DestinationRefused(proxy)


def guarded_session() -> Session:
    """A requests session for user-given URLs: vetted connections, no proxy from the
    environment (``trust_env`` off: a proxy would connect to addresses nobody vetted)."""
    session = Session()
    session.trust_env = False
    adapter = GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class AnswerTooLarge(ValueError):
    """An answer past the caller's limit: stopped reading, nothing of it kept."""


def read_limited(response: Response, limit: int) -> bytes:
    """The body of a streamed ``response``, refused past ``limit`` bytes (its declared
    length first, then what actually arrives), so a hostile answer never fills memory."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(f"the answer is larger than {limit} bytes")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(f"the answer is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
