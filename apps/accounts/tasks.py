"""Background work of the accounts app."""

from celery import shared_task


@shared_task(name="apps.accounts.tasks.login_unlock_offer", ignore_result=True)
def login_unlock_offer(login: str) -> None:
    """E-mail the unlock link of a locked account (see ``apps.accounts.lockout``). In a
    worker, so that a failed sign-in answers in the same time whether the account exists."""
    from apps.accounts.lockout import login_unlock_offer as offer

    offer(login=login)
