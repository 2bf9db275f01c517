"""Writes for companies, memberships, invitations and accounting offices."""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import user_has_totp, user_has_verified_email
from apps.billing.selectors import plan_default
from apps.companies import tasks
from apps.companies.models import (
    AccountingOffice,
    Company,
    Invitation,
    Membership,
    OfficeClientLink,
    OfficeMember,
    Role,
)
from apps.companies.scoping import company_scope
from apps.companies.tasks import send_email
from apps.core.errors import DomainError, PermissionDenied

logger = logging.getLogger(__name__)
OFFICE_REQUEST_COOLDOWN_DAYS = 30


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "company"
    slug = base
    suffix = 2
    while Company.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


@transaction.atomic
def company_create(
    *,
    owner: User,
    name: str,
    enterprise_number: str,
    vat_number: str = "",
    street: str = "",
    postal_code: str = "",
    city: str = "",
    country: str = "BE",
    default_language: str = "nl",
    email: str = "",
    iban: str = "",
    legal_form: str = "",
    court: str = "",
    in_liquidation: bool = False,
    logo: UploadedFile | None = None,
) -> Company:
    """Create a company on the default plan with ``owner`` as its first owner.

    ``enterprise_number`` must already be normalised (10 digits); it is unique platform-wide.
    """
    if Company.objects.filter(enterprise_number=enterprise_number).exists():
        raise DomainError(
            _(
                "A company with this enterprise number already exists on OkiOki. "
                "Ask its owner to invite you."
            ),
            code="duplicate",
            field="enterprise_number",
        )
    company = Company(
        name=name,
        slug=_unique_slug(name),
        enterprise_number=enterprise_number,
        vat_number=vat_number,
        street=street,
        postal_code=postal_code,
        city=city,
        country=country,
        default_language=default_language,
        email=email,
        iban=iban,
        legal_form=legal_form,
        court=court,
        in_liquidation=in_liquidation,
        plan=plan_default(),
    )
    if logo is not None:
        company.logo = logo
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        raise DomainError(
            _(
                "A company with this enterprise number already exists on OkiOki. "
                "Ask its owner to invite you."
            ),
            code="duplicate",
            field="enterprise_number",
        ) from None
    with company_scope(company):
        Membership.objects.create(company=company, user=owner, role=Role.OWNER)
    return company


# What an owner may change after creation (the enterprise number identifies the company).
COMPANY_EDITABLE_FIELDS = (
    "name",
    "vat_number",
    "street",
    "postal_code",
    "city",
    "country",
    "default_language",
    "email",
    "iban",
    "legal_form",
    "court",
    "in_liquidation",
    "logo",
)


