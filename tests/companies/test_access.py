"""The permission table: what each role may do in a company."""

import pytest

from apps.companies.access import Access, Action
from apps.companies.models import Company, Role

EXPECTED = {
    Role.OWNER: set(Action),
    Role.MEMBER: {Action.VIEW, Action.EDIT_DATA, Action.CONFIGURE_TRANSFER},
    # Read and configure the transfer to the office; never billing, members or company details.
    Role.ACCOUNTANT: {Action.VIEW, Action.CONFIGURE_TRANSFER, Action.ROUTE_TRANSFER},
}
# Where documents go: the owner, or an accountant through the office link the owner approved.
VIA_OFFICE_ONLY = {Role.ACCOUNTANT: {Action.ROUTE_TRANSFER}}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_permission_table(role, action):
    for via_office in (False, True):
        access = Access(company=Company(), role=role, via_office=via_office)
        expected = action in EXPECTED[role] and (
            via_office or action not in VIA_OFFICE_ONLY.get(role, set())
        )
        assert access.can(action) == expected, (role, action, via_office)


def test_a_member_may_send_documents_but_not_change_where_they_go():
    access = Access(company=Company(), role=Role.MEMBER)
    assert access.can(Action.CONFIGURE_TRANSFER)
    assert not access.can(Action.ROUTE_TRANSFER)


def test_only_a_linked_offices_accountant_may_change_where_documents_go():
    assert Access(company=Company(), role=Role.ACCOUNTANT, via_office=True).can(
        Action.ROUTE_TRANSFER
    )
    assert not Access(company=Company(), role=Role.ACCOUNTANT).can(Action.ROUTE_TRANSFER)


def test_accountant_may_configure_transfer_but_not_billing():
    access = Access(company=Company(), role=Role.ACCOUNTANT, via_office=True)
    assert access.can(Action.CONFIGURE_TRANSFER)
    assert not access.can(Action.MANAGE_BILLING)


def test_unknown_role_may_do_nothing():
    access = Access(company=Company(), role="visitor")
    assert not any(access.can(action) for action in Action)


@pytest.mark.django_db
def test_a_missing_an_inactive_and_another_persons_company_are_the_same_404():
    import uuid

    from django.http import Http404

    from apps.companies.access import company_access_or_404
    from tests import factories

    owner, stranger = factories.UserFactory(), factories.UserFactory()
    company, inactive = factories.CompanyFactory(), factories.CompanyFactory(is_active=False)
    for each in (company, inactive):
        factories.MembershipFactory(company=each, user=owner, role=Role.OWNER)
    found, access = company_access_or_404(owner, company.public_id)
    assert (found, access.role) == (company, Role.OWNER)
    for user, company_id in (
        (owner, uuid.uuid4()),
        (owner, inactive.public_id),
        (stranger, company.public_id),
    ):
        with pytest.raises(Http404) as refused:
            company_access_or_404(user, company_id)
        assert str(refused.value) == "No such company."
