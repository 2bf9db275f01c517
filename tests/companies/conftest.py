from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.companies.models import OfficeClientLink


@pytest.fixture
def owner_decides(
    owner: User, client_for: Callable[[User | None], Client]
) -> Callable[[OfficeClientLink, str], None]:
    """The company's owner approves or declines (``decision``) an office's link."""

    def decide(link: OfficeClientLink, decision: str) -> None:
        url = reverse(
            "companies:office-link-decide",
            kwargs={"company_id": link.company.public_id, "link_id": link.public_id},
        )
        client_for(owner).post(url, {"decision": decision})

    return decide
