"""Test-only writers of bank statement files from the parsers' own dataclasses: a CODA 2 file
(Febelfin's "coded statement of account") and a CAMT.053.001.02 XML, for the property tests
(write a generated ``ParsedStatement``, read it back with ``parse_statement``).

A movement is one ``ParsedTransaction``, or several consecutive ones with the same
``sequence``: a globalised movement (CODA: the bank's total, transaction type 1, then its
details, type 5) or a batch entry (CAMT: one ``Ntry``, a ``TxDtls`` each). The writers number
the movements themselves; a transaction's ``raw`` is not written.
"""

import datetime
from decimal import Decimal

from lxml import etree
from lxml.builder import ElementMaker

from apps.banking.parsers import ParsedStatement, ParsedTransaction

HOLDER = "OKIOKI TEST BV"
HOLDER_BIC = "GEBABEBB"


def movements(transactions: list[ParsedTransaction]) -> list[list[ParsedTransaction]]:
    """The movements of a statement: runs of transactions with the same (non-empty) sequence."""
    groups: list[list[ParsedTransaction]] = []
    for transaction in transactions:
        if groups and transaction.sequence and groups[-1][-1].sequence == transaction.sequence:
            groups[-1].append(transaction)
        else:
            groups.append([transaction])
    return groups


def _total(group: list[ParsedTransaction]) -> Decimal:
    return sum((t.amount for t in group), Decimal(0))


# --- CODA 2 ---------------------------------------------------------------------------------
#
# Records of 128 characters; the comments give the standard's 1-based positions (febelfin-coda
# reads the same fields as 0-based slices, coda/__init__.py). Banks write ISO 8859-1: a text
# outside it is an error here, never a silent "?".

CODA_ENCODING = "latin-1"
RECORD_LENGTH = 128


def _field(value: str, width: int) -> str:
    if len(value) > width:
        raise ValueError(f"{value!r} is longer than its CODA field ({width} characters)")
    return value.ljust(width)


def _coda_amount(amount: Decimal) -> str:
    """A sign (0 credit, 1 debit) and 15 digits, 3 of them decimals."""
    thousandths = abs(amount) * 1000
    if thousandths != int(thousandths) or thousandths >= 10**15:
        raise ValueError(f"{amount} does not fit a CODA amount")
    return ("1" if amount < 0 else "0") + f"{int(thousandths):015d}"


def _coda_date(date: datetime.date) -> str:
    return date.strftime("%d%m%y")


def _record(*fields: str) -> str:
    record = "".join(fields)
    if len(record) != RECORD_LENGTH:
        raise ValueError(f"A CODA record of {len(record)} characters: {record!r}")
    return record


def write_coda(statements: list[ParsedStatement], *, newline: str = "\n") -> bytes:
    """A CODA 2 file of ``statements``, each from its header (0) to its trailer (9)."""
    records: list[str] = []
    for index, statement in enumerate(statements, 1):
        records += _coda_statement(statement, is_last=index == len(statements))
    return "".join(record + newline for record in records).encode(CODA_ENCODING)


def _coda_statement(statement: ParsedStatement, *, is_last: bool) -> list[str]:
    if statement.opening_balance is None or statement.closing_balance is None:
        raise ValueError("A CODA statement has both balances")
    number = f"{int(statement.number):03d}"  # the (paper) statement number, 3 digits
    iban = statement.account_iban
    # account structure 2: a Belgian IBAN, 3: a foreign one; 6-42: the IBAN and the currency
    structure = "2" if iban.startswith("BE") else "3"
    account = _field(iban, 34) + _field(statement.currency, 3)
    bank_id = iban[4:7] if structure == "2" else "000"  # the Belgian bank code of the IBAN
    header = _record(
        "0",
        "0000",
        _coda_date(statement.date),  # 6-11 creation date
        bank_id,  # 12-14
        "05",  # 15-16 application code
        " ",  # 17 duplicate code
        " " * 7,
        _field("", 10),  # 25-34 file reference
        _field(HOLDER, 26),  # 35-60 addressee
        _field(HOLDER_BIC, 11),  # 61-71
        "0" * 11,  # 72-82 the account holder's enterprise number
        " ",
        "00000",  # 84-88 separate application code
        " " * 16,  # 89-104 transaction reference
        " " * 16,  # 105-120 related reference
        " " * 7,
        "2",  # 128 version
    )
    old_balance = _record(
        "1",
        structure,
        number,  # 3-5
        account,  # 6-42
        _coda_amount(statement.opening_balance),  # 43-58
        _coda_date(statement.date - datetime.timedelta(days=1)),  # 59-64 old balance date
        _field(HOLDER, 26),  # 65-90
        _field("CURRENT ACCOUNT", 35),  # 91-125 account description
        number,  # 126-128 CODA sequence number
    )
    records = [header, old_balance]
    debit = credit = Decimal(0)
    for sequence, group in enumerate(movements(statement.transactions), 1):
        total = _total(group)
        if total < 0:
            debit -= total
        else:
            credit += total
        if len(group) == 1:
            records += _coda_movement(group[0], sequence, 0, "0", number, globalisation="0")
            continue
        first = group[0]
        bank_total = ParsedTransaction(
            booking_date=first.booking_date,
            value_date=first.value_date,
            amount=total,
            currency=first.currency,
            bank_reference=first.bank_reference,
        )
        records += _coda_movement(bank_total, sequence, 0, "1", number, globalisation="1")
        for detail, transaction in enumerate(group, 1):
            records += _coda_movement(transaction, sequence, detail, "5", number, globalisation="0")
    new_balance = _record(
        "8",
        number,  # 2-4
        account,  # 5-41
        _coda_amount(statement.closing_balance),  # 42-57
        _coda_date(statement.date),  # 58-63 new balance date
        " " * 64,
        "0",  # 128 link code: no free communication (record 4) follows
    )
    records.append(new_balance)
    trailer = _record(
        "9",
        " " * 15,
        f"{len(records) - 1:06d}",  # 17-22 number of records 1, 2, 3 and 8
        _coda_amount(debit)[1:],  # 23-37 debit total
        _coda_amount(credit)[1:],  # 38-52 credit total
        " " * 75,
        "2" if is_last else "1",  # 128 multiple file code: 2, the last one
    )
    return [*records, trailer]


