"""Invoice fields found by where they stand on the page, as a bookkeeper reads them.

A value belongs to its label when it follows it in the same phrase, stands right of it on the
same line, or below it in the same column (a box, a table header over its row). The invoice
number may also be the document's title ("FACTUUR 2026-0131"). Each field gets candidates
with a score (the label's strength, where the value is, whether it has the right form) and the
totals are chosen together, so that net + VAT = gross and rate × net = VAT.

The two parties are told apart by their blocks (``parties.py``); the seller's VAT number,
name and account replace the text reader's when the layout is surer.

``read`` combines this with the line-based text reader (``text.extract_from_text``), which
stays the fallback for every field the layout gives no better candidate for.
"""

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

from apps.documents.extraction import patterns as p
from apps.documents.extraction.parties import PartyReading, median_height, read_parties
from apps.documents.extraction.text import (
    LABELLED_OCR,
    LABELLED_TEXT,
    SURE,
    TOLERANCE,
    Found,
    Hints,
    TextExtraction,
    _plausible,
    _vat_ids,
    extract_from_text,
    vat_fits,
)
from apps.documents.extraction.words import Box, Candidate, PageWords, Phrase, on_original

# The most a value is worth when the text reader and the layout read different values for it.
DISAGREED = 0.85
# How much a value's place says, relative to its label.
PLACE = {"same": 1.0, "right": 0.95, "below": 0.85, "title": 0.8}
_ID_TOKEN = re.compile(r"^[#:°.]*([A-Z0-9][A-Z0-9\-/._]*[A-Z0-9]|\d)[.,;:]?$", re.IGNORECASE)
# What stands between a label and its value: a colon, a hash, dashes, a bar.
SEPARATORS = " :#-–—|"
_AMOUNT_ONLY = re.compile(r"^-?\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}$")


def _under(page: PageWords, phrase: Phrase) -> Phrase | None:
    """The phrase on the next line that continues ``phrase`` in a narrow cell: it starts
    where ``phrase`` starts (or within it) and follows it closely."""
    if phrase.line + 1 >= len(page.lines):
        return None
    line = page.lines[phrase.line + 1]
    if line.top - phrase.bottom > 0.8 * phrase.height:
        return None
    for other in line.phrases:
        # aligned on the left, and no wider than a cell's column
        width = max(phrase.x1, other.x1) - phrase.x0
        if abs(other.x0 - phrase.x0) <= phrase.height and width <= 15 * phrase.height:
            return other
    return None


def _labels(page: PageWords, phrase: Phrase) -> list[tuple[str, Phrase, int]]:
    """The label texts a phrase can start: itself, and itself with the line under it when a
    narrow cell wrapped the label ("Numéro de" over "facture"). Each with the phrase the
    value follows and how many characters of the text stand before that phrase."""
    found = [(phrase.text, phrase, 0)]
    under = _under(page, phrase)
    if under is not None and len(phrase.text) <= 25:
        found.append((f"{phrase.text} {under.text}", under, len(phrase.text) + 1))
    return found


def _near(
    page: PageWords, phrase: Phrase, start: int, end: int, *, wrapped: bool = False
) -> list[tuple[str, list[Phrase], str]]:
    """What stands after the label at ``phrase.text[start:end]``: the rest of the phrase,
    then the nearest phrase right of it on the line, then the phrase under the label in the
    same column (within two lines). With ``wrapped``, also the value under the label joined
    with the line under it, for a value a narrow cell wrapped ("2026-" over "F1464", "30
    octobre" over "2026")."""
    found: list[tuple[str, list[Phrase], str]] = []
    rest = phrase.text[end:].strip(SEPARATORS)
    if rest:
        found.append((rest, [phrase], "same"))
    line = page.lines[phrase.line]
    right = [other for other in line.phrases if other.x0 >= phrase.x1 - 0.5]
    if right:
        found.append((right[0].text, [right[0]], "right"))
    label_x0 = phrase.x0 if start == 0 else phrase.x0 + (phrase.x1 - phrase.x0) * 0.3
    for below_line in page.lines[phrase.line + 1 : phrase.line + 3]:
        if below_line.top - phrase.bottom > 2.5 * phrase.height:
            break
        column = [
            other
            for other in below_line.phrases
            if other.x0 < phrase.x1 + phrase.height and label_x0 - phrase.height < other.x1
        ]
        if column:
            found.append((column[0].text, [column[0]], "below"))
            cell, text = [column[0]], column[0].text
            while wrapped and len(cell) < 3 and (more := _under(page, cell[-1])) is not None:
                text += ("" if text.endswith(("-", "/", ".")) else " ") + more.text
                cell.append(more)
                found.append((text, list(cell), "below"))
            break
    return found