@transaction.atomic
def company_update(*, company: Company, **fields: object) -> Company:
    """Change a company's details.

    ``logo`` is a new upload, the current file (unchanged), or ``False`` to remove it (the
    "clear" box of the form). A replaced or removed logo file is deleted from storage once
    the change is committed, never before: a rolled-back update keeps its file.
    """
    unknown = set(fields) - set(COMPANY_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    # From the database: a ModelForm has already put its values on ``company``.
    old_logo = Company.objects.filter(pk=company.pk).values_list("logo", flat=True).first()
    if fields.get("logo") is False:
        fields["logo"] = ""
    for field, value in fields.items():
        setattr(company, field, value)
    company.save()
    if old_logo and old_logo != company.logo.name:
        storage = company.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return company


def company_require_two_factor(*, company: Company, by: User, required: bool) -> Company:
    """Require (or stop requiring) two-factor authentication of everyone in the company.

    Whoever turns it on must use it already, so that they are not the first one shut out."""
    if required and not user_has_totp(user=by):
        raise DomainError(
            _("Set up two-factor authentication for yourself first, then require it of others."),
            field="required",
        )
    company.require_two_factor = required
    company.save(update_fields=["require_two_factor", "updated_at"])
    return company


def owners_notify(*, company: Company, template: str, context: dict[str, Any]) -> None:
    """E-mail every owner of ``company``, each in their own language (else the company's),
    from ``emails/<template>.subject.txt`` and ``.txt``; sent once the transaction commits.
    Lazy strings in ``context`` are translated per owner."""
    owners = Membership.objects.filter(company=company, role=Role.OWNER).select_related("user")
    for owner in owners:
        with translation.override(owner.user.language or company.default_language):
            values = {**context, "company": company}
            subject = render_to_string(f"emails/{template}.subject.txt", values).strip()
            body = render_to_string(f"emails/{template}.txt", values)
        transaction.on_commit(
            partial(send_email.delay, company.pk, to=[owner.user.email], subject=subject, body=body)
        )


def _invitation_email(invitation: Invitation) -> None:
    accept_url = settings.SITE_URL + reverse("companies:invitation-accept", args=[invitation.token])
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else "OkiOki"
    language = invitation.company.default_language
    with translation.override(language):
        context = {
            "invitation": invitation,
            "company": invitation.company,
            "inviter": inviter,
            "accept_url": accept_url,
            "role": Role(invitation.role).label,
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = render_to_string("emails/companies/invitation.subject.txt", context).strip()
        body = render_to_string("emails/companies/invitation.txt", context)
        html = render_to_string("emails/companies/invitation.html", context)
    transaction.on_commit(
        lambda: send_email.delay(
            company_id=invitation.company_id,
            to=[invitation.email],
            subject=subject,
            body=body,
            html=html,
        )
    )


@transaction.atomic
def invitation_create(*, company: Company, invited_by: User, email: str, role: str) -> Invitation:
    """Invite someone by e-mail. One pending invitation per address; members can't be re-invited."""
    email = email.strip().lower()
    if Membership.objects.filter(company=company, user__email__iexact=email).exists():
        raise DomainError(
            _("%(email)s is already a member of this company.") % {"email": email},
            code="already_member",
            field="email",
        )
    if Invitation.objects.filter(
        company=company, email__iexact=email, status=Invitation.Status.PENDING
    ).exists():
        raise DomainError(
            _("An invitation to %(email)s is already waiting. Revoke it to send a new one.")
            % {"email": email},
            code="already_invited",
            field="email",
        )
    invitation = Invitation.objects.create(
        company=company, email=email, role=role, invited_by=invited_by
    )
    _invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, company: Company, invitation: Invitation) -> None:
    if invitation.status != Invitation.Status.PENDING:
        raise DomainError(_("This invitation is no longer pending."), code="not_pending")
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status", "updated_at"])


def invitation_check(invitation: Invitation | None) -> Invitation:
    """The invitation if it can still be accepted; a clear DomainError otherwise."""
    if invitation is None or invitation.status == Invitation.Status.REVOKED:
        raise DomainError(
            _("This invitation link is not valid. It may have been revoked; ask for a new one."),
            code="invalid_invitation",
        )
    if invitation.status == Invitation.Status.ACCEPTED:
        raise DomainError(
            _("This invitation has already been used. Sign in to open the company."),
            code="used_invitation",
        )
    if invitation.is_expired:
        raise DomainError(
            _("This invitation has expired. Ask %(company)s for a new one.")
            % {"company": invitation.company.name},
            code="expired_invitation",
        )
    return invitation


def invitation_check_account(invitation: Invitation, user: User) -> None:
    """Only the invited address may accept: the signed-in user's e-mail must be the invited one
    and verified. A clear DomainError otherwise (code ``wrong_account`` or ``unverified``)."""
    if user.email.strip().lower() != invitation.email.strip().lower():
        raise DomainError(
            _(
                "This invitation is for %(invited)s, but you are signed in as %(current)s. "
                "Sign out, then sign in (or create an account) with %(invited)s."
            )
            % {"invited": invitation.email, "current": user.email},
            code="wrong_account",
        )
    if not user_has_verified_email(user=user):
        raise DomainError(
            _(
                "Your e-mail address %(email)s is not verified yet. Verify it with the link we "
                "sent you (or ask for a new one), then open this invitation again."
            )
            % {"email": user.email},
            code="unverified",
        )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> OfficeClientLink | None:
    """Accept an invitation as ``user``, whose verified e-mail must be the invited one.

    The row is locked, so a link clicked twice (or by two people) gives access once. An
    accountant who belongs to an office asks to link that office: the link waits for an owner
    to confirm it (the owners are e-mailed; the office's name comes with the accountant's
    verified e-mail) and is returned. Anyone else becomes a member with the invited role
    (None).
    """
    invitation = Invitation.objects.unscoped().select_for_update().get(pk=invitation.pk)
    invitation_check(invitation)
    invitation_check_account(invitation, user)
    company = invitation.company
    link = None
    with company_scope(company):
        office_member = (
            OfficeMember.objects.filter(user=user).select_related("office").first()
            if invitation.role == Role.ACCOUNTANT
            else None
        )
        if office_member is not None:
            link = (
                OfficeClientLink.objects.filter(company=company, office=office_member.office)
                .exclude(status=OfficeClientLink.Status.ENDED)
                .first()
            )
            if link is None:
                link = OfficeClientLink.objects.create(
                    company=company,
                    office=office_member.office,
                    initiated_by=OfficeClientLink.Initiator.COMPANY,
                    requested_by=user,
                )
                office_link_notify(link)
        elif not Membership.objects.filter(company=company, user=user).exists():
            Membership.objects.create(company=company, user=user, role=invitation.role)
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["status", "accepted_by", "accepted_at", "updated_at"])
    return link


