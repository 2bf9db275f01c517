"""Plain-language explanations of the validation rules users hit most."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_TOTALS = _(
    "The totals don't add up: the amounts of the lines, discounts, charges and VAT must give "
    "exactly the totals on the invoice."
)
_EXEMPTION = _(
    "A VAT category without VAT (exempt, reverse charge, intra-EU, export, outside scope) needs "
    "the reason: a legal mention or an exemption code (VATEX)."
)

EXPLANATIONS: dict[str, Promise] = {
    "BR-CO-10": _TOTALS,
    "BR-CO-13": _TOTALS,
    "BR-CO-14": _TOTALS,
    "BR-CO-15": _TOTALS,
    "BR-CO-16": _TOTALS,
    "BR-CO-17": _(
        "The VAT amount of a rate is wrong: it must be the taxable amount times the rate, "
        "rounded to the cent."
    ),
    "BR-S-08": _TOTALS,
    "BR-S-09": _(
        "The VAT amount of a rate is wrong: it must be the taxable amount times the rate, "
        "rounded to the cent."
    ),
    "BR-E-10": _EXEMPTION,
    "BR-AE-10": _EXEMPTION,
    "BR-IC-10": _EXEMPTION,
    "BR-G-10": _EXEMPTION,
    "BR-O-10": _EXEMPTION,
    "PEPPOL-EN16931-R003": _(
        "The customer's reference is missing: fill in the buyer reference or the order "
        "number the customer gave you."
    ),
    "PEPPOL-EN16931-R010": _(
        "The customer's electronic address (Peppol ID, e.g. 0208 and the enterprise number) "
        "is missing."
    ),
    "PEPPOL-EN16931-R020": _(
        "Your electronic address (Peppol ID, e.g. 0208 and your enterprise number) is missing."
    ),
    "PEPPOL-COMMON-R043": _(
        "A Belgian enterprise number (scheme 0208) is wrong: it has 10 digits and the last two "
        "are check digits."
    ),
    "PEPPOL-EN16931-R120": _(
        "A line amount is wrong: it must be the quantity times the price, plus charges, minus "
        "discounts."
    ),
    "XSD": _("The XML is not built as UBL 2.1 requires (a missing, misplaced or unknown element)."),
}


def explain(rule: str) -> Promise | None:
    return EXPLANATIONS.get(rule)
