"""`make run`: the web server, a background worker (with beat) and the SMTP receiver of the
forwarding addresses, in one command.

With no REDIS_URL the worker uses the embedded filesystem broker under var/, so periodic and
background jobs run without any server. Ctrl+C stops both.
"""

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand

from okioki.celery import QUEUES


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker with beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        worker = subprocess.Popen(  # noqa: S603 - fixed argv
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
            env=os.environ.copy(),
        )
        # the forwarding addresses' SMTP receiver (INBOUND_SMTP_HOST:INBOUND_SMTP_PORT)
        receiver = subprocess.Popen(
            [sys.executable, "manage.py", "inbox_smtpd"], env=os.environ.copy()
        )
        try:
            subprocess.call(  # noqa: S603 - fixed argv
                [sys.executable, "manage.py", "runserver", addrport, "--noreload"]
            )
        except KeyboardInterrupt:
            pass
        finally:
            for process in (receiver, worker):
                process.send_signal(signal.SIGTERM)
            for process in (receiver, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
