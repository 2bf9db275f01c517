"""Compile locale/*/LC_MESSAGES/*.po to .mo.

Uses GNU gettext through Django's compilemessages when msgfmt is installed (CI installs it and
so checks the catalogs with the reference tool); otherwise Babel, so a fresh machine needs no
system package for `make run`.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    if shutil.which("msgfmt"):
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "--ignore=.venv", "--ignore=.uv"],
            cwd=ROOT,
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        return
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


if __name__ == "__main__":
    main()
