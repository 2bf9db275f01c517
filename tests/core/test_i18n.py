"""Every page in nl, fr and en; amounts and dates formatted per locale; complete catalogs."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.files.base import ContentFile
from django.template import Context, Template
from django.urls import resolve, reverse
from django.utils import formats, translation

from apps.core.money import format_money
from tests import factories
from tests.companies.test_isolation import OBJECT_FACTORIES, url_patterns
from tests.samples import PNG

LANGUAGES = ["nl", "fr", "en"]
NBSP = "\u00a0"
ROOT = Path(__file__).resolve().parents[2]


def _pages(company, office, invitation):
    """Every page to check: all company pages, found by walking the URL patterns (with an
    object of the company for each other kwarg), and the pages outside a company."""
    pages = [
        reverse("companies:home"),
        reverse("companies:company-create"),
        reverse("companies:office-create"),
        reverse("companies:office-detail", kwargs={"office_id": office.public_id}),
        reverse("connections:office-transfers", kwargs={"office_id": office.public_id}),
        reverse("companies:invitation-accept", args=[invitation.token]),
        reverse("accounts:profile"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
    ]
    for name, route, kwargs in url_patterns():
        if "company_id" not in kwargs or route.startswith("api/"):
            continue
        values = {
            kwarg: OBJECT_FACTORIES[kwarg](company) for kwarg in kwargs if kwarg != "company_id"
        }
        pages.append(reverse(name, kwargs={"company_id": company.public_id, **values}))
    return pages


# Company URLs that answer 404 for the walk's objects: a factory document has no UBL envelope
# and no page to draw (its original is a stub), a draft invoice no PDF or UBL yet.
MISSING_FOR_THE_WALK = {
    "documents:document-ubl",
    "documents:document-page-image",
    "sales:invoice-pdf",
    "sales:invoice-ubl",
    "inbox:mailbox-reconnect",  # a factory mailbox has a password: nothing to sign in again
    # a factory cloud folder is WebDAV: no drive to sign in to or browse; "google" is a
    # mailbox's provider, no drive's
    "inbox:folder-reconnect",
    "inbox:folder-browse",
    "inbox:folder-oauth",
}

# Company URLs that only pass on: the end of the bank connection's and the mailbox sign-in's
# OAuth rounds (without the provider's answer they say so and go back); the sending previews
# of a draft invoice and of a quote without lines (they say why on the page they came from).
REDIRECTS_FOR_THE_WALK = {
    "banking:connection-complete",
    "inbox:oauth-done",
    "sales:invoice-send",
    "sales:quote-send",
}

ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_each_language(language, company, owner, client_for):
    office_member = factories.OfficeMemberFactory(user=owner)
    invitation = factories.InvitationFactory(
        company=company, email=owner.email
    )  # only the invited opens it
    company.logo.save("logo.png", ContentFile(PNG))
    owner.language = language  # the saved preference decides for a signed-in user
    owner.save()
    client = client_for(owner)
    with translation.override(language):
        sign_out = translation.gettext("Sign out")
        sign_in = translation.gettext("Sign in")
    if language != "en":
        assert sign_out != "Sign out", f"the {language} catalog is not compiled"
    checked = set()
    for url in _pages(company, office_member.office, invitation):
        response = client.get(url)
        name = resolve(url).view_name
        allowed = {404} if name in MISSING_FOR_THE_WALK else {200, 405}  # 405: POST only
        if name in REDIRECTS_FOR_THE_WALK:
            allowed = {302}
        assert response.status_code in allowed, url
        # pages only: not the empty 405s nor files (originals, the logo, raw e-mails)
        if not response["Content-Type"].startswith("text/html") or response.status_code in (
            302,
            405,
        ):
            continue
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, url
        assert sign_out in html, url
        checked.add(name)
    assert {
        "companies:dashboard",
        "companies:company-edit",
        "companies:member-list",
        "banking:overview",
        "documents:document-list",
        "inbox:overview",
        "connections:transfer",
        "connections:delivery-list",
        "connections:office-transfers",
        "sales:invoice-list",
        "sales:invoice-detail",
        "sales:quote-list",
        "sales:customer-list",
        "sales:product-list",
        "peppol:settings",
    } <= checked, "the walk missed company pages"
    anonymous = client_for(None)
    anonymous.cookies["okioki_language"] = language
    for name in ANONYMOUS_PAGES:
        response = anonymous.get(reverse(name))
        assert response.status_code == 200, name
        assert sign_in in response.content.decode(), name


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", f"1.234,56{NBSP}€"), ("fr", f"1.234,56{NBSP}€"), ("en", "€1,234.56")],
)
def test_amounts_are_formatted_per_locale(language, expected):
    assert format_money(Decimal("1234.56"), "EUR", language) == expected
    with translation.override(language):
        rendered = Template("{% load okioki %}{{ amount|money }}").render(
            Context({"amount": Decimal("1234.555")})
        )
    assert rendered == expected  # half-up rounding: 1234.555 -> 1234.56


def test_negative_and_foreign_amounts():
    assert format_money(Decimal("-5"), "EUR", "en") == "-€5.00"
    assert format_money(Decimal("-1000"), "EUR", "nl") == f"-1.000,00{NBSP}€"
    assert format_money(Decimal("10"), "CHF", "en") == f"CHF{NBSP}10.00"


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_are_day_first_in_every_language(language):
    with translation.override(language):
        assert formats.date_format(datetime.date(2026, 11, 3), "SHORT_DATE_FORMAT") == "03/11/2026"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_catalog_is_complete(language):
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == [], f"untranslated in {language}: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy[:10]}"


# OkiOki speaks to its users in one register: Dutch "je", French "vous". What the entrepreneur
# sends to their own customers (invoice, quote and reminder e-mails, the invoice PDF) keeps
# the formal register a business writes in ("u", "vous").
CUSTOMER_FACING = ("templates/emails/sales/", "templates/pdf/sales/")
REGISTERS = {
    "nl": re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE),
    "fr": re.compile(r"\b(tu|tes|ton|toi|te)\b", re.IGNORECASE),
}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_one_register_per_language(language):
    with (ROOT / "locale" / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    other = [
        message.string
        for message in catalog
        if message.id
        and not all(path.startswith(CUSTOMER_FACING) for path, _line in message.locations)
        and any(
            REGISTERS[language].search(text or "")
            for text in (message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert other == [], f"another register in {language}: {other[:5]}"


def test_iban_and_ogm_are_shown_as_banks_print_them():
    rendered = Template("{% load okioki %}{{ i|iban }} {{ o|ogm }}").render(
        Context({"i": "BE71068246801369", "o": "010806817183"})
    )
    assert rendered == "BE71 0682 4680 1369 +++010/8068/17183+++"
