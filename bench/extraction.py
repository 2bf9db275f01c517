"""Benchmark of document reading (issue #4): field accuracy and throughput.

Accuracy per field over the shared golden invoices, the Factur-X/ZUGFeRD PDFs (visible text
against their embedded XML, ZUGFeRD 1.0 included) and invoices rendered from known values
(PDF text, as pictures and as scanned image-only PDFs through OCR), and the same invoices
degraded as scanners and phones deliver them (turned, skewed, shadowed, photographed on a desk,
small print at a low resolution, noisy, HEIC and WebP). Throughput: text PDFs per second on one
core (words and layout included), and seconds per OCR page (pictures, scanned PDFs, degraded
ones; read from their text alone until OCR gives word boxes).

Then the generated test set (tests/documents/corpus, issue #13): accuracy per field and per
kind (text PDF, scan, photo), per layout family, and how often a field shown as sure is right,
for the tune and holdout splits separately. Options: ``--corpus-only`` skips the sections
above, ``--no-ocr`` reads only the text PDFs of the test set, ``--jobs N`` reads it in N
processes (timings are then per process), ``--misses`` lists examples of what was missed.
"""

import argparse
import datetime
import json
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()
import logging  # noqa: E402

logging.disable(logging.WARNING)

from django.conf import settings  # noqa: E402

from apps.documents.extraction.files import (  # noqa: E402
    ExtractionError,
    embedded_xml,
    ocr_image,
    pdf_text,
)
from apps.documents.extraction.layout import read  # noqa: E402
from apps.documents.extraction.text import Hints, extract_from_text  # noqa: E402
from tests.documents import corpus, degraded, samples  # noqa: E402
from tests.documents.corpus import scoring  # noqa: E402
from tests.documents.truth import embedded_truth  # noqa: E402

DATA = Path(settings.SHARED_DATA_DIR) / "invoices"
OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))
FIELDS = scoring.FIELDS


def _same(expected: object, found: object) -> bool:
    if isinstance(expected, str) and isinstance(found, str) and expected and found:
        return expected.lower() in found.lower() or found.lower() in expected.lower()
    return expected == found


def _found(extraction) -> dict[str, object]:  # type: ignore[no-untyped-def]
    value = extraction.value
    return {
        "supplier": value("counterparty_name"),
        "vat_id": value("counterparty_vat_id"),
        "number": value("number"),
        "issue_date": value("issue_date"),
        "net": value("total_excl_vat"),
        "vat": value("total_vat"),
        "gross": value("total_incl_vat"),
        "iban": value("counterparty_iban"),
        "bic": value("counterparty_bic"),
        "due_date": value("due_date"),
        "ogm": value("structured_communication") or "",
        "currency": value("currency"),
        "credit_note": extraction.kind_hint == "credit_note",
    }


# Scans and phone photos as they come (tests/documents/degraded.py); each sample gets every
# other one, so that each degradation is read on two or three different invoices.
DEGRADATIONS = [
    "turned_90",
    "upside_down_pdf",
    "skewed_3_pdf",
    "shadow_jpeg",
    "photo_jpeg",
    "small_print_png",
    "photo_heic",
    "photo_webp",
    "noisy_jpeg",
]


def degrade(sample: samples.Sample, kind: str) -> bytes:
    page = degraded.page(sample)
    if kind == "turned_90":
        return degraded.encoded(degraded.turned(page, 90))
    if kind == "upside_down_pdf":
        return degraded.scanned_pdf(degraded.turned(page, 180))
    if kind == "skewed_3_pdf":
        return degraded.scanned_pdf(degraded.skewed(page, 3))
    if kind == "shadow_jpeg":
        return degraded.jpeg(degraded.uneven_light(page), quality=40)
    if kind == "photo_jpeg":
        return degraded.jpeg(degraded.photographed(page), quality=40)
    if kind == "small_print_png":
        return degraded.encoded(degraded.page(sample, dpi=100))
    if kind == "photo_heic":
        return degraded.heic(degraded.photographed(page))
    if kind == "photo_webp":
        return degraded.webp(degraded.photographed(page))
    if kind == "noisy_jpeg":
        return degraded.jpeg(degraded.noisy(page, sigma=50), quality=15)
    raise ValueError(kind)


