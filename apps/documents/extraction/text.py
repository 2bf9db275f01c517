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

from apps.documents.extraction import patterns as p

TOLERANCE = Decimal("0.02")


@dataclass(frozen=True)
class Hints:
    """What the caller knows: our company's identifiers (the buyer on purchase invoices) and
    known suppliers by VAT number, so that the supplier is told apart from ourselves."""

    own_vat_ids: frozenset[str] = frozenset()
    own_ibans: frozenset[str] = frozenset()
    own_names: tuple[str, ...] = ()
    known_suppliers: dict[str, str] = field(default_factory=dict)  # VAT id -> name


@dataclass
class Found:
    value: Any
    source: str
    confidence: float


@dataclass
class TextExtraction:
    fields: dict[str, Found] = field(default_factory=dict)
    kind_hint: str = "invoice"  # invoice, credit_note, receipt
    buyer_vat_id: str = ""
    warnings: list[str] = field(default_factory=list)

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


def _labelled_date(lines: list[str], label: re.Pattern[str]) -> Any:
    for line in lines:
        for rest in _after(line, label):
            found = p.parse_date(rest[:60])
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
    found = []
    for match in p.IBAN.finditer(text):
        try:
            value = str(stdnum_iban.validate(match.group(1)))
        except StdnumError:
            continue
        if value not in found:
            found.append(value)
    return found


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


def _vat_lines(lines: list[str]) -> list[tuple[Decimal | None, Decimal]]:
    """(rate, VAT amount) from lines like 'BTW 21% € 124,61' or 'TVA 20% : 9,34 €'."""
    found = []
    for line in lines:
        if p.NET_LABELS.search(line) and not re.search(r"\d\s?%", line):
            continue
        if p.VAT_ID.search(line) or re.search(
            r"capital|kapitaal|stammkapital", line, re.IGNORECASE
        ):
            continue  # a VAT number or share capital, not a VAT amount
        for rest in _after(line, p.VAT_LABELS):
            rate_match = re.match(r"[^\d]{0,25}?(\d{1,2}(?:[.,]\d{1,2})?)\s?%", rest)
            rate = Decimal(rate_match.group(1).replace(",", ".")) if rate_match else None
            tail = rest[rate_match.end() :] if rate_match else rest
            amounts = p.amounts_in(tail)
            if amounts:
                # columns read base ... VAT: the VAT amount is the last one
                found.append((rate, amounts[-1]))
    return found


def _totals(lines: list[str]) -> tuple[Decimal | None, Decimal | None, Decimal | None, bool]:
    """(net, vat, gross, consistent). Prefers a triple where net + vat = gross."""
    # A totals row with three amounts that add up (net, VAT, gross columns) is the best proof.
    for line in lines:
        if p.GROSS_LABELS.search(line):
            amounts = p.amounts_in(line)
            for a, b, c in zip(amounts, amounts[1:], amounts[2:], strict=False):
                if a > 0 and abs(a + b - c) <= TOLERANCE:
                    return a, b, c, True
    grosses = _labelled_amounts(lines, p.GROSS_LABELS)
    nets = _labelled_amounts(lines, p.NET_LABELS)
    vat_lines = _vat_lines(lines)
    vats = [amount for _rate, amount in vat_lines]
    vat_sum = sum(dict.fromkeys(vats), Decimal("0")) if vats else None
    candidates_vat = list(dict.fromkeys([*vats, *([vat_sum] if vat_sum is not None else [])]))
    for gross in sorted(set(grosses), reverse=True):
        for net, vat in itertools.product(nets, candidates_vat):
            if abs(net + vat - gross) <= TOLERANCE:
                return net, vat, gross, True
    for gross in sorted(set(grosses), reverse=True):
        if gross in nets and not candidates_vat:
            return gross, Decimal("0.00"), gross, True
        for vat in candidates_vat:
            if gross - vat > 0 and not nets:
                return gross - vat, vat, gross, True
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


