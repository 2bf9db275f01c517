"""Property: for every model the builder accepts, from_xml(to_ubl(m)) == m."""

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.einvoice import complete, from_xml, to_ubl
from apps.einvoice.model import CREDIT_NOTE, INVOICE, AllowanceCharge, Document, Line, VatBreakdown
from apps.einvoice.ubl.build import CUSTOMIZATION_ID, PROFILE_ID
from tests.einvoice.samples import BUYER, SELLER

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

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999"), places=4)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3)
texts = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def lines(draw, index):
    category, rate = draw(st.sampled_from(CATEGORIES))
    allowance = draw(st.none() | amounts)
    return Line(
        id=str(index),
        name=draw(texts),
        quantity=draw(quantities),
        unit_price=draw(prices),
        unit_code=draw(st.sampled_from(["C62", "HUR", "KGM", "DAY"])),
        vat_category=category,
        vat_rate=Decimal(rate),
        base_quantity=draw(st.none() | st.sampled_from([Decimal("1"), Decimal("10")])),
        allowances=[AllowanceCharge(is_charge=False, amount=allowance, reason="Korting")]
        if allowance
        else [],
        description=draw(st.just("") | texts),
    )


@st.composite
def documents(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    document_lines = [draw(lines(i + 1)) for i in range(count)]
    used = sorted({(line.vat_category, line.vat_rate) for line in document_lines})
    category, rate = draw(st.sampled_from(used))
    document_allowances = [
        AllowanceCharge(
            is_charge=False,
            amount=draw(amounts),
            reason="Discount",
            vat_category=category,
            vat_rate=rate,
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    document_charges = [
        AllowanceCharge(
            is_charge=True,
            amount=draw(amounts),
            reason="Transport",
            vat_category=category,
            vat_rate=rate,
        )
        for _ in range(draw(st.integers(0, 1)))
    ]
    reasons = [
        VatBreakdown(
            category="E",
            rate=Decimal("0"),
            taxable_amount=Decimal("0"),
            tax_amount=Decimal("0"),
            exemption_reason="Art. 44 WBTW",
        )
    ]
    issue = draw(
        st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))
    )
    document = Document(
        number=draw(texts),
        issue_date=issue,
        due_date=draw(st.none() | st.just(issue + datetime.timedelta(days=30))),
        type_code=draw(st.sampled_from([INVOICE, CREDIT_NOTE])),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference=draw(st.just("") | texts),
        notes=draw(st.lists(texts, max_size=2)),
        lines=document_lines,
        allowances=document_allowances,
        charges=document_charges,
        vat_breakdown=reasons,
        customization_id=CUSTOMIZATION_ID,
        profile_id=PROFILE_ID,
    )
    return complete(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_parse_of_build_gives_back_the_model(document):
    assert from_xml(to_ubl(document)) == document


@settings(max_examples=30, deadline=None)
@given(documents())
def test_totals_are_consistent(document):
    totals = document.totals
    assert (
        totals.tax_exclusive == totals.line_extension - totals.allowance_total + totals.charge_total
    )
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax_total
    assert totals.tax_total == sum((b.tax_amount for b in document.vat_breakdown), Decimal("0"))
