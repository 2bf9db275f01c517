"""OkiOki's own invoice to a subscriber is a Belgian e-invoice made by the platform company's
sales engine from the Stripe invoice: number and structured communication from our own
numbering, VAT as Stripe computed it (21 % in Belgium, reverse charge for an EU business),
the UBL valid on the three layers, sent over Peppol or by e-mail, made once, paid by Stripe.

Stripe is faked at its HTTP boundary elsewhere; here its invoice is the recorded
``invoice.finalized`` object (tests/fakes/stripe_fixtures/invoice_finalized.json, the shape of
Stripe's documented Invoice: a licensed monthly price and a metered price, 75 documents on
Collect 70, so 5 × €0.30). The SMTP server, the Peppol SML/SMP and the access point are
loopback servers (tests/servers.py, tests/fakes/)."""

import copy
import datetime
import json
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import stripe
from django.db import connections
from django.utils import timezone
from stdnum.be import ogm_vcs

from apps.billing.hooks import legal_invoice_issuer, legal_invoice_paid_hook
from apps.billing.models import BillingInvoice, Plan
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.einvoice import from_xml, validate
from apps.flows.platform_invoices import (
    PlatformInvoiceError,
    platform_invoice_issue,
    platform_invoice_paid,
    stripe_lines,
)
from apps.peppol.models import Transmission
from apps.sales.models import Customer, Dispatch, Invoice
from apps.sales.services.sending import reminder_send, reminders_send_due
from tests import factories
from tests.conftest import require_postgres
from tests.peppol.conftest import CREDIT_NOTE, INVOICE
from tests.peppol.parties import registered
from tests.sales.conftest import seller_details
from tests.servers import require_program

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fakes" / "stripe_fixtures"
NL_VAT = "NL859048846B01"
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
PAID_AUTOMATICALLY_NL = "Automatisch geïnd per kaart of domiciliëring — geen overschrijving nodig."

pytestmark = pytest.mark.django_db


def finalized(**changes) -> dict:
    """The recorded ``invoice.finalized`` object, with ``changes`` on top."""
    data = json.loads((FIXTURES / "invoice_finalized.json").read_text())
    return {**data, **changes}


def reverse_charged(data: dict, vat_id: str = NL_VAT) -> dict:
    """The same invoice as Stripe Tax makes it for an EU business with a VAT number: no VAT,
    taxability reason ``reverse_charge``."""
    data = copy.deepcopy(data)
    for tax_holder in [data, *data["lines"]["data"]]:
        key = "total_taxes" if tax_holder is data else "taxes"
        for tax in tax_holder[key]:
            tax["amount"] = 0
            tax["taxability_reason"] = "reverse_charge"
    data["total"] = data["amount_due"] = data["amount_remaining"] = data["total_excluding_tax"]
    data["customer_tax_ids"] = [{"type": "eu_vat", "value": vat_id}]
    data["customer_address"] = {**data["customer_address"], "country": vat_id[:2]}
    return data


@pytest.fixture
def plan() -> Plan:
    plan = Plan.objects.get(code="collect-70")
    plan.stripe_base_price_id = "price_1SOkiOkiCollect70Base"
    plan.stripe_metered_price_id = "price_1SOkiOkiCollect70Documents"
    plan.save()
    return plan


@pytest.fixture
def platform(settings, plan) -> Company:
    """OkiOki's own company, as PLATFORM_COMPANY_NUMBER names it."""
    platform = seller_details(factories.CompanyFactory(name="OkiOki BV"))
    platform.email = "facturen@okioki.example"
    platform.save()
    settings.PLATFORM_COMPANY_NUMBER = platform.enterprise_number
    return platform


@pytest.fixture
def subscriber(company, owner, plan) -> Company:
    """A Belgian company on Collect 70."""
    seller_details(company)
    company.plan = plan
    company.save()
    return company


