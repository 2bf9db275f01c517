"""An office's request for a client by enterprise number tells the office nothing about the
number (same page, message, status and queries whether a company has it or not), and the
owner always sees the requester's verified e-mail beside the office's chosen name."""

import datetime
import statistics
import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.companies.models import OfficeClientLink
from apps.companies.scoping import all_companies
from tests import factories

UNKNOWN = "0412345614"


def _office_url(office_member):
    return reverse("companies:office-detail", kwargs={"office_id": office_member.office.public_id})


def _request(client, office_member, number):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(_office_url(office_member), {"enterprise_number": number})
    return response, len(queries)


def _ask(client, office_member, number, on_commit):
    """Post the request and run what follows the response (the lookup, the owners' e-mail);
    ``on_commit`` is pytest-django's ``django_capture_on_commit_callbacks``."""
    with on_commit(execute=True):
        return client.post(_office_url(office_member), {"enterprise_number": number})


@pytest.mark.django_db
def test_the_answer_is_the_same_whether_the_number_exists_or_not(company, owner, client_for):
    # given an office, a company on OkiOki, one already linked, and a number nobody has
    office_member = factories.OfficeMemberFactory()
    linked = factories.CompanyFactory(name="Already Linked NV")
    factories.OfficeClientLinkFactory(company=linked, office=office_member.office)
    client = client_for(office_member.user)
    answers = {}
    for case, number in {
        "exists": company.enterprise_number,
        "unknown": UNKNOWN,
        "linked": linked.enterprise_number,
    }.items():
        # when the accountant asks for each
        response, queries = _request(client, office_member, number)
        page = client.get(response["Location"]).content.decode()
        message = page[page.index("Request sent") : page.index("once approved.")]
        answers[case] = (response.status_code, response["Location"], message, queries)
        assert company.name not in page
    # then the answer is the same: status, page, message and database work
    assert answers["exists"] == answers["unknown"] == answers["linked"]
    assert answers["exists"][0] == 302


@pytest.mark.django_db
def test_the_answer_takes_the_same_time_whether_the_number_exists_or_not(
    company, owner, client_for
):
    office_member = factories.OfficeMemberFactory()
    client = client_for(office_member.user)
    samples: dict[str, list[float]] = {company.enterprise_number: [], UNKNOWN: []}
    for _ in range(9):  # alternated, so the machine's load weighs on both alike
        for number, durations in samples.items():
            started = time.perf_counter()
            client.post(_office_url(office_member), {"enterprise_number": number})
            durations.append(time.perf_counter() - started)
    fast, slow = sorted(statistics.median(durations) for durations in samples.values())
    assert slow < fast * 2 + 0.01, samples


@pytest.mark.django_db
def test_the_owner_sees_the_offices_name_with_the_requesters_verified_email(
    company, owner, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    # given an office that calls itself like the company's usual accountant
    office = factories.OfficeFactory(name="Your usual accountant")
    requester = factories.OfficeMemberFactory(
        office=office, user__email="someone@elsewhere.example"
    )
    # when it asks for the company
    _ask(
        client_for(requester.user),
        requester,
        company.enterprise_number,
        django_capture_on_commit_callbacks,
    )
    # then the pending link exists, and the office still sees nothing of the company
    with all_companies():
        link = OfficeClientLink.objects.get(company=company)
    assert (link.status, link.requested_by) == (OfficeClientLink.Status.PENDING, requester.user)
    assert (
        company.name not in client_for(requester.user).get(_office_url(requester)).content.decode()
    )
    # the owner's e-mail shows the chosen name and the requester's e-mail together
    [message] = mailoutbox
    assert message.to == [owner.email]
    assert "Your usual accountant" in message.body
    assert "someone@elsewhere.example" in message.body
    # and so does the owner's dashboard
    dashboard = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    notice = client_for(owner).get(dashboard).content.decode()
    assert "Your usual accountant" in notice
    assert "someone@elsewhere.example" in notice
    members = reverse("companies:member-list", kwargs={"company_id": company.public_id})
    assert "someone@elsewhere.example" in client_for(owner).get(members).content.decode()


@pytest.mark.django_db
def test_an_unknown_number_makes_nothing_and_mails_nobody(
    company, owner, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    office_member = factories.OfficeMemberFactory()
    _ask(client_for(office_member.user), office_member, UNKNOWN, django_capture_on_commit_callbacks)
    with all_companies():
        assert not OfficeClientLink.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_requester_without_a_verified_email_is_told_to_verify_it(
    company, owner, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    office_member = factories.OfficeMemberFactory()
    EmailAddress.objects.filter(user=office_member.user).update(verified=False)
    response = _ask(
        client_for(office_member.user),
        office_member,
        company.enterprise_number,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "Verify your e-mail address first" in response.content.decode()
    with all_companies():
        assert not OfficeClientLink.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_second_request_while_one_is_open_changes_nothing(
    company, owner, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    office_member = factories.OfficeMemberFactory()
    client = client_for(office_member.user)
    for _ in range(2):
        _ask(client, office_member, company.enterprise_number, django_capture_on_commit_callbacks)
    with all_companies():
        assert OfficeClientLink.objects.filter(company=company).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_an_office_the_owner_declined_cannot_ask_again_at_once(
    company, owner, client_for, owner_decides, mailoutbox, django_capture_on_commit_callbacks
):
    office_member = factories.OfficeMemberFactory()

    def ask():
        client = client_for(office_member.user)
        _ask(client, office_member, company.enterprise_number, django_capture_on_commit_callbacks)

    ask()
    with all_companies():
        link = OfficeClientLink.objects.get(company=company)
    owner_decides(link, "decline")
    # asking again right after the refusal makes nothing and mails nobody
    ask()
    with all_companies():
        assert OfficeClientLink.objects.filter(company=company).count() == 1
    assert len(mailoutbox) == 1
    # a month later it may ask again
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        ask()
    with all_companies():
        assert OfficeClientLink.objects.filter(company=company).count() == 2
    assert len(mailoutbox) == 2
