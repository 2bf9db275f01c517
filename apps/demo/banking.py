"""The bank in the demo: the company's current account and one CAMT.053 statement, written
here, with the customer's payment of the paid demo invoice (its structured communication)
and two debits."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.banking.models import BankAccount
from apps.banking.services.statements import statement_import
from apps.companies.models import Company
from apps.sales.models import Invoice

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


def _statement(iban: str, day: datetime.date, entries: list[dict[str, str]]) -> bytes:
    opening = Decimal("4250.00")
    moved = sum(
        (Decimal(e["amount"]) * (1 if e["side"] == "CRDT" else -1) for e in entries),
        Decimal("0"),
    )
    closing = opening + moved
    body = "".join(ENTRY.format(day=day.isoformat(), **entry) for entry in entries)
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


def seed_banking(company: Company) -> None:
    """Idempotent: a company with a bank account keeps its bank as it is."""
    if not company.iban or company.plan.bank_accounts < 1:
        return
    if BankAccount.objects.filter(company=company).exists():
        return
    BankAccount.objects.create(company=company, iban=company.iban, name="Zichtrekening")
    paid = (
        Invoice.objects.filter(company=company, status=Invoice.Status.PAID)
        .exclude(structured_communication="")
        .first()
    )
    entries = [
        {
            "amount": "96.80",
            "side": "DBIT",
            "ref": "DEMO-1",
            "party": "Cdtr",
            "name": "Energie Plus BV",
            "iban": "BE71068246801369",
            "remittance": "<Ustrd>Voorschot energie december</Ustrd>",
        },
        {
            "amount": "12.10",
            "side": "DBIT",
            "ref": "DEMO-2",
            "party": "Cdtr",
            "name": "Webhosting",
            "iban": "BE62510007547061",
            "remittance": "<Ustrd>WP-88112</Ustrd>",
        },
    ]
    if paid is not None:
        entries.insert(
            0,
            {
                "amount": str(paid.total_incl_vat),
                "side": "CRDT",
                "ref": "DEMO-0",
                "party": "Dbtr",
                "name": paid.customer.name,
                "iban": "BE71096123456769",
                "remittance": _ogm(paid.structured_communication),
            },
        )
    day = timezone.localdate() - datetime.timedelta(days=1)
    statement_import(
        company=company,
        data=_statement(company.iban, day, entries),
        filename=f"demo-{day:%Y%m%d}.xml",
        source="demo",
    )