def cases():  # type: ignore[no-untyped-def]
    for path in sorted((DATA / "pdf").glob("*.pdf")):
        expected = json.loads(path.with_suffix(".json").read_text())[0]
        truth = {
            "supplier": expected["issuer"],
            "vat_id": (expected.get("vat") or "").replace(" ", "") or None,
            "number": expected["invoice_number"],
            "issue_date": datetime.date.fromisoformat(expected["date"]),
            "net": Decimal(str(expected["amount_untaxed"])),
            "gross": Decimal(str(expected["amount"])),
            "iban": expected.get("iban"),
            "bic": expected.get("bic"),
            "due_date": (
                datetime.date.fromisoformat(expected["date_due"])
                if expected.get("date_due")
                else None
            ),
            "currency": expected.get("currency"),
            "credit_note": False,
        }
        yield f"golden/{path.stem}", path.read_bytes(), truth, "pdf"
    for path in sorted((DATA / "facturx").glob("*.pdf")):
        data = path.read_bytes()
        embedded = embedded_xml(data)
        if embedded is None:
            raise SystemExit(f"{path.name}: no embedded XML to compare with")
        xml = embedded_truth(embedded.data)  # ZUGFeRD 1.0 too: never silently skipped
        truth = {
            "supplier": xml["supplier"],
            "vat_id": xml["vat_id"] or None,
            "number": xml["number"],
            "issue_date": xml["issue_date"],
            "due_date": xml["due_date"],
            "net": xml["net"],
            "vat": xml["vat"],
            "gross": xml["gross"],
            "iban": xml["iban"] or None,
            "bic": xml["bic"] or None,
            "credit_note": xml["credit_note"],
        }
        yield f"facturx/{path.stem}", data, truth, "pdf"
    for sample in samples.SAMPLES:
        truth = sample.truth()
        yield f"rendered/{sample.name}", samples.pdf(sample), truth, "pdf"
        yield f"photo/{sample.name}", samples.png(sample), truth, "ocr"
        yield f"scan/{sample.name}", samples.scanned_pdf(sample), truth, "scan"
    for index, sample in enumerate(samples.SAMPLES):
        truth = sample.truth()
        for kind in DEGRADATIONS[index % 2 :: 2]:
            yield f"degraded/{kind}/{sample.name}", degrade(sample, kind), truth, "degraded"
    receipt = samples.RECEIPT
    yield (
        "photo/receipt",
        samples.png(receipt),
        {"issue_date": receipt.issue_date, "gross": receipt.gross, "credit_note": False},
        "ocr",
    )


