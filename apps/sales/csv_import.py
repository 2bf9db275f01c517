"""Customers and products from a spreadsheet saved as CSV: bytes in, rows out.

Pure: no database, no network. What Belgian spreadsheets give us is accepted as it comes:
``,``, ``;`` or tab between the columns (Excel in Dutch or French writes ``;``), UTF-8 with or
without a byte order mark, UTF-16 ("Unicode text"), or Windows-1252 (older Excel), column
names in English, Dutch or French, and amounts with a decimal comma (``12,50``).

It never crashes on bad input. A file it cannot read at all (not a CSV file, another encoding,
too large, a required column missing) raises ``CsvFileError``: one clear message, nothing is
imported. A row it cannot read becomes a ``RowError`` with its line number and the other rows
go on; the business rules (check digits, known VAT rates, duplicates) are the services' work.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.sales.models import Customer, Product, Unit, VatTreatment

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# What a VAT percentage in a spreadsheet means (the codes of apps/sales VatRate).
VAT_CODES_BY_RATE = {
    Decimal("21"): "standard",
    Decimal("12"): "intermediate",
    Decimal("6"): "reduced",
    Decimal("0"): "zero",
}


class CsvFileError(DomainError):
    """The file as a whole cannot be imported; nothing of it is."""

    def __init__(self, message: str | Promise):
        super().__init__(message, code="csv_file", field="file")


@dataclass(frozen=True)
class ImportRow:
    """One row of the file: its line number and the service fields found in it."""

    line: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    """A row that is not imported, and why (``label`` names the column, when known)."""

    line: int
    message: str | Promise
    label: str | Promise = ""


class _Refused(Exception):
    def __init__(self, message: str | Promise):
        super().__init__(str(message))
        self.message = message


_OMIT = object()  # an empty cell: the service's default applies


def _key(text: str) -> str:
    """``Délai de paiement`` → ``delai de paiement``; ``E-mail`` → ``e mail``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --- cell conversions ---------------------------------------------------------------------------


def _text(value: str) -> Any:
    return value if value else _OMIT


def _choice(
    aliases: dict[str, str], refused: Callable[[str], str | Promise]
) -> Callable[[str], Any]:
    table = {_key(alias): code for alias, code in aliases.items()}

    def convert(value: str) -> Any:
        if not value:
            return _OMIT
        code = table.get(_key(value))
        if code is None:
            raise _Refused(refused(value))
        return code

    return convert


_kind = _choice(
    {
        **dict.fromkeys(("company", "business", "b2b", "bedrijf"), Customer.Kind.COMPANY),
        **dict.fromkeys(("onderneming", "entreprise", "société"), Customer.Kind.COMPANY),
        **dict.fromkeys(("person", "private", "individual", "b2c"), Customer.Kind.PERSON),
        **dict.fromkeys(("persoon", "particulier", "personne"), Customer.Kind.PERSON),
    },
    lambda value: (
        _("Unknown kind of customer “%(value)s”: write company or person.") % {"value": value}
    ),
)

_language = _choice(
    {
        **dict.fromkeys(("nl", "nl-be", "n", "dutch", "nederlands", "néerlandais"), "nl"),
        **dict.fromkeys(("vlaams", "flemish"), "nl"),
        **dict.fromkeys(("fr", "fr-be", "f", "french", "frans", "français"), "fr"),
        **dict.fromkeys(("en", "e", "english", "engels", "anglais"), "en"),
    },
    lambda value: _("Unknown language “%(value)s”: write nl, fr or en.") % {"value": value},
)

_vat_treatment = _choice(
    {
        **{code: code for code in VatTreatment.values},
        "reverse charge": VatTreatment.REVERSE_CHARGE,
        "medecontractant": VatTreatment.REVERSE_CHARGE,
        "btw verlegd": VatTreatment.REVERSE_CHARGE,
        "cocontractant": VatTreatment.REVERSE_CHARGE,
        "autoliquidation": VatTreatment.REVERSE_CHARGE,
        "intracommunautair": VatTreatment.INTRA_EU,
        "intracommunautaire": VatTreatment.INTRA_EU,
        "intra eu": VatTreatment.INTRA_EU,
        "uitvoer": VatTreatment.EXPORT,
        "exportation": VatTreatment.EXPORT,
        "vrijgesteld": VatTreatment.EXEMPT,
        "exonéré": VatTreatment.EXEMPT,
        "binnenland": VatTreatment.DOMESTIC,
    },
    lambda value: (
        _(
            "Unknown VAT treatment “%(value)s”: write domestic, reverse_charge, intra_eu, export "
            "or exempt."
        )
        % {"value": value}
    ),
)

