"""Events for tests: what the dispatch on commit does in production.

A test runs inside one transaction that never commits, so the outbox's dispatch on commit
never comes; ``run_events()`` dispatches what is waiting (and what those events cause), as
the committed transaction would have. The handlers are the real ones (``apps.flows``)."""

from apps.outbox.services import outbox_sweep

ROUNDS = 20  # a flow that keeps announcing itself is a bug, not a long flow


def run_events() -> int:
    """Dispatch every waiting event, then the ones they caused; how many."""
    total = 0
    for _ in range(ROUNDS):
        dispatched = outbox_sweep(grace_seconds=0)
        if not dispatched:
            return total
        total += dispatched
    raise AssertionError(f"events still announcing each other after {ROUNDS} rounds")
