"""The hostile corpus and the forking runner, once per session; the mailbox path uses the
inbox tests' Dovecot (``dovecot``)."""

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.generate import generate
from tests.hostile.runner import Runner
from tests.inbox.conftest import dovecot  # noqa: F401 - the session's Dovecot


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Generated once per run: parallel workers share it (the first one writes it)."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp("hostile-corpus")
        generate(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / "hostile-corpus"
    folder.mkdir(exist_ok=True)
    with open(folder.parent / "hostile-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generate(folder)  # writes only the files that aren't there yet
    return folder


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    # 1.5 GB of memory and 90 s per item and path: far more than a correct run needs
    with Runner(tmp_path_factory.mktemp("hostile-runs"), memory_mb=1536, timeout=90) as started:
        yield started
