"""Every page in nl, fr and en; amounts and dates formatted per locale; complete catalogs."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from apps.core.money import format_money
from tests import factories

LANGUAGES = ["nl", "fr", "en"]
NBSP = "\u00a0"
ROOT = Path(__file__).resolve().parents[2]


def _company_pages(company, office):
    kwargs = {"company_id": company.public_id}
    pages = [
        reverse("companies:home"),
        reverse("companies:company-create"),
        reverse("companies:office-create"),
        reverse("companies:office-detail", kwargs={"office_id": office.public_id}),
        reverse("companies:dashboard", kwargs=kwargs),
        reverse("companies:company-edit", kwargs=kwargs),
        reverse("companies:member-list", kwargs=kwargs),
        reverse("accounts:profile"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
    ]
    pages += [
        reverse("companies:section", kwargs={**kwargs, "section": section})
        for section in ("sales", "bank")
    ]
    pages += [
        reverse(name, kwargs=kwargs)
        for name in ("inbox:overview", "inbox:mailbox-create", "inbox:folder-create")
    ]
    return pages


ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_each_language(language, company, owner, client_for):
    office_member = factories.OfficeMemberFactory(user=owner)
    invitation = factories.InvitationFactory(company=company)
    owner.language = language  # the saved preference decides for a signed-in user
    owner.save()
    client = client_for(owner)
    with translation.override(language):
        sign_out = translation.gettext("Sign out")
        sign_in = translation.gettext("Sign in")
    if language != "en":
        assert sign_out != "Sign out", f"the {language} catalog is not compiled"
    pages = _company_pages(company, office_member.office)
    pages.append(reverse("companies:invitation-accept", args=[invitation.token]))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, url
        assert sign_out in html, url
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


def test_iban_and_ogm_are_shown_as_banks_print_them():
    rendered = Template("{% load okioki %}{{ i|iban }} {{ o|ogm }}").render(
        Context({"i": "BE71068246801369", "o": "010806817183"})
    )
    assert rendered == "BE71 0682 4680 1369 +++010/8068/17183+++"
