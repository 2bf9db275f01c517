"""Writes of invoices and credit notes: drafts, issuing (number, structured communication,
UBL and PDF, the sales document for the accountant), sending, marking paid, crediting.

Issuing is one transaction: the number is taken from the locked sequence, the UBL is built
and must pass the UBL 2.1 XSD, the EN 16931 rules and the Peppol BIS 3 rules, and the PDF
is rendered; if anything fails, nothing is issued and the number is not used (gap-free).
"""

import copy
import datetime
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.be import ogm_vcs

from apps.accounts.models import User
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.documents.models import Source
from apps.documents.services import document_ingest
from apps.einvoice import to_ubl, validate
from apps.einvoice.errors import EInvoiceError
from apps.einvoice.explanations import explain
from apps.sales.einvoicing import customer_snapshot, invoice_model
from apps.sales.models import Customer, Invoice, InvoiceLine, Quote, QuoteLine
from apps.sales.numbering import number_next

DRAFT_FIELDS = (
    "customer",
    "issue_date",
    "due_date",
    "vat_treatment",
    "discount_percent",
    "notes",
    "buyer_reference",
    "payment_collection",
)
ISSUED_STATUSES = ("issued", "paid")
KIND_DIGIT: dict[str, int] = {Invoice.Kind.INVOICE: 1, Invoice.Kind.CREDIT_NOTE: 2}


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = Decimal("21")
    unit: str = "C62"
    discount_percent: Decimal = Decimal("0")
    product_id: int | None = None
    vat_code: str = ""

    @classmethod
    def of(cls, line: Any, *, vat_code: bool = True) -> "LineInput":
        """The input that makes ``line`` (of a quote or an invoice) again."""
        given = {each.name: getattr(line, each.name) for each in fields(cls)}
        if not vat_code:
            given["vat_code"] = ""
        return cls(**given)


def _not_draft(invoice: Invoice) -> DomainError:
    if invoice.is_credit_note:
        return DomainError(
            _("An issued credit note can no longer be changed."),
            code="not_draft",
        )
    return DomainError(
        _("An issued invoice can no longer be changed; make a credit note to correct it."),
        code="not_draft",
    )


def set_lines(document: Invoice | Quote, lines: list[LineInput]) -> None:
    """Replace the lines of an invoice or a quote (they have the same line fields, those of
    ``LineInput``)."""
    document.lines.all().delete()
    model: Any = InvoiceLine if isinstance(document, Invoice) else QuoteLine
    parent = "invoice" if isinstance(document, Invoice) else "quote"
    model.objects.bulk_create(
        [
            model(
                **{parent: document},
                company_id=document.company_id,
                position=position,
                **asdict(line),
            )
            for position, line in enumerate(lines)
        ]
    )


