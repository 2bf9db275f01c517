"""Benchmark: sending documents to the accountant over SMTP (issue #6).

Makes ``--count`` (BENCH_DELIVERIES, default 1,000) ready documents, each with its own 100 kB
PDF inside its UBL envelope, for a company with the Octopus address per type, then sends
every delivery with ``delivery_send`` in one process, one after the other (what one worker
does), to an SMTP server on loopback (aiosmtpd, ``tests.servers.SmtpSink``). In the same run
it sends the same messages with smtplib alone, one connection per message as the service
does (and, labelled, one connection for all), and prints deliveries per second, messages
per second and their ratio, with where the time of one delivery goes. The preparation is
timed and printed, but it is not the figure.

Where the time goes: the same messages are built, serialised and sent once more, step by
step as ``delivery_send`` does them, each step timed; what is left of a delivery is its
bookkeeping in the database (claim, record, timeline, document status). The server runs in
a process of its own, as a real one would; nothing is enqueued on a broker.
"""

import argparse
import contextlib
import multiprocessing
import os
import shutil
import smtplib
import statistics
import sys
import time
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from multiprocessing.connection import Connection
from unittest import mock

from _setup import OWN_VAR_DIR  # Django set up for a benchmark
from django.db import connection
from django.test.utils import override_settings, setup_databases, teardown_databases

COUNT = int(os.environ.get("BENCH_DELIVERIES", "1000"))
PDF_SIZE = 100 * 1024
VALIDATE_SAMPLE = 200  # envelopes validated alone, for the breakdown


def _pdf(n: int) -> bytes:
    """A distinct ~100 kB PDF: random bytes in a minimal PDF wrapper (nothing parses it)."""
    return f"%PDF-1.4\n% bench document {n}\n".encode() + os.urandom(PDF_SIZE) + b"\n%%EOF\n"


def _send_raw(
    envelopes: list[tuple[str, list[str], bytes]], host: str, port: int, *, reuse: bool
) -> float:
    """smtplib alone: EHLO, MAIL, RCPT, DATA (and QUIT), as ``transports.smtp.send`` talks."""
    started = time.perf_counter()
    if reuse:
        with smtplib.SMTP(host, port, local_hostname="localhost", timeout=10) as smtp:
            for sender, recipients, data in envelopes:
                smtp.sendmail(sender, recipients, data)
    else:
        for sender, recipients, data in envelopes:
            with smtplib.SMTP(host, port, local_hostname="localhost", timeout=10) as smtp:
                smtp.sendmail(sender, recipients, data)
    return time.perf_counter() - started


