"""The command cards a station keeps beside its handheld: a word printed as a barcode that a flow takes as an
instruction (FINISH ends a count, CLOSE closes a receipt, MENU goes back to the menu), so a worker with a
scanner in hand never has to reach for the screen.

Each area names the cards its screens accept as it registers (as it adds its menu entries); the printing area
lists them on the desk and prints them. MENU is the handheld's own: static/scan.js takes it on every screen, and
the menu screen itself accepts it (wms/handheld.py)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MENU = "MENU"


@dataclass(frozen=True)
class CommandCard:
    """`code`: what the card's barcode says; `does`: what scanning it does; `where`: the screens that take it;
    `endpoint`: the handheld screen where it is used (the card's test drives it there)."""

    code: str
    does: object
    where: object
    endpoint: str


# MENU is the handheld's own card; the areas add theirs as they register.
_CARDS: dict[str, CommandCard] = {MENU: CommandCard(MENU, _l("Back to the handheld's menu, from any screen."),
                                                    _l("Every handheld screen"), "handheld.menu")}


def add_command_card(code: str, does, where, endpoint: str) -> None:
    """Say that a handheld flow takes `code` scanned from a station card (once: areas register per app)."""
    _CARDS.setdefault(code, CommandCard(code, does, where, endpoint))


def command_cards() -> list[CommandCard]:
    """Every command card, MENU first, then by code."""
    return sorted(_CARDS.values(), key=lambda card: (card.code != MENU, card.code))
