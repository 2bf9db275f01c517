from typing import Any

import pytest

from apps.accounts.models import User
from tests import factories


@pytest.fixture
def staff(db: None, settings: Any) -> User:
    """A platform admin with an authenticator app, where staff must have one."""
    settings.STAFF_REQUIRE_2FA = True
    user = factories.UserFactory(is_staff=True, email="staff@okioki.be")
    factories.totp_enable(user)
    return user
