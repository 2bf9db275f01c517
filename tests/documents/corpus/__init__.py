"""A generated test set of invoices for measuring the reader: text PDFs, scans and photos,
each with the fields a bookkeeper would read from it (``Document.truth``).

Invoices are rendered with WeasyPrint from 17 layout families (``layouts.py``) with realistic
Belgian and foreign data that python-stdnum validates (``data.py``), in Dutch, French, English
and German, then scanned and photographed (``degrade.py``). The buyer is always our company
(``data.OURS``: give its name, VAT number and IBAN to the reader as hints), except for a few
sales, where we are the seller and the counterparty is the customer. Everything follows from
``catalogue.SEED``: the same generator gives the same documents.

Two splits keep the measure honest:

- **tune**: 12 layout families (classic_left, letterhead_right, centred_title, two_column,
  footer_identity, boxed_meta, table_footer, multi_page, header_band, vat_summary,
  subject_letter, dotted_form), the first list of label words of each field in
  ``data.LABELS``, and the tune number and date styles. Look at these when writing or
  changing reader rules.
- **holdout**: 5 other families (letter, sidebar, plain_mono, deposit_summary, din_window),
  mostly the second list of label words (label words that never appear in tune: "Nr.",
  "Référence", "Invoice #", "Rechnungs-Nr.", "Maatstaf van heffing", "Balance due", ...),
  plus number styles (2026/1100, FA2026.0412, plain digits) and date styles (7 déc. 2026,
  07-12-2026, December 7, 2026) of its own. **Never tune rules on holdout documents**: read
  only its scores, so that they estimate how the reader does on invoices nobody has seen.

Rendered files are cached under ``var/test/corpus/<version>/`` (git-ignored), ``version``
being a hash of this package's source: a change to the generator renders afresh, runs after
the first read the cache. Each file is written on its own when first asked for (atomically,
so parallel test workers can share the cache).
"""

import datetime
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from tests.documents.corpus import catalogue, data, degrade
from tests.documents.corpus.catalogue import Invoice

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
OURS = data.OURS


@cache
def version() -> str:
    digest = hashlib.sha256(catalogue.SEED.encode())
    for module in ("__init__", "catalogue", "data", "degrade", "layouts"):  # not scoring.py
        digest.update((HERE / f"{module}.py").read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    return ROOT / "var" / "test" / "corpus" / version()


def prune() -> None:
    """Remove the files of earlier generator versions."""
    for folder in cache_dir().parent.glob("*"):
        if folder.is_dir() and folder.name != version():
            shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Document:
    invoice: Invoice
    variant: str = ""  # "" for the text PDF, else a degrade.VARIANTS key

    @property
    def name(self) -> str:
        return f"{self.invoice.name}@{self.variant}" if self.variant else self.invoice.name

    @property
    def split(self) -> str:
        return self.invoice.split

    @property
    def family(self) -> str:
        return self.invoice.family

    @property
    def kind(self) -> str:
        """pdf (a text PDF), scan or photo."""
        return degrade.kind(self.variant) if self.variant else "pdf"

    @property
    def extension(self) -> str:
        return degrade.extension(self.variant) if self.variant else "pdf"

    @property
    def is_pdf(self) -> bool:
        return self.extension == "pdf"

    @property
    def truth(self) -> dict[str, object]:
        return self.invoice.truth()

    @property
    def path(self) -> Path:
        return cache_dir() / f"{self.name.replace('/', '-').replace('@', '--')}.{self.extension}"

    def content(self) -> bytes:
        """The file's bytes, rendered on first use and cached."""
        path = self.path
        if path.exists():
            return path.read_bytes()
        if self.variant:
            source = Document(self.invoice).content()
            content = degrade.degrade(source, self.variant, self.invoice.seed)
        else:
            from tests.documents.corpus import layouts

            content = layouts.pdf(self.invoice)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
        return content


@cache
def documents() -> tuple[Document, ...]:
    """Every document: the text PDFs, then the scans and photos."""
    invoices = catalogue.invoices()
    texts = [Document(x) for x in invoices]
    pictures = [Document(x, variant) for x, variant in catalogue.scans(invoices)]
    return tuple(texts + pictures)


def serialisable(truth: dict[str, object]) -> dict[str, object]:
    def plain(value: object) -> object:
        if isinstance(value, (datetime.date, Decimal)):
            return str(value)
        return value

    return {key: plain(value) for key, value in truth.items()}
