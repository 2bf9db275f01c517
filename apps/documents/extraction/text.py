"""Invoice fields from the visible text of a document (PDF text layer or OCR).

Labels in Dutch, French, English and German find the values; identifiers are accepted only
when python-stdnum validates them; totals are chosen so that net + VAT = gross.
"""

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

from apps.documents.extraction import doctype
from apps.documents.extraction import patterns as p
from apps.documents.extraction.words import Box

TOLERANCE = Decimal("0.02")


@dataclass(frozen=True)
class Hints:
    """What the caller knows: our company's identifiers (the buyer on purchase invoices) and
    known suppliers by VAT number, so that the supplier is told apart from ourselves."""

    own_vat_ids: frozenset[str] = frozenset()
    own_ibans: frozenset[str] = frozenset()
    own_names: tuple[str, ...] = ()
    known_suppliers: dict[str, str] = field(default_factory=dict)  # VAT id -> name


# A field read with at least this confidence is shown as sure, and a document whose fields are
# all sure goes to the accountant without review. The bench (``bench/extraction.py``) measures
# how often a sure field is right on the test sets: the target is at least 98 %.
SURE = 0.9
# The confidence of a value read at its label: from a PDF's text, and from OCR (which misreads).
LABELLED_TEXT = 0.9
LABELLED_OCR = 0.7


@dataclass
class Found:
    value: Any
    source: str
    confidence: float
    # where the value stands on the page, when the layout reader found it
    box: Box | None = None


@dataclass
class TextExtraction:
    fields: dict[str, Found] = field(default_factory=dict)
    # what the document says it is: invoice, credit_note, receipt, or one of the documents
    # that are no invoice (a Kind value: terms, quote, reminder, ...); "" when it says nothing
    kind_hint: str = ""
    # where our company appears: "seller" (a sale we made elsewhere), "buyer", or "" unknown
    our_role: str = ""
    buyer_vat_id: str = ""
    warnings: list[str] = field(default_factory=list)
    source: str = ""  # pdf_text or ocr

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None


_KERNED_CAPITAL = re.compile(r"(^|\s{2,})([A-Z]) (?=[a-z]{3,})")


def _unkern(line: str) -> str:
    """'F actuurnummer' → 'Factuurnummer': PDF text often splits a word after a capital."""
    return _KERNED_CAPITAL.sub(r"\1\2", line)


def _segments(text: str) -> list[str]:
    """Lines, with layout columns (runs of 2+ spaces) split apart."""
    segments = []
    for line in map(_unkern, text.splitlines()):
        for part in re.split(r"\s{2,}", line.strip()):
            if part.strip():
                segments.append(part.strip())
    return segments


def _lines(text: str) -> list[str]:
    return [
        re.sub(r"[ \t\u00a0]+", " ", _unkern(line.strip())).strip()
        for line in text.splitlines()
        if line.strip()
    ]


def _after(line: str, label: re.Pattern[str]) -> list[str]:
    """The text after each label occurrence on the line, up to the next label."""
    matches = list(label.finditer(line))
    return [
        line[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(line)]
        for i, m in enumerate(matches)
    ]


def _number(lines: list[str]) -> str:
    for line in lines:
        for rest in _after(line, p.NUMBER_LABELS):
            match = re.match(r"[\s:#.°]*([A-Z0-9][A-Z0-9\-/._]*[A-Z0-9]|\d)", rest, re.IGNORECASE)
            if match and any(ch.isdigit() for ch in match.group(1)):
                return match.group(1)
    return ""


def _labelled_date(
    lines: list[str], label: re.Pattern[str], month_first: bool = False, *, direct: bool = False
) -> Any:
    """The first date after ``label`` on a line; with ``direct``, only a date that follows the
    label at once ("Datum: 05/01/2026", not "Date de livraison 05/01/2026")."""
    for line in lines:
        for rest in _after(line, label):
            if direct and not rest.lstrip(" :.-")[:1].isdigit():
                continue
            found = p.parse_date(rest[:60], month_first=month_first)
            if found:
                return found
    return None


