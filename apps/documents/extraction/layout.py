"""Invoice fields found by where they stand on the page, as a bookkeeper reads them.

A value belongs to its label when it follows it in the same phrase, stands right of it on the
same line, or below it in the same column (a box, a table header over its row). The invoice
number may also be the document's title ("FACTUUR 2026-0131"). Each field gets candidates
with a score (the label's strength, where the value is, whether it has the right form) and the
totals are chosen together, so that net + VAT = gross and rate × net = VAT.

The two parties are told apart by their blocks: the buyer is the addressed block ("Aan",
"Facturé à", "Klant", "Bill to"), the seller the letterhead, the block with the bank details,
the footer or the one headed "Van" / "De" / "From". With the company's identity at hand, our
own block is never the counterparty's.

``read`` combines this with the line-based text reader (``text.extract_from_text``), which
stays the fallback for every field the layout gives no better candidate for.
"""

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from apps.documents.extraction import patterns as p
from apps.documents.extraction.text import (
    _NOT_A_NAME,
    TOLERANCE,
    Found,
    Hints,
    TextExtraction,
    _plausible,
    _vat_ids,
    extract_from_text,
)
from apps.documents.extraction.words import Block, Box, PageWords, Phrase


@dataclass
class Candidate:
    value: Any
    score: float  # 0..1: how sure the layout is of this value
    box: Box | None
    how: str  # same (in the label's phrase), right, below, title, table, text


# How much a value's place says, relative to its label.
PLACE = {"same": 1.0, "right": 0.95, "below": 0.85, "title": 0.8}
_ID_TOKEN = re.compile(r"^[#:°.]*([A-Z0-9][A-Z0-9\-/._]*[A-Z0-9]|\d)[.,;:]?$", re.IGNORECASE)
_AMOUNT_ONLY = re.compile(r"^-?\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}$")


def _near(
    page: PageWords, phrase: Phrase, start: int, end: int
) -> list[tuple[str, list[Phrase], str]]:
    """What stands after the label at ``phrase.text[start:end]``: the rest of the phrase,
    then the nearest phrase right of it on the line, then the phrase under the label in the
    same column (within two lines)."""
    found: list[tuple[str, list[Phrase], str]] = []
    rest = phrase.text[end:].strip(" :#-–")
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
    median = _median_height(page)
    for phrase in page.phrases:
        text = phrase.text
        labels = [(m, 1.0) for m in p.NUMBER_LABELS.finditer(text)]
        if not labels and not p.NOT_THE_INVOICE_NUMBER.search(text):
            labels = [(m, 0.65) for m in p.NUMBER_WEAK_LABELS.finditer(text) if m.start() <= 2]
        for match, strength in labels:
            for value_text, phrases, how in _near(page, phrase, match.start(), match.end()):
                value = _number_value(value_text)
                if value is None:
                    continue
                candidates.append(
                    Candidate(
                        value=value[0],
                        score=strength * PLACE[how] * value[1],
                        box=page.box(*phrases),
                        how=how,
                    )
                )
                break
        title = p.TITLE_WORDS.match(text)
        if title and title.start() == 0:
            rest = text[title.end() :].strip(" :#-–")
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
                        score=(0.85 if big else 0.6) * same[1] * PLACE["title"],
                        box=page.box(*phrases),
                        how="title",
                    )
                )
    return candidates


