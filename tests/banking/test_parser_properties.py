"""Properties of the bank statement parsers: a generated statement, written as CODA 2 or as
CAMT.053 by our own writers (tests.banking.writers), reads back as itself through
``parse_statement``; a CODA file that does not add up is refused at the record that breaks;
a CAMT one is kept, with its difference."""

import codecs
import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

from apps.banking.parsers import (
    ParsedStatement,
    ParsedTransaction,
    StatementRejected,
    parse_statement,
    statement_kind,
)
from tests.banking.writers import CODA_ENCODING, movements, write_camt053, write_coda

D = Decimal
PROPERTY = settings(max_examples=50, deadline=None)

# CODA writes years with two digits, read as 1969-2068 (strptime's %y).
statement_dates = st.dates(datetime.date(1970, 1, 20), datetime.date(2068, 12, 20))
currencies = st.sampled_from(["EUR", "EUR", "USD", "CHF", "GBP"])
amounts = st.one_of(
    st.decimals(D("0.01"), D("999.99"), places=2),
    st.decimals(D("0.01"), D("9999999999.99"), places=2),  # a CODA amount has 15 digits
)
balances = st.decimals(D("-9999999999.99"), D("9999999999.99"), places=2)
# The CODA parser decodes windows-1252 (as febelfin-coda does) and banks write ISO 8859-1;
# the two agree on Latin-1's printable characters (0x20-0x7E, 0xA0-0xFF: é è ç ë ï ô à ...),
# so names and texts are drawn from them. Not cp850: its é (0x82) would read as "‚". Control
# characters are no text (and a line break would cut a record in two).
latin_1 = st.characters(codec="latin-1", exclude_categories=["Cc"])
names = st.one_of(
    st.sampled_from(["Brasserie Ça Va", "Hélène Noël", "Boulangerie Léonie & Fils", "Zoë Mertens"]),
    st.text(latin_1, max_size=35),  # CODA's field has 35 characters
)
free_texts = st.text(latin_1, max_size=140)  # CAMT's Ustrd has 140
bank_references = st.from_regex(r"[A-Z0-9]([A-Z0-9 ]{0,19}[A-Z0-9])?", fullmatch=True)
bics = st.just("") | st.from_regex(r"[A-Z]{4}BE[A-Z0-9]{2}([A-Z0-9]{3})?", fullmatch=True)


@st.composite
def belgian_ibans(draw) -> str:
    """A Belgian IBAN: bank code and account (10 digits), their mod 97, the IBAN's own check."""
    account = draw(st.from_regex(r"[0-9]{10}", fullmatch=True))
    bban = account + f"{int(account) % 97 or 97:02d}"
    return f"BE{iban.calc_check_digits('BE00' + bban)}{bban}"


@st.composite
def dutch_ibans(draw) -> str:
    """A Dutch IBAN (a bank code of 4 letters, an account of 10 digits): letters in an IBAN."""
    bban = draw(st.from_regex(r"[A-Z]{4}[0-9]{10}", fullmatch=True))
    return f"NL{iban.calc_check_digits('NL00' + bban)}{bban}"


@st.composite
def ogms(draw) -> str:
    """A Belgian structured communication (OGM/VCS), as its 12 digits."""
    number = draw(st.from_regex(r"[0-9]{10}", fullmatch=True))
    return ogm_vcs.validate(number + ogm_vcs.calc_check_digits(number))


@st.composite
def rf_references(draw) -> str:
    """An ISO 11649 creditor reference (RF, check digits, up to 21 letters and digits)."""
    body = draw(st.from_regex(r"[A-Z0-9]{1,21}", fullmatch=True))
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


@st.composite
def transaction(
    draw, *, sign: int, booking: datetime.date, value: datetime.date | None, currency: str
):
    """A transaction with an OGM, an RF reference, a free text or no communication (CODA
    carries one of them, never a structured and a free one)."""
    communication = draw(st.sampled_from(["ogm", "rf", "free", "none"]))
    references = {"ogm": ogms(), "rf": rf_references()}
    return ParsedTransaction(
        booking_date=booking,
        value_date=value,
        amount=sign * draw(amounts),
        currency=currency,
        counterparty_name=draw(names),
        counterparty_iban=draw(st.just("") | belgian_ibans() | dutch_ibans()),
        counterparty_bic=draw(bics),
        structured_reference=draw(references.get(communication, st.just(""))),
        free_text=draw(free_texts) if communication == "free" else "",
        bank_reference=draw(bank_references),
    )