_unit = _choice(
    {
        **{code: code for code in Unit.values},
        **dict.fromkeys(("piece", "pcs", "pc", "stuk", "stuks", "st", "pièce"), Unit.PIECE),
        **dict.fromkeys(("pièces", "pce", "unit", "eenheid", "unité"), Unit.PIECE),
        **dict.fromkeys(("hour", "hours", "h", "hr", "uur", "u", "heure"), Unit.HOUR),
        **dict.fromkeys(("heures",), Unit.HOUR),
        **dict.fromkeys(("day", "days", "dag", "dagen", "jour", "jours", "d", "j"), Unit.DAY),
        **dict.fromkeys(("month", "months", "maand", "maanden", "mois"), Unit.MONTH),
        **dict.fromkeys(("kg", "kilo", "kilogram", "kilogramme"), Unit.KILOGRAM),
        **dict.fromkeys(("m", "metre", "meter", "mètre", "metres", "meters"), Unit.METRE),
        **dict.fromkeys(("l", "litre", "liter", "litres", "liters"), Unit.LITRE),
        **dict.fromkeys(("flat rate", "forfait", "forfaitair", "lump sum"), Unit.FLAT_RATE),
    },
    lambda value: (
        _("Unknown unit “%(value)s”: write piece, hour, day, month, kg, m, l or flat rate.")
        % {"value": value}
    ),
)


@cache
def _countries_by_name() -> dict[str, str]:
    """Country names in English, Dutch, French and German → their two-letter code."""
    names: dict[str, str] = {}
    for language in ("en", "nl", "fr", "de"):
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_key(name), code)
    names.update({"belgie": "BE", "uk": "GB", "holland": "NL", "usa": "US"})
    return names


def _country(value: str) -> Any:
    """``BE``, ``be``, ``België``, ``Belgique`` → ``BE``; anything else goes to the service as
    written, which refuses it with the usual message."""
    if not value:
        return _OMIT
    return _countries_by_name().get(_key(value), value.strip().upper())


def _payment_terms(value: str) -> Any:
    if not value:
        return _OMIT
    match = re.fullmatch(r"(\d{1,4})\s*(d|days?|dagen|dag|j|jours?)?\.?", value.strip().lower())
    if match is None:
        raise _Refused(_("Payment terms are a number of days, e.g. 30."))
    return int(match.group(1))


def parse_decimal(text: str, *, decimal_separator: str | None = None) -> Decimal | None:
    """``12,50``, ``12.50``, ``€ 1.234,56``, ``1,234.56`` → a Decimal; None if not a number.

    With both ``.`` and ``,`` the last one separates the decimals. A lone separator followed
    by exactly three digits (``1.250``) is ambiguous: it groups thousands when
    ``decimal_separator`` (the habit of the file or of the user's language) is the other one,
    and separates decimals otherwise.
    """
    value = re.sub(r"[\s\u00a0\u202f'€]|EUR", "", text or "", flags=re.IGNORECASE)
    if not value or len(value) > 40:
        return None
    sign = "-" if value[0] == "-" else ""
    value = value.lstrip("+-") if value[0] in "+-" else value
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
    elif "," in value or "." in value:
        separator = "," if "," in value else "."
        grouped = re.fullmatch(rf"\d{{1,3}}(\{separator}\d{{3}})+", value) is not None
        thousands_only = value.count(separator) > 1 or (
            grouped and decimal_separator not in (None, separator)
        )
        decimal = "" if thousands_only else separator
    else:
        decimal = ""
    if decimal:
        integer, _separator, fraction = value.rpartition(decimal)
        grouping = "." if decimal == "," else ","
    else:
        integer, fraction = value, ""
        grouping = "," if "," in value else "."
    if not re.fullmatch(rf"\d+|\d{{1,3}}(\{grouping}\d{{3}})+", integer):
        return None
    if decimal and not fraction.isdigit():
        return None
    digits = integer.replace(grouping, "")
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def _price(decimal_separator: str | None) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        if not value:
            return _OMIT
        amount = parse_decimal(value, decimal_separator=decimal_separator)
        if amount is None:
            raise _Refused(
                _("Not a price: “%(value)s”. Write it like 12,50 or 12.50.") % {"value": value}
            )
        return amount

    return convert


