"""UBL 2.1 namespaces."""

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
NSMAP = {name: {None: namespace, "cac": CAC, "cbc": CBC} for name, namespace in ROOT_NS.items()}
NS = {"cac": CAC, "cbc": CBC}
