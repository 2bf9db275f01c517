"""Outside text (file names, senders, subjects, names read from documents) made safe to show."""

from typing import Any

# The invisible characters that reorder the text around them: LRM, RLM, the embeddings and
# overrides (U+202A–U+202E), the isolates (U+2066–U+2069) and the Arabic letter mark. A
# right-to-left override turns "invoice\u202efdp.exe" into what reads as "invoiceexe.pdf".
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Shown as the replacement character, visibly: the text reads in its true order, and that
# something was there stays visible. The stored value keeps the original.
BIDI_MARKER = "\ufffd"
_NEUTRALISE = str.maketrans(dict.fromkeys(BIDI_CONTROLS, BIDI_MARKER))


def neutralise_bidi(value: Any) -> Any:
    """``value`` with every bidi control character replaced by a visible marker (a string);
    anything else unchanged."""
    return value.translate(_NEUTRALISE) if isinstance(value, str) else value
