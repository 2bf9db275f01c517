"""Where a supplier puts its fields: learned from a page a person checked, looked at first on
that supplier's next document.

A *place* is where a checked value stood: its page, its box as fractions of the page's size
(a scan's pixels and a PDF's points then compare, and a later PDF of a supplier learned from a
scan is read the same way), and the label next to it, left on its line or above it, with the
label's own box. The totals, and whatever stood on the last page after the first, are counted
from the last page (``"page": -1``): they come after the lines, however many pages those take.

Reading with a place looks for the same label near its learned spot first: it says the layout
is the same and carries the place along when the page moved (a longer address pushes the head
down; the totals float with the number of lines, so their label is looked for all down the
page). A place learned with a label whose label is gone is not used: the supplier changed its
layout. What stands at the place must parse as the field's kind of value (an invoice number, a
date, an amount, a valid IBAN, VAT number or structured communication) or nothing is taken, and
the normal reading stands.

Pure functions: words in, places and candidates out.
"""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from apps.documents.extraction import patterns as p
from apps.documents.extraction.layout import SEPARATORS, _number_value
from apps.documents.extraction.text import TOLERANCE, _ibans, _ogm, _vat_ids
from apps.documents.extraction.words import Candidate, PageWords, Phrase, Word

# The fields whose place is learned (the totals, dates and identifiers of the reading).
LEARNED_FIELDS = (
    "counterparty_name",
    "counterparty_vat_id",
    "counterparty_iban",
    "number",
    "issue_date",
    "due_date",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "structured_communication",
)
MAX_RUN = 8  # words one value may span on its line
LABEL_MAX = 60  # characters of a label kept
# How far (fractions of the page) a learned label may have moved and still be the same label.
LABEL_REACH = (0.25, 0.15)
# Confidence of a value read at a learned place: sure, and surer with its label at its side.
WITH_LABEL = 0.95
WITHOUT_LABEL = 0.9

_LABELS: dict[str, tuple[re.Pattern[str], ...]] = {
    "number": (p.NUMBER_LABELS, p.NUMBER_WEAK_LABELS, p.TITLE_WORDS),
    "issue_date": (p.DATE_LABELS,),
    "due_date": (p.DUE_LABELS,),
    "total_excl_vat": (p.NET_ONLY_LABELS,),
    "total_vat": (p.VAT_AMOUNT_LABELS,),
    "total_incl_vat": (p.GROSS_EXPLICIT_LABELS, p.GROSS_PAYABLE_LABELS, p.GROSS_WEAK_LABELS),
    "counterparty_iban": (p.BANK_WORDS,),
    "counterparty_vat_id": (p.VAT_LABELS,),
}
_TOTALS = ("total_excl_vat", "total_vat", "total_incl_vat")


def _name(text: str) -> str | None:
    text = text.strip(" :,")
    if not re.search(r"[^\W\d_]", text) or len(text) > 200 or p.not_a_name(text):
        return None
    return text


def _number(text: str) -> str | None:
    found = _number_value(text)
    return found[0] if found else None


def _last(values: list[Any]) -> Any:
    return values[-1] if values else None


def _first(values: list[Any]) -> Any:
    return values[0] if values else None


def parser(name: str, *, month_first: bool = False) -> Callable[[str], Any]:
    """The reader's own parser for a field's kind of value: text in, value or None out."""
    if name == "number":
        return _number
    if name in ("issue_date", "due_date"):
        return lambda text: p.parse_date(text, month_first=month_first)
    if name in _TOTALS:
        return lambda text: _last(p.amounts_in(text))
    if name == "counterparty_iban":
        return lambda text: _first(_ibans(text))
    if name == "counterparty_vat_id":
        return lambda text: _first(_vat_ids(text)[0])
    if name == "structured_communication":
        return lambda text: _ogm(text) or None
    return _name


def _same(name: str, found: Any, value: Any) -> bool:
    if found is None:
        return False
    if name in _TOTALS:
        return abs(Decimal(found)) == abs(Decimal(value))
    if isinstance(value, datetime.date):
        return bool(found == value)
    return re.sub(r"\s", "", str(found)).casefold() == re.sub(r"\s", "", str(value)).casefold()


def _fractions(page: PageWords, x0: float, top: float, x1: float, bottom: float) -> list[float]:
    return [
        round(x0 / page.width, 4),
        round(top / page.height, 4),
        round(x1 / page.width, 4),
        round(bottom / page.height, 4),
    ]


def _label_text(text: str) -> str:
    """A label as compared: without its VAT rate ("Btw 21 %" and "Btw 6 %" are one label)."""
    text = re.sub(r"\d{1,2}(?:[.,]\d{1,2})?\s?%", " ", text)
    return re.sub(r"\s+", " ", text).strip(SEPARATORS).casefold()[:LABEL_MAX]


