"""Supplier memory (issue 13): where a supplier puts its fields, learned from a person's
corrections, read first on its next document, forgotten on request, never another company's.

The invoices are rendered with WeasyPrint in one supplier's layout the reader gets wrong: its
number stands under "Boekstuk", a label no reader knows. Each test shows the reader misses it
without the memory.
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.extraction.places import LEARNED_FIELDS
from apps.documents.models import Document, Supplier
from apps.documents.services import document_correct
from apps.documents.templatetags.document_tags import field_confidence
from tests.access import cases, check_access
from tests.conftest import require_tesseract
from tests.documents.corpus import scoring
from tests.documents.helpers import ingest_and_read

STYLE = """
@page { size: A4; margin: 14mm; }
body { font-family: DejaVu Sans, sans-serif; font-size: 10pt; }
table { border-collapse: collapse; } td { padding: 1.5mm 2mm; text-align: left; }
.n { text-align: right; } .small { font-size: 7.5pt; color: #555; }
"""
VAT_ID = "BE0812345603"


def _invoice(
    number: str, date: str, net: str, vat: str, gross: str, *, notice: str = "", lines: int = 0
) -> bytes:
    """An invoice of Drukkerij Van Damme; ``notice``: a paragraph that pushes the rest down,
    ``lines``: item lines above the totals."""
    from weasyprint import HTML

    items = "".join(f"<tr><td>Drukwerk {n}</td><td class=n>1</td></tr>" for n in range(lines))
    body = f"""<p><b>Drukkerij Van Damme NV</b><br>Stationsstraat 10<br>9000 Gent<br>
    BTW {VAT_ID}<br>IBAN BE56 3631 2345 6788</p>{notice}<h1>FACTUUR</h1>
    <table style="width:100%"><tr class=small><td>Boekstuk</td><td>Datum</td>
    <td>Klantnummer</td></tr><tr><td>{number}</td><td>{date}</td><td>K-1043</td></tr></table>
    <table>{items}</table>
    <table style="margin-left:auto; margin-top:6mm">
    <tr><td>Totaal excl. btw</td><td class=n>€ {net}</td></tr>
    <tr><td>Btw 21 %</td><td class=n>€ {vat}</td></tr>
    <tr><td><b>Totaal incl. btw</b></td><td class=n><b>€ {gross}</b></td></tr></table>"""
    head = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    return HTML(string=f"{head}<body>{body}</body></html>").write_pdf()


FIRST = ("VD/26/0042", "03/11/2026", "1.000,00", "210,00", "1.210,00")
SECOND = ("VD/26/0107", "14/12/2026", "250,00", "52,50", "302,50")
THIRD = ("VD/27/0003", "08/01/2027", "80,00", "16,80", "96,80")
MOVED = "<p>Afdeling Noord<br>Tweede adresregel</p>"


def _read(company, data, name, callbacks) -> Document:
    return ingest_and_read(company, data, name, callbacks)


def _correct(company, document, owner, callbacks, **changes) -> None:
    """A person's correction, and the learning queued on its commit (run by the test's
    eager Celery)."""
    with company_scope(company), callbacks(execute=True):
        document_correct(document=document, actor=owner, changes=changes)


def _supplier(company) -> Supplier:
    with company_scope(company):
        return Supplier.objects.get(company=company, vat_id=VAT_ID)


def _learned_from_first(company, owner, callbacks) -> None:
    first = _read(company, _invoice(*FIRST), "first.pdf", callbacks)
    assert first.number != "VD/26/0042"  # the reader alone misses it
    _correct(company, first, owner, callbacks, number="VD/26/0042")


def test_a_corrected_number_is_read_where_the_supplier_puts_it_on_its_next_invoice(
    company, owner, django_capture_on_commit_callbacks
):
    # given a person corrected the number the reader missed on the supplier's first invoice
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    place = _supplier(company).layout["number"]
    assert place["label"] == "boekstuk"
    assert all(0 < fraction < 1 for fraction in place["box"])  # fractions of the page
    # when its next invoice arrives, with other values and its head pushed down a few lines
    second = _read(
        company, _invoice(*SECOND, notice=MOVED), "second.pdf", django_capture_on_commit_callbacks
    )
    # then the number is read at the learned place, sure, and says where it came from
    assert second.number == "VD/26/0107"
    assert second.field_sources["number"]["source"] == "supplier_memory"
    assert second.field_sources["number"]["confidence"] >= 0.9
    assert field_confidence(second, "number")["unsure"] is False
    assert "box" in second.field_sources["number"]
    assert second.learned_fields == ["number"]
    assert second.total_incl_vat == Decimal("302.50")


def test_after_forgetting_the_next_invoice_is_read_as_before(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    # given a learned layout
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    supplier = _supplier(company)
    assert supplier.layout
    # when the user forgets it from the suppliers page
    response = client_for(owner).post(
        reverse(
            "documents:supplier-forget",
            kwargs={"company_id": company.public_id, "supplier_id": supplier.public_id},
        ),
        follow=True,
    )
    assert "OkiOki forgot where Drukkerij Van Damme NV puts its details" in (
        response.content.decode()
    )
    # then the supplier's next invoice gets the normal reading
    assert _supplier(company).layout == {}
    third = _read(company, _invoice(*THIRD), "third.pdf", django_capture_on_commit_callbacks)
    assert third.number != "VD/27/0003"
    assert third.field_sources.get("number", {}).get("source") != "supplier_memory"


def test_a_place_that_gives_nothing_leaves_the_normal_reading(
    company, owner, django_capture_on_commit_callbacks
):
    # given the supplier's gross total was confirmed at its place
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    supplier = _supplier(company)
    with company_scope(company):
        supplier.layout = {
            **supplier.layout,
            # a place where this supplier's invoices have nothing (an empty corner)
            "total_incl_vat": {"page": 0, "box": [0.6, 0.9, 0.7, 0.92]},
        }
        supplier.save()
    # when the next invoice is read
    second = _read(company, _invoice(*SECOND), "second.pdf", django_capture_on_commit_callbacks)
    # then the total comes from the normal reading, the number from the memory
    assert second.total_incl_vat == Decimal("302.50")
    assert second.field_sources["total_incl_vat"]["source"] == "pdf_text"
    assert second.field_sources["number"]["source"] == "supplier_memory"


def test_learned_totals_that_disagree_with_the_others_are_not_taken(
    company, owner, django_capture_on_commit_callbacks
):
    # given a place learned for the gross total where this supplier prints its net total
    from apps.documents.extraction.files import pdf_text
    from apps.documents.extraction.places import locate

    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    pages = pdf_text(_invoice(*FIRST), with_words=True).words
    net_place = locate("total_excl_vat", Decimal("1000.00"), pages)
    assert net_place is not None
    supplier = _supplier(company)
    with company_scope(company):
        supplier.layout = {**supplier.layout, "total_incl_vat": net_place}
        supplier.save()
    # when the next invoice is read
    second = _read(company, _invoice(*SECOND), "second.pdf", django_capture_on_commit_callbacks)
    # then net + VAT = gross still holds: what the place gives is not taken
    assert second.total_incl_vat == Decimal("302.50")
    assert second.field_sources["total_incl_vat"]["source"] != "supplier_memory"
    assert second.field_sources["number"]["source"] == "supplier_memory"


def test_learned_totals_are_found_again_below_more_lines():
    # given the places of the totals learned on an invoice of two lines
    from apps.documents.extraction.files import pdf_text
    from apps.documents.extraction.places import locate, recall

    first = pdf_text(_invoice(*FIRST, lines=2), with_words=True).words
    truth = {
        "total_excl_vat": Decimal("1000.00"),
        "total_vat": Decimal("210.00"),
        "total_incl_vat": Decimal("1210.00"),
    }
    learned = {name: locate(name, value, first) for name, value in truth.items()}
    # when the next invoice has twenty lines, its totals a third of the page lower
    second = pdf_text(_invoice(*SECOND, lines=20), with_words=True).words
    found = {name: recall(place, name, second) for name, place in learned.items() if place}
    # then each total is read again beside its label
    assert {name: c.value for name, c in found.items() if c} == {
        "total_excl_vat": Decimal("250.00"),
        "total_vat": Decimal("52.50"),
        "total_incl_vat": Decimal("302.50"),
    }
    moved = found["total_incl_vat"].box.top - learned["total_incl_vat"]["box"][1] * 841.89
    assert moved > 0.15 * 841.89


# the fields of the corpus truth that are learned, by the document's names
CORPUS_FIELDS = {
    truth: field for truth, field in scoring.READER_FIELDS.items() if field in LEARNED_FIELDS
}


def _next_of_same_supplier(invoice, later):
    """``invoice``'s supplier's next invoice: its layout, labels and formats, with the number,
    dates, lines and structured communication of ``later``."""
    import dataclasses

    return dataclasses.replace(
        invoice,
        number=later.number,
        issue_date=later.issue_date,
        due_date=later.due_date if invoice.due_date else None,
        money=later.money if bool(later.money.vat) == bool(invoice.money.vat) else invoice.money,
        ogm=later.ogm if invoice.ogm else "",
    )


# layout families of the corpus, tune and holdout, that place the fields differently
FAMILIES = [
    ("tune", "classic_left"),
    ("tune", "two_column"),
    ("tune", "footer_identity"),
    ("tune", "table_footer"),
    ("holdout", "letter"),
    ("holdout", "sidebar"),
    ("holdout", "din_window"),
]


def test_learned_places_read_the_next_invoice_in_layout_families():
    """One supplier per layout family of the corpus: every field of its first invoice learned,
    read at those places on its next one. A value taken is never wrong (the totals must add
    up), and most are taken."""
    from apps.documents.extraction.files import pdf_text
    from apps.documents.extraction.patterns import date_order
    from apps.documents.extraction.places import agreeing, locate, recall
    from tests.documents.corpus import catalogue, layouts

    right, wrong, learned = 0, [], 0
    for split, family in FAMILIES:
        first = next(
            invoice
            for invoice in (catalogue.invoice(split, family, i) for i in range(10))
            if not invoice.sale and not invoice.credit_note
        )
        second = _next_of_same_supplier(first, catalogue.invoice(split, family, 40))
        read_first = pdf_text(layouts.pdf(first), with_words=True)
        read_second = pdf_text(layouts.pdf(second), with_words=True)
        truth = {CORPUS_FIELDS[k]: v for k, v in first.truth().items() if k in CORPUS_FIELDS}
        expected = {CORPUS_FIELDS[k]: v for k, v in second.truth().items() if k in CORPUS_FIELDS}
        recalled = {}
        for name, value in truth.items():
            place = locate(name, value, read_first.words, month_first=date_order(read_first.text))
            if place is None:
                continue
            learned += 1
            candidate = recall(
                place, name, read_second.words, month_first=date_order(read_second.text)
            )
            if candidate is not None:
                recalled[name] = candidate
        for name, candidate in agreeing(recalled, {}).items():
            if _same_value(candidate.value, expected[name]):
                right += 1
            else:
                wrong.append((first.name, name, candidate.value, expected[name]))
    assert wrong == []
    assert right >= 0.85 * learned, (right, learned)


def _same_value(found, value) -> bool:
    if isinstance(value, Decimal):
        return abs(found) == abs(value)
    if isinstance(value, str):
        return found.replace(" ", "").upper() == value.replace(" ", "").upper()
    return found == value


def test_one_companys_memory_is_never_used_for_another(
    company, other_company, owner, django_capture_on_commit_callbacks
):
    # given the supplier's layout learned in one company, and the same supplier known to
    # another company
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    with company_scope(other_company):
        Supplier.objects.create(company=other_company, name="Drukkerij Van Damme", vat_id=VAT_ID)
    # when the other company receives the supplier's next invoice
    second = _read(
        other_company, _invoice(*SECOND), "second.pdf", django_capture_on_commit_callbacks
    )
    # then it is read without the first company's memory
    assert second.number != "VD/26/0107"
    assert second.field_sources.get("number", {}).get("source") != "supplier_memory"
    assert second.supplier.layout == {}


def test_a_layout_learned_from_a_scan_reads_a_later_pdf(
    company, owner, django_capture_on_commit_callbacks
):
    # given the supplier's first invoice arrived as a scan (words in pixels), and a person
    # corrected its number
    require_tesseract()
    import pypdfium2

    pdf = pypdfium2.PdfDocument(_invoice(*FIRST))
    buffer = io.BytesIO()
    pdf[0].render(scale=200 / 72, grayscale=True).to_pil().save(buffer, format="PNG")
    scan = _read(company, buffer.getvalue(), "scan.png", django_capture_on_commit_callbacks)
    assert scan.file_kind == "png"
    assert scan.number != "VD/26/0042"
    _correct(
        company,
        scan,
        owner,
        django_capture_on_commit_callbacks,
        number="VD/26/0042",
        counterparty_name="Drukkerij Van Damme NV",
        counterparty_vat_id=VAT_ID,
    )
    assert "number" in _supplier(company).layout
    # when its next invoice arrives as a PDF (words in points)
    second = _read(company, _invoice(*SECOND), "second.pdf", django_capture_on_commit_callbacks)
    # then the place, kept as fractions of the page, holds its number
    assert second.number == "VD/26/0107"
    assert second.field_sources["number"]["source"] == "supplier_memory"


def test_the_document_page_says_what_was_learned_and_forgets_it(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    second = _read(company, _invoice(*SECOND), "second.pdf", django_capture_on_commit_callbacks)
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": second.public_id},
    )
    client = client_for(owner)
    html = client.get(url).content.decode()
    assert "learned from your corrections for this supplier" in html
    assert "Forget what OkiOki learned for this supplier" in html
    forget = reverse(
        "documents:supplier-forget",
        kwargs={"company_id": company.public_id, "supplier_id": second.supplier.public_id},
    )
    response = client.post(forget, {"next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert _supplier(company).layout == {}
    # a link elsewhere is not followed
    response = client.post(forget, {"next": "https://evil.example/"})
    assert response["Location"] == reverse(
        "documents:supplier-list", kwargs={"company_id": company.public_id}
    )


def test_learning_twice_learns_the_same_and_a_value_found_nowhere_drops_its_place(
    company, owner, django_capture_on_commit_callbacks
):
    from apps.documents.services import supplier_learn_layout

    # given the number's place learned from a correction
    _learned_from_first(company, owner, django_capture_on_commit_callbacks)
    with company_scope(company):
        document = Document.objects.get(company=company, original_filename="first.pdf")
    layout = _supplier(company).layout
    # when the learning runs again (a redelivered task), nothing changes
    with company_scope(company):
        assert supplier_learn_layout(company_id=company.pk, document_id=document.pk) == layout
    assert _supplier(company).layout == layout
    # when the person corrects the number to one the page doesn't show (typed from elsewhere)
    _correct(company, document, owner, django_capture_on_commit_callbacks, number="X-1")
    # then the place that gave the wrong value is forgotten
    assert "number" not in _supplier(company).layout


def test_the_supplier_is_found_by_vat_else_account_else_name_in_its_company_only(
    company, other_company
):
    from apps.documents.selectors import supplier_find

    with company_scope(company):
        by_vat = Supplier.objects.create(company=company, name="Van Damme", vat_id=VAT_ID)
        by_iban = Supplier.objects.create(
            company=company, name="Bakker Peeters", iban="BE56363123456788"
        )
        by_name = Supplier.objects.create(company=company, name="Slagerij Janssens")
    with company_scope(other_company):
        Supplier.objects.create(company=other_company, name="Elders BV", vat_id="BE0403170701")

    def find(on=company, vat_id="", iban="", name=""):
        with company_scope(on):
            return supplier_find(company=on, vat_id=vat_id, iban=iban, name=name)

    assert find(vat_id=VAT_ID, iban="BE56363123456788") == by_vat
    # an account has one holder, whatever VAT number was read beside it
    assert find(vat_id="BE0403170701", iban="BE56363123456788") == by_iban
    assert find(name="slagerij janssens") == by_name
    # a VAT number read that isn't the named supplier's: another company of the same name
    assert find(vat_id="BE0403170701", name="Van Damme") is None
    # another company's supplier is never ours
    assert find(vat_id="BE0403170701") is None
    assert find(on=other_company, vat_id=VAT_ID) is None


# --------------------------------------------------------------------------------- the pages


def _learned_supplier(company, name="Drukkerij Van Damme NV") -> Supplier:
    with company_scope(company):
        return Supplier.objects.create(
            company=company,
            name=name,
            vat_id=VAT_ID,
            layout={"number": {"page": 0, "box": [0.1, 0.2, 0.2, 0.22], "label": "boekstuk"}},
        )


def _suppliers():
    return sorted(Supplier.objects.values_list("pk", "name", "layout"))


@pytest.mark.parametrize(
    ("view", "method", "role", "expected"),
    cases([("supplier-list", "get", [302, 404, 404, 200, 200, 200])]),
)
def test_supplier_list_access(view, method, role, expected, request, company):
    _learned_supplier(company)
    url = reverse(f"documents:{view}", kwargs={"company_id": company.public_id})
    response = check_access(request, role, method, url, expected=expected, unchanged=_suppliers)
    if expected == 200:
        assert "Drukkerij Van Damme NV" in response.content.decode()


def test_supplier_list_shows_only_this_companys_learned_suppliers(
    company, other_company, owner, client_for
):
    _learned_supplier(company)
    _learned_supplier(other_company, name="Ander Bedrijf BV")
    with company_scope(company):
        Supplier.objects.create(company=company, name="Nog Niets Geleerd BV")
    html = (
        client_for(owner)
        .get(reverse("documents:supplier-list", kwargs={"company_id": company.public_id}))
        .content.decode()
    )
    assert "Drukkerij Van Damme NV" in html
    assert "Ander Bedrijf BV" not in html
    assert "Nog Niets Geleerd BV" not in html


# the accountant sees the company's data, doesn't change it
@pytest.mark.parametrize(
    ("view", "method", "role", "expected"),
    cases([("supplier-forget", "post", [302, 404, 404, 302, 403, 302])]),
)
def test_forget_access(view, method, role, expected, request, company):
    supplier = _learned_supplier(company)
    url = reverse(
        f"documents:{view}",
        kwargs={"company_id": company.public_id, "supplier_id": supplier.public_id},
    )

    def forgotten():
        return Supplier.objects.get(pk=supplier.pk).layout == {}

    check_access(
        request, role, method, url, expected=expected, unchanged=_suppliers, wrote=forgotten
    )


def test_forgetting_another_companys_supplier_is_a_404(company, other_company, owner, client_for):
    # given another company's supplier, asked for through our company's address
    theirs = _learned_supplier(other_company)
    url = reverse(
        "documents:supplier-forget",
        kwargs={"company_id": company.public_id, "supplier_id": theirs.public_id},
    )
    # when our owner posts the forget button
    response = client_for(owner).post(url)
    # then it is not found, exactly like a missing one, and nothing changed
    assert response.status_code == 404
    with company_scope(other_company):
        theirs.refresh_from_db()
    assert theirs.layout != {}


def test_forget_is_a_post(company, owner, client_for):
    supplier = _learned_supplier(company)
    url = reverse(
        "documents:supplier-forget",
        kwargs={"company_id": company.public_id, "supplier_id": supplier.public_id},
    )
    assert client_for(owner).get(url).status_code == 405


def test_supplier_list_query_count_is_flat(
    company, owner, client_for, django_assert_max_num_queries
):
    with company_scope(company):
        for n in range(30):
            Supplier.objects.create(
                company=company,
                name=f"Leverancier {n:02d}",
                layout={"number": {"page": 0, "box": [0.1, 0.2, 0.2, 0.22]}},
            )
    url = reverse("documents:supplier-list", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("Leverancier ") == 30
