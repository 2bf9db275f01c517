"""`manage.py einvoice validate|parse|build`: the e-invoice engine for operators and tests.

The output is stable: scripts and tests read it. Every problem with a file is one line naming
it and a non-zero exit, never a traceback.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.einvoice import EInvoiceError, from_xml, to_ubl, validate
from apps.einvoice.jsonio import JSONModelError, from_json, to_json
from apps.einvoice.reading import MAX_PDF_BYTES, from_pdf, looks_like_pdf

# Checked before a file is read: the XML and PDF readers have their own, lower limits.
MAX_FILE_BYTES = MAX_PDF_BYTES


class Command(BaseCommand):
    help = "Validate, parse or build e-invoices (UBL, CII; parse also reads Factur-X PDFs)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        check = commands.add_parser("validate", help="validate files with XSD, EN 16931, Peppol")
        check.add_argument("files", nargs="+", type=Path)
        check.add_argument("--json", action="store_true", help="print the full reports")
        check.add_argument("--no-peppol", action="store_true", help="leave out the Peppol rules")
        read = commands.add_parser(
            "parse", help="print the model of a UBL or CII file (or a PDF carrying one) as JSON"
        )
        read.add_argument("file", type=Path)
        make = commands.add_parser("build", help="print Peppol BIS 3 UBL from a JSON model")
        make.add_argument("file", type=Path)
        make.add_argument("--validate", action="store_true", help="also validate the result")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "validate":
            self._validate(
                options["files"], as_json=options["json"], peppol=not options["no_peppol"]
            )
        elif action == "parse":
            self._parse(options["file"])
        else:
            self._build(options["file"], check=options["validate"])

    def _read(self, path: Path) -> bytes:
        """The file's bytes; its size is checked before it is read."""
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path}: {self._too_large()}")
            with path.open("rb") as file:
                data = file.read(MAX_FILE_BYTES + 1)  # a file that grows meanwhile stays bounded
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        if len(data) > MAX_FILE_BYTES:
            raise CommandError(f"{path}: {self._too_large()}")
        return data

    def _too_large(self) -> str:
        return f"file too large (more than {MAX_FILE_BYTES // (1024 * 1024)} MB)"

    def _validate(self, files: list[Path], *, as_json: bool, peppol: bool) -> None:
        reports = {}
        invalid = False
        for path in files:
            try:
                report = validate(self._read(path), peppol=peppol)
            except CommandError as error:  # the file can't be read: say so, go on with the rest
                reason = str(error).removeprefix(f"{path}: ")
                reports[str(path)] = {"valid": False, "errors": [reason], "failures": []}
                invalid = True
                if not as_json:
                    self.stdout.write(f"{path}: error: {reason}")
                continue
            reports[str(path)] = report.to_dict()
            invalid = invalid or not report.is_valid
            if not as_json:
                if report.is_valid:
                    verdict = "valid"
                else:
                    verdict = " ".join(report.fatal_rules + [f"error: {e}" for e in report.errors])
                self.stdout.write(f"{path}: {verdict}")
        if as_json:
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        if invalid:
            sys.exit(1)

    def _parse(self, path: Path) -> None:
        data = self._read(path)
        try:
            document = from_pdf(data) if looks_like_pdf(data) else from_xml(data)
        except EInvoiceError as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(json.dumps(to_json(document), indent=2, ensure_ascii=False))

    def _build(self, path: Path, *, check: bool) -> None:
        data = self._read(path)
        try:
            # parse_float=Decimal: amounts stay exact, and 1e999999 is refused, not infinity.
            model = json.loads(data, parse_float=Decimal)
        except (ValueError, RecursionError) as error:  # also bytes that aren't UTF-8
            raise CommandError(f"{path}: not JSON: {str(error)[:200]}") from None
        try:
            xml = to_ubl(from_json(model))
        except JSONModelError as error:
            raise CommandError(f"{path}: {error}") from None
        except EInvoiceError as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(xml.decode("utf-8"))
        if check:
            report = validate(xml)
            if not report.is_valid:
                self.stderr.write("invalid: " + " ".join(report.fatal_rules + report.errors))
                sys.exit(1)
