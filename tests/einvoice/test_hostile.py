"""Hostile and broken inputs are refused quickly with one clear error."""

import time
from pathlib import Path

import pytest
from django.conf import settings

from apps.einvoice import EInvoiceError, from_xml, validate

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""
UTF16_XXE = (
    XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
)
DEEP = (
    b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>"
    + b"<a>" * 5000
    + b"</a>" * 5000
    + b"</Invoice>"
)
HUGE = b"<Invoice>" + b" " * (50 * 1024 * 1024) + b"</Invoice>"
# 20 MB of empty elements: under the size limit, but 5 million elements (1.6 GB in libxml2).
FLOOD = b"<Invoice>" + b"<a/>" * 5_000_000 + b"</Invoice>"

CASES = {
    "billion laughs": (BILLION_LAUGHS, "doctype"),
    "external entity": (XXE, "doctype"),
    "external entity in UTF-16": (UTF16_XXE, "doctype"),
    "50 MB file": (HUGE, "too_large"),
    "deep nesting": (DEEP, "too_deep"),
    "5 million elements": (FLOOD, "too_many_elements"),
    "not XML": (b"%PDF-1.4 binary \x00\x01\x02", "not_xml"),
    "empty": (b"", "empty"),
    "truncated": (
        b"<?xml version='1.0'?>"
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><cbc:ID",
        "malformed",
    ),
    "broken encoding": (
        b"<?xml version='1.0' encoding='UTF-8'?><Invoice>caf\xe9</Invoice>",
        "encoding",
    ),
    "wrong root": (b"<html><body>hello</body></html>", "wrong_root"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_refused_quickly_with_a_clear_error(case):
    data, code = CASES[case]
    started = time.perf_counter()
    with pytest.raises(EInvoiceError) as error:
        from_xml(data)
    assert time.perf_counter() - started < 2
    assert error.value.code == code
    assert error.value.message
    assert "Traceback" not in error.value.message


@pytest.mark.parametrize("case", ["billion laughs", "external entity", "not XML", "wrong root"])
def test_validate_reports_hostile_input_as_an_error_not_valid(case):
    report = validate(CASES[case][0])
    assert not report.is_valid
    assert report.errors


def _official(name: str) -> bytes:
    return (Path(settings.SHARED_DATA_DIR) / "peppol" / name).read_bytes()


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "1e5000", "1E+999999", "1_000", "0x10"])
@pytest.mark.parametrize(
    "element",
    [
        '<cbc:PayableAmount currencyID="EUR">',
        '<cbc:InvoicedQuantity unitCode="DAY">',
        "<cbc:Percent>",
    ],
)
def test_ubl_number_that_is_not_a_plain_finite_number_is_a_bad_number(element, number):
    xml = _official("examples_base-example.xml")
    assert element.encode() in xml
    start = xml.index(element.encode()) + len(element)
    end = xml.index(b"<", start)
    with pytest.raises(EInvoiceError) as error:
        from_xml(xml[:start] + number.encode() + xml[end:])
    assert error.value.code == "bad_number"
    assert number[:10] in error.value.message


def test_utf7_xml_is_an_invalid_report_with_its_reason_not_a_crash():
    xml = (
        b'<?xml version="1.0" encoding="UTF-7"?>\n'
        b"+ADwAIQ-DOCTYPE Invoice +AFsAPAAh-ENTITY a +ACI-x+ACIAPgBd-+AD4-\n"
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&a;</Invoice>'
    )
    report = validate(xml)
    assert not report.is_valid
    assert "UTF-7" in report.errors[0]


def test_whatever_the_validator_raises_becomes_an_invalid_report():
    report = validate("<Invoice/>")  # type: ignore[arg-type] # not bytes: the parser raises
    assert not report.is_valid
    assert report.errors[0].startswith("validator failed: TypeError")
