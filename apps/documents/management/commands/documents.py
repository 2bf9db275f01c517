"""`manage.py documents extract FILE [--no-embedded] [--company SLUG]`: what OkiOki reads in
a document.

Prints the fields in the JSON shape of `manage.py einvoice parse`, plus `kind`, `category`,
`sources` (field -> where it was found) and `boxes` (field -> where on the page, when the
layout reader found it). Without ``--company`` no database access: a pure reading that tells
the parties apart by layout and labels alone; with it, the company's identity (name, VAT,
enterprise number, IBAN) is never taken for the supplier, and a document it issued is a sale.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.files import PICTURE_KINDS, FileKind, sniff
from apps.documents.extraction.files import ExtractionError, embedded_xml, ocr_image_words, pdf_text
from apps.documents.extraction.layout import read as read_layout
from apps.documents.extraction.text import Hints, TextExtraction
from apps.einvoice import EInvoiceError, from_xml
from apps.einvoice.jsonio import to_json

# document field -> its places in the JSON of `einvoice parse`
JSON_PATHS = {
    "counterparty_name": ["seller.name"],
    "counterparty_vat_id": ["seller.vat_id"],
    "counterparty_enterprise_number": ["seller.enterprise_number"],
    "counterparty_iban": ["payment.iban"],
    "counterparty_bic": ["payment.bic"],
    "structured_communication": ["payment.reference"],
    "total_excl_vat": ["totals.tax_exclusive"],
    "total_vat": ["totals.tax_total"],
    "total_incl_vat": ["totals.tax_inclusive", "totals.payable"],
}
KIND_OF_HINT = {
    "credit_note": ("purchase_credit_note", "purchases"),
    "receipt": ("receipt", "purchases"),
    "invoice": ("purchase_invoice", "purchases"),
}


def _leaves(value: Any, prefix: str = "") -> list[str]:
    """The paths of the filled-in values of a JSON object: 'seller.name', 'totals.payable'."""
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in _leaves(item, f"{prefix}{key}.")]
    if value in (None, "", [], {}):
        return []
    return [prefix.rstrip(".")]


def _sources(result: dict[str, Any], source: str) -> dict[str, str]:
    """Every filled-in field of an e-invoice's JSON, found in ``source``."""
    skip = ("lines", "vat_breakdown", "kind", "category", "sources", "warnings")
    top = {key: value for key, value in result.items() if key not in skip}
    sources = dict.fromkeys(_leaves(top), source)
    for key in ("lines", "vat_breakdown"):
        if result.get(key):
            sources[key] = source
    return sources


SALE_KINDS = {
    "credit_note": ("sales_credit_note", "sales"),
    "invoice": ("sales_invoice", "sales"),
    "receipt": ("sales_invoice", "sales"),
}


def _text_json(found: TextExtraction) -> dict[str, Any]:
    value = found.value

    def text(name: str) -> str:
        result = value(name)
        return "" if result is None else str(result)

    kinds = SALE_KINDS if found.our_role == "seller" else KIND_OF_HINT
    kind, category = kinds.get(found.kind_hint or "invoice", kinds["invoice"])
    sources = {
        path: item.source
        for name, item in found.fields.items()
        for path in JSON_PATHS.get(name, [name])
    }
    if found.buyer_vat_id:
        sources["buyer.vat_id"] = found.source
    return {
        "number": text("number"),
        "type_code": "381" if found.kind_hint == "credit_note" else "380",
        "issue_date": text("issue_date"),
        "due_date": text("due_date"),
        "currency": text("currency") or "EUR",
        "seller": {
            "name": text("counterparty_name"),
            "vat_id": text("counterparty_vat_id"),
            "enterprise_number": text("counterparty_enterprise_number"),
        },
        "buyer": {"vat_id": found.buyer_vat_id},
        "payment": {
            "reference": text("structured_communication"),
            "iban": text("counterparty_iban"),
            "bic": text("counterparty_bic"),
        },
        "vat_breakdown": value("vat_breakdown") or [],
        "totals": {
            "tax_exclusive": text("total_excl_vat"),
            "tax_total": text("total_vat"),
            "tax_inclusive": text("total_incl_vat"),
            "payable": text("total_incl_vat"),
        },
        "kind": kind,
        "category": category,
        "sources": sources,
        "boxes": {
            name: item.box.as_dict() for name, item in found.fields.items() if item.box is not None
        },
        "our_role": found.our_role,
        "warnings": found.warnings,
    }


def _company_hints(slug: str | None) -> Hints:
    if not slug:
        return Hints()
    from apps.documents.reading import company_hints

    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise CommandError(f"no company {slug!r}")
    with company_scope(company):
        return company_hints(company)


class Command(BaseCommand):
    hints = Hints()

    help = "Read a document (PDF, picture or e-invoice XML) and print what OkiOki finds."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        extract = commands.add_parser("extract", help="print the fields found in a file")
        extract.add_argument("file", type=Path)
        extract.add_argument(
            "--no-embedded",
            action="store_true",
            help="ignore embedded XML; read only the visible content",
        )
        extract.add_argument(
            "--company",
            metavar="SLUG",
            help="read as this company would: its own identity is never the supplier",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        kind = sniff(data)
        self.hints = _company_hints(options.get("company"))
        try:
            if kind == FileKind.XML:
                result = self._xml(data)
            elif kind == FileKind.PDF:
                result = self._pdf(data, embedded=not options["no_embedded"])
            elif kind in PICTURE_KINDS:
                text, words = ocr_image_words(data)
                result = _text_json(read_layout(text, words, hints=self.hints, source="ocr"))
            else:
                raise CommandError(f"{path}: not a PDF, picture or XML e-invoice")
        except (EInvoiceError, ExtractionError) as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, default=str))

    def _pdf(self, data: bytes, *, embedded: bool) -> dict[str, Any]:
        """The embedded e-invoice when there is a readable one, else the visible content."""
        warnings = []
        xml = embedded_xml(data) if embedded else None
        if xml is not None:
            try:
                return self._xml(xml.data)
            except EInvoiceError as error:
                # e.g. ZUGFeRD 1.0, which predates EN 16931: read what the PDF shows instead
                warnings.append(f"embedded_xml_unreadable: {error.code}")
        text = pdf_text(data, with_words=True)
        source = "ocr" if text.ocr else "pdf_text"
        result = _text_json(read_layout(text.text, text.words, hints=self.hints, source=source))
        result["warnings"] = [*warnings, *result["warnings"]]
        return result

    def _xml(self, data: bytes) -> dict[str, Any]:
        document = from_xml(data)
        result = to_json(document)
        credit = document.is_credit_note
        result["kind"] = "purchase_credit_note" if credit else "purchase_invoice"
        result["category"] = "purchases"
        result["sources"] = _sources(result, "xml")
        return result
