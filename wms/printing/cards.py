"""Station cards: the command cards the handheld flows accept (wms/station_cards.py) and a card with each
active printer's name (scanned on the handheld's print screen to choose it), shown on the desk to print from the
browser and sent to a Zebra through the print queue like any other label."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..station_cards import command_cards
from ..uow import use_case
from . import queries, queue, rules

KIND = "station_card"


@dataclass(frozen=True)
class Card:
    """`code`: what the barcode says; `does`: what scanning it does; `where`: the handheld screens that take it;
    `endpoint`: the handheld screen to scan it on; `printer`: a printer's name card (else a command card)."""

    code: str
    does: str
    where: str
    endpoint: str
    printer: bool = False


def station_cards() -> list[Card]:
    """The command cards, then one card per active printer (an inactive one is refused on the handheld)."""
    commands = [Card(card.code, str(card.does), str(card.where), card.endpoint) for card in command_cards()]
    where = str(_l("Print a label"))
    printers = [Card(printer.name, str(_l("Sends the label to printer %(printer)s.", printer=printer.name)
                                      if not printer.place else
                                      _l("Sends the label to printer %(printer)s (%(place)s).", printer=printer.name,
                                         place=printer.place)), where, "printing_hh.index", printer=True)
                for printer in queries.printers(active_only=True)]
    return commands + printers


def card_data(card: Card) -> dict:
    """The station_card label's data: the code and, as its caption, what it does."""
    return {"code": card.code, "caption": card.does}


@use_case
def print_cards(codes: list[str], *, printer_name: str | None = None, copies: int = 1,
                user_id: int | None = None) -> list[int]:
    """Queue one station_card label per chosen card (sent once the caller's unit commits); the jobs' ids."""
    cards = {card.code: card for card in station_cards()}
    chosen = rules.chosen_cards(codes, list(cards))
    return [queue.queue_label(KIND, card_data(cards[code]), printer_name=printer_name, user_id=user_id,
                              copies=copies, reference=code) for code in chosen]
