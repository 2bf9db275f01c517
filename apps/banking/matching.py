"""The matching rules: which open items (sales invoices, purchase documents) a bank
transaction pays, how sure we are, and why. No models, no queries: ``services.matches``
loads a company's open items once, asks for proposals and stores them.

Each transaction is read in its direction: a credit pays items we are owed (sales invoices,
a supplier's credit note refunded), a debit items we owe (purchase invoices). In order
(INTEGRATIONS §2.4, as peers do it):

1. its structured communication (OGM, or RF creditor reference), from the bank's field or
   typed in the free text with whatever separators, names an open item → automatic when the
   amount is the open balance or less (a partial payment); more is a suggestion;
2. the counterparty's account is known for one party, and exactly one of its open items has
   the amount → automatic; several → the nearest due date, suggested;
3. an item's number is in the text → automatic with the amount equal, else suggested;
4. the name resembles the party's, the amount is an open balance and the date is between
   the item's date and 60 days after its due date → suggested;
5. up to four open items of one party add up to the amount (credit notes netted) →
   suggested.

Automatic from ``AUTO`` (0.9) up; suggestions from ``SUGGEST`` (0.5). Every proposal keeps
its reasons as codes with values, worded when shown (``reasons.py``).
"""

import datetime
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from rapidfuzz import fuzz, process
from stdnum import iso11649
from stdnum.be import ogm_vcs

AUTO = Decimal("0.90")
SUGGEST = Decimal("0.50")
MAX_COMBINED = 4  # open items in one combination
MAX_PARTY_ITEMS = 24  # a party's open items searched for combinations (bounded search)
MAX_SUGGESTIONS = 3
NAME_SIMILAR = 80  # rapidfuzz token_set_ratio, 0-100
DAYS_BEFORE_ISSUE, DAYS_AFTER_DUE = 3, 60  # a payment's date from the item's
ZERO = Decimal("0")

# An OGM typed by hand: 12 digits in groups of any size (3/4/5 as printed, 4/4/4, ...), with
# spaces, slashes, dots, dashes, + or * between them; its check digits tell it from others.
_TYPED_OGM = re.compile(r"(?<!\d)((?:\d[ ./+*-]{0,3}){11}\d)(?!\d)")
_RF = re.compile(r"\bRF\s?\d{2}(?:\s?[0-9A-Z]){1,21}\b", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z/._-]*[0-9A-Za-z]")
_LEGAL_FORMS = re.compile(
    r"\b(bv|bvba|nv|sa|srl|sprl|cv|scrl|sc|vof|comm\s?v|scs|vzw|asbl|ltd|gmbh|sas|sarl)\b\.?"
)
_NOT_WORD = re.compile(r"[^\w]+")


def normalise_name(name: str) -> str:
    """Lower case, without legal forms (BV, NV, SRL, SA…) and punctuation."""
    name = _LEGAL_FORMS.sub(" ", name.lower())
    return " ".join(_NOT_WORD.sub(" ", name).split())


def number_key(number: str) -> str:
    """An invoice number as it can be recognised in a text: its letters and digits only,
    upper case (``2026-014`` → ``2026014``). Too short to be recognised, empty: under 4, or
    digits only and under 6 (card digits and dates in bank texts look like those)."""
    key = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    if len(key) < 4 or not any(c.isdigit() for c in key) or (key.isdigit() and len(key) < 6):
        return ""
    return key


def references_in(text: str) -> list[str]:
    """Valid structured communications (12 digits, mod 97) and RF references in free text."""
    found = []
    for typed in _TYPED_OGM.findall(text):
        digits = re.sub(r"\D", "", typed)
        if ogm_vcs.is_valid(digits):
            found.append(digits)
    for candidate in _RF.findall(text):
        compact = iso11649.compact(candidate)
        if iso11649.is_valid(compact):
            found.append(compact)
    return found