def _date_below(text: str, label: re.Pattern[str], month_first: bool = False) -> Any:
    """A date under its label, as in a table header ('Fälligkeit' above '29.11.2018')."""
    raw = [line for line in text.splitlines() if line.strip()]
    for index, line in enumerate(raw[:-1]):
        for match in label.finditer(line):
            if p.parse_date(line[match.end() :][:60], month_first=month_first):
                continue
            below = raw[index + 1][max(match.start() - 4, 0) : match.end() + 14]
            found = p.parse_date(below, month_first=month_first)
            if found:
                return found
    return None


def _vat_ids(text: str) -> tuple[list[str], list[str]]:
    """(valid VAT ids, ids that look right but fail their check digits)."""
    found: list[str] = []
    doubtful: list[str] = []
    for match in p.VAT_ID.finditer(text):
        candidate = re.sub(r"[\s.]", "", match.group(1))
        for length in range(len(candidate), 7, -1):  # the match may run into the next word
            try:
                value = str(eu_vat.validate(candidate[:length]))
            except StdnumError as error:
                if type(error).__name__ == "InvalidChecksum" and candidate[:length] not in doubtful:
                    doubtful.append(candidate[:length])
                    break
                continue
            if value not in found:
                found.append(value)
            break
    for match in p.ENTERPRISE_NUMBER.finditer(text):
        try:
            number = be_vat.validate(match.group(1))
        except StdnumError:
            continue
        if f"BE{number}" not in found:
            found.append(f"BE{number}")
    return found, [d for d in doubtful if d not in found]


def _ibans(text: str) -> list[str]:
    """The valid IBANs of ``text``. A match may run into what follows the account (the "BIC"
    on the next line, a word after it): the longest valid start of it is the account."""
    found = []
    for match in p.IBAN.finditer(text):
        groups = match.group(1).split()
        for end in range(len(groups), 0, -1):
            try:
                value = str(stdnum_iban.validate("".join(groups[:end])))
            except StdnumError:
                continue
            if value not in found:
                found.append(value)
            break
    for match in _BE_IBAN_AS_READ.finditer(text):
        # OCR took a digit of a Belgian account for a letter ("BEO7 9734 ..."): a Belgian
        # account is digits after "BE", and its check digits say whether the reading is right
        value = "BE" + re.sub(r"\s", "", match.group(1)).translate(_DIGIT_LOOKALIKES)
        if stdnum_iban.is_valid(value) and value not in found:
            found.append(value)
    return found


# A Belgian IBAN as OCR may read it: "BE", then 14 digits in groups, some read as letters.
_BE_IBAN_AS_READ = re.compile(r"\bBE((?:[ ]?[0-9OoIlSB]){14})\b")
_DIGIT_LOOKALIKES = str.maketrans("OoIlSB", "001158")


def _bic(text: str, own_ibans: frozenset[str]) -> str:
    """The first BIC that doesn't follow one of our own accounts ("IBAN: <ours>  BIC: ...",
    a direct debit mandate or our details printed as the buyer's)."""
    for match in p.BIC.finditer(text):
        window = text[max(match.start() - 120, 0) : match.start()]
        before = list(p.IBAN.finditer(window))
        if (
            before
            and window[before[-1].end() :].count("\n") <= 1  # on its line or the one above
            and re.sub(r"\s", "", before[-1].group(1)).upper() in own_ibans
        ):
            continue
        return match.group(1)
    return ""


_LABELLED_IBAN = re.compile(r"\bIBAN\s*[:.]?\s*[A-Z]{2}\d{2}[0-9A-Z ]{8,34}")


def _without_ibans(text: str) -> str:
    text = _LABELLED_IBAN.sub(" ", text)
    for match in reversed(list(p.IBAN.finditer(text))):
        if stdnum_iban.is_valid(match.group(1)):
            text = text[: match.start()] + " " + text[match.end() :]
    return text


