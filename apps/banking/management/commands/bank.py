"""`manage.py bank import --company SLUG FILE...`: import bank statements (CODA 2.x,
CAMT.053) and print one JSON object with what happened."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.banking.errors import STATEMENT_WARNING
from apps.banking.services.statements import ImportResult, statement_import
from apps.companies.models import Company
from apps.companies.scoping import company_scope


class Command(BaseCommand):
    help = "Bank statements: import CODA or CAMT.053 files for a company."

    def add_arguments(self, parser: Any) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        importing = commands.add_parser("import", help="import statement files")
        importing.add_argument("--company", required=True, help="the company's slug")
        importing.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        company = Company.objects.filter(slug=options["company"]).first()
        if company is None:
            raise CommandError(f"no company with slug {options['company']!r}")
        result = ImportResult()
        with company_scope(company):
            for path in options["files"]:
                try:
                    data = path.read_bytes()
                except OSError as error:
                    result.errors.append(
                        {"file": str(path), "code": "unreadable", "error": str(error)}
                    )
                    continue
                statement_import(
                    company=company, data=data, filename=path.name, source="command", result=result
                )
        for warning in result.warnings:  # beside the JSON summary, whose keys are fixed
            self.stderr.write(str(STATEMENT_WARNING % warning))
        self.stdout.write(json.dumps(result.as_json()))
