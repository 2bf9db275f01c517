"""Property: for every model the builder accepts, from_xml(to_ubl(m)) == complete(m)."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.einvoice import EInvoiceError, complete, from_xml, to_ubl, validate
from apps.einvoice.model import (
    CREDIT_NOTE,
    INVOICE,
    Address,
    AllowanceCharge,
    Attachment,
    Delivery,
    Document,
    Identifier,
    Line,
    Payment,
    PrecedingInvoice,
    VatBreakdown,
)
from apps.einvoice.ubl.build import CUSTOMIZATION_ID, PROFILE_ID
from tests.einvoice.samples import BUYER, PDF, SELLER

CATEGORIES = [
    ("S", "21"),
    ("S", "12"),
    ("S", "6"),
    ("Z", "0"),
    ("E", "0"),
    ("AE", "0"),
    ("K", "0"),
    ("G", "0"),
]
D = Decimal

# Amounts of allowances and charges may have more decimals than the cent: complete() rounds
# them half up, as they will be printed.
adjustment_amounts = st.one_of(
    st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2),
    st.decimals(min_value=D("0.001"), max_value=D("99999"), places=3),
    st.decimals(min_value=D("0.0001"), max_value=D("99999"), places=4),
)
prices = st.decimals(min_value=D("0"), max_value=D("9999"), places=4)
quantities = st.decimals(min_value=D("0.0001"), max_value=D("1000"), places=4)
texts = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
dates = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))
countries = st.sampled_from(["BE", "NL", "FR", "DE", "LU", "CA"])


@st.composite
def periods(draw):
    start = draw(st.none() | dates)
    end = draw(st.none() | dates)
    return start, end


@st.composite
def adjustments(draw, *, is_charge, category="", rate=None, max_size=2):
    return [
        AllowanceCharge(
            is_charge=is_charge,
            amount=draw(adjustment_amounts),
            reason=draw(texts),
            reason_code=draw(st.just("") | st.sampled_from(["95", "100", "FC", "ABL"])),
            vat_category=category,
            vat_rate=rate,
            base_amount=draw(st.none() | adjustment_amounts),
            percentage=draw(st.none() | st.sampled_from([D("2"), D("10"), D("12.5")])),
        )
        for _ in range(draw(st.integers(0, max_size)))
    ]


@st.composite
def lines(draw, index, categories):
    category, rate = draw(st.sampled_from(categories))
    start, end = draw(periods())
    return Line(
        id=str(index),
        name=draw(texts),
        quantity=draw(quantities),
        unit_price=draw(prices),
        unit_code=draw(st.sampled_from(["C62", "HUR", "KGM", "DAY"])),
        vat_category=category,
        vat_rate=D(rate) if rate is not None else None,
        base_quantity=draw(st.none() | st.sampled_from([D("1"), D("10")])),
        allowances=draw(adjustments(is_charge=False, max_size=1)),
        charges=draw(adjustments(is_charge=True, max_size=1)),
        description=draw(st.just("") | texts),
        period_start=start,
        period_end=end,
    )


payments = st.builds(
    Payment,
    means_code=st.sampled_from(["1", "30", "31", "42", "48", "49", "57", "58", "59", "ZZZ"]),
    means_text=st.just("") | texts,
    reference=st.just("") | st.just("010806817183") | codes,
    iban=st.just("") | st.just("BE56363123456788"),
    account_name=st.just("") | texts,
    bic=st.just("") | st.just("BBRUBEBB"),
    mandate_reference=st.just("") | codes,
    debited_account=st.just("") | st.just("BE71096123456769"),
)
attachments = st.builds(
    Attachment,
    id=codes,
    description=st.just("") | texts,
    filename=st.just("") | st.just("bijlage.pdf") | st.just("rit.csv"),
    mime_code=st.just("") | st.sampled_from(["application/pdf", "text/csv", "image/png"]),
    content=st.none()
    | st.sampled_from([PDF, b"datum;bedrag\n2026-03-01;12,50\n", b"\x89PNG\r\n\x1a\n" + b"0" * 16]),
    uri=st.just("") | st.just("https://example.com/a.pdf"),
)
deliveries = st.builds(
    Delivery,
    date=st.none() | dates,
    party_name=st.just("") | texts,
    location_id=st.none() | st.builds(Identifier, id=codes, scheme=st.sampled_from(["", "0088"])),
    address=st.none() | st.builds(Address, city=st.just("") | texts, country=countries),
)
preceding = st.builds(PrecedingInvoice, number=codes, issue_date=st.none() | dates)


@st.composite
def documents(draw):
    # Category O (outside scope) can't be mixed with others; such documents are O only.
    outside_scope = draw(st.integers(0, 3)) == 0
    categories = [("O", None)] if outside_scope else CATEGORIES
    count = draw(st.integers(min_value=1, max_value=6))
    document_lines = [draw(lines(i + 1, categories)) for i in range(count)]
    used = sorted(
        {(line.vat_category, line.vat_rate) for line in document_lines},
        key=lambda key: (key[0], key[1] or D(0)),
    )
    category, rate = draw(st.sampled_from(used))
    reasons = [
        VatBreakdown(
            category="E",
            rate=D("0"),
            taxable_amount=D("0"),
            tax_amount=D("0"),
            exemption_reason="Art. 44 WBTW",
        )
    ]
    issue = draw(dates)
    start, end = draw(periods())
    buyer = replace(BUYER, legal_form=draw(st.just("") | texts))  # BT-33 is the seller's only
    document = Document(
        number=draw(texts),
        issue_date=issue,
        due_date=draw(st.none() | st.just(issue + datetime.timedelta(days=30))),
        type_code=draw(st.sampled_from([INVOICE, CREDIT_NOTE])),
        seller=SELLER,
        buyer=buyer,
        buyer_reference=draw(st.just("") | texts),
        # Notes may come with blanks around them; complete() strips them as parsing does.
        notes=draw(st.lists(texts.map(lambda text: f"  {text}\n"), max_size=2)),
        lines=document_lines,
        allowances=draw(adjustments(is_charge=False, category=category, rate=rate)),
        charges=draw(adjustments(is_charge=True, category=category, rate=rate, max_size=1)),
        vat_breakdown=reasons,
        payment=draw(st.none() | payments),
        attachments=draw(st.lists(attachments, max_size=2)),
        preceding_invoices=draw(st.lists(preceding, max_size=2)),
        delivery=draw(st.none() | deliveries),
        period_start=start,
        period_end=end,
        customization_id=CUSTOMIZATION_ID,
        profile_id=PROFILE_ID,
    )
    return complete(document)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_parse_of_build_gives_back_the_model(document):
    assert from_xml(to_ubl(document)) == document


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_complete_is_idempotent(document):
    assert complete(document) == document


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_totals_are_consistent(document):
    totals = document.totals
    assert (
        totals.tax_exclusive == totals.line_extension - totals.allowance_total + totals.charge_total
    )
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax_total
    assert totals.tax_total == sum((b.tax_amount for b in document.vat_breakdown), D("0"))
    assert totals.allowance_total == sum((a.amount for a in document.allowances), D("0"))
    assert totals.charge_total == sum((c.amount for c in document.charges), D("0"))


def test_payment_means_code_1_comes_back():
    document = complete(
        replace(_simple(), payment=Payment(means_code="1"), type_code=INVOICE, due_date=None)
    )
    assert from_xml(to_ubl(document)).payment == Payment(means_code="1")


def test_credit_note_due_date_travels_in_payment_means():
    document = complete(replace(_simple(), type_code=CREDIT_NOTE, payment=None))
    assert document.payment == Payment(means_code="1")
    parsed = from_xml(to_ubl(document))
    assert parsed.due_date == document.due_date
    assert parsed == document


def test_attachment_without_filename_or_mime_code_gets_them_from_its_content():
    document = complete(
        replace(
            _simple(),
            attachments=[
                Attachment(id="original", content=PDF),
                Attachment(id="photo", content=b"\x89PNG\r\n\x1a\n" + b"0" * 16),
            ],
        )
    )
    assert [(a.filename, a.mime_code) for a in document.attachments] == [
        ("original.pdf", "application/pdf"),
        ("photo.png", "image/png"),
    ]
    assert from_xml(to_ubl(document)).attachments == document.attachments


def test_attachment_of_unknown_type_is_refused_not_passed_off_as_octet_stream():
    with pytest.raises(EInvoiceError) as error:
        complete(replace(_simple(), attachments=[Attachment(id="x", content=b"\x00\x01plain")]))
    assert error.value.code == "attachment_type"
    assert "x" in error.value.message


def test_buyer_legal_form_is_dropped_as_the_builder_drops_it():
    document = complete(replace(_simple(), buyer=replace(BUYER, legal_form="SRL")))
    assert document.buyer.legal_form == ""
    assert from_xml(to_ubl(document)).buyer == document.buyer


def test_notes_are_stripped_and_empty_notes_dropped():
    document = complete(replace(_simple(), notes=["  Dank u!\n", "   ", "\tTweede"]))
    assert document.notes == ["Dank u!", "Tweede"]
    assert from_xml(to_ubl(document)).notes == document.notes


def test_special_characters_survive_the_builder():
    text = "A & B <C> \"D\" 'E' ]]> é €"
    document = complete(
        replace(
            _simple(),
            notes=[f"{text}\r\nline two\ttab"],
            buyer_reference=text,
            payment=Payment(means_code="30", means_text='a"b\tc&<>', iban="BE56363123456788"),
        )
    )
    assert from_xml(to_ubl(document)) == document


def _simple() -> Document:
    return Document(
        number="RT-1",
        issue_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 3, 31),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference="PO-1",
        lines=[
            Line(
                id="1",
                name="Brood",
                quantity=D("2"),
                unit_price=D("3.10"),
                vat_category="S",
                vat_rate=D("6"),
            )
        ],
        customization_id=CUSTOMIZATION_ID,
        profile_id=PROFILE_ID,
    )


def test_attachment_as_large_as_a_transfer_allows_is_read_back_and_valid():
    # 12 MB: base64 of 16 MB, over libxml2's default 10 MB text node, under the 20 MB transfer
    content = b"%PDF-1.4\n" + bytes(range(256)) * (12 * 1024 * 1024 // 256) + b"\n%%EOF\n"
    document = complete(replace(_simple(), attachments=[Attachment(id="scan", content=content)]))
    xml = to_ubl(document)
    assert 10_000_000 < len(xml) < django_settings.TRANSFER_MAX_MESSAGE_MB * 1024 * 1024
    assert from_xml(xml).attachments[0].content == content
    report = validate(xml)
    assert report.is_valid, report.to_dict()
    assert report.layers_run == ["xsd", "en16931", "peppol"]
