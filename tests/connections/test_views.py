"""The transfer pages: who may see and change what (the accountant configures a client's
addresses, another office's accountant gets a 404), presets, mistakes, "Send a test"."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.companies.scoping import all_companies, company_scope
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

# view, method, needs (a failed or a waiting delivery, a document), data, expected per role
MATRIX = [
    ("transfer", "get", None, {}, [302, 404, 404, 200, 200, 200]),
    # changing where documents go: the owner and the linked office, never a member
    ("transfer", "post", None, TRANSFER_POST, [302, 404, 404, 403, 302, 302]),
    # (the owner's and the office's form has the destination too: without it, it is invalid)
    ("transfer", "post", None, KEEP_DESTINATION, [302, 404, 404, 302, 200, 200]),
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
    return f"{view}-{method}{'-options' if data is KEEP_DESTINATION else ''}"


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


def test_octopus_propose_fills_an_address_per_type(company, owner, client_for):
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    data = {
        **TRANSFER_POST,
        "action": "propose",
        "general_address": "uid-008352-24@import.octopus.be",
        "purchases_address": "",
        "sales_address": "",
        "miscellaneous_address": "",
    }
    page = client_for(owner).post(url, data).content.decode()
    for address in OCTOPUS.values():
        assert f'value="{address}"' in page
    with company_scope(company):
        assert not Transfer.objects.exists()  # proposing saves nothing


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
    response = client_for(owner).post(url, {**TRANSFER_POST, "action": "test"})
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
    assert "Développement" in page
    assert "okioki:kept-by" not in page
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
    assert "Développement : écrit dans" in timeline
    assert "Development" not in timeline
    assert "okioki:kept-by" not in page


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