def _number_value(text: str) -> tuple[str, float] | None:
    """The invoice number at the start of ``text`` and how much it looks like one."""
    tokens = text.split()
    if not tokens:
        return None
    token = tokens[0]
    if token.lower() in {"n°", "nr", "nr.", "no", "no.", "#", ":"} and len(tokens) > 1:
        token = tokens[1]
    match = _ID_TOKEN.match(token)
    if not match:
        return None
    value = match.group(1)
    digits = sum(ch.isdigit() for ch in value)
    if not digits or len(value) > 30 or _AMOUNT_ONLY.match(value):
        return None
    if p.parse_date(value) and re.fullmatch(r"[\d./-]+", value):
        return None  # a date
    if _vat_ids(value)[0] or stdnum_iban.is_valid(value):
        return None
    if digits < 3:
        return value, 0.4
    return value, 1.0


def _numbers(page: PageWords) -> list[Candidate]:
    candidates = []
    median = median_height(page)
    for phrase in page.phrases:
        text = phrase.text
        # the number sits in the document's head; lower down a label names something else
        # more often (a bank's or a register's number)
        position = 1.0 if phrase.top < page.height / 2 else 0.85
        labels = [(m, 1.0) for m in p.NUMBER_LABELS.finditer(text)]
        if not labels:
            labels = [(m, 0.9) for m in p.TITLE_AS_LABEL.finditer(text)]  # "Facture : 123"
        whole = p.TITLE_WORDS.fullmatch(text.strip(" :"))
        if not labels and whole and phrase.height < 1.25 * median:
            labels = [(whole, 0.75)]  # a table header "Factuur" over its number, not a title
        if not labels and not p.NOT_THE_INVOICE_NUMBER.search(text):
            labels = [(m, 0.65) for m in p.NUMBER_WEAK_LABELS.finditer(text) if m.start() <= 2]
        anchors = [(match, strength, phrase, 0, text) for match, strength in labels]
        if not any(strength == 1.0 for _match, strength in labels):
            # a label a narrow cell wrapped over two lines ("Numéro de" over "facture")
            for joined, under, offset in _labels(page, phrase)[1:]:
                anchors += [
                    (match, 1.0, under, offset, joined)
                    for match in p.NUMBER_LABELS.finditer(joined)
                    if match.start() < offset < match.end()
                ]
        for match, strength, anchor, offset, label_text in anchors:
            if p.OTHER_DOCUMENTS_NUMBER.search(label_text[: match.start()]):
                continue
            start, end = max(match.start() - offset, 0), match.end() - offset
            for value_text, phrases, how in _near(page, anchor, start, end, wrapped=True):
                if offset and how == "right":
                    continue  # beside a wrapped label's second line stands the next cell
                value = _number_value(value_text)
                if value is None:
                    continue
                candidates.append(
                    Candidate(
                        value=value[0],
                        score=strength * position * PLACE[how] * value[1],
                        box=page.box(*phrases),
                        how=how,
                    )
                )
                break
        title = p.TITLE_WORDS.match(text)
        if title and title.start() == 0:
            rest = text[title.end() :].strip(SEPARATORS)
            same = _number_value(rest) if rest else None
            if same is None:
                right = [o for o in page.lines[phrase.line].phrases if o.x0 >= phrase.x1 - 0.5]
                same = _number_value(right[0].text) if right else None
                phrases = [phrase, right[0]] if same and right else [phrase]
            else:
                phrases = [phrase]
            if same is not None:
                big = phrase.height >= 1.25 * median or text[: title.end()].isupper()
                candidates.append(
                    Candidate(
                        value=same[0],
                        score=(0.85 if big else 0.6) * position * same[1] * PLACE["title"],
                        box=page.box(*phrases),
                        how="title",
                    )
                )
    return candidates


