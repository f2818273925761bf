"""The stock cards of the handheld's stock screens (What's here?, Move): one stock item as the worker reads it.

Built in Python rather than as Jinja macros: What's here? shows up to 12 cards on every scan, and three macro
calls a card, each word looked up through Flask-Babel's request context, cost ~0.06 ms a card — a fifth of the
scan's CPU (issue #16). The words are looked up once per list; every value is escaped by markupsafe. The cards
take a StockItem or a `handheld.Card` (the same attribute names).
"""
from datetime import date

from markupsafe import Markup, escape

from ..catalog.models import LotStatus
from ..formatting import day_writer, number
from ..i18n import bound_gettext


class _Words:
    """The reader's words for one list of cards: the request's translations and language read once, each lot
    status written once (a list repeats the same few)."""

    def __init__(self):
        self.gettext = bound_gettext()
        self.day = day_writer()
        self._statuses: dict[str, str] = {}

    def status(self, code: str) -> str:
        label = self._statuses.get(code)
        if label is None:
            label = self._statuses[code] = LotStatus.label_of(code)
        return label


def _html(text) -> str:
    """`text` escaped, as a plain str (a Markup would escape again whatever plain text is added to it)."""
    return str(escape(text))


def lot_status(lot, today: date, words: _Words | None = None) -> Markup:
    """The lot's status badge, and "expired" before it when it is past its date."""
    words = words or _Words()
    gettext = words.gettext  # called by this name and outside f-strings, so that `pybabel extract` finds the words
    expired = lot.is_expired(today)
    expired_word = _html(gettext("expired"))
    text = f'<span class="badge-status expired">{expired_word}</span>' if expired else ""
    if lot.status != "released" or not expired:
        text += f'<span class="badge-status {_html(lot.status)}">{_html(words.status(lot.status))}</span>'
    return Markup(text)


def lot_line(lot, today: date, label: bool = True, words: _Words | None = None) -> Markup:
    """"Lot L1 · exp. 12/03/27 [released]"."""
    words = words or _Words()
    gettext = words.gettext
    lot_word, expiry_word = _html(gettext("Lot")), _html(gettext("exp."))
    text = f"{lot_word} " if label else ""
    text += f"<strong>{_html(lot.code)}</strong>"
    if lot.expires_on:
        text += f" · {expiry_word} {_html(words.day(lot.expires_on))}"
    return Markup(f"{text} {lot_status(lot, today, words)}")


def stock_cards(items, today: date, *, location: bool = True, product: bool = True, lot: bool = True) -> Markup:
    """One card per stock item: its place (or its plate), its product, its lot and the units (reserved)."""
    words = _Words()
    gettext = words.gettext  # called by this name and outside f-strings, so that `pybabel extract` finds the words
    plate_word = _html(gettext("LPN"))
    cards = []
    for item in items:
        lines = []
        if location:
            plate = f" · {plate_word} {_html(item.lpn.code)}" if item.lpn else ""
            lines.append(f"<div><strong>{_html(item.location.code)}</strong>{plate}</div>")
        elif item.lpn:
            lines.append(f"<div>{plate_word} {_html(item.lpn.code)}</div>")
        if product:
            lines.append(f"<div><strong>{_html(item.product.sku)}</strong> {_html(item.product.name)}</div>")
        if lot and item.lot:
            lines.append(f"<div>{lot_line(item.lot, today, words=words)}</div>")
        reserved = ""
        if item.reserved:
            reserved = " · " + _html(gettext("%(qty)s reserved") % {"qty": number(item.reserved)})
        lines.append(f'<div><span class="qty">{_html(number(item.quantity))}</span> '
                     f"{_html(item.product.unit)}{reserved}</div>")
        cards.append('<div class="card stock-item">\n  ' + "\n  ".join(lines) + "\n</div>")
    return Markup("\n".join(cards))


def register(app) -> None:
    app.add_template_global(stock_cards, "stock_cards")
    app.add_template_global(lot_line, "lot_line")
