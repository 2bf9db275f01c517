"""Bank statement parsers: CODA 2 and CAMT.053 samples (../shared/data/bank, read by
tests.banking.samples), sniffing, and hostile input that must end in ``StatementRejected``
and nothing else."""

import ast
import datetime
import os
from decimal import Decimal

import pytest

from apps.banking.parsers import (
    StatementRejected,
    parse_camt053,
    parse_coda,
    parse_statement,
    statement_kind,
)
from tests.banking.samples import read


def golden(name: str):
    return ast.literal_eval(read(name).decode())


# --- CAMT.053 -------------------------------------------------------------------------------


def test_camt053_has_every_golden_value():
    currency, iban, statements = golden("golden-camt053.pydata")
    parsed = parse_camt053(read("test-camt053.xml"))
    assert len(parsed) == len(statements) == 1
    statement, expected = parsed[0], statements[0]
    assert statement.currency == currency
    assert statement.account_iban == iban
    assert statement.number == expected["name"]
    assert statement.opening_balance == Decimal(str(expected["balance_start"]))
    assert statement.closing_balance == Decimal(str(expected["balance_end_real"]))
    assert len(statement.transactions) == len(expected["transactions"])
    for transaction, want in zip(statement.transactions, expected["transactions"], strict=True):
        assert transaction.amount == Decimal(str(want["amount"]))
        assert transaction.booking_date == datetime.date.fromisoformat(want["date"])
        assert transaction.counterparty_name == want["partner_name"]
        assert transaction.counterparty_iban == want["account_number"]
        assert want["payment_ref"] in transaction.free_text
        # the golden 'ref' is the end-to-end id; it is in the raw entry, the bank gives none
        assert want["ref"] in transaction.raw
        if "/" not in transaction.sequence:  # a batch's transaction keeps its TxDtls only
            for part in want["transaction_type"].split("-"):
                assert f">{part}<" in transaction.raw
        assert transaction.currency == "EUR"


def test_camt053_batch_is_read_as_its_transactions_and_the_difference_is_shown():
    statement = parse_camt053(read("test-camt053.xml"))[0]
    # the batch entry of 664.05 is its two direct debits of 564.05 and 100.00
    assert [t.sequence for t in statement.transactions] == ["1", "2/1", "2/2", "3"]
    # the sample's movements do not add up to its closing balance: kept, with the difference
    movements = sum(t.amount for t in statement.transactions)
    assert statement.opening_balance is not None
    assert statement.closing_balance is not None
    assert statement.balance_difference == (
        statement.closing_balance - statement.opening_balance - movements
    )
    assert statement.balance_difference == Decimal("-434.16")
    assert statement.date == datetime.date(2014, 1, 6)
    assert statement.transactions[0].counterparty_bic == "ABNANL2A"


def test_camt053_without_entries_is_a_statement_without_transactions():
    # OCA's golden (None, None, []) skips it; we keep the statement and its balances
    assert golden("golden-camt053-no-ntry.pydata") == (None, None, [])
    (statement,) = parse_camt053(read("test-camt053-no-ntry.xml"))
    assert statement.transactions == []
    assert statement.currency == "CHF"
    assert statement.opening_balance == statement.closing_balance == Decimal("1520.76")
    assert statement.balance_difference is None


def _camt(reference: str, issuer: str = "BBA", kind: str = "SCOR") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-02T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-1</Id><CreDtTm>2026-03-02T10:00:00</CreDtTm>
<Acct><Id><IBAN>BE68 5390 0754 7034</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt>
<CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">111.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
<Ntry><Amt Ccy="EUR">121.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-01</Dt></ValDt>
<AcctSvcrRef>BANKREF1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E</EndToEndId></Refs>
<Amt Ccy="EUR">121.00</Amt>
<RltdPties><Dbtr><Pty><Nm>Klant BV</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>BE71096123456769</IBAN></Id></DbtrAcct></RltdPties>
<RltdAgts><DbtrAgt><FinInstnId><BICFI>GKCCBEBB</BICFI></FinInstnId></DbtrAgt></RltdAgts>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>{kind}</Cd></CdOrPrtry><Issr>{issuer}</Issr></Tp>
<Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


