"""Documents over the REST API: list with filters, upload (several files), one document."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.billing.entitlements import CollectionPaused
from apps.companies.access import Action
from apps.companies.api import CompanyScopedAPIView
from apps.core.paging import MAX_PAGE, page_number
from apps.documents import selectors, services
from apps.documents.forms import FilterForm
from apps.documents.models import Category, Document, Kind, Source
from apps.documents.problems import describe_all

TAGS = ["documents"]


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    problem = serializers.SerializerMethodField(
        help_text="What keeps the document from being ready, in the language of the request."
    )
    problems = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="The same as codes with parameters: {catalogue, code, params}.",
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "category",
            "status",
            "problem_code",
            "problem",
            "problems",
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
            "vat_breakdown",
            "structured_communication",
            "field_sources",
        ]

    def get_problem(self, document: Document) -> str:
        return describe_all(document.problems)


class DocumentPageSerializer(serializers.Serializer):
    results = DocumentSerializer(many=True)
    page = serializers.IntegerField(help_text="The page number, from 1.")
    has_next = serializers.BooleanField(help_text="Whether there is a next page.")


class IngestResultSerializer(serializers.Serializer):
    filename = serializers.CharField()
    document = serializers.UUIDField(source="document.public_id", allow_null=True, default=None)
    is_duplicate = serializers.BooleanField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    notice = serializers.CharField()
    joined_with = serializers.CharField(
        help_text="For an e-invoice XML that came with its PDF: that PDF's file name."
    )
    bank_statement = serializers.BooleanField(
        source="is_statement",
        help_text=(
            "A bank statement file (CODA, CAMT.053): no document, imported on the Bank page "
            "instead (`error` says why not, when it was not)."
        ),
    )
    new_transactions = serializers.IntegerField(
        help_text="For a bank statement file: the transactions it added."
    )


ErrorSerializer = inline_serializer(
    "DocumentError",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


PausedSerializer = inline_serializer(
    "CollectionPaused",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "reason": serializers.ChoiceField(choices=["plan", "payment_overdue"]),
    },
)


def _flatten(results: list[services.IngestResult]) -> list[services.IngestResult]:
    flat: list[services.IngestResult] = []
    for result in results:
        if result.children:
            flat.extend(_flatten(result.children))
        else:
            flat.append(result)
    return flat


def _choices(choices: list[tuple[str, Any]]) -> list[str]:
    return [value for value, _label in choices]


FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="Search in number, counterparty, file name, VAT id."),
    OpenApiParameter("kind", str, enum=_choices(Kind.choices)),
    OpenApiParameter("category", str, enum=_choices(Category.choices)),
    OpenApiParameter("status", str, enum=_choices(Document.Status.choices)),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Document date from (ISO)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Document date to (ISO)."),
    OpenApiParameter("counterparty", str, description="Part of the supplier or customer name."),
    OpenApiParameter("amount_min", OpenApiTypes.DECIMAL, description="Total incl. VAT from."),
    OpenApiParameter("amount_max", OpenApiTypes.DECIMAL, description="Total incl. VAT to."),
    OpenApiParameter(
        "sort",
        str,
        enum=_choices(FilterForm.base_fields["sort"].choices),  # type: ignore[attr-defined]
    ),
    OpenApiParameter(
        "page", int, description=f"Page number, from 1 to {MAX_PAGE}; 50 documents a page."
    ),
]


class DocumentListAPI(CompanyScopedAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="documents_list",
        summary="List documents",
        description=(
            "The company's documents, the last arrived first unless sorted otherwise "
            "(`sort=date`: by document date), 50 a page. "
            "An invalid filter value is a 400 naming the field."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: DocumentPageSerializer, 400: ErrorSerializer},
    )
    def get(self, request: Request, company_id: str) -> Response:
        form = FilterForm(request.query_params or None)
        errors: dict[str, list[str]] = {}
        if form.is_bound and not form.is_valid():
            errors = {name: [str(e) for e in value] for name, value in form.errors.items()}
        page = page_number(request.query_params.get("page"))
        if page is None:
            errors["page"] = [str(_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_PAGE})]
        if errors or page is None:
            return Response(
                {
                    "detail": str(_("Some filters are not valid.")),
                    "code": "invalid",
                    "errors": errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        rows, has_next = selectors.document_page(
            selectors.document_list(
                company=self.company,
                filters=form.filters(default_sort="received"),
                every_field=True,
            ),
            page=page,
        )
        return Response(
            {
                "results": DocumentSerializer(rows, many=True).data,
                "page": page,
                "has_next": has_next,
            }
        )

    @extend_schema(
        tags=TAGS,
        operation_id="documents_upload",
        summary="Upload documents",
        description=(
            "One or more files in the form field `files` (PDF, JPEG, PNG, UBL or CII XML, or "
            "ZIP files with these). Each file gets its own result, a ZIP one per file inside; "
            "a bad file doesn't block the others; a bank statement file goes to the Bank page "
            "instead. 201 when at least one file became (or already was) a document or was "
            "imported as a bank statement, 400 when none did or no file was sent. 402 "
            "(code `collection_paused`, `reason` `plan` or `payment_overdue`) when the "
            "company's plan collects no documents now (Start, or a payment overdue past "
            "its grace period): nothing is taken, `detail` says why and what to do."
        ),
        request={
            "multipart/form-data": inline_serializer(
                "DocumentUpload", {"files": serializers.ListField(child=serializers.FileField())}
            )
        },
        responses={
            201: IngestResultSerializer(many=True),
            400: PolymorphicProxySerializer(
                component_name="DocumentUploadRefused",
                serializers=[ErrorSerializer, IngestResultSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            ),
            402: PausedSerializer,
        },
    )
    def post(self, request: Request, company_id: str) -> Response:
        uploads = request.FILES.getlist("files")
        if not uploads:
            return Response(
                {"detail": str(_no_files_message()), "code": "required"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            results = services.document_ingest_uploads(
                company=self.company,
                uploads=uploads,
                source=Source.API,
                details={"uploaded_by": self.user.email},
                actor=self.user,
            )
        except CollectionPaused as paused:
            return Response(
                {
                    "detail": paused.pause.message,
                    "code": paused.code,
                    "reason": paused.pause.reason,
                },
                status=status.HTTP_402_PAYMENT_REQUIRED,
            )
        flat = _flatten(results)
        code = (
            status.HTTP_201_CREATED
            if any(r.document or (r.is_statement and r.ok) for r in flat)
            else status.HTTP_400_BAD_REQUEST
        )
        return Response(IngestResultSerializer(flat, many=True).data, status=code)


def _no_files_message() -> Any:
    return _("Send one or more files in the form field 'files'.")


class DocumentDetailAPI(CompanyScopedAPIView):
    required_action = Action.VIEW

    @extend_schema(
        tags=TAGS,
        operation_id="documents_retrieve",
        summary="Get a document",
        description="One document with its fields, where each was found and its problems.",
        responses={200: DocumentSerializer},
    )
    def get(self, request: Request, company_id: str, document_id: str) -> Response:
        document = selectors.document_get(company=self.company, document_id=document_id)
        if document is None:
            raise Http404
        return Response(DocumentSerializer(document).data)
