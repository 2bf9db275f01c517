"""The hardened XML parser every part of OkiOki uses for XML from outside.

No DTDs, no entities, no network, limits on size, element count and depth: an XML bomb, an
external entity, a flood of elements, a truncated file or bytes that are not XML raise one
``XMLRejected`` naming the problem, fast and before much memory is used.
"""

import functools
import re

from django.utils.translation import gettext_lazy as _
from lxml import etree

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 100
# A 10,000-line UBL invoice has about 400,000 elements; libxml2 needs roughly 300 bytes each.
MAX_ELEMENTS = 500_000

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

MESSAGES = {
    "empty": _("The file is empty."),
    "too_large": _("The XML file is too large (more than %(limit)s MB)."),
    "doctype": _(
        "The XML contains a document type declaration (DTD) or entities, which we refuse "
        "for safety."
    ),
    "not_xml": _("The file is not XML."),
    "malformed": _("The XML is broken or cut off (line %(line)s): %(detail)s"),
    "encoding": _("The XML's character encoding is wrong or unknown: %(detail)s"),
    "too_deep": _("The XML is nested too deeply (more than %(limit)s levels)."),
    "too_many_elements": _("The XML has too many elements (more than %(limit)s)."),
}


class XMLRejected(ValueError):
    """XML that we won't or can't read. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        template = MESSAGES[code]
        self.message = str(template) % params if params else str(template)
        super().__init__(f"{code}: {self.message}")


def _as_searchable(data: bytes) -> bytes:
    """UTF-16/32 documents hide ``<!DOCTYPE`` from a byte search; look at them decoded."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (
        b"\x00\x00\xfe\xff",
        b"\xff\xfe\x00\x00",
    ):
        for encoding in ("utf-32", "utf-16"):
            try:
                return data.decode(encoding).encode("utf-8", "replace")
            except UnicodeDecodeError:
                continue
    if b"\x00" in data[:64]:
        return data.replace(b"\x00", b"")
    return data


def _most_elements(data: bytes, limit: int) -> int:
    """An upper bound on the number of elements (exact enough to compare with ``limit``),
    counted on the bytes before parsing.

    Every start tag is a ``<`` not followed by ``/``, ``!`` or ``?``; a ``<`` can only appear
    elsewhere inside comments, CDATA and processing instructions, so this never undercounts.
    Counting bytes runs at memory speed, whereas building the tree first is what costs (a
    20 MB file of ``<a/>`` is 5 million elements, 1.6 GB and seconds in libxml2).
    """
    if len(data) // 4 <= limit:  # no element is shorter than ``<a/>``: nothing to count
        return len(data) // 4
    most = data.count(b"<")
    if most <= limit:
        return most
    return most - data.count(b"</") - data.count(b"<!") - data.count(b"<?")


@functools.lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """An XPath that is true when some element sits more than ``depth`` levels deep.

    libxml2 walks the tree level by level in C, without a Python object per element.
    """
    return etree.XPath("boolean(" + "/*" * (depth + 1) + ")")


def parse_xml(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> etree._Element:
    """Parse untrusted XML. Returns the root element or raises ``XMLRejected``."""
    if not data or not data.strip():
        raise XMLRejected("empty")
    if len(data) > max_bytes:
        raise XMLRejected("too_large", limit=max_bytes // (1024 * 1024))
    searchable = _as_searchable(data)
    if _DOCTYPE.search(searchable):
        raise XMLRejected("doctype")
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (stripped.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")):
        raise XMLRejected("not_xml")
    if _most_elements(searchable, max_elements) > max_elements:
        raise XMLRejected("too_many_elements", limit=max_elements)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # also keeps libxml2's own depth limit (256) in force while parsing
        remove_blank_text=False,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        detail = str(error.msg or error).split("\n")[0][:200]
        if "encoding" in detail.lower() or "unicode" in detail.lower():
            raise XMLRejected("encoding", detail=detail) from None
        if "depth" in detail.lower():
            raise XMLRejected("too_deep", limit=max_depth) from None
        raise XMLRejected("malformed", line=error.lineno or "?", detail=detail) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise XMLRejected("encoding", detail=str(error)[:200]) from None
    if _deeper_than(max_depth)(root):
        raise XMLRejected("too_deep", limit=max_depth)
    return root
