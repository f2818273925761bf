"""The stock cards of the handheld's stock screens (What's here?, Move): one stock item as the worker reads it.

Built in Python rather than as Jinja macros: What's here? shows up to 12 cards on every scan, and three macro
calls a card, each word looked up through Flask-Babel's request context, cost ~0.06 ms a card — a fifth of the
scan's CPU (issue #16). The words are looked up once per list; every value is escaped by markupsafe. The cards
take a StockItem or a `handheld.Card` (the same attribute names).
"""
from datetime import date

from flask_babel import get_translations
from markupsafe import Markup, escape

from ..formatting import day, number


def _words():
    return get_translations().ugettext


def lot_status(lot, today: date, gettext=None) -> Markup:
    """The lot's status badge, and "expired" before it when it is past its date."""
    gettext = gettext or _words()
    expired = lot.is_expired(today)
    text = f'<span class="badge-status expired">{escape(gettext("expired"))}</span>' if expired else ""
    if lot.status != "released" or not expired:
        text += f'<span class="badge-status {escape(lot.status)}">{escape(lot.status_label)}</span>'
    return Markup(text)


def lot_line(lot, today: date, label: bool = True, gettext=None) -> Markup:
    """"Lot L1 · exp. 12/03/27 [released]"."""
    gettext = gettext or _words()
    text = f"{escape(gettext('Lot'))} " if label else ""
    text += f"<strong>{escape(lot.code)}</strong>"
    if lot.expires_on:
        text += f" · {escape(gettext('exp.'))} {escape(day(lot.expires_on))}"
    return Markup(f"{text} {lot_status(lot, today, gettext)}")


def stock_cards(items, today: date, *, location: bool = True, product: bool = True, lot: bool = True) -> Markup:
    """One card per stock item: its place (or its plate), its product, its lot and the units (reserved)."""
    gettext = _words()
    plate_word = escape(gettext("LPN"))
    cards = []
    for item in items:
        lines = []
        if location:
            plate = f" · {plate_word} {escape(item.lpn.code)}" if item.lpn else ""
            lines.append(f"<div><strong>{escape(item.location.code)}</strong>{plate}</div>")
        elif item.lpn:
            lines.append(f"<div>{plate_word} {escape(item.lpn.code)}</div>")
        if product:
            lines.append(f"<div><strong>{escape(item.product.sku)}</strong> {escape(item.product.name)}</div>")
        if lot and item.lot:
            lines.append(f"<div>{lot_line(item.lot, today, gettext=gettext)}</div>")
        reserved = (" · " + escape(gettext("%(qty)s reserved") % {"qty": number(item.reserved)})
                    if item.reserved else "")
        lines.append(f'<div><span class="qty">{escape(number(item.quantity))}</span> '
                     f"{escape(item.product.unit)}{reserved}</div>")
        cards.append('<div class="card stock-item">\n  ' + "\n  ".join(lines) + "\n</div>")
    return Markup("\n".join(cards))


def register(app) -> None:
    app.add_template_global(stock_cards, "stock_cards")
    app.add_template_global(lot_line, "lot_line")
