"""How a company names itself on invoices, credit notes and quotes (Companies and
Associations Code, art. 2:20): its name with its legal form, the register of legal entities
(RPR in Dutch, RPM in French) with the seat of the enterprise court, and "in liquidation"
when it is; in the document's language. A sole trader has no register."""

from django.utils.translation import get_language, pgettext

from apps.companies.models import Company, LegalForm

# the abbreviation in Dutch and in French; English documents show both
FORMS = {
    LegalForm.BV: ("BV", "SRL"),
    LegalForm.NV: ("NV", "SA"),
    LegalForm.CV: ("CV", "SC"),
    LegalForm.COMMV: ("CommV", "SComm"),
    LegalForm.VOF: ("VOF", "SNC"),
    LegalForm.VZW: ("VZW", "ASBL"),
}


def _form(company: Company, language: str) -> str:
    pair = FORMS.get(LegalForm(company.legal_form)) if company.legal_form else None
    if pair is None:
        return ""
    return {"nl": pair[0], "fr": pair[1]}.get(language, "/".join(pair))


def name_with_form(company: Company) -> str:
    """ "Bakkerij Janssens BV" (the form once, also when the name already ends with it)."""
    language = (get_language() or "nl")[:2]
    form = _form(company, language)
    words = company.name.replace(".", "").upper().split()
    known = {abbreviation.upper() for pair in FORMS.values() for abbreviation in pair}
    if not form or (words and words[-1] in known):
        return company.name
    return f"{company.name} {form}"


def register_mention(company: Company) -> str:
    """ "RPR Gent, afdeling Gent" / "RPM Liège, division Namur", "in vereffening"; empty for a
    sole trader or a court not given yet."""
    parts = []
    if company.court and company.legal_form != LegalForm.NATURAL_PERSON:
        register = pgettext("register of legal entities, abbreviated", "RLE")
        parts.append(f"{register} {company.court}")
    if company.in_liquidation:
        parts.append(pgettext("company status on invoices", "in liquidation"))
    return " · ".join(parts)