@st.composite
def movement(draw, *, date: datetime.date, currency: str, mixed_signs: bool):
    """One transaction, or a globalised movement (a batch) of 2 or 3 with the same dates and,
    unless ``mixed_signs`` (CODA: a bank's total of credits and charges), the same sign (a
    CAMT.053.001.02 batch: its transactions have no sign of their own)."""
    booking = date - datetime.timedelta(days=draw(st.integers(0, 10)))
    value = draw(
        st.none() | st.integers(-5, 5).map(lambda days: booking + datetime.timedelta(days))
    )
    size = draw(st.sampled_from([1, 1, 1, 2, 3]))
    signs = draw(st.lists(st.sampled_from([1, -1]), min_size=size, max_size=size))
    if not mixed_signs:
        signs = [signs[0]] * size
    return [
        draw(transaction(sign=sign, booking=booking, value=value, currency=currency))
        for sign in signs
    ]


@st.composite
def statements(draw, *, mixed_signs: bool = False) -> ParsedStatement:
    date = draw(statement_dates)
    currency = draw(currencies)
    transactions = [
        replace(t, sequence=str(number))
        for number in range(1, draw(st.integers(1, 5)) + 1)
        for t in draw(movement(date=date, currency=currency, mixed_signs=mixed_signs))
    ]
    opening = draw(balances)
    return ParsedStatement(
        account_iban=draw(belgian_ibans()),
        currency=currency,
        number=f"{draw(st.integers(1, 999)):03d}",
        date=date,
        opening_balance=opening,
        closing_balance=opening + sum((t.amount for t in transactions), D(0)),
        transactions=transactions,
    )


nonzero_differences = st.builds(
    lambda sign, amount: sign * amount,
    st.sampled_from([1, -1]),
    st.decimals(D("0.01"), D("1000"), places=2),
)


def expected(statement: ParsedStatement, kind: str) -> ParsedStatement:
    """``statement`` as the parser of ``kind`` gives it back: its own numbering of the
    movements, the texts trimmed as it trims them (CODA's communication runs over three
    records: its spaces are collapsed), no raw records (checked apart)."""
    transactions = []
    for number, group in enumerate(movements(statement.transactions), 1):
        for detail, transaction in enumerate(group, 1):
            value_date = transaction.value_date
            if kind == "coda":
                sequence = f"{number:04d}/{detail if len(group) > 1 else 0:04d}"
                free_text = " ".join(transaction.free_text.split())
                value_date = value_date or transaction.booking_date  # CODA always has one
            else:
                sequence = str(number) if len(group) == 1 else f"{number}/{detail}"
                free_text = transaction.free_text.strip()
            transactions.append(
                replace(
                    transaction,
                    value_date=value_date,
                    counterparty_name=transaction.counterparty_name.strip(),
                    free_text=free_text,
                    sequence=sequence,
                    raw="",
                )
            )
    return replace(statement, transactions=transactions)


def without_raw(statement: ParsedStatement) -> ParsedStatement:
    return replace(statement, transactions=[replace(t, raw="") for t in statement.transactions])


# --- round trips ----------------------------------------------------------------------------


def saved_as_utf8(data: bytes) -> bytes:
    """A CODA file opened and saved again by a text editor, as UTF-8 with a byte order mark."""
    return codecs.BOM_UTF8 + data.decode(CODA_ENCODING).encode()


