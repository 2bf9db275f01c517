"""The Belgian legal mention of each VAT treatment, in the customer's language.

Legal texts, so chosen per language here (not through the UI catalogs, which follow the
user): the customer reads the invoice in the language of the customer's file. They go on the
PDF and into the UBL (BT-120 exemption reason, with the VATEX code as BT-121).
"""

from dataclasses import dataclass

from apps.sales.models import VatTreatment


@dataclass(frozen=True)
class Mention:
    category: str  # EN 16931 VAT category (UNCL5305)
    vatex: str  # BT-121
    text: dict[str, str]  # language → the mention

    def in_language(self, language: str) -> str:
        return self.text.get(language[:2], self.text["en"])


MENTIONS: dict[str, Mention] = {
    VatTreatment.REVERSE_CHARGE: Mention(
        "AE",
        "VATEX-EU-AE",
        {
            # Royal Decree no. 1, art. 5 §1 9°
            "nl": "Btw verlegd – Belasting te voldoen door de medecontractant, "
            "Btw-Wetboek artikel 51, § 2",
            "fr": "Autoliquidation – Taxe à acquitter par le cocontractant, "
            "Code de la TVA, article 51, § 2",
            "en": "Reverse charge – VAT to be paid by the co-contractor, "
            "Belgian VAT Code article 51, § 2",
        },
    ),
    VatTreatment.INTRA_EU: Mention(
        "K",
        "VATEX-EU-IC",
        {
            "nl": "Vrijgestelde intracommunautaire levering – artikel 39bis Btw-Wetboek "
            "(artikel 138 Richtlijn 2006/112/EG)",
            "fr": "Livraison intracommunautaire exemptée – article 39bis du Code de la TVA "
            "(article 138 de la directive 2006/112/CE)",
            "en": "Exempt intra-Community supply – article 39bis Belgian VAT Code "
            "(article 138 Directive 2006/112/EC)",
        },
    ),
    # B2B services to a business in another EU country: the customer accounts for the VAT
    # (art. 21 §2 Belgian VAT Code; art. 44 and 196 Directive 2006/112/EC)
    VatTreatment.INTRA_EU_SERVICES: Mention(
        "AE",
        "VATEX-EU-AE",
        {
            "nl": "Btw verlegd – verlegging van heffing, artikel 196 Richtlijn 2006/112/EG",
            "fr": "Autoliquidation – article 196 de la directive 2006/112/CE",
            "en": "Reverse charge – VAT to be accounted for by the customer, "
            "article 196 Directive 2006/112/EC",
        },
    ),
    VatTreatment.EXPORT: Mention(
        "G",
        "VATEX-EU-G",
        {
            "nl": "Vrijgestelde uitvoer – artikel 39 Btw-Wetboek",
            "fr": "Exportation exemptée – article 39 du Code de la TVA",
            "en": "Exempt export – article 39 Belgian VAT Code",
        },
    ),
    VatTreatment.EXEMPT: Mention(
        "E",
        "",
        {
            "nl": "Bijzondere vrijstellingsregeling kleine ondernemingen – "
            "artikel 56bis Btw-Wetboek",
            "fr": "Régime particulier de franchise des petites entreprises – "
            "article 56bis du Code de la TVA",
            "en": "Small-business exemption scheme – article 56bis Belgian VAT Code",
        },
    ),
}


def mention_for(treatment: str, language: str) -> str:
    mention = MENTIONS.get(treatment)
    return mention.in_language(language) if mention else ""


def category_for(treatment: str, rate: object) -> str:
    """The EN 16931 category of a line: S (or Z at 0 %) at home, else the treatment's."""
    mention = MENTIONS.get(treatment)
    if mention is not None:
        return mention.category
    return "Z" if str(rate) in ("0", "0.00", "0.0") else "S"
