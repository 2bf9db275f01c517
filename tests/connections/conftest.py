"""A real SMTP server on loopback (aiosmtpd) as the accountant's mail server, and ready
documents of each category with a UBL envelope that passes the rules."""

import datetime
from decimal import Decimal

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.documents.models import CATEGORY_OF_KIND, Document, Kind
from apps.documents.services import document_assess
from tests import factories
from tests.events import run_events
from tests.samples import original_pdf

D = Decimal
OCTOPUS = {
    "purchases": "uid-008352-24-PI@import.octopus.be",
    "sales": "uid-008352-24-SI@import.octopus.be",
    "miscellaneous": "uid-008352-24-MISC@import.octopus.be",
}
PDF = original_pdf("an original invoice", 2048)


def ready_document(
    company: Company,
    kind: str = Kind.PURCHASE_INVOICE,
    *,
    pdf: bytes = PDF,
    number: str | None = None,
    issue_date: datetime.date = datetime.date(2026, 11, 20),
    dispatch: bool = True,
    **fields,
) -> Document:
    """A reviewed document that becomes ready the way any document does (``document_assess``
    builds and validates its envelope); its delivery is planned then, as in production."""
    values = {
        "counterparty_name": "Drukkerij Van Damme NV",
        "counterparty_vat_id": "BE0812345603",
        "counterparty_enterprise_number": "0812345603",
        "issue_date": issue_date,
        "due_date": issue_date + datetime.timedelta(days=30),
        "total_excl_vat": D("100.00"),
        "total_vat": D("21.00"),
        "total_incl_vat": D("121.00"),
        "vat_breakdown": [
            {"rate": "21", "taxable_amount": "100.00", "tax_amount": "21.00"},
        ],
        "structured_communication": "010806817183",
        **fields,
    }
    if kind == Kind.SALES_INVOICE:
        values["counterparty_name"] = "Studio Lumière SRL"
        values["counterparty_vat_id"] = "BE0765432146"
        values["counterparty_enterprise_number"] = "0765432146"
    document = factories.DocumentFactory(
        company=company,
        kind=kind,
        category=CATEGORY_OF_KIND[Kind(kind)],
        status=Document.Status.READING,
        original__data=pdf,
        size=len(pdf),
        **({"number": number} if number else {}),
        **values,
    )
    with company_scope(company):
        document_assess(document=document)
        if dispatch:  # as the commit would (False: the process died before that dispatch)
            run_events()
        document.refresh_from_db()
    assert document.status == Document.Status.READY, document.problem
    return document
