from typing import Any

from django.http import HttpRequest

from apps.companies.selectors import company_list_for_user, office_list_for_user


def company(request: HttpRequest) -> dict[str, Any]:
    """The active company and what the header's switcher lists."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_company": getattr(request, "company", None),
        "access": getattr(request, "access", None),
        "switcher_companies": company_list_for_user(user=user),
        "switcher_offices": office_list_for_user(user=user),
    }