class Sink:
    """``SmtpSink`` in a process of its own, as the accountant's server is (in a thread of
    this one, it would take turns with the sender for the interpreter lock)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(child,), daemon=True
        )
        self._process.start()
        self.port: int = self._pipe.recv()

    def collect(self, count: int) -> list[str]:
        """The X-OkiOki-Delivery of every message received since the last call (waiting up
        to a minute for ``count`` of them)."""
        self._pipe.send(count)
        return self._pipe.recv()

    def stop(self) -> None:
        self._pipe.send(None)
        self._process.join(10)


def _serve(pipe: Connection) -> None:
    from tests.servers import SmtpSink

    with SmtpSink() as sink:
        pipe.send(sink.port)
        while (count := pipe.recv()) is not None:
            with contextlib.suppress(TimeoutError):
                sink.wait_for(count, timeout=60)
            parser = BytesHeaderParser()
            pipe.send([parser.parsebytes(r.data)["X-OkiOki-Delivery"] for r in sink.messages])
            sink.clear()


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--count", type=int, default=COUNT, help="documents (default 1000)")
    count = arguments.parse_args().count

    sink = Sink()  # first: the fork takes nothing of the database or its threads
    databases = setup_databases(verbosity=0, interactive=False)
    # Nothing goes to a broker: the enqueue on commit of each planned delivery is recorded
    # here instead, and those (company_id, delivery_id) are what the worker below is given.
    task = mock.patch("apps.connections.tasks.delivery_send").start()
    email = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=sink.host,
        EMAIL_PORT=sink.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=10,
    )
    email.enable()
    try:
        run(count, sink, task)
    finally:
        email.disable()
        mock.patch.stopall()
        teardown_databases(databases, verbosity=0)
        sink.stop()
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["OKIOKI_VAR_DIR"], ignore_errors=True)


def prepare(count: int, task: mock.MagicMock) -> tuple[object, list[tuple[int, int]]]:
    """A company with the Octopus address per type and ``count`` ready documents (one in four
    a sales invoice), each with its delivery planned; the (company_id, delivery_id) enqueued."""
    from apps.companies.scoping import company_scope
    from apps.connections import services
    from apps.connections.models import Delivery
    from apps.documents.models import Kind
    from tests import factories
    from tests.connections.conftest import OCTOPUS, ready_document

    company = factories.CompanyFactory(name="Bench BV", slug="bench")
    with company_scope(company):
        services.transfer_save(
            company=company,
            actor=None,
            package="octopus",
            purchases_address=OCTOPUS["purchases"],
            sales_address=OCTOPUS["sales"],
            miscellaneous_address=OCTOPUS["miscellaneous"],
        )
    for n in range(count):
        kind = Kind.SALES_INVOICE if n % 4 == 3 else Kind.PURCHASE_INVOICE
        ready_document(company, kind, pdf=_pdf(n), number=f"B-{n:05d}")
    enqueued = [call.kwargs["args"] for call in task.apply_async.call_args_list]
    with company_scope(company):
        pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
        assert sorted(pk for _, pk in enqueued) == sorted(pending.values_list("pk", flat=True))
    assert len(enqueued) == count, f"{len(enqueued)} deliveries enqueued for {count} documents"
    return company, enqueued


def run(count: int, sink: Sink, task: mock.MagicMock) -> None:
    from apps.companies.scoping import company_scope
    from apps.connections import services
    from apps.connections.models import Delivery
    from apps.connections.sending import delivery_parcel
    from apps.connections.transports.smtp import message_for
    from apps.einvoice import validate

    started = time.perf_counter()
    company, enqueued = prepare(count, task)
    prepared = time.perf_counter() - started

    # The figure: what one worker does with these tasks, one after the other.
    queries = [0, 0.0]  # how many, seconds in the database driver

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries[0] += 1
            queries[1] += time.perf_counter() - begin

    with company_scope(company), connection.execute_wrapper(counted):
        started = time.perf_counter()
        for _company_id, delivery_id in enqueued:
            services.delivery_send(company=company, delivery_id=delivery_id)
        service_s = time.perf_counter() - started
    arrived = sink.collect(count)
    with company_scope(company):
        deliveries = list(
            Delivery.objects.select_related("document", "document__company").order_by("pk")
        )
        statuses = {delivery.status for delivery in deliveries}
        expected = sorted(str(delivery.public_id) for delivery in deliveries)
        exactly_once = statuses == {Delivery.Status.SENT} and sorted(arrived) == expected

        # The same messages again, each built, serialised and sent in turn as delivery_send
        # does, without its bookkeeping: where its time goes. Their bytes are what smtplib
        # alone sends below, all built beforehand.
        transfer = services.transfer_get(company=company)
        build_s = serialise_s = converse_s = 0.0
        envelopes = []
        for delivery in deliveries:
            begin = time.perf_counter()
            message = message_for(delivery_parcel(delivery, transfer))
            built = time.perf_counter()
            data = message.message().as_bytes(linesep="\r\n")
            serialise_s += time.perf_counter() - built
            build_s += built - begin
            envelopes.append((parseaddr(message.from_email)[1], message.recipients(), data))
            converse_s += _send_raw(envelopes[-1:], sink.host, sink.port, reuse=False)
        assert sorted(sink.collect(count)) == expected, "in turn: not each message once"
        xmls = []
        for delivery in deliveries[:VALIDATE_SAMPLE]:
            with delivery.document.envelope.open("rb") as handle:
                xmls.append(handle.read())
    samples = []
    for xml in xmls:
        begin = time.perf_counter()
        validate(xml)
        samples.append(time.perf_counter() - begin)

    raw_s = _send_raw(envelopes, sink.host, sink.port, reuse=False)
    assert sorted(sink.collect(count)) == expected, "smtplib: not each message once"
    reused_s = _send_raw(envelopes, sink.host, sink.port, reuse=True)
    assert sorted(sink.collect(count)) == expected, "smtplib: not each message once"

    service_rate, raw_rate, reused_rate = count / service_s, count / raw_s, count / reused_s
    xml_kb = statistics.mean(len(xml) for xml in xmls) / 1024
    mail_kb = statistics.mean(len(data) for _, _, data in envelopes) / 1024
    print(
        f"delivery: {count:,} documents, a {PDF_SIZE // 1024} kB PDF each inside a {xml_kb:.0f} kB "
        f"UBL ({mail_kb:.0f} kB e-mail), to aiosmtpd on loopback; {connection.vendor}"
    )
    print(f"  preparation ({count:,} ready documents)       {prepared:8.1f} s   (not the figure)")
    print(
        f"  delivery_send, one worker, sequential       {service_s:8.2f} s   "
        f"{service_rate:6.1f} deliveries/s"
    )
    print(
        f"  smtplib, one connection per message         {raw_s:8.2f} s   {raw_rate:6.1f} messages/s"
    )
    print(
        f"  smtplib, one connection for all (reference) {reused_s:8.2f} s   "
        f"{reused_rate:6.1f} messages/s"
    )
    print(
        f"  ratio delivery_send / smtplib per message   {service_rate / raw_rate:8.2f}     "
        f"(smtplib alone {raw_rate / service_rate:.1f}x as fast)"
    )
    print(
        f"  ratio delivery_send / smtplib one connection{service_rate / reused_rate:8.2f}     "
        f"(smtplib alone {reused_rate / service_rate:.1f}x as fast)"
    )
    print(
        f"  arrived: {len(arrived):,} messages, {len(set(arrived)):,} distinct X-OkiOki-Delivery, "
        f"each delivery exactly once: {'yes' if exactly_once else 'NO'}"
    )
    per_ms = 1000 / count
    validate_ms = statistics.median(samples) * 1000
    rest_ms = (service_s - build_s - serialise_s - converse_s) * per_ms
    print(f"  one delivery: {service_s * per_ms:.1f} ms; the same steps in turn, timed:")
    for label, milliseconds, note in (
        ("build the e-mail (read UBL, validate, render)", build_s * per_ms, ""),
        ("  of which validate (XSD, EN 16931, Peppol)", validate_ms, "(median, alone)"),
        ("serialise it (base64, CRLF)", serialise_s * per_ms, ""),
        ("SMTP conversation (smtplib, own connection)", converse_s * per_ms, ""),
        ("the rest (claim, record, timeline, status)", rest_ms, "(by difference)"),
        (f"  of which {queries[0] / count:.0f} queries in the driver", queries[1] * per_ms, ""),
    ):
        print(f"    {label:47} {milliseconds:6.2f} ms   {note}".rstrip())
    if not exactly_once:
        sys.exit(f"delivery: not each delivery exactly once ({sorted(statuses)})")


if __name__ == "__main__":
    main()