def _coda_movement(
    transaction: ParsedTransaction,
    sequence: int,
    detail: int,
    transaction_type: str,
    statement_number: str,
    *,
    globalisation: str,
) -> list[str]:
    """Records 2.1, 2.2 and 2.3 of a movement; the last ones only when they carry something."""
    key = f"{sequence:04d}{detail:04d}"
    reference = transaction.structured_reference
    text = transaction.free_text
    if reference and text:
        raise ValueError("A CODA movement has a structured or a free communication, not both")
    if reference.startswith("RF"):
        communication = "1100" + reference  # 100: an ISO 11649 creditor reference
    elif reference:
        communication = "1101" + reference  # 101: a Belgian structured communication (OGM)
    else:
        communication = "0" + text[:53]  # free, continued in records 2.2 and 2.3
    if len(text) > 53 + 53 + 43:
        raise ValueError(f"{text!r} is longer than a CODA communication")
    # transaction code: type, family 01 (domestic transfer), transaction 50 (in) / 01 (out)
    code = f"{transaction_type}01{'50' if transaction.amount > 0 else '01'}000"
    bodies = [
        "".join(
            (
                "21",
                key,  # 3-10 sequence and detail number
                _field(transaction.bank_reference, 21),  # 11-31
                _coda_amount(transaction.amount),  # 32-47
                _coda_date(transaction.value_date or transaction.booking_date),  # 48-53
                code,  # 54-61
                _field(communication, 54),  # 62-115 communication type and zone
                _coda_date(transaction.booking_date),  # 116-121 entry date
                statement_number,  # 122-124
                globalisation,  # 125
            )
        ),
        "".join(
            (
                "22",
                key,
                _field(text[53:106], 53),  # 11-63 communication, continued
                _field("", 35),  # 64-98 customer reference
                _field(transaction.counterparty_bic, 11),  # 99-109
                " " * 16,  # 110-125 R-transaction, purposes
            )
        ),
        "".join(
            (
                "23",
                key,
                _field(transaction.counterparty_iban, 34) + "   ",  # 11-47 account, currency
                _field(transaction.counterparty_name, 35),  # 48-82
                _field(text[106:], 43),  # 83-125 communication, continued
            )
        ),
    ]
    while len(bodies) > 1 and not bodies[-1][10:].strip():
        bodies.pop()
    # 126: next code (1: another record of this movement follows), 128: link code (no 3 follows)
    return [
        _record(body, "1" if index < len(bodies) else "0", " ", "0")
        for index, body in enumerate(bodies, 1)
    ]


# --- CAMT.053.001.02 ------------------------------------------------------------------------

CAMT_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
E = ElementMaker(namespace=CAMT_NAMESPACE, nsmap={None: CAMT_NAMESPACE})


def write_camt053(statements: list[ParsedStatement]) -> bytes:
    """A CAMT.053.001.02 document of ``statements`` (one ``Stmt`` each), in the schema's order."""
    created = _timestamp(statements[0].date)
    document = E.Document(
        E.BkToCstmrStmt(
            E.GrpHdr(E.MsgId("OKIOKI-TEST"), E.CreDtTm(created)),
            *[_camt_statement(statement) for statement in statements],
        )
    )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _timestamp(date: datetime.date) -> str:
    return f"{date.isoformat()}T10:00:00"


