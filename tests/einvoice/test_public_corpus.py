"""The public corpus: every whole e-invoice of the CEN, Peppol, KoSIT XRechnung and ZUGFeRD
repositories (about 370: UBL, CII, Factur-X/ZUGFeRD PDFs), parsed, enveloped and validated.

Opt-in (``make test-corpus``): the documents are the repositories', collected on a machine that
has them by ``scripts/corpus.py collect`` into ``var/corpus`` (never committed), with each one's
official verdict (the CEN rules run directly) and the amounts it states (read with plain XPath).
This module runs when ``EINVOICE_CORPUS`` names such a folder (see tests/einvoice/conftest.py).

- reading never fails other than with a clear refusal (ZUGFeRD 1.0, a wrong root);
- the envelope of every officially EN 16931-valid document states the same BT-106…BT-115,
  line net amounts and VAT breakdown, to the cent, and passes the UBL schema;
- our verdict (XSD + EN 16931) equals the official one; so do the failed rule ids, for UBL always
  and for CII when the CEN CII rules are installed (the stand-in lacks the code-list rules).
"""

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

from apps.einvoice import EInvoiceError, from_pdf, from_xml, to_ubl, validate
from apps.einvoice.cii import profiles
from apps.einvoice.validation import CII_SCHEMATRON, cen_cii_rules

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("EINVOICE_CORPUS", ROOT / "var" / "corpus"))
_SPEC = importlib.util.spec_from_file_location("corpus_script", ROOT / "scripts" / "corpus.py")
assert _SPEC is not None
assert _SPEC.loader is not None
corpus = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(corpus)


def _documents() -> list[dict[str, Any]]:
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        pytest.fail(  # opted in, but nothing collected: say how
            f"no corpus at {CORPUS}: run scripts/corpus.py collect (see its docstring)",
            pytrace=False,
        )
    documents: list[dict[str, Any]] = json.loads(manifest.read_text())["documents"]
    return documents


DOCUMENTS = _documents()
JUDGED = [d for d in DOCUMENTS if d.get("official")]
VALID = [d for d in JUDGED if d["official"]["valid"] and d.get("stated")]
REFUSALS = {"zugferd1", "wrong_root"}  # ZUGFeRD 1.0 (and its odd roots) predates EN 16931


def _ids(documents: list[dict[str, Any]]) -> list[str]:
    return [d["id"] for d in documents]


def _read(entry: dict[str, Any]) -> tuple[bytes, bytes | None]:
    data = (CORPUS / "files" / entry["id"]).read_bytes()
    return data, corpus._embedded_xml(data) if entry["syntax"] == "pdf" else data


def _model(entry: dict[str, Any]) -> Any:
    data, _xml = _read(entry)
    return from_pdf(data) if entry["syntax"] == "pdf" else from_xml(data)


def _below_en16931(model: Any) -> bool:
    return not profiles.is_en16931_invoice(profiles.profile(model.customization_id))


def test_the_corpus_has_every_source():
    sources = {d["id"].split("/")[0] for d in DOCUMENTS}
    assert sources == {"cen", "peppol", "kosit", "zugferd"}
    assert len(DOCUMENTS) >= 350
    assert len(VALID) >= 300


@pytest.mark.parametrize("entry", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_reading_succeeds_or_refuses_with_a_clear_error(entry):
    refused = None
    try:
        _model(entry)
    except EInvoiceError as error:
        refused = error
    if refused is not None:
        assert refused.code in REFUSALS, refused.message
        assert refused.message


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_the_envelope_keeps_every_stated_amount_and_passes_the_schema(entry):
    model = _model(entry)
    if _below_en16931(model):  # no lines: the app envelopes it from its fields (tested there)
        with pytest.raises(EInvoiceError, match="missing_field"):
            to_ubl(model)
        return
    envelope = to_ubl(model)
    assert corpus._stated(envelope) == entry["stated"]
    report = validate(envelope)
    assert "XSD" not in report.fatal_rules
    assert not report.errors


@pytest.mark.parametrize("entry", JUDGED, ids=_ids(JUDGED))
def test_the_verdict_is_the_official_one(entry):
    _data, xml = _read(entry)
    assert xml is not None
    report = validate(xml, peppol=False)
    official = entry["official"]
    assert report.is_valid == official["valid"], (report.fatal_rules, official["rules"])
    if profiles.NOT_EN16931 in report.fatal_rules:
        return  # MINIMUM, BASIC WL: said not to be EN 16931 invoices, whatever else they miss
    if report.syntax == "cii" and cen_cii_rules() == CII_SCHEMATRON:
        return  # the stand-in has no BR-CL rules: the verdict, not every id, is comparable
    ours = ["XSD"] if "XSD" in report.fatal_rules else report.fatal_rules
    assert ours == official["rules"]