def _ogm(text: str) -> str:
    for match in p.OGM.finditer(text):
        digits = "".join(match.groups())
        try:
            return str(ogm_vcs.validate(digits))
        except StdnumError:
            continue
    return ""


def _currency(text: str) -> str:
    counts = {
        "EUR": text.count("€") + len(re.findall(r"\bEUR\b", text)),
        "USD": len(re.findall(r"\bUSD\b|\$", text)),
        "GBP": text.count("£") + len(re.findall(r"\bGBP\b", text)),
        "CHF": len(re.findall(r"\bCHF\b", text)),
    }
    best = max(counts, key=lambda key: counts[key])
    return best if counts[best] else "EUR"


def _labelled_amounts(lines: list[str], label: re.Pattern[str]) -> list[Decimal]:
    values = []
    for line in lines:
        for rest in _after(line, label):
            amounts = p.amounts_in(rest)
            if amounts:
                values.append(amounts[0])
    return values


_RATE = r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%"
_TABLE_ROW = re.compile(  # base, rate without %, VAT: 'Umsatzsteuer (S)  275,00  7  19,25'
    r"(-?\d[\d.,]*[.,]\d{2})\s+(\d{1,2}(?:[.,]\d{1,2})?)\s*%?\s+(-?\d[\d.,]*[.,]\d{2})\b"
)
_RATE_ROW = re.compile(rf"^{_RATE}\s")  # '19%  336,00 €  63,84 €' under a VAT table header


def _plausible(base: Decimal, rate: Decimal, vat: Decimal, tolerance: Decimal = TOLERANCE) -> bool:
    return abs((base * rate / 100).quantize(Decimal("0.01")) - vat) <= tolerance


# No VAT rate in Europe is above 27 %: a "VAT" larger than that share of its "net" is the
# pair swapped (a rate's base printed next to its VAT, "Btw 21 % (1.856,71)  389,91").
MAX_VAT_RATE = Decimal("0.27")


def vat_fits(net: Decimal, vat: Decimal) -> bool:
    return abs(vat) <= abs(net) * MAX_VAT_RATE + TOLERANCE


