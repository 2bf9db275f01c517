"""Peppol in the demo of `make run`, through the development stand-in (a local access point,
SML and SMP that `run_dev` starts; every page that mentions Peppol says so).

Once the app and its worker are up: the bakery is registered with the stand-in, its
customer Koffiebar De Hoek is on the stand-in's Peppol, an invoice to it is issued and goes
over Peppol
and a supplier's e-invoice arrives over Peppol (the stand-in calls our webhook, the worker
fetches it). Idempotent: what is there already is left as it is.
"""

from decimal import Decimal
from typing import Any

import requests
from django.conf import settings

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.demo.documents import supplier_einvoice
from apps.demo.profiles import BAKERY as BAKERY_PROFILE
from apps.peppol.lookup import BILLING_TYPES
from apps.peppol.models import PeppolCompany, Reception, Transmission
from apps.peppol.services import peppol_refresh, peppol_register
from apps.sales.models import Customer
from apps.sales.services.invoices import LineInput, invoice_create, invoice_issue
from apps.sales.services.sending import invoice_send

D = Decimal
BAKERY = "0412345614"
CUSTOMER_ON_PEPPOL = BAKERY_PROFILE.sales.customers[0]["enterprise_number"]  # Koffiebar De Hoek
TIMEOUT = 10


def _control(path: str, **data: Any) -> dict[str, Any]:
    """A control route of the stand-in (never of a real partner: only with PEPPOL_STANDIN)."""
    root = settings.PEPPOL_API_URL.removesuffix("/api/v1")
    response = requests.post(f"{root}/__control/{path}", json=data, timeout=TIMEOUT)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _standin_smp(participant: str) -> None:
    """The stand-in SML and SMP list ``participant`` for invoices and credit notes."""
    _control("sml", participant=participant, documentTypes=list(BILLING_TYPES.values()))


def seed_peppol() -> list[str]:
    """What it did, in lines for the console."""
    if not (settings.PEPPOL_PROVIDER and settings.PEPPOL_STANDIN):
        return []
    done: list[str] = []
    company = Company.objects.filter(enterprise_number=BAKERY).first()
    if company is None:
        return done
    _standin_smp(f"0208:{CUSTOMER_ON_PEPPOL}")
    with company_scope(company):
        registration = PeppolCompany.objects.filter(company=company).first()
        if registration is None:
            registration = peppol_register(company=company)
            done.append(f"{company.name} registered on the stand-in Peppol")
        if registration.status == PeppolCompany.Status.VERIFICATION:
            _control("verification", companyId=registration.ap_company_id, verified=True)
            peppol_refresh(company=company)
        customer = Customer.objects.filter(
            company=company, enterprise_number=CUSTOMER_ON_PEPPOL
        ).first()
        if customer is not None and not Transmission.objects.filter(company=company).exists():
            invoice = invoice_create(
                company=company,
                customer=customer,
                lines=[
                    LineInput("Volkorenbrood", D("60"), D("2.45"), D("6")),
                    LineInput("Koffiekoeken", D("120"), D("1.10"), D("6")),
                ],
            )
            invoice = invoice_issue(invoice=invoice, actor=None)
            invoice_send(invoice=invoice, actor=None)
            done.append(f"invoice {invoice.number} sent over the stand-in Peppol")
        if not Reception.objects.filter(company=company).exists():
            xml = supplier_einvoice(company, BAKERY_PROFILE.einvoice_numbers["peppol"])
            supplier = BAKERY_PROFILE.einvoice_supplier["enterprise_number"]
            _control(
                "inbound",
                companyId=registration.ap_company_id,
                xml=xml.decode(),
                senderId=f"0208:{supplier}",
            )
            done.append("a supplier's e-invoice received over the stand-in Peppol")
    return done
