"""Secrets we must keep for the user (mailbox and cloud folder passwords, OAuth tokens).

Encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256) under ``settings.ENCRYPTION_KEYS``:
the first key encrypts, every key decrypts, so keys can be rotated. Without configured keys a
key is derived from SECRET_KEY. A value is never shown again once stored.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionFailed(Exception):
    """A stored secret can't be decrypted with the configured keys (keys changed?)."""


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"okioki-secrets:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes), "
            "e.g. from `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`."
        ) from error


def _current() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise DecryptionFailed(
            "The stored secret can't be decrypted with the current keys."
        ) from error


def check_keys() -> None:
    """Fail at start-up, not at the first scan, when a configured key is malformed."""
    _current()
