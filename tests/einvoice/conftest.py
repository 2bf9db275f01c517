import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import missing


@pytest.fixture(scope="session")
def peppol_dir() -> Path:
    path = Path(settings.SHARED_DATA_DIR) / "peppol"
    if not path.is_dir():
        missing(f"official Peppol examples missing at {path} (../shared/data)")
    return path


def official_examples() -> list[Path]:
    path = Path(settings.SHARED_DATA_DIR) / "peppol"
    return sorted(path.glob("*.xml")) if path.is_dir() else []


def en16931_valid_examples() -> list[Path]:
    """The official EN 16931-valid examples: CEN UBL and CII (en16931-examples) and Peppol."""
    data = Path(settings.SHARED_DATA_DIR)
    cen = data / "en16931-examples"
    return [
        *sorted((cen / "ubl").glob("*.xml")),
        *sorted((cen / "cii").glob("*.xml")),
        *official_examples(),
    ]


def example_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


# The public corpus is opt-in (make test-corpus): its documents are collected, not committed.
collect_ignore = [] if os.environ.get("EINVOICE_CORPUS") else ["test_public_corpus.py"]
