"""A stand-in for the Peppol SML (a DNS server on loopback, dnslib, answering NAPTR records
as the OpenPeppol zone does) and an SMP (HTTP on loopback, serving ServiceGroups in the
Peppol SMP 1.x format). The real SML and SMPs cannot be reached from here; these follow the
documented contract (Peppol Policy for use of Identifiers 4.x, SML/SMP specifications).
Used by the tests (fixtures in tests/fakes/fixtures.py) and by `make run`'s stand-in."""

from typing import Any
from urllib.parse import quote, unquote

from dnslib import NAPTR, QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from apps.peppol.lookup import naptr_name
from tests.fakes.http import Answer, LoopbackServer

ZONE = "participant.sml.test.example"
INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017"
    "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:"
    "2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)


def sml_server(sml: "Sml", port: int = 0) -> DNSServer:
    """The SML zone on a UDP port of loopback (0: a free one), started, logging nothing."""
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    server = DNSServer(sml, port=port, address="127.0.0.1", logger=quiet)
    server.start_thread()
    return server


class Sml(BaseResolver):
    """NAPTR records by participant; NXDOMAIN for any other name. Counts the questions."""

    def __init__(self, zone: str = ZONE) -> None:
        self.zone = zone
        self.smp_of: dict[str, str] = {}
        self.questions = 0

    def register(self, participant: str, smp: str) -> None:
        self.smp_of[naptr_name(participant, self.zone).lower()] = smp

    def resolve(self, request, handler):  # type: ignore[no-untyped-def]
        self.questions += 1
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        smp = self.smp_of.get(name)
        if smp is None or request.q.qtype != QTYPE.NAPTR:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        record = NAPTR(100, 10, b"U", b"Meta:SMP", f"!.*!{smp}!".encode(), ".")
        reply.add_answer(RR(request.q.qname, QTYPE.NAPTR, rdata=record, ttl=60))
        return reply


class Smp(LoopbackServer):
    """ServiceGroups of the participants it knows (404 for others; 500 for broken ones),
    served from the start."""

    methods = ("GET",)

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.document_types: dict[str, list[str]] = {}
        self.broken: set[str] = set()
        self.start()

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        participant = unquote(path.lstrip("/")).removeprefix("iso6523-actorid-upis::")
        if participant in self.broken:
            return 500, "Internal Server Error", {}
        if participant not in self.document_types:
            return 404, "Not Found", {}
        return 200, self.service_group(participant), {"Content-Type": "text/xml"}

    def service_group(self, participant: str) -> str:
        own = f"{self.url}/{quote(f'iso6523-actorid-upis::{participant}', safe='')}"
        references = "".join(
            f'<smp:ServiceMetadataReference href="{own}/services/'
            f'{quote(f"busdox-docid-qns::{document}", safe="")}"/>'
            for document in self.document_types[participant]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<smp:ServiceGroup xmlns:smp="http://busdox.org/serviceMetadata/publishing/1.0/" '
            'xmlns:id="http://busdox.org/transport/identifiers/1.0/">'
            f'<id:ParticipantIdentifier scheme="iso6523-actorid-upis">{participant}'
            "</id:ParticipantIdentifier>"
            f"<smp:ServiceMetadataReferenceCollection>{references}"
            "</smp:ServiceMetadataReferenceCollection></smp:ServiceGroup>"
        )