def normalise_reference(value: str) -> str:
    """The 12 digits of an OGM, or an RF reference compacted; else empty."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 12 and ogm_vcs.is_valid(digits):
        return digits
    compact = iso11649.compact(value) if value else ""
    return compact if compact.startswith("RF") and iso11649.is_valid(compact) else ""


@dataclass(eq=False)
class OpenItem:
    """An invoice or document that money can still settle. ``open`` is signed in the
    direction money goes: + we receive it (a sales invoice, a supplier's credit note),
    - we pay it (a purchase invoice)."""

    kind: str  # "invoice" (sales) or "document" (purchase)
    pk: int
    number: str
    open: Decimal
    party: str  # one key per customer or supplier
    party_name: str
    reference: str = ""  # OGM digits or RF
    due_date: datetime.date | None = None
    issue_date: datetime.date | None = None
    ibans: set[str] = field(default_factory=set)
    is_credit_note: bool = False

    @cached_property
    def name(self) -> str:
        return normalise_name(self.party_name)


@dataclass(frozen=True)
class Movement:
    """What matching reads of a bank transaction."""

    pk: int
    amount: Decimal  # signed: credit > 0
    date: datetime.date  # value date, else booking date
    counterparty_name: str = ""
    counterparty_iban: str = ""
    structured_reference: str = ""
    free_text: str = ""


@dataclass
class Proposal:
    parts: list[tuple[OpenItem, Decimal]]  # item, amount of the transaction for it (signed)
    score: Decimal
    reasons: list[dict[str, str]]

    @property
    def automatic(self) -> bool:
        return self.score >= AUTO


def _money(value: Decimal) -> str:
    return f"{abs(value):.2f}"


def _item_label(item: OpenItem) -> dict[str, str]:
    kind = f"{item.kind}_credit" if item.is_credit_note else item.kind
    return {"item": kind, "number": item.number, "party": item.party_name}


class Matcher:
    """One company's open items, indexed for the rules; ``take`` records what a match used,
    so that later transactions of the same import see the balances left."""

    def __init__(self, items: Iterable[OpenItem], known_ibans: dict[str, set[str]]):
        self.by_reference: dict[str, list[OpenItem]] = defaultdict(list)
        self.by_number: dict[str, list[OpenItem]] = defaultdict(list)
        self.by_party: dict[str, list[OpenItem]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[OpenItem]] = defaultdict(list)
        # IBAN → the parties it paid or was paid by (earlier matches, the items' own IBANs)
        self.iban_parties: dict[str, set[str]] = defaultdict(set)
        for iban, parties in known_ibans.items():
            self.iban_parties[iban] |= parties
        for item in items:
            if item.reference:
                self.by_reference[item.reference].append(item)
            key = number_key(item.number)
            if key:
                self.by_number[key].append(item)
            self.by_party[item.party].append(item)
            self.by_amount[item.open].append(item)
            for iban in item.ibans:
                self.iban_parties[iban].add(item.party)
        # each party's name as the rules compare it: its first item's
        self.party_names = {party: items[0].name for party, items in self.by_party.items()}

    def take(self, proposal: Proposal) -> None:
        for item, amount in proposal.parts:
            if item.open in self.by_amount and item in self.by_amount[item.open]:
                self.by_amount[item.open].remove(item)
            left = item.open - amount
            # paid more than its balance: nothing left to pay (the overpayment is shown)
            item.open = left if (left > 0) == (item.open > 0) else ZERO
            if item.open != ZERO:
                self.by_amount[item.open].append(item)

    def _open(self, items: Iterable[OpenItem], sign: int) -> list[OpenItem]:
        return [i for i in items if i.open != ZERO and (i.open > 0) == (sign > 0)]

    def propose(self, movement: Movement) -> list[Proposal]:
        """The proposals for one transaction, best first (at most one is automatic)."""
        if movement.amount == ZERO:
            return []
        sign = 1 if movement.amount > 0 else -1
        named = self._by_reference(movement, sign)
        proposals = list(named)
        for rule in (self._by_iban, self._by_number, self._by_name, self._combinations):
            if any(p.automatic for p in proposals):
                break
            found = rule(movement, sign)
            if named or normalise_reference(movement.structured_reference):
                # the payer named a document (one that is open, but not for this amount; or
                # one that is not open: paid already, someone else's): whatever else fits
                # is for a person to decide
                for proposal in found:
                    proposal.score = min(proposal.score, AUTO - Decimal("0.01"))
            proposals += found
        unique: dict[tuple[tuple[str, int], ...], Proposal] = {}
        for proposal in sorted(proposals, key=lambda p: -p.score):
            key = tuple((item.kind, item.pk) for item, _amount in proposal.parts)
            unique.setdefault(key, proposal)
        best = [p for p in unique.values() if p.score >= SUGGEST]
        if len(best) > 1 and best[0].automatic and best[1].score >= best[0].score:
            # two equally good automatic answers: a person chooses
            for proposal in best:
                proposal.score = min(proposal.score, AUTO - Decimal("0.01"))
        return best[:MAX_SUGGESTIONS]

    # the rules ---------------------------------------------------------------------------

    def _amount_reasons(self, movement: Movement, item: OpenItem) -> tuple[Decimal, list, str]:
        """(the part of the transaction for ``item``, the amount's reason, its verdict:
        ``equal``, ``partial`` or ``over``)."""
        paid, owed = abs(movement.amount), abs(item.open)
        amounts = {"amount": _money(paid), "open": _money(owed)}
        if paid == owed:
            return movement.amount, [{"rule": "amount_equal", **amounts}], "equal"
        if paid < owed:
            return movement.amount, [{"rule": "amount_partial", **amounts}], "partial"
        extra = {"over": _money(paid - owed)}
        return movement.amount, [{"rule": "amount_over", **amounts, **extra}], "over"

    def _by_reference(self, movement: Movement, sign: int) -> list[Proposal]:
        structured = normalise_reference(movement.structured_reference)
        candidates = [(structured, "structured")] if structured else []
        candidates += [(r, "text") for r in references_in(movement.free_text) if r != structured]
        proposals = []
        for reference, where in candidates:
            for item in self._open(self.by_reference.get(reference, ()), sign):
                amount, amount_reasons, verdict = self._amount_reasons(movement, item)
                score = {"equal": Decimal("1.00"), "partial": AUTO, "over": Decimal("0.80")}
                reason = {"rule": "reference", "where": where, "reference": reference}
                proposals.append(
                    Proposal(
                        [(item, amount)],
                        score[verdict],
                        [{**reason, **_item_label(item)}, *amount_reasons],
                    )
                )
        return proposals

    def _by_iban(self, movement: Movement, sign: int) -> list[Proposal]:
        parties = self.iban_parties.get(movement.counterparty_iban, set())
        if not movement.counterparty_iban or len(parties) != 1:
            return []
        (party,) = parties
        items = self._open(self.by_party.get(party, ()), sign)
        equal = [item for item in items if item.open == movement.amount]
        if not equal:
            return []
        equal.sort(key=lambda item: _days_from_due(item, movement.date))
        score = AUTO if len(equal) == 1 else Decimal("0.70")
        iban = {"rule": "iban_known", "iban": movement.counterparty_iban}
        return [
            Proposal(
                [(item, movement.amount)],
                score,
                [
                    {**iban, **_item_label(item)},
                    {"rule": "amount_equal", "amount": _money(movement.amount)},
                ],
            )
            for item in equal
        ]

    def _by_number(self, movement: Movement, sign: int) -> list[Proposal]:
        text = f"{movement.free_text} {movement.structured_reference}"
        keys = {number_key(token) for token in _TOKEN.findall(text)} - {""}
        proposals = []
        for key in keys:
            for item in self._open(self.by_number.get(key, ()), sign):
                amount, amount_reasons, verdict = self._amount_reasons(movement, item)
                score = AUTO if verdict == "equal" else Decimal("0.60")
                reason = {"rule": "number_in_text", **_item_label(item)}
                proposals.append(Proposal([(item, amount)], score, [reason, *amount_reasons]))
        return proposals

    def _by_name(self, movement: Movement, sign: int) -> list[Proposal]:
        name = normalise_name(movement.counterparty_name)
        if not name:
            return []
        proposals = []
        for item in self._open(self.by_amount.get(movement.amount, ()), sign):
            similarity = fuzz.token_set_ratio(name, item.name)
            days = _days_from_due(item, movement.date)
            if similarity < NAME_SIMILAR or days > DAYS_AFTER_DUE:
                continue
            if item.issue_date and (movement.date - item.issue_date).days < -DAYS_BEFORE_ISSUE:
                continue  # paid before it was made: another one
            score = Decimal("0.50") + Decimal("0.20") * Decimal(similarity) / 100
            proposals.append(
                Proposal(
                    [(item, movement.amount)],
                    score.quantize(Decimal("0.01")),
                    [
                        {
                            "rule": "name_similar",
                            "name": movement.counterparty_name,
                            "similarity": str(round(similarity)),
                            **_item_label(item),
                        },
                        {"rule": "amount_equal", "amount": _money(movement.amount)},
                    ],
                )
            )
        return proposals

    def _parties_of(self, movement: Movement) -> set[str]:
        parties = set(self.iban_parties.get(movement.counterparty_iban, set()))
        name = normalise_name(movement.counterparty_name)
        if not parties and name:
            similar = process.extract(
                name,
                self.party_names,
                scorer=fuzz.token_set_ratio,
                processor=None,
                score_cutoff=NAME_SIMILAR,
                limit=None,
            )
            parties.update(party for _name, _score, party in similar)
        return parties

    def _combinations(self, movement: Movement, sign: int) -> list[Proposal]:
        proposals = []
        for party in self._parties_of(movement):
            items = [i for i in self.by_party.get(party, ()) if i.open != ZERO]
            items.sort(key=lambda item: item.due_date or datetime.date.max)
            items = items[:MAX_PARTY_ITEMS]
            found = _subset_summing(items, movement.amount)
            if found is None:
                continue
            reason = {
                "rule": "combination",
                "count": str(len(found)),
                "amount": _money(movement.amount),
                "party": found[0].party_name,
            }
            proposals.append(
                Proposal([(item, item.open) for item in found], Decimal("0.70"), [reason])
            )
        return proposals


def _days_from_due(item: OpenItem, day: datetime.date) -> int:
    reference = item.due_date or item.issue_date
    return abs((day - reference).days) if reference else 10_000


def _subset_summing(items: list[OpenItem], amount: Decimal) -> list[OpenItem] | None:
    """The first set of 2 to ``MAX_COMBINED`` items whose open balances add up to ``amount``
    exactly (a credit note counts against the invoices: its balance has the other sign)."""
    balances = [item.open for item in items]
    if all((balance > 0) != (amount > 0) for balance in balances):
        return None  # all the other way: no sum of them is the amount
    for size in range(2, MAX_COMBINED + 1):
        # the balances of each combination summed without a generator (most of the time here)
        for indexes, combination in zip(
            itertools.combinations(range(len(items)), size),
            itertools.combinations(balances, size),
            strict=True,
        ):
            if sum(combination, ZERO) == amount:
                return [items[index] for index in indexes]
    return None
