from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import User


def user_has_totp(*, user: User | AnonymousUser) -> bool:
    """Whether ``user`` signs in with an authenticator app (allauth's TOTP stage)."""
    if not user.is_authenticated:
        return False
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_has_verified_email(*, user: User) -> bool:
    """Whether the user's sign-in address is verified (allauth's record of it)."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
