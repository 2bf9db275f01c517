from typing import Any

from django.http import HttpRequest

from apps.companies.access import Action
from apps.companies.selectors import company_list_for_user, office_list_for_user


def company(request: HttpRequest) -> dict[str, Any]:
    """The active company and what the header's switcher lists."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = getattr(request, "access", None)
    return {
        "current_company": getattr(request, "company", None),
        "access": access,
        "can": {action.value: access.can(action) for action in Action} if access else {},
        "switcher_companies": company_list_for_user(user=user),
        "switcher_offices": office_list_for_user(user=user),
    }
