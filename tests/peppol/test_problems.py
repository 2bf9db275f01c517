"""Why a Peppol send failed, said in the reader's language around the partner's own words.

The access point is the loopback stand-in of Recommand's API (tests/fakes/recommand.py), the
SML and SMP loopback stand-ins too, as in test_sending."""

import html
import importlib
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from apps.companies.scoping import company_scope
from apps.peppol.models import Transmission
from apps.peppol.problems import MESSAGES, describe
from apps.sales.services.sending import invoice_send
from tests.core.test_no_english import _words, english_words_of
from tests.peppol.parties import customer_on_peppol, issued, registered, seller_details

ADAPTER = Path(__file__).resolve().parents[2] / "apps" / "peppol" / "clients" / "recommand.py"
PARTNER_WORDS = "Receiver could not be reached: the AS4 endpoint answered 503"
PARAMS = {
    "partner": "Recommand",
    "error": "ConnectTimeout",
    "status": 403,
    "detail": PARTNER_WORDS,
    "participant": "0208:0403170701",
    "count": 500,
    "reference": "INV-2026-0001",
    "document": "doc_01J",
}
WORDS = {  # how the access point's refusal starts, in each language
    "nl": "Recommand, het Peppol-toegangspunt, weigerde",
    "fr": "Recommand, le point d'accès Peppol, a refusé",
}

migration = importlib.import_module("apps.peppol.migrations.0003_transmission_reason_words")


def _ours(text: str) -> str:
    """``text`` without what is not ours to translate: the partner's words and the values."""
    for value in PARAMS.values():
        text = text.replace(str(value), " ")
    return text


def test_every_code_the_adapter_gives_has_words():
    source = ADAPTER.read_text()
    given = set(re.findall(r'_error\(\s*"(\w+)"', source))
    given |= set(re.findall(r'_result\(\s*SendStatus\.\w+,\s*"(\w+)"', source))
    given |= set(re.findall(r'code="(\w+)"', source))
    given |= set(re.findall(r'return "(\w+)", \{', source))
    given |= {code for _pattern, code in migration.SENTENCES if code != "http"}
    assert given  # the patterns still find the codes
    assert given <= set(MESSAGES), given - set(MESSAGES)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_code_reads_in_dutch_and_french(language):
    english = english_words_of(language)
    for code in MESSAGES:
        with translation.override("en"):
            in_english = describe(code, PARAMS)
        with translation.override(language):
            said = describe(code, PARAMS)
        assert said != in_english, f"{code} is not translated into {language}"
        assert "%(" not in said, said
        assert not set(_words(_ours(said))) & english, f"{code} in {language}: {said}"
        if "%(detail)s" in str(MESSAGES[code]):
            assert PARTNER_WORDS in said  # the partner's words, as they came


def test_an_unknown_code_is_shown_as_it_is():
    assert describe("gone_code", {}) == "gone_code"