def _vat_code(value: str) -> Any:
    """``21``, ``21%``, ``21,00 %``, ``0.21`` → ``standard``; a code (``accommodation``) as is."""
    if not value:
        return _OMIT
    rate = parse_decimal(value.replace("%", ""))
    if rate is None:
        return value.strip().lower()  # a code; the service knows which exist
    if 0 < rate < 1:  # spreadsheets that store 21 % as 0.21
        rate *= 100
    code = VAT_CODES_BY_RATE.get(rate)
    if code is None:
        raise _Refused(
            _("There is no Belgian VAT rate of %(value)s: write 21, 12, 6 or 0.") % {"value": value}
        )
    return code


# --- columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column, found by any of its names (``|`` between them; the first is shown in
    messages), and how its cells become the service's field."""

    field: str
    names: str
    convert: Callable[[str], Any] = _text
    required: bool = False

    @property
    def name(self) -> str:
        return self.names.split("|", 1)[0]


class _Layout:
    """The columns of one kind of file."""

    def __init__(self, model: type[Model], columns: tuple[Column, ...]):
        self.model = model
        self.columns = columns
        self.keys = {_key(name): column for column in columns for name in column.names.split("|")}

    def label(self, name: str) -> Any:
        return self.model._meta.get_field(name).verbose_name  # type: ignore[union-attr]


CUSTOMER_COLUMNS = _Layout(
    Customer,
    (
        Column(
            "name",
            "name|naam|nom|company|company name|customer|customer name|klant|klantnaam|bedrijf|"
            "bedrijfsnaam|firma|firmanaam|client|nom du client|entreprise|société|raison sociale",
            required=True,
        ),
        Column("kind", "kind|type|soort|customer type|type de client", _kind),
        Column(
            "enterprise_number",
            "enterprise_number|enterprise number|company number|ondernemingsnummer|"
            "ondernemingsnr|kbo|kbo nummer|kbo nr|bce|numéro bce|numéro d'entreprise|"
            "numero entreprise|n° d'entreprise",
        ),
        Column(
            "vat_id",
            "vat|vat number|vat no|vat id|vat_id|vat nr|btw|btw-nummer|btwnummer|btw nr|tva|"
            "numéro de tva|numero tva|n° tva|no tva|n° de tva",
        ),
        Column(
            "email",
            "email|e-mail|mail|email address|e-mail address|e-mailadres|emailadres|mailadres|"
            "adresse e-mail|adresse email|courriel",
        ),
        Column(
            "street",
            "street|street and number|address|straat|straat en nummer|adres|rue|rue et numéro|"
            "adresse",
        ),
        Column(
            "postal_code", "postal_code|postal code|post code|postcode|zip|zip code|code postal|cp"
        ),
        Column("city", "city|town|gemeente|stad|plaats|woonplaats|ville|localité|commune"),
        Column("country", "country|country code|land|landcode|pays|code pays", _country),
        Column("language", "language|taal|langue", _language),
        Column(
            "payment_terms_days",
            "payment_terms|payment terms|payment terms days|payment term|betalingstermijn|"
            "betaaltermijn|betalingstermijn dagen|délai de paiement|délai de paiement jours|"
            "délai paiement",
            _payment_terms,
        ),
        Column("peppol_endpoint", "peppol_id|peppol id|peppol|peppol endpoint|peppol-id"),
        Column(
            "vat_treatment",
            "vat_treatment|vat treatment|btw-regime|btw behandeling|régime tva|régime de tva",
            _vat_treatment,
        ),
    ),
)


def _product_columns(decimal_separator: str | None) -> _Layout:
    return _Layout(
        Product,
        (
            Column(
                "name",
                "name|naam|nom|product|product name|productnaam|artikel|dienst|article|produit|"
                "service|nom du produit",
                required=True,
            ),
            Column("description", "description|omschrijving|beschrijving|details|détails"),
            Column(
                "unit_price",
                "unit_price|unit price|price|price excl vat|prijs|eenheidsprijs|prijs excl btw|"
                "prix|prix unitaire|prix htva|prix hors tva",
                _price(decimal_separator),
                required=True,
            ),
            Column("unit", "unit|eenheid|unité", _unit),
            Column(
                "vat_code",
                "vat|vat rate|vat code|vat_code|vat %|btw|btw-tarief|btw %|btw percentage|tva|"
                "taux de tva|taux tva|tva %",
                _vat_code,
            ),
        ),
    )


