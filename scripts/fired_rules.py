"""The rule ids that fire in practice: the list plain-language explanations must cover.

Usage: python scripts/fired_rules.py [--write] [--official-tests DIR]... [--cen-cii-rules XSLT]
       [--corpus MANIFEST]

Runs our validator (UBL: XSD + CEN EN 16931 + Peppol BIS 3) over the official examples in
``../shared/data`` (Peppol BIS 3 examples, CEN EN 16931 UBL examples) and over copies of them
broken one way at a time, the way users and suppliers break them: each element dropped, each code
replaced by one no list has, each amount shifted, each identifier and scheme garbled, each date
moved. Each ``--official-tests DIR`` adds the official test files under DIR: whole UBL documents go
through our validator; the documents of unit test sets (``<testSet>`` files, each test meant to
pass or fail one rule) are fragments the UBL schema would stop, so they go through the two rule
layers (CEN and Peppol) directly, as the official unit tests do. Prints every rule id that fired
with how often (most frequent first); ``--write`` saves the ids, one a line in that order, to
``apps/einvoice/fired_rules.txt``.

Deterministic: the same examples and rules give the same list. The committed list was made with
the peppol-2026.5 rules and ``--write --official-tests R --official-tests T``, R the ``rules/``
folder of OpenPEPPOL/peppol-bis-invoice-3 (commit 78d7f7d) and T the ``test/`` folder of
ConnectingEurope/eInvoicing-EN16931 (commit b6c9e06), and ``--cen-cii-rules`` its
``cii/xslt/EN16931-CII-validation.xslt`` (1.3.16): 161 ids from our UBL examples and their
broken copies alone, 392 with the official tests, 412 with the CEN CII rules. ``--cen-cii-rules``
runs those rules on the CEN CII examples and broken copies of ``MUTATED_CII`` (directly, as the
CII layer of our validator may stand in other rules when the CEN ones aren't installed). Since
rule files are checked against ``apps/einvoice/rules.lock``, that file must be pinned there to be
run: an unpinned one stops the run with RulesRefused rather than silently counting nothing.
``--corpus`` adds the ids the official rules failed on the public corpus (``var/corpus/
manifest.json``, made by ``scripts/corpus.py collect``): 414 ids in all with the three above.
"""

import copy
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "apps" / "einvoice" / "fired_rules.txt"

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
# The examples whose broken copies are validated: between them every VAT category, allowances
# and charges, attachments, direct debit, a credit note and the richest CEN examples.
MUTATED = (
    "peppol/snippets_Snippet-full.xml",
    "peppol/examples_base-creditnote-correction.xml",
    "peppol/examples_Allowance-example.xml",
    "peppol/examples_vat-category-E.xml",
    "peppol/examples_vat-category-O.xml",
    "peppol/examples_vat-category-Z.xml",
    "peppol/snippets_direct-debit.xml",
    "en16931-examples/ubl/ubl-tc434-example2.xml",
    "en16931-examples/ubl/ubl-tc434-example5.xml",
    "en16931-examples/ubl/ubl-tc434-example9.xml",
)
AMOUNT_ELEMENTS = {
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
    "PrepaidAmount",
    "PayableRoundingAmount",
    "PayableAmount",
    "TaxAmount",
    "TaxableAmount",
    "Amount",
    "BaseAmount",
    "PriceAmount",
    "BaseQuantity",
    "InvoicedQuantity",
    "CreditedQuantity",
    "Percent",
    "MultiplierFactorNumeric",
    # CII
    "LineTotalAmount",
    "TaxBasisTotalAmount",
    "TaxTotalAmount",
    "GrandTotalAmount",
    "TotalPrepaidAmount",
    "RoundingAmount",
    "DuePayableAmount",
    "CalculatedAmount",
    "BasisAmount",
    "ActualAmount",
    "ChargeAmount",
    "BilledQuantity",
    "BasisQuantity",
    "RateApplicablePercent",
    "CalculationPercent",
}
# The CEN CII examples whose broken copies go through the CEN CII rules (``--cen-cii-rules``).
MUTATED_CII = (
    "en16931-examples/cii/CII_example1.xml",
    "en16931-examples/cii/CII_example4.xml",
    "en16931-examples/cii/CII_example5.xml",
    "en16931-examples/cii/CII_business_example_01.xml",
)


def _originals() -> list[Path]:
    from django.conf import settings

    data = Path(settings.SHARED_DATA_DIR)
    return sorted((data / "peppol").glob("*.xml")) + sorted(
        (data / "en16931-examples" / "ubl").glob("*.xml")
    )


def _mutations(xml: bytes):
    """Copies of one document, each broken in one place (a generator of bytes)."""
    from lxml import etree

    root = etree.fromstring(xml)
    elements = [element for element in root.iter(etree.Element) if element is not root]
    seen: set[tuple[str, str]] = set()
    for index, element in enumerate(elements):
        path = root.getroottree().getpath(element)
        key = etree.QName(element).localname
        generic = "/".join(part.split("[")[0] for part in path.split("/"))
        leaf = len(element) == 0
        text = (element.text or "").strip()
        kinds = ["drop"]
        if leaf and text:
            if key in AMOUNT_ELEMENTS:
                kinds += ["amount", "negative"]
            elif key.endswith("Code") or (key == "ID" and element.get("schemeID") is None):
                kinds += ["code"]
            if key.endswith("Date"):
                kinds += ["date"]
            if key in {"EndpointID", "CompanyID", "ID", "URIID", "GlobalID"}:
                kinds += ["identifier"]
            kinds += ["empty"]
        for attribute in ("schemeID", "listID", "currencyID", "unitCode", "mimeCode", "format"):
            if element.get(attribute) is not None:
                kinds.append(f"@{attribute}")
        for kind in kinds:
            if (generic, kind) in seen:
                continue
            seen.add((generic, kind))
            copy_root = copy.deepcopy(root)
            target = [node for node in copy_root.iter(etree.Element) if node is not copy_root][
                index
            ]
            if kind == "drop":
                target.getparent().remove(target)
            elif kind == "amount":
                target.text = _shifted(text)
            elif kind == "negative":
                target.text = "-" + text.lstrip("-") if not text.startswith("-") else text[1:]
            elif kind == "code":
                target.text = "ZZZ"
            elif kind == "date":
                target.text = "1999-01-01" if text > "2000" else "2099-12-31"
            elif kind == "identifier":
                target.text = "BE0000000000" if key != "ID" else "0000000000"
            elif kind == "empty":
                target.text = " "
            else:
                target.set(kind[1:], "ZZZ")
            yield f"{generic} {kind}", etree.tostring(copy_root)


