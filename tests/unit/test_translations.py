"""Every piece of UI text has a Portuguese translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LC = ROOT / "wms" / "translations" / "pt_BR" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def _catalog():
    with open(LC / "messages.po", "rb") as f:
        return read_po(f, locale="pt_BR")


def _extracted() -> set[str]:
    found = set()
    for method_map, folder in (
        ([("**.py", "python")], "wms"), ([("**.py", "python")], "printers"), ([("**.html", "jinja2")], "templates"),
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=method_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_all_ui_text_is_translated_to_portuguese():
    catalog = _catalog()
    translated = {_key(m.id)[0] if isinstance(m.id, tuple | list) else m.id
                  for m in catalog if m.id and all(_key(m.string)) and "fuzzy" not in m.flags}
    missing = sorted(_extracted() - translated)
    assert not missing, f"run scripts/i18n.sh and translate: {missing}"


def _key(value):
    """A plural message's id and strings come as lists: as tuples they compare and hash."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def test_compiled_catalogue_matches_the_po_file():
    with open(LC / "messages.mo", "rb") as f:
        compiled = {(m.context, _key(m.id)): _key(m.string) for m in read_mo(f) if m.id}
    source = {(m.context, _key(m.id)): _key(m.string) for m in _catalog()
              if m.id and all(_key(m.string)) and "fuzzy" not in m.flags}
    assert compiled == source, "run scripts/i18n.sh to recompile"


def test_portuguese_plural_forms_treat_zero_and_one_alike():
    """pt_BR: "0 pedido", "1 pedido", "2 pedidos" (nplurals=2; plural=(n > 1))."""
    catalog = _catalog()
    assert catalog.num_plurals == 2 and catalog.plural_expr.replace(" ", "") == "(n>1)"
