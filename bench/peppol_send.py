"""Benchmark: sending invoices over Peppol through the access point (issue 15).

Against the loopback stand-in of Recommand's API (``tests.fakes.recommand``, in a process of
its own, as the partner is), so the figure is our own work and the loopback round trip, not
the partner's AS4 exchange or the Internet's latency. One valid Peppol BIS invoice is issued
by OkiOki; ``--count`` (BENCH_PEPPOL_SENDS, default 300) copies of it, each with its own
number, are sent one after the other in one process (what one worker does):

- the adapter alone: ``RecommandGateway.send`` (JSON body, HTTP Basic, a fresh connection
  per send as the adapter makes, the answer read);
- the whole path: ``transmission_queue`` (validation: XSD, EN 16931, Peppol; the XML kept,
  the transmission row, its event) then ``transmission_send`` (claim, read and check the
  stored bytes, the adapter, the outcome and its event), in the configured database
  (DATABASE_URL; PostgreSQL as in production), as the web request and then the worker do
  them; the broker is left out (the enqueue is recorded instead). Twice: with the
  validation's verdict kept in the cache since the invoice was issued (the usual case), and
  with every copy validated afresh.

Prints sends per second for each, one validation alone (median), and whether the access
point got every invoice of the whole path exactly once. The preparation is not the figure.
"""

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection
from unittest import mock

from _setup import OWN_VAR_DIR  # Django set up for a benchmark
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings, setup_databases, teardown_databases

COUNT = int(os.environ.get("BENCH_PEPPOL_SENDS", "300"))
KEY, SECRET = "key_bench", "secret_bench"
VALIDATE_SAMPLE = 20


class AccessPointProcess:
    """The Recommand stand-in in a process of its own (in a thread of this one, it would
    take turns with the sender for the interpreter lock)."""

    def __init__(self) -> None:
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child,), daemon=True
        )
        self._process.start()
        self.url: str = self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send(None)
        self._process.join(10)


def _serve(pipe: Connection) -> None:
    from tests.fakes.recommand import FakeRecommand, Server

    server = Server(FakeRecommand(api_key=KEY, api_secret=SECRET)).start()
    pipe.send(server.url)
    pipe.recv()
    server.stop()