def check_fields(given: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """A field the service does not set is the caller's mistake (TypeError), not the user's."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {what} fields: {sorted(unknown)}")


def check_customer(company: Company, customer: Customer) -> None:
    """Another company's customer is refused like an unknown one."""
    if customer.company_id != company.pk:
        raise DomainError(_("Unknown customer."), field="customer")


def draft_save(
    document: Invoice | Quote, changes: dict[str, Any], lines: list[LineInput] | None
) -> None:
    """Save the checked ``changes`` of a draft invoice or quote, and its lines when given."""
    for name, value in changes.items():
        setattr(document, name, value)
    document.save()
    if lines is not None:
        set_lines(document, lines)


@transaction.atomic
def invoice_create(
    *,
    company: Company,
    customer: Customer,
    lines: list[LineInput],
    kind: str = Invoice.Kind.INVOICE,
    credited_invoice: Invoice | None = None,
    **fields: Any,
) -> Invoice:
    """A draft invoice (or credit note), with the customer's VAT treatment unless given."""
    check_fields(fields, DRAFT_FIELDS, "invoice")
    check_customer(company, customer)
    invoice = Invoice(
        company=company,
        customer=customer,
        kind=kind,
        credited_invoice=credited_invoice,
        vat_treatment=fields.pop("vat_treatment", None) or customer.vat_treatment,
        **fields,
    )
    invoice.save()
    set_lines(invoice, lines)
    return invoice


@transaction.atomic
def invoice_update(
    *, invoice: Invoice, lines: list[LineInput] | None = None, **fields: Any
) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_draft:
        raise _not_draft(invoice)
    if invoice.is_credit_note:
        # a credit note stays with its invoice's customer and VAT treatment
        fields.pop("customer", None)
        fields.pop("vat_treatment", None)
    check_fields(fields, DRAFT_FIELDS, "invoice")
    draft_save(invoice, fields, lines)
    return invoice


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_draft:
        raise _not_draft(invoice)
    invoice.delete()


def structured_communication_for(*, year: int, kind: str, sequence: int) -> str:
    """12 digits: year, kind and sequence (unique per company), then the mod-97 check."""
    base = f"{year % 100:02d}{KIND_DIGIT.get(kind, 9)}{sequence:07d}"
    return base + ogm_vcs.calc_check_digits(base)


@dataclass(frozen=True)
class Check:
    """What would stop a draft from being issued, in plain words."""

    problems: list[str]
    model: Any = field(default=None, compare=False)  # the computed document, when it built

    @property
    def ok(self) -> bool:
        return not self.problems


def _explain(report: Any) -> list[str]:
    problems = []
    for failure in report.fatal:
        explanation = explain(failure.rule)
        if explanation:
            problems.append(str(explanation))
        else:
            # no plain words for this rule yet: say which rule, and its official text
            text = failure.text.removeprefix(f"[{failure.rule}]").lstrip("- ").strip()
            problems.append(
                str(_("The e-invoice rule %(rule)s is not met: %(text)s"))
                % {"rule": failure.rule, "text": text}
            )
    problems.extend(str(error) for error in report.errors)
    return list(dict.fromkeys(problems))


def invoice_check(*, invoice: Invoice) -> Check:
    """The draft as it would be issued, checked by the issuing rules and the three
    validation layers; nothing is saved. ``Check.model`` is its computed document."""
    draft = copy.copy(invoice)
    try:
        lines = _prepared(draft, lock=False)
        _check_date_order(draft)
    except DomainError as error:
        return Check([str(error.message)])
    draft.number = draft.number or "DRAFT-0001"
    draft.structured_communication = draft.structured_communication or "000000000097"
    try:
        model = invoice_model(draft, lines=lines)
        report = validate(to_ubl(model))
    except EInvoiceError as error:
        return Check([str(error.message)])
    return Check(_explain(report) if not report.is_valid else [], model)


def _prepared(invoice: Invoice, *, lock: bool) -> list[InvoiceLine]:
    """What issuing and the draft's check share: the defaults (dates, the customer as he is
    now) and the business rules; the lines as they will be issued. Raises DomainError."""
    lines = list(invoice.lines.all())
    if not lines:
        raise DomainError(_("Add at least one line before issuing."), code="no_lines")
    if invoice.is_credit_note and invoice.credited_invoice_id is None:
        raise DomainError(
            _("Choose the invoice this credit note corrects."), code="no_credited_invoice"
        )
    invoice.issue_date = invoice.issue_date or timezone.localdate()
    invoice.due_date = invoice.due_date or _due_date(invoice)
    invoice.customer_snapshot = customer_snapshot(invoice.customer)
    _rates_on_issue_date(invoice, lines)
    _check_before_issue(invoice, lines, lock=lock)
    return lines


def _due_date(invoice: Invoice) -> datetime.date | None:
    if invoice.is_credit_note or invoice.issue_date is None:
        return None
    return invoice.issue_date + datetime.timedelta(days=invoice.customer.payment_terms_days)


def invoice_issue(*, invoice: Invoice, actor: User | None) -> Invoice:
    """Give the draft its number and structured communication, make and check its UBL
    (XSD, EN 16931, Peppol BIS 3) and its PDF (PDF/A-3 with the UBL inside), and hand it to
    the documents as a sales document (so it goes to the accountant). Raises DomainError with
    the reasons in plain words when the invoice would not be valid; then nothing changes."""
    from apps.sales.pdf import invoice_pdf

    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("company", "customer", "credited_invoice")
            .get(pk=invoice.pk)
        )
        if not invoice.is_draft:
            already = (
                _("This credit note is already issued.")
                if invoice.is_credit_note
                else _("This invoice is already issued.")
            )
            raise DomainError(already, code="already_issued")
        lines = _prepared(invoice, lock=True)
        for line in lines:
            line.save(update_fields=["vat_rate"])  # as resolved on the issue date
        assert invoice.issue_date is not None
        year = invoice.issue_date.year
        sequence, invoice.number = number_next(
            company=invoice.company, kind=invoice.kind, year=year
        )
        _check_date_order(invoice)
        invoice.structured_communication = structured_communication_for(
            year=year, kind=invoice.kind, sequence=sequence
        )
        try:
            model = invoice_model(invoice, lines=lines)
            data_xml = to_ubl(model)
        except EInvoiceError as error:
            raise DomainError(error.message, code=error.code) from error
        _check_valid(data_xml, is_credit_note=invoice.is_credit_note)
        # The PDF carries the UBL (PDF/A-3); the UBL that is sent carries that PDF.
        pdf = invoice_pdf(invoice, model, ubl=data_xml)
        final_xml = to_ubl(invoice_model(invoice, pdf=pdf, lines=lines))
        _check_valid(final_xml, is_credit_note=invoice.is_credit_note)
        totals = model.totals
        assert totals is not None
        invoice.total_excl_vat = totals.tax_exclusive
        invoice.total_vat = totals.tax_total
        invoice.total_incl_vat = totals.tax_inclusive
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_at = timezone.now()
        invoice.issued_by = actor
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
        invoice.ubl.save(f"{invoice.number}.xml", ContentFile(final_xml), save=False)
        try:
            invoice.save()
            invoice.document = _sales_document(invoice, final_xml)
            invoice.save(update_fields=["document", "updated_at"])
        except Exception:
            # the transaction is rolled back: its files must not stay behind
            for stored in (invoice.pdf, invoice.ubl):
                if stored.name:
                    stored.storage.delete(stored.name)
            raise
    return invoice