@pytest.fixture
def dutch_subscriber(plan) -> Company:
    company = factories.CompanyFactory(
        name="Bakkerij Van Dijk B.V.",
        country="NL",
        vat_number=NL_VAT,
        street="Oudegracht 100",
        postal_code="3511 AB",
        city="Utrecht",
        default_language="en",
        plan=plan,
    )
    factories.MembershipFactory(company=company, role="owner")
    return company


def _issue(company, data, capture) -> BillingInvoice:
    with capture(execute=True):
        return platform_invoice_issue(company, data)


def _sales_invoice(platform, billing) -> Invoice:
    with company_scope(platform):
        return Invoice.objects.select_related("customer").get(public_id=billing.sales_invoice_id)


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text, its whitespace made single spaces (a wrapped sentence reads as one)."""
    pdftotext = require_program("pdftotext", "apt-get install poppler-utils")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(result.stdout.split())


def test_a_belgian_company_gets_a_valid_e_invoice_at_21_percent_with_our_number_and_ogm(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    # given Stripe finalized the December invoice: Collect 70 and 5 extra documents
    # when the webhook hands it over
    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)

    # then the platform's sales engine issued it with its own number and OGM
    invoice = _sales_invoice(platform, billing)
    year = timezone.localdate().year
    assert invoice.number == billing.number == f"{year}-0001"
    assert invoice.status == Invoice.Status.ISSUED
    assert ogm_vcs.is_valid(invoice.structured_communication)
    assert invoice.buyer_reference == "7F3A2C1B-0012"  # Stripe's number: a reference only
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        D("36.50"),
        D("7.67"),
        D("44.17"),
    )
    # the subscriber as the platform's customer
    customer = invoice.customer
    assert (customer.name, customer.enterprise_number, customer.vat_id, customer.email) == (
        subscriber.name,
        subscriber.enterprise_number,
        f"BE{subscriber.enterprise_number}",
        "facturen@bakkerij.example",
    )
    # the UBL: valid on the three layers, Stripe's lines, 21 %
    ubl = _read(billing.xml)
    assert ubl == _read(invoice.ubl)
    report = validate(ubl)
    assert report.is_valid, report.fatal_rules
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    model = from_xml(ubl)
    assert model.number == invoice.number
    assert model.payment.reference == invoice.structured_communication
    assert model.seller.name == "OkiOki BV"
    assert model.buyer.vat_id == f"BE{subscriber.enterprise_number}"
    assert (model.buyer.endpoint.scheme, model.buyer.endpoint.id) == (
        "0208",
        subscriber.enterprise_number,
    )
    assert [(line.quantity, line.unit_code, line.unit_price) for line in model.lines] == [
        (D("1"), "MON", D("35.00")),
        (D("5"), "C62", D("0.30")),
    ]
    assert model.lines[0].name == "OkiOki Collect 70, 01/12/2026 – 31/12/2026"
    # in the customer's language (the company's: Dutch), with the month it counted
    assert model.lines[1].name == (
        "Documenten boven de 70 inbegrepen in Collect 70, 01/11/2026 – 30/11/2026"
    )
    # Stripe takes the payment: no account to transfer to (see the test below), no note
    assert model.notes == []
    assert model.payment.means_code == "1"
    assert [(b.category, b.rate, b.tax_amount) for b in model.vat_breakdown] == [
        ("S", D("21"), D("7.67"))
    ]
    assert model.totals.tax_inclusive == D("44.17")
    # the customer's copy: the PDF too, with the period and total of its plan page
    assert _read(billing.pdf).startswith(b"%PDF")
    assert _read(billing.pdf) == _read(invoice.pdf)
    assert (billing.period_start, billing.period_end) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 31),
    )
    assert (billing.total, billing.currency, billing.issued_on) == (
        D("44.17"),
        "EUR",
        timezone.localdate(),
    )
    assert billing.stripe_invoice_id == "in_1SOkiOkiCollect70Dec"
    assert str(subscriber.public_id) in billing.pdf.name
    assert invoice.number not in billing.pdf.name  # named by opaque ids

    # and, the company not being on Peppol, it went by e-mail with its PDF and UBL
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["facturen@bakkerij.example"]
    assert invoice.number in received.message["Subject"]
    assert "OkiOki BV" in received.message["Subject"]
    names = {part.get_filename() for part in received.message.iter_attachments()}
    assert names == {f"{invoice.number}.pdf", f"{invoice.number}.xml"}
    billing.refresh_from_db()
    assert billing.sent_via == "email"


def test_stripe_collects_it_so_pdf_email_and_ubl_say_paid_automatically_without_a_transfer(
    platform, subscriber, smtp, django_capture_on_commit_callbacks, tmp_path
):
    # given Stripe charges the subscription automatically (card or SEPA direct debit)
    assert finalized()["collection_method"] == "charge_automatically"

    # when OkiOki's invoice is issued and sent
    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)

    # then it is an invoice the seller collects itself
    invoice = _sales_invoice(platform, billing)
    assert invoice.payment_collection == Invoice.PaymentCollection.COLLECTED
    assert invoice.notes == ""  # said where payment is said, not in a note
    ogm = f"+++{invoice.structured_communication[:3]}/"

    # its PDF says so in the customer's language, with no IBAN, OGM or QR code to pay with
    text = _pdf_text(_read(billing.pdf), tmp_path)
    assert PAID_AUTOMATICALLY_NL in text
    assert "44,17 €" in text
    for transfer in ("IBAN", "BE68 5390 0754 7034", "Op rekening", ogm, "Scan met"):
        assert transfer not in text, transfer

    # its UBL passes the three layers with payment means 1 (not defined: card or direct
    # debit, whichever Stripe charges), no account, the OGM kept as the reference
    ubl = _read(billing.xml)
    report = validate(ubl)
    assert report.is_valid, report.fatal_rules
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    [means] = ET.fromstring(ubl).findall("cac:PaymentMeans", UBL)
    code = means.find("cbc:PaymentMeansCode", UBL)
    assert (code.text, code.get("name")) == ("1", "Kaart of domiciliëring, geïnd door de verkoper")
    assert means.find("cac:PayeeFinancialAccount", UBL) is None
    assert means.find("cbc:PaymentID", UBL).text == invoice.structured_communication
    model = from_xml(ubl)
    assert model.payment_terms == PAID_AUTOMATICALLY_NL

    # and its e-mail says the same instead of "to pay by … to IBAN …"
    [received] = smtp.wait_for(1)
    body = " ".join(received.message.get_body(("plain",)).get_content().split())
    assert PAID_AUTOMATICALLY_NL in body
    assert "44,17 €" in body
    for transfer in ("BE68", "te betalen", "gestructureerde mededeling"):
        assert transfer not in body, transfer


def test_no_payment_reminder_ever_goes_for_it(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    # given OkiOki's invoice was sent and Stripe has not collected it (a payment that failed:
    # Stripe retries, billing follows up)
    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)
    smtp.wait_for(1)
    invoice = _sales_invoice(platform, billing)
    assert invoice.sent_at is not None
    assert invoice.status == Invoice.Status.ISSUED

    # when the daily reminders run, days and weeks after its due date
    with company_scope(platform):
        sent = [
            reminders_send_due(
                company=platform, today=invoice.due_date + datetime.timedelta(days=late)
            )
            for late in (7, 21, 35, 60)
        ]
        # and even when asked for one directly
        direct = reminder_send(invoice=invoice, level=1)

        # then none went
        assert sent == [0, 0, 0, 0]
        assert direct is None
        assert not Dispatch.objects.filter(what=Dispatch.What.REMINDER).exists()
    assert len(smtp.messages) == 1  # the invoice itself only


def test_an_eu_business_with_a_vat_number_is_invoiced_with_reverse_charge(
    platform, dutch_subscriber, smtp, django_capture_on_commit_callbacks
):
    # given Stripe Tax reverse-charged a Dutch business
    data = reverse_charged(finalized())

    billing = _issue(dutch_subscriber, data, django_capture_on_commit_callbacks)

    # then no Belgian VAT: category AE with its VATEX code and legal mention, its VAT id
    invoice = _sales_invoice(platform, billing)
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        D("36.50"),
        D("0.00"),
        D("36.50"),
    )
    ubl = _read(billing.xml)
    report = validate(ubl)
    assert report.is_valid, report.fatal_rules
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    model = from_xml(ubl)
    [breakdown] = model.vat_breakdown
    assert (breakdown.category, breakdown.tax_amount, breakdown.exemption_reason_code) == (
        "AE",
        D("0.00"),
        "VATEX-EU-AE",
    )
    assert "Reverse charge" in breakdown.exemption_reason  # the customer reads English
    assert {line.vat_category for line in model.lines} == {"AE"}
    assert model.buyer.vat_id == NL_VAT
    assert model.buyer.address.country == "NL"
    assert billing.total == D("36.50")
    billing.refresh_from_db()
    assert billing.sent_via == "email"
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == ["facturen@bakkerij.example"]


def test_when_stripes_vat_differs_from_ours_nothing_is_issued(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    # given Stripe did not charge VAT to a Belgian company (a tax setting gone wrong)
    wrong = reverse_charged(finalized(), vat_id=f"BE{subscriber.enterprise_number}")

    # when the webhook hands it over, it fails loudly (Stripe will send it again)
    with pytest.raises(PlatformInvoiceError, match=r"VAT 0\.00"):
        _issue(subscriber, wrong, django_capture_on_commit_callbacks)

    # and nothing was made: no copy, no invoice, no number used
    with company_scope(subscriber):
        assert not BillingInvoice.objects.exists()
    with company_scope(platform):
        assert not Invoice.objects.exists()
    billing = _issue(subscriber, finalized(id="in_right"), django_capture_on_commit_callbacks)
    assert billing.number.endswith("-0001")


def test_the_same_stripe_invoice_twice_makes_one_invoice_sent_once(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    first = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)
    # again, as the stripe library's object this time (a re-fetched invoice)
    refetched = stripe.Invoice.construct_from(finalized(), "sk_test_x")
    again = _issue(subscriber, refetched, django_capture_on_commit_callbacks)

    assert again.pk == first.pk
    with company_scope(platform):
        assert Invoice.objects.count() == 1
        assert Customer.objects.count() == 1
    with company_scope(subscriber):
        assert BillingInvoice.objects.count() == 1
    assert len(smtp.wait_for(1)) == 1
    assert len(smtp.messages) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_webhook_retries_at_the_same_moment_make_one_invoice(platform, subscriber):
    require_postgres()

    def issue(_n: int) -> int:
        # four at once, each in its own thread, connection and transaction
        try:
            return platform_invoice_issue(subscriber, finalized()).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = set(pool.map(issue, range(4)))

    assert len(made) == 1
    with company_scope(platform):
        assert Invoice.objects.count() == 1
        assert Invoice.objects.get().number.endswith("-0001")
    with company_scope(subscriber):
        assert BillingInvoice.objects.count() == 1


def test_a_company_on_peppol_gets_it_over_peppol(
    platform, subscriber, peppol_network, access_point, django_capture_on_commit_callbacks
):
    # given the platform company sends over Peppol and the subscriber receives invoices there
    registered(platform, access_point)
    sml, smp = peppol_network
    participant = f"0208:{subscriber.enterprise_number}"
    sml.register(participant, smp.url)
    smp.document_types[participant] = [INVOICE, CREDIT_NOTE]

    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)

    # then the issued UBL went to the access point for the subscriber, once
    billing.refresh_from_db()
    assert billing.sent_via == "peppol"
    [outgoing] = access_point.outgoing()
    assert outgoing["xml"].encode() == _read(billing.xml)
    with company_scope(platform):
        transmission = Transmission.objects.get()
    assert transmission.receiver == participant
    assert transmission.status == Transmission.Status.SENT


def test_the_paid_hook_marks_the_platform_invoice_paid_once(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)

    # when Stripe says it is paid (twice: a duplicated event)
    platform_invoice_paid(billing)
    paid_at = billing.paid_at
    platform_invoice_paid(billing)

    assert paid_at is not None
    with company_scope(subscriber):
        billing.refresh_from_db()
    assert billing.paid_at == paid_at
    invoice = _sales_invoice(platform, billing)
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_amount == D("44.17")
    assert invoice.paid_on == timezone.localdate()
    assert invoice.paid_by is None  # a payment, not a person's "mark paid"


def test_only_the_company_itself_reads_its_copy_and_never_the_platforms_books(
    platform, subscriber, other_company, smtp, django_capture_on_commit_callbacks
):
    # the download views are the plan page's (apps.billing); here, the scoping they rely on
    billing = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)

    with company_scope(subscriber):
        mine = BillingInvoice.objects.get(public_id=billing.public_id)
        assert _read(mine.pdf).startswith(b"%PDF")
        assert not Invoice.objects.exists()  # the platform's sales invoice is not its own
    with company_scope(other_company):
        assert not BillingInvoice.objects.filter(public_id=billing.public_id).exists()


def test_without_the_platform_company_nothing_is_issued_and_it_says_why(
    settings, plan, subscriber, django_capture_on_commit_callbacks
):
    settings.PLATFORM_COMPANY_NUMBER = ""
    with pytest.raises(PlatformInvoiceError, match="PLATFORM_COMPANY_NUMBER is not set"):
        _issue(subscriber, finalized(), django_capture_on_commit_callbacks)
    settings.PLATFORM_COMPANY_NUMBER = factories.enterprise_number(9999)
    with pytest.raises(PlatformInvoiceError, match="No company has the enterprise number"):
        _issue(subscriber, finalized(), django_capture_on_commit_callbacks)
    with company_scope(subscriber):
        assert not BillingInvoice.objects.exists()


def test_a_changed_company_is_updated_as_customer_and_the_old_invoice_stays_as_issued(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    first = _issue(subscriber, finalized(), django_capture_on_commit_callbacks)
    subscriber.name = "Bakkerij De Nieuwe Korst BV"
    subscriber.street = "Groenplaats 1"
    subscriber.save()

    second = _issue(
        subscriber,
        finalized(id="in_next", number="7F3A2C1B-0013"),
        django_capture_on_commit_callbacks,
    )

    assert second.number.endswith("-0002")
    with company_scope(platform):
        [customer] = Customer.objects.all()
        old = Invoice.objects.get(public_id=first.sales_invoice_id)
    assert (customer.name, customer.street) == ("Bakkerij De Nieuwe Korst BV", "Groenplaats 1")
    assert old.customer_snapshot["name"] == "Bakkerij Test BV"
    assert from_xml(_read(second.xml)).buyer.name == "Bakkerij De Nieuwe Korst BV"


def test_a_trial_month_at_zero_is_recorded_without_an_invoice(
    platform, subscriber, smtp, django_capture_on_commit_callbacks
):
    data = finalized(id="in_trial", total=0, total_excluding_tax=0, total_taxes=[])
    data["lines"] = {**data["lines"], "data": [{**data["lines"]["data"][0], "amount": 0}]}

    billing = _issue(subscriber, data, django_capture_on_commit_callbacks)

    assert (billing.number, billing.total, billing.sales_invoice_id) == ("", D("0"), None)
    with company_scope(platform):
        assert not Invoice.objects.exists()
    assert smtp.messages == []


def test_a_price_okioki_does_not_know_keeps_stripes_words_and_amount(plan):
    data = finalized()
    line = copy.deepcopy(data["lines"]["data"][0])
    line["pricing"]["price_details"]["price"] = "price_unknown"
    line.update(amount=1234, quantity=1, description="Setup fee")
    data["lines"]["data"] = [line, data["lines"]["data"][1]]

    lines = stripe_lines(data)

    assert (lines[0].description, lines[0].quantity, lines[0].unit_price) == (
        "Setup fee",
        D("1"),
        D("12.34"),
    )


def test_the_billing_webhook_finds_these_functions_through_its_hooks():
    assert legal_invoice_issuer() is platform_invoice_issue
    assert legal_invoice_paid_hook() is platform_invoice_paid
