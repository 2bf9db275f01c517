"""Task round trips through a real worker process: on Redis, and on the embedded broker.

Both sides run as separate processes with the project's real Celery configuration, the way
`make run` (embedded) and production (Redis) run them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from okioki.celery import QUEUES, app

ROOT = Path(__file__).resolve().parents[2]

CLIENT = (
    "import django; django.setup();"
    "from apps.core.tasks import echo;"
    "print(echo.delay('round trip').get(timeout=60))"
)


def _env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="okioki.settings",
        CELERY_TASK_ALWAYS_EAGER="false",
        **overrides,
    )
    return env


def _round_trip(env: dict[str, str]) -> str:
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "okioki",
            "worker",
            "--pool",
            "solo",
            "--queues",
            ",".join(QUEUES),
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", CLIENT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_round_trip_through_the_embedded_broker(tmp_path):
    env = _env(OKIOKI_VAR_DIR=str(tmp_path))
    assert _round_trip(env) == "round trip"
    # the messages really went through files under var/
    assert (tmp_path / "celery" / "broker").is_dir()


@pytest.mark.slow
@pytest.mark.redis
def test_round_trip_through_redis(redis_url, tmp_path):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    url = f"{base}/{10 + int(worker_id) % 5}"
    env = _env(REDIS_URL=url, OKIOKI_VAR_DIR=str(tmp_path))
    assert _round_trip(env) == "round trip"


def _expected_queue(task_name: str) -> str:
    if task_name == "apps.inbox.tasks.connection_test_run":
        return "default"  # someone waits for it: not behind the scans
    if task_name in (
        "apps.companies.tasks.send_email",
        "apps.accounts.tasks.login_unlock_offer",
        "apps.flows.tasks.platform_invoice_send",
    ) or task_name.startswith(("apps.inbox.", "apps.sales.")):
        return "mail"
    if task_name.startswith("apps.documents."):
        return "documents"
    if task_name == "apps.peppol.tasks.peppol_company_check":
        return "default"  # a page waits for the lookup
    if task_name.startswith(("apps.connections.", "apps.peppol.")):
        return "delivery"
    return "default"


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_tasks_are_published_to_their_queues():
    # given every task of the project, published through an in-memory broker
    app.loader.import_default_modules()
    names = sorted(name for name in app.tasks if name.startswith("apps."))
    assert "apps.companies.tasks.send_email" in names
    assert any(name.startswith("apps.inbox.") for name in names)
    assert any(name.startswith("apps.documents.") for name in names)
    with app.connection_for_write("memory://") as connection:
        channel = connection.default_channel
        for queue in app.amqp.queues.values():
            queue(channel).declare()
            channel.queue_purge(queue.name)
        for name in names:
            # when the task is sent (not run: no worker consumes the memory broker)
            app.send_task(name, connection=connection)
            # then exactly its queue holds it
            received = {
                queue: channel.basic_get(queue, no_ack=True) is not None for queue in QUEUES
            }
            expected = _expected_queue(name)
            assert received == {queue: queue == expected for queue in QUEUES}, name
