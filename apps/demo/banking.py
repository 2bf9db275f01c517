"""The bank in the demo: the company's current account and one CAMT.053 statement, written
here, whose payments the matching finds: paid, partly paid, suggested, and a to-do list."""

import datetime
import re
from decimal import Decimal

from django.utils import timezone

from apps.banking.models import BankAccount, BankTransaction, Match, MatchState
from apps.banking.services.statements import statement_import
from apps.billing import entitlements
from apps.companies.models import Company
from apps.demo.profiles import profile_of
from apps.documents.models import Document, Kind
from apps.sales.models import Invoice
from apps.sales.services.invoices import credited_total

ZERO = Decimal("0")

ENTRY = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<NtryDtls><TxDtls><Amt Ccy="EUR">{amount}</Amt>
<RltdPties><{party}><Pty><Nm>{name}</Nm></Pty></{party}><{party}Acct><Id><IBAN>{iban}</IBAN></Id></{party}Acct></RltdPties><RmtInf>{remittance}</RmtInf>
</TxDtls></NtryDtls></Ntry>"""


def _ogm(reference: str) -> str:
    return (
        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
        f"<Ref>{reference}</Ref></CdtrRefInf></Strd>"
    )


OPENING = Decimal("4250.00")  # yesterday's statement's opening balance


def _statement(
    iban: str,
    day: datetime.date,
    entries: list[dict[str, str]],
    *,
    closing: Decimal | None = None,
) -> bytes:
    """A statement of ``entries`` on ``day`` opening at 4,250.00; or, given its ``closing``
    balance, opening where its entries (each on its own ``day``) started from."""
    moved = sum(
        (Decimal(e["amount"]) * (1 if e["side"] == "CRDT" else -1) for e in entries),
        Decimal("0"),
    )
    opening = OPENING if closing is None else closing - moved
    closing = opening + moved
    body = "".join(ENTRY.format(**{"day": day.isoformat(), **entry}) for entry in entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>DEMO-{day:%Y%m%d}</MsgId><CreDtTm>{day.isoformat()}T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>DEMO-{day:%Y%m%d}</Id><CreDtTm>{day.isoformat()}T18:00:00</CreDtTm>
<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>
{body}</Stmt></BkToCstmrStmt></Document>""".encode()


def _entry(
    side: str, ref: str, amount: Decimal, name: str, iban: str, remittance: str
) -> dict[str, str]:
    return {
        "amount": f"{amount:.2f}",
        "side": side,
        "ref": ref,
        "party": "Dbtr" if side == "CRDT" else "Cdtr",
        "name": name,
        "iban": iban,
        "remittance": remittance,
    }


def _typed(reference: str) -> str:
    """A structured communication as a customer types it in the free text."""
    return f"<Ustrd>factuur {reference[:3]} {reference[3:7]} {reference[7:]} dank u</Ustrd>"


