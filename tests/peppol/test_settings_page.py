"""Settings → Peppol: registering the company with the access point, its identity
verification, a company already on Peppol elsewhere (migration or sending only),
deregistration, and what the page says when the access point cannot be reached.

The access point is the Recommand stand-in and the SML/SMP the network stand-ins
(tests/peppol/conftest.py); whether the company is on Peppol already is checked in a worker
(the on-commit callback the page leaves), as on a real page."""

import socket

import pytest
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.peppol.models import PeppolCompany
from tests.access import cases, check_access
from tests.peppol.conftest import INVOICE
from tests.peppol.parties import seller_details

pytestmark = pytest.mark.django_db

GOOD_KEY = "Mv8#Kp2!rtQa"
MIGRATION_KEY_ERROR = (
    "This is not a migration key: it has 8 to 24 characters, with at least two capitals, "
    "two small letters, two digits and two special characters."
)


@pytest.fixture
def seller(company, peppol_network, access_point):
    """Our company with the details the access point asks for, and the network to ask."""
    return seller_details(company)


@pytest.fixture
def registered_elsewhere(seller, peppol_network):
    """The company receives through another access point: its 0208 participant is on the SML."""
    sml, smp = peppol_network
    participant = f"0208:{seller.enterprise_number}"
    sml.register(participant, smp.url)
    smp.document_types[participant] = [INVOICE]
    return participant


def _url(company) -> str:
    return reverse("peppol:settings", kwargs={"company_id": company.public_id})


def _page(client, company) -> str:
    response = client.get(_url(company))
    assert response.status_code == 200
    return response.content.decode()


def _checked_page(client, company, capture) -> str:
    """The page once the worker has checked whether the company is on Peppol already."""
    with capture(execute=True):
        first = _page(client, company)
    assert "Checking whether your company is on Peppol already" in first
    return _page(client, company)


def _post(client, company, **data):
    """An action of the page, followed to the page it leads back to."""
    return client.post(_url(company), data, follow=True)


def _registration(company) -> PeppolCompany | None:
    with company_scope(company):
        return PeppolCompany.objects.filter(company=company).first()


def test_without_a_partner_the_page_says_peppol_is_not_configured_and_asks_nobody(
    company, owner, client_for, settings, django_capture_on_commit_callbacks
):
    settings.PEPPOL_PROVIDER = ""
    with django_capture_on_commit_callbacks() as callbacks:
        page = _page(client_for(owner), company)
    assert "Peppol is not configured on this OkiOki" in page
    assert 'id="register"' not in page
    assert "Development stand-in" not in page
    assert callbacks == []  # no lookup queued: nothing is checked, nothing made up
    assert _registration(company) is None


