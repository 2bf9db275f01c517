"""No English in Dutch and French pages.

Every page of the main flows is opened (GET, as the owner; the office's pages as its
accountant; the sign-in pages and the customer's quote page without an account), in Dutch
and in French, for the demo company of that language (its documents, sales, bank and
transfer in every state the demo has) and for new companies (the empty states), with the
error pages (403, 404, 413, 500). What a person sees is read from each page: the text, and of
the attributes only those read out or shown (title, placeholder, aria-label, alt, a button's
value); not scripts, styles, nor a part in another language (``lang``, such as the e-mail
preview in the customer's language).

An English word is a word of the English texts our pages are made of (the source strings of
our catalog, allauth's and Django's) that the page's language does not use itself (no
translation in that language has it): "the", "your", "sent" in a Dutch page are English;
"in", "is" or "status" are Dutch too. What is neither a word of ours nor English (a
supplier's name) passes; the names that are English words are listed in ``NAMES``.
"""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import allauth
import django
import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.urls import resolve, reverse
from django.utils import translation
from django.views.defaults import server_error

from apps.accounts.models import User
from apps.banking.models import BankTransaction, Match
from apps.billing.models import Plan
from apps.companies.models import Company, Invitation, Role
from apps.companies.scoping import all_companies, company_scope
from apps.connections.models import Delivery
from apps.documents.models import Document, Supplier
from apps.inbox.models import CloudFolder, InboundMessage, Mailbox
from apps.sales.models import Customer, Invoice, Product, Quote
from tests import factories
from tests.banking import parties
from tests.companies.test_isolation import url_patterns
from tests.core.test_uploads import MB, Unreadable, _post

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["nl", "fr"]
CATALOGS = [
    ROOT / "locale",
    Path(allauth.__path__[0]) / "locale",
    Path(django.__path__[0]) / "conf" / "locale",
    Path(django.__path__[0]) / "contrib" / "auth" / "locale",
]

# Names that are English words too: brands, the plans' names, a city, the languages' own
# names in the language menu.
NAMES = {"okioki", "peppol", "start", "collect", "gent", "english", "message-id"}

# Names of several words, some of them English: the accounting packages' products.
PRODUCTS = ["Exact Online", "WinBooks Connect", "Virtual Invoice", "Document Import Viewer"]

# What the demo's data says, not our pages: names, and the words of the people in it (a
# Canadian customer's bank transfer says "Payment", the export invoice's lines are written
# for that customer; French words of the photo studio's data that are English words too:
# "pro", "location" (a rental), "an" (a year)).
DATA = [
    "Fotolab Pro",
    "Photo Pro Mag",
    "Flash Location",
    "Location flashs",
    "photo (1 an)",
    "KBC Bank NV",
    "Fiduciaire Demo",
    "Catering (per uur)",
    "Voorschot energie december",
    "Nieuwsbrief: onze acties in december",
    "Sourdough starter kit (damaged)",
]
DATA_ALONE = {"Payment"}  # a whole text of the page, not a part of one

# The attributes whose words a person sees or hears.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
SKIPPED_ELEMENTS = {"script", "style", "template"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# not words of a sentence: addresses, links, file names, identifiers, numbers with letters
NOT_PROSE = re.compile(r"@|://|[\w)]\.[^\W\d_]|_|/|\d")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sd]|\{\{[^}]*\}\}|\{[^}]*\}")


def _words(text: str, *, lower_only: bool = False) -> Iterator[str]:
    """The words of ``text``, in lower case (``lower_only``: those written so); not what is
    written in capitals (PDF, IBAN, UBL: the same in every language)."""
    for chunk in text.split():
        if not NOT_PROSE.search(chunk):
            for word in WORD.findall(chunk):
                if not word.isupper() and (not lower_only or word.islower()):
                    yield word.lower()


