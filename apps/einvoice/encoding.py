"""Base64 for embedded attachments, strict on the way in and encoded once on the way out."""

import base64
import binascii
import functools

# Attachments up to this size keep their base64 text in a small cache, so that building the
# same document again (preview, validate, send; or parse → build) doesn't re-encode the PDF.
_CACHED_BYTES = 2 * 1024 * 1024


def decode_base64(text: str) -> bytes | None:
    """The bytes of strict base64, which may be wrapped over lines; None when it isn't."""
    # The usual case, unwrapped base64, the fast way: the lenient decoder skips characters
    # outside the alphabet, so getting every possible byte out proves that there were none.
    try:
        content = binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        content = None
    if content is not None and len(text) % 4 == 0:
        padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
        if len(content) == len(text) // 4 * 3 - padding:
            return content
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _cached_base64(content: bytes) -> str:
    return binascii.b2a_base64(content, newline=False).decode("ascii")


def encode_base64(content: bytes) -> str:
    if len(content) <= _CACHED_BYTES:
        return _cached_base64(content)
    return binascii.b2a_base64(content, newline=False).decode("ascii")
