"""A ZIP that arrives, unpacked safely: for whoever takes files in (documents, the bank import).

What a ZIP may unpack to is bounded before anything is unpacked: its number of files
(``ZIP_MAX_MEMBERS``) and the bytes its files declare, against a budget that the ZIPs of one
upload or one e-mail share (``ZIP_MAX_TOTAL_SIZE``). A ZIP past either is refused whole, so
nothing is taken in part and silently lost. A member that expands far more than files do is
a bomb and refused on its own; hidden files and the resource forks of desktop zip tools are
left out; only a member's own name counts, never its path.
"""

import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.errors import CodedError

ZIP_MAX_RATIO = 200  # a member that expands more than this is a bomb, not an invoice

MESSAGES = {
    "bad_zip": _("The ZIP file is damaged and cannot be opened."),
    "zip_too_large": _(
        "The ZIP file unpacks to more than we accept (too many or too large files)."
    ),
    "nested_zip": _("ZIP files inside ZIP files are not unpacked."),
    "zip_too_many_files": _(
        "The ZIP file holds %(count)s files, more than the %(limit)s we unpack. Nothing was "
        "taken from it: send its files in smaller ZIP files."
    ),
    "zip_total_too_large": _(
        "The ZIP file unpacks to %(size)s MB, more than the %(left)s MB left of the %(limit)s MB "
        "we unpack per upload or e-mail. Nothing was taken from it: send its files in smaller "
        "parts."
    ),
}


class ZipRefused(CodedError):
    """A ZIP, or one file in it, that is not unpacked."""

    MESSAGES = MESSAGES
    CATALOGUE = "zip"


@dataclass
class UnpackBudget:
    """Bytes that ZIPs arriving together (one upload, one e-mail) may still unpack to."""

    left: int = field(default_factory=lambda: settings.ZIP_MAX_TOTAL_SIZE)


@dataclass(frozen=True)
class Member:
    name: str  # the file's own name
    path: str  # where it was in the archive
    data: bytes


def is_zip(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


Refusals = list[tuple[str, ZipRefused]]  # a file's name and why it is not taken


def unpack_zip(data: bytes, budget: UnpackBudget) -> tuple[list[Member], Refusals]:
    """The files of the ZIP ``data``, and the ones refused (their name and why).

    Raises ``ZipRefused`` when the ZIP is refused whole: damaged (``bad_zip``), too many
    files (``zip_too_many_files``) or more bytes than ``budget`` has left
    (``zip_total_too_large``). Takes what it unpacks from ``budget``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ZipRefused("bad_zip") from None
    if len(infos) > settings.ZIP_MAX_MEMBERS:
        raise ZipRefused("zip_too_many_files", count=len(infos), limit=settings.ZIP_MAX_MEMBERS)
    # The declared sizes bound what unpacking can produce: zipfile stops at them.
    total = sum(info.file_size for info in infos)
    if total > budget.left:
        raise ZipRefused(
            "zip_total_too_large",
            size=_megabytes(total),
            left=_megabytes(budget.left),
            limit=_megabytes(settings.ZIP_MAX_TOTAL_SIZE),
        )
    budget.left -= total
    members: list[Member] = []
    refused: list[tuple[str, ZipRefused]] = []
    for info in infos:
        # Windows tools separate folders with a backslash (..\..\bill.pdf is the file bill.pdf,
        # not a hidden file): only the file's own name counts, never a path.
        name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if name.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue  # resource forks and hidden files from desktop zip tools
        if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO:
            refused.append((name, ZipRefused("zip_too_large")))
            continue
        try:
            members.append(Member(name=name, path=info.filename, data=archive.read(info)))
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            refused.append((name, ZipRefused("bad_zip")))
    return members, refused