def _median_height(page: PageWords) -> float:
    heights = sorted(phrase.height for phrase in page.phrases)
    return heights[len(heights) // 2] if heights else 1.0


def _dates(page: PageWords, label: re.Pattern[str], month_first: bool) -> list[Candidate]:
    candidates = []
    for phrase in page.phrases:
        for match in label.finditer(phrase.text):
            if match.start() > 2:
                continue
            for value_text, phrases, how in _near(page, phrase, match.start(), match.end()):
                value = p.parse_date(value_text[:40], month_first=month_first)
                if value is not None:
                    candidates.append(Candidate(value, PLACE[how], page.box(*phrases), how))
                    break
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


def _amounts(page: PageWords) -> list[_Amount]:
    found: list[_Amount] = []
    for phrase in page.phrases:
        if p.VAT_ID.search(phrase.text) and not _RATE.search(phrase.text):
            continue
        kind = _total_kind(phrase.text)
        if kind is None:
            continue
        name, strength = kind
        rate_match = _RATE.search(phrase.text)
        rate = Decimal(rate_match.group(1).replace(",", ".")) if rate_match else None
        position = 0.85 + 0.15 * min(phrase.top / max(page.height, 1.0), 1.0)
        line = page.lines[phrase.line]
        rest = phrase.text[rate_match.end() :] if rate_match else phrase.text
        values = p.amounts_in(rest)
        right = [other for other in line.phrases if other.x0 >= phrase.x1 - 0.5]
        right_amounts: list[tuple[Decimal, Phrase]] = [
            (amount, other) for other in right for amount in p.amounts_in(other.text)
        ]
        if values:
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
            base = right_amounts[-2][0] if len(right_amounts) >= 2 else None
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
    return found


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
                agree = abs(net.value + vat.value - gross.value) <= TOLERANCE
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


# --------------------------------------------------------------------------------- parties


@dataclass
class Party:
    page: int
    block: int
    seller: float  # evidence that this block is the seller's
    buyer: float  # evidence that it is the buyer's
    vat_ids: list[tuple[str, Box]]
    ibans: list[str]
    name: str
    box: Box
    ours: bool = False
    name_is_clear: bool = False  # the name carries a company form or is in large print
    text: str = ""


def _parties(pages: list[PageWords], hints: Hints) -> list[Party]:
    own_vat = {v.upper() for v in hints.own_vat_ids}
    own_names = [n.lower() for n in hints.own_names if n]
    parties = []
    for page in pages:
        median = _median_height(page)
        first_blocks = sorted(
            (b for b in page.blocks if b.top < page.height * 0.3), key=lambda b: b.top
        )
        for index, block in enumerate(page.blocks):
            text = block.text
            vat_ids: list[tuple[str, Box]] = []
            buyer_ids = 0.0
            for phrase in block.phrases:
                found, _doubtful = _vat_ids(_drop_ibans(phrase.text))
                for value in found:
                    vat_ids.append((value, page.box(phrase)))
                    if p.BUYER_ID_LABELS.search(phrase.text):
                        buyer_ids += 3
            ibans = _block_ibans(text)
            if not vat_ids and not ibans:
                continue
            seller = buyer = 0.0
            head = block.phrases[0].text
            above = _phrase_above(page, block.phrases[0])
            left = [o for o in page.lines[block.phrases[0].line].phrases if o.x1 <= block.x0]
            heads = [head, *(x.text for x in ([above] if above else [])), *(o.text for o in left)]
            if any(_is_buyer_head(h) for h in heads):
                buyer += 3
            if any(p.SELLER_HEADS.match(h) for h in heads):
                seller += 3
            buyer += buyer_ids
            if ibans or p.BANK_WORDS.search(text):
                seller += 2
            if block.top > page.height * 0.8:
                seller += 1.5  # the footer: the issuer's legal and bank details
            if p.CONTACT_WORDS.search(text):
                seller += 0.5
            if first_blocks and block is first_blocks[0] and page.index == 0:
                seller += 1  # the letterhead
            lowered = text.lower()
            ours = bool(
                {v for v, _box in vat_ids} & own_vat
                or set(ibans) & set(hints.own_ibans)
                or any(name in lowered for name in own_names)
            )
            name, name_is_clear = _block_name(page, block, buyer > 0, median)
            parties.append(
                Party(
                    page=page.index,
                    block=index,
                    seller=seller,
                    buyer=buyer,
                    vat_ids=vat_ids,
                    ibans=ibans,
                    name=name,
                    box=page.box(block),
                    ours=ours,
                    name_is_clear=name_is_clear,
                    text=text,
                )
            )
    return parties


def _is_buyer_head(text: str) -> bool:
    """A phrase that addresses the block under or beside it to the buyer: "Facturé à",
    "Klant:", "Bill to": followed by a colon, by nothing (the name is below) or by a name;
    the short words ("Aan", "À", "To", "An") only with a colon or standing alone, not
    "An invoice ..." or "Invoice to pay by wire transfer"."""
    match = p.BUYER_HEADS.match(text)
    if match is None:
        return False
    label = match.group(0).strip()
    rest = text[match.end() :].strip()
    if label.endswith(":") or not rest:
        return True
    # "Facturé à Bakkerij Test BV", not "Invoice to pay by wire transfer"
    return len(label) > 3 and not rest[0].islower()


def _phrase_above(page: PageWords, phrase: Phrase) -> Phrase | None:
    for line in reversed(page.lines[max(phrase.line - 2, 0) : phrase.line]):
        for other in line.phrases:
            if other.x0 < phrase.x1 and phrase.x0 < other.x1:
                return other if phrase.top - other.bottom < 2 * phrase.height else None
    return None


def _block_name(page: PageWords, block: Block, labelled: bool, median: float) -> tuple[str, bool]:
    """The party's name at the head of its block (after its label), or just above the block
    (a letterhead in large print over the address); and whether it is clearly a name: it
    carries a company form (NV, SRL, GmbH) or stands in large print."""
    phrases = list(block.phrases)
    head_pattern = p.BUYER_HEADS if labelled else p.SELLER_HEADS
    first = head_pattern.sub("", phrases[0].text).strip(" :")
    options: list[tuple[str, Phrase]] = []
    if first:
        options.append((first, phrases[0]))
    if len(phrases) > 1:
        options.append((phrases[1].text, phrases[1]))
    above = _phrase_above(page, phrases[0])
    if not labelled and above is not None:
        options.append((above.text, above))
    fallback = ""
    for text, phrase in options[:2] if labelled else options:
        name = _NAME_END.split(text)[0].strip(" :/-")
        if len(name) < 2 or _NOT_A_NAME.match(name) or sum(ch.isdigit() for ch in name) > 3:
            continue
        if p.COMPANY_FORM.search(name) or phrase.height >= 1.25 * median:
            return name[:60], True
        fallback = fallback or name[:60]
        if labelled or phrase is phrases[0]:
            break
    return fallback, False


_NAME_END = re.compile(r",|\s[-–·•|]\s|[·•|]|\b(?:BTW|TVA|VAT|USt|KBO|BCE|RPR|RPM)\b")


def _drop_ibans(text: str) -> str:
    for match in reversed(list(p.IBAN.finditer(text))):
        if stdnum_iban.is_valid(match.group(1)):
            text = text[: match.start()] + " " + text[match.end() :]
    return re.sub(r"\bIBAN\s*[:.]?\s*[A-Z]{2}\d{2}[0-9A-Z ]{8,34}", " ", text)


def _block_ibans(text: str) -> list[str]:
    found = []
    for match in p.IBAN.finditer(text):
        try:
            found.append(str(stdnum_iban.validate(match.group(1))))
        except StdnumError:
            continue
    return found


@dataclass
class PartyReading:
    seller_vat: Candidate | None
    buyer_vat: str
    our_role: str  # "seller", "buyer" or "" (unknown)
    seller_name: Candidate | None
    buyer_names: list[str]
    seller_ibans: list[str] = field(default_factory=list)
    seller_text: str = ""
    buyer_ibans: list[str] = field(default_factory=list)


def _margin(party: Party) -> float:
    return party.seller - party.buyer


def _read_parties(pages: list[PageWords], hints: Hints) -> PartyReading:
    parties = _parties(pages, hints)
    with_ids = [party for party in parties if party.vat_ids]
    ours = [party for party in with_ids if party.ours]
    others = [party for party in with_ids if not party.ours]
    our_role = ""
    if ours:
        us = max(ours, key=lambda party: abs(party.seller - party.buyer))
        them = max(others, key=lambda party: party.buyer - party.seller, default=None)
        if us.buyer > us.seller:
            our_role = "buyer"
        elif us.seller > us.buyer and (them is None or them.buyer > them.seller or us.seller >= 3):
            our_role = "seller"
    own_vat = {v.upper() for v in hints.own_vat_ids}
    buyer_names = [party.name for party in parties if party.buyer > party.seller and party.name]
    buyer_ibans = [i for party in parties if party.buyer > party.seller for i in party.ibans]
    if our_role == "seller":
        buyer = max(others, key=lambda party: party.buyer - party.seller, default=None)
        vat = next((v for v in buyer.vat_ids if v[0] not in own_vat), None) if buyer else None
        return PartyReading(
            seller_vat=None,
            buyer_vat=vat[0] if vat else "",
            our_role=our_role,
            seller_name=None,
            buyer_names=buyer_names,
        )
    if not others:
        return PartyReading(None, "", our_role, None, buyer_names)
    # a VAT id printed twice (letterhead and footer, every page) counts once, where it says
    # most about its party
    by_id: dict[str, Party] = {}
    for party in others:
        for vat_id, _box in party.vat_ids:
            known = by_id.get(vat_id)
            if vat_id not in own_vat and (known is None or _margin(party) > _margin(known)):
                by_id[vat_id] = party
    if not by_id:
        return PartyReading(None, "", our_role, None, buyer_names)
    ranked = sorted(
        by_id.items(), key=lambda item: (_margin(item[1]), -item[1].page, -item[1].box.top)
    )
    value, seller = ranked[-1]
    margin = _margin(seller)
    rivals = [_margin(party) for _v, party in ranked[:-1] if party is not seller]
    runner_up = max(rivals) if rivals else None
    if runner_up is not None and runner_up == margin:
        score = 0.5  # two blocks alike: the layout can't tell
    elif margin > 0 or (runner_up is not None and margin > runner_up):
        score = 0.95 if margin >= 2 or (runner_up is not None and margin - runner_up >= 2) else 0.8
    else:
        score = 0.4
    box = next(b for v, b in seller.vat_ids if v == value)
    name = (
        Candidate(seller.name, score * (0.9 if seller.name_is_clear else 0.6), seller.box, "block")
        if seller.name
        else None
    )
    buyer_vat = ""
    if ranked[0][1] is not seller and ranked[0][1].buyer > ranked[0][1].seller:
        buyer_vat = ranked[0][0]
    return PartyReading(
        seller_vat=Candidate(value, score, box, "block"),
        buyer_vat=buyer_vat,
        our_role=our_role,
        seller_name=name,
        buyer_names=buyer_names,
        seller_ibans=[i for party in parties if party.seller > party.buyer for i in party.ibans],
        seller_text=seller.text,
        buyer_ibans=buyer_ibans,
    )


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
    sure = 0.7 if ocr else 0.9  # the text reader's confidence for a labelled value

    def offer(name: str, candidate: Candidate | None, level: float) -> None:
        """Take the candidate when the text reader has nothing, or something else with
        less confidence."""
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

    scale = 0.8 if ocr else 1.0
    number = _best([c for page in pages for c in _numbers(page)])
    if number is not None and number.score >= 0.5:
        offer("number", number, round(min(number.score, 0.95) * scale, 2))
        _drop_warning(result, "missing_number")

    month_first = p.date_order(text)
    due = _best([c for page in pages for c in _dates(page, p.DUE_LABELS, month_first)])
    issue = _best([c for page in pages for c in _dates(page, p.ISSUE_DATE_LABELS, month_first)])
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
                offer(name, Candidate(value, level, amount.box, "table"), level)
        if negative:
            result.kind_hint = "credit_note"
        _drop_warning(result, "totals_inconsistent")
        _drop_warning(result, "missing_total_incl_vat")

    _apply_parties(result, _read_parties(pages, hints), hints, scale)
    return result


def _apply_parties(
    result: TextExtraction, parties: PartyReading, hints: Hints, scale: float
) -> None:
    if parties.our_role == "seller":
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
    if iban is not None and iban.value in parties.buyer_ibans:
        # the customer's own account (a direct debit mandate): the seller's, if printed
        others = [i for i in parties.seller_ibans if i not in hints.own_ibans]
        if others:
            iban.value, iban.confidence = others[0], min(iban.confidence, 0.8 * scale)
        else:
            iban.confidence = min(iban.confidence, 0.3)  # printed in the buyer's block: check
    seller = parties.seller_vat
    if seller is None:
        return
    current = result.fields.get("counterparty_vat_id")
    level = round(seller.score * scale, 2)
    if current is None or current.value != seller.value:
        if seller.score < 0.8 and current is not None:
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
        or any(b in taken or taken in b for b in buyers)
        # a fragment of the name ("SRL" of a letterhead in spaced large print)
        or (taken in candidate.value.lower() and len(taken) < len(candidate.value))
        # the text reader's name stands outside the seller's block: a clear name in it wins
        or (candidate.score >= 0.7 and taken not in parties.seller_text.lower())
    ):
        result.fields["counterparty_name"] = Found(
            value=candidate.value,
            source=result.source,
            confidence=round(candidate.score * scale, 2),
            box=candidate.box,
        )


def _drop_warning(result: TextExtraction, code: str) -> None:
    if code in result.warnings:
        result.warnings.remove(code)
