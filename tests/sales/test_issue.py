"""Issuing: number, structured communication, a UBL that passes all three layers, a PDF
that says the same, the legal mention per VAT treatment; issued invoices don't change."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from stdnum.be import ogm_vcs

from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.einvoice import from_xml, validate
from apps.einvoice.explanations import explain
from apps.sales.models import Invoice, VatTreatment
from apps.sales.services.invoices import (
    LineInput,
    credit_note_create,
    invoice_issue,
    invoice_update,
)
from tests.conftest import missing
from tests.sales.conftest import customer_for, draft

D = Decimal
MENTION_WORDS = {
    VatTreatment.REVERSE_CHARGE: "Autoliquidation",
    VatTreatment.INTRA_EU: "intra-Community supply",
    VatTreatment.INTRA_EU_SERVICES: "article 196",
    VatTreatment.EXPORT: "Exempt export",
    VatTreatment.EXEMPT: "kleine ondernemingen",
}


def _pdf_text(invoice: Invoice) -> str:
    if shutil.which("pdftotext") is None:
        missing("pdftotext is missing (apt-get install poppler-utils)")
    with invoice.pdf.open("rb") as handle:
        data = handle.read()
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def _issue(company, invoice, owner=None) -> Invoice:
    with company_scope(company):
        return invoice_issue(invoice=invoice, actor=owner)


@pytest.mark.parametrize("treatment", list(VatTreatment))
def test_each_vat_treatment_issues_a_valid_ubl_and_a_pdf_saying_the_same(treatment, seller, owner):
    with company_scope(seller):
        customer = customer_for(seller, treatment)
        invoice = draft(seller, customer, discount_percent=D("5"), buyer_reference="PO-77")
    invoice = _issue(seller, invoice, owner)

    with invoice.ubl.open("rb") as handle:
        xml = handle.read()
    report = validate(xml)
    assert report.is_valid, report.fatal_rules
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    model = from_xml(xml)
    assert model.number == invoice.number == f"{invoice.issue_date.year}-0001"
    assert model.payment.reference == invoice.structured_communication
    assert ogm_vcs.is_valid(invoice.structured_communication)
    assert model.totals.tax_inclusive == invoice.total_incl_vat
    assert model.attachments[0].mime_code == "application/pdf"
    text = _pdf_text(invoice)
    assert invoice.number in text
    assert ogm_vcs.format(invoice.structured_communication) in text
    if treatment == VatTreatment.DOMESTIC:
        # 10 × 2.45 + 2 × 18.50 − 10 % = 24.50 + 33.30 = 57.80 at 6 %; 135.00 at 21 %;
        # then 5 % off everything: 54.91 and 128.25
        assert invoice.total_excl_vat == D("183.16")
        assert invoice.total_vat == D("30.22")  # 3.29 + 26.93 (rounded per rate)
        assert invoice.total_incl_vat == D("213.38")
        assert "213,38" in text
    else:
        assert invoice.total_vat == D("0.00")
        exemption = {b.exemption_reason for b in model.vat_breakdown}
        assert any(MENTION_WORDS[treatment] in reason for reason in exemption), exemption
        assert MENTION_WORDS[treatment] in text
    # the total as the customer reads it, in the customer's language
    language = customer.language
    assert format_money(invoice.total_incl_vat, "EUR", language).replace("\xa0", " ") in text

    # and its credit note: a valid UBL CreditNote, the same mention, the total, the reference
    with company_scope(seller):
        note = credit_note_create(invoice=invoice)
    note = _issue(seller, note, owner)
    with note.ubl.open("rb") as handle:
        report = validate(handle.read())
    assert report.is_valid, report.fatal_rules
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    assert note.total_incl_vat == invoice.total_incl_vat
    note_text = _pdf_text(note)
    assert invoice.number in note_text
    assert format_money(note.total_incl_vat, "EUR", language).replace("\xa0", " ") in note_text
    if treatment in MENTION_WORDS:
        assert MENTION_WORDS[treatment] in note_text


def test_the_reverse_charge_mention_is_in_the_customers_language(seller, owner):
    with company_scope(seller):
        dutch = draft(seller, customer_for(seller, VatTreatment.REVERSE_CHARGE, language="nl"))
    text = _pdf_text(_issue(seller, dutch, owner))
    assert "Btw verlegd" in text
    assert "medecontractant" in text
    assert "Factuur" in text


def test_a_note_and_the_legal_mention_make_one_note_as_peppol_allows(seller, owner):
    with company_scope(seller):
        invoice = draft(
            seller, customer_for(seller, VatTreatment.REVERSE_CHARGE), notes="Werf Namen"
        )
    invoice = _issue(seller, invoice, owner)
    with invoice.ubl.open("rb") as handle:
        xml = handle.read()
    report = validate(xml)
    assert report.is_valid, report.fatal_rules  # PEPPOL-EN16931-R001: at most one note
    [note] = from_xml(xml).notes
    assert note.startswith("Werf Namen\n")
    assert MENTION_WORDS[VatTreatment.REVERSE_CHARGE] in note


def test_numbers_follow_each_other_per_kind_and_year_and_drafts_have_none(seller, owner):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        first, second = draft(seller, customer), draft(seller, customer)
        assert first.number == ""
    first, second = _issue(seller, first, owner), _issue(seller, second, owner)
    year = first.issue_date.year
    assert (first.number, second.number) == (f"{year}-0001", f"{year}-0002")
    with company_scope(seller):
        credit = credit_note_create(invoice=first)
    credit = _issue(seller, credit, owner)
    assert credit.number == f"CN{year}-0001"
    assert credit.structured_communication != first.structured_communication


def test_an_issued_invoice_cannot_be_edited_only_credited(seller, owner):
    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    invoice = _issue(seller, invoice, owner)
    with company_scope(seller), pytest.raises(DomainError, match="credit note"):
        invoice_update(invoice=invoice, notes="changed")
    with company_scope(seller), pytest.raises(DomainError):
        invoice_issue(invoice=invoice, actor=owner)


def test_a_partial_credit_note_references_the_invoice(seller, owner):
    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    invoice = _issue(seller, invoice, owner)
    with company_scope(seller):
        credit = credit_note_create(
            invoice=invoice, lines=[LineInput("Taart (terug)", D("1"), D("18.50"), D("6"))]
        )
    credit = _issue(seller, credit, owner)
    with credit.ubl.open("rb") as handle:
        xml = handle.read()
    report = validate(xml)
    assert report.is_valid, report.fatal_rules
    model = from_xml(xml)
    assert model.is_credit_note
    assert model.preceding_invoices[0].number == invoice.number
    assert credit.total_incl_vat == D("19.61")
    text = _pdf_text(credit)
    assert invoice.number in text


def test_an_invoice_that_would_not_be_valid_is_not_issued_and_uses_no_number(seller, owner):
    with company_scope(seller):
        # a person abroad with no e-mail and no identifier: no buyer electronic address
        customer = customer_for(
            seller, VatTreatment.EXPORT, peppol_endpoint="", kind="person", name="Jane Doe"
        )
        invoice = draft(seller, customer)
        with pytest.raises(DomainError) as caught:
            invoice_issue(invoice=invoice, actor=owner)
        assert caught.value.code == "invalid_ubl"
        assert str(explain("PEPPOL-EN16931-R010")) in str(caught.value.message)  # plain words
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.DRAFT
        assert invoice.number == ""
        good = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    good = _issue(seller, good, owner)
    assert good.number.endswith("-0001")  # the failed one took no number


def test_the_issued_invoice_becomes_a_sales_document_for_the_accountant(
    seller, owner, django_capture_on_commit_callbacks
):
    from apps.documents.models import Category, Document

    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    with django_capture_on_commit_callbacks(execute=True):
        invoice = _issue(seller, invoice, owner)
    with company_scope(seller):
        document = Document.objects.get(pk=invoice.document_id)
    assert document.category == Category.SALES
    assert document.status == Document.Status.READY, document.problem
    assert document.number == invoice.number
    assert document.total_incl_vat == invoice.total_incl_vat


def test_due_date_comes_from_the_payment_terms(seller, owner):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC, payment_terms_days=14)
        invoice = draft(seller, customer, issue_date=datetime.date(2026, 11, 2))
    invoice = _issue(seller, invoice, owner)
    assert invoice.due_date == datetime.date(2026, 11, 16)


def test_a_discount_outside_0_to_100_percent_is_refused(seller, owner):
    with company_scope(seller):
        invoice = draft(
            seller, customer_for(seller, VatTreatment.DOMESTIC), discount_percent=D("150")
        )
        with pytest.raises(DomainError, match="between 0 and 100"):
            invoice_issue(invoice=invoice, actor=owner)


def test_credit_notes_never_credit_more_than_is_left(seller, owner):
    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    invoice = _issue(seller, invoice, owner)
    with company_scope(seller):
        full = credit_note_create(invoice=invoice)
    _issue(seller, full, owner)
    with company_scope(seller):
        again = credit_note_create(invoice=invoice)
        with pytest.raises(DomainError, match="more than is left"):
            invoice_issue(invoice=again, actor=owner)
        assert Invoice.objects.get(pk=again.pk).number == ""


def test_a_credit_note_stays_with_its_invoices_customer(seller, owner):
    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    invoice = _issue(seller, invoice, owner)
    with company_scope(seller):
        other = customer_for(seller, VatTreatment.DOMESTIC, name="Someone Else")
        note = credit_note_create(invoice=invoice)
        note = invoice_update(invoice=note, customer=other, vat_treatment=VatTreatment.EXEMPT)
        assert (note.customer_id, note.vat_treatment) == (
            invoice.customer_id,
            invoice.vat_treatment,
        )


def test_numbers_follow_dates_and_no_invoice_is_dated_in_the_future(seller, owner):
    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        june = draft(seller, customer, issue_date=datetime.date(2026, 6, 1))
        january = draft(seller, customer, issue_date=datetime.date(2026, 1, 2))
        future = draft(seller, customer, issue_date=datetime.date(2099, 1, 1))
    _issue(seller, june, owner)
    with company_scope(seller):
        with pytest.raises(DomainError, match="date order"):
            invoice_issue(invoice=january, actor=owner)
        with pytest.raises(DomainError, match="future"):
            invoice_issue(invoice=future, actor=owner)


def test_the_sales_document_of_an_issued_invoice_cannot_be_corrected(seller, owner):
    from apps.documents.services import document_correct

    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    invoice = _issue(seller, invoice, owner)
    with company_scope(seller):
        document = invoice.document
        with pytest.raises(DomainError, match="credit note"):
            document_correct(document=document, actor=owner, changes={"number": "HACKED"})


def test_a_rule_without_plain_words_still_says_which_rule_in_the_users_language():
    from django.utils import translation

    from apps.einvoice.validation import Failure, ValidationReport
    from apps.sales.services.invoices import _explain

    report = ValidationReport()
    report.failures.append(
        Failure(
            rule="BR-ZZ-99",
            text="[BR-ZZ-99]-Something official.",
            severity="fatal",
            layer="en16931",
            location="/",
        )
    )
    with translation.override("nl"):
        [text] = _explain(report)
    assert "BR-ZZ-99" in text
    assert "Something official." in text
    assert not text.startswith("[")


def test_an_issue_that_fails_at_the_last_step_leaves_no_files_and_no_number(
    seller, owner, monkeypatch, settings
):
    from pathlib import Path

    def broken(*args, **kwargs):
        raise RuntimeError("the documents are down")

    with company_scope(seller):
        invoice = draft(seller, customer_for(seller, VatTreatment.DOMESTIC))
    monkeypatch.setattr("apps.sales.services.invoices._sales_document", broken)
    with company_scope(seller), pytest.raises(RuntimeError):
        invoice_issue(invoice=invoice, actor=owner)
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not [p for p in root.rglob("*") if p.is_file() and "/sales/" in str(p)]
    with company_scope(seller):
        invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == (Invoice.Status.DRAFT, "")


def test_the_drafts_check_says_what_issuing_would_refuse(seller):
    from apps.sales.services.invoices import invoice_check

    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        future = draft(seller, customer, issue_date=datetime.date(2099, 1, 1))
        check = invoice_check(invoice=future)
        assert not check.ok
        assert "future" in check.problems[0]
        good = invoice_check(invoice=draft(seller, customer))
    assert good.ok, good.problems
    assert good.model.totals.tax_inclusive == D("224.62")


def test_discounts_round_half_up_like_every_amount_in_en_16931(seller):
    from apps.sales.einvoicing import invoice_model

    with company_scope(seller):
        invoice = draft(
            seller,
            customer_for(seller, VatTreatment.DOMESTIC),
            lines=[LineInput("Proef", D("1"), D("1.00"), D("21"), discount_percent=D("12.5"))],
            discount_percent=D("12.5"),
        )
        model = invoice_model(invoice)
    [line] = model.lines
    assert line.allowances[0].amount == D("0.13")  # 0.125 → 0.13, not 0.12
    assert line.net_amount == D("0.87")
    assert model.allowances[0].amount == D("0.11")  # 12.5 % of 0.87 = 0.10875