def _amount(amount: Decimal, currency: str) -> list[etree._Element]:
    """``Amt`` (no sign) and ``CdtDbtInd``."""
    return [
        E.Amt(f"{abs(amount):.2f}", Ccy=currency),
        E.CdtDbtInd("DBIT" if amount < 0 else "CRDT"),
    ]


def _camt_statement(statement: ParsedStatement) -> etree._Element:
    balances = [
        E.Bal(
            E.Tp(E.CdOrPrtry(E.Cd(code))),
            *_amount(balance, statement.currency),
            E.Dt(E.Dt(statement.date.isoformat())),
        )
        for code, balance in (
            ("OPBD", statement.opening_balance),
            ("CLBD", statement.closing_balance),
        )
        if balance is not None
    ]
    return E.Stmt(
        E.Id(statement.number),
        E.CreDtTm(_timestamp(statement.date)),
        E.Acct(E.Id(E.IBAN(statement.account_iban)), E.Ccy(statement.currency)),
        *balances,
        *[_entry(group, statement.account_iban) for group in movements(statement.transactions)],
    )


def _entry(group: list[ParsedTransaction], account_iban: str) -> etree._Element:
    """One ``Ntry``: a transaction, or a batch of several (then each one's amount is in its
    ``AmtDtls``, and each has its own reference)."""
    first, total = group[0], _total(group)
    is_batch = len(group) > 1
    value_date = [E.ValDt(E.Dt(first.value_date.isoformat()))] if first.value_date else []
    family = "ICDT" if total < 0 else "RCDT"  # issued / received credit transfers
    return E.Ntry(
        *_amount(total, first.currency),
        E.Sts("BOOK"),
        E.BookgDt(E.Dt(first.booking_date.isoformat())),
        *value_date,
        *([] if is_batch else [E.AcctSvcrRef(first.bank_reference)]),
        E.BkTxCd(E.Domn(E.Cd("PMNT"), E.Fmly(E.Cd(family), E.SubFmlyCd("ESCT")))),
        E.NtryDtls(
            *([E.Btch(E.NbOfTxs(str(len(group))))] if is_batch else []),
            *[_details(t, account_iban, is_batch=is_batch) for t in group],
        ),
    )


def _details(
    transaction: ParsedTransaction, account_iban: str, *, is_batch: bool
) -> etree._Element:
    """``TxDtls``: both parties (the counterparty is the debtor of a credit, the creditor of a
    debit; the account holder is the other one), their banks, the remittance information."""
    is_credit = transaction.amount > 0
    counterparty = (transaction.counterparty_name, transaction.counterparty_iban)
    holder = (HOLDER, account_iban)
    debtor, creditor = (counterparty, holder) if is_credit else (holder, counterparty)
    debtor_bic, creditor_bic = (
        (transaction.counterparty_bic, HOLDER_BIC)
        if is_credit
        else (HOLDER_BIC, transaction.counterparty_bic)
    )
    parties = [
        *_party("Dbtr", *debtor),
        *_party("Cdtr", *creditor),
    ]
    agents = [
        E(f"{role}Agt", E.FinInstnId(E.BIC(bic)))
        for role, bic in (("Dbtr", debtor_bic), ("Cdtr", creditor_bic))
        if bic
    ]
    remittance = []
    if transaction.free_text:
        remittance.append(E.Ustrd(transaction.free_text))
    reference = transaction.structured_reference
    if reference:
        issuer = "ISO" if reference.startswith("RF") else "BBA"
        remittance.append(
            E.Strd(
                E.CdtrRefInf(
                    E.Tp(E.CdOrPrtry(E.Cd("SCOR")), E.Issr(issuer)),
                    E.Ref(reference),
                )
            )
        )
    return E.TxDtls(
        *(
            [
                E.Refs(E.AcctSvcrRef(transaction.bank_reference)),
                E.AmtDtls(
                    E.TxAmt(E.Amt(f"{abs(transaction.amount):.2f}", Ccy=transaction.currency))
                ),
            ]
            if is_batch
            else []
        ),
        E.RltdPties(*parties),
        *([E.RltdAgts(*agents)] if agents else []),
        *([E.RmtInf(*remittance)] if remittance else []),
    )


def _party(role: str, name: str, iban: str) -> list[etree._Element]:
    """``Dbtr``/``Cdtr`` with its name and ``DbtrAcct``/``CdtrAcct`` with its IBAN."""
    return [
        *([E(role, E.Nm(name))] if name else []),
        *([E(f"{role}Acct", E.Id(E.IBAN(iban)))] if iban else []),
    ]