def _check_valid(ubl: bytes, *, is_credit_note: bool) -> None:
    """A UBL that fails the validation layers stops the issuing, with the reasons."""
    report = validate(ubl)
    if not report.is_valid:
        message = (
            _("This credit note would not be a valid e-invoice document: %(reasons)s")
            if is_credit_note
            else _("This invoice would not be a valid e-invoice: %(reasons)s")
        )
        raise DomainError(
            message % {"reasons": "; ".join(_explain(report))},
            code="invalid_ubl",
        )


def _check_before_issue(invoice: Invoice, lines: list[InvoiceLine], *, lock: bool) -> None:
    """Business rules the e-invoice rules don't know: discounts, dates, VAT treatment, and
    what a credit note may credit."""
    from apps.sales.services.customers import _check_vat_treatment

    assert invoice.issue_date is not None  # set by the caller
    if not Decimal("0") <= invoice.discount_percent <= Decimal("100"):
        raise DomainError(_("A discount is between 0 and 100 %."), code="bad_discount")
    if invoice.issue_date > timezone.localdate():
        future = (
            _("A credit note can't be dated in the future.")
            if invoice.is_credit_note
            else _("An invoice can't be dated in the future.")
        )
        raise DomainError(future, code="future_date")
    if invoice.due_date and invoice.due_date < invoice.issue_date:
        raise DomainError(_("The due date comes before the invoice date."), code="due_before")
    data = invoice.customer_snapshot
    _check_vat_treatment(
        {
            "vat_treatment": invoice.vat_treatment,
            "country": data["country"],
            "vat_id": data["vat_id"],
        }
    )
    if invoice.is_credit_note:
        _check_credit(invoice, lines, lock=lock)