_CURRENCY = re.compile(r"[€$£]|EUR|USD|GBP", re.IGNORECASE)


def _is_label(text: str) -> bool:
    """Words, not a value: "€", "EUR", the next cell's "VD/26/0042" or a date are no label."""
    letters = len(re.findall(r"[^\W\d_]", text))
    return (
        letters > sum(ch.isdigit() for ch in text)
        and not _CURRENCY.fullmatch(text)
        and p.parse_date(text) is None
        and not p.amounts_in(text)
    )


def _label(page: PageWords, phrase: Phrase, first: int, words: list[Word]) -> tuple[str, Any]:
    """The label of a value made of ``words`` (from index ``first`` of ``phrase``): the words
    before it in its phrase (less a currency: "Totaal EUR 12,00"), else the phrase left of it
    on its line, else the phrase above it in its column (within two lines); the first of these
    that reads as a label. ("", None) when there is none."""
    before_words = list(phrase.words[:first])
    while before_words and _CURRENCY.fullmatch(before_words[-1].text):
        before_words.pop()
    options: list[list[Phrase | Word]] = [list(before_words)]
    left = [o for o in page.lines[phrase.line].phrases if o.x1 <= phrase.x0]
    if left:
        options.append([left[-1]])
    x0, x1 = words[0].x0, words[-1].x1
    for line in reversed(page.lines[max(phrase.line - 2, 0) : phrase.line]):
        if phrase.top - line.bottom > 2.5 * phrase.height:
            break
        column = [o for o in line.phrases if o.x0 < x1 and x0 < o.x1]
        if column:
            options.append([column[0]])
            break
    for before in options:
        text = _label_text(" ".join(item.text for item in before))
        if before and _is_label(text):
            box = page.box(*before)
            return text, _fractions(page, box.x0, box.top, box.x1, box.bottom)
    return "", None


def locate(
    name: str, value: Any, pages: list[PageWords], *, month_first: bool = False
) -> dict[str, Any] | None:
    """Where ``value`` of field ``name`` stands among the words: a place to remember, or None
    when it stands nowhere (written by hand, read from an e-invoice, typed by the person).

    Of several occurrences, one beside a label of its kind wins, then one beside any label;
    then the last for a total (the totals box is under the lines), the first otherwise."""
    if value in (None, ""):
        return None
    parse = parser(name, month_first=month_first)
    found: list[tuple[int, float, dict[str, Any]]] = []
    for page in pages:
        for phrase in page.phrases:
            runs: list[tuple[int, int]] = []
            for start in range(len(phrase.words)):
                for end in range(start + 1, min(start + MAX_RUN, len(phrase.words)) + 1):
                    if _same(name, parse(" ".join(w.text for w in phrase.words[start:end])), value):
                        runs.append((start, end))
                        break
            # the tightest: a run around another one carries its label along
            runs = [
                r for r in runs if not any(o != r and r[0] <= o[0] and o[1] <= r[1] for o in runs)
            ]
            for start, end in runs:
                words = phrase.words[start:end]
                label, label_box = _label(page, phrase, start, words)
                strength = 0
                if label:
                    strength = 2 if any(pt.search(label) for pt in _LABELS.get(name, ())) else 1
                box = page.box(*words)
                last = page.index == pages[-1].index and (name in _TOTALS or page.index > 0)
                place: dict[str, Any] = {
                    "page": -1 if last else page.index,
                    "box": _fractions(page, box.x0, box.top, box.x1, box.bottom),
                }
                if label:
                    place["label"], place["label_box"] = label, label_box
                order = page.index + box.top / page.height
                found.append((strength, order if name in _TOTALS else -order, place))
    if not found:
        return None
    return max(found, key=lambda item: (item[0], item[1]))[2]


def _starts_with(text: str, label: str, name: str) -> bool:
    """Whether a phrase is the label, or the label and then its value ("factuurnr: 12",
    "totaal eur 12,00", "btw be 0812.345.603"), not a longer label ("totaal excl. btw" is not
    "totaal", "btw-nr." is not "btw")."""
    if not text.startswith(label):
        return False
    tokens = re.sub(r"^\s*(?:eur|usd|gbp|€)(?!\w)", "", text[len(label) :]).split()
    first = tokens[0].strip(":#°") if tokens else ""
    if not first or any(ch.isdigit() for ch in first):
        return True
    # a VAT number or an account spaced after its country: "BE 0812 345 603"
    return (
        name in ("counterparty_vat_id", "counterparty_iban")
        and len(first) == 2
        and len(tokens) > 1
        and tokens[1][:1].isdigit()
    )


