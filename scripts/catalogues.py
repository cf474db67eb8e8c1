#!/usr/bin/env python3
"""Maintainers: bring the message catalogues up to date (``make catalogues``).

1. extract every text marked with ``_``, ``N_`` or ``ngettext`` in ``xl_tools/`` into
   ``xl_tools/locale/xl_tools.pot``;
2. merge it into the Swedish catalogue ``xl_tools/locale/sv/LC_MESSAGES/xl_tools.po``
   (new texts arrive untranslated; texts no longer used are dropped);
3. compile the catalogue to ``xl_tools.mo``, which ships in the package.

Translate the empty ``msgstr`` entries in the .po file, then run this again.
``--check`` changes nothing and exits 1 when a text is untranslated or the .mo is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "xl_tools" / "locale"
POT = LOCALE / "xl_tools.pot"
PO = LOCALE / "sv" / "LC_MESSAGES" / "xl_tools.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="xl_tools", version=None, fuzzy=False)
    for _file, _line, message, comments, context in extract_from_dir(
            str(ROOT / "xl_tools"), method_map=[("**.py", "python")], keywords=KEYWORDS):
        template.add(message, None, auto_comments=comments, context=context)
    return template


def merged(template: Catalog) -> Catalog:
    with open(PO, "rb") as fh:
        catalogue = read_po(fh, locale="sv")
    catalogue.update(template, no_fuzzy_matching=True)
    catalogue.obsolete.clear()
    return catalogue


def compiled_bytes(catalogue: Catalog) -> bytes:
    import io

    buf = io.BytesIO()
    write_mo(buf, catalogue)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    catalogue = merged(extract())
    untranslated = [m.id for m in catalogue if m.id and (not m.string or (isinstance(m.string, tuple)
                                                                          and not all(m.string)))]
    if "--check" in argv:
        with open(PO, "rb") as fh:
            on_disk = read_po(fh, locale="sv")
        stale = {m.id for m in catalogue if m.id} != {m.id for m in on_disk if m.id}
        stale = stale or not MO.exists() or MO.read_bytes() != compiled_bytes(on_disk)
        for text in untranslated:
            print(f"untranslated: {text!r}")
        if stale:
            print("the catalogue is stale: run 'make catalogues'")
        return 1 if (untranslated or stale) else 0
    with open(POT, "wb") as fh:
        write_po(fh, extract(), omit_header=True, sort_output=True, no_location=True, width=120)
    with open(PO, "wb") as fh:
        write_po(fh, catalogue, sort_output=True, no_location=True, width=120)
    MO.write_bytes(compiled_bytes(catalogue))
    for text in untranslated:
        print(f"untranslated (fill in {PO.relative_to(ROOT)}): {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
