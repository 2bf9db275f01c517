"""The accountant's package and the addresses a user pastes for "Transfer to accountant".

Pure: no models, no network. A preset (``Package``) tells the settings page where the user finds
the address in their package; ``address_problems`` catches the usual paste mistakes before
anything is sent; for Octopus, ``octopus_propose`` turns one pasted import address into an
address per document type (sub-folders in Octopus' Document Import Viewer).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Package:
    code: str
    name: Promise | str
    hint: Promise
    # Domains the package's addresses end in (a sub-domain counts); empty: any address.
    domains: tuple[str, ...]
    # Off everywhere: the packages read the UBL, and a separate PDF would be imported twice.
    attach_pdf_default: bool
    # Shown with the address field; Exact's takes ``%(sender)s``, OkiOki's sender address.
    warning: Promise | str = ""


OCTOPUS_DOMAIN = "import.octopus.be"

PACKAGES = [
    Package(
        "octopus",
        "Octopus",
        _(
            "Octopus gives each file an import address, uid-<file code>@import.octopus.be, "
            "whose documents land in its Document Import Viewer. Adding -WORD in capitals "
            "after the file code (e.g. -PI) files documents in a sub-folder WORD. You find the "
            "address in Beheer › Dossiers (details); your accountant can also give it to you."
        ),
        (OCTOPUS_DOMAIN,),
        attach_pdf_default=False,
    ),
    Package(
        "clearfacts",
        "ClearFacts",
        _(
            "ClearFacts gives each file its own address ending in @clearfacts.be; your "
            "accountant can give it to you. A UBL attachment is all ClearFacts needs."
        ),
        ("clearfacts.be",),
        attach_pdf_default=False,
    ),
    Package(
        "yuki",
        "Yuki",
        _(
            "Yuki gives each administration its own address ending in @yukiworks.be. You find "
            "it in Yuki under Settings › Domain › Administrations."
        ),
        ("yukiworks.be",),
        attach_pdf_default=False,
    ),
    Package(
        "billit",
        "Billit",
        _(
            "Billit gives each company its own address ending in @billit.be. You find it in "
            "Billit under Settings › Incoming documents."
        ),
        ("billit.be",),
        attach_pdf_default=False,
    ),
    Package(
        "exact",
        "Exact Online",
        _(
            "Exact Online gives an address per document type. You find them under My Exact "
            "Online › My digital postboxes › Linked e-mail addresses."
        ),
        (),
        attach_pdf_default=False,
        warning=_(
            "Add OkiOki's sender address %(sender)s to the postbox's \"Allowed senders\" in "
            "Exact Online, or the mails end up in Blocked."
        ),
    ),
    Package(
        "winbooks",
        "WinBooks",
        _(
            "Use the fixed e-mail address linked to your WinBooks Connect. Its Virtual Invoice "
            "reads UBL with the PDF embedded."
        ),
        (),
        attach_pdf_default=False,
    ),
    Package(
        "other",
        _("Other package"),
        _("Paste the address your accounting package or your accountant gave you."),
        (),
        attach_pdf_default=False,
    ),
]

PACKAGES_BY_CODE = {package.code: package for package in PACKAGES}


@dataclass(frozen=True)
class OctopusAddress:
    prefix: str  # "uid" or "ocr", in lower case whatever was pasted
    file_code: str  # "008352-24"
    suffix: str  # the sub-folder as pasted ("PI", "pi"), "" for none
    domain: str  # in lower case


# A file code is NNNNNN-NN in Octopus; 4 to 8 digits leaves room for other lengths.
# ASCII only: with IGNORECASE alone, [a-z] would also match letters such as "K" (Kelvin).
_OCTOPUS_LOCAL_PART = re.compile(
    r"(?P<prefix>uid|ocr)-(?P<file_code>[0-9]{4,8}-[0-9]{2})"
    r"(?:-(?P<suffix>[a-z0-9]+(?:[-_][a-z0-9]+)*))?",
    re.IGNORECASE | re.ASCII,
)

# Sub-folder per document type that OkiOki proposes.
OCTOPUS_SUFFIXES = {"purchases": "PI", "sales": "SI", "miscellaneous": "MISC"}


def normalise_address(address: str) -> str:
    """The address without surrounding whitespace, ``mailto:`` and ``<>``.

    The case is kept: a local part may be case-sensitive (Octopus' sub-folders are).
    """
    text = address.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text


def octopus_parse(address: str) -> OctopusAddress | None:
    """The parts of an Octopus import address, or None when it doesn't have that shape.

    Any domain is accepted here: ``address_problems`` says when it is not Octopus'.
    """
    local_part, at, domain = normalise_address(address).rpartition("@")
    if not at or not domain or "@" in local_part:
        return None
    match = _OCTOPUS_LOCAL_PART.fullmatch(local_part)
    if match is None:
        return None
    return OctopusAddress(
        prefix=match["prefix"].lower(),
        file_code=match["file_code"],
        suffix=match["suffix"] or "",
        domain=domain.lower(),
    )


def _octopus_address(parsed: OctopusAddress, suffix: str) -> str:
    """Always ``uid-``: OkiOki sends UBL, so Octopus' OCR recogniser is not wanted."""
    folder = f"-{suffix}" if suffix else ""
    return f"uid-{parsed.file_code}{folder}@{parsed.domain}"


def octopus_propose(address: str) -> dict[str, str]:
    """An address per document type (``OCTOPUS_SUFFIXES``) from one pasted Octopus address.

    The pasted suffix is replaced and the prefix becomes ``uid``; the domain stays the user's,
    never one OkiOki invents. Empty when the paste is not an Octopus import address.
    """
    parsed = octopus_parse(address)
    if parsed is None:
        return {}
    return {
        document_type: _octopus_address(parsed, suffix)
        for document_type, suffix in OCTOPUS_SUFFIXES.items()
    }


def octopus_proposal(current: dict[str, str]) -> dict[str, str]:
    """The addresses Propose offers instead of ``current`` (``<field>_address`` → address),
    from the first Octopus import address among them; empty when there is none.

    Each type gets its sub-folder. The general address (for a type without one) stays what it
    is, only corrected when it is itself an Octopus address written the way Octopus files
    nothing (``ocr-``, a lowercase sub-folder): it is never turned into another type's address.
    """
    pasted = next((address for address in current.values() if octopus_parse(address)), "")
    per_type = octopus_propose(pasted)
    if not per_type:
        return {}
    general = current.get("general_address", "")
    parsed_general = octopus_parse(general)
    if parsed_general is not None:
        general = _octopus_address(parsed_general, parsed_general.suffix.upper())
    return {
        "general_address": general,
        **{f"{document_type}_address": address for document_type, address in per_type.items()},
    }


@dataclass(frozen=True)
class AddressProblem:
    code: str
    message: Promise | str
    # Blocking: the address can't be saved. Otherwise a warning the user may ignore.
    is_blocking: bool


MESSAGES: dict[str, Promise] = {
    "several_at": _("This looks like more than one address. Paste only one address here."),
    "contains_space": _("Remove the space: an e-mail address can't contain spaces."),
    "missing_at": _("The address has no @. Paste the full address, including the part after @."),
    "invalid": _("This is not a valid e-mail address. Check it for typing errors."),
    "other_package_domain": _(
        "This looks like a %(other)s address. If your accountant uses %(other)s, choose it as "
        "the package; otherwise check the address."
    ),
    "unexpected_domain": _(
        "%(package)s addresses usually end in %(domains)s. Check the address in %(package)s."
    ),
    "octopus_domain": _(
        "Octopus import addresses end in @import.octopus.be. Check the address in Octopus, "
        "under Beheer › Dossiers (details)."
    ),
    "octopus_no_file_code": _(
        "OkiOki can't find a file code in this address. Octopus import addresses look like "
        "uid-008352-24@import.octopus.be: copy yours from Beheer › Dossiers (details)."
    ),
    "octopus_ocr": _(
        "ocr- sends documents to Octopus' OCR recogniser, which makes its own booking proposal "
        "and only takes attachments up to 2 MB. OkiOki already sends UBL, so use "
        "%(suggestion)s."
    ),
    "octopus_prefix_case": _(
        "Octopus import addresses start with uid- in lower case. Use %(suggestion)s."
    ),
    "octopus_suffix_case": _(
        "Octopus creates a sub-folder only for a suffix in capitals. Use %(suggestion)s."
    ),
}


def _format(template: Promise, params: dict[str, Any]) -> str:
    return str(template) % params


# Translated when shown, not when the problem is found: the language may change in between.
_format_lazy = lazy(_format, str)


def _problem(code: str, *, is_blocking: bool = False, **params: Any) -> AddressProblem:
    message = _format_lazy(MESSAGES[code], params) if params else MESSAGES[code]
    return AddressProblem(code=code, message=message, is_blocking=is_blocking)


def _has_domain(domain: str, package: Package) -> bool:
    return any(domain == known or domain.endswith("." + known) for known in package.domains)


def _blocking_problem(address: str) -> AddressProblem | None:
    """The first reason the address can't be used; the later checks assume there is none."""
    if address.count("@") > 1:
        return _problem("several_at", is_blocking=True)
    if any(character.isspace() for character in address):
        return _problem("contains_space", is_blocking=True)
    if "@" not in address:
        return _problem("missing_at", is_blocking=True)
    try:
        validate_email(address)
    except ValidationError:
        return _problem("invalid", is_blocking=True)
    return None


def _octopus_problems(address: str, domain: str) -> list[AddressProblem]:
    problems = []
    if domain != OCTOPUS_DOMAIN:
        problems.append(_problem("octopus_domain"))
    parsed = octopus_parse(address)
    if parsed is None:
        problems.append(_problem("octopus_no_file_code"))
        return problems
    suggestion = _octopus_address(parsed, parsed.suffix.upper())
    pasted_prefix = address[: len(parsed.prefix)]
    if parsed.prefix == "ocr":
        problems.append(_problem("octopus_ocr", suggestion=suggestion))
    elif pasted_prefix != parsed.prefix:
        problems.append(_problem("octopus_prefix_case", suggestion=suggestion))
    if parsed.suffix != parsed.suffix.upper():
        problems.append(_problem("octopus_suffix_case", suggestion=suggestion))
    return problems


def address_problems(address: str, *, package: str) -> list[AddressProblem]:
    """What is wrong with an address pasted for ``package`` (a code of ``PACKAGES``).

    An empty address has no problems (the field is optional). A blocking problem comes alone;
    warnings about a malformed address would only confuse. Never raises on any text; an unknown
    package code is a programming error and raises KeyError.
    """
    chosen = PACKAGES_BY_CODE[package]
    address = normalise_address(address)
    if not address:
        return []
    blocking = _blocking_problem(address)
    if blocking is not None:
        return [blocking]

    domain = address.rpartition("@")[2].lower()
    for other in PACKAGES:
        if other != chosen and _has_domain(domain, other):
            # The address is for another package: its checks for the chosen one are moot.
            return [_problem("other_package_domain", other=other.name)]
    if chosen.code == "octopus":
        return _octopus_problems(address, domain)
    if chosen.domains and not _has_domain(domain, chosen):
        domains = ", ".join(f"@{known}" for known in chosen.domains)
        return [_problem("unexpected_domain", package=chosen.name, domains=domains)]
    return []
