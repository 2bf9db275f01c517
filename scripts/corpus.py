"""A public corpus of e-invoices, and how our engine does on it (issue 12's proof).

Usage:
    python scripts/corpus.py collect --cen DIR --peppol DIR --kosit DIR --zugferd DIR [--into D]
    python scripts/corpus.py measure [--corpus D] [--label NAME] [--out FILE.json]

``collect`` gathers the whole e-invoices (UBL Invoice and CreditNote, CII, Factur-X/ZUGFeRD
PDFs) of four public repositories, as checked out (``git worktree``/``git archive``) from:

- ``--cen``     ConnectingEurope/eInvoicing-EN16931 (examples and test documents, the CEN
                EN 16931 UBL and CII rules 1.3.16 and the CII D16B schema);
- ``--peppol``  OpenPEPPOL/peppol-bis-invoice-3 (examples, snippets, national examples);
- ``--kosit``   itplr-kosit/xrechnung-testsuite (XRechnung business and technical cases);
- ``--zugferd`` ZUGFeRD/corpus (XML-Rechnung UBL/CII/Factur-X, ZUGFeRD 1 and 2 PDFs, Peppol).

into ``var/corpus/`` (git-ignored: the files are the repositories', never committed), with
``manifest.json``: for each document its origin (repository, commit, path, SHA-256), syntax,
the **official verdict** (XSD, then the CEN EN 16931 rules of the CEN repository run directly
with Saxon, independently of our validator: valid or not, and the ids of the rules that
failed) and the **amounts it states** (BT-106…BT-115, each line's BT-131, the VAT breakdown,
read with plain XPath by ``tests/einvoice/stated.py``, not by our parser).

``measure`` runs the engine of the checkout it lives in over the corpus: parse (``from_xml`` or
``from_pdf``), envelope (``to_ubl`` of what was read), validate (our XSD + EN 16931 layers of
the source, compared with the official verdict and rule ids; Peppol rules on the envelope) and
prints the counts issue 12 asks for; ``--out`` saves every document's outcome as JSON. Copy this
file (and ``tests/einvoice/stated.py``) into an older checkout to measure it the same way.
"""

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
import traceback
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "var" / "corpus"

