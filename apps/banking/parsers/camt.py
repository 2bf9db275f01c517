"""CAMT.053 (ISO 20022 bank-to-customer statement) read with pycamt.

The XML is parsed once, by our hardened parser (no DTD, no entities, size and depth
limits); pycamt then reads that tree, per statement, instead of parsing the text again.
pycamt gives amounts without their sign and balances as floats: the signs (``CdtDbtInd``),
the balances and the structured reference are read here, as ``Decimal``.
"""

import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree
from pycamt.parser import Camt053Parser

from apps.banking.parsers.base import ParsedStatement, ParsedTransaction, StatementRejected
from apps.core.xml import XMLRejected, parse_xml

_NOT_SUPPORTED = "This XML is not a CAMT.053 bank statement."


class _Tree(Camt053Parser):
    """pycamt over a tree already parsed (safely) by ``parse_xml``."""

    def __init__(self, root: etree._Element):
        self.tree = root
        # pycamt's paths have no prefix: the default namespace (key None) is theirs
        self.namespaces = root.nsmap
        self.version = self._detect_version()


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element | None, *path: str) -> list[etree._Element]:
    """The elements at ``path`` (local names) under ``element``, whatever their namespace."""
    found = [element] if element is not None else []
    for name in path:
        found = [child for parent in found for child in parent if _local(child) == name]
    return found


def _text(element: etree._Element | None, *path: str) -> str:
    found = _children(element, *path)
    return (found[0].text or "").strip() if found else ""


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StatementRejected("malformed", f"{text!r} is not an amount.") from None
    if not value.is_finite():
        raise StatementRejected("malformed", f"{text!r} is not an amount.")
    return value


def _signed(element: etree._Element | None, indicator: str) -> Decimal:
    """The ``Amt`` of ``element`` with the sign of ``indicator`` (``DBIT``: negative)."""
    value = _decimal(_text(element, "Amt"))
    return -value if indicator == "DBIT" else value


def _date(text: str) -> datetime.date | None:
    """A date (``2014-01-05``) or a date and time (``2014-01-05T16:20:26.673Z``)."""
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise StatementRejected("malformed", f"{text!r} is not a date.") from None


def parse_camt053(data: bytes) -> list[ParsedStatement]:
    """The statements (``Stmt``) of a CAMT.053 file; ``StatementRejected("not_supported")``
    for camt.052/054 or another XML, ``"malformed"`` for XML we refuse or cannot read."""
    try:
        root = parse_xml(data)
    except XMLRejected as error:
        raise StatementRejected("malformed", error.message) from None
    namespace = etree.QName(root).namespace or ""
    if _local(root) != "Document" or "camt.053" not in namespace:
        raise StatementRejected("not_supported", _NOT_SUPPORTED)
    statements = _children(root, "BkToCstmrStmt", "Stmt")
    if not statements:
        raise StatementRejected("not_supported", _NOT_SUPPORTED)
    reader = _Tree(root)
    try:
        return [_statement(reader, statement) for statement in statements]
    except StatementRejected:
        raise
    except Exception as error:  # pycamt reads what the schema says is there: anything else
        raise StatementRejected(
            "malformed", f"The CAMT.053 file cannot be read: {error!r}"[:300]
        ) from None


def _statement(reader: _Tree, statement: etree._Element) -> ParsedStatement:
    balances: dict[str, tuple[Decimal, str]] = {}
    for balance in _children(statement, "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd")
        if code in ("OPBD", "CLBD") and code not in balances:
            found = _children(balance, "Amt")
            currency = found[0].get("Ccy", "") if found else ""
            balances[code] = (_signed(balance, _text(balance, "CdtDbtInd")), currency)
    opening = balances.get("OPBD", (None, ""))[0]
    closing = balances.get("CLBD", (None, ""))[0]
    currency = _text(statement, "Acct", "Ccy") or next((c for _, c in balances.values() if c), "")
    account = _children(statement, "Acct", "Id", "IBAN")
    iban = "".join((account[0].text or "").split()).upper() if account else ""

    transactions: list[ParsedTransaction] = []
    movements = Decimal(0)
    for index, entry in enumerate(_children(statement, "Ntry"), 1):
        indicator = _text(entry, "CdtDbtInd")
        amount = _signed(entry, indicator)
        movements += amount
        transactions.extend(_transactions(reader, entry, index, amount, currency))

    difference = None
    if opening is not None and closing is not None and opening + movements != closing:
        difference = closing - opening - movements
    created = _date(_text(statement, "CreDtTm")) or _date(
        _text(statement.getroottree().getroot(), "BkToCstmrStmt", "GrpHdr", "CreDtTm")
    )
    if created is None:
        raise StatementRejected("malformed", "The statement has no creation date.")
    return ParsedStatement(
        account_iban=iban,
        currency=currency,
        number=_text(statement, "Id") or _text(statement, "ElctrncSeqNb"),
        date=created,
        opening_balance=opening,
        closing_balance=closing,
        transactions=transactions,
        balance_difference=difference,
    )


