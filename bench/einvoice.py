"""Benchmark of the e-invoice engine (issue #3): build, parse and three-layer validation.

A realistic 20-line Belgian invoice with an embedded 100 kB PDF. Prints milliseconds per
document after warm-up, and documents per second on one core for build + validate.

Each figure is the median of ``BENCH_RUNS`` calls; the benchmark takes it ``BENCH_ROUNDS``
times and keeps the best round, so that other work on a shared machine (CI, a second core
busy with tests) disturbs the figures less.
"""

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from apps.einvoice import from_xml, to_ubl  # noqa: E402
from apps.einvoice.model import Attachment  # noqa: E402
from apps.einvoice.validation import validate  # noqa: E402
from apps.einvoice.validation import warm_up as compile_rules  # noqa: E402
from tests.einvoice.samples import domestic_mixed, line  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def realistic_invoice():  # type: ignore[no-untyped-def]
    rates = ["21", "12", "6"]
    lines = [
        line(
            i + 1,
            str(1 + i % 7),
            f"{9.95 + i * 3.1:.2f}",
            rate=rates[i % 3],
            name=f"Artikel {i + 1}",
        )
        for i in range(20)
    ]
    pdf = b"%PDF-1.4\n" + os.urandom(100 * 1024) + b"\n%%EOF\n"
    return replace(
        domestic_mixed(),
        lines=lines,
        attachments=[
            Attachment(
                id="original", filename="factuur.pdf", mime_code="application/pdf", content=pdf
            )
        ],
    )


def timed(function, runs: int) -> float:  # type: ignore[no-untyped-def]
    medians = []
    for _ in range(ROUNDS):
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
        medians.append(statistics.median(samples))
    return min(medians) * 1000


def main() -> None:
    started = time.perf_counter()
    compile_rules()
    compile_ms = (time.perf_counter() - started) * 1000
    document = realistic_invoice()
    xml = to_ubl(document)
    report = validate(xml)
    assert report.is_valid, report.to_dict()
    for _ in range(20):  # warm-up
        to_ubl(document)
        from_xml(xml)
        validate(xml)
    build_ms = timed(lambda: to_ubl(document), RUNS)
    parse_ms = timed(lambda: from_xml(xml), RUNS)
    validate_ms = timed(lambda: validate(xml), max(RUNS // 4, 20))
    both_ms = timed(lambda: validate(to_ubl(document)), max(RUNS // 4, 20))
    print(f"e-invoice engine: 20 lines, embedded 100 kB PDF, {len(xml) / 1024:.0f} kB of UBL")
    print(f"  rule compilation (once per process) {compile_ms:8.1f} ms")
    print(f"  build (to_ubl)                      {build_ms:8.2f} ms   target < 2 ms")
    print(f"  parse (from_xml)                    {parse_ms:8.2f} ms   target < 2 ms")
    print(f"  validate (XSD + EN 16931 + Peppol)  {validate_ms:8.2f} ms   target < 25 ms")
    rate = 1000 / both_ms
    print(f"  build + validate                    {both_ms:8.2f} ms   = {rate:.1f} docs/s/core")
    for rule_set in report.rule_sets:
        print(f"  {rule_set.layer:8} {rule_set.file:32} {rule_set.release}")
    for notice in report.notices:
        print(f"  note: {notice}")


if __name__ == "__main__":
    main()
