"""The document list, page and file download, as each role sees them."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Kind
from tests import factories
from tests.access import user_of
from tests.samples import PDF, PNG, encrypted_pdf


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


def _list(company, **params):
    return reverse("documents:document-list", kwargs={"company_id": company.public_id}), params


def test_list_filters_by_status_kind_amount_and_search(company, owner, client_for):
    factories.DocumentFactory(
        company=company,
        counterparty_name="Proximus NV",
        number="P-1",
        total_incl_vat=Decimal("121.00"),
        issue_date=datetime.date(2026, 3, 1),
    )
    factories.DocumentFactory(
        company=company,
        counterparty_name="Colruyt",
        kind=Kind.RECEIPT,
        total_incl_vat=Decimal("12.50"),
        status=Document.Status.NEEDS_REVIEW,
    )
    factories.DocumentFactory(
        company=company, counterparty_name="Telenet", total_incl_vat=Decimal("60")
    )
    client = client_for(owner)
    url, _ = _list(company)

    def names(**params):
        html = client.get(url, params).content.decode()
        return [n for n in ("Proximus NV", "Colruyt", "Telenet") if n in html]

    assert names() == ["Proximus NV", "Colruyt", "Telenet"]
    assert names(status="needs_review") == ["Colruyt"]
    assert names(kind="receipt") == ["Colruyt"]
    assert names(amount_min="50", amount_max="100") == ["Telenet"]
    assert names(q="P-1") == ["Proximus NV"]
    assert names(date_from="2026-02-01", date_to="2026-03-31") == ["Proximus NV"]
    assert "No document matches these filters" in client.get(url, {"q": "nothing"}).content.decode()


def test_empty_list_invites_to_upload(company, owner, client_for):
    url, _ = _list(company)
    assert "No documents yet" in client_for(owner).get(url).content.decode()


def test_list_query_count_is_flat(company, owner, client_for, django_assert_max_num_queries):
    for _ in range(60):
        factories.DocumentFactory(company=company)
    url, _ = _list(company)
    client = client_for(owner)
    with django_assert_max_num_queries(10):
        response = client.get(url, {"sort": "amount"})
    assert response.status_code == 200
    assert response.context["pager"].has_next is True
    assert len(response.context["documents"]) == 50


def test_the_list_is_sorted_by_document_date_and_an_undated_document_by_its_arrival(
    company, owner, client_for, django_assert_max_num_queries
):
    # given an old invoice that arrived today, a recent one that arrived last month, and a
    # receipt without a date that arrived on 10 March
    brussels = datetime.timezone(datetime.timedelta(hours=1))
    arrived = {
        "old": datetime.datetime(2026, 4, 20, 9, tzinfo=brussels),
        "recent": datetime.datetime(2026, 3, 20, 9, tzinfo=brussels),
        "undated": datetime.datetime(2026, 3, 10, 9, tzinfo=brussels),
    }
    factories.DocumentFactory(
        company=company,
        counterparty_name="Old",
        issue_date=datetime.date(2014, 5, 2),
        received_at=arrived["old"],
    )
    factories.DocumentFactory(
        company=company,
        counterparty_name="Recent",
        issue_date=datetime.date(2026, 3, 18),
        received_at=arrived["recent"],
    )
    factories.DocumentFactory(
        company=company, counterparty_name="Undated", received_at=arrived["undated"]
    )
    client = client_for(owner)
    url, _ = _list(company)

    def rows(**params):
        return [d.counterparty_name for d in client.get(url, params).context["documents"]]

    # when the list opens, then newest document date first, the undated one at its arrival day
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert [d.counterparty_name for d in response.context["documents"]] == [
        "Recent",
        "Undated",
        "Old",
    ]
    assert rows(sort="-date") == ["Old", "Undated", "Recent"]
    # and the date column shows the document date, the arrival day greyed for the undated one
    html = response.content.decode()
    assert html.index("18/03/2026") < html.index("10/03/2026") < html.index("02/05/2014")
    assert "20/04/2026" not in html
    # and the sort control, outside the folded filters, offers the arrival order
    assert html.index('name="sort"') < html.index('name="kind"')
    assert 'value="received"' in html
    assert rows(sort="received") == ["Old", "Recent", "Undated"]
    assert rows(sort="-received") == ["Undated", "Recent", "Old"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("other_accountant", 404),
        ("member", 200),
        ("accountant", 200),
        ("owner", 200),
    ],
)
def test_document_pages_access(role, expected, request, company, client_for):
    document = factories.DocumentFactory(company=company)
    client = client_for(user_of(role, request))
    kwargs = {"company_id": company.public_id}
    for url in (
        reverse("documents:document-list", kwargs=kwargs),
        reverse("documents:document-detail", kwargs={**kwargs, "document_id": document.public_id}),
        reverse(
            "documents:document-original", kwargs={**kwargs, "document_id": document.public_id}
        ),
    ):
        assert client.get(url).status_code == expected, url


def test_original_is_streamed_inline_with_its_type(company, owner, client_for):
    document = factories.DocumentFactory(company=company)
    url = reverse(
        "documents:document-original",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(owner).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    download = client_for(owner).get(url, {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment")


def test_list_filters_by_category_and_supplier_sorts_and_pages(company, owner, client_for):
    for n in range(51):
        factories.DocumentFactory(
            company=company,
            counterparty_name=f"Leverancier {n:02d}",
            total_incl_vat=Decimal(n),
        )
    factories.DocumentFactory(
        company=company,
        counterparty_name="Klant Verkoop NV",
        kind=Kind.SALES_INVOICE,
        category="sales",
        total_incl_vat=Decimal("999"),
    )
    client = client_for(owner)
    url, _ = _list(company)

    def rows(**params):
        return [d.counterparty_name for d in client.get(url, params).context["documents"]]

    assert rows(category="sales") == ["Klant Verkoop NV"]
    assert rows(counterparty="leverancier 07") == ["Leverancier 07"]
    assert rows(sort="amount")[:2] == ["Klant Verkoop NV", "Leverancier 50"]
    assert rows(sort="-amount")[:2] == ["Leverancier 00", "Leverancier 01"]
    first = client.get(url, {"category": "purchases", "sort": "counterparty"})
    assert first.context["pager"].has_next is True
    assert "category=purchases" in first.content.decode()  # the next link keeps the filters
    second = client.get(url, {"category": "purchases", "sort": "counterparty", "page": "2"})
    assert [d.counterparty_name for d in second.context["documents"]] == ["Leverancier 50"]
    assert second.context["pager"].has_next is False


def test_an_invalid_filter_is_a_field_error_and_the_other_filters_still_apply(
    company, owner, client_for
):
    factories.DocumentFactory(company=company, counterparty_name="Proximus NV")
    factories.DocumentFactory(
        company=company, counterparty_name="Colruyt", status=Document.Status.NEEDS_REVIEW
    )
    url, _ = _list(company)
    response = client_for(owner).get(url, {"amount_min": "lots", "status": "needs_review"})
    html = response.content.decode()
    assert "Enter a number." in html
    assert [d.counterparty_name for d in response.context["documents"]] == ["Colruyt"]


def test_changing_the_kind_changes_the_category(company, owner, client_for):
    from apps.companies.scoping import company_scope

    document = factories.DocumentFactory(company=company, counterparty_name="Studio")
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(owner).post(
        url,
        {"kind": Kind.SALES_INVOICE, "counterparty_name": "Studio", "currency": "EUR"},
    )
    assert response.status_code == 302
    with company_scope(company):
        document.refresh_from_db()
    assert (document.kind, document.category, document.is_kind_confirmed) == (
        Kind.SALES_INVOICE,
        "sales",
        True,
    )


def test_the_timeline_shows_who_did_what_and_where_the_file_came_from(company, owner, client_for):
    from apps.companies.scoping import company_scope
    from apps.documents.models import Event, Source
    from apps.documents.services import document_ingest

    owner.full_name = "Els Peeters"
    owner.save()
    with company_scope(company):
        document = document_ingest(
            company=company,
            data=PDF,
            filename="factuur.pdf",
            source=Source.MAILBOX,
            details={
                "sender": "facturen@proximus.be",
                "subject": "Uw factuur",
                "message_id": "<abc123@proximus.be>",
                "mailbox": "Boekhouding",
                "folder": "INBOX/Facturen",
            },
        ).document
        document_ingest(
            company=company,
            data=PDF,
            filename="factuur.pdf",
            source=Source.CLOUD,
            details={"folder": "Dropbox facturen", "path": "/Facturen/2026/factuur.pdf"},
        )
        Event.objects.create(
            company=company,
            document=document,
            action=Event.Action.EDITED,
            actor=owner,
            data={"fields": ["total_incl_vat", "counterparty_iban"]},
        )
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    client = client_for(owner)
    html = client.get(url).content.decode()
    assert "&lt;abc123@proximus.be&gt;" in html
    assert "Boekhouding" in html
    assert "INBOX/Facturen" in html
    assert "Dropbox facturen" in html
    assert "/Facturen/2026/factuur.pdf" in html
    assert '<strong class="actor">OkiOki</strong>' in html
    assert '<strong class="actor">Els Peeters</strong>' in html
    assert "total incl. VAT, IBAN" in html
    owner.language = "nl"
    owner.save()
    dutch = client_for(owner).get(url).content.decode()
    assert "totaal incl. btw" in dutch.lower()


def test_the_problem_is_shown_in_the_readers_language(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    from apps.companies.scoping import company_scope
    from apps.documents.models import Source
    from apps.documents.services import document_ingest

    with company_scope(company), django_capture_on_commit_callbacks(execute=True):
        document = document_ingest(
            company=company, data=encrypted_pdf(), filename="locked.pdf", source=Source.UPLOAD
        ).document
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    owner.language = "nl"
    owner.save()
    html = client_for(owner).get(url).content.decode()
    assert "De pdf is beveiligd met een wachtwoord" in html
    assert "protected with a password" not in html  # neither on the page nor in the timeline
    owner.language = "fr"
    owner.save()
    assert "protected with a password" not in client_for(owner).get(url).content.decode()


def test_validation_reasons_are_shown_in_the_readers_language(company, owner, client_for):
    from apps.companies.scoping import company_scope
    from apps.documents.services import document_assess

    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.READING,
        issue_date=datetime.date(2026, 11, 3),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
        vat_breakdown=[{"rate": "21", "taxable_amount": "100.00", "tax_amount": "21.00"}],
    )
    with company_scope(company):
        document_assess(document=document)  # no VAT number of the supplier: BR-S-02
    assert document.problem_code == "envelope_invalid"
    # in plain words for the buyer: only the supplier can add its VAT number
    assert "The supplier's VAT number is missing" in document.problem
    assert "Your VAT number" not in document.problem
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    owner.language = "nl"
    owner.save()
    html = client_for(owner).get(url).content.decode()
    assert "nog niet geldig" in html
    assert "The UBL for your accountant is not valid yet" not in html


def test_vat_rates_are_written_the_readers_way(company, owner, client_for):
    from apps.companies.scoping import company_scope

    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            vat_breakdown=[
                {"category": "S", "rate": "5.50", "taxable_amount": "100.00", "tax_amount": "5.50"},
                {"category": "K", "rate": "0.00", "taxable_amount": "10.00", "tax_amount": "0"},
                {"category": "O", "rate": None, "taxable_amount": "1.00", "tax_amount": "0"},
            ],
        )
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    owner.language = "fr"
    owner.save()
    html = client_for(owner).get(url).content.decode()
    assert "5,50 %:" in html
    assert "0 %:" in html
    assert "O:" in html  # outside the scope of VAT: no rate, its category
    assert "0.00%:" not in html  # (the correction form keeps its own input format)


def test_a_photo_taken_on_a_phone_is_uploaded_alone(company, owner, client_for):
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    page = client.get(url).content.decode()
    assert 'capture="environment"' in page
    client.post(url, {"photo": SimpleUploadedFile("receipt.png", PNG, "image/png")})
    with company_scope(company):
        assert Document.objects.filter(original_filename="receipt.png").exists()
    response = client.post(url, {})
    assert "Choose at least one file." in response.content.decode()
