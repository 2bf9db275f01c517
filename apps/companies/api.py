"""REST API base: company-scoped views, and the companies endpoints.

API URLs carry the company like pages do: ``/api/v1/companies/<company_id>/...``. DRF
authenticates inside the view, so the scope is set here (after authentication and the access
check) rather than by the web middleware, and reset in ``finally``.
"""

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.companies.access import Access, Action, company_access_or_404
from apps.companies.middleware import two_factor_refusal
from apps.companies.models import Company
from apps.companies.scoping import enter_scope, exit_scope
from apps.companies.selectors import company_list_for_user


class CompanyScopedAPIView(APIView):
    """Base of every company API view. ``self.company`` and ``self.access`` are set, the scope
    holds for the whole request, and ``required_action`` is checked (403 inside the company,
    404 for a company the user can't see)."""

    required_action: Action = Action.VIEW
    company: Company
    access: Access
    user: User

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        token = enter_scope(None)
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            exit_scope(token)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        company, access = company_access_or_404(request.user, kwargs["company_id"])
        refusal = two_factor_refusal(user=request.user, company=company)
        if refusal:
            raise PermissionDenied(refusal)
        self.company, self.access = company, access
        self.user = cast(User, request.user)
        enter_scope(company)  # reset by dispatch's finally
        action = self.required_action
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            action = getattr(self, "write_action", Action.EDIT_DATA)
        if not access.can(action):
            raise PermissionDenied


class CompanySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    peppol_id = serializers.CharField(read_only=True)
    plan = serializers.CharField(source="plan.code", read_only=True)

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "enterprise_number",
            "vat_number",
            "peppol_id",
            "street",
            "postal_code",
            "city",
            "country",
            "default_language",
            "plan",
        ]


class CompanyWithRoleSerializer(serializers.Serializer):
    company = CompanySerializer()
    role = serializers.CharField()


class CompanyListAPI(ListAPIView):
    """The companies the signed-in user can open, with their role."""

    serializer_class = CompanyWithRoleSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return company_list_for_user(user=self.request.user)  # type: ignore[arg-type]


class CompanyDetailAPI(CompanyScopedAPIView):
    write_action = Action.MANAGE_COMPANY

    @extend_schema(responses=CompanySerializer)
    def get(self, request: Request, company_id: str) -> Response:
        return Response(CompanySerializer(self.company).data)