UBL_NS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
# (source, repository, folders with whole documents) — unit-test fragments are left out.
SOURCES = {
    "cen": (
        "ConnectingEurope/eInvoicing-EN16931",
        ["ubl/examples", "cii/examples", "test/testfiles", "test/cii"],
    ),
    "peppol": (
        "OpenPEPPOL/peppol-bis-invoice-3",
        ["rules/examples", "rules/snippets", "rules/national-examples"],
    ),
    "kosit": (
        "itplr-kosit/xrechnung-testsuite",
        ["src/test/business-cases", "src/test/technical-cases"],
    ),
    "zugferd": (
        "ZUGFeRD/corpus",
        ["XML-Rechnung", "ZUGFeRDv1/correct", "ZUGFeRDv2/correct", "PEPPOL/Valid"],
    ),
}
CEN_UBL_XSLT = "ubl/xslt/EN16931-UBL-validation.xslt"
CEN_CII_XSLT = "cii/xslt/EN16931-CII-validation.xslt"
CII_XSD = "cii/schema/D16B SCRDM (Subset)/uncoupled clm/CII/uncefact/data/standard"
MAX_BYTES = 20 * 1024 * 1024


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _commit(folder: Path) -> str:
    """The commit a checkout is at: git's, or a ``.commit`` file beside an exported tree."""
    if (folder / ".commit").is_file():
        return (folder / ".commit").read_text().strip()
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, a folder the user names
            ["git", "-C", str(folder), "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _syntax(data: bytes) -> str:
    """ "ubl", "cii", "pdf" or "" (not a whole e-invoice: unit-test sets, code lists, ...)."""
    if data[:5] == b"%PDF-":
        return "pdf"
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return ""
    namespace = etree.QName(root).namespace
    if namespace in UBL_NS:
        return "ubl"
    return "cii" if namespace == CII_NS else ""


def _embedded_xml(pdf: bytes) -> bytes | None:
    from facturx import get_xml_from_pdf

    logging.getLogger("factur-x").setLevel(logging.WARNING)
    try:
        _name, xml = get_xml_from_pdf(pdf, check_xsd=False)
    except Exception:
        return None
    return xml or None


class Official:
    """The CEN EN 16931 rules as the CEN repository publishes them, run with Saxon directly."""

    def __init__(self, cen: Path) -> None:
        from lxml import etree
        from saxonche import PySaxonProcessor

        from apps.einvoice.validation import UBL_XSD

        self.processor = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        self.rules = {
            "ubl": compiler.compile_stylesheet(stylesheet_file=str(cen / CEN_UBL_XSLT)),
            "cii": compiler.compile_stylesheet(stylesheet_file=str(cen / CEN_CII_XSLT)),
        }
        cii_xsd = cen / CII_XSD / "CrossIndustryInvoice_100pD16B.xsd"
        self.schemas = {
            "Invoice": etree.XMLSchema(etree.parse(str(UBL_XSD["Invoice"]))),
            "CreditNote": etree.XMLSchema(etree.parse(str(UBL_XSD["CreditNote"]))),
            "CrossIndustryInvoice": etree.XMLSchema(etree.parse(str(cii_xsd))),
        }

    def verdict(self, xml: bytes) -> dict[str, Any]:
        """{"valid": bool, "rules": [failed fatal rule ids], "warnings": [...]} ("XSD" for the
        schema)."""
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        root = etree.fromstring(xml, parser)
        name = etree.QName(root).localname
        if not self.schemas[name].validate(root.getroottree()):
            return {"valid": False, "rules": ["XSD"], "warnings": []}
        syntax = "cii" if name == "CrossIndustryInvoice" else "ubl"
        node = self.processor.parse_xml(xml_text=etree.tostring(root, encoding="unicode"))
        svrl = self.rules[syntax].transform_to_string(xdm_node=node)
        report = etree.fromstring(svrl.encode())
        fatal, warnings = set(), set()
        for failed in report.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert"):
            rule = failed.get("id") or "?"
            (warnings if failed.get("flag") == "warning" else fatal).add(rule)
        return {"valid": not fatal, "rules": sorted(fatal), "warnings": sorted(warnings)}


def _stated(xml: bytes) -> dict[str, Any] | None:
    from tests.einvoice.stated import stated_amounts

    try:
        return _jsonable(stated_amounts(xml))
    except Exception:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def collect(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()
    into = Path(args.into)
    folders = {name: Path(getattr(args, name)) for name in SOURCES}
    official = Official(folders["cen"])
    (into / "files").mkdir(parents=True, exist_ok=True)
    rules = into / "rules"
    rules.mkdir(exist_ok=True)
    for relative in (CEN_UBL_XSLT, CEN_CII_XSLT):
        data = (folders["cen"] / relative).read_bytes()
        (rules / Path(relative).name).write_bytes(data)
    entries, seen = [], set()
    for source, (repository, roots) in SOURCES.items():
        base, commit = folders[source], _commit(folders[source])
        for root in roots:
            for path in sorted((base / root).rglob("*")):
                if path.suffix.lower() not in (".xml", ".pdf") or not path.is_file():
                    continue
                data = path.read_bytes()
                syntax = _syntax(data) if len(data) <= MAX_BYTES else ""
                digest = _sha256(data)
                if not syntax or digest in seen:
                    continue
                seen.add(digest)
                relative = path.relative_to(base).as_posix()
                target = into / "files" / source / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                xml = _embedded_xml(data) if syntax == "pdf" else data
                entry: dict[str, Any] = {
                    "id": f"{source}/{relative}",
                    "repository": repository,
                    "commit": commit,
                    "path": relative,
                    "sha256": digest,
                    "syntax": syntax,
                    "embedded": _syntax(xml) if syntax == "pdf" and xml else "",
                }
                if xml and (syntax != "pdf" or entry["embedded"]):
                    try:
                        entry["official"] = official.verdict(xml)
                    except Exception as error:  # the official rules' own failure, recorded
                        entry["official"] = {"valid": False, "rules": [], "error": str(error)}
                    entry["stated"] = _stated(xml)
                entries.append(entry)
    manifest = {
        "made_by": "scripts/corpus.py collect",
        "rules": {
            "cen_ubl": f"{SOURCES['cen'][0]}@{_commit(folders['cen'])}:{CEN_UBL_XSLT}",
            "cen_cii": f"{SOURCES['cen'][0]}@{_commit(folders['cen'])}:{CEN_CII_XSLT}",
        },
        "documents": entries,
    }
    (into / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    counts = Counter(entry["syntax"] for entry in entries)
    valid = sum(1 for entry in entries if entry.get("official", {}).get("valid"))
    print(f"collected {len(entries)} documents {dict(counts)}, {valid} EN 16931-valid officially")


def _layer_rules(report: Any, layers: tuple[str, ...]) -> list[str]:
    return sorted(
        {f.rule for f in report.failures if f.severity == "fatal" and f.layer in layers}
        | ({"ERROR"} if report.errors else set())
    )


def _received_envelope(model: Any, to_ubl: Any) -> bytes | None:
    """The envelope a received e-invoice gets for the accountant of a Belgian buyer: completed
    from the buyer's data where this checkout's envelope does that (``fill_received``)."""
    from apps.companies.models import Company
    from apps.documents.models import Category, Document

    try:
        from apps.documents.envelope import fill_received
    except ImportError:  # before issue 12: the read model as it was
        fill_received = None
    company = Company(
        name="Brasserie Demo BV",
        enterprise_number="0403170701",
        vat_number="BE0403170701",
        street="Grote Markt 1",
        postal_code="1000",
        city="Brussel",
        country="BE",
    )
    document = Document(company=company, category=Category.PURCHASES)
    try:
        if fill_received is not None:
            model = fill_received(model, document)[0]
        return bytes(to_ubl(model))
    except Exception:
        return None


def measure(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
    os.environ.setdefault("DEBUG", "true")
    django.setup()
    from apps.einvoice import from_pdf, from_xml, to_ubl, validate

    corpus = Path(args.corpus)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    outcomes = []
    started = time.perf_counter()
    for entry in manifest["documents"]:
        data = (corpus / "files" / entry["id"]).read_bytes()
        official = entry.get("official")
        outcome: dict[str, Any] = {"id": entry["id"], "syntax": entry["syntax"]}
        xml = _embedded_xml(data) if entry["syntax"] == "pdf" else data
        try:
            model = from_pdf(data) if entry["syntax"] == "pdf" else from_xml(data)
            outcome["parse"] = "ok"
        except Exception as error:
            outcome["parse"] = getattr(error, "code", None) or f"crash {type(error).__name__}"
            model = None
        if model is not None:
            try:
                envelope = to_ubl(model)
                outcome["envelope"] = "ok"
            except Exception as error:
                code = getattr(error, "code", None)
                outcome["envelope"] = code or f"crash {type(error).__name__}: {error}"[:200]
                envelope = None
            received = _received_envelope(model, to_ubl)
            outcome["received_valid"] = received is not None and validate(received).is_valid
            if received is not None:
                report = validate(received)
                outcome["received_rules"] = _layer_rules(report, ("xsd", "en16931", "peppol"))
            if envelope is not None:
                report = validate(envelope)
                outcome["envelope_schema_valid"] = (
                    not any(f.rule == "XSD" for f in report.failures) and not report.errors
                )
                outcome["envelope_valid"] = report.is_valid
                outcome["envelope_rules"] = _layer_rules(report, ("xsd", "en16931", "peppol"))
                stated = entry.get("stated")
                if official and official.get("valid") and stated is not None:
                    kept = _stated(envelope)
                    outcome["amounts_kept"] = kept == stated
                    if kept != stated and kept is not None:
                        outcome["amount_due"] = [stated["BT-115"], kept["BT-115"]]
        if official and xml:
            report = validate(xml, peppol=False)
            ours = _layer_rules(report, ("xsd", "en16931"))
            if "XSD" in ours:
                ours = ["XSD"]
            outcome["verdict_ours"] = report.is_valid
            outcome["verdict_official"] = official["valid"]
            outcome["rules_ours"] = ours
            outcome["rules_official"] = official["rules"]
            outcome["unnamed_rules"] = sum(1 for f in report.failures if not f.rule)
        outcomes.append(outcome)
    elapsed = time.perf_counter() - started
    _summary(outcomes, args.label, elapsed)
    if args.out:
        Path(args.out).write_text(json.dumps(outcomes, indent=1), encoding="utf-8")


def _summary(outcomes: list[dict[str, Any]], label: str, elapsed: float) -> None:
    def count(predicate: Any) -> int:
        return sum(1 for outcome in outcomes if predicate(outcome))

    def refused(step: str) -> Any:
        return lambda o: o.get(step, "ok") != "ok" and not o[step].startswith("crash")

    def crashed(step: str) -> Any:
        return lambda o: str(o.get(step, "")).startswith("crash")

    judged = [o for o in outcomes if "verdict_official" in o]
    built = sum(1 for o in outcomes if "envelope" in o)
    kept = sum(1 for o in outcomes if "amounts_kept" in o)
    rows = [
        ("parse ok", count(lambda o: o["parse"] == "ok")),
        ("parse refused with a code", count(refused("parse"))),
        ("parse crashed", count(crashed("parse"))),
        ("envelope built", f"{count(lambda o: o.get('envelope') == 'ok')} of {built}"),
        ("envelope refused with a code", count(refused("envelope"))),
        ("envelope crashed", count(crashed("envelope"))),
        ("envelope fails the UBL schema", count(lambda o: o.get("envelope_schema_valid") is False)),
        ("envelope valid (3 layers)", count(lambda o: o.get("envelope_valid") is True)),
        ("received envelope valid", count(lambda o: o.get("received_valid") is True)),
        (
            "amounts changed (EN16931-valid)",
            f"{count(lambda o: o.get('amounts_kept') is False)} of {kept}",
        ),
    ]
    by_syntax = dict(Counter(o["syntax"] for o in outcomes))
    print(f"# corpus measure: {label} ({len(outcomes)} documents {by_syntax}, {elapsed:.0f} s)")
    for name, value in rows:
        print(f"{name:32} {value}")
    for syntax in ("ubl", "cii", "pdf"):
        group = [o for o in judged if o["syntax"] == syntax]
        if not group:
            continue
        same = sum(1 for o in group if o["verdict_ours"] == o["verdict_official"])
        ids = sum(1 for o in group if o["rules_ours"] == o["rules_official"])
        below = sum(1 for o in group if "CII-NOT-EN16931" in o["rules_ours"])
        print(
            f"{syntax}: verdict agrees {same}/{len(group)}, rule ids agree {ids}/{len(group)}"
            + (
                f" ({below} MINIMUM/BASIC WL: CII-NOT-EN16931 for the rules they miss)"
                if below
                else ""
            )
        )
    print(f"{'failures without a rule id':32} {sum(o.get('unnamed_rules', 0) for o in outcomes)}")
    rules = Counter(r for o in outcomes for r in o.get("received_rules", []))
    print(f"rules failing on received envelopes: {dict(rules.most_common(12))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gather = commands.add_parser("collect")
    for name in SOURCES:
        gather.add_argument(f"--{name}", required=True)
    gather.add_argument("--into", default=str(CORPUS))
    run = commands.add_parser("measure")
    run.add_argument("--corpus", default=str(CORPUS))
    run.add_argument("--label", default=_commit(ROOT)[:7] or "this checkout")
    run.add_argument("--out", default="")
    args = parser.parse_args()
    try:
        (collect if args.command == "collect" else measure)(args)
    except KeyboardInterrupt:
        traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