def test_camt053_structured_communication_and_signed_balances():
    (statement,) = parse_camt053(_camt("010806817183"))
    assert statement.account_iban == "BE68539007547034"
    assert statement.opening_balance == Decimal("-10.00")
    assert statement.closing_balance == Decimal("111.00")
    assert statement.balance_difference is None
    (transaction,) = statement.transactions
    assert transaction.amount == Decimal("121.00")
    assert transaction.structured_reference == "010806817183"
    assert transaction.bank_reference == "BANKREF1"
    assert transaction.counterparty_name == "Klant BV"
    assert transaction.counterparty_iban == "BE71096123456769"
    assert transaction.counterparty_bic == "GKCCBEBB"
    assert transaction.value_date == datetime.date(2026, 3, 1)
    assert parse_camt053(_camt("+++010/8068/17183+++", issuer=""))[0].transactions[
        0
    ].structured_reference == ("010806817183")
    assert (
        parse_camt053(_camt("RF18 5390 0754 7034", issuer="ISO"))[0]
        .transactions[0]
        .structured_reference
        == "RF18539007547034"
    )


@pytest.mark.parametrize("kind", ["camt.052.001.08", "camt.054.001.08", "pain.001.001.03"])
def test_other_xml_is_not_supported(kind):
    data = _camt("010806817183").replace(b"camt.053.001.08", kind.encode())
    with pytest.raises(StatementRejected) as error:
        parse_camt053(data)
    assert error.value.code == "not_supported"


def test_camt053_with_an_external_entity_is_refused():
    data = _camt("&xxe;").replace(
        b"<Document",
        b'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document',
        1,
    )
    with pytest.raises(StatementRejected) as error:
        parse_statement(data)
    assert error.value.code == "malformed"
    assert "root:" not in error.value.message


# --- CODA -----------------------------------------------------------------------------------


def test_coda_single_statement():
    (statement,) = parse_coda(read("Coda_v2_3_single_statement.txt"))
    assert statement.account_iban == "BE86407051416150"
    assert statement.currency == "EUR"
    assert statement.number == "042"
    assert statement.date == datetime.date(2009, 3, 5)
    assert statement.opening_balance == statement.closing_balance == Decimal(0)
    assert len(statement.transactions) == 30
    first = statement.transactions[0]
    assert first.amount == Decimal(20)
    assert first.bank_reference == "SWJVZ0BN6 BKTBBNPOSKZ"
    assert first.sequence == "0001/0000"
    assert first.raw.startswith("2100010000SWJVZ0BN6 BKTBBNPOSKZ")
    # a globalised movement (type 2) read as its 14 details, which add up to it
    details = [t for t in statement.transactions if t.sequence.startswith("0017/")]
    assert len(details) == 14
    assert sum(t.amount for t in details) == Decimal("-2608.00")
    assert details[0].counterparty_iban == "BE38733040385372"
    assert details[0].counterparty_bic == "KREDBEBB"
    assert details[0].free_text.startswith("OVERBOEKING NAAR CENTRALE REKENING")
    assert sum(t.amount for t in statement.transactions) == (
        statement.closing_balance - statement.opening_balance
    )


def test_coda_febelfin_sample_and_empty_statement():
    (statement,) = parse_coda(read("CODA.txt"))
    assert statement.closing_balance == Decimal("9405296.99")
    assert len(statement.transactions) == 85
    assert sum(t.amount for t in statement.transactions) == Decimal("9405296.99")
    (empty,) = parse_coda(read("CODA-empty.txt"))
    assert empty.transactions == []
    assert empty.opening_balance == empty.closing_balance == Decimal(0)


def test_coda_multi_statements():
    first, second = parse_coda(read("Coda_v2_3_multi_statements.txt"))
    assert first.number == "042"
    assert second.number == "053"
    assert second.account_iban == "BE12341702625236"
    assert len(second.transactions) == 11


def test_coda_globalisation_gives_the_details_not_the_total():
    (statement,) = parse_coda(read("Coda_v2_3_globalisation.txt"))
    amounts = [(t.sequence, t.amount) for t in statement.transactions]
    assert amounts == [
        ("0001/0000", Decimal("113135")),
        ("0002/0000", Decimal("113135")),
        ("0003/0002", Decimal("50000")),
        ("0004/0000", Decimal("-544.30")),
    ]
    detail = statement.transactions[2]
    assert detail.counterparty_iban == "NL123KMG0261239759"
    assert detail.counterparty_name == "XXXX MARKET SA"
    assert detail.booking_date == datetime.date(2014, 12, 10)
    first = statement.transactions[0]
    assert first.free_text == "REDEVANCE JAN-NOV CONTRAT DE GESTION"
    assert first.counterparty_iban == "BE12201702625236"
    assert first.counterparty_bic == "GEBABEBB"


def test_coda_global_movement_without_its_details_is_one_movement():
    # pycoda's "faulty globalisation" sample: a global movement (type 1) whose details never
    # come; its amount is in the balance, which adds up: one movement (as pycoda reads it)
    (statement,) = parse_coda(read("Coda_v2_3_faulty_globalisation.txt"))
    assert len(statement.transactions) == 11
    assert statement.transactions[2].amount == Decimal("-5568.32")