@pytest.fixture
def seller(company, peppol_network, access_point):
    seller_details(company)
    registered(company, access_point)
    return company


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_failed_send_reads_in_the_readers_language_around_the_partners_words(
    language,
    seller,
    owner,
    peppol_network,
    access_point,
    client_for,
    django_capture_on_commit_callbacks,
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    access_point.fail_next(422, body={"success": False, "errors": {"root": [PARTNER_WORDS]}})
    with django_capture_on_commit_callbacks(execute=True), company_scope(seller):
        invoice_send(invoice=invoice, actor=owner)
    with company_scope(seller):
        transmission = Transmission.objects.get()
    assert transmission.status == Transmission.Status.FAILED
    assert (transmission.reason_code, transmission.reason_params["detail"]) == (
        "refused",
        PARTNER_WORDS,
    )
    owner.language = language
    owner.save(update_fields=["language"])

    page = client_for(owner).get(
        reverse(
            "sales:invoice-detail",
            kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
        )
    )

    text = page.content.decode()
    failure = re.search(r'<p id="transmission-failure">(.*?)</p>', text, re.S)
    assert failure is not None
    said = " ".join(html.unescape(failure.group(1)).split())
    assert said.startswith(WORDS[language])
    assert PARTNER_WORDS in said  # the partner's words, verbatim, quoted
    assert not set(_words(said.replace(PARTNER_WORDS, " "))) & english_words_of(language)


@pytest.mark.parametrize(
    ("stored", "code", "params"),
    [
        ("", "", {}),
        (
            "Recommand not reached: ConnectTimeout",
            "not_reached",
            {"partner": "Recommand", "error": "ConnectTimeout"},
        ),
        (
            "No answer from Recommand: ReadTimeout",
            "no_answer",
            {"partner": "Recommand", "error": "ReadTimeout"},
        ),
        ("Recommand: HTTP 502", "server_error", {"partner": "Recommand", "status": 502}),
        ("Recommand: too many requests", "rate_limited", {"partner": "Recommand"}),
        ("Recommand's answer has no id", "incomplete", {"partner": "Recommand"}),
        ("Recommand: no documents in the answer", "incomplete", {"partner": "Recommand"}),
        ("Recommand: the answer is not JSON", "unreadable", {"partner": "Recommand"}),
        (
            "Recommand: the answer is larger than 2097152 bytes",
            "unreadable",
            {"partner": "Recommand"},
        ),
        (
            "Recommand recorded the document but did not send it over Peppol.",
            "not_sent_over_peppol",
            {"partner": "Recommand"},
        ),
        ("The XML is not UTF-8.", "not_utf8", {}),
        (
            "HTTP 403: Company must be verified first",
            "refused_status",
            {"partner": "Recommand", "status": 403, "detail": "Company must be verified first"},
        ),
        ("HTTP 401: HTTP 401", "refused_http", {"partner": "Recommand", "status": 401}),
        (
            "Recommand (HTTP 400): Invalid search",
            "refused",
            {"partner": "Recommand", "status": 400, "detail": "Invalid search"},
        ),
        ("Recommand (HTTP 503): HTTP 503", "server_error", {"partner": "Recommand", "status": 503}),
        (
            "Recommand could not be reached: ConnectionError",
            "not_reached",
            {"partner": "Recommand", "error": "ConnectionError"},
        ),
        (
            "Recommand has more than 500 outgoing documents matching 'INV-1'; cannot tell",
            "too_many_matches",
            {"partner": "Recommand", "count": 500, "reference": "INV-1"},
        ),
        # the partner's own words (a validation or delivery refusal): kept as they came
        (
            "Document validation failed.  Please check the errors.",
            "other",
            {"detail": "Document validation failed. Please check the errors."},
        ),
    ],
)
def test_the_migration_turns_stored_english_into_codes(stored, code, params):
    assert migration.reason_code(stored, "recommand") == (code, params)
    if code:
        assert code in MESSAGES
        with translation.override("nl"):
            assert describe(code, params)  # and it reads


@pytest.mark.django_db
def test_the_migration_turns_a_stored_reason_into_its_code(company):
    """Back to before 0004 (the English column), a row with a reason, forward again."""
    executor = MigrationExecutor(connection)
    before = [("peppol", "0002_transmission_reason_code")]
    latest = executor.loader.graph.leaf_nodes("peppol")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("peppol", "Transmission")
    fields = {"company_id": company.pk, "provider": "recommand", "receiver": "0208:0403170701"}
    old._base_manager.create(subject="a", reason="Recommand: HTTP 502", **fields)
    old._base_manager.create(subject="b", reason="Unknown receiver.", **fields)
    old._base_manager.create(subject="c", reason="", **fields)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks while altering

    MigrationExecutor(connection).migrate(latest)

    with company_scope(company):
        found = {t.subject: (t.reason_code, t.reason_params) for t in Transmission.objects.all()}
    assert found == {
        "a": ("server_error", {"partner": "Recommand", "status": 502}),
        "b": ("other", {"detail": "Unknown receiver."}),
        "c": ("", {}),
    }