@PROPERTY
@given(
    written=st.lists(statements(mixed_signs=True), min_size=1, max_size=3),
    newline=st.sampled_from(["\n", "\r\n"]),
    is_saved_again=st.booleans(),
)
def test_a_coda_file_reads_back_as_the_statements_written(written, newline, is_saved_again):
    data = write_coda(written, newline=newline)
    lines = data.decode(CODA_ENCODING).split(newline)
    if is_saved_again:
        data = saved_as_utf8(data)
    assert statement_kind(data) == "coda"
    parsed = parse_statement(data)
    assert [without_raw(s) for s in parsed] == [expected(s, "coda") for s in written]
    for transaction in (t for s in parsed for t in s.transactions):
        # its raw records are the file's: its record 2.1 first, then its 2.2 and 2.3
        first, *others = transaction.raw.split("\n")
        assert first.startswith("21" + transaction.sequence.replace("/", ""))
        assert all(line.startswith(("22", "23")) for line in others)
        assert all(line in (record.rstrip() for record in lines) for line in [first, *others])


def test_a_coda_file_saved_again_as_utf8_with_a_bom_is_read_as_utf8():
    # the regression the round trip found: statement_kind skipped the byte order mark, the
    # parser read it as windows-1252 text and refused line 1 as longer than a record
    date = datetime.date(2026, 3, 2)
    payment = ParsedTransaction(
        booking_date=date,
        value_date=date,
        amount=D("-12.50"),
        currency="EUR",
        counterparty_name="Brasserie Ça Été",
        free_text="Facture n° 12 - déjà payée",
        bank_reference="REF1",
    )
    statement = ParsedStatement(
        account_iban="BE68539007547034",
        currency="EUR",
        number="042",
        date=date,
        opening_balance=D("100"),
        closing_balance=D("87.50"),
        transactions=[payment],
    )
    (parsed,) = parse_statement(saved_as_utf8(write_coda([statement])))
    assert parsed.transactions[0].counterparty_name == "Brasserie Ça Été"
    assert parsed.transactions[0].free_text == "Facture n° 12 - déjà payée"


@PROPERTY
@given(written=st.lists(statements(), min_size=1, max_size=3))
def test_a_camt053_file_reads_back_as_the_statements_written(written):
    data = write_camt053(written)
    assert statement_kind(data) == "camt053"
    parsed = parse_statement(data)
    assert [without_raw(s) for s in parsed] == [expected(s, "camt053") for s in written]
    for transaction in (t for s in parsed for t in s.transactions):
        # a transaction's raw XML is its entry, or its TxDtls in a batch
        tag = "<TxDtls" if "/" in transaction.sequence else "<Ntry"
        assert transaction.raw.startswith(tag)
        assert transaction.bank_reference in transaction.raw


# --- statements that do not add up ----------------------------------------------------------


@PROPERTY
@given(
    written=st.lists(statements(), min_size=1, max_size=3),
    broken=st.integers(0, 2),
    difference=nonzero_differences,
    where=st.sampled_from(["new balance", "trailer"]),
)
def test_a_coda_file_that_does_not_add_up_is_refused_at_the_record_that_breaks(
    written, broken, difference, where
):
    broken %= len(written)
    statement = written[broken]
    if where == "new balance":
        assert statement.closing_balance is not None
        written[broken] = replace(statement, closing_balance=statement.closing_balance + difference)
    lines = write_coda(written).decode(CODA_ENCODING).split("\n")
    record = "8" if where == "new balance" else "9"
    line = [number for number, text in enumerate(lines, 1) if text.startswith(record)][broken]
    if where == "trailer":  # its debit total (23-37), or its credit total (38-52)
        start = 22 if difference < 0 else 37
        total = D(lines[line - 1][start : start + 15]) / 1000 + abs(difference)
        lines[line - 1] = (
            lines[line - 1][:start] + f"{int(total * 1000):015d}" + lines[line - 1][start + 15 :]
        )
    with pytest.raises(StatementRejected) as error:
        parse_statement("\n".join(lines).encode(CODA_ENCODING))
    assert error.value.code == "coda_balance"
    assert error.value.line == line


@PROPERTY
@given(statement=statements(), difference=nonzero_differences)
def test_a_camt053_statement_that_does_not_add_up_is_kept_with_its_difference(
    statement, difference
):
    assert statement.closing_balance is not None
    off = replace(statement, closing_balance=statement.closing_balance + difference)
    (parsed,) = parse_statement(write_camt053([off]))
    assert parsed.balance_difference == difference
    assert without_raw(parsed) == replace(expected(off, "camt053"), balance_difference=difference)
