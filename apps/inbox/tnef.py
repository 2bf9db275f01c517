"""The files inside a ``winmail.dat`` (TNEF, application/ms-tnef), as Outlook sends them.

A pure parser: bytes in, (file name, bytes) out, or ``TnefUnsupported``. tnefparse reads the
stream; its work is bounded first, as ``mime_shape`` bounds the e-mail parser's: tnefparse
copies the rest of the stream for every object and trusts the counts it reads (a 100-byte
file can ask it for four billion properties), so ``tnef_shape`` walks the same structure
without copying, and a stream whose counts don't fit its bytes, that nests messages too
deep or would cost too much copying is refused before tnefparse sees it.
"""

import logging
import struct
from dataclasses import dataclass

logger = logging.getLogger(__name__)

SIGNATURE = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
MAX_OBJECTS = 5_000  # attributes in one stream (an attachment takes about six)
MAX_DEPTH = 3  # messages attached inside messages
MAX_COPY_FACTOR = 64  # tnefparse copies the stream's rest once per object: at most this often

_ATTACHMENT_LEVEL = 0x02
_MAPI_PROPS = 0x9003
_RECIPIENTS = 0x9004
_ATTACHMENT = 0x9005
_ATTACH_DATA_OBJ = 0x3701
_EMBEDDED = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_FIXED_SIZES = {
    0x0002: 2,
    0x000B: 2,
    0x0003: 4,
    0x0004: 4,
    0x000A: 4,
    0x0005: 8,
    0x0007: 8,
    0x0006: 8,
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
}
_VARIABLE = {0x0000, 0x000D, 0x001E, 0x001F, 0x0102}


class TnefUnsupported(Exception):
    """The stream is no TNEF we can read (or read safely), or it holds no file."""


@dataclass
class TnefFile:
    filename: str
    data: bytes


def _u16(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<H", data, offset)[0])


def _u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<I", data, offset)[0])


def _check_mapi(data: bytes, offset: int, depth: int) -> int:
    """Walk a MAPI property list as tnefparse will; raises when a count can't be true. Returns
    the offset after it (past the end when the list is cut short: tnefparse stops there)."""
    size = len(data)
    count = _u32(data, offset)
    offset += 4
    if count > size:
        raise TnefUnsupported("property count")
    for _ in range(count):
        if offset + 4 > size:
            return size
        kind, name = _u16(data, offset), _u16(data, offset + 2)
        offset += 4
        if name >= 0x8000:  # a named property: its GUID, then an id or a name
            offset += 20
            if offset > size:
                return size
            if _u32(data, offset - 4) == 0:
                offset += 4
            else:
                length = _u32(data, offset)
                offset += 4 + length + (-length % 4)
        values = None  # a multi-valued property says how many values it has
        if kind & 0x1000:
            kind ^= 0x1000
            if offset + 4 > size:
                return size
            values = _u32(data, offset)
            offset += 4
            # every value takes bytes: one that can't be there is an attack on the parser
            smallest = _FIXED_SIZES.get(kind, 4)
            if values * smallest > size - offset:
                raise TnefUnsupported("value count")
        items_read: list[bytes] = []
        for _value in range(values or 1):
            if kind in _FIXED_SIZES:
                offset += _FIXED_SIZES[kind]
            elif kind in _VARIABLE:
                items = 1
                if not values:
                    if offset + 4 > size:
                        return size
                    items = _u32(data, offset)
                    offset += 4
                    if items * 4 > size - offset:
                        raise TnefUnsupported("item count")
                for _item in range(items):
                    if offset + 4 > size:
                        return size
                    length = _u32(data, offset)
                    offset += 4
                    if name == _ATTACH_DATA_OBJ:
                        items_read.append(data[offset : offset + length])
                    offset += length + (-length % 4)
            else:
                return size  # an unknown type: tnefparse stops reading the list here
        if items_read:
            # an attached message: tnefparse reads it as a stream of its own
            joined = b"".join(item.rstrip(b"\x00") for item in items_read)
            if joined.startswith(_EMBEDDED):
                tnef_shape(joined[len(_EMBEDDED) :], depth + 1)
        if (values or 1) % 2 and kind in (0x0002, 0x000B):
            offset += 2
    return offset


def tnef_shape(data: bytes, depth: int = 0) -> None:
    """Raise ``TnefUnsupported`` unless tnefparse can read ``data`` in bounded time and memory."""
    if depth > MAX_DEPTH:
        raise TnefUnsupported("too deep")
    if len(data) < 6 or data[:4] != SIGNATURE:
        raise TnefUnsupported("signature")
    offset, objects, copied = 6, 0, 0
    while offset + 12 < len(data):
        objects += 1
        copied += len(data) - offset
        if objects > MAX_OBJECTS or copied > MAX_COPY_FACTOR * len(data) + (1 << 20):
            raise TnefUnsupported("too many objects")
        name = _u16(data, offset + 1)
        length = _u32(data, offset + 5)
        body = data[offset + 9 : offset + 9 + length]
        if name in (_MAPI_PROPS, _ATTACHMENT) and len(body) >= 4:
            _check_mapi(body, 0, depth)
        elif name == _RECIPIENTS and len(body) >= 4:
            rows, at = _u32(body, 0), 4
            if rows * 4 > len(body):
                raise TnefUnsupported("row count")
            for _row in range(rows):
                if at + 4 > len(body):
                    break
                at = _check_mapi(body, at, depth)
        offset += min(len(data) - offset, length + 11)


def tnef_files(data: bytes) -> list[TnefFile]:
    """The files attached inside a TNEF stream, those of attached messages included.
    Raises ``TnefUnsupported`` when it can't be read or holds no file."""
    from tnefparse import TNEF

    tnef_shape(data)
    try:
        parsed = TNEF(data, do_checksum=False)
    except Exception as error:  # whatever the stream makes tnefparse raise: not readable
        raise TnefUnsupported(type(error).__name__) from None
    found: list[TnefFile] = []
    _collect(parsed, found, 0)
    if not found:
        raise TnefUnsupported("empty")
    return found


def _collect(parsed: object, found: list[TnefFile], depth: int) -> None:
    for attachment in getattr(parsed, "attachments", []):
        embedded = getattr(attachment, "embed", None)
        if embedded is not None:
            if depth < MAX_DEPTH:
                _collect(embedded, found, depth + 1)
            continue
        data = attachment.data if isinstance(attachment.data, bytes) else b""
        if not data:
            continue
        try:
            name = attachment.long_filename() or attachment.name
        except (UnicodeDecodeError, AttributeError):
            name = ""
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        name = " ".join(str(name).replace("\x00", "").split()).replace("/", "_")
        found.append(TnefFile(filename=name.replace("\\", "_")[:200], data=data))
