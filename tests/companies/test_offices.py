"""Accounting offices: the client list, linking from either side, and what stays hidden."""

from django.urls import reverse

from apps.billing.models import Plan
from apps.companies.models import OfficeClientLink, Role
from apps.companies.scoping import all_companies
from tests import factories


def test_accountant_sees_both_linked_clients_and_nothing_of_a_third(client_for, db):
    # given an office linked to two clients, and a third company it has nothing to do with
    office_member = factories.OfficeMemberFactory()
    first = factories.CompanyFactory(name="Client One BV")
    second = factories.CompanyFactory(name="Client Two SRL")
    third = factories.CompanyFactory(name="Stranger NV")
    for client_company in (first, second):
        factories.OfficeClientLinkFactory(company=client_company, office=office_member.office)
    client = client_for(office_member.user)

    # when the accountant opens the office's client list
    response = client.get(
        reverse("companies:office-detail", kwargs={"office_id": office_member.office.public_id})
    )

    # then both clients are listed with their plan, and the third is nowhere
    html = response.content.decode()
    assert "Client One BV" in html
    assert "Client Two SRL" in html
    assert "Start" in html
    assert "Stranger NV" not in html
    for company in (first, second):
        url = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
        assert client.get(url).status_code == 200
    assert (
        client.get(
            reverse("companies:dashboard", kwargs={"company_id": third.public_id})
        ).status_code
        == 404
    )
    api = client.get(reverse("companies-api:company-list")).json()
    assert sorted(row["company"]["name"] for row in api) == ["Client One BV", "Client Two SRL"]


def test_client_list_shows_each_clients_plan_and_status(client_for, db):
    # given an office with an active client on Collect 70 and a pending one on Start
    office_member = factories.OfficeMemberFactory()
    active = factories.CompanyFactory(
        name="Active Client BV", plan=Plan.objects.get(code="collect-70")
    )
    pending = factories.CompanyFactory(name="Pending Client BV")
    factories.OfficeClientLinkFactory(company=active, office=office_member.office)
    factories.OfficeClientLinkFactory(
        company=pending, office=office_member.office, status=OfficeClientLink.Status.PENDING
    )
    # when the accountant opens the client list
    response = client_for(office_member.user).get(
        reverse("companies:office-detail", kwargs={"office_id": office_member.office.public_id})
    )
    # then each row shows the client's plan and the link's status
    html = response.content.decode()
    html = html[html.index("<tbody>") :]
    rows = {
        name: html[html.index(name) : html.index("</tr>", html.index(name))]
        for name in ("Active Client BV", "Pending Client BV")
    }
    assert "Collect 70" in rows["Active Client BV"]
    assert "badge-active" in rows["Active Client BV"]
    assert "Start" in rows["Pending Client BV"]
    assert "Waiting for approval" in rows["Pending Client BV"]


def test_another_offices_page_is_404(client_for, db):
    mine = factories.OfficeMemberFactory()
    theirs = factories.OfficeMemberFactory()
    client = client_for(mine.user)
    url = reverse("companies:office-detail", kwargs={"office_id": theirs.office.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"enterprise_number": "0412345614"}).status_code == 404


def test_client_list_query_count_does_not_grow_with_clients(
    client_for, db, django_assert_max_num_queries
):
    office_member = factories.OfficeMemberFactory()
    for _ in range(25):
        factories.OfficeClientLinkFactory(office=office_member.office)
    client = client_for(office_member.user)
    url = reverse("companies:office-detail", kwargs={"office_id": office_member.office.public_id})
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_office_requests_access_and_owner_approves(
    company, owner, client_for, owner_decides, django_capture_on_commit_callbacks
):
    # given an office that asks for access to a client by enterprise number
    office_member = factories.OfficeMemberFactory()
    accountant = client_for(office_member.user)
    with django_capture_on_commit_callbacks(execute=True):
        accountant.post(
            reverse(
                "companies:office-detail", kwargs={"office_id": office_member.office.public_id}
            ),
            {"enterprise_number": f"BE {company.enterprise_number}"},
        )
    with all_companies():
        link = OfficeClientLink.objects.get(company=company, office=office_member.office)
    assert link.status == OfficeClientLink.Status.PENDING
    dashboard = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    # then, until the owner approves, the accountant can't open the company
    assert accountant.get(dashboard).status_code == 404
    assert office_member.office.name in client_for(owner).get(dashboard).content.decode()
    owner_decides(link, "approve")
    assert accountant.get(dashboard).status_code == 200
    # and ending the link closes the door again
    owner_decides(link, "decline")
    assert accountant.get(dashboard).status_code == 404


def test_invited_accountant_of_an_office_links_the_office_once_the_owner_confirms(
    company, owner, client_for, owner_decides, mailoutbox, django_capture_on_commit_callbacks
):
    office_member = factories.OfficeMemberFactory()
    colleague = factories.OfficeMemberFactory(office=office_member.office)
    invitation = factories.InvitationFactory(
        company=company, role=Role.ACCOUNTANT, email=office_member.user.email
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(office_member.user).post(
            reverse("companies:invitation-accept", args=[invitation.token])
        )
    assert response["Location"] == reverse(
        "companies:office-detail", kwargs={"office_id": office_member.office.public_id}
    )
    # the link waits for the owner, who is told by e-mail with the accountant's address
    dashboard = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    assert client_for(colleague.user).get(dashboard).status_code == 404
    [notice] = mailoutbox
    assert notice.to == [owner.email]
    assert office_member.office.name in notice.body
    assert office_member.user.email in notice.body
    with all_companies():
        link = OfficeClientLink.objects.get(company=company)
    assert link.status == OfficeClientLink.Status.PENDING
    assert office_member.user.email in client_for(owner).get(dashboard).content.decode()
    # once the owner confirms, the whole office sees the client
    owner_decides(link, "approve")
    page = client_for(colleague.user).get(dashboard)
    assert page.status_code == 200
    assert "Accountant" in page.content.decode()


def test_the_owner_may_refuse_the_office_of_an_invited_accountant(
    company, owner, client_for, owner_decides
):
    office_member = factories.OfficeMemberFactory()
    invitation = factories.InvitationFactory(
        company=company, role=Role.ACCOUNTANT, email=office_member.user.email
    )
    client_for(office_member.user).post(
        reverse("companies:invitation-accept", args=[invitation.token])
    )
    with all_companies():
        link = OfficeClientLink.objects.get(company=company)
    owner_decides(link, "decline")
    dashboard = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    assert client_for(office_member.user).get(dashboard).status_code == 404
    link.refresh_from_db()
    assert link.status == OfficeClientLink.Status.ENDED


def test_last_owner_cannot_be_removed(company, owner, client_for):
    with all_companies():
        membership = owner.memberships.get(company=company)
    client = client_for(owner)
    response = client.post(
        reverse(
            "companies:membership-remove",
            kwargs={"company_id": company.public_id, "membership_id": membership.public_id},
        ),
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    with all_companies():
        assert owner.memberships.filter(company=company).exists()


def test_last_owner_cannot_step_down_to_member(company, owner, client_for):
    with all_companies():
        membership = owner.memberships.get(company=company)
    response = client_for(owner).post(
        reverse(
            "companies:membership-role",
            kwargs={"company_id": company.public_id, "membership_id": membership.public_id},
        ),
        {"role": Role.MEMBER},
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    with all_companies():
        membership.refresh_from_db()
    assert membership.role == Role.OWNER
