"""Who is at the other end of a bank movement, as data: the State's and social security's
accounts and names, the words of salaries and loans. Used to put movements that no match
explains into a category (history) and to tell tax payments apart (forecast)."""

import re

from django.utils.translation import gettext_lazy as _

CUSTOMERS, SUPPLIERS, TAXES, SALARIES, LOANS, OTHER = (
    "customers",
    "suppliers",
    "taxes",
    "salaries",
    "loans",
    "other",
)
CATEGORIES = (CUSTOMERS, SUPPLIERS, TAXES, SALARIES, LOANS, OTHER)

# FPS Finance (financien.belgium.be, "Btw betalen"; advance payments since VA1 2020)
VAT_IBANS = frozenset(
    {
        "BE22679200300047",  # VAT receipts Brussels (the VAT current account)
        "BE31679200349355",  # VAT receipts Mechelen
        "BE42679200349254",  # VAT receipts Namur
    }
)
ADVANCE_TAX_IBANS = frozenset(
    {
        "BE61679200229117",  # advance payments, since 2020
        "BE20679200233056",  # advance payments of companies, until 15 July 2022
        "BE07679200234066",  # advance payments of persons, until 15 July 2022
    }
)
# National Social Security Office (socialsecurity.be, "De betaalwijze")
SOCIAL_IBANS = frozenset({"BE63679026181108", "BE04096016956631"})
TAX_IBANS = VAT_IBANS | ADVANCE_TAX_IBANS | SOCIAL_IBANS

# names on statements: the State, social security, the social insurance funds of the self-employed
TAX_NAMES = re.compile(
    r"\b(fod financi|spf finances|federale overheidsdienst financi|service public f[ée]d[ée]ral "
    r"finances|btw[- ]ontvangsten|recettes tva|dienst voorafbetalingen|service des versements "
    r"anticip|rsz|onss|rijksdienst voor sociale zekerheid|office national de s[ée]curit[ée] "
    r"sociale|sociaal verzekeringsfonds|caisse d.assurances sociales|acerta|liantis|xerius|"
    r"securex|partena|ucm|group s|attentia|avixi|vlaamse belastingdienst|gewestelijke "
    r"belastingen)",
    re.IGNORECASE,
)
SALARY_WORDS = re.compile(
    r"\b(loon|lonen|salaris|wedde|salaire|r[ée]mun[ée]ration|netto ?loon)\b", re.I
)
LOAN_WORDS = re.compile(
    r"\b(lening|aflossing|investeringskrediet|pr[êe]t|emprunt|remboursement cr[ée]dit|"
    r"cr[ée]dit d.investissement)\b",
    re.IGNORECASE,
)


def normal_iban(iban: str) -> str:
    return iban.replace(" ", "").upper()


def by_counterparty(iban: str, name: str, text: str) -> str:
    """The category a movement's counterparty and text say; ``other`` when nothing does."""
    if normal_iban(iban) in TAX_IBANS or TAX_NAMES.search(name):
        return TAXES
    if SALARY_WORDS.search(text) or SALARY_WORDS.search(name):
        return SALARIES
    if LOAN_WORDS.search(text) or LOAN_WORDS.search(name):
        return LOANS
    return OTHER


CATEGORY_NAMES = {
    CUSTOMERS: _("Customers"),
    SUPPLIERS: _("Suppliers"),
    TAXES: _("Taxes and social contributions"),
    SALARIES: _("Salaries"),
    LOANS: _("Loans"),
    OTHER: _("Other"),
}
