"""`manage.py einvoice validate|parse|build`: the e-invoice engine for operators and tests.

The output is stable: scripts and tests read it.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.einvoice import EInvoiceError, from_xml, to_ubl, validate
from apps.einvoice.jsonio import JSONModelError, from_json, to_json


class Command(BaseCommand):
    help = "Validate, parse or build e-invoices (UBL, CII)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        check = commands.add_parser("validate", help="validate files with XSD, EN 16931, Peppol")
        check.add_argument("files", nargs="+", type=Path)
        check.add_argument("--json", action="store_true", help="print the full reports")
        check.add_argument("--no-peppol", action="store_true", help="leave out the Peppol rules")
        read = commands.add_parser("parse", help="print the model of a UBL or CII file as JSON")
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
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None

    def _validate(self, files: list[Path], *, as_json: bool, peppol: bool) -> None:
        reports = {}
        invalid = False
        for path in files:
            report = validate(self._read(path), peppol=peppol)
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
        try:
            document = from_xml(self._read(path))
        except EInvoiceError as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(json.dumps(to_json(document), indent=2, ensure_ascii=False))

    def _build(self, path: Path, *, check: bool) -> None:
        try:
            document = from_json(json.loads(self._read(path)))
        except (json.JSONDecodeError, JSONModelError) as error:
            raise CommandError(f"{path}: {error}") from None
        xml = to_ubl(document)
        self.stdout.write(xml.decode("utf-8"))
        if check:
            report = validate(xml)
            if not report.is_valid:
                self.stderr.write("invalid: " + " ".join(report.fatal_rules + report.errors))
                sys.exit(1)
