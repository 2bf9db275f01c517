"""Headers and deployment settings that keep the app safe behind its proxy."""

import os
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from cryptography.fernet import Fernet
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def _policy(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response["Content-Security-Policy"].split(";") if d.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_have_a_strict_content_security_policy(signed_in, company, owner, client_for):
    client = client_for(owner if signed_in else None)
    url = (
        reverse("companies:dashboard", kwargs={"company_id": company.public_id})
        if signed_in
        else reverse("account_login")
    )
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # no inline code, no eval, no CDN or other host, no wildcard
    sources = {source for values in policy.values() for source in values}
    assert sources <= ALLOWED_SOURCES, sources - ALLOWED_SOURCES


def test_healthz_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    response = client.get(reverse("account_login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def _env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_compose_healthcheck_passes_with_the_example_settings(client, settings, monkeypatch, db):
    # given the production settings of .env.example (a real host name, HTTPS redirect on)
    example = _env_file(ROOT / ".env.example")
    settings.ALLOWED_HOSTS = example["ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = example["SECURE_SSL_REDIRECT"] == "true"
    monkeypatch.setenv("ALLOWED_HOSTS", example["ALLOWED_HOSTS"])
    # when the web service's healthcheck script runs (its request captured, not sent)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    script = compose["services"]["web"]["healthcheck"]["test"][-1]
    sent: list[urllib.request.Request] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, **_: sent.append(request))
    exec(script, {})  # our own compose file
    # then the app answers that request with 200: no DisallowedHost, no redirect
    (request,) = sent
    response = client.get(urlparse(request.full_url).path, HTTP_HOST=request.get_header("Host"))
    assert response.status_code == 200


def _settings_value(env: dict[str, str], expression: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "okioki.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_image_collects_static_files_for_the_storage_it_runs_with(tmp_path):
    # given the environment the Dockerfile runs collectstatic with
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (command,) = [
        part
        for line in dockerfile.splitlines()
        for part in line.split("&&")
        if "manage.py collectstatic" in part
    ]
    build_env = dict(
        word.split("=", 1) for word in shlex.split(command) if "=" in word and "--" not in word
    )
    # and the environment the containers run with (.env.example, no DEBUG, its secrets filled)
    run_env = {
        key: value
        for key, value in _env_file(ROOT / ".env.example").items()
        if key in ("ALLOWED_HOSTS", "DEBUG")
    }
    run_env.update(SECRET_KEY="s" * 25 + "t" * 25, ENCRYPTION_KEYS=Fernet.generate_key().decode())
    backend = "settings.STORAGES['staticfiles']['BACKEND']"
    var = {"OKIOKI_VAR_DIR": str(tmp_path)}
    # then both use the same static storage: the manifest the app reads is the one built
    built_with = _settings_value({**var, **build_env}, backend)
    assert built_with == _settings_value({**var, **run_env}, backend)
    assert "Manifest" in built_with
