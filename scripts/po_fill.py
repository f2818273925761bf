"""Fill pt_BR translations from a Python dict file and list what is still missing.

    python scripts/po_fill.py scripts/pt_BR.py     # merge, then print untranslated msgids
"""
import runpy
import subprocess
import sys

from babel.messages.pofile import read_po, write_po

PO = "wms/translations/pt_BR/LC_MESSAGES/messages.po"


def main() -> None:
    table = runpy.run_path(sys.argv[1])["PT_BR"] if len(sys.argv) > 1 else {}
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="pt_BR")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(message.id)
    with open(PO, "wb") as f:
        write_po(f, catalog, width=0, omit_header=False)
    for msgid in missing:
        print(repr(msgid))
    # Compile now, so the .mo never lags the .po it was made from.
    subprocess.run(["pybabel", "compile", "-d", "wms/translations"], check=True, capture_output=True)


if __name__ == "__main__":
    main()
