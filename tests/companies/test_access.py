"""The permission table: what each role may do in a company."""

import pytest

from apps.companies.access import Access, Action
from apps.companies.models import Company, Role

EXPECTED = {
    Role.OWNER: set(Action),
    Role.MEMBER: {Action.VIEW, Action.EDIT_DATA, Action.CONFIGURE_TRANSFER},
    # Read and configure the transfer to the office; never billing, members or company details.
    Role.ACCOUNTANT: {Action.VIEW, Action.CONFIGURE_TRANSFER},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_permission_table(role, action):
    for via_office in (False, True):
        access = Access(company=Company(), role=role, via_office=via_office)
        assert access.can(action) == (action in EXPECTED[role]), (role, action, via_office)


def test_accountant_may_configure_transfer_but_not_billing():
    access = Access(company=Company(), role=Role.ACCOUNTANT, via_office=True)
    assert access.can(Action.CONFIGURE_TRANSFER)
    assert not access.can(Action.MANAGE_BILLING)


def test_unknown_role_may_do_nothing():
    access = Access(company=Company(), role="visitor")
    assert not any(access.can(action) for action in Action)
