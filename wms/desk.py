"""The supervisors' desk: home and navigation. Each area adds its own desk blueprint."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from .access import blueprint_role, needed_role, requires
from .auth.models import Role

bp = blueprint_role(Blueprint("desk", __name__), Role.SUPERVISOR)

# (endpoint, label) pairs the areas add to the desk navigation as they register, in `position` order: the daily
# work in NAVIGATION, the master data and rules that change rarely in SETUP (shown under one menu).
NAVIGATION: list[tuple[str, object]] = []
SETUP: list[tuple[str, object]] = []
_positions: dict[str, int] = {}


def add_navigation(position: int, endpoint: str, label, *, setup: bool = False) -> None:
    if endpoint not in _positions:
        _positions[endpoint] = position
        entries = SETUP if setup else NAVIGATION
        entries.append((endpoint, label))
        entries.sort(key=lambda item: _positions[item[0]])


@dataclass(frozen=True)
class Tile:
    """A number on the supervisor's home that needs attention when it is not zero."""

    position: int
    label: Callable[[int], str]  # the words after the number, in the number's plural form
    count: Callable[[], int]
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()


TILES: list[Tile] = []


def add_tile(position: int, label: Callable[[int], str], count: Callable[[], int], endpoint: str, **args: str) -> None:
    if all(t.endpoint != endpoint or dict(t.args) != args for t in TILES):
        TILES.append(Tile(position, label, count, endpoint, tuple(sorted(args.items()))))
        TILES.sort(key=lambda t: t.position)


@bp.get("/")
@requires(Role.WORKER)
def index():
    if current_user.has_role(Role.SUPERVISOR):
        return redirect(url_for("desk.home"))
    return redirect(url_for("handheld.menu"))


def tile_counts() -> list[tuple[object, int, str]]:
    """(label, count, link) of every tile, in position order."""
    return [(t.label(n), n, url_for(t.endpoint, **dict(t.args))) for t in TILES for n in (t.count(),)]


@bp.get("/desk")
def home():
    """The supervisor's day board (wms/board) with the tiles that need attention."""
    from .board.views import day_board

    return day_board()


def _allowed(entries: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The entries whose page the signed-in user may open: a supervisor is not shown a link that answers 403."""
    if not getattr(current_user, "is_authenticated", False):  # no user outside a request (an email's template)
        return []
    return [(endpoint, label) for endpoint, label in entries if current_user.has_role(needed_role(endpoint))]


class _AllowedLater:
    """`_allowed(entries)`, worked out when a template first reads it: every page gets the navigation in its
    context, and the handheld screens (most requests) never read it."""

    def __init__(self, entries: list[tuple[str, object]]):
        self.entries, self.rows = entries, None

    def _rows(self) -> list[tuple[str, object]]:
        if self.rows is None:
            self.rows = _allowed(self.entries)
        return self.rows

    def __iter__(self):
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __bool__(self) -> bool:
        return bool(self._rows())


@bp.app_context_processor
def _navigation():
    return {"desk_navigation": _AllowedLater(NAVIGATION), "desk_setup": _AllowedLater(SETUP)}