def _official_files(folder: Path):
    """The official test files under ``folder``: ("document", bytes) for each whole UBL
    document, ("unit", bytes) for each UBL document of a unit test set (a generator)."""
    from lxml import etree

    from apps.core.xml import XMLRejected, parse_xml

    for path in sorted(folder.rglob("*.xml")):
        try:
            root = parse_xml(path.read_bytes())
        except XMLRejected:
            continue
        name = etree.QName(root).localname
        if name in {"Invoice", "CreditNote"}:
            yield "document", path.read_bytes()
        elif name == "testSet":
            for test in root.iter("{*}test"):
                for document in test.iterchildren(etree.Element):
                    if etree.QName(document).localname in {"Invoice", "CreditNote"}:
                        yield "unit", etree.tostring(document)


def _rule_layers_only(xml: bytes, paths: list[Path] | None = None) -> set[str]:
    """The rule ids some rule layers (by default the CEN and Peppol UBL ones) fire on a document,
    schema-valid or not."""
    from apps.einvoice import validation

    paths = paths or [
        validation._cen_ubl_rules(),
        validation.peppol_rules_dir() / validation.PEPPOL_UBL_FILE,
    ]
    for path in paths:  # a rule file that can't be loaded stops the run (compiled once)
        validation.RULES.stylesheet(path)
    report = validation.ValidationReport()
    for path, output in zip(paths, validation.RULES.run(paths, xml.decode("utf-8")), strict=True):
        if isinstance(output, Exception):  # a fragment a rule can't evaluate (e.g. "" as a
            continue  # number): the official tests expect no verdict from that layer either
        validation._record(report, path.name, path, output)
    return {failure.rule for failure in report.failures if failure.rule}


def _shifted(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value + 1.01:.2f}"


def fired_rules(
    mutated: tuple[str, ...] = MUTATED,
    official_tests: tuple[Path, ...] = (),
    cen_cii_rules: Path | None = None,
    verbose: bool = False,
) -> Counter[str]:
    """How many documents (originals, broken copies of ``mutated``, official unit tests) each rule
    id fired on."""
    from django.conf import settings

    from apps.einvoice.validation import validate

    counts: Counter[str] = Counter()
    data = Path(settings.SHARED_DATA_DIR)
    documents: list[tuple[str, bytes]] = [(path.name, path.read_bytes()) for path in _originals()]
    for folder in official_tests:
        for kind, xml in _official_files(folder):
            if kind == "document":
                documents.append((folder.name, xml))
            else:
                counts.update(_rule_layers_only(xml))
    if cen_cii_rules is not None:
        for path in sorted((data / "en16931-examples" / "cii").glob("*.xml")):
            counts.update(_rule_layers_only(path.read_bytes(), [cen_cii_rules]))
        for name in MUTATED_CII:
            for _what, xml in _mutations((data / name).read_bytes()):
                counts.update(_rule_layers_only(xml, [cen_cii_rules]))
    for name in mutated:
        path = data / name
        documents.extend(
            (f"{path.name}: {what}", mutated) for what, mutated in _mutations(path.read_bytes())
        )
    for number, (_name, xml) in enumerate(documents, start=1):
        report = validate(xml)
        fired = {failure.rule for failure in report.failures if failure.rule}
        counts.update(fired)
        if verbose and number % 200 == 0:
            print(f"{number}/{len(documents)} documents, {len(counts)} rules", file=sys.stderr)
    return counts


def corpus_rules(manifest: Path) -> Counter[str]:
    """The rule ids the official rules failed on the public corpus (scripts/corpus.py collect)."""
    import json

    documents = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    return Counter(
        rule
        for document in documents
        for rule in document.get("official", {}).get("rules", [])
        if rule != "XSD"
    )


def main(argv: list[str]) -> None:
    import django

    django.setup()
    official = tuple(
        Path(argv[index + 1]) for index, arg in enumerate(argv) if arg == "--official-tests"
    )
    cii = Path(argv[argv.index("--cen-cii-rules") + 1]) if "--cen-cii-rules" in argv else None
    counts = fired_rules(official_tests=official, cen_cii_rules=cii, verbose=True)
    if "--corpus" in argv:
        counts.update(corpus_rules(Path(argv[argv.index("--corpus") + 1])))
    ordered = sorted(counts, key=lambda rule: (-counts[rule], rule))
    for rule in ordered:
        print(f"{counts[rule]:6d} {rule}")
    if "--write" in argv:
        OUTPUT.write_text("".join(f"{rule}\n" for rule in ordered), encoding="utf-8")
        print(f"{len(ordered)} rule ids written to {OUTPUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okioki.settings")
    main(sys.argv[1:])