def _dates(page: PageWords, label: re.Pattern[str], month_first: bool) -> list[Candidate]:
    candidates = []
    for phrase in page.phrases:
        for text, anchor, offset in _labels(page, phrase):
            matches = [
                m
                for m in label.finditer(text)
                if m.start() <= 2 and (not offset or m.end() > offset)
            ]
            for match in matches:
                start, end = max(match.start() - offset, 0), match.end() - offset
                for value_text, phrases, how in _near(page, anchor, start, end, wrapped=True):
                    value = p.parse_date(value_text[:40], month_first=month_first)
                    if value is not None:
                        candidates.append(Candidate(value, PLACE[how], page.box(*phrases), how))
                        break
            if matches:
                break  # the label on its own line: no need for the line under it
    return candidates


# ---------------------------------------------------------------------------------- totals


def _total_kind(text: str) -> tuple[str, float] | None:
    """Which total a label phrase names, and how plainly: ("gross", 1.0) for "Totaal incl.
    btw", ("net", 1.0) for "Total HT", ("vat", 0.9) for "Btw 21 %"."""
    head = text[:60]
    if p.NOT_A_TOTAL.search(head):
        return None
    for pattern, kind, strength in (
        (p.GROSS_EXPLICIT_LABELS, "gross", 1.0),
        (p.NET_ONLY_LABELS, "net", 1.0),
        (p.GROSS_PAYABLE_LABELS, "gross", 0.9),
        (p.VAT_AMOUNT_LABELS, "vat", 0.9),
        (p.GROSS_WEAK_LABELS, "gross", 0.6),
    ):
        match = pattern.search(head)
        if match and match.start() <= 3:
            return kind, strength
    return None


_RATE = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%")


@dataclass
class _Amount:
    kind: str
    value: Decimal
    score: float
    box: Box
    rate: Decimal | None = None
    base: Decimal | None = None


def _label_amount_pairs(text: str) -> list[tuple[str, str, Decimal]]:
    """A phrase that holds several totals one after the other ("Subtotaal € 870,49 · Btw
    € 108,49"): (kind, label, amount) of each, when at least two name a total."""
    pairs = []
    start = 0
    for match in p.AMOUNT.finditer(text):
        value = p.parse_amount(match.group(0))
        label = text[start : match.start()].strip(" ·|;,-–:€$")
        start = match.end()
        kind = _total_kind(label) if value is not None else None
        if kind is not None and value is not None:
            pairs.append((kind[0], label, value))
    return pairs if len({kind for kind, _label, _value in pairs}) >= 2 else []