def _rates_on_issue_date(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Lines whose rate came from a product's kind of rate get the rate in force on the
    issue date (in memory; issuing saves them). A credit note keeps its invoice's rates."""
    from apps.sales.selectors import vat_rate_for

    if invoice.is_credit_note:
        return
    assert invoice.issue_date is not None
    for line in lines:
        if line.vat_code:
            rate = vat_rate_for(code=line.vat_code, on=invoice.issue_date)
            if rate is not None:
                line.vat_rate = rate


def _check_credit(credit: Invoice, lines: list[InvoiceLine], *, lock: bool) -> None:
    """A credit note is for the credited invoice's customer, with its VAT treatment, and
    never credits more than what is left of the invoice (after earlier credit notes).
    ``lock``: issuing locks the credited invoice, so two credit notes can't both pass."""
    assert credit.credited_invoice_id is not None
    credited_invoices = Invoice.objects.select_for_update() if lock else Invoice.objects
    credited = credited_invoices.get(pk=credit.credited_invoice_id)
    if credit.customer_id != credited.customer_id or credit.vat_treatment != credited.vat_treatment:
        raise DomainError(
            _("A credit note is for the customer and the VAT treatment of its invoice."),
            code="credit_mismatch",
        )
    left = balance_due(credited)
    amount = invoice_model(credit, lines=lines).totals.tax_inclusive  # type: ignore[union-attr]
    if amount > left:
        raise DomainError(
            _("This credit note would credit more than is left of invoice %(number)s (%(left)s).")
            % {"number": credited.number, "left": left},
            code="credit_too_much",
        )


def _check_date_order(invoice: Invoice) -> None:
    """Numbers follow dates: under the sequence's lock, no earlier date than the last one."""
    assert invoice.issue_date is not None
    last = (
        Invoice.objects.filter(company=invoice.company, kind=invoice.kind)
        .exclude(status=Invoice.Status.DRAFT)
        .filter(issue_date__year=invoice.issue_date.year)
        .order_by("-issue_date")
        .values_list("issue_date", flat=True)
        .first()
    )
    if last is not None and invoice.issue_date < last:
        message = (
            _("Credit notes are numbered in date order: this one can't be dated before %(date)s.")
            if invoice.is_credit_note
            else _("Invoices are numbered in date order: this one can't be dated before %(date)s.")
        )
        raise DomainError(message % {"date": last.strftime("%d/%m/%Y")}, code="date_order")


def balance_due(invoice: Invoice) -> Decimal:
    """What is left to pay on an invoice after its issued credit notes."""
    credited = Invoice.objects.filter(
        credited_invoice=invoice, kind=Invoice.Kind.CREDIT_NOTE, status__in=ISSUED_STATUSES
    ).aggregate(total=Sum("total_incl_vat"))["total"]
    return (invoice.total_incl_vat or Decimal("0")) - (credited or Decimal("0"))


def _sales_document(invoice: Invoice, xml: bytes) -> Any:
    """The issued invoice as a document of category sales: it goes to the accountant like
    every other document (read from its UBL by the worker, then ready, then delivered)."""
    result = document_ingest(
        company=invoice.company,
        data=xml,
        filename=f"{invoice.number}.xml",
        source=Source.SALES,
        details={"sales_invoice": str(invoice.public_id), "number": invoice.number},
    )
    return result.document


@transaction.atomic
def invoice_mark_paid(
    *, invoice: Invoice, actor: User, paid_on: datetime.date | None = None
) -> Invoice:
    """Paid by hand (cash, or before the bank statement comes): on ``paid_on`` (today when
    not given), as ``actor`` says. The bank's payments go through
    ``invoices_record_payments``."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.ISSUED or invoice.is_credit_note:
        raise DomainError(_("Only an issued invoice can be marked paid."), code="not_issued")
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.paid_on = paid_on or timezone.localdate()
    invoice.paid_by = actor
    invoice.save(update_fields=["status", "paid_at", "paid_on", "paid_by", "updated_at"])
    return invoice


@transaction.atomic
def invoice_mark_unpaid(*, invoice: Invoice, actor: User) -> Invoice:
    """Undo a "mark paid" by hand. An invoice the bank's payments paid stays paid: undoing
    is done on the payment's match (Bank page), where the money is."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.PAID:
        raise DomainError(_("This invoice is not marked paid."), code="not_paid")
    if invoice.paid_by_id is None:
        raise DomainError(
            _("This invoice was paid by a bank transaction: undo that match on the Bank page."),
            code="paid_by_bank",
        )
    invoice.status = Invoice.Status.ISSUED
    invoice.paid_at, invoice.paid_on, invoice.paid_by = None, None, None
    invoice.save(update_fields=["status", "paid_at", "paid_on", "paid_by", "updated_at"])
    return invoice


@transaction.atomic
def invoices_record_payments(
    *, company: Company, payments: dict[int, tuple[Decimal, datetime.date | None]]
) -> None:
    """What the bank's matched payments add up to per invoice (``{invoice id: (amount, value
    date of the last payment)}``): an invoice paid in full (after its credit notes) is paid
    on that date; a part leaves it issued with its balance, as does a match undone. One
    marked paid by hand stays so (cash, or before its bank statement came)."""
    invoices = list(
        Invoice.objects.filter(company=company, pk__in=payments, kind=Invoice.Kind.INVOICE)
        .exclude(status=Invoice.Status.DRAFT)
        .annotate(credited=credited_total())
    )
    now = timezone.now()
    for invoice in invoices:
        paid, last = payments[invoice.pk]
        invoice.paid_amount = paid
        invoice.updated_at = now  # bulk_update leaves auto_now alone
        if invoice.paid_by_id is not None:
            continue
        owed = (invoice.total_incl_vat or Decimal("0")) - invoice.credited
        if paid > 0 and paid >= owed:
            invoice.status = Invoice.Status.PAID
            invoice.paid_at = invoice.paid_at or now
            invoice.paid_on = last
        else:
            invoice.status = Invoice.Status.ISSUED
            invoice.paid_at, invoice.paid_on = None, None
    Invoice.objects.bulk_update(
        invoices, ["paid_amount", "status", "paid_at", "paid_on", "updated_at"], batch_size=500
    )


def credited_total() -> Coalesce:
    """The total of an invoice's issued credit notes, as an annotation."""
    return Coalesce(
        Sum("credit_notes__total_incl_vat", filter=Q(credit_notes__status__in=ISSUED_STATUSES)),
        Decimal("0"),
    )


def amount_open(invoice: Invoice) -> Decimal:
    """What the customer still has to pay: the balance after credit notes, less what the
    bank's payments matched."""
    return balance_due(invoice) - invoice.paid_amount


@transaction.atomic
def credit_note_create(*, invoice: Invoice, lines: list[LineInput] | None = None) -> Invoice:
    """A draft credit note for an issued invoice: all its lines (a full credit) unless
    ``lines`` says what part is credited."""
    if invoice.is_draft or invoice.is_credit_note:
        raise DomainError(_("Only an issued invoice can be credited."), code="not_creditable")
    if lines is None:
        # a credit note keeps its invoice's rates (no kind of rate to resolve again)
        lines = [LineInput.of(line, vat_code=False) for line in invoice.lines.all()]
    return invoice_create(
        company=invoice.company,
        customer=invoice.customer,
        lines=lines,
        kind=Invoice.Kind.CREDIT_NOTE,
        credited_invoice=invoice,
        vat_treatment=invoice.vat_treatment,
        discount_percent=invoice.discount_percent,
        buyer_reference=invoice.buyer_reference,
    )