# --- reading the file ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f\x7f]")


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise CsvFileError(_("The file is empty."))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise CsvFileError(
            _(
                "This is a spreadsheet file (Excel), not a CSV file. Save it as CSV first: "
                "File › Save as › CSV."
            )
        )
    not_text = CsvFileError(
        _("This is not a CSV file: save your spreadsheet as CSV (UTF-8) and import that file.")
    )
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise not_text from None
    text = text.rstrip("\x1a")  # the end-of-file mark of old DOS programs
    if _CONTROL.search(text):
        raise not_text
    return text


def _delimiter(text: str) -> str:
    """The separator that the first line uses most: ``;``, ``,`` or a tab."""
    first_line = text.lstrip().split("\n", 1)[0]
    counts = {separator: first_line.count(separator) for separator in (";", ",", "\t")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every row that is not empty, the header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
                if len(records) > MAX_ROWS + 1:
                    raise CsvFileError(
                        _("The file has more than %(count)s rows. Split it into smaller files.")
                        % {"count": MAX_ROWS}
                    )
            line = reader.line_num + 1
    except csv.Error:
        raise CsvFileError(
            _("The file cannot be read as CSV (around line %(line)s). Save it as CSV again.")
            % {"line": line}
        ) from None
    return records


def _cell(value: str) -> str:
    value = value.strip()
    match = re.fullmatch(r'="(.*)"', value)  # Excel's way to keep leading zeros
    return (match.group(1) if match else value).strip()


def _parse(data: bytes, layout: Callable[[str], _Layout]) -> tuple[list[ImportRow], list[RowError]]:
    text = _decode(data)
    records = _records(text)
    if not records:
        raise CsvFileError(_("The file is empty."))
    (_header_line, header), body = records[0], records[1:]
    columns = layout(text)
    positions: dict[int, Column] = {}
    for index, name in enumerate(header):
        column = columns.keys.get(_key(_cell(name)))
        if column is None:
            continue
        earlier = next((i for i, c in positions.items() if c is column), None)
        if earlier is not None:
            raise CsvFileError(
                _("The columns “%(first)s” and “%(second)s” mean the same thing. Keep one.")
                % {"first": _cell(header[earlier]), "second": _cell(name)}
            )
        positions[index] = column
    for column in columns.columns:
        if column.required and column not in positions.values():
            raise CsvFileError(
                _(
                    "The column “%(column)s” is missing. The first line of the file names the "
                    "columns, e.g.: %(example)s"
                )
                % {
                    "column": column.name,
                    "example": ";".join(c.name for c in columns.columns),
                }
            )
    if not body:
        raise CsvFileError(_("The file has no rows under its first line (the column names)."))

    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for line, cells in body:
        row = _row(line, cells, positions, columns)
        if isinstance(row, RowError):
            errors.append(row)
        else:
            rows.append(row)
    return rows, errors


def _row(
    line: int, cells: list[str], positions: dict[int, Column], columns: _Layout
) -> ImportRow | RowError:
    fields: dict[str, Any] = {}
    for index, column in positions.items():
        raw = _cell(cells[index]) if index < len(cells) else ""
        try:
            value = column.convert(raw)
        except _Refused as refused:
            return RowError(line, refused.message, columns.label(column.field))
        if value is not _OMIT:
            fields[column.field] = value
    return ImportRow(line=line, fields=fields)


def parse_customers_csv(data: bytes) -> tuple[list[ImportRow], list[RowError]]:
    """The customers in a CSV file: rows with service fields, and the rows refused."""
    return _parse(data, lambda _text: CUSTOMER_COLUMNS)


def _decimal_habit(text: str) -> str | None:
    """The decimal separator the file most likely uses. Excel separates the columns with
    ``;`` exactly where the decimals are separated with ``,`` (Belgium, France, the
    Netherlands); a comma-separated file writes ``12.50``."""
    delimiter = _delimiter(text)
    if delimiter == ";":
        return ","
    if delimiter == ",":
        return "."
    return "," if re.search(r"\d,\d{1,2}(?!\d)", text) else None


def parse_products_csv(data: bytes) -> tuple[list[ImportRow], list[RowError]]:
    """The products and services in a CSV file: rows with service fields, and the refused."""
    return _parse(data, lambda text: _product_columns(_decimal_habit(text)))
