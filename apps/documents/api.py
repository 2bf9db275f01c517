"""Documents over the REST API: list with filters, upload (several files), one document."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.companies.access import Action
from apps.companies.api import CompanyScopedAPIView
from apps.documents import selectors, services
from apps.documents.forms import FilterForm
from apps.documents.models import Document, Source


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "category",
            "status",
            "problem_code",
            "problem",
            "source",
            "received_at",
            "original_filename",
            "counterparty_name",
            "counterparty_vat_id",
            "number",
            "issue_date",
            "due_date",
            "currency",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "structured_communication",
            "field_sources",
        ]


class IngestResultSerializer(serializers.Serializer):
    filename = serializers.CharField()
    document = serializers.UUIDField(source="document.public_id", allow_null=True, default=None)
    is_duplicate = serializers.BooleanField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    notice = serializers.CharField()


def _flatten(results: list[services.IngestResult]) -> list[services.IngestResult]:
    flat: list[services.IngestResult] = []
    for result in results:
        if result.children:
            flat.extend(_flatten(result.children))
        else:
            flat.append(result)
    return flat


class DocumentListAPI(CompanyScopedAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in (
                "q",
                "kind",
                "category",
                "status",
                "date_from",
                "date_to",
                "counterparty",
                "amount_min",
                "amount_max",
                "sort",
                "page",
            )
        ],
        responses=DocumentSerializer(many=True),
    )
    def get(self, request: Request, company_id: str) -> Response:
        form = FilterForm(request.query_params or None)
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError:
            page = 1
        rows, has_next = selectors.document_page(
            selectors.document_list(company=self.company, filters=form.filters()), page=page
        )
        return Response(
            {
                "results": DocumentSerializer(rows, many=True).data,
                "page": page,
                "has_next": has_next,
            }
        )

    @extend_schema(
        request=inline_serializer(
            "DocumentUpload", {"files": serializers.ListField(child=serializers.FileField())}
        ),
        responses={201: IngestResultSerializer(many=True)},
    )
    def post(self, request: Request, company_id: str) -> Response:
        uploads = request.FILES.getlist("files")
        if not uploads:
            return Response(
                {"detail": str(_no_files_message()), "code": "required"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        results = [
            services.document_ingest(
                company=self.company,
                data=upload.read(),
                filename=upload.name or "",
                source=Source.API,
                details={"uploaded_by": self.user.email},
                actor=self.user,
            )
            for upload in uploads
        ]
        flat = _flatten(results)
        code = (
            status.HTTP_201_CREATED
            if any(r.document for r in flat)
            else status.HTTP_400_BAD_REQUEST
        )
        return Response(IngestResultSerializer(flat, many=True).data, status=code)


def _no_files_message() -> Any:
    return _("Send one or more files in the form field 'files'.")


class DocumentDetailAPI(CompanyScopedAPIView):
    required_action = Action.VIEW

    @extend_schema(responses=DocumentSerializer)
    def get(self, request: Request, company_id: str, document_id: str) -> Response:
        document = selectors.document_get(company=self.company, document_id=document_id)
        if document is None:
            raise Http404
        return Response(DocumentSerializer(document).data)
