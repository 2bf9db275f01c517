import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _language_reset():
    """A page requested in Dutch leaves Dutch active in the test thread (LocaleMiddleware
    activates, nothing deactivates): start every test from the default language."""
    translation.activate("en")
    yield
    translation.activate("en")