def test_a_company_not_on_peppol_registers_verifies_its_identity_and_receives_here(
    seller, owner, client_for, access_point, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    # the page does not wait for the network: the worker checks once, then it offers to register
    with django_capture_on_commit_callbacks() as callbacks:
        first = _page(client, seller)
        _page(client, seller)  # looked at again before the worker answered
    assert "Checking whether your company is on Peppol already" in first
    assert len(callbacks) == 1
    callbacks[0]()
    page = _page(client, seller)
    assert "Your company is not on Peppol yet." in page
    assert 'id="register"' in page

    page = _post(client, seller, action="register").content.decode()
    assert "Your company is registered on Peppol." in page
    registration = _registration(seller)
    assert registration is not None
    assert registration.ap_company_id in access_point.state()["companies"]
    assert "Identity verification needed" in page
    assert 'id="verify-link"' in page
    assert registration.verification_url in page
    assert "/company-verification/" in registration.verification_url

    access_point.verify_company(registration.ap_company_id)  # the owner did, at the partner
    page = _post(client, seller, action="refresh").content.decode()
    assert "Registered" in page
    assert "Identity verification needed" not in page
    assert f"<code>0208:{seller.enterprise_number}</code>" in page
    assert f"<code>9925:{seller.vat_number}</code>" in page
    assert 'id="verify-link"' not in page
    assert _registration(seller).status == PeppolCompany.Status.ACTIVE


def test_a_company_on_peppol_elsewhere_is_told_receiving_is_exclusive_and_offered_both_ways(
    seller, registered_elsewhere, owner, client_for, django_capture_on_commit_callbacks
):
    page = _checked_page(client_for(owner), seller, django_capture_on_commit_callbacks)
    assert f"Your company ({registered_elsewhere}) already receives e-invoices" in page
    assert "A company receives through one access point only." in page
    assert 'name="migration_key"' in page
    assert "Send through OkiOki, receive elsewhere" in page
    assert 'id="register"' not in page


@pytest.mark.parametrize("key", ["Ab1!x", "AbcdEF123456"], ids=["too short", "no specials"])
def test_a_bad_migration_key_is_refused_in_plain_words_and_nothing_reaches_the_access_point(
    key,
    seller,
    registered_elsewhere,
    owner,
    client_for,
    access_point,
    django_capture_on_commit_callbacks,
):
    client = client_for(owner)
    _checked_page(client, seller, django_capture_on_commit_callbacks)
    response = client.post(_url(seller), {"action": "migrate", "migration_key": key})
    assert response.status_code == 400
    page = response.content.decode()
    assert MIGRATION_KEY_ERROR in page
    assert f'value="{key}"' in page  # the form is shown again where it was filled in
    assert "Send through OkiOki, receive elsewhere" in page
    assert _registration(seller) is None
    state = access_point.state()
    assert state["companies"] == {}
    assert state["migrations"] == []
    assert state["requests"] == {}


def test_a_bad_migration_key_is_refused_in_french_for_a_french_speaker(
    seller, registered_elsewhere, owner, client_for, django_capture_on_commit_callbacks
):
    owner.language = "fr"
    owner.save()
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(seller))  # the worker checks whether it is on Peppol
    response = client.post(_url(seller), {"action": "migrate", "migration_key": "Ab1!x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert 'class="field-error"' in page
    assert MIGRATION_KEY_ERROR not in page  # said in French


def test_a_good_migration_key_moves_receiving_here_once_the_identity_is_verified(
    seller,
    registered_elsewhere,
    owner,
    client_for,
    access_point,
    django_capture_on_commit_callbacks,
):
    client = client_for(owner)
    _checked_page(client, seller, django_capture_on_commit_callbacks)
    page = _post(client, seller, action="migrate", migration_key=GOOD_KEY).content.decode()
    assert "The move to OkiOki&#x27;s access point is requested." in page
    assert "Moving from another access point" in page
    assert "The move from your current access point is under way" in page
    registration = _registration(seller)
    assert registration is not None
    assert registration.status == PeppolCompany.Status.MIGRATION
    [migration] = access_point.state()["migrations"]
    assert migration["companyId"] == registration.ap_company_id
    assert migration["migrationKey"] == GOOD_KEY
    assert migration["status"] == "pending"

    access_point.verify_company(registration.ap_company_id)
    page = _post(client, seller, action="refresh").content.decode()
    assert "Moving from another access point" not in page
    assert "Registered" in page
    assert f"<code>0208:{seller.enterprise_number}</code>" in page
    assert _registration(seller).status == PeppolCompany.Status.ACTIVE
    assert access_point.state()["migrations"][0]["status"] == "completed"


def test_send_only_registers_the_company_without_receiving_here(
    seller,
    registered_elsewhere,
    owner,
    client_for,
    access_point,
    django_capture_on_commit_callbacks,
):
    client = client_for(owner)
    _checked_page(client, seller, django_capture_on_commit_callbacks)
    page = _post(client, seller, action="send_only").content.decode()
    assert "keeps receiving elsewhere" in page
    registration = _registration(seller)
    assert registration is not None
    assert registration.identifiers == []
    assert "Nothing: your company receives its e-invoices through another access point." in page
    assert "<code>0208:" not in page
    ap_company = access_point.state()["companies"][registration.ap_company_id]
    assert ap_company["isSmpRecipient"] is False


def test_deregistering_takes_the_company_off_the_access_point_and_offers_to_register_again(
    seller, owner, client_for, access_point, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    _checked_page(client, seller, django_capture_on_commit_callbacks)
    _post(client, seller, action="register")
    ap_company_id = _registration(seller).ap_company_id
    assert ap_company_id in access_point.state()["companies"]

    with django_capture_on_commit_callbacks(execute=True):  # and the worker checks again
        page = _post(client, seller, action="deregister").content.decode()
    assert "Your company is no longer on Peppol through OkiOki." in page
    assert ap_company_id not in access_point.state()["companies"]
    assert _registration(seller).status == PeppolCompany.Status.DEREGISTERED
    assert 'id="deregister"' not in page
    # what the network said of the company is forgotten: it is asked again, then offered
    assert "Checking whether your company is on Peppol already" in page
    assert 'id="register"' in _page(client, seller)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens there once it is closed


def test_an_unreachable_access_point_is_said_plainly_and_nothing_is_stored(
    seller, owner, client_for, settings, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    _checked_page(client, seller, django_capture_on_commit_callbacks)
    settings.PEPPOL_API_URL = f"http://127.0.0.1:{_closed_port()}/api/v1"
    page = _post(client, seller, action="register").content.decode()
    assert "The Peppol access point could not be reached. Try again in a few minutes." in page
    assert "Your company is registered on Peppol." not in page
    assert 'id="register"' in page
    assert _registration(seller) is None


@pytest.mark.parametrize("action", ["register", "send_only", "migrate", "refresh", "deregister"])
def test_a_member_sees_the_page_but_may_not_act(
    action, seller, owner, member, client_for, access_point, django_capture_on_commit_callbacks
):
    # given a company registered by its owner, not verified yet
    owner_client = client_for(owner)
    _checked_page(owner_client, seller, django_capture_on_commit_callbacks)
    _post(owner_client, seller, action="register")
    before = _registration(seller)
    state = access_point.state()
    client = client_for(member)
    page = _page(client, seller)
    assert "Identity verification needed" in page
    assert 'value="refresh"' not in page
    assert 'id="deregister"' not in page
    # when the member posts an action, then it is refused and nothing changes
    response = client.post(
        _url(seller), {"action": action, "migration_key": GOOD_KEY}, follow=False
    )
    assert response.status_code == 403
    after = _registration(seller)
    assert (after.status, after.identifiers, after.ap_company_id) == (
        before.status,
        before.identifiers,
        before.ap_company_id,
    )
    now = access_point.state()
    assert now["companies"] == state["companies"]
    assert now["migrations"] == state["migrations"]
    assert now["requests"] == state["requests"]


# statuses per role: anonymous, outsider, other_accountant, member, accountant, owner
MATRIX = [
    ("get", [302, 404, 404, 200, 200, 200]),
    ("post", [302, 404, 404, 403, 403, 302]),
]


@pytest.mark.parametrize(("method", "role", "expected"), cases(MATRIX))
def test_access_matrix(method, role, expected, request, seller, owner, access_point):
    def snapshot():
        return (
            sorted(PeppolCompany.objects.values_list("company_id", "status", "ap_company_id")),
            sorted(access_point.state()["companies"]),
        )

    def wrote():
        return PeppolCompany.objects.filter(company=seller).exists() and bool(
            access_point.state()["companies"]
        )

    check_access(
        request,
        role,
        method,
        _url(seller),
        {"action": "register"} if method == "post" else None,
        expected=expected,
        unchanged=snapshot,
        wrote=wrote if method == "post" else None,
    )
