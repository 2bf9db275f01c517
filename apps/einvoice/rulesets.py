"""The validation artefacts we accept: releases pinned file by file in ``rules.lock``.

Pure Python (no Django): ``scripts/fetch_rules.py`` uses it at setup, before the app exists,
and ``apps.einvoice.validation`` at load. A rule file is used only when its SHA-256 is one the
lock pins for its name; anything else (a replaced, corrupted or unknown file) is refused.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCK_FILE = Path(__file__).resolve().parent / "rules.lock"
CEN_UBL_FILE = "CEN-EN16931-UBL.xslt"
CEN_CII_FILE = "CEN-EN16931-CII.xslt"
PEPPOL_UBL_FILE = "PEPPOL-EN16931-UBL.xslt"
PEPPOL_SELF_BILLING_FILE = "PEPPOL-EN16931-UBL-SB.xslt"
RULE_FILES = (CEN_UBL_FILE, PEPPOL_UBL_FILE)


class RulesRefused(Exception):
    """A rule file that is not one the lock pins."""


@cache
def lock() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(LOCK_FILE.read_text(encoding="utf-8"))
    return data


def pinned() -> str:
    return str(lock()["pinned"])


def releases() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = lock()["releases"]
    return data


def pins(release: str) -> dict[str, str]:
    """Every file a release pins: the ones it needs and the optional ones (the CEN CII rules)."""
    entry = releases().get(release, {})
    return {**entry.get("files", {}), **entry.get("optional", {})}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_checked: dict[tuple[Path, int, int], str] = {}


def check(path: Path) -> str:
    """The release a rule file belongs to, by its SHA-256; RulesRefused when none pins it.

    The folder's name is preferred when it names a release that pins this file (two releases
    may ship the same file). Checked once per file version (path, size, mtime).
    """
    stat = path.stat()
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in _checked:
        actual = sha256_file(path)
        candidates = [path.parent.name, *releases()]
        release = next(
            (name for name in candidates if pins(name).get(path.name) == actual),
            None,
        )
        if release is None:
            raise RulesRefused(
                f"validation rules refused: {path} (SHA-256 {actual}) is not a file pinned in "
                f"{LOCK_FILE.name}; it was replaced or corrupted. Run `make install` to fetch "
                "the pinned release again"
            )
        _checked[key] = release
    return _checked[key]


def resolve(folder: Path) -> Path:
    """The release folder to use: ``folder`` itself when it holds rule files, else its
    subfolder of the pinned release, else of another locked release (in the lock's order);
    else the pinned release's subfolder, which is missing (the load then says so)."""
    if any((folder / name).is_file() for name in RULE_FILES):
        return folder
    for release in (pinned(), *releases()):
        if any((folder / release / name).is_file() for name in RULE_FILES):
            return folder / release
    return folder / pinned()


@dataclass(frozen=True)
class InUse:
    """What the app shows: the release in use and whether it is the pinned one."""

    release: str  # "" when no rule file could be used
    label: str
    pinned: str
    error: str = ""

    @property
    def is_pinned(self) -> bool:
        return self.release == self.pinned


def in_use(folder: Path) -> InUse:
    """The release of the Peppol rules found from ``folder`` (the Peppol file decides)."""
    path = resolve(folder) / PEPPOL_UBL_FILE
    try:
        release = check(path)
    except (OSError, RulesRefused) as error:
        return InUse(release="", label="", pinned=pinned(), error=str(error))
    return InUse(release=release, label=releases()[release]["label"], pinned=pinned())


def older_release_notice(release: str) -> str:
    """The notice a report carries when it ran another release than the pinned one."""
    return (
        f"validation rules of release {release} ({releases()[release]['label']}) in use, "
        f"not the pinned release {pinned()}: verdicts may differ from current Peppol rules; "
        "put the pinned release in PEPPOL_RULES_DIR and run `make install`"
    )
