"""`manage.py inbox_scan`: scan mailboxes and cloud folders now, and say what was found."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.inbox.models import CloudFolder, Collector, Mailbox
from apps.inbox.scanning import ScanReport, cloud_folder_scan, mailbox_scan


class Command(BaseCommand):
    help = "Scan mailboxes and cloud folders now (all, one company's, or one)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--company", help="the company's short name (slug)")
        parser.add_argument("--mailbox", help="the id of one mailbox (as in its page's URL)")
        parser.add_argument("--folder", help="the id of one cloud folder (as in its page's URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.filter(is_active=True)
        if options["company"]:
            companies = companies.filter(slug=options["company"])
            if not companies.exists():
                raise CommandError(f"No active company with short name {options['company']!r}.")
        only_one = options["mailbox"] or options["folder"]
        found = False
        failed = False
        for company in companies:
            with company_scope(company):
                collectors: list[Collector] = []
                if options["mailbox"] or not only_one:
                    mailboxes = Mailbox.objects.all()
                    if options["mailbox"]:
                        mailboxes = mailboxes.filter(public_id=options["mailbox"])
                    collectors.extend(mailboxes)
                if options["folder"] or not only_one:
                    folders = CloudFolder.objects.all()
                    if options["folder"]:
                        folders = folders.filter(public_id=options["folder"])
                    collectors.extend(folders)
                for collector in collectors:
                    found = True
                    if isinstance(collector, Mailbox):
                        report = mailbox_scan(mailbox=collector)
                    else:
                        report = cloud_folder_scan(folder=collector)  # type: ignore[arg-type]
                    failed |= report.error is not None
                    self.stdout.write(f"{company.slug} · {collector.name}: {_describe(report)}")
        if only_one and not found:
            raise CommandError("No such mailbox or cloud folder.")
        if failed:
            raise CommandError("Some scans failed (see above).")


def _describe(report: ScanReport) -> str:
    if report.busy:
        return "a scan is running already"
    parts = [
        f"{report.seen} new",
        f"{report.documents} document(s)",
        f"{report.duplicates} duplicate(s)",
        f"{report.failed} failed",
    ]
    if report.resynced:
        parts.append("resynced " + ", ".join(report.resynced))
    text = ", ".join(parts)
    if report.error is not None:
        text += f"; error: {report.error.message}"
    return text
