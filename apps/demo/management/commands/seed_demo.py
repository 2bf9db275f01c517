"""Demo data for `make run`: a newcomer sees the product working in the first minute.

Idempotent: running it again changes nothing that is already there. Later capabilities add
their demo data here (documents, mailboxes, deliveries, invoices, bank lines).
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.billing.models import Plan
from apps.companies import services as company_services
from apps.companies.models import AccountingOffice, Company, OfficeClientLink, OfficeMember
from apps.companies.scoping import company_scope
from apps.demo.banking import seed_banking
from apps.demo.documents import seed_documents
from apps.demo.inbox import seed_inbox
from apps.demo.sales import seed_sales
from apps.demo.transfer import seed_transfer
from apps.sales.models import SalesSettings

DEMO_PASSWORD = "okioki-demo-2026"

USERS = [
    ("demo@okioki.be", "Sofie Peeters", "nl", False),
    ("accountant@okioki.be", "Marc Dubois", "fr", False),
    ("admin@okioki.be", "Platform Admin", "en", True),
]

COMPANIES: list[dict[str, str]] = [
    {
        "name": "Bakkerij De Gouden Korst BV",
        "enterprise_number": "0412345614",
        "vat_number": "BE0412345614",
        "street": "Meir 12",
        "postal_code": "2000",
        "city": "Antwerpen",
        "default_language": "nl",
        "email": "boekhouding@goudenkorst.example",
        "iban": "BE56363123456788",
        "legal_form": "bv",
        "court": "Antwerpen, afdeling Antwerpen",
    },
    {
        "name": "Studio Lumière SRL",
        "enterprise_number": "0765432146",
        "vat_number": "BE0765432146",
        "street": "Rue Neuve 45",
        "postal_code": "1000",
        "city": "Bruxelles",
        "default_language": "fr",
        "email": "compta@studiolumiere.example",
        "iban": "BE15001765432130",
        "legal_form": "bv",
        "court": "Bruxelles",
        "plan": "collect-25",
    },
]

# OkiOki's own company, fictitious like the others: it issues the platform's invoices to the
# subscribers (`make run` sets PLATFORM_COMPANY_NUMBER to its number; production sets the
# real company's). Its platform admin is its owner; it gets no demo documents.
PLATFORM_COMPANY: dict[str, str] = {
    "name": "OkiOki BV",
    "enterprise_number": "0790123495",
    "vat_number": "BE0790123495",
    "street": "Voorbeeldstraat 1",
    "postal_code": "9000",
    "city": "Gent",
    "default_language": "nl",
    "email": "facturen@okioki.example",
    "iban": "BE71096123456769",
    "legal_form": "bv",
    "court": "Gent, afdeling Gent",
}


def _platform_company(owner: User) -> Company:
    company = Company.objects.filter(
        enterprise_number=PLATFORM_COMPANY["enterprise_number"]
    ).first()
    if company is None:
        company = company_services.company_create(owner=owner, **PLATFORM_COMPANY)  # type: ignore[arg-type]
    with company_scope(company):
        # Stripe collects its invoices (and retries a failed payment, the owners are told):
        # the sales engine's payment reminders would ask a second time
        SalesSettings.objects.update_or_create(
            company=company, defaults={"reminders_enabled": False}
        )
    return company


def _user(email: str, name: str, language: str, is_admin: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=name,
            language=language,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Load demo users, companies and an accounting office (safe to run again)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        entrepreneur, accountant, admin = (_user(*spec) for spec in USERS)
        _platform_company(admin)
        office = AccountingOffice.objects.filter(name="Fiduciaire Demo").first()
        if office is None:
            office = company_services.office_create(
                user=accountant, name="Fiduciaire Demo", email="office@fiduciaire.example"
            )
        OfficeMember.objects.get_or_create(
            office=office, user=accountant, defaults={"is_admin": True}
        )
        for spec in COMPANIES:
            company = Company.objects.filter(enterprise_number=spec["enterprise_number"]).first()
            if company is None:
                fields = {k: v for k, v in spec.items() if k != "plan"}
                company = company_services.company_create(owner=entrepreneur, **fields)  # type: ignore[arg-type]
            with company_scope(company):
                OfficeClientLink.objects.get_or_create(
                    company=company,
                    office=office,
                    defaults={
                        "status": OfficeClientLink.Status.ACTIVE,
                        "initiated_by": OfficeClientLink.Initiator.COMPANY,
                        "requested_by": entrepreneur,
                    },
                )
            if company.plan.code == "start":
                # the demo shows collection: mailboxes and cloud folders are in these plans
                company.plan = Plan.objects.get(code=spec.get("plan", "collect-70"))
                company.save(update_fields=["plan"])
            with company_scope(company):
                seed_transfer(company)
                seed_documents(company, entrepreneur)
                seed_inbox(company)
                seed_sales(company)
                seed_banking(company)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000 with:")
        )
        for email, name, _language, is_admin in USERS:
            role = "platform admin" if is_admin else name
            self.stdout.write(f"  {email:<24} {DEMO_PASSWORD}   ({role})")