# Words that belong to a value beside its first word: a thousands group ("5 556,15"), a
# currency, a day, a month or a year ("3 september 2026"), so that a value wider than the
# one learned is read whole.
_PART_OF = {
    "amount": re.compile(r"-?\d{1,3}|[€$£-]|EUR", re.IGNORECASE),
    "date": re.compile(rf"\d{{1,4}}[.,]?|(?:{p._MONTH_NAMES})\.?,?", re.IGNORECASE),
}


def _whole(page: PageWords, words: list[Word], name: str) -> list[Word]:
    """``words`` with the neighbours in their phrase that are part of the same value."""
    part = _PART_OF["amount"] if name in _TOTALS else None
    if name in ("issue_date", "due_date"):
        part = _PART_OF["date"]
    if part is None:
        return words
    phrase = next((ph for ph in page.phrases if words[0] in ph.words), None)
    if phrase is None:
        return words
    inside = [i for i, word in enumerate(phrase.words) if word in words]
    start, end = inside[0], inside[-1] + 1
    while start > 0 and part.fullmatch(phrase.words[start - 1].text):
        start -= 1
    # an amount ends where it was learned to end (right-aligned); a date may run on
    while (
        name not in _TOTALS and end < len(phrase.words) and part.fullmatch(phrase.words[end].text)
    ):
        end += 1
    return phrase.words[start:end] + [word for word in words if word not in phrase.words]


def _overlaps(word: Word, x0: float, top: float, x1: float, bottom: float) -> bool:
    """Most of the word (or of the place, when the word is the longer) within the place."""
    across = min(word.x1, x1) - max(word.x0, x0)
    middle = (word.top + word.bottom) / 2
    return across >= 0.5 * min(word.x1 - word.x0, x1 - x0) and top <= middle <= bottom


def recall(
    place: dict[str, Any], name: str, pages: list[PageWords], *, month_first: bool = False
) -> Candidate | None:
    """The value of field ``name`` at its learned ``place`` on this document, or None."""
    if place.get("page") == -1:
        page = pages[-1] if pages else None
    else:
        page = next((page for page in pages if page.index == place.get("page")), None)
    if page is None:
        return None
    x0, top, x1, bottom = (
        place["box"][0] * page.width,
        place["box"][1] * page.height,
        place["box"][2] * page.width,
        place["box"][3] * page.height,
    )
    label = place.get("label", "")
    if label:
        learned = place["label_box"]
        best: tuple[float, Phrase] | None = None
        for phrase in page.phrases:
            if not _starts_with(_label_text(phrase.text), label, name):
                continue
            dx = phrase.x0 / page.width - learned[0]
            dy = phrase.top / page.height - learned[1]
            # what stands after the lines moves with their number: anywhere down the page
            if abs(dx) <= LABEL_REACH[0] and (place["page"] == -1 or abs(dy) <= LABEL_REACH[1]):
                distance = dx * dx + dy * dy
                if best is None or distance < best[0]:
                    best = (distance, phrase)
        if best is None:
            return None
        anchor = best[1]
        dx = anchor.x0 - learned[0] * page.width
        dy = anchor.top - learned[1] * page.height
        x0, x1, top, bottom = x0 + dx, x1 + dx, top + dy, bottom + dy
    # a little room for a shift smaller than a line
    slack = 0.3 * (bottom - top)
    words = [
        word
        for line in page.lines
        for phrase in line.phrases
        for word in phrase.words
        if _overlaps(word, x0, top - slack, x1, bottom + slack)
    ]
    if not words:
        return None
    words = _whole(page, words, name)
    value = parser(name, month_first=month_first)(" ".join(word.text for word in words))
    if value is None:
        return None
    return Candidate(
        value=value,
        score=WITH_LABEL if label else WITHOUT_LABEL,
        box=page.box(*words),
        how="learned",
    )


def agreeing(recalled: dict[str, Candidate], current: dict[str, Any]) -> dict[str, Candidate]:
    """The recalled values that agree with the rest of the document (``current``: the values
    read otherwise): net + VAT = gross with the recalled totals in, the issue date not after
    the due date. Totals that don't add up, or dates out of order, are all dropped."""
    kept = dict(recalled)
    merged = {**current, **{name: c.value for name, c in recalled.items()}}
    net, vat, gross = (merged.get(name) for name in _TOTALS)
    if (
        net is not None
        and vat is not None
        and gross is not None
        and abs(abs(net) + abs(vat) - abs(gross)) > TOLERANCE
    ):
        for name in _TOTALS:
            kept.pop(name, None)
    issue, due = merged.get("issue_date"), merged.get("due_date")
    if issue is not None and due is not None and issue > due:
        kept.pop("issue_date", None)
        kept.pop("due_date", None)
    return kept
