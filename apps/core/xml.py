"""The hardened XML parser every part of OkiOki uses for XML from outside.

No DTDs, no entities, no network, limits on size, element count and depth: an XML bomb, an
external entity, a flood of elements, a truncated file or bytes that are not XML raise one
``XMLRejected`` naming the problem, fast and before much memory is used.

Only UTF-8 and UTF-16 are read (e-invoices are UTF-8; every XML processor must read both). The
encoding is told from the first bytes as the XML specification's appendix F does, and the
declared encoding must agree: an encoding such as UTF-7 would otherwise hide ``<!DOCTYPE`` from
the byte search (``+ADwAIQ-DOCTYPE``) and reach libxml2, which decodes it.
"""

import functools
import re

from django.utils.translation import gettext_lazy as _
from lxml import etree

from apps.core.errors import CodedError

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 100
# A 10,000-line UBL invoice has about 400,000 elements; libxml2 needs roughly 300 bytes each.
MAX_ELEMENTS = 500_000

# One text node, the base64 of an embedded attachment, may be longer than libxml2 allows
# without ``huge_tree`` (10,000,000 bytes, an attachment of about 7 MB): up to this bound, which
# lets through the largest attachment a transfer carries (TRANSFER_MAX_MESSAGE_MB, 20 MB).
MAX_TEXT_BYTES = MAX_BYTES
_LIBXML_MAX_TEXT = 10_000_000
_LONG_TEXT = re.compile(rb"[^<>]{%d,}" % (_LIBXML_MAX_TEXT + 1))

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The encoding name of an XML declaration (its bytes are ASCII in every accepted encoding).
_DECLARED = re.compile(
    rb"""^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']"""
)
_UTF8_NAMES = {"utf-8", "utf8"}
_UTF16_NAMES = {"utf-16", "utf16", "utf-16le", "utf-16be"}

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
    "unsupported_encoding": _(
        "The XML is written in the character encoding %(encoding)s; we only read XML in UTF-8 "
        "or UTF-16."
    ),
    "encoding_mismatch": _(
        "The XML says it is written in %(declared)s, but it is written in %(actual)s."
    ),
    "too_deep": _("The XML is nested too deeply (more than %(limit)s levels)."),
    "too_many_elements": _("The XML has too many elements (more than %(limit)s)."),
    "text_too_long": _(
        "The XML has a text too long to read (more than one text, or one of more than "
        "%(limit)s MB)."
    ),
}


class XMLRejected(CodedError, ValueError):
    """XML that we won't or can't read."""

    MESSAGES = MESSAGES
    CATALOGUE = "xml"


def _encoding(data: bytes) -> str:
    """``utf-8``, ``utf-16-le`` or ``utf-16-be``, from the byte order mark or the first
    characters and the declaration (XML 1.0 appendix F), or ``XMLRejected``."""
    if data[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
        raise XMLRejected("unsupported_encoding", encoding="UTF-32")
    if data[:3] == b"\xef\xbb\xbf":
        actual, head, bom = "utf-8", data[3:], True
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        actual = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        head, bom = data[2:258].decode(actual, "replace").encode("ascii", "replace"), True
    elif data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        actual = "utf-16-le" if data[:1] == b"<" else "utf-16-be"
        head, bom = data[:256].decode(actual, "replace").encode("ascii", "replace"), False
    else:
        actual, head, bom = "utf-8", data, False
    match = _DECLARED.match(head.lstrip(b" \t\r\n") if actual == "utf-8" else head)
    name = match.group(1).decode("ascii") if match else ""
    declared = name.lower()
    if declared and declared not in _UTF8_NAMES | _UTF16_NAMES:
        raise XMLRejected("unsupported_encoding", encoding=name)
    names = _UTF8_NAMES if actual == "utf-8" else _UTF16_NAMES
    agrees = (
        declared in names
        and not (declared == "utf-16le" and actual == "utf-16-be")
        and not (declared == "utf-16be" and actual == "utf-16-le")
    )
    # Without a byte order mark UTF-16 must say so; without a declaration UTF-8 is the default.
    if (declared or (actual != "utf-8" and not bom)) and not agrees:
        raise XMLRejected(
            "encoding_mismatch",
            declared=name or "UTF-8",
            actual=actual.upper().replace("-LE", "LE").replace("-BE", "BE"),
        )
    return actual


def _decoded(data: bytes, encoding: str) -> bytes:
    """The document as UTF-8 bytes for the checks done on bytes (a ``<!DOCTYPE`` in UTF-16
    hides from a byte search). UTF-8 is left as it is: libxml2 checks its bytes."""
    if encoding == "utf-8":
        searchable = data
    else:
        try:
            searchable = data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as error:
            raise XMLRejected("encoding", detail=f"{encoding.upper()}: {error.reason}") from None
    if not searchable.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise XMLRejected("not_xml")
    return searchable


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


def _parser(encoding: str, *, huge_tree: bool) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        # Without huge_tree libxml2 also keeps its own depth limit (256) while parsing; with it
        # (one long text node only) the depth is still checked after parsing, and the elements
        # were counted before.
        huge_tree=huge_tree,
        remove_blank_text=False,
        collect_ids=False,
    )


def _check_one_long_text(data: bytes, limit: int) -> None:
    """Allow libxml2's huge-tree mode only for one text longer than it reads by default, of
    at most ``limit`` bytes; else ``XMLRejected``. DTDs and entities were refused before."""
    runs = [match.end() - match.start() for match in _LONG_TEXT.finditer(data)]
    if len(runs) != 1 or runs[0] > limit:
        raise XMLRejected("text_too_long", limit=limit // (1024 * 1024))


def parse_xml(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
    max_text_bytes: int = MAX_TEXT_BYTES,
) -> etree._Element:
    """Parse untrusted XML. Returns the root element or raises ``XMLRejected``.

    One text node may be up to ``max_text_bytes`` long (an embedded attachment); the other
    limits stay as they are (see ``_check_one_long_text``).
    """
    if not data or not data.strip():
        raise XMLRejected("empty")
    if len(data) > max_bytes:
        raise XMLRejected("too_large", limit=max_bytes // (1024 * 1024))
    encoding = _encoding(data)
    searchable = _decoded(data, encoding)
    if _DOCTYPE.search(searchable):
        raise XMLRejected("doctype")
    if _most_elements(searchable, max_elements) > max_elements:
        raise XMLRejected("too_many_elements", limit=max_elements)
    # libxml2's name for the checked encoding, whatever a declaration might make it believe
    name = encoding.replace("-le", "le").replace("-be", "be")
    try:
        try:
            root = etree.fromstring(data, _parser(name, huge_tree=False))
        except etree.XMLSyntaxError as error:
            if "text node" not in str(error.msg or error).lower():
                raise
            _check_one_long_text(searchable, max_text_bytes)
            root = etree.fromstring(data, _parser(name, huge_tree=True))
    except etree.XMLSyntaxError as error:
        detail = str(error.msg or error).split("\n")[0][:200]
        if "encoding" in detail.lower() or "unicode" in detail.lower():
            raise XMLRejected("encoding", detail=detail) from None
        if "depth" in detail.lower():
            raise XMLRejected("too_deep", limit=max_depth) from None
        raise XMLRejected("malformed", line=error.lineno or "?", detail=detail) from None
    except XMLRejected:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise XMLRejected("encoding", detail=str(error)[:200]) from None
    if _deeper_than(max_depth)(root):
        raise XMLRejected("too_deep", limit=max_depth)
    return root
