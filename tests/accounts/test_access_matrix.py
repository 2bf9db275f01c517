"""Who may open the sign-in views this app adds: the admin's sign-in (a redirect to allauth's)
and the e-mailed unlock link (anyone holding a valid link; a bad one is refused to all)."""

import pytest
from django.urls import reverse

from tests import factories
from tests.access import cases, user_of

ROLES = ["anonymous", "outsider", "member", "owner", "staff"]


@pytest.fixture
def staff(db):
    user = factories.UserFactory(is_staff=True)
    factories.totp_enable(user)
    return user


# view, method, expected status per role (anonymous, outsider, member, owner, staff)
MATRIX = [
    ("admin-login", "get", [302, 403, 403, 403, 302]),
    ("admin-login", "post", [302, 403, 403, 403, 302]),
    ("accounts:login-unlock", "get", [410, 410, 410, 410, 410]),
    ("accounts:login-unlock", "post", [410, 410, 410, 410, 410]),
]


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX, roles=ROLES))
def test_access_matrix(view, method, role, expected, request, client_for, company):
    args = ["not-a-valid-link"] if view == "accounts:login-unlock" else []
    client = client_for(user_of(role, request))
    response = getattr(client, method)(reverse(view, args=args) + "?next=/admin/")
    assert response.status_code == expected
    if view == "admin-login" and expected == 302:
        # anonymous: to allauth's sign-in; staff: on to the admin
        login = reverse("account_login") + "?next=/admin/"
        assert response["Location"] == ("/admin/" if role == "staff" else login)
    assert "_auth_user_id" not in client.session or role != "anonymous"
