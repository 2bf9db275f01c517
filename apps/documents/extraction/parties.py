"""The two parties of a document, told apart by their blocks on the page.

The buyer is the addressed block ("Aan", "Facturé à", "Klant", "Bill to", a VAT number said to
be the customer's); the seller the letterhead, the block with the bank details, the footer or
the one headed "Van" / "De" / "From". With the company's identity at hand, our own block is
never the counterparty's, and a document where our block is the seller's is a sale.
"""

import re
from dataclasses import dataclass, field

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from apps.documents.extraction import patterns as p
from apps.documents.extraction.text import _NOT_A_NAME, Hints, _vat_ids
from apps.documents.extraction.words import Block, Box, Candidate, PageWords, Phrase


def median_height(page: PageWords) -> float:
    heights = sorted(phrase.height for phrase in page.phrases)
    return heights[len(heights) // 2] if heights else 1.0


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
        median = median_height(page)
        first_blocks = sorted(
            (b for b in page.blocks if b.top < page.height * 0.3), key=lambda b: b.top
        )
        for index, block in enumerate(page.blocks):
            if len(block.phrases) > 1 and p.TITLE_WORDS.fullmatch(block.phrases[0].text.strip()):
                # the document's title stacked onto the block under it ("Factuur" over
                # "Factuuradres: ..."): the block starts after it
                block = Block(phrases=block.phrases[1:])
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
    left = [other for other in page.lines[phrases[0].line].phrases if other.x1 <= phrases[0].x0]
    if not labelled and left:
        # a footer in columns: the name heads the first column, the VAT id the next one
        options.append((left[0].text, left[0]))
    fallback = ""
    for text, phrase in options[:2] if labelled else options:
        name = _NAME_END.split(text)[0].strip(" :/-")
        if (
            len(name) < 2
            or _NOT_A_NAME.match(name)
            or p.not_a_name(name)
            or p.CONTACT_WORDS.search(name)
            or sum(ch.isdigit() for ch in name) > 3
        ):
            continue
        if left and phrase is left[0]:
            if p.COMPANY_FORM_ANY_CASE.search(name):
                return name[:60], True
            continue  # beside the block, only a name that says it is one
        following = phrases[phrases.index(phrase) + 1] if phrase in phrases[:-1] else None
        if following is not None and p.COMPANY_FORM_ANY_CASE.fullmatch(following.text.strip()):
            name = f"{name} {following.text.strip()}"  # "Tuinaanleg Verhoeven" / "CommV"
        if p.COMPANY_FORM.search(name) or phrase.height >= 1.25 * median:
            return name[:60], True
        fallback = fallback or name[:60]
        if labelled or phrase is phrases[0]:
            break
    return fallback, False


_NAME_END = re.compile(r",|\s[-–·•|]\s|[·•|]|\b(?:BTW|TVA|VAT|USt|KBO|BCE|RPR|RPM)\b")


def _drop_ibans(text: str) -> str:
    for match in reversed(list(p.IBAN.finditer(text))):
        if stdnum_iban.is_valid(re.sub(r"\s", "", match.group(1))):
            text = text[: match.start()] + " " + text[match.end() :]
    return re.sub(r"\bIBAN\s*[:.]?\s*[A-Z]{2}\d{2}[0-9A-Z ]{8,34}", " ", text)


def _block_ibans(text: str) -> list[str]:
    found = []
    for match in p.IBAN.finditer(text):
        try:
            found.append(str(stdnum_iban.validate(re.sub(r"\s", "", match.group(1)))))
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


def read_parties(pages: list[PageWords], hints: Hints) -> PartyReading:
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
