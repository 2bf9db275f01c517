"""The EPC QR code ("SEPA credit transfer" QR, EPC069-12) printed on our invoices: the
customer scans it with a banking app and finds the transfer filled in.

Where the Belgian structured communication goes: in line 10, the *structured* creditor
reference, as its 12 digits. EPC069-12 defines that line as a structured creditor reference
("ISO 11649 RF Creditor Reference may be used", not must); Febelfin gives the OGM's digital
form as the 12 digits alone and warns that anything added to it turns the transfer into a free
communication; Belgian ISO 20022 payments carry it as a structured reference too
(``CdtrRefInf`` with issuer ``BBA``). This is what Odoo (``account_qr_code_sepa``, since
Odoo 18) and Let's Peppol do; Let's Peppol moved it there after users reported that their
Belgian banking apps treated the ``+++…+++`` text in line 11 as a free message, not a
structured communication. An RF reference goes in line 10 as well; any other reference
becomes the free remittance text of line 11 (the two lines exclude each other).
"""

import io
import re
from decimal import ROUND_HALF_UP, Decimal

import segno
from stdnum import iban as std_iban
from stdnum import iso11649
from stdnum.be import ogm_vcs

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_NAME = 70
MAX_REFERENCE = 35
MAX_TEXT = 140
MAX_PAYLOAD_BYTES = 331  # what fits in QR version 13 at level M, the EPC maximum


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def epc_payload(*, name: str, iban: str, bic: str = "", amount: Decimal, reference: str) -> str:
    """The EPC069-12 payload (version 002, UTF-8) of a transfer of ``amount`` euro to
    ``name``'s ``iban`` with ``reference``: a Belgian structured communication (12 digits or
    the ``+++…+++`` form), an RF creditor reference, or a free text.

    Raises ``ValueError`` for an invalid IBAN, an amount outside 0.01–999,999,999.99 or a
    payload too long for an EPC QR code.
    """
    # The ISO 13616 check only: stdnum's Belgian bank list lags behind new bank codes, and a
    # customer's banking app checks the account anyway.
    account = std_iban.validate(iban, check_country=False)  # compacted, upper case
    value = Decimal(amount).quantize(MIN_AMOUNT, rounding=ROUND_HALF_UP)
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise ValueError(f"an EPC QR code needs an amount from 0.01 to 999999999.99: {amount}")
    structured, text = "", ""
    reference = reference.strip()
    if reference and ogm_vcs.is_valid(reference):
        structured = ogm_vcs.compact(reference)
    elif reference and iso11649.is_valid(reference):
        structured = iso11649.compact(reference)
    else:
        text = _one_line(reference)[:MAX_TEXT]
    lines = [
        "BCD",  # service tag
        "002",  # version: the BIC may be empty inside the EEA
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        bic.replace(" ", "").upper(),
        _one_line(name)[:MAX_NAME],
        account,
        f"EUR{value}",
        "",  # purpose code
        structured[:MAX_REFERENCE],
        text,
    ]
    # Nothing may follow the last element that has a value.
    while not lines[-1]:
        lines.pop()
    payload = "\n".join(lines)
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError("the payment data is too long for an EPC QR code")
    return payload


def epc_svg(payload: str) -> str:
    """The QR code of ``payload`` as an inline ``<svg>`` (no size: the page's CSS sizes it),
    error correction level M as EPC069-12 requires, with the 4-module quiet zone."""
    code = segno.make(payload, error="m", micro=False, boost_error=False, encoding="utf-8")
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        border=4,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        svgclass="epc-qr",
        lineclass=None,
    )
    return out.getvalue().decode()