def _amounts(page: PageWords) -> list[_Amount]:
    found: list[_Amount] = []
    for phrase in page.phrases:
        if p.VAT_ID.search(phrase.text) and not _RATE.search(phrase.text):
            continue
        position = 0.85 + 0.15 * min(phrase.top / max(page.height, 1.0), 1.0)
        pairs = _label_amount_pairs(phrase.text)
        for name, label, value in pairs:
            rate_match = _RATE.search(label)
            rate = Decimal(rate_match.group(1).replace(",", ".")) if rate_match else None
            strength = (_total_kind(label) or (name, 0.6))[1]
            found.append(_Amount(name, value, strength * position, page.box(phrase), rate))
        if pairs:
            continue
        kind = _total_kind(phrase.text)
        if kind is None:
            found.extend(_unnamed_total(page, phrase, position))
            continue
        name, strength = kind
        rate_match = _RATE.search(phrase.text)
        rate = Decimal(rate_match.group(1).replace(",", ".")) if rate_match else None
        line = page.lines[phrase.line]
        rest = phrase.text[rate_match.end() :] if rate_match else phrase.text
        values = p.amounts_in(rest)
        right = [other for other in line.phrases if other.x0 >= phrase.x1 - 0.5]
        right_amounts: list[tuple[Decimal, Phrase]] = [
            (amount, other) for other in right for amount in p.amounts_in(other.text)
        ]
        if values and not (name == "vat" and right_amounts):
            found.append(
                _Amount(name, values[-1], strength * position, page.box(phrase), rate, None)
            )
        elif right_amounts:
            if (
                name == "gross"
                and strength < 1
                and len(right_amounts) == 3
                and right_amounts[0][0] > 0
                and abs(right_amounts[0][0] + right_amounts[1][0] - right_amounts[2][0])
                <= TOLERANCE
            ):
                # a totals row in net, VAT and gross columns
                for (amount, other), column in zip(
                    right_amounts, ("net", "vat", "gross"), strict=True
                ):
                    found.append(_Amount(column, amount, position, page.box(other)))
                continue
            amount, other = right_amounts[-1]
            # "Btw 21 % (1.856,71)  389,91": the rate's base in the label, its VAT after
            bases = [a for a, _other in right_amounts[:-1]] or values
            base = bases[-1] if bases else None
            if name == "vat" and (
                rate is None or base is None or not _plausible(base, rate, amount)
            ):
                base = None
            found.append(
                _Amount(
                    name, amount, strength * position * 0.97, page.box(phrase, other), rate, base
                )
            )
        else:
            for value_text, phrases, how in _near(page, phrase, 0, len(phrase.text)):
                if how != "below":
                    continue
                below = p.amounts_in(value_text)
                if below:
                    found.append(
                        _Amount(
                            name,
                            below[-1],
                            strength * position * PLACE[how],
                            page.box(phrase, *phrases),
                            rate,
                        )
                    )
    found.extend(_summary_rows(page))
    return found


_WORDS_ONLY = re.compile(r"[^\W\d_][^\d]{2,38}", re.UNICODE)


def _unnamed_total(page: PageWords, phrase: Phrase, position: float) -> list[_Amount]:
    """A total whose label the reader does not know ("Eindbedrag", "Grand total"): a label of
    words with a single amount right of it, in the lower part of the page. Weak, and only a
    gross: it counts when it is the sum of the net and the VAT read beside it."""
    if phrase.top < page.height * 0.25 or not _WORDS_ONLY.fullmatch(phrase.text.strip()):
        return []
    if p.NOT_A_TOTAL.search(phrase.text):
        return []
    right = [other for other in page.lines[phrase.line].phrases if other.x0 >= phrase.x1 - 0.5]
    amounts = [(amount, other) for other in right for amount in p.amounts_in(other.text)]
    if len(amounts) != 1 or len(right) > 2:
        return []
    amount, other = amounts[0]
    return [_Amount("gross", amount, 0.4 * position, page.box(phrase, other))]


def _summary_rows(page: PageWords) -> list[_Amount]:
    """Rows of a VAT summary whose header OCR lost or that never had one: three amounts on a
    line without a total's label (a rate beside them allowed) where the first and second add
    up to the third and the second is a VAT of the first. Weak on their own; they count when
    a labelled total agrees with them."""
    rows = []
    for line in page.lines:
        if any(_total_kind(phrase.text) for phrase in line.phrases):
            continue
        rates = [m for ph in line.phrases if (m := _RATE.fullmatch(ph.text.strip(" |")))]
        amounts = [
            (amount, phrase)
            for phrase in line.phrases
            if not _RATE.fullmatch(phrase.text.strip(" |"))
            for amount in p.amounts_in(phrase.text)
        ]
        if len(amounts) != 3:
            continue
        (net, net_at), (vat, vat_at), (gross, gross_at) = amounts
        rate = Decimal(rates[0].group(1).replace(",", ".")) if rates else None
        if (
            net <= 0
            or abs(net + vat - gross) > TOLERANCE
            or not vat_fits(net, vat)
            or (rate is not None and not _plausible(net, rate, vat))
        ):
            continue
        rows += [
            _Amount("net", net, 0.5, page.box(net_at)),
            _Amount("vat", vat, 0.5, page.box(vat_at), rate),
            _Amount("gross", gross, 0.5, page.box(gross_at)),
        ]
    return rows


