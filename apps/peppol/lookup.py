"""Is a company on Peppol, and for which documents: our own SML/SMP lookup.

The participant's NAPTR name in the OpenPeppol SML zone is the Base32 of the SHA-256 of its
lowercased identifier (``0208:0403170701``) followed by ``.iso6523-actorid-upis.`` and the
zone; its ``U``/``Meta:SMP`` record names the SMP, whose ServiceGroup lists the document
types the participant receives. NXDOMAIN means not on Peppol; any other trouble (DNS
timeout, an SMP that errs) means unknown, to be checked again, never "not on Peppol".

A verdict is cached for ``PEPPOL_LOOKUP_HOURS`` with the time it was checked; an unknown one
for five minutes only, then it is asked again. The zone and the resolver are settings
(``PEPPOL_SML_ZONE``, ``PEPPOL_DNS_NAMESERVER`` as ``host:port``), so tests and operators
can point them elsewhere. The SMP is reached through the guard of outgoing connections,
over HTTPS; plain HTTP only on this computer (a test SMP).
"""

import base64
import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import dns.exception
import dns.resolver
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.core.outbound import DestinationRefused, guarded_session
from apps.core.xml import XMLRejected, parse_xml

logger = logging.getLogger(__name__)
SCHEME = "iso6523-actorid-upis"
DOCUMENT_SCHEME = "busdox-docid-qns::"
DNS_SECONDS = 5.0
SMP_SECONDS = 10
SMP_MAX_BYTES = 2 * 1024 * 1024
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
UNKNOWN_SECONDS = 300  # an unknown verdict is asked again after this long


