"""Mailboxes signed in with Google or Microsoft (OAuth2): connecting, scanning over XOAUTH2,
refreshing the token, a revoked grant, and who may do what.

Faked, at the HTTP boundary: Google's and Microsoft's sign-in (tests/fakes/oauth_provider.py:
the consent page, the token, revoke and userinfo endpoints, and the introspection endpoint
Dovecot asks). Real: our client and its requests, the consent page's form posted as a
browser would, and Dovecot (tests/servers.py), which checks each XOAUTH2 sign-in with the
stand-in, so that a revoked or expired token is refused by the IMAP server itself.
"""

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from apps.companies.scoping import all_companies, company_scope
from apps.core.crypto import decrypt
from apps.inbox.models import InboundMessage, Mailbox
from apps.inbox.oauth import SESSION_KEY
from apps.inbox.scanning import ScanReport, mailbox_scan
from tests import factories
from tests.access import cases, check_access
from tests.fakes.oauth_provider import GMAIL_ACCOUNT, MICROSOFT_ACCOUNT
from tests.inbox import mails

pytestmark = pytest.mark.slow

GMAIL = GMAIL_ACCOUNT
OUTLOOK = MICROSOFT_ACCOUNT


def _start_url(company, provider: str = "google") -> str:
    return reverse(
        "inbox:mailbox-oauth", kwargs={"company_id": company.public_id, "provider": provider}
    )


