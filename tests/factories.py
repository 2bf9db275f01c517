"""factory_boy factories. Tenant-owned rows are created inside their company's scope."""

import datetime
import time
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.utils import timezone
from stdnum.be import vat as be_vat

from apps.accounts.models import User
from apps.billing.models import BillingInvoice, Plan
from apps.billing.selectors import plan_default
from apps.companies.models import (
    AccountingOffice,
    Company,
    Invitation,
    Membership,
    OfficeClientLink,
    OfficeMember,
    Role,
)
from apps.companies.scoping import company_scope
from apps.connections.models import Delivery, Transfer
from apps.core.crypto import encrypt
from apps.documents.models import Document, Source, Supplier
from apps.inbox.models import CloudFolder, ConnectionTest, InboundMessage, Mailbox
from apps.sales.models import Customer, Invoice, InvoiceLine, Product, Quote, QuoteLine

PASSWORD = "correct horse battery staple"


def enterprise_number(n: int) -> str:
    """A valid Belgian enterprise number (mod 97 check) derived from ``n``."""
    number = f"0{(2_000_000 + n) % 10**7:07d}"
    number = f"{number}{97 - int(number) % 97:02d}"
    assert be_vat.is_valid(number)
    return number


class ScopedFactory(factory.django.DjangoModelFactory):
    """Creates tenant-owned rows within ``company_scope`` of their company."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with company_scope(kwargs["company"]):
            instance = model_class(*args, **kwargs)
            instance.save()
            return instance


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.be")
    full_name = factory.Faker("name", locale="nl_BE")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def totp_enable(user: User) -> str:
    """Give ``user`` a TOTP authenticator, as allauth's activation page does; the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret``, never one about to turn: a
    code read in the window's last seconds would reach the server after it turned."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n} BV")
    slug = factory.Sequence(lambda n: f"company-{n}")
    enterprise_number = factory.Sequence(enterprise_number)
    vat_number = factory.LazyAttribute(lambda o: f"BE{o.enterprise_number}")
    street = "Kerkstraat 1"
    postal_code = "9000"
    city = "Gent"
    plan = factory.LazyFunction(plan_default)

    class Params:
        # on a plan that collects documents (Start, the default, collects none by itself)
        collecting = factory.Trait(
            plan=factory.LazyFunction(lambda: Plan.objects.get(code="collect-25"))
        )


def collecting(company: Company, code: str = "collect-25") -> Company:
    """``company`` on a plan that collects documents (uploads, forwarding, mailboxes, cloud
    folders): Start, the plan a company starts on, collects none by itself."""
    company.plan = Plan.objects.get(code=code)
    company.save(update_fields=["plan"])
    return company


class MembershipFactory(ScopedFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class InvitationFactory(ScopedFactory):
    class Meta:
        model = Invitation

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.be")
    role = Role.MEMBER


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountingOffice

    name = factory.Sequence(lambda n: f"Office {n}")


class OfficeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeMember

    office = factory.SubFactory(OfficeFactory)
    user = factory.SubFactory(UserFactory)


class OfficeClientLinkFactory(ScopedFactory):
    class Meta:
        model = OfficeClientLink

    company = factory.SubFactory(CompanyFactory)
    office = factory.SubFactory(OfficeFactory)
    status = OfficeClientLink.Status.ACTIVE
    initiated_by = OfficeClientLink.Initiator.COMPANY


class DocumentFactory(ScopedFactory):
    class Meta:
        model = Document

    company = factory.SubFactory(CompanyFactory)
    source = Source.UPLOAD
    received_at = factory.LazyFunction(timezone.now)
    original = factory.django.FileField(data=b"%PDF-1.4\n% test\n", filename="invoice.pdf")
    original_filename = "invoice.pdf"
    content_type = "application/pdf"
    file_kind = "pdf"
    size = 16
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = Document.Status.READY
    counterparty_name = factory.Sequence(lambda n: f"Supplier {n} BV")
    number = factory.Sequence(lambda n: f"INV-{n:05d}")


class SupplierFactory(ScopedFactory):
    class Meta:
        model = Supplier

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Supplier {n} BV")
    layout = factory.LazyFunction(
        lambda: {"number": {"page": 0, "x0": 0.6, "top": 0.2, "x1": 0.8, "bottom": 0.22}}
    )


class MailboxFactory(ScopedFactory):
    class Meta:
        model = Mailbox

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"facturen{n}@example.be")
    host = "127.0.0.1"
    port = 9  # discard: nothing answers IMAP there
    security = Mailbox.Security.PLAIN
    username = factory.SelfAttribute("name")
    secret = factory.LazyFunction(lambda: encrypt("mail-password"))