def _choose_totals(
    amounts: list[_Amount],
) -> tuple[_Amount | None, _Amount | None, _Amount | None, bool]:
    """The (net, VAT, gross) that agree best: net + VAT = gross, each VAT line its rate of
    its base; among those, the highest label scores and the largest gross."""
    if not amounts:
        return None, None, None, False
    nets = sorted((a for a in amounts if a.kind == "net"), key=lambda a: -a.score)[:6]
    grosses = sorted((a for a in amounts if a.kind == "gross"), key=lambda a: -a.score)[:8]
    vat_lines = [a for a in amounts if a.kind == "vat"]
    vats = sorted(vat_lines, key=lambda a: -a.score)[:6]
    rated = {(a.rate, a.value): a for a in vat_lines if a.rate is not None}
    if len(rated) > 1:
        total = sum((a.value for a in rated.values()), Decimal("0"))
        first = next(iter(rated.values()))
        vats.append(_Amount("vat", total, first.score, first.box))
    best: tuple[float, Any] | None = None
    for gross in grosses:
        options: list[tuple[_Amount | None, _Amount | None]] = list(
            itertools.product([*nets, None], [*vats, None])
        )
        for net, vat in options:
            score = gross.score
            agree = False
            if net is not None and vat is not None:
                agree = abs(net.value + vat.value - gross.value) <= TOLERANCE and vat_fits(
                    net.value, vat.value
                )
                score += (net.score + vat.score) / 2 + (2.0 if agree else -0.5)
                if agree and vat.rate is not None and _plausible(net.value, vat.rate, vat.value):
                    score += 0.3
            elif net is not None:
                agree = net.value == gross.value and not vats
                score += 0.5 if agree else -0.3
            elif vat is not None:
                score -= 0.3
            if gross.value <= 0 and any(a.value > 0 for a in grosses):
                score -= 1
            score += float(gross.value) * 1e-9  # the larger on a tie
            if best is None or score > best[0]:
                best = (score, (net, vat, gross, agree))
    if best is None:
        return None, None, None, False
    net, vat, gross, agree = best[1]
    return net, vat, gross, agree


# ------------------------------------------------------------------------------------ read


def _best(candidates: list[Candidate]) -> Candidate | None:
    return max(candidates, key=lambda c: c.score, default=None)


