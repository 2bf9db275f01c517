"""Fill the nl and fr catalogs from a Python file of translations (a translator's tool).

Usage: python scripts/apply_translations.py TRANSLATIONS.py
The file defines T = {msgid: (nl, fr)} and PLURALS = {msgid: ((nl1, nl2), (fr1, fr2))};
a msgid with a context is written "context\x04msgid".
Existing translations are kept unless the file gives one.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(path: str) -> None:
    data = runpy.run_path(path)
    singles, plurals = data.get("T", {}), data.get("PLURALS", {})
    for index, language in enumerate(("nl", "fr")):
        po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if message.context:  # gettext's convention: "context\x04msgid"
                key = f"{message.context}\x04{key}"
            if isinstance(message.id, tuple) and key in plurals:
                message.string = plurals[key][index]
            elif key in singles:
                message.string = singles[key][index]
            if message.string and (not isinstance(message.string, tuple) or all(message.string)):
                message.flags.discard("fuzzy")
        catalog.fuzzy = False
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, width=100, include_previous=False)


if __name__ == "__main__":
    main(sys.argv[1])
