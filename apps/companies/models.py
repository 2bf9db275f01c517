import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.companies.scoping import CompanyScopedManager
from apps.companies.validators import validate_enterprise_number
from apps.core.models import BaseModel


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")
    ACCOUNTANT = "accountant", _("Accountant")


def company_logo_path(company: "Company", filename: str) -> str:
    """Storage paths carry the company: ``companies/<public_id>/logo/<file>``."""
    return f"companies/{company.public_id}/logo/{filename}"


class LegalForm(models.TextChoices):
    """Belgian legal forms, as invoices abbreviate them (Dutch/French)."""

    BV = "bv", "BV / SRL"
    NV = "nv", "NV / SA"
    CV = "cv", "CV / SC"
    COMMV = "commv", "CommV / SComm"
    VOF = "vof", "VOF / SNC"
    VZW = "vzw", "VZW / ASBL"
    NATURAL_PERSON = "person", _("Sole trader (natural person)")


class Company(BaseModel):
    """The tenant: one entrepreneur's business ("file" in accountants' words)."""

    name = models.CharField(_("legal name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    enterprise_number = models.CharField(
        _("enterprise number"),
        max_length=10,
        unique=True,
        validators=[validate_enterprise_number],
        help_text=_("KBO/BCE number, e.g. 0123.456.749"),
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=14, blank=True, help_text=_("e.g. BE0123456749")
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="nl"
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    # What the Companies and Associations Code (art. 2:20) asks on invoices and quotes: the
    # legal form, and the register (RPR/RPM) with the seat of the enterprise court.
    legal_form = models.CharField(
        _("legal form"), max_length=10, choices=LegalForm.choices, blank=True
    )
    court = models.CharField(
        _("enterprise court (RPR/RPM)"),
        max_length=100,
        blank=True,
        help_text=_("The seat of the competent enterprise court, e.g. Gent, afdeling Gent"),
    )
    in_liquidation = models.BooleanField(_("in liquidation"), default=False)
    # Private like every upload: served only by companies:company-logo, after the access check.
    logo = models.ImageField(_("logo"), upload_to=company_logo_path, blank=True)
    plan = models.ForeignKey(
        "billing.Plan", on_delete=models.PROTECT, related_name="companies", verbose_name=_("plan")
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_two_factor = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Everyone who opens this company must sign in with an authenticator app."),
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def peppol_id(self) -> str:
        """Belgian companies are Peppol participants under scheme 0208 (KBO/BCE number)."""
        return f"0208:{self.enterprise_number}"

    @property
    def enterprise_number_display(self) -> str:
        n = self.enterprise_number
        return f"{n[:4]}.{n[4:7]}.{n[7:]}" if len(n) == 10 else n


class CompanyOwnedModel(BaseModel):
    """Base of every tenant-owned model: a company FK and the fail-closed default manager."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")

    objects = CompanyScopedManager()

    class Meta:
        abstract = True


class Membership(CompanyOwnedModel):
    """A person's direct access to a company, with a role."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class Invitation(CompanyOwnedModel):
    """An e-mailed invitation to join a company with a role. Single use, expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "company",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class AccountingOffice(BaseModel):
    """An accountancy firm. Its accountants see every client company linked to it."""

    name = models.CharField(_("name"), max_length=200)
    enterprise_number = models.CharField(
        _("enterprise number"), max_length=10, blank=True, validators=[validate_enterprise_number]
    )
    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        verbose_name = _("accounting office")
        verbose_name_plural = _("accounting offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfficeMember(BaseModel):
    """An accountant working at an office."""

    office = models.ForeignKey(AccountingOffice, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_memberships"
    )
    is_admin = models.BooleanField(_("office administrator"), default=False)

    class Meta:
        verbose_name = _("office member")
        verbose_name_plural = _("office members")
        constraints = [
            models.UniqueConstraint(fields=["office", "user"], name="officemember_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office}"


class OfficeClientLink(CompanyOwnedModel):
    """A client company linked to an accounting office.

    Either side may start it; the other side approves. Only an active link gives the office's
    accountants access (role accountant) to the company.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Initiator(models.TextChoices):
        COMPANY = "company", _("the company")
        OFFICE = "office", _("the office")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="office_links")
    office = models.ForeignKey(
        AccountingOffice, on_delete=models.CASCADE, related_name="client_links"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    initiated_by = models.CharField(max_length=20, choices=Initiator.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("office link")
        verbose_name_plural = _("office links")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "office"],
                condition=~models.Q(status="ended"),
                name="officeclientlink_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office} ↔ {self.company} ({self.status})"
