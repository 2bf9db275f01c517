"""Headless Chromium (Debian's build) driven by Playwright, against the live test server."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.fakes.fixtures import access_point, peppol_network  # noqa: F401 - Peppol's stand-ins

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        missing(f"Chromium is not installed at {path} (apt-get install chromium)")
    return path


@pytest.fixture
def browser_page(tmp_path) -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium_path(),
            args=CHROMIUM_FLAGS,  # Playwright gives each launch a fresh profile directory
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.console_errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, user) -> None:
    """Sign in through the real sign-in form (the user has the factories' password)."""
    from tests import factories

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url


PHONE = {"width": 390, "height": 844}


def choose_language(page, language: str) -> None:
    """Switch to ``language`` with the header's buttons (in the menu on a phone)."""
    menu = page.locator("label.menu-button")
    if menu.is_visible():
        menu.click()
    with page.expect_navigation():
        page.click(f"button[name=language][value={language}]")


def on_a_phone_in_french(page, live_server, user, path: str) -> None:
    """``path`` as ``user`` sees it on a 390 px phone, in French (the longest words)."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server, user)
    page.goto(f"{live_server.url}{path}")
    choose_language(page, "fr")
    page.wait_for_load_state("networkidle")


def fits_the_phone(page) -> bool:
    """Nothing scrolls the page sideways (a table may scroll in its own frame)."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