def extract_from_text(
    text: str, *, hints: Hints | None = None, source: str = "pdf_text"
) -> TextExtraction:
    """Every field we can find in ``text``, each with its source and a confidence."""
    hints = hints or Hints()
    lines = _lines(text)
    segments = _segments(text)
    result = TextExtraction()
    confidence = 0.9 if source == "pdf_text" else 0.7

    def put(name: str, value: Any, level: float = confidence) -> None:
        if value not in (None, "", []):
            result.fields[name] = Found(value=value, source=source, confidence=level)

    if p.CREDIT_NOTE_WORDS.search(text[:2000]):
        result.kind_hint = "credit_note"
    elif p.RECEIPT_WORDS.search(text[:600]) or (
        p.RECEIPT_WORDS.search(text) and not p.NUMBER_LABELS.search(text)
    ):
        result.kind_hint = "receipt"

    # IBANs look like VAT numbers to a pattern (FR76 1010...): take them out first
    vat_ids, doubtful_vat_ids = _vat_ids(_without_ibans(text))
    own_vat = {v.upper() for v in hints.own_vat_ids}
    supplier_vats = [v for v in vat_ids if v not in own_vat]
    result.buyer_vat_id = next((v for v in vat_ids if v in own_vat), "")
    supplier_vat = supplier_vats[0] if supplier_vats else ""
    put("counterparty_vat_id", supplier_vat)
    if not supplier_vat and doubtful_vat_ids:
        # looks like a VAT number but its check digits are wrong: show it, ask to check
        supplier_vat = doubtful_vat_ids[0]
        put("counterparty_vat_id", supplier_vat, 0.3)
        result.warnings.append("vat_id_checksum")
    if supplier_vat.startswith("BE"):
        put("counterparty_enterprise_number", supplier_vat[2:])
    name, name_confidence = _supplier_name(segments, hints, supplier_vat)
    put("counterparty_name", name, min(name_confidence, confidence))

    ibans = [i for i in _ibans(text) if i not in hints.own_ibans]
    put("counterparty_iban", ibans[0] if ibans else "")
    bic = p.BIC.search(text)
    put("counterparty_bic", bic.group(1) if bic else "")
    put("structured_communication", _ogm(text))
    put("number", _number(lines))
    not_due = [line for line in lines if not p.DUE_LABELS.search(line)]
    number_line = next((line for line in lines if p.NUMBER_LABELS.search(line)), "")
    issue = (
        _labelled_date(not_due, p.ISSUE_DATE_LABELS)
        or p.parse_date(number_line)
        or _labelled_date(not_due, p.DATE_LABELS)
        or p.parse_date("\n".join(not_due))
    )
    put("issue_date", issue)
    due = _labelled_date(lines, p.DUE_LABELS)
    if due and issue and due < issue:
        due = None
    put("due_date", due)
    put("currency", _currency(text))

    net, vat, gross, consistent = _totals(lines)
    if gross is not None and gross < 0:
        # credit notes often print negative totals; the document type carries the sign
        net, vat, gross = (abs(v) if v is not None else None for v in (net, vat, gross))
        result.kind_hint = "credit_note"
    level = confidence if consistent else 0.3
    put("total_excl_vat", net, level)
    put("total_vat", vat, level)
    put("total_incl_vat", gross, level)
    if not consistent and gross is not None:
        result.warnings.append("totals_inconsistent")
    rates = [(rate, amount) for rate, amount in _vat_lines(lines) if rate is not None]
    if net is not None and vat is not None and len({rate for rate, _ in rates}) == 1:
        rate = rates[0][0]
        put(
            "vat_breakdown",
            [{"rate": str(rate), "taxable_amount": str(net), "tax_amount": str(vat)}],
        )
    elif rates:
        put(
            "vat_breakdown",
            [
                {
                    "rate": str(rate),
                    "taxable_amount": str((amount * 100 / rate).quantize(Decimal("0.01")))
                    if rate
                    else "0.00",
                    "tax_amount": str(amount),
                }
                for rate, amount in dict.fromkeys(rates)
            ],
            0.5,
        )
    for required in ("number", "issue_date", "total_incl_vat", "counterparty_name"):
        if required not in result.fields:
            result.warnings.append(f"missing_{required}")
    return result
