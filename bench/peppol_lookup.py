"""Benchmark of the Peppol participant lookup (issue 15): one participant checked with a cold
cache (the SML's NAPTR record over DNS, then the SMP's ServiceGroup over HTTP) and with a
warm one, against the loopback SML (dnslib) and SMP of the tests (``tests/peppol``), so the
figure is our own work and the loopback round trips, not the Internet's latency.

Each figure is the median of ``BENCH_RUNS`` lookups of different participants (cold: the
cache cleared before each).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("OUTBOUND_ALLOW_PRIVATE", "true")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import override_settings  # noqa: E402

from apps.peppol.lookup import participant_check  # noqa: E402
from tests.peppol.conftest import INVOICE, ZONE, Sml, Smp, sml_server  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "200"))


def main() -> None:
    sml, smp = Sml(), Smp()
    server = sml_server(sml)
    participants = [f"0208:{n:010d}" for n in range(RUNS)]
    for participant in participants:
        sml.register(participant, smp.url)
        smp.document_types[participant] = [INVOICE]
    local = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bench-peppol",
    }
    nameserver = f"127.0.0.1:{server.server.server_address[1]}"
    try:
        with override_settings(
            PEPPOL_SML_ZONE=ZONE, PEPPOL_DNS_NAMESERVER=nameserver, CACHES={"default": local}
        ):
            participant_check(participants[0])  # warm-up: imports, first connections
            cold, warm = [], []
            for participant in participants:
                cache.clear()
                begin = time.perf_counter()
                assert participant_check(participant).registered is True
                cold.append(time.perf_counter() - begin)
                begin = time.perf_counter()
                assert participant_check(participant).registered is True
                warm.append(time.perf_counter() - begin)
    finally:
        server.stop()
        smp.stop()
    print(f"peppol lookup: {RUNS} participants, loopback SML (dnslib) and SMP")
    print(f"  cold cache (DNS + SMP)   {statistics.median(cold) * 1000:8.2f} ms  (median)")
    print(f"  warm cache               {statistics.median(warm) * 1000:8.3f} ms  (median)")


if __name__ == "__main__":
    main()