@dataclass(frozen=True)
class Reachability:
    participant: str  # "0208:0403170701"
    registered: bool | None  # None: unknown (DNS or SMP trouble), check again later
    document_types: tuple[str, ...] = ()
    smp: str = ""
    checked_at: datetime.datetime | None = None
    problem: str = ""  # why it is unknown (technical, for logs and the command)

    def as_json(self) -> dict[str, object]:
        return {
            "participant": self.participant,
            "registered": self.registered,
            "document_types": list(self.document_types),
            "smp": self.smp,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


class Unknown(Exception):
    """The network did not say: neither registered nor not registered."""


def naptr_name(participant: str, zone: str) -> str:
    """The DNS name of a participant's NAPTR record (value part only, lowercased)."""
    digest = hashlib.sha256(participant.strip().lower().encode()).digest()
    label = base64.b32encode(digest).decode().rstrip("=")
    return f"{label}.{SCHEME}.{zone.strip('.')}"


def _resolver() -> dns.resolver.Resolver:
    nameserver = settings.PEPPOL_DNS_NAMESERVER
    if not nameserver:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        host, _, port = nameserver.rpartition(":")
        resolver.nameservers = [host.strip("[]")]
        resolver.port = int(port)
    resolver.lifetime = DNS_SECONDS
    return resolver


def smp_url(participant: str) -> str | None:
    """The SMP of ``participant`` from the SML; None when it is not on Peppol (NXDOMAIN)."""
    name = naptr_name(participant, settings.PEPPOL_SML_ZONE)
    try:
        answer = _resolver().resolve(name, "NAPTR")
    except dns.resolver.NXDOMAIN:
        return None
    except (dns.exception.DNSException, OSError, ValueError) as error:
        raise Unknown(f"DNS: {type(error).__name__}") from error
    for record in answer:
        if record.flags.upper() == b"U" and record.service.lower() == b"meta:smp":
            regexp = record.regexp.decode()
            parts = regexp.split(regexp[0]) if regexp else []
            if len(parts) >= 3 and parts[2]:
                return parts[2]
    raise Unknown("DNS: no U/Meta:SMP record")


def _allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


def document_types(smp: str, participant: str) -> tuple[str, ...] | None:
    """The document types the participant receives, from its SMP's ServiceGroup; None when
    the SMP does not know it."""
    if not _allowed(smp):
        raise Unknown("SMP: not HTTPS")
    url = f"{smp.rstrip('/')}/{quote(f'{SCHEME}::{participant}', safe='')}"
    try:
        with guarded_session() as session:
            response = session.get(url, timeout=SMP_SECONDS, stream=True)
            body = response.raw.read(SMP_MAX_BYTES + 1, decode_content=True)
    except (requests.RequestException, DestinationRefused, OSError) as error:
        raise Unknown(f"SMP: {type(error).__name__}") from error
    if response.status_code == 404:
        return None
    if response.status_code != 200 or len(body) > SMP_MAX_BYTES:
        raise Unknown(f"SMP: HTTP {response.status_code}")
    try:
        root = parse_xml(body)
    except XMLRejected as error:
        raise Unknown(f"SMP: {error.code}") from error
    found = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.endswith("ServiceMetadataReference"):
            href = unquote(element.get("href", ""))
            _, _, document = href.partition("/services/")
            found.append(document.removeprefix(DOCUMENT_SCHEME))
    return tuple(document for document in found if document)


def _check(participant: str) -> Reachability:
    now = timezone.now()
    try:
        smp = smp_url(participant)
        types = document_types(smp, participant) if smp else None
    except Unknown as error:
        logger.info("peppol lookup %s: unknown (%s)", participant, error)
        return Reachability(participant, None, checked_at=now, problem=str(error))
    if smp is None or types is None:
        return Reachability(participant, False, smp=smp or "", checked_at=now)
    return Reachability(participant, True, types, smp, now)


def participant_check(participant: str) -> Reachability:
    """Whether ``participant`` (``scheme:value``) is on Peppol, cached for hours."""
    participant = participant.strip().lower()
    key = _cache_key(participant)
    kept = _kept(participant)
    if kept is not None:
        return kept
    found = _check(participant)
    hours = settings.PEPPOL_LOOKUP_HOURS * 3600
    cache.set(key, found, hours if found.registered is not None else UNKNOWN_SECONDS)
    return found


def _candidates(enterprise_number: str, vat_number: str) -> list[str]:
    candidates = []
    if enterprise_number:
        candidates.append(f"0208:{enterprise_number}".lower())
    if vat_number:
        candidates.append(f"9925:{vat_number}".lower())
    return candidates


def _cache_key(participant: str) -> str:
    return f"peppol:lookup:{settings.PEPPOL_SML_ZONE}:{participant}"


def _kept(participant: str) -> Reachability | None:
    kept = cache.get(_cache_key(participant))
    return kept if isinstance(kept, Reachability) else None


def _first_answer(
    ask: Callable[[str], Reachability | None], enterprise_number: str, vat_number: str
) -> Reachability | None:
    """0208 (enterprise number) first, then 9925 (VAT): the first that is not "not on
    Peppol"; None as soon as ``ask`` has no answer for one of them."""
    result = Reachability("", False)
    for participant in _candidates(enterprise_number, vat_number):
        found = ask(participant)
        if found is None or found.registered is not False:
            return found
        result = found
    return result


def claim_key(peppol_id: str, enterprise_number: str, vat_number: str) -> str:
    """The cache key a page claims while a worker checks a party (one check at a time)."""
    return f"peppol:checking:{peppol_id}:{enterprise_number}:{vat_number}".lower()


def company_forget(*, enterprise_number: str, vat_number: str = "") -> None:
    """Forget what was known of a company (it was just registered, moved or deregistered)."""
    keys = [_cache_key(p) for p in _candidates(enterprise_number, vat_number)]
    cache.delete_many([*keys, claim_key("", enterprise_number, vat_number)])


def company_cached(*, enterprise_number: str, vat_number: str = "") -> Reachability | None:
    """What ``company_check`` would say from the cache alone; None when it would have to
    ask the network (a page shows this and has the check done in the background)."""
    return _first_answer(_kept, enterprise_number, vat_number)


def company_check(*, enterprise_number: str, vat_number: str = "") -> Reachability:
    """A Belgian company on Peppol; unknown as soon as one of its identifiers could not be
    checked (never "not on Peppol" by mistake)."""
    found = _first_answer(participant_check, enterprise_number, vat_number)
    assert found is not None  # participant_check always answers
    return found


BILLING = "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
ROOTS = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##",
}
# Peppol BIS Billing 3 as an SMP lists it, by kind
BILLING_TYPES = {kind: f"{root}urn:cen.eu:en16931:2017{BILLING}" for kind, root in ROOTS.items()}


def receives(reachability: Reachability, kind: str) -> bool:
    """Whether the participant receives Peppol BIS Billing 3 documents of ``kind``
    ("invoice" or "credit_note"), whatever CIUS it names first."""
    root = ROOTS[kind]
    return bool(reachability.registered) and any(
        found.startswith(root) and found.endswith(BILLING) for found in reachability.document_types
    )


def customer_check(
    *, peppol_id: str, enterprise_number: str, vat_number: str, wait: bool
) -> Reachability | None:
    """A customer's Peppol status: its own Peppol ID when it has one, else its Belgian
    numbers (0208 then 9925). ``wait=False``: from the cache only (None: not known yet)."""
    if peppol_id and not peppol_id.startswith("0208:"):
        if wait:
            return participant_check(peppol_id)
        return _kept(peppol_id.strip().lower())
    if wait:
        return company_check(enterprise_number=enterprise_number, vat_number=vat_number)
    return company_cached(enterprise_number=enterprise_number, vat_number=vat_number)
