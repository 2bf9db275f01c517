"""The transfer pages: who may see and change what (the accountant configures a client's
addresses, another office's accountant gets a 404), presets, mistakes, "Send a test"."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from apps.companies.scoping import all_companies, company_scope
from apps.connections.destination import ADDRESS_FIELDS
from apps.connections.models import Delivery, PeriodResend, Transfer
from tests import factories
from tests.access import cases, check_access
from tests.connections.conftest import OCTOPUS, ready_document
from tests.events import run_events

TRANSFER_POST = {
    "action": "save",
    "package": "octopus",
    "general_address": "",
    "purchases_address": OCTOPUS["purchases"],
    "sales_address": OCTOPUS["sales"],
    "miscellaneous_address": OCTOPUS["miscellaneous"],
    "is_automatic": "True",
    "send_from": "",
    "is_active": "on",
}
# The member's form: options only, the destination as it is (the transfer's fields absent).
KEEP_DESTINATION = {"action": "save", "is_automatic": "False", "send_from": ""}
# Octopus' Propose: the import address pasted as the general one
PASTED = "uid-008352-24@import.octopus.be"
PROPOSE_POST = {
    **TRANSFER_POST,
    "action": "propose",
    "general_address": PASTED,
    "purchases_address": "",
    "sales_address": "",
    "miscellaneous_address": "",
}
USE_PROPOSAL_POST = {
    **PROPOSE_POST,
    "action": "use_proposal",
    "proposed_general_address": PASTED,
    **{f"proposed_{kind}_address": address for kind, address in OCTOPUS.items()},
}

# view, method, needs (a failed or a waiting delivery, a document), data, expected per role
MATRIX = [
    ("transfer", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    # changing where documents go: the owner and the linked office, never a member
    ("transfer", "post", None, TRANSFER_POST, [302, 404, 404, 403, 302, 302]),
    # (the owner's and the office's form has the destination too: without it, it is invalid)
    ("transfer", "post", None, KEEP_DESTINATION, [302, 404, 404, 302, 200, 200]),
    # Propose and its "use these addresses": shown, never saved; not the member's to ask
    ("transfer", "post", None, PROPOSE_POST, [302, 404, 404, 403, 200, 200]),
    ("transfer", "post", None, USE_PROPOSAL_POST, [302, 404, 404, 403, 200, 200]),
    ("delivery-list", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    ("deliveries-approve-all", "post", "waiting", {}, [302, 404, 404, 302, 302, 302]),
    (
        "deliveries-resend-period",
        "post",
        None,
        {"date_from": "2026-11-01", "date_to": "2026-11-30"},
        [302, 404, 404, 403, 302, 302],
    ),
    ("delivery-retry", "post", "delivery", {}, [302, 404, 404, 302, 302, 302]),
    ("delivery-approve", "post", "waiting", {}, [302, 404, 404, 302, 302, 302]),
    ("delivery-cancel", "post", "delivery", {}, [302, 404, 404, 302, 302, 302]),
    ("document-send", "post", "document", {}, [302, 404, 404, 302, 302, 302]),
]


def _label(row):
    view, method, _needs, data = row
    if data is KEEP_DESTINATION:
        return f"{view}-{method}-options"
    return f"{view}-{method}{'-' + data['action'] if data.get('action', 'save') != 'save' else ''}"


def _snapshot():
    with all_companies():
        return (
            sorted(
                Transfer.objects.values_list(
                    "company_id",
                    "purchases_address",
                    "sales_address",
                    "general_address",
                    "is_automatic",
                    "is_active",
                )
            ),
            sorted(Delivery.objects.values_list("pk", "status", "reason", "destination")),
            sorted(PeriodResend.objects.values_list("pk", "count")),
            len(mail.outbox),
        )


@pytest.mark.parametrize(
    ("view", "method", "needs", "data", "role", "expected"), cases(MATRIX, label=_label)
)
def test_access_matrix(
    view,
    method,
    needs,
    data,
    role,
    expected,
    request,
    company,
    owner,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    factories.TransferFactory(company=company, general_address="oud@kantoor.example")
    kwargs = {"company_id": company.public_id}
    delivery = document = None
    if needs in ("delivery", "waiting"):
        status = Delivery.Status.AWAITING_APPROVAL if needs == "waiting" else Delivery.Status.FAILED
        delivery = factories.DeliveryFactory(company=company, status=status)
        if view != "deliveries-approve-all":
            kwargs["delivery_id"] = delivery.public_id
    elif needs == "document":
        document = factories.DocumentFactory(company=company)
        kwargs["document_id"] = document.public_id

    def acted_on() -> bool:  # retried, approved or cancelled, by the caller
        return Delivery.objects.get(pk=delivery.pk).requested_by_id is not None

    writes = {
        "transfer": lambda: Transfer.objects.get().updated_by_id is not None,
        "deliveries-approve-all": acted_on,
        "deliveries-resend-period": PeriodResend.objects.exists,
        "delivery-retry": acted_on,
        "delivery-approve": acted_on,
        "delivery-cancel": acted_on,
        "document-send": lambda: Delivery.objects.filter(document=document).exists(),
    }
    # a 200 to a change is its form shown again: nothing saved
    wrote = writes[view] if method == "post" and expected != 200 else None

    url = reverse(f"connections:{view}", kwargs=kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        check_access(
            request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
        )


def test_the_accountant_configures_a_clients_addresses_and_another_office_cannot(
    company, accountant, other_accountant, client_for
):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # the accountant of the linked office sets the per-type addresses
    response = client_for(accountant).post(url, TRANSFER_POST)
    assert response.status_code == 302
    with company_scope(company):
        transfer = Transfer.objects.get()
    assert transfer.address_for("purchases") == OCTOPUS["purchases"]
    assert transfer.updated_by == accountant
    # an accountant of another office sees nothing and changes nothing
    other = client_for(other_accountant)
    assert other.get(url).status_code == 404
    changed = {**TRANSFER_POST, "purchases_address": "steal@evil.example"}
    assert other.post(url, changed).status_code == 404
    transfer.refresh_from_db()
    assert transfer.purchases_address == OCTOPUS["purchases"]


def test_the_office_sees_per_client_what_was_sent_failed_and_waits(
    company, other_company, accountant, other_accountant, client_for
):
    from apps.companies.models import OfficeMember

    office = OfficeMember.objects.get(user=accountant).office
    factories.TransferFactory(company=company)
    factories.DeliveryFactory(company=company, status=Delivery.Status.FAILED)
    factories.DeliveryFactory(company=company, status=Delivery.Status.PENDING)
    factories.DeliveryFactory(company=other_company, status=Delivery.Status.FAILED)
    url = reverse("connections:office-transfers", kwargs={"office_id": office.public_id})
    page = client_for(accountant).get(url).content.decode()
    assert company.name in page
    assert other_company.name not in page
    assert client_for(other_accountant).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_octopus_propose_shows_what_it_changes_and_applies_only_when_asked(
    company, owner, client_for
):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    # given the Octopus import address pasted as the address for everything
    # when the owner asks for a proposal
    response = client.post(url, PROPOSE_POST)
    page = response.content.decode()
    # then each proposed address is shown next to the current one
    proposal = response.context["proposal"]
    assert [(row["name"], row["current"], row["proposed"]) for row in proposal] == [
        ("general_address", PASTED, PASTED),
        ("purchases_address", "", OCTOPUS["purchases"]),
        ("sales_address", "", OCTOPUS["sales"]),
        ("miscellaneous_address", "", OCTOPUS["miscellaneous"]),
    ]
    section = page[page.index('id="proposal"') :]
    for address in OCTOPUS.values():
        assert f"<code>{address}</code>" in section
    # and the form itself still holds what was typed: nothing applied, nothing saved
    form = response.context["form"]
    assert [form[name].value() for name in ADDRESS_FIELDS] == [PASTED, "", "", ""]
    with company_scope(company):
        assert not Transfer.objects.exists()

    # when the owner uses the proposal, then the form holds it, still unsaved
    response = client.post(url, USE_PROPOSAL_POST)
    form = response.context["form"]
    assert [form[name].value() for name in ADDRESS_FIELDS] == [PASTED, *OCTOPUS.values()]
    assert "Nothing is saved yet" in response.content.decode()
    with company_scope(company):
        assert not Transfer.objects.exists()

    # when the owner keeps their addresses instead, then the form is as typed
    response = client.post(url, {**USE_PROPOSAL_POST, "action": "keep"})
    form = response.context["form"]
    assert [form[name].value() for name in ADDRESS_FIELDS] == [PASTED, "", "", ""]
    assert not response.context["proposal"]


def test_propose_never_turns_the_general_address_into_another_types(company, owner, client_for):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # given a general address with a lowercase sub-folder and a purchases address of its own
    data = {
        **PROPOSE_POST,
        "general_address": "ocr-008352-24-ksv@import.octopus.be",
        "purchases_address": "uid-008352-24-AANKOOP@import.octopus.be",
    }
    # when the owner asks for a proposal
    proposal = client_for(owner).post(url, data).context["proposal"]
    # then the general address is only corrected (uid-, capitals) and every change is listed
    rows = {row["name"]: (row["current"], row["proposed"]) for row in proposal}
    assert rows["general_address"] == (
        "ocr-008352-24-ksv@import.octopus.be",
        "uid-008352-24-KSV@import.octopus.be",
    )
    assert rows["purchases_address"] == (
        "uid-008352-24-AANKOOP@import.octopus.be",
        OCTOPUS["purchases"],
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("uid-008352-24-PI @import.octopus.be", "space"),
        ("uid-008352-24-PI@@import.octopus.be", "more than one"),
        ("uid-008352-24-PI", "@"),
    ],
)
def test_a_broken_address_is_refused_with_a_clear_error(
    address, message, company, owner, client_for
):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    response = client_for(owner).post(url, {**TRANSFER_POST, "purchases_address": address})
    assert response.status_code == 200
    assert message in response.content.decode()
    with company_scope(company):
        assert not Transfer.objects.exists()


def test_common_octopus_mistakes_are_flagged_with_the_corrected_address(company, owner, client_for):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    data = {
        **TRANSFER_POST,
        "action": "test",
        "purchases_address": "ocr-008352-24-pi@import.octopus.be",
    }
    page = client.post(url, data).content.decode()
    assert "uid-008352-24-PI@import.octopus.be" in page  # the suggestion


def test_the_error_is_in_the_users_language(company, owner, client_for):
    owner.language = "nl"
    owner.save()
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    page = (
        client_for(owner)
        .post(
            url,
            {
                **TRANSFER_POST,
                "is_active": "on",
                "purchases_address": "",
                "sales_address": "",
                "miscellaneous_address": "",
            },
        )
        .content.decode()
    )
    assert "Geef minstens één adres" in page


def test_send_a_test_shows_the_smtp_outcome_per_address(company, owner, client_for, smtp):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # given an address per type, and a general one that no type uses: it gets no test
    data = {**TRANSFER_POST, "action": "test", "general_address": PASTED}
    response = client_for(owner).post(url, data)
    page = response.content.decode()
    assert page.count("test-ok") == 3
    assert "250 2.0.0 OK queued as" in page
    received = smtp.wait_for(3)
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(OCTOPUS.values())
    from apps.einvoice import validate

    for message in received:
        [part] = list(message.message.iter_attachments())
        assert validate(part.get_payload(decode=True)).is_valid
    with company_scope(company):
        assert not Transfer.objects.exists()  # testing saves nothing


def test_send_a_test_shows_a_refusal(company, owner, client_for, smtp):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    smtp.rcpt_reply = "550 5.1.1 unknown mailbox"
    page = client_for(owner).post(url, {**TRANSFER_POST, "action": "test"}).content.decode()
    assert page.count("test-failed") == 3
    assert "550 5.1.1 unknown mailbox" in page


def test_the_document_page_and_list_show_where_it_went(company, owner, client_for, smtp):
    from apps.connections import services

    factories.TransferFactory(company=company)
    document = ready_document(company, number="AK-77")
    with company_scope(company):
        delivery = Delivery.objects.get()
        services.delivery_send(company=company, delivery_id=delivery.pk)
    client = client_for(owner)
    detail = client.get(
        reverse(
            "documents:document-detail",
            kwargs={"company_id": company.public_id, "document_id": document.public_id},
        )
    ).content.decode()
    assert OCTOPUS["purchases"] in detail
    assert "Send again to" in detail
    listing = client.get(
        reverse("documents:document-list", kwargs={"company_id": company.public_id})
    ).content.decode()
    assert f"sent to {OCTOPUS['purchases']} on" in listing


def test_the_document_list_stays_within_its_query_budget(
    company, owner, client_for, django_assert_max_num_queries
):
    factories.TransferFactory(company=company)
    for _ in range(20):
        factories.DeliveryFactory(company=company, status=Delivery.Status.SENT)
    client = client_for(owner)
    url = reverse("documents:document-list", kwargs={"company_id": company.public_id})
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_the_dashboard_shows_failures_with_a_link_to_retry(company, owner, client_for):
    factories.TransferFactory(company=company)
    factories.DeliveryFactory(company=company, status=Delivery.Status.FAILED)
    page = (
        client_for(owner)
        .get(reverse("companies:dashboard", kwargs={"company_id": company.public_id}))
        .content.decode()
    )
    assert "1 document could not be sent to your accountant." in page
    assert "?status=failed" in page


def test_retry_from_the_list_sends_a_failed_delivery(company, owner, client_for, smtp):
    factories.TransferFactory(company=company)
    ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get()
    delivery.status = Delivery.Status.FAILED
    delivery.save()
    response = client_for(owner).post(
        reverse(
            "connections:delivery-retry",
            kwargs={"company_id": company.public_id, "delivery_id": delivery.public_id},
        )
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    # in tests tasks run eagerly on commit; here the transaction is the test's, so run it
    from apps.connections import services

    with company_scope(company):
        services.delivery_send(company=company, delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(smtp.wait_for(1)) == 1


def test_saving_says_which_waiting_documents_it_sends_before_it_sends_them(
    company, owner, client_for
):
    # given two documents from 2014 that became ready before there was a transfer
    ready_document(company, issue_date=datetime.date(2014, 3, 4))
    ready_document(company, issue_date=datetime.date(2014, 6, 30))
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    # when the owner saves the addresses without a from date
    response = client.post(url, TRANSFER_POST)
    # then nothing is saved yet and the page says what saving sends: how many, which dates
    assert response.status_code == 200
    question = response.context["backlog_question"]
    assert question["count"] == 2
    assert question["text"] == (
        "Saving also sends 2 documents that are ready but were never sent to your accountant, "
        "dated from 4 March 2014 to 30 June 2014."
    )
    assert 'name="confirmed_backlog" value="2"' in response.content.decode()
    with company_scope(company):
        assert not Transfer.objects.exists()
        assert not Delivery.objects.exists()

    # when the owner confirms these two, then they are saved and planned, and it is said
    response = client.post(url, {**TRANSFER_POST, "confirmed_backlog": "2"}, follow=True)
    assert "2 documents that were waiting are being sent now (the oldest dated 4 March 2014)" in (
        response.content.decode()
    )
    with company_scope(company):
        assert Transfer.objects.exists()
        assert Delivery.objects.count() == 2


def test_a_from_date_keeps_older_waiting_documents_from_being_sent(company, owner, client_for):
    # given two documents from 2014 and one from this month, ready and never sent
    ready_document(company, issue_date=datetime.date(2014, 3, 4))
    ready_document(company, issue_date=datetime.date(2014, 6, 30))
    recent = ready_document(company, issue_date=datetime.date(2026, 12, 1))
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    client = client_for(owner)
    # when the owner saves with "send documents dated from" 1 December 2026
    data = {**TRANSFER_POST, "send_from": "2026-12-01"}
    response = client.post(url, data)
    # then the page asks about the recent one only
    assert response.context["backlog_question"]["count"] == 1
    assert "dated 1 December 2026" in response.context["backlog_question"]["text"]
    response = client.post(url, {**data, "confirmed_backlog": "1"})
    assert response.status_code == 302
    # and only that one is on its way: the 2014 documents are not sent
    with company_scope(company):
        assert list(Delivery.objects.values_list("document_id", flat=True)) == [recent.pk]
    # and a 2014 document that becomes ready later is not sent either
    ready_document(company, issue_date=datetime.date(2014, 9, 1))
    with company_scope(company):
        assert Delivery.objects.count() == 1


def test_saving_with_nothing_waiting_asks_nothing(company, owner, client_for):
    # given an old ready document and a from date after it
    ready_document(company, issue_date=datetime.date(2014, 3, 4))
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # when the owner saves, then it is saved at once, saying it applies from now on
    response = client_for(owner).post(
        url, {**TRANSFER_POST, "send_from": "2026-01-01"}, follow=True
    )
    assert "Saved. Documents that become ready from now on go to these addresses." in (
        response.content.decode()
    )
    with company_scope(company):
        assert Transfer.objects.get().send_from == datetime.date(2026, 1, 1)
        assert not Delivery.objects.exists()


def test_with_approval_the_waiting_documents_are_saved_to_approve_without_asking(
    company, owner, client_for
):
    # given a ready document and the transfer set to wait for approval
    ready_document(company, issue_date=datetime.date(2014, 3, 4))
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # when the owner saves, then nothing is sent and the message says what waits
    data = {**TRANSFER_POST, "is_automatic": "False"}
    response = client_for(owner).post(url, data, follow=True)
    assert "1 document that was waiting now waits for your approval (dated 4 March 2014)" in (
        response.content.decode()
    )
    with company_scope(company):
        assert Delivery.objects.get().status == Delivery.Status.AWAITING_APPROVAL


def test_a_from_date_cancels_the_older_deliveries_waiting_for_approval(company, owner, client_for):
    # given a transfer that waits for approval, and an old and a recent document waiting
    factories.TransferFactory(company=company, is_automatic=False)
    old = ready_document(company, issue_date=datetime.date(2014, 3, 4))
    recent = ready_document(company, issue_date=datetime.date(2026, 12, 1))
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # when the owner sets "send documents dated from" 1 January 2026
    data = {**TRANSFER_POST, "is_automatic": "False", "send_from": "2026-01-01"}
    assert client_for(owner).post(url, data).status_code == 302
    # then the old one no longer waits (it says why), the recent one still does
    with company_scope(company):
        statuses = dict(Delivery.objects.values_list("document_id", "status"))
        cancelled = Delivery.objects.get(document=old)
    assert statuses == {
        old.pk: Delivery.Status.CANCELLED,
        recent.pk: Delivery.Status.AWAITING_APPROVAL,
    }
    assert cancelled.problem == (
        "Not sent: the document is dated before 1 January 2026, the day from which documents "
        "are sent to your accountant."
    )


def test_a_warning_is_said_again_when_the_address_is_saved(company, owner, client_for):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    data = {**TRANSFER_POST, "purchases_address": "uid-008352-24-pi@import.octopus.be"}
    response = client_for(owner).post(url, data, follow=True)
    page = response.content.decode()
    assert "Saved." in page
    assert "uid-008352-24-PI@import.octopus.be" in page  # the suggested capitals
    with company_scope(company):
        assert Transfer.objects.get().purchases_address == "uid-008352-24-pi@import.octopus.be"


def test_without_a_mail_server_the_page_says_where_the_mail_went(
    company, owner, client_for, settings, tmp_path
):
    from apps.connections import services

    # like `make run`: no EMAIL_HOST, the file-based backend
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    owner.language = "fr"
    owner.save()
    factories.TransferFactory(company=company)
    ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get()
        delivery = services.delivery_send(company=company, delivery_id=delivery.pk)
    assert delivery.status == Delivery.Status.SENT
    assert len(list((tmp_path / "mail").iterdir())) == 1
    page = (
        client_for(owner)
        .get(reverse("connections:delivery-list", kwargs={"company_id": company.public_id}))
        .content.decode()
    )
    assert "Pas vraiment envoyé : aucun serveur de courrier n&#x27;est configuré" in page
    assert "okioki:kept-by" not in page
    assert "EMAIL_HOST" not in page
    # and the document's timeline says it in the reader's language too, not the worker's
    run_events()
    page = (
        client_for(owner)
        .get(
            reverse(
                "documents:document-detail",
                kwargs={
                    "company_id": company.public_id,
                    "document_id": delivery.document.public_id,
                },
            )
        )
        .content.decode()
    )
    timeline = page[page.index('<ol class="timeline">') :]
    assert "Envoyé à" in timeline
    assert "l&#x27;e-mail a donc été conservé dans un fichier" in timeline
    assert "Development" not in timeline
    assert "okioki:kept-by" not in page
    assert "EMAIL_HOST" not in page


def test_without_a_mail_server_the_test_results_say_so_in_words(
    company, owner, client_for, settings, tmp_path
):
    # given no mail server (like `make run`) and a Dutch-speaking owner
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    owner.language = "nl"
    owner.save()
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    # when the owner sends a test
    page = client_for(owner).post(url, {**TRANSFER_POST, "action": "test"}).content.decode()
    # then each result says where the mail went, in Dutch, without the backend's marker
    results = page[page.index('id="test-results"') :]
    assert results.count("Niet echt verstuurd: er is geen mailserver ingesteld") == 3
    assert "okioki:kept-by" not in page
    assert "EMAIL_HOST" not in page


def test_propose_without_an_octopus_address_says_what_to_paste(company, owner, client_for):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    data = {
        **TRANSFER_POST,
        "action": "propose",
        "general_address": "boekhouding@kantoor.example",
        "purchases_address": "",
        "sales_address": "",
        "miscellaneous_address": "",
    }
    page = client_for(owner).post(url, data).content.decode()
    assert "Paste your Octopus import address" in page
    assert 'value="boekhouding@kantoor.example"' in page  # what was typed stays


@pytest.mark.parametrize("name", ["transfer", "delivery-list"])
def test_transfer_pages_stay_within_their_query_budget(
    name, company, owner, client_for, django_assert_max_num_queries
):
    factories.TransferFactory(company=company)
    for status in [Delivery.Status.SENT] * 25 + [Delivery.Status.FAILED] * 5:
        factories.DeliveryFactory(company=company, status=status)
    client = client_for(owner)
    url = reverse(f"connections:{name}", kwargs={"company_id": company.public_id})
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_office_overview_stays_within_its_query_budget(
    accountant, client_for, django_assert_max_num_queries
):
    from apps.companies.models import OfficeMember

    office = OfficeMember.objects.get(user=accountant).office
    for _ in range(10):
        client_company = factories.CompanyFactory()
        factories.OfficeClientLinkFactory(company=client_company, office=office)
        factories.DeliveryFactory(company=client_company, status=Delivery.Status.FAILED)
    url = reverse("connections:office-transfers", kwargs={"office_id": office.public_id})
    client = client_for(accountant)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert page.count("badge-failed") == 10


def test_approving_from_the_page_sends_it(company, accountant, client_for, smtp):
    from apps.connections import services

    factories.TransferFactory(company=company, is_automatic=False)
    ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.AWAITING_APPROVAL
    response = client_for(accountant).post(
        reverse(
            "connections:delivery-approve",
            kwargs={"company_id": company.public_id, "delivery_id": delivery.public_id},
        )
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.requested_by == accountant
    with company_scope(company):
        services.delivery_send(company=company, delivery_id=delivery.pk)
    assert len(smtp.wait_for(1)) == 1


def test_another_companys_delivery_under_this_company_is_404(
    request, company, other_company, owner
):
    foreign = factories.DeliveryFactory(company=other_company)
    url = reverse(
        "connections:delivery-retry",
        kwargs={"company_id": company.public_id, "delivery_id": foreign.public_id},
    )
    check_access(request, "owner", "post", url, expected=404, unchanged=_snapshot)
    foreign.refresh_from_db()
    assert foreign.status == Delivery.Status.FAILED
