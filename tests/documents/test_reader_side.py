"""A received e-invoice judged from the reader's side: its envelope completed from what we
know, what the user can fix shown beside its field, the rest in technical details, and a
verdict that changes only with an event that says why."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.envelope import fill_received
from apps.documents.models import Document, Event
from apps.documents.services import document_assess, document_correct, document_set_status
from apps.einvoice import from_xml, validate
from tests import factories
from tests.conftest import missing, shared_data
from tests.documents.helpers import (
    from_an_unreachable_seller,
    ingest_and_read,
    without_buyer_endpoint_and_reference,
)

PEPPOL = Path(settings.SHARED_DATA_DIR) / "peppol"


def test_a_received_invoice_missing_the_buyer_endpoint_and_reference_gets_a_valid_envelope(
    company, django_capture_on_commit_callbacks
):
    source = without_buyer_endpoint_and_reference()
    as_sent = validate(source)
    assert "PEPPOL-EN16931-R010" in as_sent.fatal_rules  # buyer's electronic address
    assert "PEPPOL-EN16931-R003" in as_sent.fatal_rules  # buyer or order reference
    document = ingest_and_read(company, source, "invoice.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problems
    envelope = document.envelope.open("rb").read()
    report = validate(envelope)
    assert report.is_valid, report.fatal_rules
    model = from_xml(envelope)
    assert (model.buyer.endpoint.scheme, model.buyer.endpoint.id) == (
        "0208",
        company.enterprise_number,
    )
    assert model.buyer_reference == model.number
    assert any("No buyer reference (BT-10)" in note for note in model.notes), model.notes
    assert any("buyer's electronic address" in note for note in model.notes), model.notes
    # the amounts stay as stated
    assert model.totals.payable == from_xml(source).totals.payable


def _page(client, company, document) -> str:
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def _verdicts(company, document) -> list[tuple[bool, str]]:
    with company_scope(company):
        events = Event.objects.filter(document=document, action=Event.Action.VALIDATED)
        return [(event.data["valid"], event.data["reason"]) for event in events]


def test_the_buyer_is_never_told_that_their_own_address_is_missing(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    document = ingest_and_read(
        company, from_an_unreachable_seller(), "invoice.xml", django_capture_on_commit_callbacks
    )
    assert [f["rule"] for f in document.validation["failures"]] == ["PEPPOL-EN16931-R020"]
    owner.language = "fr"
    owner.save()
    html = _page(client_for(owner), company, document)
    assert "Votre adresse électronique" not in html
    assert "Your electronic address" not in html
    # what the buyer can act on, in their language, linked to the field that fixes it
    assert "L'adresse Peppol du fournisseur n'est pas connue" in html
    assert 'href="#id_counterparty_enterprise_number"' in html
    assert 'id="id_counterparty_enterprise_number"' in html
    # the buyer fills in the supplier's enterprise number: OkiOki makes its address from it
    with company_scope(company):
        document_correct(
            document=document, actor=owner, changes={"counterparty_enterprise_number": "0477472701"}
        )
    document.refresh_from_db()
    assert document.validation["failures"] == []
    seller = from_xml(document.envelope.open("rb").read()).seller
    assert (seller.endpoint.scheme, seller.endpoint.id) == ("0208", "0477472701")
    assert "L'adresse Peppol du fournisseur" not in _page(client_for(owner), company, document)


def test_only_what_the_user_can_act_on_is_shown_the_rest_is_technical_details(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    # A supplier's invoice with a rule only the supplier can fix (its VAT number without a
    # country code, BR-CO-09): not spelt out at the top, listed in the technical details.
    source = from_an_unreachable_seller().replace(b"CH1232434", b"1232434")
    document = ingest_and_read(company, source, "invoice.xml", django_capture_on_commit_callbacks)
    rules = {f["rule"] for f in document.validation["failures"]}
    assert {"PEPPOL-EN16931-R020", "BR-CO-09"} <= rules
    html = _page(client_for(owner), company, document)
    top, details = html.split('<details class="validation technical">', 1)
    assert "The supplier's Peppol address is not known" in top
    assert "PEPPOL-EN16931-R020" not in top
    assert "as the supplier sent it" in top
    assert "BR-CO-09" not in top
    assert "BR-CO-09" in details
    assert "PEPPOL-EN16931-R010" in details  # the buyer's address, as sent: for information
    assert "not a valid e-invoice" in top


def test_the_verdict_is_the_stored_one_and_changes_only_with_an_event_that_says_why(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    document = ingest_and_read(
        company, from_an_unreachable_seller(), "invoice.xml", django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.READY
    assert _verdicts(company, document) == [(True, "first")]
    client = client_for(owner)
    for _ in range(2):
        assert "UBL for your accountant:</strong> valid" in _page(client, company, document)
    # delivered: the verdict on its UBL is what it was (the page used to derive it from the
    # status and said "not valid yet")
    with company_scope(company):
        document_set_status(document=document, status=Document.Status.DELIVERED)
    assert "UBL for your accountant:</strong> valid" in _page(client, company, document)
    with company_scope(company):
        document_assess(document=document)  # assessed again, nothing new: no verdict event
    assert "UBL for your accountant:</strong> valid" in _page(client, company, document)
    assert _verdicts(company, document) == [(True, "first")]
    # the supplier's invoice replaced by one whose VAT number has no country code (BR-CO-09):
    # a new verdict, with its reason in the timeline
    with company_scope(company):
        document.xml.save(
            "invoice.xml",
            ContentFile(from_an_unreachable_seller().replace(b"CH1232434", b"1232434")),
        )
        document_assess(document=document)
    document.refresh_from_db()
    assert document.status == Document.Status.NEEDS_REVIEW
    assert _verdicts(company, document) == [
        (True, "first"),
        (False, "content"),
    ]
    html = _page(client, company, document)
    assert "UBL for your accountant:</strong> not valid yet" in html
    assert "(its content changed)" in html


@pytest.mark.parametrize(
    ("vat_id", "enterprise_number", "endpoint"),
    [
        ("BE0477472701", "0477472701", ("0208", "0477472701")),  # enterprise number: 0208
        ("BE0477472701", "", ("9925", "BE0477472701")),  # a Belgian VAT number: 9925
        ("NL859048521B01", "", ("9944", "NL859048521B01")),
        ("CH1232434", "", None),  # no Peppol scheme for it: the user is asked
    ],
)
def test_the_sellers_electronic_address_comes_from_its_enterprise_or_vat_number(
    company, vat_id, enterprise_number, endpoint
):
    source = re.sub(
        rb"\s*<cbc:EndpointID[^>]*>[^<]*</cbc:EndpointID>",
        b"",
        shared_data(PEPPOL / "examples_base-example.xml"),
    )
    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            counterparty_vat_id=vat_id,
            counterparty_enterprise_number=enterprise_number,
        )
    model, notes = fill_received(from_xml(source), document)
    found = model.seller.endpoint
    assert (found and (found.scheme, found.id)) == endpoint
    assert model.buyer.endpoint.id == company.enterprise_number
    assert model.buyer_reference == "0150abc"  # stated: kept
    assert not any("BT-10" in note for note in notes)


def test_no_vat_number_is_filled_in_for_an_invoice_outside_the_scope_of_vat(company):
    # BR-O-02: an invoice with category O carries no VAT numbers; ours is not added
    source = re.sub(
        rb"<cac:AccountingCustomerParty>.*?</cac:AccountingCustomerParty>",
        b"<cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>"
        b"Buyer</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>"
        b"</cac:AccountingCustomerParty>",
        shared_data(PEPPOL / "examples_vat-category-O.xml"),
        flags=re.S,
    )
    with company_scope(company):
        document = factories.DocumentFactory(company=company)
    model, notes = fill_received(from_xml(source), document)
    assert model.buyer.vat_id == ""
    assert model.buyer.endpoint.id == company.enterprise_number
    assert "the buyer's address" in notes[0]


def test_a_validator_failure_on_an_unchanged_envelope_keeps_the_verdict(
    company, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.einvoice import validation

    document = ingest_and_read(
        company, from_an_unreachable_seller(), "invoice.xml", django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.READY
    stored = document.validation

    def fails(*args, **kwargs):
        raise TimeoutError("the rules took too long")

    # the validator itself fails (a timeout under load): the document has not changed
    monkeypatch.setattr(validation, "_validate", fails)
    with company_scope(company):
        document_assess(document=document)
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.validation == stored
    assert _verdicts(company, document) == [(True, "first")]


CEN_CII = Path(settings.SHARED_DATA_DIR) / "en16931-examples" / "cii"


def test_electronic_addresses_peppol_does_not_accept_are_replaced_and_kept_in_the_note(
    company, django_capture_on_commit_callbacks
):
    # CEN CII example 5 gives e-mail addresses (scheme EM) as electronic addresses, as many
    # German XRechnung invoices do; Peppol refuses them (PEPPOL-EN16931-CL008). The buyer's
    # becomes ours (0208), the seller's one from its VAT number; the note keeps the originals.
    source = shared_data(CEN_CII / "CII_example5.xml")
    assert b'schemeID="EM">info@selco.nl' in source
    document = ingest_and_read(company, source, "invoice.xml", django_capture_on_commit_callbacks)
    envelope = document.envelope.open("rb").read()
    report = validate(envelope)
    assert "PEPPOL-EN16931-CL008" not in report.fatal_rules, report.fatal_rules
    model = from_xml(envelope)
    assert (model.buyer.endpoint.scheme, model.buyer.endpoint.id) == (
        "0208",
        company.enterprise_number,
    )
    assert (model.seller.endpoint.scheme, model.seller.endpoint.id) == ("9944", "NL16356706")
    (note,) = model.notes[-1:]
    assert "instead of EM:info@selco.nl, a scheme Peppol does not accept" in note
    assert model.totals.payable == from_xml(source).totals.payable


def test_the_peppol_schemes_we_accept_are_the_ones_the_rules_in_use_accept():
    from apps.documents.envelope import PEPPOL_EAS
    from apps.einvoice import rulesets
    from apps.einvoice.validation import PEPPOL_UBL_FILE, peppol_rules_dir, rules_in_use

    if rules_in_use().release != rulesets.pinned():
        missing(f"the pinned rules {rulesets.pinned()} are not installed (an older release is)")
    path = peppol_rules_dir() / PEPPOL_UBL_FILE
    found = re.search(r'name="eaid" select="tokenize\(\'([0-9 ]+)\'', path.read_text())
    assert found, "the Peppol rules no longer list the EAS codes as before"
    assert frozenset(found.group(1).split()) == PEPPOL_EAS