def _catalog_words(language: str) -> tuple[set[str], set[str]]:
    """The words of the source strings (English) and the words the translations into
    ``language`` use of their own, of every catalog."""
    english: set[str] = set()
    translated: set[str] = set()
    for root in CATALOGS:
        path = root / language / "LC_MESSAGES" / "django.po"
        with path.open("rb") as po_file:
            catalog = read_po(po_file)
        for message in catalog:
            if not message.id:
                continue
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            source = {w for text in sources for w in _words(PLACEHOLDER.sub(" ", text))}
            # English words are written in lower case somewhere; a name never is ("Google")
            english.update(
                w for text in sources for w in _words(PLACEHOLDER.sub(" ", text), lower_only=True)
            )
            # a word the translation uses of its own is the language's; one kept from the
            # source only when it is written in lower case ("status") or the whole text is
            # kept ("Filter"), not as a name ("WinBooks Virtual Invoice")
            for text, original in zip(strings, sources, strict=False):
                said = PLACEHOLDER.sub(" ", text or "")
                translated.update(set(_words(said)) - source)
                translated.update(set(_words(said, lower_only=True)) & source)
                if said.strip() == PLACEHOLDER.sub(" ", original).strip():
                    translated.update(_words(said))
    return english, translated


def english_words_of(language: str) -> set[str]:
    english, translated = _catalog_words(language)
    return english - translated - NAMES