def read(
    text: str,
    pages: list[PageWords],
    *,
    hints: Hints | None = None,
    source: str = "pdf_text",
) -> TextExtraction:
    """Every field of the document: the layout's best candidate where it has one at least as
    good as the text reader's, the text reader's otherwise. A field taken from the layout
    keeps its box."""
    hints = hints or Hints()
    result = extract_from_text(text, hints=hints, source=source)
    if not pages:
        return result
    ocr = source != "pdf_text"
    sure = LABELLED_OCR if ocr else LABELLED_TEXT  # the text reader's, for a labelled value

    def offer(
        name: str, candidate: Candidate | None, level: float, *, checked: bool = False
    ) -> None:
        """Take the candidate when the text reader has nothing, or something else with
        less confidence. When both read a value and they differ, the one kept is not sure
        (two readings that disagree are a doubt a person settles), unless the candidate is
        ``checked`` by the other values (totals that add up)."""
        if candidate is None or candidate.value in (None, ""):
            return
        current = result.fields.get(name)
        if current is not None and current.value == candidate.value:
            if current.box is None:
                current.box = candidate.box
            current.confidence = max(current.confidence, level)
            return
        if current is None or level >= current.confidence:
            result.fields[name] = Found(
                value=candidate.value, source=source, confidence=level, box=candidate.box
            )
        if current is not None and not (checked and result.fields[name] is not current):
            kept = result.fields[name]
            kept.confidence = min(kept.confidence, DISAGREED)

    scale = 0.8 if ocr else 1.0
    number = _best([c for page in pages for c in _numbers(page)])
    if number is not None and number.score >= 0.5:
        offer("number", number, round(min(number.score, 0.95) * scale, 2))
        _drop_warning(result, "missing_number")

    month_first = p.date_order(text)
    due = _best([c for page in pages for c in _dates(page, p.DUE_LABELS, month_first)])
    issue = _best([c for page in pages for c in _dates(page, p.ISSUE_DATE_LABELS, month_first)])
    if issue is None:
        # a bare "Datum" / "Date" label: the invoice's date unless a plainer label says so
        weak = [c for page in pages for c in _dates(page, p.DATE_LABELS, month_first)]
        issue = _best([c for c in weak if due is None or c.value != due.value])
        if issue is not None:
            issue.score *= 0.9
    if issue is not None and due is not None and due.value < issue.value:
        due = None
    if issue is not None:
        offer("issue_date", issue, round(issue.score * sure, 2))
    if due is not None and (
        result.value("issue_date") is None or due.value >= result.value("issue_date")
    ):
        offer("due_date", due, round(due.score * sure, 2))

    amounts = [a for page in pages for a in _amounts(page)]
    net, vat, gross, agree = _choose_totals(amounts)
    if gross is not None and agree:
        negative = gross.value < 0
        level = 0.95 * scale
        for name, amount in (
            ("total_excl_vat", net),
            ("total_vat", vat),
            ("total_incl_vat", gross),
        ):
            if amount is not None:
                value = abs(amount.value) if negative else amount.value
                offer(name, Candidate(value, level, amount.box, "table"), level, checked=True)
        if negative:
            result.kind_hint = "credit_note"
        _drop_warning(result, "totals_inconsistent")
        _drop_warning(result, "missing_total_incl_vat")

    _apply_parties(result, read_parties(pages, hints), hints, scale)
    counterparty = result.fields.get("counterparty_name")
    if counterparty is not None and isinstance(counterparty.value, str):
        counterparty.value = p.name_before_address(counterparty.value)
        counterparty.box = counterparty.box or _box_of_name(pages, counterparty.value)
    if ocr:
        _settle_ocr(result, pages)
    _known_supplier(result, hints)
    # found on the page as OCR read it; kept where it stands on the original
    for found in {id(found): found for found in result.fields.values()}.values():
        if found.box is not None:
            found.box = on_original(found.box, pages)
    return result


# Fields that check themselves: a misread digit breaks their check digits.
_SELF_CHECKING = {
    "counterparty_vat_id": eu_vat.is_valid,
    "counterparty_enterprise_number": be_vat.is_valid,
    "counterparty_iban": stdnum_iban.is_valid,
    "structured_communication": ogm_vcs.is_valid,
}
_TOTALS = ("total_excl_vat", "total_vat", "total_incl_vat")
# OCR confidence (0..100) from which every letter of a value is taken as read right.
OCR_LEGIBLE = 90.0
# The least confidence of a value OCR read at its label (not a guess nor a doubted one).
_READ_AT_LABEL = 0.5


def _settle_ocr(result: TextExtraction, pages: list[PageWords]) -> None:
    """How sure an OCR reading is, field by field. OCR misreads letters, so a value from a
    scan starts less sure than the same value in a text PDF; it is as sure as a text PDF's
    when it checks itself (check digits of a VAT id, an account, a structured communication;
    totals that add up) or, for a number or a date, when the OCR engine is sure of every word
    it read there. A name is never sure from its letters alone (see ``_known_supplier``)."""
    for name, valid in _SELF_CHECKING.items():
        found = result.fields.get(name)
        if found is not None and found.confidence >= _READ_AT_LABEL and valid(str(found.value)):
            found.confidence = max(found.confidence, SURE)
    totals = [result.fields.get(name) for name in _TOTALS]
    net, vat, gross = (found.value if found else None for found in totals)
    if (
        net is not None
        and vat is not None
        and gross is not None
        and abs(net + vat - gross) <= TOLERANCE
        and vat_fits(net, vat)
        and all(found is not None and found.confidence >= _READ_AT_LABEL for found in totals)
    ):
        for found in totals:
            if found is not None:
                found.confidence = max(found.confidence, 0.95)
        breakdown = result.fields.get("vat_breakdown")
        if (
            breakdown is not None
            and breakdown.confidence >= _READ_AT_LABEL
            and _breakdown_adds_up(breakdown.value, net, vat)
        ):
            breakdown.confidence = max(breakdown.confidence, SURE)
    for name in ("number", "issue_date", "due_date"):
        found = result.fields.get(name)
        if (
            found is not None
            and found.box is not None
            and found.confidence >= _READ_AT_LABEL
            and _legible(pages, found.box)
        ):
            # as sure as the same value in a text PDF
            text_level = found.confidence / LABELLED_OCR * LABELLED_TEXT
            found.confidence = max(found.confidence, round(text_level, 2))


