"""Sign-in lock-out that no attacker can make permanent.

allauth counts failed sign-ins per client IP and per account (``ACCOUNT_RATE_LIMITS
["login_failed"]``). The per-account limit stops a password being guessed from many addresses,
but it also lets anyone lock the owner out by failing on purpose. So when that limit trips,
the owner is e-mailed (at most once while a link is valid) a signed, expiring, single-use link;
opening it in a browser lets that browser sign in despite the account limit (the per-IP limit
and the two-factor stage still apply) for ``LOGIN_UNLOCK_VALID_MINUTES``.
"""

import hashlib
import logging
import secrets
import smtplib
import time
from collections.abc import Callable
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.utils import filter_users_by_email
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)

ACTION = "login_failed"
APP = "allauth.account"
_SALT = "okioki.accounts.login-unlock"
_SESSION_KEY = "okioki_login_unlocked"


def _valid_seconds() -> int:
    return settings.LOGIN_UNLOCK_VALID_MINUTES * 60


def _login_rates(*, per_account: bool) -> str:
    """The configured failed-sign-in rates, only those per account or only the others."""
    parts = [p.strip() for p in (account_settings.RATE_LIMITS.get(ACTION) or "").split(",")]
    return ",".join(p for p in parts if p and (ratelimit.parse_rate(p).per == "key") == per_account)


def _digest(login: str) -> str:
    return hashlib.sha256(login.encode()).hexdigest()


def login_attempt_consume(request: HttpRequest, *, login: str, key: str) -> Any:
    """Count one sign-in attempt (allauth's usage, or None when refused). A browser the owner
    unlocked skips the per-account limit; when that limit refuses, the owner is told."""
    config = None
    if login_unlocked_here(request, login=login):
        config = {ACTION: _login_rates(per_account=False)}
    usage = ratelimit.consume(request, app=APP, action=ACTION, key=key, config=config)
    if usage is None and config is None and _account_locked(request, key=key):
        # Looked up and sent in a worker: the answer takes as long for an unknown login.
        from apps.accounts import tasks

        tasks.login_unlock_offer.delay(login)
    return usage


def _account_locked(request: HttpRequest, *, key: str) -> bool:
    rates = _login_rates(per_account=True)
    if not rates:
        return False
    config = {ACTION: rates}
    usage = ratelimit.consume(request, app=APP, action=ACTION, key=key, config=config, dry_run=True)
    return usage is None


def login_unlock_offer(*, login: str) -> None:
    """E-mail the owner of ``login`` (if there is one) a link that lifts the lock for them,
    once while a previous link is still valid. Says nothing either way to the requester."""
    users = filter_users_by_email(login, is_active=True)
    if not users or not cache.add(
        f"okioki:login-unlock-sent:{_digest(login)}", 1, _valid_seconds()
    ):
        return
    nonce = secrets.token_urlsafe(16)
    cache.set(f"okioki:login-unlock:{nonce}", login, _valid_seconds())
    token = signing.dumps({"login": login, "nonce": nonce}, salt=_SALT, compress=True)
    user = users[0]
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "url": settings.SITE_URL + reverse("accounts:login-unlock", args=[token]),
            "minutes": settings.LOGIN_UNLOCK_VALID_MINUTES,
        }
        subject = render_to_string("emails/accounts/login_unlock.subject.txt", context)
        body = render_to_string("emails/accounts/login_unlock.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [user.email])
    except (OSError, smtplib.SMTPException):
        # The lock still lifts by itself; the next lock window tries again.
        logger.exception("could not send the sign-in unlock e-mail")
        cache.delete(f"okioki:login-unlock-sent:{_digest(login)}")


def _link(token: str) -> tuple[str, str] | None:
    """(login, nonce) of a genuine, unexpired and unused link; None otherwise."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=_valid_seconds())
    except signing.BadSignature:
        return None
    login, nonce = str(data.get("login", "")), str(data.get("nonce", ""))
    if not login or cache.get(f"okioki:login-unlock:{nonce}") != login:
        return None
    return login, nonce


def login_unlock_check(token: str) -> str | None:
    """The login a link unlocks, if it can still be used."""
    link = _link(token)
    return link[0] if link else None


def login_unlock_use(request: HttpRequest, *, token: str, key: Callable[[str], str]) -> bool:
    """Use a link once: this browser may sign in to its account despite the account limit,
    and the account's failed-attempt count starts again. ``key`` gives allauth's rate-limit
    key of a login."""
    link = _link(token)
    if link is None or not cache.delete(f"okioki:login-unlock:{link[1]}"):
        return False
    login = link[0]
    rates = _login_rates(per_account=True)
    ratelimit.clear(request, app=APP, action=ACTION, config={ACTION: rates}, key=key(login))
    request.session[_SESSION_KEY] = {"login": login, "until": time.time() + _valid_seconds()}
    return True


def login_unlocked_here(request: HttpRequest, *, login: str) -> bool:
    unlocked = getattr(request, "session", {}).get(_SESSION_KEY) or {}
    return unlocked.get("login") == login and unlocked.get("until", 0) > time.time()
