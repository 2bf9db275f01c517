"""winmail.dat files as Outlook writes them, built byte by byte after [MS-OXTNEF] (tnefparse
only reads TNEF): a TNEF stream is a signature, a key and attributes; an attribute is its
level (1 message, 2 attachment), its id (name and type), its length, its data and a
checksum (the sum of the data's bytes, modulo 65536)."""

import struct

SIGNATURE = 0x223E9F78
MESSAGE, ATTACHMENT = 0x01, 0x02
# attribute ids: type << 16 | name
ATT_TNEF_VERSION = 0x00089006
ATT_OEM_CODEPAGE = 0x00069007
ATT_MESSAGE_CLASS = 0x00078008
ATT_MAPI_PROPS = 0x00069003
ATT_ATTACH_REND_DATA = 0x00069002
ATT_ATTACH_TITLE = 0x00018010
ATT_ATTACH_DATA = 0x0006800F
ATT_ATTACHMENT = 0x00069005
PT_STRING8, PT_BINARY, PT_LONG = 0x001E, 0x0102, 0x0003
PR_ATTACH_LONG_FILENAME = 0x3707
PR_BODY = 0x1000


def attribute(level: int, attribute_id: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", checksum)


def _padded(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def mapi_props(*props: tuple[int, int, bytes]) -> bytes:
    """A MAPI property list: (type, id, value) with values of variable length (strings,
    binary), one value each."""
    out = struct.pack("<I", len(props))
    for prop_type, prop_id, value in props:
        out += struct.pack("<HHII", prop_type, prop_id, 1, len(value)) + _padded(value)
    return out


def tnef(files: list[tuple[str, bytes]], *, body: str = "") -> bytes:
    """A winmail.dat with ``files`` attached (and the message body as a MAPI property)."""
    out = struct.pack("<IH", SIGNATURE, 0x1234)
    out += attribute(MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(MESSAGE, ATT_OEM_CODEPAGE, struct.pack("<II", 1252, 0))
    out += attribute(MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Microsoft Mail.Note\x00")
    if body:
        out += attribute(
            MESSAGE, ATT_MAPI_PROPS, mapi_props((PT_STRING8, PR_BODY, body.encode() + b"\x00"))
        )
    for position, (name, data) in enumerate(files):
        # attAttachRendData opens an attachment: type 1 (a file), its place in the body
        rend = struct.pack("<HIHHI", 1, position, 0, 0, 0)
        out += attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, rend)
        short = (name.rsplit(".", 1)[0][:8] + "." + name.rsplit(".", 1)[-1][:3]).upper()
        out += attribute(ATTACHMENT, ATT_ATTACH_TITLE, short.encode() + b"\x00")
        out += attribute(ATTACHMENT, ATT_ATTACH_DATA, data)
        out += attribute(
            ATTACHMENT,
            ATT_ATTACHMENT,
            mapi_props((PT_STRING8, PR_ATTACH_LONG_FILENAME, name.encode("cp1252") + b"\x00")),
        )
    return out


def hostile_property_count() -> bytes:
    """A tiny winmail.dat whose attachment claims four billion properties."""
    out = struct.pack("<IH", SIGNATURE, 0)
    out += attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, struct.pack("<HIHHI", 1, 0, 0, 0, 0))
    return out + attribute(ATTACHMENT, ATT_ATTACHMENT, struct.pack("<I", 0xFFFFFFFF) + b"\0" * 8)


def hostile_values() -> bytes:
    """One multi-valued property (16-bit values) that claims four billion values."""
    props = struct.pack("<IHHI", 1, 0x1002, 0x6000, 0xFFFFFFF0)
    out = struct.pack("<IH", SIGNATURE, 0)
    return out + attribute(MESSAGE, ATT_MAPI_PROPS, props)


PT_OBJECT = 0x000D
PR_ATTACH_DATA_OBJ = 0x3701
IID_IMESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"


def embedded(stream: bytes) -> bytes:
    """A winmail.dat whose one attachment is a message (an e-mail forwarded as an item), the
    TNEF ``stream`` of that message inside it."""
    # ends on an attribute whose checksum is no zero byte: readers strip trailing zeros
    inner = stream + attribute(MESSAGE, 0x00078004, b"end")
    out = struct.pack("<IH", SIGNATURE, 0x4321)
    out += attribute(MESSAGE, ATT_TNEF_VERSION, struct.pack("<I", 0x00010000))
    out += attribute(ATTACHMENT, ATT_ATTACH_REND_DATA, struct.pack("<HIHHI", 1, 0, 0, 0, 0))
    return out + attribute(
        ATTACHMENT,
        ATT_ATTACHMENT,
        mapi_props((PT_OBJECT, PR_ATTACH_DATA_OBJ, IID_IMESSAGE + inner)),
    )
