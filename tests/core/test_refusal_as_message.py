"""A service's refusal in a view: shown as an error message with its words, the rest of the
block skipped, the view going on after it; anything else is not caught. And the views that
show a refusal so: each goes back where it did, saying why."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from apps.companies.models import Invitation, Membership, OfficeClientLink, Role
from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from apps.core.errors import PermissionDenied
from apps.core.views import refusal_as_message
from apps.sales.models import Invoice, Quote
from tests import factories


@pytest.fixture
def request_with_messages():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def _shown(request) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_a_refusal_becomes_an_error_message_and_the_block_stops(request_with_messages):
    done = []
    with refusal_as_message(request_with_messages):
        done.append("called")
        raise PermissionDenied("Only the owner may do this.")
    done.append("after")  # the view goes on after the block
    assert done == ["called", "after"]
    assert _shown(request_with_messages) == [("error", "Only the owner may do this.")]


def test_without_a_refusal_the_whole_block_runs_and_nothing_is_added(request_with_messages):
    with refusal_as_message(request_with_messages):
        result = "saved"
    assert result == "saved"
    assert _shown(request_with_messages) == []


def test_other_errors_are_not_caught(request_with_messages):
    with pytest.raises(ValueError, match="a bug"), refusal_as_message(request_with_messages):
        raise ValueError("a bug")
    assert _shown(request_with_messages) == []


# --- the views that show a refusal through it ------------------------------------------------


def _company_url(name, company, **kwargs):
    return reverse(name, kwargs={"company_id": company.public_id, **kwargs})


def _invitation_taken(company, owner):
    invitation = factories.InvitationFactory(company=company, status=Invitation.Status.ACCEPTED)
    url = _company_url("companies:invitation-revoke", company, invitation_id=invitation.public_id)
    return url, {}, _company_url("companies:member-list", company)


def _last_owner_removed(company, owner):
    own = Membership.objects.get(company=company, user=owner)
    url = _company_url("companies:membership-remove", company, membership_id=own.public_id)
    return url, {}, _company_url("companies:member-list", company)


def _last_owner_demoted(company, owner):
    own = Membership.objects.get(company=company, user=owner)
    url = _company_url("companies:membership-role", company, membership_id=own.public_id)
    return url, {"role": Role.MEMBER}, _company_url("companies:member-list", company)


def _ended_link_approved(company, owner):
    link = factories.OfficeClientLinkFactory(company=company, status=OfficeClientLink.Status.ENDED)
    url = _company_url("companies:office-link-decide", company, link_id=link.public_id)
    return url, {"decision": "approve"}, _company_url("companies:member-list", company)


def _two_factor_required_without_it(company, owner):
    url = _company_url("companies:company-two-factor", company)
    return url, {"required": "on"}, _company_url("companies:company-edit", company)


def _failed_delivery_approved(company, owner):
    delivery = factories.DeliveryFactory(company=company, status=Delivery.Status.FAILED)
    url = _company_url("connections:delivery-approve", company, delivery_id=delivery.public_id)
    return url, {}, _company_url("connections:delivery-list", company)


def _document_sent_without_address(company, owner):
    document = factories.DocumentFactory(company=company)
    url = _company_url("connections:document-send", company, document_id=document.public_id)
    detail = _company_url("documents:document-detail", company, document_id=document.public_id)
    return url, {}, detail


def _draft_marked_paid(company, owner):
    invoice = factories.InvoiceFactory(company=company)
    url = _company_url("sales:invoice-paid", company, invoice_id=invoice.public_id)
    return url, {}, _company_url("sales:invoice-detail", company, invoice_id=invoice.public_id)


def _issued_deleted(company, owner):
    invoice = factories.InvoiceFactory(
        company=company, status=Invoice.Status.ISSUED, number="2026-0001"
    )
    url = _company_url("sales:invoice-delete", company, invoice_id=invoice.public_id)
    return url, {}, _company_url("sales:invoice-detail", company, invoice_id=invoice.public_id)


def _draft_quote_invoiced(company, owner):
    quote = factories.QuoteFactory(company=company)
    url = _company_url("sales:quote-to-invoice", company, quote_id=quote.public_id)
    return url, {}, _company_url("sales:quote-detail", company, quote_id=quote.public_id)


def _quote_sent_without_email(company, owner):
    customer = factories.CustomerFactory(company=company, email="")
    quote = factories.QuoteFactory(company=company, customer=customer)
    url = _company_url("sales:quote-send", company, quote_id=quote.public_id)
    return url, {}, _company_url("sales:quote-detail", company, quote_id=quote.public_id)


def _answered_quote_answered_again(company, owner):
    quote = factories.QuoteFactory(
        company=company, status=Quote.Status.ACCEPTED, number="Q2026-0001"
    )
    url = reverse("sales:quote-public", kwargs={"token": quote.token})
    return url, {"decision": "accept"}, url


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (_invitation_taken, "This invitation is no longer pending."),
        (_last_owner_removed, "A company needs at least one owner. Make someone else owner first."),
        (_last_owner_demoted, "A company needs at least one owner. Make someone else owner first."),
        (_ended_link_approved, "This link has already ended."),
        (
            _two_factor_required_without_it,
            "Set up two-factor authentication for yourself first, then require it of others.",
        ),
        (_failed_delivery_approved, "This delivery is not waiting for approval."),
        (
            _document_sent_without_address,
            "Set your accountant's address first (Connections → Transfer to accountant).",
        ),
        (_draft_marked_paid, "Only an issued invoice can be marked paid."),
        (
            _issued_deleted,
            "An issued invoice can no longer be changed; make a credit note to correct it.",
        ),
        (_draft_quote_invoiced, "Only an accepted quote becomes an invoice."),
        (_quote_sent_without_email, "The customer has no e-mail address. Add one first."),
        # the customer's page speaks their language (Dutch unless the customer has another)
        (_answered_quote_answered_again, "This quote was already answered or is no longer open."),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_a_refused_action_says_why_and_goes_back(given, words, company, owner, client_for):
    # given an action the service refuses
    with company_scope(company):
        url, data, back = given(company, owner)
    # when the owner asks for it (or the customer, on the public quote page)
    response = client_for(owner).post(url, data)
    # then the page they come back to says why, in the words of the refusal
    assert response.status_code == 302
    assert response["Location"] == back
    language = "nl" if given is _answered_quote_answered_again else "en"
    with translation.override(language):
        assert _shown(response.wsgi_request) == [("error", translation.gettext(words))]
