"""Settings come from the environment through typed helpers that fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from okioki.env import env_bool, env_int, env_list, env_path, env_str

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["maybe", "2", "ja", "truee"])
def test_env_bool_refuses_anything_but_a_boolean(monkeypatch, value):
    monkeypatch.setenv("OKIOKI_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="OKIOKI_TEST_FLAG must be a boolean"):
        env_bool("OKIOKI_TEST_FLAG", False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("Off", False), ("1", True)])
def test_env_bool_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv("OKIOKI_TEST_FLAG", value)
    assert env_bool("OKIOKI_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("value", ["ten", "1.5", "25MB"])
def test_env_int_refuses_anything_but_an_integer(monkeypatch, value):
    monkeypatch.setenv("OKIOKI_TEST_SIZE", value)
    with pytest.raises(ImproperlyConfigured, match="OKIOKI_TEST_SIZE must be an integer"):
        env_int("OKIOKI_TEST_SIZE", 1)


def test_env_str_without_a_default_is_required(monkeypatch):
    monkeypatch.delenv("OKIOKI_TEST_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OKIOKI_TEST_SECRET is required"):
        env_str("OKIOKI_TEST_SECRET")


def test_defaults_and_lists(monkeypatch, tmp_path):
    monkeypatch.delenv("OKIOKI_TEST_SIZE", raising=False)
    assert env_int("OKIOKI_TEST_SIZE", 7) == 7
    monkeypatch.setenv("OKIOKI_TEST_HOSTS", " a.be, b.be ,,")
    assert env_list("OKIOKI_TEST_HOSTS", []) == ["a.be", "b.be"]
    monkeypatch.setenv("OKIOKI_TEST_DIR", str(tmp_path / "x" / ".." / "y"))
    assert env_path("OKIOKI_TEST_DIR", Path("/nope")) == tmp_path / "y"


def _python(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python *args`` in the project, in a fresh process whose environment holds only
    ``env`` (and PATH, the settings module, a var directory of its own)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "okioki.settings",
            "OKIOKI_VAR_DIR": str(tmp_path / "var"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings and open the database in a fresh process, like `manage.py` does."""
    code = (
        "import django; django.setup(); "
        "from django.db import connection; connection.ensure_connection()"
    )
    return _python(tmp_path, "-c", code, **env)


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _python(tmp_path, "manage.py", *args, **env)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _start(tmp_path, ALLOWED_HOSTS="app.okioki.be")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_a_wrong_value_stops_the_start(tmp_path):
    result = _start(tmp_path, DEBUG="true", MAX_UPLOAD_SIZE="25MB")
    assert result.returncode != 0
    assert "MAX_UPLOAD_SIZE must be an integer" in result.stderr


def test_fresh_checkout_creates_its_var_directory(tmp_path):
    # given a checkout without var/ (a fresh clone): the embedded SQLite database lives there
    assert not (tmp_path / "var").exists()
    # when the app starts with the defaults
    result = _start(tmp_path, DEBUG="true")
    # then the database opens
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "okioki.sqlite3").exists()


PRODUCTION = {
    "SECRET_KEY": "production-like-key-" + "0123456789abcdef" * 3,
    "ALLOWED_HOSTS": "app.okioki.be",
    "ENCRYPTION_KEYS": "b2tpb2tpLXRlc3RzLW9ubHktZmVybmV0LWtleS0wMDA=",
}


def test_production_refuses_a_short_secret_key(tmp_path):
    result = _start(tmp_path, **{**PRODUCTION, "SECRET_KEY": "x" * 49})
    assert result.returncode != 0
    assert "SECRET_KEY is 49 characters long; production needs at least 50" in result.stderr


def test_production_requires_encryption_keys(tmp_path):
    # a key derived from SECRET_KEY would tie stored passwords to it: never in production
    production = {key: value for key, value in PRODUCTION.items() if key != "ENCRYPTION_KEYS"}
    result = _start(tmp_path, **production)
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS is required in production" in result.stderr


def test_taking_payments_in_production_needs_the_company_that_invoices_them(tmp_path):
    stripe = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    result = _start(tmp_path, **PRODUCTION, **stripe)
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY needs PLATFORM_COMPANY_NUMBER" in result.stderr
    result = _start(tmp_path, DEBUG="true", PLATFORM_COMPANY_NUMBER="0790123496")
    assert result.returncode != 0
    assert "PLATFORM_COMPANY_NUMBER is not a valid enterprise number" in result.stderr


def test_development_still_derives_its_encryption_key(tmp_path):
    result = _start(tmp_path, DEBUG="true", SECRET_KEY="short")
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_the_production_defaults(tmp_path):
    # given only the required production variables (no security knob set)
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    # then Django's deployment checklist has nothing to say: HSTS, SSL redirect, secure cookies
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_security_defaults_differ_between_production_and_development(tmp_path):
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "STAFF_REQUIRE_2FA",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
    ]
    code = f"from django.conf import settings; print(*[getattr(settings, n) for n in {names!r}])"

    def values(**env: str) -> str:
        result = _manage(tmp_path, "shell", "-c", code, **env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert values(**PRODUCTION) == "31536000 True True True True True 0"
    assert values(DEBUG="true") == "0 False False False False False 0"
    # and each has its own variable
    turned_off = values(
        **PRODUCTION,
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STAFF_REQUIRE_2FA="false",
        TRUSTED_PROXY_COUNT="1",
    )
    assert turned_off == "0 False False False False False 1"


@pytest.mark.parametrize("name", ["DRIVES_STANDIN", "PONTO_STANDIN", "STRIPE_STANDIN"])
def test_the_stand_ins_of_make_run_are_refused_outside_development(tmp_path, name):
    # given production's settings, and a stand-in of `make run` turned on
    result = _start(tmp_path, **PRODUCTION, **{name: "true"})
    # then the app does not start
    assert result.returncode != 0
    assert f"{name} is for development only (DEBUG=true)" in result.stderr
    # while in development it does
    assert _start(tmp_path, DEBUG="true", **{name: "true"}).returncode == 0
