"""The bank statement samples of ../shared/data/bank, read where they are (their licences,
GPL and AGPL test data, keep them out of this repository; see that folder's README).

One change is made in memory: in the pycoda ``Coda_v2_3_*`` files (anonymised by hand) the
account of the new balance record (8) differs from the old balance record's (1) by a digit;
a bank never writes that, and both febelfin-coda and our parser refuse it. The record 8
account is set to the record 1 account; nothing else changes.
"""

from pathlib import Path

from django.conf import settings

from tests.conftest import shared_data

BANK = Path(settings.SHARED_DATA_DIR) / "bank"


def _matching_accounts(data: bytes) -> bytes:
    lines = data.decode("latin-1").split("\n")
    account = ""
    for index, line in enumerate(lines):
        if line.startswith("1"):
            account = line[5:42]
        elif line.startswith("8") and account:
            lines[index] = line[:4] + account + line[41:]
    return "\n".join(lines).encode("latin-1")


def read(name: str) -> bytes:
    folder = "camt" if name.endswith((".xml", ".pydata")) else "coda"
    data = shared_data(BANK / folder / name)
    return _matching_accounts(data) if name.startswith("Coda_v2_3_") else data
