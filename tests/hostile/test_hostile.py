"""Issue 11, "Proof": every hostile file and e-mail of the corpus (``generate.py``) goes
through the upload page, the forwarding address, a Dovecot mailbox scan and ``manage.py
documents extract``, each in a child process capped at 1.5 GB and 90 s (``runner.py``).

Each must give a clear result: documents end ready, needing review or refused with a reason
(never "received" or "reading"), e-mails are recorded with their headers and never stay
"received", the SMTP receiver answers 250 or a 5xx (never a 4xx that is retried for ever),
the mailbox moves past the message (the ordinary invoice after it is collected), pages that
show them answer 200 without raw bidi overrides, and nothing crashes, hangs or runs out of
memory. ``verdict`` in ``runner.py`` holds the rules, shared with ``bench/hostile.py``.
"""

from pathlib import Path

import pytest

from tests.hostile.generate import items
from tests.hostile.runner import PATHS, Runner, applies, mailbox_messages, verdict

pytestmark = pytest.mark.slow

CASES = [
    pytest.param(item, path, id=f"{path}:{item.name}")
    for item in items()
    for path in PATHS
    if applies(item, path)
]


@pytest.mark.parametrize(("item", "path"), CASES)
def test_hostile_input_gets_a_clear_result(item, path, corpus: Path, runner: Runner, request):
    extra = {}
    if path == "mailbox":
        dovecot = request.getfixturevalue("dovecot")
        user, password = dovecot.add_user()
        dovecot.append(user, password, mailbox_messages(item, corpus))
        extra["imap"] = {"port": dovecot.port, "user": user, "password": password}

    run = runner.run(item, path, corpus, **extra)

    outcome, wrong = verdict(item, run)
    summary = f"{item.name} via {path}: {outcome} ({run.seconds:.1f} s, {run.peak_mb:.0f} MB)"
    assert not wrong, summary + "".join(f"\n  - {what}" for what in wrong)