def _breakdown_adds_up(entries: list[dict[str, Any]], net: Decimal, vat: Decimal) -> bool:
    """Whether every rate's base and VAT are printed, each VAT is its rate of its base, and
    together they make the totals."""
    try:
        bases = [Decimal(str(entry["taxable_amount"])) for entry in entries]
        taxes = [Decimal(str(entry["tax_amount"])) for entry in entries]
        rates = [Decimal(str(entry["rate"])) for entry in entries]
    except (KeyError, ArithmeticError, ValueError):
        return False
    return (
        bool(entries)
        and abs(sum(bases) - abs(net)) <= TOLERANCE
        and abs(sum(taxes) - abs(vat)) <= TOLERANCE
        and all(
            abs(base * rate / 100 - tax) <= TOLERANCE
            for base, rate, tax in zip(bases, rates, taxes, strict=True)
        )
    )


def _legible(pages: list[PageWords], box: Box) -> bool:
    """Whether OCR is sure of every word with a digit in ``box`` (the value, not its label)."""
    page = next((page for page in pages if page.index == box.page), None)
    if page is None:
        return False
    words = [
        word
        for phrase in page.phrases
        for word in phrase.words
        if box.x0 - 1 <= (word.x0 + word.x1) / 2 <= box.x1 + 1
        and box.top - 1 <= (word.top + word.bottom) / 2 <= box.bottom + 1
        and any(ch.isdigit() for ch in word.text)
    ]
    return bool(words) and min(word.confidence for word in words) >= OCR_LEGIBLE


def _known_supplier(result: TextExtraction, hints: Hints) -> None:
    """A counterparty a person confirmed before (a supplier, or the customer of a sale made
    elsewhere), found by a sure VAT id: its name is the one they confirmed, as sure as the
    VAT id."""
    vat = result.fields.get("counterparty_vat_id")
    if vat is None or vat.confidence < SURE or vat.value not in hints.known_suppliers:
        return
    name = hints.known_suppliers[vat.value]
    current = result.fields.get("counterparty_name")
    box = current.box if current is not None and current.value == name else None
    result.fields["counterparty_name"] = Found(
        value=name, source=result.source, confidence=max(vat.confidence, 0.95), box=box
    )


