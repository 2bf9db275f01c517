"""Demo data of the transfer to the accountant for `make run`: the first company sends to
Octopus with an address per type, the second to ClearFacts after approval. Seeded before the
demo documents, so these go out the real way: ready → delivery → the worker sends them (in
development to files in var/mail/)."""

from apps.companies.models import Company
from apps.connections.models import Transfer
from apps.connections.services import transfer_save

DEMO_TRANSFERS = {
    "0412345614": {
        "package": "octopus",
        "general_address": "",
        "purchases_address": "uid-008352-24-PI@import.octopus.be",
        "sales_address": "uid-008352-24-SI@import.octopus.be",
        "miscellaneous_address": "uid-008352-24-MISC@import.octopus.be",
        "is_automatic": True,
    },
    "0765432146": {
        "package": "clearfacts",
        "general_address": "studio-lumiere@clearfacts.be",
        "is_automatic": False,
    },
}


def seed_transfer(company: Company) -> None:
    """Idempotent: a company that has a transfer keeps it as it is."""
    values = DEMO_TRANSFERS.get(company.enterprise_number)
    if values is None or Transfer.objects.filter(company=company).exists():
        return
    transfer_save(company=company, actor=None, **values)