def seed_banking(company: Company) -> None:
    """Idempotent: a company with a bank account keeps its bank as it is.

    Yesterday's statement pays the oldest open invoice by its structured communication, part
    of the overdue one (the communication typed in the free text), the export invoice less
    its credit note (a suggestion: the customer's name and the amount), the cleaning
    company's purchase invoice; two debits are left for the to-do list."""
    if not company.iban or entitlements.allowed(company, "bank_accounts") < 1:
        return
    if BankAccount.objects.filter(company=company).exists():
        return
    profile = profile_of(company)
    BankAccount.objects.create(company=company, iban=company.iban, name=profile.account_name)
    open_invoices = list(
        Invoice.objects.filter(
            company=company, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
        )
        .exclude(structured_communication="")
        .annotate(credited=credited_total())
        .order_by("issue_date", "pk")
    )
    entries = []
    if len(open_invoices) >= 3:
        overdue, paid, export = open_invoices[0], open_invoices[1], open_invoices[-1]
        entries += [
            _entry(
                "CRDT",
                "DEMO-0",
                paid.total_incl_vat or ZERO,
                paid.customer.name,
                profile.customer_ibans[0],
                _ogm(paid.structured_communication),
            ),
            _entry(
                "CRDT",
                "DEMO-1",
                Decimal("500.00"),
                overdue.customer.name.upper(),
                profile.customer_ibans[1],
                _typed(overdue.structured_communication),
            ),
            _entry(
                "CRDT",
                "DEMO-2",
                (export.total_incl_vat or ZERO) - export.credited,
                export.customer.name.upper(),
                ABROAD_IBANS[export.customer.country],
                "<Ustrd>Payment</Ustrd>",
            ),
        ]
    cleaning = (
        Document.objects.filter(
            company=company,
            kind=Kind.PURCHASE_INVOICE,
            counterparty_name=profile.learned_supplier["name"],
        )
        .order_by("due_date")
        .first()
    )  # the older one: past its due date
    if cleaning is not None and cleaning.total_incl_vat:
        entries.append(
            _entry(
                "DBIT",
                "DEMO-3",
                cleaning.total_incl_vat,
                cleaning.counterparty_name,
                profile.learned_supplier["iban"].replace(" ", ""),
                _ogm(re.sub(r"\D", "", cleaning.structured_communication)),
            )
        )
    entries += [
        _entry("DBIT", f"DEMO-{n}", amount, name, iban, f"<Ustrd>{text}</Ustrd>")
        for n, (name, iban, amount, text) in enumerate(
            (profile.energy_advance, profile.hosting_debit), start=4
        )
    ]
    day = timezone.localdate() - datetime.timedelta(days=1)
    _history(company, day - datetime.timedelta(days=1))
    statement_import(
        company=company,
        data=_statement(company.iban, day, entries),
        filename=f"demo-{day:%Y%m%d}.xml",
        source="demo",
    )


# the months before: what the Cash flow page draws and finds recurring -----------------------

# The customers abroad pay from the published example IBAN of their country.
ABROAD_IBANS = {"DE": "DE89370400440532013000", "FR": "FR7630006000011234567890189"}


def _history(company: Company, last: datetime.date) -> None:
    """Seven months of movements up to ``last``, in one statement closing at yesterday's
    opening balance: the recurring debits (rent, a salary, social security, a loan, a
    quarterly social insurance fund: ``Profile.recurring``, as name, IBAN, amount, day of
    the month, every n months, communication) and customers' transfers. None pays an open
    item: they are marked as having nothing to match, so that the to-do list stays the
    demo's."""
    profile = profile_of(company)
    first = last - datetime.timedelta(days=210)
    entries = []
    n = 0
    day = first
    while day <= last:
        for name, iban, amount, on, every, text in profile.recurring:
            if day.day == on and day.month % every == 0:
                n += 1
                entry = _entry("DBIT", f"HIST-{n}", amount, name, iban, f"<Ustrd>{text}</Ustrd>")
                entries.append({**entry, "day": day.isoformat()})
        if day.day in (9, 23):
            n += 1
            amount = Decimal(2400 + (day.month * 317) % 1900).quantize(Decimal("0.01"))
            iban = profile.customer_ibans[day.day == 23]
            text = f"<Ustrd>{profile.payment_word}</Ustrd>"
            entry = _entry("CRDT", f"HIST-{n}", amount, profile.customer_word, iban, text)
            entries.append({**entry, "day": day.isoformat()})
        day += datetime.timedelta(days=1)
    filename = f"demo-history-{last:%Y%m%d}.xml"
    statement_import(
        company=company,
        data=_statement(company.iban, last, entries, closing=OPENING),
        filename=filename,
        source="demo",
    )
    rows = BankTransaction.objects.filter(company=company, statement__file__filename=filename)
    Match.objects.filter(company=company, transaction__in=rows).update(state=Match.State.REJECTED)
    rows.update(match_state=MatchState.IGNORED, matched_amount=ZERO)