class CloudFolderFactory(ScopedFactory):
    class Meta:
        model = CloudFolder

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Invoices {n}")
    url = "http://127.0.0.1:9/"
    username = "cloud-user"
    path = "/Invoices"
    secret = factory.LazyFunction(lambda: encrypt("cloud-password"))


class ConnectionTestFactory(ScopedFactory):
    class Meta:
        model = ConnectionTest

    company = factory.SubFactory(CompanyFactory)
    kind = ConnectionTest.Kind.MAILBOX
    values = factory.LazyFunction(
        lambda: {"host": "127.0.0.1", "port": 9, "security": "plain", "folders": ["INBOX"]}
    )
    status = ConnectionTest.Status.FAILED
    error_code = "refused"


class InboundMessageFactory(ScopedFactory):
    class Meta:
        model = InboundMessage

    company = factory.SubFactory(CompanyFactory)
    channel = InboundMessage.Channel.FORWARDING
    key = factory.Sequence(lambda n: f"{n:064x}")
    sender = "facturen@supplier.example"
    subject = factory.Sequence(lambda n: f"Factuur {n}")
    status = InboundMessage.Status.IMPORTED
    raw = factory.django.FileField(data=b"Subject: x\r\n\r\nhello\r\n", filename="m.eml")


class TransferFactory(ScopedFactory):
    class Meta:
        model = Transfer

    company = factory.SubFactory(CompanyFactory)
    package = "octopus"
    purchases_address = "uid-008352-24-PI@import.octopus.be"
    sales_address = "uid-008352-24-SI@import.octopus.be"
    miscellaneous_address = "uid-008352-24-MISC@import.octopus.be"


class DeliveryFactory(ScopedFactory):
    class Meta:
        model = Delivery

    company = factory.SubFactory(CompanyFactory)
    document = factory.SubFactory(DocumentFactory, company=factory.SelfAttribute("..company"))
    destination = "uid-008352-24-PI@import.octopus.be"
    category = "purchases"
    content_version = 1
    status = Delivery.Status.FAILED
    message_id = factory.Sequence(lambda n: f"<delivery{n}@okioki.localhost>")


class CustomerFactory(ScopedFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Klant {n} BV")
    enterprise_number = factory.Sequence(lambda n: enterprise_number(n + 5000))
    vat_id = factory.LazyAttribute(lambda o: f"BE{o.enterprise_number}")
    street = "Kerkstraat 1"
    postal_code = "9000"
    city = "Gent"
    email = factory.Sequence(lambda n: f"facturen{n}@klant.example")


class ProductFactory(ScopedFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_price = "10.00"


class QuoteFactory(ScopedFactory):
    class Meta:
        model = Quote

    company = factory.SubFactory(CompanyFactory)
    customer = factory.SubFactory(CustomerFactory, company=factory.SelfAttribute("..company"))
    issue_date = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    vat_treatment = "domestic"


class QuoteLineFactory(ScopedFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    company = factory.SelfAttribute("quote.company")
    description = "Advies"
    quantity = "2"
    unit_price = "50.00"


class InvoiceFactory(ScopedFactory):
    """A draft invoice of the company with one line."""

    class Meta:
        model = Invoice

    company = factory.SubFactory(CompanyFactory)
    customer = factory.SubFactory(CustomerFactory, company=factory.SelfAttribute("..company"))
    vat_treatment = "domestic"
    line = factory.RelatedFactory(
        "tests.factories.InvoiceLineFactory", factory_related_name="invoice"
    )


class InvoiceLineFactory(ScopedFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    company = factory.SelfAttribute("invoice.company")
    description = "Broden"
    quantity = "10"
    unit_price = "2.50"
    vat_rate = "6"


class BillingInvoiceFactory(ScopedFactory):
    """OkiOki's own invoice to the company for a Stripe invoice, with its PDF and UBL."""

    class Meta:
        model = BillingInvoice

    company = factory.SubFactory(CompanyFactory)
    stripe_invoice_id = factory.Sequence(lambda n: f"in_test_{n:06d}")
    number = factory.Sequence(lambda n: f"OKI-2027-{n:04d}")
    total = "42.35"
    pdf = factory.django.FileField(data=b"%PDF-1.7\n% test\n", filename="invoice.pdf")
    xml = factory.django.FileField(data=b"<Invoice/>", filename="invoice.xml")
