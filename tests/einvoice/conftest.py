from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI


@pytest.fixture(scope="session")
def peppol_dir() -> Path:
    path = Path(settings.SHARED_DATA_DIR) / "peppol"
    if not path.is_dir():
        message = f"official Peppol examples missing at {path} (../shared/data)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def official_examples() -> list[Path]:
    path = Path(settings.SHARED_DATA_DIR) / "peppol"
    return sorted(path.glob("*.xml")) if path.is_dir() else []
