"""`make run`: the web server, a background worker (with beat), the SMTP receiver of the
forwarding addresses and, with PEPPOL_STANDIN, the development stand-in of the Peppol
network (an access point, SML and SMP on loopback), with PONTO_STANDIN the stand-in of Ponto
Connect (the live bank connection), with STRIPE_STANDIN the stand-in of Stripe (subscribing
and paying, no real payment), with DRIVES_STANDIN the stand-in of Google's sign-in and Google
Drive (cloud folders), in one command.

With no REDIS_URL the worker uses the embedded filesystem broker under var/, so periodic and
background jobs run without any server. Once the web server answers, the demo's Peppol part
is seeded through the stand-in (``seed_peppol``); once the Stripe stand-in listens, the plans'
products and prices are made there (``billing_plans_sync``); once the Drive stand-in listens,
the demo bakery's Google Drive folder is connected through it and collected (``seed_drive``).
Ctrl+C stops everything.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand

from okioki.celery import QUEUES

STARTUP_SECONDS = 90


def _standin() -> list[str]:
    """The stand-in's command line, on the ports the settings point at."""
    api = urlsplit(settings.PEPPOL_API_URL)
    dns_port = settings.PEPPOL_DNS_NAMESERVER.rpartition(":")[2]
    return [
        sys.executable,
        "-m",
        "tests.fakes.peppol_standin",
        "--port",
        str(api.port or 8025),
        "--dns-port",
        dns_port or "8053",
        "--zone",
        settings.PEPPOL_SML_ZONE,
        "--webhook-url",
        f"{settings.SITE_URL}/peppol/webhook/",
        "--secret",
        settings.PEPPOL_WEBHOOK_SECRET,
        "--api-key",
        settings.PEPPOL_API_KEY,
        "--api-secret",
        settings.PEPPOL_API_SECRET,
        "--state",
        str(settings.VAR_DIR / "peppol-standin.json"),
    ]


def _ponto_standin() -> list[str]:
    """The bank connection's stand-in (Ponto Connect), on the port the settings point at."""
    api = urlsplit(settings.PONTO_API_URL)
    return [
        sys.executable,
        "-m",
        "tests.fakes.ponto",
        "--port",
        str(api.port or 8054),
        "--webhook-url",
        f"{settings.SITE_URL}/webhooks/ponto/",
        "--client-id",
        settings.PONTO_CLIENT_ID,
        "--client-secret",
        settings.PONTO_CLIENT_SECRET,
        "--application-id",
        settings.PONTO_APPLICATION_ID,
        "--state",
        str(settings.VAR_DIR / "ponto-standin.json"),
    ]


def _stripe_standin() -> list[str]:
    """Stripe's stand-in, on the port STRIPE_API_BASE points at; its webhooks come here."""
    from django.urls import reverse

    api = urlsplit(settings.STRIPE_API_BASE)
    return [
        sys.executable,
        "-m",
        "tests.fakes.stripe",
        "--port",
        str(api.port or 8055),
        "--webhook-url",
        settings.SITE_URL + reverse("billing:stripe-webhook"),
        "--secret-key",
        settings.STRIPE_SECRET_KEY,
        "--webhook-secret",
        settings.STRIPE_WEBHOOK_SECRET,
        "--state",
        str(settings.VAR_DIR / "stripe-standin.json"),
    ]


def _drive_standin() -> list[str]:
    """Google's sign-in and Drive's stand-in, on the port GOOGLE_DRIVE_API_URL points at (the
    sign-in's URLs point at the same)."""
    api = urlsplit(settings.GOOGLE_DRIVE_API_URL)
    return [
        sys.executable,
        "-m",
        "tests.fakes.drive_standin",
        "--port",
        str(api.port or 8056),
        "--client-id",
        settings.GOOGLE_CLIENT_ID,
        "--client-secret",
        settings.GOOGLE_CLIENT_SECRET,
        "--state",
        str(settings.VAR_DIR / "drive-standin.json"),
    ]


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker with beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        env = os.environ.copy()
        processes = []
        if settings.PEPPOL_STANDIN:
            processes.append(subprocess.Popen(_standin(), env=env))  # noqa: S603 - fixed argv
        if settings.PONTO_STANDIN:
            processes.append(subprocess.Popen(_ponto_standin(), env=env))  # noqa: S603
        if settings.STRIPE_STANDIN:
            processes.append(subprocess.Popen(_stripe_standin(), env=env))  # noqa: S603
            # the plans' products and prices in the stand-in, so that Subscribe works
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "billing_plans_sync", "--wait", "30"], env=env
                )
            )
        if settings.DRIVES_STANDIN:
            processes.append(subprocess.Popen(_drive_standin(), env=env))  # noqa: S603
            # the demo bakery's Google Drive folder, connected through the stand-in
            seed = [sys.executable, "manage.py", "seed_drive", "--wait", "30"]
            processes.append(subprocess.Popen(seed, env=env))  # noqa: S603 - fixed argv
        processes.append(
            subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "okioki",
                    "worker",
                    "--beat",
                    "--queues",
                    ",".join(QUEUES),
                    "--pool",
                    "threads",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "INFO",
                    "--without-mingle",
                    "--without-gossip",
                ],
                env=env,
            )
        )
        # the forwarding addresses' SMTP receiver (INBOUND_SMTP_HOST:INBOUND_SMTP_PORT)
        processes.append(subprocess.Popen([sys.executable, "manage.py", "inbox_smtpd"], env=env))
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", "runserver", addrport, "--noreload"], env=env
        )
        if settings.PEPPOL_STANDIN:
            threading.Thread(target=self._seed_peppol, args=(addrport,), daemon=True).start()
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for process in [server, *processes]:
                process.send_signal(signal.SIGTERM)
            for process in [server, *processes]:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _seed_peppol(self, addrport: str) -> None:
        """Once the web server answers (the stand-in calls its webhook), the demo's Peppol."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://{addrport}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(1)
        subprocess.call([sys.executable, "manage.py", "seed_peppol"])