def _keep_an_owner(company: Company) -> None:
    """Refuse to take away the company's last owner."""
    if Membership.objects.filter(company=company, role=Role.OWNER).count() <= 1:
        raise DomainError(
            _("A company needs at least one owner. Make someone else owner first."),
            code="last_owner",
        )


@transaction.atomic
def membership_remove(*, company: Company, membership: Membership, acting_user: User) -> None:
    """Remove a member. A company always keeps at least one owner."""
    if membership.role == Role.OWNER:
        _keep_an_owner(company)
    membership.delete()


@transaction.atomic
def membership_change_role(*, company: Company, membership: Membership, role: str) -> Membership:
    if membership.role == Role.OWNER and role != Role.OWNER:
        _keep_an_owner(company)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


# --- Accounting offices -------------------------------------------------------------------------


@transaction.atomic
def office_create(
    *, user: User, name: str, enterprise_number: str = "", email: str = ""
) -> AccountingOffice:
    office = AccountingOffice.objects.create(
        name=name, enterprise_number=enterprise_number, email=email
    )
    OfficeMember.objects.create(office=office, user=user, is_admin=True)
    return office


def office_link_request(
    *, office: AccountingOffice, requested_by: User, enterprise_number: str
) -> None:
    """An office asks to be linked to a client company by its enterprise number.

    The requester learns nothing about the number: whether a company has it, which one, or
    whether a request is already open, the answer is the same and takes the same time, since
    the lookup happens after the response, in a task. The owners are e-mailed the office's
    name with the requester's verified e-mail beside it, so a chosen name can't pass for
    someone else."""
    if not user_has_verified_email(user=requested_by):
        raise DomainError(
            _("Verify your e-mail address first: the owner sees it with your request."),
            code="unverified",
            field="enterprise_number",
        )
    transaction.on_commit(
        partial(
            tasks.office_link_request_process.delay,
            office.pk,
            requested_by.pk,
            enterprise_number=enterprise_number,
        )
    )


@transaction.atomic
def office_link_request_process(
    *, office_id: int, requested_by_id: int, enterprise_number: str
) -> OfficeClientLink | None:
    """The request's lookup: a pending link and an e-mail to the owners when a company has the
    number and the office has no open link with it; otherwise nothing at all. An office whose
    link the owner declined or ended can't ask again for ``OFFICE_REQUEST_COOLDOWN_DAYS`` (no
    stream of e-mails to an owner who said no; an invitation from the owner still works)."""
    member = (
        OfficeMember.objects.filter(office_id=office_id, user_id=requested_by_id)
        .select_related("office", "user")
        .first()
    )
    company = Company.objects.filter(enterprise_number=enterprise_number, is_active=True).first()
    if member is None or company is None:
        return None
    with company_scope(company):
        open_link = OfficeClientLink.objects.filter(company=company, office=member.office).exclude(
            status=OfficeClientLink.Status.ENDED
        )
        declined = OfficeClientLink.objects.filter(
            company=company,
            office=member.office,
            status=OfficeClientLink.Status.ENDED,
            decided_at__gte=timezone.now() - timedelta(days=OFFICE_REQUEST_COOLDOWN_DAYS),
        )
        if open_link.exists() or declined.exists():
            return None
        link = OfficeClientLink.objects.create(
            company=company,
            office=member.office,
            initiated_by=OfficeClientLink.Initiator.OFFICE,
            requested_by=member.user,
        )
        office_link_notify(link)
    return link


def office_link_notify(link: OfficeClientLink) -> None:
    """Tell the owners that an office waits for their approval: the office's name (chosen by
    the office) always with the verified e-mail of the person who asked."""
    owners_notify(
        company=link.company,
        template="companies/office_link_request",
        context={
            "office": link.office.name,
            "requester": link.requested_by.email if link.requested_by else "",
            "url": settings.SITE_URL
            + reverse("companies:member-list", kwargs={"company_id": link.company.public_id}),
        },
    )


@transaction.atomic
def office_link_decide(
    *, company: Company, link: OfficeClientLink, approve: bool
) -> OfficeClientLink:
    """The company's owner approves or declines an office's request, or ends an active link."""
    if link.status == OfficeClientLink.Status.ENDED:
        raise DomainError(_("This link has already ended."), code="ended")
    if approve and link.status == OfficeClientLink.Status.ACTIVE:
        return link
    link.status = OfficeClientLink.Status.ACTIVE if approve else OfficeClientLink.Status.ENDED
    link.decided_at = timezone.now()
    link.save(update_fields=["status", "decided_at", "updated_at"])
    return link


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("You do not have permission to do this."))
