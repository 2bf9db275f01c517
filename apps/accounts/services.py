from apps.accounts.models import User


def user_set_language(*, user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user