def _transactions(
    reader: _Tree,
    entry: etree._Element,
    index: int,
    amount: Decimal,
    currency: str,
) -> list[ParsedTransaction]:
    """An entry, or its transactions (``TxDtls``) when it is a batch of several whose
    amounts add up to it."""
    indicator = _text(entry, "CdtDbtInd")
    details = _children(entry, "NtryDtls", "TxDtls")
    # without the statement: pycamt would look up its account's IBAN again for each entry, a
    # walk of the whole statement (quadratic: 44 s for 10,000 entries); _statement reads it once
    common = reader._extract_common_entry_data(entry, None)
    booking = _date(common.get("BookingDate") or "")
    value = _date(common.get("ValueDate") or "")
    if booking is None:
        booking = value
    if booking is None:
        raise StatementRejected("malformed", f"Entry {index} has no booking date.")
    entry_currency = common.get("Currency") or currency
    bank_reference = (common.get("TransactionID") or "").strip()
    raw_entry = etree.tostring(entry, encoding="unicode")

    parts: list[tuple[etree._Element | None, Decimal]] = []
    if len(details) > 1:
        amounts = [_detail_amount(detail, indicator) for detail in details]
        known = [a for a in amounts if a is not None]
        if len(known) == len(details) and sum(known, Decimal(0)) == amount:
            parts = list(zip(details, known, strict=True))
    if not parts:
        parts = [(details[0] if details else None, amount)]

    result = []
    for number, (detail, part_amount) in enumerate(parts, 1):
        data = reader._extract_transaction_details(detail) if detail is not None else {}
        if part_amount < 0:
            name, iban = data.get("CreditorName"), data.get("CreditorIBAN")
            bic = _text(detail, "RltdAgts", "CdtrAgt", "FinInstnId", "BIC") or _text(
                detail, "RltdAgts", "CdtrAgt", "FinInstnId", "BICFI"
            )
        else:
            name, iban = data.get("DebtorName"), data.get("DebtorIBAN")
            bic = _text(detail, "RltdAgts", "DbtrAgt", "FinInstnId", "BIC") or _text(
                detail, "RltdAgts", "DbtrAgt", "FinInstnId", "BICFI"
            )
        free = data.get("RemittanceInformationFull") or ""
        if detail is not None and _children(detail, "RmtInf", "Strd"):
            free = " ".join(
                (u.text or "").strip() for u in _children(detail, "RmtInf", "Ustrd") if u.text
            )
        extra = _text(detail, "AddtlTxInf") or common.get("AdditionalEntryInformation") or ""
        if extra and extra not in free:
            free = f"{free}\n{extra}" if free else extra
        reference = (
            _text(detail, "Refs", "AcctSvcrRef")
            or bank_reference
            or (data.get("EndToEndId") or "").strip()
        )
        result.append(
            ParsedTransaction(
                booking_date=booking,
                value_date=value,
                amount=part_amount,
                currency=entry_currency,
                counterparty_name=(name or "").strip(),
                counterparty_iban="".join((iban or "").split()).upper(),
                counterparty_bic=bic.upper(),
                structured_reference=_structured(detail),
                free_text=free.strip(),
                bank_reference=reference,
                sequence=str(index) if len(parts) == 1 else f"{index}/{number}",
                raw=raw_entry
                if len(parts) == 1 or detail is None
                else etree.tostring(detail, encoding="unicode"),
            )
        )
    return result


def _detail_amount(detail: etree._Element, indicator: str) -> Decimal | None:
    """A transaction's amount (``Amt`` in .04 and later, ``AmtDtls/TxAmt/Amt`` in .02)."""
    own = _text(detail, "CdtDbtInd") or indicator
    for path in (("Amt",), ("AmtDtls", "TxAmt", "Amt")):
        found = _children(detail, *path)
        if found:
            value = _decimal((found[0].text or "").strip())
            return -value if own == "DBIT" else value
    return None


def _structured(detail: etree._Element | None) -> str:
    """The creditor reference of ``RmtInf/Strd/CdtrRefInf``: a Belgian structured
    communication (``SCOR`` issued by ``BBA``) as its 12 digits, or an RF reference."""
    for reference in _children(detail, "RmtInf", "Strd", "CdtrRefInf"):
        text = "".join(ch for ch in _text(reference, "Ref") if not ch.isspace())
        digits = "".join(ch for ch in text if ch.isdigit())
        issuer = _text(reference, "Tp", "Issr").upper()
        if text.upper().startswith("RF"):
            return text.upper()
        if len(digits) == 12 and (issuer == "BBA" or text.strip("+*/0123456789") == ""):
            return digits
    return ""
