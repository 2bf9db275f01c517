"""The parties of the Peppol tests: our company registered with the (stand-in) access point,
customers on the (stand-in) SML, issued invoices, and e-invoices that suppliers send us."""

from decimal import Decimal

from apps.accounts.models import User
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.peppol.models import PeppolCompany
from apps.peppol.services import peppol_refresh, peppol_register
from apps.sales.models import Customer, Invoice, VatTreatment
from apps.sales.services.invoices import LineInput, invoice_create, invoice_issue
from tests import factories
from tests.fakes.recommand import AccessPoint
from tests.peppol.conftest import CREDIT_NOTE, INVOICE, Sml, Smp
from tests.sales.conftest import seller_details

D = Decimal


def registered(company: Company, access_point: AccessPoint) -> PeppolCompany:
    """Registered with the access point, identity verified."""
    with company_scope(company):
        registration = peppol_register(company=company)
        access_point.verify_company(registration.ap_company_id)
        found = peppol_refresh(company=company)
    assert found is not None
    assert found.status == PeppolCompany.Status.ACTIVE
    return found


def customer_on_peppol(
    company: Company, network: tuple[Sml, Smp], types: tuple[str, ...] = (INVOICE, CREDIT_NOTE)
) -> Customer:
    sml, smp = network
    customer = factories.CustomerFactory(
        company=company,
        vat_treatment=VatTreatment.DOMESTIC,
        language="nl",
        email="boekhouding@klant.example",
    )
    participant = f"0208:{customer.enterprise_number}"
    sml.register(participant, smp.url)
    smp.document_types[participant] = list(types)
    return customer


def issued(company: Company, owner: User, customer: Customer) -> Invoice:
    with company_scope(company):
        invoice = invoice_create(
            company=company,
            customer=customer,
            lines=[
                LineInput("Volkorenbrood", D("10"), D("2.45"), D("6")),
                LineInput("Catering", D("3"), D("45.00"), D("21"), unit="HUR"),
            ],
        )
        return invoice_issue(invoice=invoice, actor=owner)


def received_ubl(buyer: Company) -> bytes:
    """A valid Peppol BIS invoice from a Belgian supplier to ``buyer`` (made by OkiOki's own
    invoicing, in another company: what a supplier's software sends)."""
    supplier = seller_details(factories.CompanyFactory(name="Drukkerij Van Damme NV"))
    owner = factories.MembershipFactory(company=supplier, role="owner").user
    with company_scope(supplier):
        customer = factories.CustomerFactory(
            company=supplier,
            name=buyer.name,
            enterprise_number=buyer.enterprise_number,
            vat_id=buyer.vat_number,
            vat_treatment=VatTreatment.DOMESTIC,
        )
    invoice = issued(supplier, owner, customer)
    with company_scope(supplier), invoice.ubl.open("rb") as stored:
        return stored.read()