def main() -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    by_source: dict[str, list[bool]] = defaultdict(list)
    text_pdfs: list[bytes] = []
    ocr_seconds: list[float] = []
    misses = []
    scan_seconds: list[float] = []
    degraded_seconds: list[float] = []
    for name, data, truth, kind in cases():
        if kind == "degraded":
            started = time.perf_counter()
            try:
                text = pdf_text(data).text if data.startswith(b"%PDF") else ocr_image(data)
            except ExtractionError as error:
                text = ""
                misses.append(f"{name}: {error.code}")
            degraded_seconds.append(time.perf_counter() - started)
            found = _found(extract_from_text(text, hints=OURS, source="ocr"))
        elif kind == "pdf":
            text_pdfs.append(data)
            text = pdf_text(data, with_words=True)
            found = _found(read(text.text, text.words, hints=OURS))
        elif kind == "scan":
            started = time.perf_counter()
            scanned = pdf_text(data)
            scan_seconds.append((time.perf_counter() - started) / scanned.pages)
            assert scanned.ocr, f"{name}: expected OCR"
            found = _found(extract_from_text(scanned.text, hints=OURS, source="ocr"))
        else:
            started = time.perf_counter()
            text = ocr_image(data)
            ocr_seconds.append(time.perf_counter() - started)
            found = _found(extract_from_text(text, hints=OURS, source="ocr"))
        for field in FIELDS:
            if truth.get(field) is None:
                continue
            ok = _same(truth[field], found[field])
            hits[field].append(ok)
            by_source[kind].append(ok)
            if not ok:
                misses.append(f"{name}: {field} expected {truth[field]!r}, found {found[field]!r}")
    print("document reading: field accuracy (share of documents where the field is right)")
    for field in FIELDS:
        values = hits[field]
        share = 100 * sum(values) / len(values)
        print(f"  {field:12} {sum(values):3}/{len(values):<3} {share:5.1f} %")
    print("  (credit_note: the credit note / invoice kind; ogm: the structured communication)")
    for kind, values in by_source.items():
        label = {
            "pdf": "PDF text",
            "ocr": "OCR photo",
            "scan": "OCR scan",
            "degraded": "OCR degraded",
        }[kind]
        print(f"  all fields, {label:9} {100 * sum(values) / len(values):5.1f} %")
    started = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for data in text_pdfs:
            text = pdf_text(data, with_words=True)
            read(text.text, text.words, hints=OURS)
    elapsed = time.perf_counter() - started
    print(f"  text PDFs: {rounds * len(text_pdfs) / elapsed:.1f} documents/s on one core")
    if ocr_seconds:
        print(f"  OCR: {sum(ocr_seconds) / len(ocr_seconds):.2f} s per page (200 dpi, nld+fra+eng)")
    if scan_seconds:
        per_page = sum(scan_seconds) / len(scan_seconds)
        print(f"  OCR of scanned image-only PDFs: {per_page:.2f} s per page (rasterise + OCR)")
    if degraded_seconds:
        per_page = sum(degraded_seconds) / len(degraded_seconds)
        print(f"  OCR of degraded scans and photos: {per_page:.2f} s per page")
    if misses:
        print("  misses:")
        for miss in misses:
            print(f"    {miss}")


def corpus_main(*, ocr: bool, jobs: int, show_misses: bool) -> None:
    documents = [d for d in corpus.documents() if ocr or d.kind == "pdf"]
    corpus.prune()
    started = time.perf_counter()
    for document in documents:
        document.content()  # rendered once, then cached under var/test/corpus
    rendering = time.perf_counter() - started
    started = time.perf_counter()
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            readings = list(pool.map(scoring.read, documents, chunksize=4))
    else:
        readings = [scoring.read(document) for document in documents]
    reading = time.perf_counter() - started
    print()
    print(
        f"generated test set (tests/documents/corpus {corpus.version()}): {len(documents)} "
        f"documents, rendered or taken from the cache in {rendering:.1f} s, read in "
        f"{reading:.1f} s ({jobs} process{'es' if jobs > 1 else ''})"
    )
    print()
    print("accuracy per field and kind (% of documents where the field is right)")
    print()
    print(scoring.table(readings))
    print()
    print("all fields per layout family")
    print()
    print(scoring.family_table(readings))
    print()
    if ocr:
        print("scans and photos per degradation")
        print()
        print(scoring.variant_table(readings))
        print()
    print(f"fields shown as sure (confidence >= {scoring.SURE})")
    print()
    print(scoring.sure_table(readings))
    print()
    print("documents that would go to the accountant without review (supplier known)")
    print()
    print(scoring.auto_table(readings))
    texts = [r for r in readings if r.document.kind == "pdf"]
    pictures = [r for r in readings if r.document.kind != "pdf" and not r.error]
    print()
    print(f"speed: text PDFs {len(texts) / sum(r.seconds for r in texts):.1f} documents/s per core")
    if pictures:
        per_page = sum(r.seconds for r in pictures) / sum(r.pages for r in pictures)
        print(f"speed: scans and photos {per_page:.2f} s per page")
    errors = [f"{r.document.name} ({r.error})" for r in readings if r.error]
    if errors:
        print(f"refused by the reader: {len(errors)}: {', '.join(errors)}")
    if show_misses:
        print()
        print(scoring.misses(readings))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus-only", action="store_true")
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--misses", action="store_true")
    arguments = parser.parse_args()
    if not arguments.corpus_only:
        main()
    corpus_main(ocr=not arguments.no_ocr, jobs=arguments.jobs, show_misses=arguments.misses)