class VisibleText(HTMLParser):
    """The text a person reads on a page in ``language``."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open elements of a skipped part

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.skipping:
            if tag not in VOID_ELEMENTS:
                self.skipping.append(tag)
            return
        other_language = (found.get("lang") or self.language)[:2] != self.language
        if tag in SKIPPED_ELEMENTS or other_language:
            if tag not in VOID_ELEMENTS:
                self.skipping.append(tag)
            return
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and found.get("type") in ("submit", "button", "reset"):
            self.parts.append(found.get("value") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping:
            self.handle_starttag(tag, attrs)
            if tag not in VOID_ELEMENTS and self.skipping and self.skipping[-1] == tag:
                self.skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def english_on(html: str, language: str, english: set[str]) -> list[str]:
    """The English words of the page, each with what surrounds it."""
    reader = VisibleText(language)
    reader.feed(html)
    found = []
    for part in reader.parts:
        if part.strip() in DATA_ALONE:
            continue
        said = part
        for name in [*PRODUCTS, *DATA]:
            said = said.replace(name, " ")
        words = set(_words(said)) & english
        if words:
            found.append(f"{sorted(words)} in {' '.join(part.split())[:160]!r}")
    return found


def test_the_reader_finds_english_where_a_person_reads_it():
    english = english_words_of("nl")
    page = """<html lang="nl"><head><title>Facturen · OkiOki</title>
        <script>const label = "Send the invoice";</script><style>.x::after{content:"the"}</style>
        </head><body>
        <h1>Je facturen</h1>
        <p>Send the invoice to your customer.</p>
        <input type="search" placeholder="Search your invoices" name="the_field" value="the">
        <input type="submit" value="Save the draft">
        <a href="/the/path/" title="Open the document">Openen</a>
        <pre lang="en">Please find attached our invoice.</pre>
        <p>Mail naar facturen@the-company.example of bekijk the.pdf</p>
        <p>Bakkerij De Gouden Korst BV · status: in orde</p>
        </body></html>"""
    found = " ".join(english_on(page, "nl", english))
    # the text, the placeholder, the title and the button's value are read
    assert "Send the invoice to your customer." in found
    assert "Search your invoices" in found
    assert "Open the document" in found
    assert "Save the draft" in found
    # not a script, a style, a part in another language, an address, a file name, a link, a
    # field's name, nor the Dutch words English shares ("in", "status")
    assert "const" not in found
    assert "content" not in found
    assert "attached" not in found
    assert "the-company" not in found
    assert "the.pdf" not in found
    assert "in orde" not in found
    assert len(english_on(page, "nl", english)) == 4


def test_words_dutch_and_french_share_with_english_pass_in_their_language():
    dutch, french = english_words_of("nl"), english_words_of("fr")
    assert {"the", "your", "send", "invoice"} <= dutch
    assert {"the", "your", "send", "customer"} <= french
    assert not {"in", "is", "status", "test"} & dutch
    assert not {"client", "date", "document", "total"} & french


# --- the pages ------------------------------------------------------------------------------------


def _one_of_each(model: Any, field: str) -> list[Any]:
    """One object of each value of ``field`` (each status, each kind) the company has."""
    values = model.objects.order_by().values_list(field, flat=True).distinct()
    return [model.objects.filter(**{field: value}).first() for value in values]


def _objects(company: Company) -> dict[str, list[Any]]:
    """For each URL kwarg, the company's objects to open: one of each state it has (what the
    demo lacks is made)."""
    with company_scope(company):
        mailbox = Mailbox.objects.first() or factories.MailboxFactory(company=company)
        folder = CloudFolder.objects.first() or factories.CloudFolderFactory(
            company=company, name="Facturen"
        )
        if not InboundMessage.objects.exists():
            factories.InboundMessageFactory(company=company)
        match = Match.objects.first() or parties.suggestion(company)
        return {
            "document_id": _one_of_each(Document, "status") + _one_of_each(Document, "kind"),
            "supplier_id": [Supplier.objects.first() or factories.SupplierFactory(company=company)],
            "mailbox_id": [mailbox],
            "folder_id": [folder],
            "message_id": _one_of_each(InboundMessage, "status"),
            "test_id": [factories.ConnectionTestFactory(company=company)],
            "delivery_id": _one_of_each(Delivery, "status"),
            "quote_id": _one_of_each(Quote, "status"),
            "invoice_id": _one_of_each(Invoice, "status") + _one_of_each(Invoice, "kind"),
            "customer_id": list(Customer.objects.all()[:2]),
            "product_id": list(Product.objects.all()[:1]),
            "transaction_id": _one_of_each(BankTransaction, "match_state"),
            "match_id": [match],
            "account_id": [match.transaction.account],
            "adjustment_id": [parties.adjustment(company)],
            "invitation_id": [factories.InvitationFactory(company=company)],
            "membership_id": [factories.MembershipFactory(company=company)],
            "billing_invoice_id": [factories.BillingInvoiceFactory(company=company)],
            "link_id": [
                factories.OfficeClientLinkFactory(
                    company=company, office=factories.OfficeFactory(name="Kantoor Peeters")
                )
            ],
        }


def _url(name: str, kwargs: list[str], company: Company, chosen: dict[str, Any]) -> str:
    values: dict[str, Any] = {"company_id": company.public_id}
    for kwarg in kwargs:
        if kwarg == "section":
            values[kwarg] = "sales"
        elif kwarg == "number":
            values[kwarg] = 1
        elif kwarg == "provider":
            values[kwarg] = "google"  # sign-in with Google or Microsoft: no object
        elif kwarg != "company_id":
            values[kwarg] = chosen[kwarg].public_id
    return reverse(name, kwargs=values)


def company_pages(company: Company, objects: dict[str, list[Any]] | None) -> list[str]:
    """Every company page; with ``objects``, once for each object of its kind; without, the
    pages that need no object (a new company's empty states)."""
    pages = []
    for name, route, kwargs in url_patterns():
        if "company_id" not in kwargs or route.startswith("api/"):
            continue
        kinds = [
            kwarg
            for kwarg in kwargs
            if kwarg not in ("company_id", "section", "number", "provider")
        ]
        if objects is None or not kinds:
            if objects is None and not kinds:
                pages.append(_url(name, kwargs, company, {}))
            continue
        for n in range(max(len(objects[kind]) for kind in kinds)):
            chosen = {kind: objects[kind][n % len(objects[kind])] for kind in kinds}
            pages.append(_url(name, kwargs, company, chosen))
    return pages


class Reading:
    """The pages read in one language: what English each has, and which were read (by view
    name, or the error's status)."""

    def __init__(self, language: str, found: dict[str, list[str]]) -> None:
        self.language = language
        self.english = english_words_of(language)
        self.found = found
        self.read: set[str] = set()

    def page(self, response: Any, where: str, name: str = "") -> None:
        html = response.get("Content-Type", "").startswith("text/html") and response.content
        if not html:
            return
        if response.status_code >= 400:
            name = str(response.status_code)
        self.read.add(name or resolve(where.split("?")[0]).view_name)
        words = english_on(response.content.decode(), self.language, self.english)
        if words:
            self.found[f"{self.language} {where}"] = words


# What the walk must have read in each language, or it is broken.
MUST_READ = {
    "companies:dashboard",
    "documents:document-list",
    "documents:document-detail",
    "documents:document-upload",
    "sales:invoice-list",
    "sales:invoice-detail",
    "sales:invoice-issue",
    "sales:invoice-send",
    "sales:quote-detail",
    "sales:quote-send",
    "sales:quote-public",
    "banking:overview",
    "banking:transaction-detail",
    "connections:transfer",
    "connections:delivery-list",
    "connections:office-transfers",
    "inbox:overview",
    "companies:office-detail",
    "account_login",
    "403",
    "404",
    "413",
    "500",
}


@pytest.mark.slow
@pytest.mark.django_db
def test_no_english_on_any_page_in_dutch_or_french(
    client_for, rf, django_capture_on_commit_callbacks
):
    # given the demo companies (a Dutch bakery, a French photo studio) with their work in
    # every state, new companies of the same owner, and the office's accountant
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    owner = User.objects.get(email="demo@okioki.be")
    accountant = User.objects.get(email="accountant@okioki.be")
    with all_companies():
        # the demo user's two companies (not OkiOki's own, which the admin owns)
        demo = {
            company.default_language: company
            for company in Company.objects.filter(memberships__user=owner)
        }
        office = accountant.office_memberships.get().office
    # one on Start, one on a plan with collecting and a bank account (every step of the
    # setup checklist)
    new = [
        factories.CompanyFactory(name="Nieuw BV"),
        factories.CompanyFactory(name="Nouvelle SRL", plan=Plan.objects.get(code="collect-25")),
    ]
    for each in new:
        factories.MembershipFactory(company=each, user=owner, role=Role.OWNER)
    found: dict[str, list[str]] = {}

    for language in LANGUAGES:
        reading = Reading(language, found)
        company = demo[language]
        objects = _objects(company)
        for user in (owner, accountant):
            user.language = language
            user.save(update_fields=["language"])
        client = client_for(owner)
        with all_companies():
            invitation = Invitation.objects.filter(company=company).first() or (
                factories.InvitationFactory(company=company, email=owner.email)
            )
            sent = Quote.objects.filter(company=company).exclude(status=Quote.Status.DRAFT)
            quote = sent.filter(customer__language=language).first() or sent.first()

        # when each page is opened in that language: as the owner
        pages = [
            *company_pages(company, objects),
            *company_pages(company, None),
            *company_pages(new[0], None),
            *company_pages(new[1], None),
            reverse("companies:home") + "?all",
            reverse("companies:company-create"),
            reverse("companies:office-create"),
            reverse("companies:invitation-accept", args=[invitation.token]),
            reverse("accounts:profile"),
            reverse("account_email"),
            reverse("account_change_password"),
            reverse("mfa_index"),
            "/c/00000000-0000-4000-8000-000000000000/",  # 404
        ]
        for url in pages:
            reading.page(client.get(url), url)
        # the office's pages, and a page the accountant may not open (403), as the accountant
        office_client = client_for(accountant)
        for url in [
            reverse("companies:office-detail", kwargs={"office_id": office.public_id}),
            reverse("connections:office-transfers", kwargs={"office_id": office.public_id}),
            reverse("companies:company-edit", kwargs={"company_id": company.public_id}),
        ]:
            reading.page(office_client.get(url), url)
        # an upload too large for the server (413)
        upload = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
        reading.page(_post(client, upload, Unreadable(), 300 * MB), upload)
        # a server error (500), as the handler renders it
        with translation.override(language):
            reading.page(server_error(rf.get("/")), "500")
        # without an account: the sign-in pages and the customer's quote page
        anonymous = client_for(None)
        anonymous.cookies["okioki_language"] = language
        for url in [
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
            reverse("sales:quote-public", kwargs={"token": quote.token}),
        ]:
            reading.page(anonymous.get(url), url)
        assert reading.read >= MUST_READ, f"not read in {language}: {MUST_READ - reading.read}"
        assert len(reading.read) > 50, "the walk read too few pages"

    # then no page has an English word
    report = "\n".join(f"{where}: {words}" for where, words in found.items())
    assert not found, f"English on {len(found)} pages:\n{report}"
