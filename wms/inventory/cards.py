"""The stock cards of the handheld's stock screens (What's here?, Move): one stock item as the worker reads it.

Built in Python rather than as Jinja macros: What's here? shows up to 12 cards on every scan, and three macro
calls a card, each word looked up through Flask-Babel's request context, cost ~0.06 ms a card — a fifth of the
scan's CPU (issue #16). The words are looked up once per list; every value is escaped by markupsafe. The cards
take a StockItem or a `handheld.Card` (the same attribute names).
"""
from datetime import date

from flask_babel import get_translations
from markupsafe import Markup, escape

from ..catalog.models import LotStatus
from ..formatting import day, number


class _Words:
    """The reader's words for one list of cards: the request's translations read once, each lot status and
    each expiry day written once (a list repeats the same few)."""

    def __init__(self):
        self.gettext = get_translations().ugettext
        self._statuses: dict[str, str] = {}
        self._days: dict[date, str] = {}

    def status(self, code: str) -> str:
        label = self._statuses.get(code)
        if label is None:
            label = self._statuses[code] = LotStatus.label_of(code)
        return label

    def day(self, value: date) -> str:
        text = self._days.get(value)
        if text is None:
            text = self._days[value] = day(value)
        return text


def lot_status(lot, today: date, words: _Words | None = None) -> Markup:
    """The lot's status badge, and "expired" before it when it is past its date."""
    words = words or _Words()
    expired = lot.is_expired(today)
    text = f'<span class="badge-status expired">{escape(words.gettext("expired"))}</span>' if expired else ""
    if lot.status != "released" or not expired:
        text += f'<span class="badge-status {escape(lot.status)}">{escape(words.status(lot.status))}</span>'
    return Markup(text)


def lot_line(lot, today: date, label: bool = True, words: _Words | None = None) -> Markup:
    """"Lot L1 · exp. 12/03/27 [released]"."""
    words = words or _Words()
    text = f"{escape(words.gettext('Lot'))} " if label else ""
    text += f"<strong>{escape(lot.code)}</strong>"
    if lot.expires_on:
        text += f" · {escape(words.gettext('exp.'))} {escape(words.day(lot.expires_on))}"
    return Markup(f"{text} {lot_status(lot, today, words)}")


def stock_cards(items, today: date, *, location: bool = True, product: bool = True, lot: bool = True) -> Markup:
    """One card per stock item: its place (or its plate), its product, its lot and the units (reserved)."""
    words = _Words()
    gettext = words.gettext
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
            lines.append(f"<div>{lot_line(item.lot, today, words=words)}</div>")
        reserved = (" · " + escape(gettext("%(qty)s reserved") % {"qty": number(item.reserved)})
                    if item.reserved else "")
        lines.append(f'<div><span class="qty">{escape(number(item.quantity))}</span> '
                     f"{escape(item.product.unit)}{reserved}</div>")
        cards.append('<div class="card stock-item">\n  ' + "\n  ".join(lines) + "\n</div>")
    return Markup("\n".join(cards))


def register(app) -> None:
    app.add_template_global(stock_cards, "stock_cards")
    app.add_template_global(lot_line, "lot_line")