def test_coda_details_that_do_not_add_up_are_a_faulty_globalisation():
    lines = read("Coda_v2_3_globalisation.txt").split(b"\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(b"21000300020"))
    lines[number] = lines[number][:32] + b"000000040000000" + lines[number][47:]
    with pytest.raises(StatementRejected) as error:
        parse_coda(b"\n".join(lines))
    assert error.value.code == "coda_globalisation"
    assert error.value.line == 13  # the global movement the details do not add up to


def test_coda_detail_without_a_global_movement_is_a_faulty_globalisation():
    lines = read("Coda_v2_3_globalisation.txt").split(b"\n")
    # the detail of movement 3 now says it is a detail of movement 9, which does not exist
    lines[17] = lines[17][:2] + b"0009" + lines[17][6:]
    with pytest.raises(StatementRejected) as error:
        parse_coda(b"\n".join(lines))
    assert error.value.code == "coda_globalisation"
    assert error.value.line == 18


def test_coda_faulty_version():
    with pytest.raises(StatementRejected) as error:
        parse_coda(read("Coda_faulty_version.txt"))
    assert (error.value.code, error.value.line) == ("coda_version", 1)
    version_1 = read("CODA.txt").split(b"\n")
    version_1[0] = version_1[0][:127] + b"1"
    with pytest.raises(StatementRejected) as error:
        parse_statement(b"\n".join(version_1))
    assert error.value.code == "coda_version"


def test_coda_balance_broken_by_one_amount():
    lines = read("Coda_v2_3_single_statement.txt").split(b"\n")
    assert lines[2].startswith(b"2100010000")
    lines[2] = lines[2][:32] + b"000000000021000" + lines[2][47:]  # 20.000 -> 21.000
    with pytest.raises(StatementRejected) as error:
        parse_coda(b"\n".join(lines))
    assert error.value.code == "coda_balance"
    broken = next(i for i, line in enumerate(lines, 1) if line.startswith(b"8"))
    assert error.value.line == broken


def test_coda_anonymised_account_mismatch_is_malformed():
    lines = read("Coda_v2_3_globalisation.txt").split(b"\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(b"8"))
    lines[number] = lines[number][:10] + b"9" + lines[number][11:]
    with pytest.raises(StatementRejected) as error:
        parse_coda(b"\n".join(lines))
    assert (error.value.code, error.value.line) == ("malformed", number + 1)


# --- sniffing and hostile input -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("CODA.txt", "coda"),
        ("CODA-empty.txt", "coda"),
        ("Coda_v2_3_multi_statements.txt", "coda"),
        ("Coda_faulty_version.txt", "coda1"),
        ("test-camt053.xml", "camt053"),
        ("test-camt053-no-ntry.xml", "camt053"),
    ],
)
def test_statement_kind(name, kind):
    assert statement_kind(read(name)) == kind


def test_statement_kind_of_other_formats():
    assert statement_kind(b"# Notes\nNot a bank statement at all.\n") is None
    mt940 = b":20:STARTUMSE\r\n:25:BE68539007547034\r\n:28C:00001/001\r\n:60F:C260301EUR10,00\r\n"
    assert statement_kind(mt940) == "mt940"
    assert statement_kind(b"%PDF-1.7\n...") is None
    assert statement_kind(b"") is None
    assert statement_kind(_camt("1").replace(b"camt.053", b"camt.054")) == "camt054"
    for data in (mt940, b"%PDF-1.7\n", b"", b"<html></html>"):
        with pytest.raises(StatementRejected) as error:
            parse_statement(data)
        assert error.value.code == "not_supported"


def test_parse_statement_dispatches():
    assert len(parse_statement(read("Coda_v2_3_multi_statements.txt"))) == 2
    assert parse_statement(read("test-camt053.xml"))[0].number == "1234Test/1"


HOSTILE = [
    os.urandom(4096),
    b"\x00" * 1000,
    b"0" * 10_000_000,
    b"00000" + b"1" * 200 + b"\n",
    read("CODA.txt")[:5000],
    read("CODA.txt").replace(b"\n2", b"\n7", 1),
    read("CODA.txt").split(b"\n", 1)[0] + b"\n" + b"x" * 1_000_000,
    read("Coda_v2_3_single_statement.txt").replace(b"050309", b"990399"),
    read("test-camt053.xml")[:3000],
    read("test-camt053.xml").replace(b"754.25", b"NaN"),
    read("test-camt053.xml").replace(b"2014-01-05", b"yesterday"),
    b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>" + b"<a>" * 5000,
]


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_rejected_never_a_crash(data):
    for parse in (parse_statement, parse_coda, parse_camt053):
        with pytest.raises(StatementRejected) as error:
            parse(data)
        assert error.value.code