def _rate(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


VatLine = tuple[Decimal | None, Decimal | None, Decimal]  # rate, taxable amount, VAT


def _vat_lines(lines: list[str]) -> list[VatLine]:
    """(rate, base, VAT) from lines like 'BTW 21% € 124,61', 'TVA 20,0% -20,48 € -4,10 €' or a
    VAT table row; the base is None when the line doesn't print it."""
    found: list[VatLine] = []
    for line in lines:
        if p.VAT_ID.search(line) or re.search(
            r"capital|kapitaal|stammkapital", line, re.IGNORECASE
        ):
            continue  # a VAT number or share capital, not a VAT amount
        row = _RATE_ROW.match(line)
        if row and not p.VAT_LABELS.search(line):
            amounts = p.amounts_in(line[row.end() :])
            rate = _rate(row.group(1))
            if len(amounts) == 2 and _plausible(amounts[0], rate, amounts[1]):
                found.append((rate, amounts[0], amounts[1]))
            continue
        if p.NET_LABELS.search(line) and not re.search(r"\d\s?%", line):
            continue
        for rest in _after(line, p.VAT_LABELS):
            rate_match = re.match(rf"[^\d]{{0,25}}?{_RATE}", rest)
            if rate_match:
                rate = _rate(rate_match.group(1))
                amounts = p.amounts_in(rest[rate_match.end() :])
                if not amounts:
                    continue
                # columns read base ... VAT: the VAT amount is the last one
                base = amounts[-2] if len(amounts) >= 2 else None
                if base is not None and not _plausible(base, rate, amounts[-1]):
                    base = None
                found.append((rate, base, amounts[-1]))
                continue
            table = _TABLE_ROW.search(rest)
            if table:
                base, rate, vat = (
                    p.parse_amount(table.group(1)),
                    _rate(table.group(2)),
                    p.parse_amount(table.group(3)),
                )
                if (
                    base is not None
                    and vat is not None
                    and _plausible(base, rate, vat, Decimal("0.01"))
                ):
                    found.append((rate, base, vat))
                    continue
            amounts = p.amounts_in(rest)
            if amounts:
                found.append((None, None, amounts[-1]))
    return found


def _item_bases(lines: list[str]) -> dict[Decimal, Decimal]:
    """Net amounts of the item lines per VAT rate ('Folders A5   21%   € 290,00')."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        if p.VAT_LABELS.search(line) or p.GROSS_LABELS.search(line) or p.NET_LABELS.search(line):
            continue
        rates = list(re.finditer(_RATE, line))
        if len(rates) != 1 or _RATE_ROW.match(line):
            continue
        amounts = p.amounts_in(line[rates[0].end() :])
        if amounts:
            rate = _rate(rates[0].group(1))
            bases[rate] = bases.get(rate, Decimal("0")) + amounts[-1]
    return bases


def _rate_text(rate: Decimal) -> str:
    return format(rate.quantize(Decimal("0.01")).normalize(), "f")


def _breakdown(
    lines: list[str], net: Decimal | None, vat: Decimal | None, negative: bool
) -> tuple[list[dict[str, str | None]], float]:
    """The VAT breakdown as printed: taxable amount and VAT per rate, never an invented rate.

    A base that is not printed is derived when that is certain (a single rate: the net
    total; one unknown among several: net minus the others; item lines per rate that add up),
    estimated from VAT / rate only when those estimates are consistent with every printed
    figure (low confidence), and left unknown (None) otherwise.
    """
    by_rate: dict[Decimal, tuple[Decimal | None, Decimal]] = {}
    for rate, base, amount in _vat_lines(lines):
        if rate is None:
            continue
        if negative:
            base, amount = (abs(base) if base is not None else None), abs(amount)
        known = by_rate.get(rate)
        if known is None or (known[0] is None and base is not None):
            by_rate[rate] = (base, amount)
    if not by_rate:
        return [], 0.0
    confidence = 0.9
    if len(by_rate) == 1:
        ((rate, (base, amount)),) = by_rate.items()
        bases = {rate: net if net is not None else base}
        vats = {rate: vat if vat is not None else amount}
    else:
        bases = {rate: base for rate, (base, _amount) in by_rate.items()}
        vats = {rate: amount for rate, (_base, amount) in by_rate.items()}
        unknown = [rate for rate, base in bases.items() if base is None]
        if len(unknown) == 1 and net is not None:
            bases[unknown[0]] = net - sum(b for b in bases.values() if b is not None)
        elif unknown:
            items = _item_bases(lines)
            if (
                set(items) == set(bases)
                and net is not None
                and abs(sum(items.values()) - net) <= TOLERANCE
                and all(_plausible(items[r], r, vats[r], Decimal("0.05")) for r in unknown)
            ):
                bases.update({rate: items[rate] for rate in unknown})
            elif net is not None and all(rate > 0 for rate in unknown):
                estimates = {r: (vats[r] * 100 / r).quantize(Decimal("0.01")) for r in unknown}
                rest = net - sum(b for b in bases.values() if b is not None)
                largest = max(estimates, key=lambda r: estimates[r])
                estimates[largest] += rest - sum(estimates.values())
                if all(_plausible(estimates[r], r, vats[r], Decimal("0.01")) for r in unknown):
                    bases.update(estimates)
                    confidence = 0.4  # consistent with the figures, but not printed
    return [
        {
            "rate": _rate_text(rate),
            "taxable_amount": str(bases[rate]) if bases[rate] is not None else None,
            "tax_amount": str(vats[rate]),
        }
        for rate in sorted(bases, reverse=True)
    ], (confidence if all(b is not None for b in bases.values()) else 0.3)


def _totals(lines: list[str]) -> tuple[Decimal | None, Decimal | None, Decimal | None, bool]:
    """(net, vat, gross, consistent). Prefers a triple where net + vat = gross."""
    # A totals row with three amounts that add up (net, VAT, gross columns) is the best proof.
    for line in lines:
        if p.GROSS_LABELS.search(line):
            amounts = p.amounts_in(line)
            for a, b, c in zip(amounts, amounts[1:], amounts[2:], strict=False):
                if a > 0 and abs(a + b - c) <= TOLERANCE and vat_fits(a, b):
                    return a, b, c, True
    grosses = _labelled_amounts(lines, p.GROSS_LABELS)
    nets = _labelled_amounts(lines, p.NET_LABELS)
    vats = [amount for _rate, _base, amount in _vat_lines(lines)]
    vat_sum = sum(dict.fromkeys(vats), Decimal("0")) if vats else None
    candidates_vat = list(dict.fromkeys([*vats, *([vat_sum] if vat_sum is not None else [])]))
    for gross in sorted(set(grosses), reverse=True):
        for net, vat in itertools.product(nets, candidates_vat):
            if abs(net + vat - gross) <= TOLERANCE and vat_fits(net, vat):
                return net, vat, gross, True
    # Without a net, one VAT line of several taken for the VAT would also "add up": only
    # a single VAT figure (or their sum) is proof, and then only when there is one rate.
    several = len(set(vats)) > 1
    for gross in sorted(set(grosses), reverse=True):
        if gross in nets and not candidates_vat:
            return gross, Decimal("0.00"), gross, True
        for vat in [vat_sum] if several and vat_sum is not None else candidates_vat:
            if gross - vat > 0 and not nets and vat_fits(gross - vat, vat):
                return gross - vat, vat, gross, not several
    best_gross = max(grosses) if grosses else None
    best_net = max(nets) if nets else None
    if best_gross is not None and best_net is None and not candidates_vat:
        return best_gross, Decimal("0.00"), best_gross, False
    return best_net, vat_sum, best_gross, False


_NOT_A_NAME = re.compile(
    r"^(factuur|facture|invoice|rechnung|creditnota|avoir|credit note|gutschrift|page|seite|"
    r"kasticket|ticket|receipt|reçu|date|datum|total|totaal|tel|fax|e-?mail|www\.|http|"
    r"bic|iban|swift|btw|tva|vat|mwst|ust|kbo|bce|adres|adresse|address|nom|naam|name)\b",
    re.IGNORECASE,
)
_LEGAL_LINE = re.compile(
    r"si[èe]ge social|r\.?c\.?s|rpr|rpm|kbo|bce|siret|btw|tva|vat|ust|iban|handelsregister|"
    r"registergericht|kvk|capital|kapitaal",
    re.IGNORECASE,
)


def _supplier_name(segments: list[str], hints: Hints, vat_id: str) -> tuple[str, float]:
    if vat_id and vat_id in hints.known_suppliers:
        return hints.known_suppliers[vat_id], 0.95
    own = [name.lower() for name in hints.own_names if name]
    best: tuple[int, int, str] | None = None
    for index, segment in enumerate(segments):
        name = segment.split(" - ")[0].strip(" ,:")
        if (
            len(name) < 2
            or len(name) > 60
            or _NOT_A_NAME.match(name)
            or p.not_a_name(name)
            or sum(ch.isdigit() for ch in name) > 3
            or any(o and (o in name.lower() or name.lower() in o) for o in own)
        ):
            continue
        score = 0
        if p.COMPANY_FORM.search(name):
            score = 3
        elif (
            index + 1 < len(segments)
            and _LEGAL_LINE.search(segments[index + 1])
            and name.isupper()
            and len(name) >= 3
        ):
            score = 2
        elif index == 0 or (best is None and index < 3):
            score = 1
        if score and (best is None or score > best[0]):
            best = (score, index, name)
    if best is None:
        return "", 0.0
    return best[2], {3: 0.8, 2: 0.6, 1: 0.4}[best[0]]


def _id_roles(text: str, own: set[str]) -> tuple[list[str], list[str]]:
    """The roles ("buyer", "seller" or "") in which our own and the other VAT ids appear, told
    by the nearest customer or supplier label on the line or in the few lines above."""
    raw = text.splitlines()
    ours: list[str] = []
    others: list[str] = []
    for index, line in enumerate(raw):
        if not (p.VAT_ID.search(line) or p.ENTERPRISE_NUMBER.search(line)):
            continue
        found, _doubtful = _vat_ids(_without_ibans(line))
        for value in found:
            column = max(line.find(value[2:5]), 0)
            role = _role_before(line[:column])
            above = index - 1
            while not role and above >= max(index - 6, 0):
                role = _role_near(raw[above], column)
                above -= 1
            (ours if value in own else others).append(role)
    return ours, others


def _role_before(text: str) -> str:
    labels = [(m.start(), "buyer") for m in p.BUYER_LABELS.finditer(text)]
    labels += [(m.start(), "seller") for m in p.SELLER_LABELS.finditer(text)]
    return max(labels)[1] if labels else ""


def _role_near(line: str, column: int) -> str:
    labels = [(abs(m.start() - column), "buyer") for m in p.BUYER_LABELS.finditer(line)]
    labels += [(abs(m.start() - column), "seller") for m in p.SELLER_LABELS.finditer(line)]
    return min(labels)[1] if labels else ""


def _our_role(text: str, own: set[str]) -> str:
    """ "seller" when our company issued the document (our VAT id in the issuer's block)."""
    if not own:
        return ""
    ours, others = _id_roles(text, own)
    if not ours:
        return ""
    if "buyer" in ours:
        return "buyer"
    if "seller" in ours or ("buyer" in others and "seller" not in others):
        return "seller"
    return ""


def _customer_name(lines: list[str], hints: Hints) -> str:
    """The name after a customer label ('Klant: Drukkerij Van Damme NV, BTW ...'), or on the
    line below it."""
    own = [name.lower() for name in hints.own_names if name]
    for index, line in enumerate(lines):
        parts = _after(line, p.CUSTOMER_NAME_LABELS)
        for position, rest in enumerate(parts):
            candidate = rest.strip(" :/-")
            if not candidate and position == len(parts) - 1 and index + 1 < len(lines):
                candidate = lines[index + 1]  # the label ends the line: the name is below
            name = re.split(r",|\s[-–]\s|\b(?:BTW|TVA|VAT|USt)\b", candidate)[0].strip(" :/-")
            if (
                len(name) >= 2
                and not _NOT_A_NAME.match(name)
                and sum(ch.isdigit() for ch in name) <= 3
                and not any(o and o in name.lower() for o in own)
            ):
                return name[:60]
    return ""


def extract_from_text(
    text: str, *, hints: Hints | None = None, source: str = "pdf_text"
) -> TextExtraction:
    """Every field we can find in ``text``, each with its source and a confidence."""
    hints = hints or Hints()
    lines = _lines(text)
    segments = _segments(text)
    result = TextExtraction(source=source)
    confidence = LABELLED_TEXT if source == "pdf_text" else LABELLED_OCR

    def put(name: str, value: Any, level: float = confidence) -> None:
        if value not in (None, "", []):
            result.fields[name] = Found(value=value, source=source, confidence=level)

    if p.CREDIT_NOTE_WORDS.search(text[:2000]):
        result.kind_hint = "credit_note"
    elif p.RECEIPT_WORDS.search(text[:600]) or (
        p.RECEIPT_WORDS.search(text) and not p.NUMBER_LABELS.search(text)
    ):
        result.kind_hint = "receipt"
    elif p.INVOICE_WORDS.search("\n".join(lines)[:2000]):
        result.kind_hint = "invoice"

    own_vat = {v.upper() for v in hints.own_vat_ids}
    result.our_role = _our_role(text, own_vat)
    we_sell = result.our_role == "seller"
    # IBANs look like VAT numbers to a pattern (FR76 1010...): take them out first
    vat_ids, doubtful_vat_ids = _vat_ids(_without_ibans(text))
    other_vats = [v for v in vat_ids if v not in own_vat]
    result.buyer_vat_id = next((v for v in vat_ids if v in own_vat), "")
    if we_sell:
        result.buyer_vat_id = other_vats[0] if other_vats else ""
    counterparty_vat = other_vats[0] if other_vats else ""
    put("counterparty_vat_id", counterparty_vat)
    if not counterparty_vat and doubtful_vat_ids:
        # looks like a VAT number but its check digits are wrong: show it, ask to check
        counterparty_vat = doubtful_vat_ids[0]
        put("counterparty_vat_id", counterparty_vat, 0.3)
        result.warnings.append("vat_id_checksum")
    if counterparty_vat.startswith("BE"):
        put("counterparty_enterprise_number", counterparty_vat[2:])
    if we_sell:
        customer = _customer_name(lines, hints)
        put("counterparty_name", customer, 0.6 if confidence > 0.6 else confidence)
    else:
        name, name_confidence = _supplier_name(segments, hints, counterparty_vat)
        put("counterparty_name", name, min(name_confidence, confidence))

    if not we_sell:
        # on a sale the account printed is ours, not the customer's
        ibans = [i for i in _ibans(text) if i not in hints.own_ibans]
        put("counterparty_iban", ibans[0] if ibans else "")
        put("counterparty_bic", _bic(text, hints.own_ibans))
    put("structured_communication", _ogm(text))
    put("number", _number(lines))
    month_first = p.date_order(text)
    not_due = [line for line in lines if not p.DUE_LABELS.search(line)]
    number_line = next((line for line in lines if p.NUMBER_LABELS.search(line)), "")
    # the date by its plainest label, or right after a bare "Date" label; a date elsewhere
    # on the number's line or further after a "Date" label is less sure, the first date of
    # the document a guess
    issue, issue_level = None, 0.0
    for level, reading in (
        (1.0, lambda: _labelled_date(not_due, p.ISSUE_DATE_LABELS, month_first)),
        (1.0, lambda: _labelled_date(not_due, p.DATE_LABELS, month_first, direct=True)),
        (0.85, lambda: p.parse_date(number_line, month_first=month_first)),
        (0.85, lambda: _labelled_date(not_due, p.DATE_LABELS, month_first)),
        (0.6, lambda: p.parse_date("\n".join(not_due), month_first=month_first)),
    ):
        issue = reading()
        if issue:
            issue_level = level
            break
    put("issue_date", issue, round(confidence * issue_level, 2))
    due = _labelled_date(lines, p.DUE_LABELS, month_first) or _date_below(
        text, p.DUE_LABELS, month_first
    )
    if due and issue and due < issue:
        due = None
    put("due_date", due)
    put("currency", _currency(text))

    net, vat, gross, consistent = _totals(lines)
    negative = gross is not None and gross < 0
    if negative:
        # credit notes often print negative totals; the document type carries the sign
        net, vat, gross = (abs(v) if v is not None else None for v in (net, vat, gross))
        result.kind_hint = "credit_note"
    level = confidence if consistent else 0.3
    put("total_excl_vat", net, level)
    put("total_vat", vat, level)
    put("total_incl_vat", gross, level)
    if not consistent and gross is not None:
        result.warnings.append("totals_inconsistent")
    breakdown, breakdown_confidence = _breakdown(lines, net, vat, negative)
    put("vat_breakdown", breakdown, min(breakdown_confidence, level))
    not_invoice = doctype.not_invoice_kind(
        text,
        has_invoice_totals=consistent and bool(breakdown) and bool(vat),
        says_invoice=bool(result.kind_hint),
    )
    if not_invoice:
        result.kind_hint = not_invoice
        return result  # nothing to book: the invoice fields it lacks are no warnings
    for required in ("number", "issue_date", "total_incl_vat", "counterparty_name"):
        if required not in result.fields:
            result.warnings.append(f"missing_{required}")
    return result