def _apply_parties(
    result: TextExtraction, parties: PartyReading, hints: Hints, scale: float
) -> None:
    if parties.our_role == "seller":
        customer = result.fields.get("counterparty_name")
        if (
            result.our_role == "seller"
            and customer is not None
            and parties.buyer_names
            and not any(
                _within(str(customer.value), name) or _within(name, str(customer.value))
                for name in parties.buyer_names
            )
        ):
            # the text reader's customer is not the name heading the customer's block (the
            # rest of a label's line, say): the block's name
            customer.value, customer.confidence = parties.buyer_names[0], 0.6 * scale
        if result.our_role != "seller":
            # a sale the text reader took for a purchase: the counterparty is the customer,
            # and the account printed is ours
            for name in ("counterparty_iban", "counterparty_bic", "counterparty_name"):
                result.fields.pop(name, None)
            if parties.buyer_names:
                result.fields["counterparty_name"] = Found(
                    value=parties.buyer_names[0], source=result.source, confidence=0.6 * scale
                )
            if parties.buyer_vat:
                result.fields["counterparty_vat_id"] = Found(
                    value=parties.buyer_vat, source=result.source, confidence=0.8 * scale
                )
                if parties.buyer_vat.startswith("BE"):
                    result.fields["counterparty_enterprise_number"] = Found(
                        value=parties.buyer_vat[2:], source=result.source, confidence=0.8 * scale
                    )
        result.our_role = "seller"
        if parties.buyer_vat:
            result.buyer_vat_id = parties.buyer_vat
        return
    if parties.our_role:
        result.our_role = parties.our_role
    iban = result.fields.get("counterparty_iban")
    seller_ibans = [i for i in parties.seller_ibans if i not in hints.own_ibans]
    if iban is None and seller_ibans:
        # e.g. an account number broken over two lines of its block
        result.fields["counterparty_iban"] = Found(
            value=seller_ibans[0], source=result.source, confidence=0.8 * scale
        )
    elif iban is not None and iban.value in parties.buyer_ibans:
        # the customer's own account (a direct debit mandate): the seller's, if printed
        if seller_ibans:
            iban.value, iban.confidence = seller_ibans[0], min(iban.confidence, 0.8 * scale)
        else:
            iban.confidence = min(iban.confidence, 0.3)  # printed in the buyer's block: check
    seller = parties.seller_vat
    if seller is None:
        return
    current = result.fields.get("counterparty_vat_id")
    level = round(seller.score * scale, 2)
    if current is None or current.value != seller.value:
        if seller.score < 0.8 and current is not None:
            # the layout can't tell the parties apart and the text reader took another
            # number: keep it, but not as sure
            current.confidence = min(current.confidence, 0.6 * scale)
            return
        result.fields["counterparty_vat_id"] = Found(
            value=seller.value,
            source=current.source if current else result.source,
            confidence=level,
            box=seller.box,
        )
        if seller.value.startswith("BE"):
            result.fields["counterparty_enterprise_number"] = Found(
                value=seller.value[2:],
                source=result.fields["counterparty_vat_id"].source,
                confidence=level,
                box=seller.box,
            )
        else:
            result.fields.pop("counterparty_enterprise_number", None)
        if parties.buyer_vat and not result.buyer_vat_id:
            result.buyer_vat_id = parties.buyer_vat
    else:
        current.box = current.box or seller.box
    current_name = result.fields.get("counterparty_name")
    candidate = parties.seller_name
    if candidate is None:
        return
    own = [n.lower() for n in hints.own_names if n]
    if any(o in candidate.value.lower() for o in own):
        return
    taken = str(current_name.value).lower() if current_name is not None else ""
    buyers = [b.lower() for b in parties.buyer_names if b]
    if (
        not taken
        or p.not_a_name(taken)
        or any(b in taken or taken in b for b in buyers)
        # a fragment of the name ("SRL" of a letterhead in spaced large print)
        or (taken in candidate.value.lower() and len(taken) < len(candidate.value))
        # the text reader's name stands outside the seller's block: a clear name in it wins
        or (
            not _within(taken, parties.seller_text)
            and (
                candidate.score >= 0.7
                or p.COMPANY_FORM_ANY_CASE.search(candidate.value) is not None
            )
        )
    ):
        result.fields["counterparty_name"] = Found(
            value=candidate.value,
            source=result.source,
            confidence=round(candidate.score * scale, 2),
            box=candidate.box,
        )


def _box_of_name(pages: list[PageWords], name: str) -> Box | None:
    """Where a name the line reader found stands: the first phrase that starts with it, for
    the review screen to show."""
    wanted = name.casefold()
    for page in pages:
        for phrase in page.phrases:
            if phrase.text.casefold().startswith(wanted):
                return page.box(phrase)
    return None


def _within(part: str, text: str) -> bool:
    """Whether the words stand in the text ("Kerkstraat 1" is not in "Kerkstraat 240")."""
    return re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text, re.IGNORECASE) is not None


def _drop_warning(result: TextExtraction, code: str) -> None:
    if code in result.warnings:
        result.warnings.remove(code)