def _numbered(xml: bytes, number: str) -> bytes:
    """The invoice with another number (its first ``cbc:ID``, BT-1)."""
    return re.sub(rb"<cbc:ID>[^<]*</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), xml, count=1)


def prepare(access_point) -> tuple[object, str, str, bytes]:  # type: ignore[no-untyped-def]
    """A Belgian company registered with the access point (identity verified), a customer
    and one issued invoice: the company, its id at the access point, the receiver and the
    invoice's UBL as issued."""
    from apps.companies.scoping import company_scope
    from apps.peppol.services import peppol_refresh, peppol_register
    from apps.sales.models import VatTreatment
    from tests import factories
    from tests.peppol.parties import issued, seller_details

    company = seller_details(factories.CompanyFactory(name="Bakkerij Bench BV", slug="bench"))
    owner = factories.MembershipFactory(company=company, role="owner").user
    with company_scope(company):
        registration = peppol_register(company=company)
        access_point.verify_company(registration.ap_company_id)
        assert peppol_refresh(company=company).can_send  # type: ignore[union-attr]
    customer = factories.CustomerFactory(company=company, vat_treatment=VatTreatment.DOMESTIC)
    invoice = issued(company, owner, customer)
    with company_scope(company), invoice.ubl.open("rb") as stored:
        xml = stored.read()
    return company, registration.ap_company_id, f"0208:{customer.enterprise_number}", xml


def whole_path(
    company, receiver: str, xmls: list[bytes], prefix: str
) -> tuple[float, float, int, float]:  # type: ignore[no-untyped-def]
    """Each invoice queued (the web request) then sent (the worker), one after the other;
    the seconds of each step, and the queries of both with their seconds in the driver. The
    enqueue on commit is recorded by a mock instead of going to a broker."""
    from apps.companies.scoping import company_scope
    from apps.peppol import services
    from apps.peppol.models import Transmission

    task = mock.patch("apps.peppol.tasks.transmission_send").start()
    queue_s = send_s = 0.0
    queries = [0, 0.0]

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries[0] += 1
            queries[1] += time.perf_counter() - begin

    try:
        with company_scope(company), connection.execute_wrapper(counted):
            for n, data in enumerate(xmls):
                begin = time.perf_counter()
                transmission = services.transmission_queue(
                    company=company,
                    subject=f"bench:{prefix}{n}",
                    reference=f"{prefix}-{n:05d}",
                    receiver=receiver,
                    xml=data,
                )
                queued = time.perf_counter()
                sent = services.transmission_send(company=company, transmission_id=transmission.pk)
                send_s += time.perf_counter() - queued
                queue_s += queued - begin
                assert sent is not None, "not claimed"
                assert sent.status == Transmission.Status.SENT, sent.reason
    finally:
        mock.patch.stopall()
    assert task.delay.call_count == len(xmls), f"{task.delay.call_count} enqueued"
    return queue_s, send_s, int(queries[0]), queries[1]


def run(count: int, access_point) -> None:  # type: ignore[no-untyped-def]
    from apps.companies.scoping import company_scope
    from apps.einvoice import validate
    from apps.peppol.clients import gateway
    from apps.peppol.gateway import SendStatus
    from apps.peppol.models import Transmission

    started = time.perf_counter()
    company, ap_company_id, receiver, xml = prepare(access_point)
    variants = {
        prefix: [_numbered(xml, f"{prefix}-{n:05d}") for n in range(count)]
        for prefix in ("A", "W", "C")
    }
    fresh = [_numbered(xml, f"V-{n:05d}") for n in range(VALIDATE_SAMPLE)]
    partner = gateway()
    assert partner is not None
    # warm-up: imports, the validation's compiled rules; and the verdicts of the W invoices
    # kept, as issuing them would have (the usual case: sent minutes after being issued)
    for data in variants["W"]:
        assert validate(data).is_valid
    prepared = time.perf_counter() - started

    # The adapter alone.
    begin = time.perf_counter()
    for n, data in enumerate(variants["A"]):
        result = partner.send(ap_company_id, xml=data, recipient=receiver, reference=f"A-{n:05d}")
        assert result.status == SendStatus.SENT, result
    adapter_s = time.perf_counter() - begin

    # The whole path, the validation's verdict kept since the issue, then validated afresh.
    warm = whole_path(company, receiver, variants["W"], "W")
    cold = whole_path(company, receiver, variants["C"], "C")

    samples = []
    for data in fresh:
        begin = time.perf_counter()
        assert validate(data).is_valid
        samples.append(time.perf_counter() - begin)

    outgoing = [(d["parsed"] or {}).get("invoiceNumber", "") for d in access_point.outgoing()]
    numbers = Counter(number for number in outgoing if number[:2] in ("W-", "C-"))
    expected = sorted(f"{prefix}-{n:05d}" for prefix in ("W", "C") for n in range(count))
    exactly_once = sorted(numbers) == expected and set(numbers.values()) == {1}
    with company_scope(company):
        sent_count = Transmission.objects.filter(status=Transmission.Status.SENT).count()

    per_ms = 1000 / count
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"peppol send: {count:,} invoices of {len(xml) / 1024:.0f} kB UBL each way, to the "
        f"Recommand stand-in on loopback (own process); {connection.vendor}, {cache_backend}"
    )
    print(f"  preparation (registration, one issued invoice) {prepared:6.1f} s   (not the figure)")
    print(
        f"  adapter alone (RecommandGateway.send)      {adapter_s:7.2f} s  "
        f"{count / adapter_s:7.1f} sends/s  {adapter_s * per_ms:6.2f} ms each"
    )
    for label, (queue_s, send_s, queries, driver_s) in (
        ("whole path, verdict kept since the issue", warm),
        ("whole path, validated afresh", cold),
    ):
        path_s = queue_s + send_s
        print(
            f"  {label:41}{path_s:7.2f} s  {count / path_s:7.1f} sends/s  "
            f"{path_s * per_ms:6.2f} ms each"
        )
        print(f"    transmission_queue (validate, keep XML) {queue_s * per_ms:22.2f} ms each")
        print(f"    transmission_send (claim, adapter, save){send_s * per_ms:22.2f} ms each")
        print(
            f"    {queries / count:.0f} queries per invoice, in the driver    "
            f"{driver_s * per_ms:18.2f} ms each"
        )
    print(
        f"  one validation alone, afresh              {statistics.median(samples) * 1000:25.2f} ms"
        "   (median)"
    )
    print(
        f"  transmissions sent: {sent_count:,}; the access point got each invoice of the whole "
        f"path exactly once: {'yes' if exactly_once else 'NO'}"
    )
    if not exactly_once or sent_count != 2 * count:
        sys.exit("peppol send: not each invoice exactly once")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--count", type=int, default=COUNT, help="invoices (default 300)")
    count = arguments.parse_args().count

    from tests.fakes.recommand import API_PREFIX, AccessPoint

    server = AccessPointProcess()  # first: the fork takes nothing of the database or its threads
    access_point = AccessPoint(server.url, key=KEY, secret=SECRET)
    databases = setup_databases(verbosity=0, interactive=False)
    peppol = override_settings(
        PEPPOL_PROVIDER="recommand",
        PEPPOL_API_URL=server.url + API_PREFIX,
        PEPPOL_API_KEY=KEY,
        PEPPOL_API_SECRET=SECRET,
        PEPPOL_WEBHOOK_SECRET="",
    )
    peppol.enable()
    try:
        run(count, access_point)
    finally:
        peppol.disable()
        teardown_databases(databases, verbosity=0)
        server.stop()
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["OKIOKI_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