def _consent(authorize_url: str, *, decision: str = "allow", account: str = "") -> str:
    """What a browser does on the provider's consent page: read the form, press a button.
    Returns where the provider sends the browser back to."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {name: value.replace("&amp;", "&") for name, value in fields.items()}
    fields["account"] = account or re.search(r'id="account" value="([^"]*)"', page.text)[1]
    fields["decision"] = decision
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    answer = requests.post(f"{origin}/authorize", data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return answer.headers["Location"]


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, start_url: str, capture, *, decision="allow", account="") -> object:
    """Press Continue on our page, consent at the provider, come back: the last response
    (the first scan, queued on commit, runs at once)."""
    started = client.post(start_url)
    assert started.status_code == 302, started.content.decode()[:500]
    back = _consent(started["Location"], decision=decision, account=account)
    callback = client.get(_local(back))
    assert callback.status_code == 302
    with capture(execute=True):
        return client.get(callback["Location"])


def _mailbox(company) -> Mailbox:
    with company_scope(company):
        return Mailbox.objects.get()


def _scan(mailbox: Mailbox) -> ScanReport:
    with company_scope(mailbox.company):
        mailbox.refresh_from_db()
        return mailbox_scan(mailbox=mailbox)


def _seen(dovecot, user: str, folder: str = "INBOX") -> list[bool]:
    """Whether each message of ``folder`` is marked read."""
    client = dovecot.client(user, dovecot.PASSWORD)
    try:
        client.select_folder(folder, readonly=True)
        return [b"\\Seen" in flags for flags in client.get_flags(client.search()).values()]
    finally:
        client.logout()


# --- connecting ----------------------------------------------------------------------------


def test_connecting_gmail_through_the_consent_page_collects_its_mail_once(
    oauth_provider, oauth_dovecot, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # given a Gmail account with an invoice, and an owner on the Connect Gmail page
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("G-1")])
    client = client_for(owner)
    page = client.get(_start_url(collecting)).content.decode()
    assert "What OkiOki reads" in page
    assert "https://mail.google.com/" in page  # said before the user is sent to Google

    # when they continue to Google, allow, and come back
    done = sign_in(client, _start_url(collecting), django_capture_on_commit_callbacks)

    # then the mailbox of the address in the token is connected, read over XOAUTH2 at once
    mailbox = _mailbox(collecting)
    assert done["Location"] == mailbox.get_absolute_url()
    assert (mailbox.username, mailbox.oauth_provider, mailbox.auth_method) == (
        GMAIL,
        "google",
        "xoauth2",
    )
    assert (mailbox.host, mailbox.port, mailbox.provider) == (
        "127.0.0.1",
        oauth_dovecot.port,
        "gmail",
    )
    assert mailbox.last_error_code == "", mailbox.last_error
    assert mailbox.documents_found == 1
    # and the tokens are stored encrypted like passwords
    refresh = oauth_provider.token_requests and next(iter(oauth_provider.grants))
    assert refresh not in mailbox.secret
    assert decrypt(mailbox.secret) == refresh
    assert decrypt(mailbox.access_token) in oauth_provider.access_tokens
    assert mailbox.token_expires_at > timezone.now() + timedelta(minutes=50)
    # and a second scan finds nothing new, the read marks untouched
    assert _scan(mailbox).seen == 0
    assert _seen(oauth_dovecot, GMAIL) == [False]
    with company_scope(collecting):
        assert InboundMessage.objects.count() == 1


def test_the_sign_in_asks_for_the_mail_scope_with_pkce_s256(
    oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    sign_in(client, _start_url(collecting), django_capture_on_commit_callbacks)

    asked = oauth_provider.authorize_requests[0]
    assert asked["scope"].split() == ["openid", "email", "https://mail.google.com/"]
    assert (asked["access_type"], asked["prompt"]) == ("offline", "consent")
    assert asked["code_challenge_method"] == "S256"
    exchanged = oauth_provider.token_requests[0]
    assert exchanged["grant_type"] == "authorization_code"
    digest = hashlib.sha256(exchanged["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == asked["code_challenge"]
    assert exchanged["code_verifier"] not in asked.values()  # only its hash went out first
    assert urlsplit(exchanged["redirect_uri"]).path == reverse("inbox:oauth-callback")


def test_microsoft_connects_with_its_imap_scope_and_rotating_refresh_tokens(
    oauth_provider, oauth_dovecot, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # given Microsoft, which rotates refresh tokens, and an invoice in the mailbox
    oauth_provider.rotate_refresh = True
    oauth_dovecot.append(OUTLOOK, oauth_dovecot.PASSWORD, [mails.invoice_pdf("M-1")])
    client = client_for(owner)

    sign_in(
        client,
        _start_url(collecting, "microsoft"),
        django_capture_on_commit_callbacks,
        account=OUTLOOK,
    )

    asked = oauth_provider.authorize_requests[0]
    assert asked["client_id"] == "microsoft-client-test"
    assert "offline_access" in asked["scope"].split()
    assert "https://outlook.office.com/IMAP.AccessAsUser.All" in asked["scope"].split()
    mailbox = _mailbox(collecting)
    assert (mailbox.username, mailbox.provider, mailbox.documents_found) == (OUTLOOK, "outlook", 1)
    # when the access token is about to expire, the scan refreshes it and keeps the new
    # refresh token Microsoft gave
    first_refresh = decrypt(mailbox.secret)
    Mailbox.objects.unscoped().filter(pk=mailbox.pk).update(
        token_expires_at=timezone.now() + timedelta(minutes=2)
    )
    assert _scan(mailbox).error is None
    mailbox.refresh_from_db()
    # (its consent covers Graph's mail too, but a token is for one resource: IMAP's here)
    assert "https://graph.microsoft.com/Mail.ReadWrite" in asked["scope"].split()
    assert oauth_provider.token_requests[-1]["scope"].split() == [
        "openid",
        "email",
        "offline_access",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
    ]
    assert decrypt(mailbox.secret) != first_refresh


def test_the_address_comes_from_userinfo_when_the_id_token_has_none(
    oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    oauth_provider.id_token_email = False
    sign_in(client_for(owner), _start_url(collecting), django_capture_on_commit_callbacks)
    assert _mailbox(collecting).username == GMAIL
    assert oauth_provider.requests["GET /userinfo"] == 1


def test_connecting_the_same_account_again_renews_its_mailbox(
    oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    sign_in(client, _start_url(collecting), django_capture_on_commit_callbacks)
    sign_in(client, _start_url(collecting), django_capture_on_commit_callbacks)
    with company_scope(collecting):
        assert Mailbox.objects.count() == 1
    assert len(oauth_provider.grants) == 2


# --- refused sign-ins ---------------------------------------------------------------------


def _refused(client, company, response) -> str:
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    with company_scope(company):
        assert not Mailbox.objects.exists()
    return page


def test_a_denied_consent_connects_nothing(
    oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    done = sign_in(
        client, _start_url(collecting), django_capture_on_commit_callbacks, decision="deny"
    )
    assert "You did not allow OkiOki to read the mailbox" in _refused(client, collecting, done)


def test_an_unticked_mail_scope_is_refused(
    oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # Google lets the user untick "read mail" on its consent page
    oauth_provider.granted_scope = "openid email"
    client = client_for(owner)
    done = sign_in(client, _start_url(collecting), django_capture_on_commit_callbacks)
    assert "the box was unticked" in _refused(client, collecting, done)


def test_a_verifier_that_does_not_match_the_challenge_is_refused(
    oauth_provider, collecting, owner, client_for
):
    # given a sign-in under way whose verifier is not the one the challenge was made from
    client = client_for(owner)
    started = client.post(_start_url(collecting))
    session = client.session
    pending = session[SESSION_KEY]
    for entry in pending.values():
        entry["verifier"] = "x" * 64
    session[SESSION_KEY] = pending
    session.save()
    back = _consent(started["Location"])

    # when the provider's answer comes back
    done = client.get(client.get(_local(back))["Location"])

    # then the provider refuses the code, and nothing is connected
    page = _refused(client, collecting, done)
    assert "PKCE verification failed" in page
    assert oauth_provider.access_tokens == {}


def test_an_answer_to_a_sign_in_started_elsewhere_is_refused(
    oauth_provider, collecting, owner, member, client_for
):
    # given a sign-in the owner started, and its answer (code and state) from the provider
    started = client_for(owner).post(_start_url(collecting))
    back = _local(_consent(started["Location"]))

    # when another user's session brings it back, or a session that started none
    for client in (client_for(member), client_for(owner)):
        answer = client.get(back)
        # then it is refused: the state belongs to the first session only
        assert answer["Location"] == reverse("companies:home")
        assert (
            "does not belong to a sign-in you started"
            in client.get("/", follow=True).content.decode()
        )
        done = reverse("inbox:oauth-done", kwargs={"company_id": collecting.public_id})
        client.get(f"{done}?{urlsplit(back).query}")
    with company_scope(collecting):
        assert not Mailbox.objects.exists()
    assert oauth_provider.access_tokens == {}  # the code was never even exchanged


def test_a_state_started_for_one_company_is_refused_for_another(
    oauth_provider, collecting, other_company, owner, client_for
):
    # given the owner is also an owner of another company, and started for the first one
    factories.MembershipFactory(company=other_company, user=owner, role="owner")
    client = client_for(owner)
    started = client.post(_start_url(collecting))
    query = urlsplit(_consent(started["Location"])).query

    # when the answer is taken to the other company's address
    done = reverse("inbox:oauth-done", kwargs={"company_id": other_company.public_id})
    answer = client.get(f"{done}?{query}")

    # then it is refused and used up
    assert answer.status_code == 302
    assert (
        "does not belong to a sign-in you started"
        in client.get(answer["Location"]).content.decode()
    )
    with all_companies():
        assert not Mailbox.objects.exists()
    assert client.session[SESSION_KEY] == {}


def test_a_second_account_beyond_the_plan_is_not_connected(
    oauth_provider, company, owner, client_for, django_capture_on_commit_callbacks
):
    from apps.billing.models import Plan

    company.plan = Plan.objects.get(code="collect-25")  # one mailbox
    company.save()
    client = client_for(owner)
    sign_in(client, _start_url(company), django_capture_on_commit_callbacks)
    # the page says so before sending anyone to Google
    page = client.get(_start_url(company)).content.decode()
    assert "it is in use" in page
    assert "oauth-continue" not in page
    assert client.post(_start_url(company)).status_code == 200
    with company_scope(company):
        assert Mailbox.objects.count() == 1


# --- tokens ---------------------------------------------------------------------------------


@pytest.fixture
def gmail(
    oauth_provider, oauth_dovecot, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    """A Gmail mailbox connected through the consent page (its first scan done)."""
    sign_in(client_for(owner), _start_url(collecting), django_capture_on_commit_callbacks)
    return _mailbox(collecting)


def test_the_access_token_is_used_until_shortly_before_it_expires_then_refreshed(
    gmail, oauth_provider, oauth_dovecot
):
    # given a token good for another hour: scans use it as it is
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("R-1")])
    assert _scan(gmail).documents == 1
    assert oauth_provider.refreshes() == 0

    # when it expires within minutes (as 56 minutes later)
    old = decrypt(gmail.access_token)
    Mailbox.objects.unscoped().filter(pk=gmail.pk).update(
        token_expires_at=timezone.now() + timedelta(minutes=4)
    )
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("R-2")])
    report = _scan(gmail)

    # then the scan refreshes it first, and reads with the new one
    assert report.error is None
    assert report.documents == 1
    assert oauth_provider.refreshes() == 1
    gmail.refresh_from_db()
    assert decrypt(gmail.access_token) != old
    assert gmail.token_expires_at > timezone.now() + timedelta(minutes=50)
    # Google keeps the same refresh token: the stored one stays
    assert decrypt(gmail.secret) in oauth_provider.grants


def test_an_access_token_the_server_refuses_early_is_renewed_once(
    gmail, oauth_provider, oauth_dovecot
):
    # given the provider forgot the access token (Dovecot's check now says inactive)
    oauth_provider.access_tokens.clear()
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("E-1")])

    report = _scan(gmail)

    assert report.error is None, report.error.message
    assert report.documents == 1
    assert oauth_provider.refreshes() == 1


def _due_for_refresh(mailbox: Mailbox) -> None:
    Mailbox.objects.unscoped().filter(pk=mailbox.pk).update(token_expires_at=timezone.now())


def test_a_provider_out_of_reach_is_tried_again_at_the_next_scan(gmail, settings, oauth_provider):
    # given the token endpoint does not answer (nothing listens there)
    settings.GOOGLE_TOKEN_URL = "http://127.0.0.1:9/token"
    _due_for_refresh(gmail)

    report = _scan(gmail)

    # then the scan says so, and the mailbox stays active with its sign-in
    assert report.error.code == "oauth_unavailable"
    gmail.refresh_from_db()
    assert not gmail.is_paused
    assert decrypt(gmail.secret) in oauth_provider.grants


def test_a_client_secret_the_provider_refuses_does_not_pause_the_mailbox(
    gmail, settings, oauth_provider
):
    # given OkiOki's own client secret is wrong (expired, mistyped): nothing the owners can mend
    settings.GOOGLE_CLIENT_SECRET = "not-the-secret"
    _due_for_refresh(gmail)

    report = _scan(gmail)

    assert report.error.code == "oauth_refused"
    assert "invalid_client" in report.error.message
    gmail.refresh_from_db()
    assert not gmail.is_paused


def test_a_mailbox_that_refuses_imap_after_the_sign_in_says_so(gmail, oauth_dovecot):
    # given a token the provider renews, but that the IMAP server refuses for this account
    # (here: Dovecot finds another address in the token, as a server with IMAP turned off
    # refuses every sign-in)
    Mailbox.objects.unscoped().filter(pk=gmail.pk).update(username="someone-else@gmail.example")

    report = _scan(gmail)

    assert report.error.code == "oauth_imap_refused"
    assert "Check that IMAP is on" in report.error.message
    gmail.refresh_from_db()
    assert not gmail.is_paused


def test_a_revoked_grant_pauses_the_mailbox_tells_the_owners_and_reconnects(
    gmail,
    oauth_provider,
    oauth_dovecot,
    collecting,
    owner,
    client_for,
    django_capture_on_commit_callbacks,
    settings,
):
    # given a Dutch-speaking owner, and the user removes OkiOki from their Google account
    owner.language = "nl"
    owner.save()
    second = factories.MembershipFactory(company=collecting, role="owner").user
    second.language = "fr"
    second.save()
    django_mail.outbox.clear()
    oauth_provider.revoke_account(GMAIL)
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("V-1")])

    # when the mailbox is scanned
    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(gmail)

    # then Dovecot refuses the token, the refresh gets invalid_grant, and the mailbox pauses
    assert report.error.code == "oauth_revoked"
    gmail.refresh_from_db()
    assert gmail.is_paused
    assert gmail.needs_reconnect
    assert gmail.secret == ""
    assert gmail.access_token == ""
    # and each owner is told, in their language, with the link that reconnects it
    reconnect = settings.SITE_URL + reverse(
        "inbox:mailbox-reconnect",
        kwargs={"company_id": collecting.public_id, "mailbox_id": gmail.public_id},
    )
    sent = {message.to[0]: message for message in django_mail.outbox}
    assert set(sent) == {owner.email, second.email}
    assert "Google laat OkiOki de mailbox" in sent[owner.email].body
    assert "Google ne permet plus" in sent[second.email].body
    assert all(reconnect in message.body for message in sent.values())
    # and a scan attempt later tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        _scan(gmail)
    assert len(django_mail.outbox) == 2

    # when the owner follows the link and signs in again
    client = client_for(owner)
    page = client.get(reconnect.removeprefix(settings.SITE_URL)).content.decode()
    assert "Meld je opnieuw aan met owner@gmail.example bij Google" in page
    done = sign_in(
        client, reconnect.removeprefix(settings.SITE_URL), django_capture_on_commit_callbacks
    )

    # then the mailbox is active again and the mail that waited is collected
    assert done["Location"] == gmail.get_absolute_url()
    gmail.refresh_from_db()
    assert not gmail.is_paused
    assert gmail.last_error_code == ""
    assert gmail.documents_found == 1  # the invoice that waited
    assert oauth_provider.authorize_requests[-1]["login_hint"] == GMAIL


def test_reconnecting_with_another_account_is_refused(
    gmail, oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    url = reverse(
        "inbox:mailbox-reconnect",
        kwargs={"company_id": collecting.public_id, "mailbox_id": gmail.public_id},
    )
    done = sign_in(client, url, django_capture_on_commit_callbacks, account="someone@else.example")
    assert done["Location"] == gmail.get_absolute_url()
    page = client.get(done["Location"]).content.decode()
    assert "You signed in as someone@else.example" in page
    with company_scope(collecting):
        assert list(Mailbox.objects.values_list("username", flat=True)) == [GMAIL]


def test_resuming_a_mailbox_whose_access_was_revoked_asks_to_reconnect(
    gmail, oauth_provider, owner, client_for
):
    oauth_provider.revoke_account(GMAIL)
    oauth_provider.access_tokens.clear()
    _scan(gmail)
    client = client_for(owner)
    page = client.get(gmail.get_absolute_url()).content.decode()
    assert 'id="reconnect"' in page
    answer = client.post(gmail.get_absolute_url() + "resume/")
    assert answer["Location"] == gmail.get_absolute_url() + "reconnect/"
    gmail.refresh_from_db()
    assert gmail.is_paused


def test_disconnecting_gives_the_grant_back(
    gmail, oauth_provider, owner, client_for, django_capture_on_commit_callbacks
):
    refresh = decrypt(gmail.secret)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).post(gmail.get_absolute_url() + "delete/")
    assert oauth_provider.grants[refresh].revoked
    assert not Mailbox.objects.unscoped().filter(pk=gmail.pk).exists()


def test_the_settings_of_a_signed_in_mailbox_keep_its_server_and_sign_in(
    gmail, oauth_dovecot, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    page = client.get(gmail.get_absolute_url()).content.decode()
    assert "Signed in with Google as owner@gmail.example" in page
    assert 'name="password"' not in page
    assert 'name="host"' not in page
    answer = client.post(
        gmail.get_absolute_url(),
        {
            "name": "Facturen",
            "folders_text": "INBOX, Facturen",
            "move_to_folder": "OkiOki/Verwerkt",
            "scan_interval_minutes": "30",
        },
    )
    assert answer.status_code == 302
    gmail.refresh_from_db()
    assert (gmail.name, gmail.folders, gmail.host, gmail.auth_method) == (
        "Facturen",
        ["INBOX", "Facturen"],
        "127.0.0.1",
        "xoauth2",
    )


def test_processed_mail_of_a_signed_in_mailbox_moves_to_its_folder(gmail, oauth_dovecot):
    # given a folder for processed mail, and an invoice and a newsletter
    Mailbox.objects.unscoped().filter(pk=gmail.pk).update(move_to_folder="OkiOki/Verwerkt")
    oauth_dovecot.append(
        GMAIL,
        oauth_dovecot.PASSWORD,
        [mails.invoice_pdf("F-1"), mails.message("Nieuwsbrief", text="Promo")],
    )

    report = _scan(gmail)

    # then the invoice moved, the newsletter stayed, and neither is marked read
    assert report.documents == 1
    assert _seen(oauth_dovecot, GMAIL, "OkiOki.Verwerkt") == [False]  # Dovecot writes "."
    assert _seen(oauth_dovecot, GMAIL) == [False]


# --- without a client id ------------------------------------------------------------------


def test_without_a_client_id_the_buttons_explain_the_other_routes(
    settings, collecting, owner, client_for
):
    settings.GOOGLE_CLIENT_ID = settings.MICROSOFT_CLIENT_ID = ""
    client = client_for(owner)
    create = client.get(
        reverse("inbox:mailbox-create", kwargs={"company_id": collecting.public_id})
    ).content.decode()
    assert "Connect Gmail" in create
    assert "Connect Microsoft 365 / Outlook.com" in create

    google = client.get(_start_url(collecting)).content.decode()
    assert "app password" in google
    assert "oauth-continue" not in google
    microsoft = client.get(_start_url(collecting, "microsoft")).content.decode()
    assert "needs sign-in with Microsoft" in microsoft
    assert client.post(_start_url(collecting)).status_code == 200  # no redirect anywhere
    assert SESSION_KEY not in client.session


# --- who may do what ------------------------------------------------------------------------

DENIED = [302, 404, 404, None, 403, None]


def _allowed(statuses: list, status: int) -> list:
    return [status if value is None else value for value in statuses]


MATRIX = [
    ("mailbox-oauth", "get", False, _allowed(DENIED, 200)),
    ("mailbox-oauth", "post", False, _allowed(DENIED, 302)),
    ("mailbox-reconnect", "get", True, _allowed(DENIED, 200)),
    ("mailbox-reconnect", "post", True, _allowed(DENIED, 302)),
    ("oauth-done", "get", False, _allowed(DENIED, 302)),
]


def _snapshot():
    return sorted(Mailbox.objects.values_list("username", "status", "secret"))


@pytest.mark.parametrize(("view", "method", "needs_mailbox", "role", "expected"), cases(MATRIX))
def test_access_matrix(
    view, method, needs_mailbox, role, expected, request, oauth_provider, collecting, owner
):
    kwargs: dict = {"company_id": collecting.public_id}
    if view == "mailbox-oauth":
        kwargs["provider"] = "google"
    if needs_mailbox:
        mailbox = factories.MailboxFactory(
            company=collecting, oauth_provider="google", auth_method="xoauth2"
        )
        kwargs["mailbox_id"] = mailbox.public_id
    url = reverse(f"inbox:{view}", kwargs=kwargs)
    response = check_access(request, role, method, url, expected=expected, unchanged=_snapshot)
    if expected == 302 and method == "post" and role != "anonymous":
        assert response["Location"].startswith(oauth_provider.base_url + "/authorize?")


def test_the_callback_needs_a_signed_in_user(client, oauth_provider):
    answer = client.get(reverse("inbox:oauth-callback") + "?code=x&state=y")
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("account_login"))


def test_another_companys_mailbox_cannot_be_reconnected(
    oauth_provider, collecting, other_company, owner, client_for
):
    theirs = factories.MailboxFactory(
        company=other_company, oauth_provider="google", auth_method="xoauth2"
    )
    url = reverse(
        "inbox:mailbox-reconnect",
        kwargs={"company_id": collecting.public_id, "mailbox_id": theirs.public_id},
    )
    client = client_for(owner)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert SESSION_KEY not in client.session


def test_a_mailbox_with_a_password_has_nothing_to_reconnect(collecting, owner, client_for):
    mailbox = factories.MailboxFactory(company=collecting)
    url = reverse(
        "inbox:mailbox-reconnect",
        kwargs={"company_id": collecting.public_id, "mailbox_id": mailbox.public_id},
    )
    assert client_for(owner).get(url).status_code == 404


def test_an_unknown_provider_is_not_found(collecting, owner, client_for):
    url = reverse(
        "inbox:mailbox-oauth", kwargs={"company_id": collecting.public_id, "provider": "yahoo"}
    )
    assert client_for(owner).get(url).status_code == 404


def test_the_callback_keeps_the_answer_for_the_company_that_started(
    oauth_provider, collecting, owner, client_for
):
    client = client_for(owner)
    started = client.post(_start_url(collecting))
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    answer = client.get(reverse("inbox:oauth-callback") + f"?code=abc&state={state}")
    done = reverse("inbox:oauth-done", kwargs={"company_id": collecting.public_id})
    assert answer["Location"] == f"{done}?code=abc&state={state}&error="


def test_the_platform_admin_never_shows_the_tokens(gmail, client):
    from apps.accounts.models import User

    client.force_login(User.objects.create_superuser("root@okioki.be", "x"))
    page = client.get(reverse("admin:inbox_mailbox_change", args=[gmail.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Google" in text or "google" in text
    for stored in (gmail.secret, gmail.access_token):
        assert stored not in text
        assert decrypt(stored) not in text
