"""The quote pages: who may see and change what, drafts with their lines, sending with the
PDF and the accept link, the customer's public page (accept, decline, expired, language),
and turning an accepted quote into an invoice once."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.companies.scoping import all_companies, company_scope
from apps.sales.models import Dispatch, Invoice, Quote, QuoteLine
from tests import factories
from tests.access import cases, check_access

D = Decimal
MISSING = "00000000-0000-4000-8000-000000000000"


def quote_with_lines(company, **fields) -> Quote:
    """A quote with two lines: 2 × 12.50 at 6 % and 3 hours × 45.00 at 21 %."""
    quote = factories.QuoteFactory(company=company, **fields)
    factories.QuoteLineFactory(
        quote=quote, position=0, description="Taart", quantity="2", unit_price="12.50", vat_rate="6"
    )
    factories.QuoteLineFactory(
        quote=quote,
        position=1,
        description="Catering",
        quantity="3",
        unit="HUR",
        unit_price="45.00",
        vat_rate="21",
    )
    return quote


def sent_quote(company, **fields) -> Quote:
    values = {
        "status": Quote.Status.SENT,
        "number": "Q2026-0001",
        "sent_at": timezone.now(),
        **fields,
    }
    return quote_with_lines(company, **values)


def lines_data(*lines: dict, initial: int = 0) -> dict[str, str]:
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    for index, line in enumerate(lines):
        values = {"unit": "C62", "discount_percent": "0", "vat_rate": "21", **line}
        data |= {f"lines-{index}-{name}": str(value) for name, value in values.items()}
    return data


def quote_data(customer, **changes) -> dict[str, str]:
    return {
        "action": "save",
        "customer": str(customer.public_id),
        "issue_date": "2026-11-20",
        "valid_until": "2026-12-20",
        "vat_treatment": "domestic",
        "discount_percent": "0",
        "notes": "",
        **lines_data({"description": "Broden", "quantity": "10", "unit_price": "2.45"}),
        **changes,
    }


def public_url(quote: Quote) -> str:
    return reverse("sales:quote-public", kwargs={"token": quote.token})


def detail_url(quote: Quote) -> str:
    return reverse(
        "sales:quote-detail",
        kwargs={"company_id": quote.company.public_id, "quote_id": quote.public_id},
    )


# --- who may do what ------------------------------------------------------------------------------

# view, method, the quote it needs (None, or its status), post data, expected per role
MATRIX = [
    ("quote-list", "get", None, None, [302, 404, 404, 200, 200, 200]),
    ("quote-create", "get", None, None, [302, 404, 404, 200, 403, 200]),
    ("quote-create", "post", None, "create", [302, 404, 404, 302, 403, 302]),
    ("quote-detail", "get", "draft", None, [302, 404, 404, 200, 200, 200]),
    ("quote-detail", "get", "sent", None, [302, 404, 404, 200, 200, 200]),
    ("quote-detail", "post", "draft", "edit", [302, 404, 404, 302, 403, 302]),
    ("quote-send", "get", "draft", None, [302, 404, 404, 200, 403, 200]),
    ("quote-send", "post", "draft", None, [302, 404, 404, 302, 403, 302]),
    ("quote-to-invoice", "post", "accepted", None, [302, 404, 404, 302, 403, 302]),
    ("quote-pdf", "get", "sent", None, [302, 404, 404, 200, 200, 200]),
]


def _snapshot():
    with all_companies():
        return (
            sorted(
                Quote.objects.values_list(
                    "pk", "status", "number", "customer_id", "valid_until", "notes", "invoice_id"
                )
            ),
            sorted(QuoteLine.objects.values_list("quote_id", "description", "quantity")),
            Invoice.objects.count(),
            Dispatch.objects.count(),
            len(mail.outbox),
        )


@pytest.mark.parametrize(("view", "method", "needs", "data", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, needs, data, role, expected, request, company, owner):
    customer = factories.CustomerFactory(company=company)
    kwargs = {"company_id": company.public_id}
    if needs is not None:
        quote = quote_with_lines(company, customer=customer, status=needs, number="Q2026-0007")
        kwargs["quote_id"] = quote.public_id
    payload = {}
    if data == "create":
        payload = quote_data(customer)
    elif data == "edit":
        payload = quote_data(customer, notes="Changed", valid_until="2027-01-31")

    def saved() -> Quote:
        return Quote.objects.get(pk=quote.pk)

    writes = {
        "quote-create": Quote.objects.exists,
        "quote-detail": lambda: saved().notes == "Changed",
        "quote-send": lambda: saved().status == Quote.Status.SENT,
        "quote-to-invoice": lambda: saved().invoice_id is not None,
    }

    url = reverse(f"sales:{view}", kwargs=kwargs)
    wrote = writes[view] if method == "post" else None
    check_access(
        request, role, method, url, payload, expected=expected, unchanged=_snapshot, wrote=wrote
    )


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("quote-detail", "get"),
        ("quote-detail", "post"),
        ("quote-send", "get"),
        ("quote-send", "post"),
        ("quote-to-invoice", "post"),
        ("quote-pdf", "get"),
    ],
)
def test_another_companys_quote_is_a_404_like_a_missing_one(
    name, method, request, company, other_company, owner
):
    # given an accepted quote of another company
    foreign = sent_quote(other_company, status=Quote.Status.ACCEPTED)

    # when the owner of `company` reaches for it, then it is the same 404 as a missing one,
    # and nothing changed
    for quote_id in (foreign.public_id, MISSING):
        url = reverse(
            f"sales:{name}", kwargs={"company_id": company.public_id, "quote_id": quote_id}
        )
        check_access(request, "owner", method, url, expected=404, unchanged=_snapshot)


# --- list ---------------------------------------------------------------------------------------


def test_the_list_filters_by_status_within_a_query_budget(
    company, other_company, member, client_for, django_assert_max_num_queries
):
    for number in range(5):
        sent_quote(company, number=f"Q2026-{number + 1:04d}")
    accepted = sent_quote(company, number="Q2026-0100", status=Quote.Status.ACCEPTED)
    sent_quote(other_company, number="Q2026-0999")
    client = client_for(member)
    url = reverse("sales:quote-list", kwargs={"company_id": company.public_id})

    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert page.count("Q2026-0") == 6
    assert "Q2026-0999" not in page

    page = client.get(url, {"status": "accepted"}).content.decode()
    assert accepted.number in page
    assert "Q2026-0001" not in page


def test_the_list_has_an_empty_state(company, owner, client_for):
    url = reverse("sales:quote-list", kwargs={"company_id": company.public_id})
    page = client_for(owner).get(url).content.decode()
    assert "No quotes yet" in page
    assert reverse("sales:quote-create", kwargs={"company_id": company.public_id}) in page
    page = client_for(owner).get(url, {"status": "declined"}).content.decode()
    assert "No quotes with this status." in page


# --- drafts -------------------------------------------------------------------------------------


def test_without_customers_the_new_quote_page_links_to_adding_one(company, owner, client_for):
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})
    page = client_for(owner).get(url).content.decode()
    assert "No customers yet" in page
    assert reverse("sales:customer-create", kwargs={"company_id": company.public_id}) in page


def test_a_new_quote_offers_only_the_companys_customers(company, other_company, owner, client_for):
    mine = factories.CustomerFactory(company=company, name="Eigen Klant BV")
    theirs = factories.CustomerFactory(company=other_company, name="Vreemde Klant NV")
    client = client_for(owner)
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})

    page = client.get(url).content.decode()
    assert mine.name in page
    assert theirs.name not in page

    # posting another company's customer is refused like an unknown choice
    response = client.post(url, quote_data(theirs))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with company_scope(company):
        assert not Quote.objects.exists()


@pytest.mark.parametrize("value", ["1", "not-a-uuid", MISSING])
def test_an_unknown_customer_is_an_invalid_choice(value, company, owner, client_for):
    customer = factories.CustomerFactory(company=company)
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})
    response = client_for(owner).post(url, {**quote_data(customer), "customer": value})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_new_quote_is_saved_as_a_draft_with_its_lines(company, owner, client_for):
    customer = factories.CustomerFactory(company=company, vat_treatment="domestic")
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})
    data = quote_data(
        customer,
        vat_treatment="",
        **lines_data(
            {"description": "Taart", "quantity": "2", "unit_price": "12.50", "vat_rate": "6"},
            {"description": "Catering", "quantity": "3", "unit": "HUR", "unit_price": "45"},
        ),
    )

    response = client_for(owner).post(url, data)

    with company_scope(company):
        quote = Quote.objects.get()
        lines = list(quote.lines.values_list("description", "quantity", "unit", "vat_rate"))
    assert response.status_code == 302
    assert response["Location"] == detail_url(quote)
    assert quote.status == Quote.Status.DRAFT
    assert quote.number == ""
    assert quote.vat_treatment == "domestic"  # empty: as set for the customer
    assert lines == [("Taart", D("2"), "C62", D("6")), ("Catering", D("3"), "HUR", D("21"))]


def test_a_quote_needs_a_line(company, owner, client_for):
    customer = factories.CustomerFactory(company=company)
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})
    # an untouched empty row, as the browser posts it
    blank = {"description": "", "quantity": "", "unit_price": "", "vat_rate": ""}
    data = quote_data(customer, **lines_data(blank))
    response = client_for(owner).post(url, data)
    assert response.status_code == 200
    assert "Add at least one line." in response.content.decode()
    with company_scope(company):
        assert not Quote.objects.exists()


def test_the_draft_page_saves_the_lines_of_the_formset(company, member, client_for):
    # given a draft with two lines
    quote = quote_with_lines(company)
    client = client_for(member)
    page = client.get(detail_url(quote)).content.decode()
    assert 'name="lines-INITIAL_FORMS" value="2"' in page
    assert 'value="Taart"' in page

    # when the first line changes, the second is removed and a third is added
    data = quote_data(
        quote.customer,
        discount_percent="5",
        **lines_data(
            {
                "description": "Verjaardagstaart",
                "quantity": "1",
                "unit_price": "30",
                "vat_rate": "6",
            },
            {"description": "Catering", "quantity": "3", "unit_price": "45", "DELETE": "on"},
            {"description": "Levering", "quantity": "1", "unit_price": "15"},
            initial=2,
        ),
    )
    response = client.post(detail_url(quote), data)

    # then the quote has exactly those lines, in that order
    assert response.status_code == 302
    quote.refresh_from_db()
    with company_scope(company):
        lines = list(quote.lines.values_list("position", "description", "unit_price"))
    assert quote.discount_percent == D("5")
    assert quote.valid_until == datetime.date(2026, 12, 20)
    assert lines == [(0, "Verjaardagstaart", D("30")), (1, "Levering", D("15"))]


def test_add_a_line_without_javascript_shows_one_more_empty_line(company, owner, client_for):
    customer = factories.CustomerFactory(company=company)
    url = reverse("sales:quote-create", kwargs={"company_id": company.public_id})
    data = {
        **quote_data(customer, notes="Voor het feest"),
        **lines_data({"description": "Broden", "quantity": "10", "unit_price": ""}),
        "action": "add_line",
    }

    page = client_for(owner).post(url, data).content.decode()

    assert 'name="lines-TOTAL_FORMS" value="2"' in page
    assert 'name="lines-1-description"' in page
    assert 'value="Broden"' in page  # what was typed stays
    assert "Voor het feest" in page
    assert "This field is required" not in page  # not a submission: no errors yet
    with company_scope(company):
        assert not Quote.objects.exists()


def test_a_sent_quote_is_read_only_with_its_totals(company, accountant, owner, client_for):
    quote = sent_quote(company)
    # 2 × 12.50 at 6 % = 25.00 + 1.50; 3 × 45.00 at 21 % = 135.00 + 28.35
    for user in (accountant, owner):
        page = client_for(user).get(detail_url(quote)).content.decode()
        assert "€160.00" in page  # total excl. VAT
        assert "€1.50" in page  # VAT at 6 %
        assert "€28.35" in page  # VAT at 21 %
        assert "€189.85" in page  # total incl. VAT
        assert 'name="lines-TOTAL_FORMS"' not in page
    # the customer's link is shown to who may act on the quote
    owner_page = client_for(owner).get(detail_url(quote)).content.decode()
    assert f"{settings.SITE_URL}/q/{quote.token}/" in owner_page
    assert quote.token not in client_for(accountant).get(detail_url(quote)).content.decode()

    # and posting changes is refused
    response = client_for(owner).post(detail_url(quote), quote_data(quote.customer, notes="x"))
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.notes == ""


# --- sending ------------------------------------------------------------------------------------


def test_sending_mails_the_pdf_and_the_accept_link(company, owner, client_for, smtp):
    customer = factories.CustomerFactory(company=company, email="info@klant.example")
    quote = quote_with_lines(company, customer=customer)
    url = reverse(
        "sales:quote-send", kwargs={"company_id": company.public_id, "quote_id": quote.public_id}
    )

    response = client_for(owner).post(url, follow=True)

    received = smtp.wait_for(1)
    assert len(received) == 1
    message = received[0].message
    assert received[0].rcpt_tos == ["info@klant.example"]
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    assert quote.number.startswith("Q")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{settings.SITE_URL}/q/{quote.token}/" in body
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{quote.number}.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content().startswith(b"%PDF")
    assert "The quote is sent to info@klant.example." in response.content.decode()
    with company_scope(company):
        assert Dispatch.objects.get().to == "info@klant.example"


def test_a_refused_quote_email_leaves_the_quote_as_it_was(company, owner, client_for, smtp):
    # given a mail server that refuses the customer's address
    customer = factories.CustomerFactory(company=company, email="weg@klant.example")
    quote = quote_with_lines(company, customer=customer)
    smtp.rcpt_reply = "550 5.1.1 unknown"
    url = reverse(
        "sales:quote-send", kwargs={"company_id": company.public_id, "quote_id": quote.public_id}
    )

    response = client_for(owner).post(url, follow=True)

    assert "could not be sent" in response.content.decode()
    quote.refresh_from_db()
    # a draft again, with the number it was given (the numbering keeps no gap), not sent
    assert (quote.status, quote.sent_at) == (Quote.Status.DRAFT, None)
    assert quote.number.startswith("Q")
    with company_scope(company):
        assert not Dispatch.objects.exists()


def test_sending_to_a_customer_without_email_says_so_and_sends_nothing(
    company, owner, client_for, smtp
):
    quote = quote_with_lines(company, customer=factories.CustomerFactory(company=company, email=""))
    url = reverse(
        "sales:quote-send", kwargs={"company_id": company.public_id, "quote_id": quote.public_id}
    )

    response = client_for(owner).post(url, follow=True)

    assert "The customer has no e-mail address. Add one first." in response.content.decode()
    assert smtp.messages == []
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT
    assert quote.number == ""


# --- the customer's page ------------------------------------------------------------------------


def test_the_public_page_needs_no_login_and_shows_the_quote(company, client_for):
    quote = sent_quote(company, customer=factories.CustomerFactory(company=company, language="en"))

    response = client_for(None).get(public_url(quote))

    page = response.content.decode()
    assert response.status_code == 200
    assert company.name in page
    assert quote.customer.name in page
    assert "Catering" in page
    assert "€189.85" in page
    assert 'value="accept"' in page
    assert 'value="decline"' in page
    assert response["Cache-Control"] == "private, no-store"


def test_an_unknown_token_or_a_draft_is_a_404(company, client_for):
    draft = quote_with_lines(company)
    client = client_for(None)
    assert client.get(reverse("sales:quote-public", kwargs={"token": "nope"})).status_code == 404
    assert client.post(reverse("sales:quote-public", kwargs={"token": "nope"})).status_code == 404
    assert client.get(public_url(draft)).status_code == 404
    assert client.post(public_url(draft), {"decision": "accept"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Quote.Status.DRAFT


def test_accepting_records_the_time_and_the_ip_address(company):
    quote = sent_quote(company, customer=factories.CustomerFactory(company=company, language="en"))
    client = Client(enforce_csrf_checks=True)
    page = client.get(public_url(quote)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    moment = timezone.now().replace(microsecond=0)

    with time_machine.travel(moment, tick=False):
        response = client.post(
            public_url(quote),
            {"decision": "accept", "csrfmiddlewaretoken": token},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR="198.51.100.1",  # written by the client: not trusted
            follow=True,
        )

    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    assert quote.decided_at == moment
    assert quote.decided_ip == "203.0.113.7"
    page = response.content.decode()
    assert "Thank you. Your answer is recorded." in page
    assert "This quote was accepted on" in page
    assert 'value="accept"' not in page
    # a second answer changes nothing
    client.post(public_url(quote), {"decision": "decline", "csrfmiddlewaretoken": token})
    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED


def test_declining_is_recorded_and_shown(company, client_for):
    quote = sent_quote(company, customer=factories.CustomerFactory(company=company, language="en"))
    response = client_for(None).post(public_url(quote), {"decision": "decline"}, follow=True)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DECLINED
    assert quote.decided_ip == "127.0.0.1"
    page = response.content.decode()
    assert "This quote was declined on" in page
    assert 'value="accept"' not in page


def test_an_expired_quote_cannot_be_accepted(company, client_for):
    quote = sent_quote(
        company,
        customer=factories.CustomerFactory(company=company, language="en"),
        issue_date=datetime.date(2026, 11, 1),
        valid_until=datetime.date(2026, 11, 30),
    )
    client = client_for(None)

    with time_machine.travel("2026-12-01 09:00:00+01:00", tick=False):
        page = client.get(public_url(quote)).content.decode()
        assert "can no longer be accepted" in page
        assert 'value="accept"' not in page
        response = client.post(public_url(quote), {"decision": "accept"}, follow=True)

    quote.refresh_from_db()
    assert quote.status != Quote.Status.ACCEPTED
    assert quote.decided_at is None
    assert "This quote has expired." in response.content.decode()


def test_the_public_page_is_in_the_customers_language(company, client_for):
    customer = factories.CustomerFactory(company=company, language="fr", name="Studio Lumière")
    quote = sent_quote(company, customer=customer)

    # a visitor whose browser asks for Dutch still reads the customer's French
    response = client_for(None).get(public_url(quote), HTTP_ACCEPT_LANGUAGE="nl")

    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "Total TVA comprise" in page
    assert "189,85" in page
    assert response["Content-Language"] == "fr"


# --- into an invoice ----------------------------------------------------------------------------


def test_an_accepted_quote_becomes_one_draft_invoice_with_the_same_lines(
    company, owner, client_for
):
    quote = sent_quote(company, status=Quote.Status.ACCEPTED)
    url = reverse(
        "sales:quote-to-invoice",
        kwargs={"company_id": company.public_id, "quote_id": quote.public_id},
    )
    client = client_for(owner)

    first = client.post(url)
    second = client.post(url)

    with company_scope(company):
        invoice = Invoice.objects.get()
        invoice_lines = list(
            invoice.lines.values_list("description", "quantity", "unit", "unit_price", "vat_rate")
        )
        quote_lines = list(
            quote.lines.values_list("description", "quantity", "unit", "unit_price", "vat_rate")
        )
    invoice_url = reverse(
        "sales:invoice-detail",
        kwargs={"company_id": company.public_id, "invoice_id": invoice.public_id},
    )
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == invoice_url
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.customer == quote.customer
    assert invoice.buyer_reference == quote.number
    assert invoice_lines == quote_lines
    quote.refresh_from_db()
    assert quote.invoice == invoice


@pytest.mark.parametrize("status", [Quote.Status.DRAFT, Quote.Status.SENT, Quote.Status.DECLINED])
def test_only_an_accepted_quote_becomes_an_invoice(status, company, owner, client_for):
    quote = sent_quote(company, status=status)
    url = reverse(
        "sales:quote-to-invoice",
        kwargs={"company_id": company.public_id, "quote_id": quote.public_id},
    )
    response = client_for(owner).post(url, follow=True)
    assert "Only an accepted quote becomes an invoice." in response.content.decode()
    with company_scope(company):
        assert not Invoice.objects.exists()


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_opens_in_the_browser(company, accountant, client_for):
    quote = sent_quote(company)
    url = reverse(
        "sales:quote-pdf", kwargs={"company_id": company.public_id, "quote_id": quote.public_id}
    )
    response = client_for(accountant).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Q2026-0001.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_owner_hears_of_the_answer_and_the_customer_gets_a_copy(
    company, owner, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    owner.language = "nl"
    owner.save()
    customer = factories.CustomerFactory(company=company, language="fr", email="achat@client.be")
    quote = sent_quote(company, customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(None).post(public_url(quote), {"decision": "accept"})
    by_address = {tuple(message.to): message for message in mailoutbox}
    notice = by_address[(owner.email,)]
    assert f"{customer.name} aanvaardde offerte {quote.number}" in notice.subject
    assert f"/quotes/{quote.public_id}/" in notice.body
    copy = by_address[("achat@client.be",)]
    assert f"Vous avez accepté le devis {quote.number}" in copy.body
    assert f"/q/{quote.token}/" in copy.body
