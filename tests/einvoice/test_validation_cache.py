"""A verdict is judged once per content: the same UBL, the same rules, the report from the
cache (an invoice's UBL is judged when issued, again as a document and before delivery)."""

from apps.einvoice import to_ubl, validate, validation
from tests.einvoice import samples


def _counting(monkeypatch) -> list[bytes]:
    judged: list[bytes] = []
    real = validation._validate

    def counted(report, xml, *, peppol):
        judged.append(xml)
        return real(report, xml, peppol=peppol)

    monkeypatch.setattr(validation, "_validate", counted)
    return judged


def test_the_same_ubl_is_judged_once_and_another_again(monkeypatch):
    judged = _counting(monkeypatch)
    xml = to_ubl(samples.domestic_mixed())
    first = validate(xml)
    again = validate(xml)
    assert first.is_valid
    assert again == first
    assert len(judged) == 1
    validate(xml, peppol=False)  # another question about the same bytes
    validate(xml.replace(b"</Invoice>", b"<!-- changed --></Invoice>"))
    assert len(judged) == 3


def test_a_kept_report_is_a_copy():
    xml = to_ubl(samples.domestic_mixed())
    validate(xml).failures.append("changed by its caller")
    assert "changed by its caller" not in validate(xml).failures


def test_a_report_whose_validator_failed_is_not_kept(monkeypatch):
    xml = to_ubl(samples.domestic_mixed())
    real = validation._validate
    calls = []

    def fails_once(report, data, *, peppol):
        calls.append(data)
        if len(calls) == 1:
            raise RuntimeError("Saxon went away")
        return real(report, data, peppol=peppol)

    monkeypatch.setattr(validation, "_validate", fails_once)
    assert validate(xml).errors
    assert validate(xml).is_valid
    assert len(calls) == 2
