"""Failed logins counted per name and per client address, in the database, over a fixed window.

In the database, not in memory, because the WMS may be served by several processes (gunicorn's workers):
each would count only the attempts it saw, and the limits would multiply by their number. One row per key
(`LoginFailure`): when the window started and how many failures since; a failure is counted with one
atomic upsert (INSERT ... ON CONFLICT DO UPDATE), so attempts at the same moment in any process all count.
The refused login's unit of work is rolled back, so the count is written once it has ended
(`uow.even_if_rolled_back`). Rows whose window has passed are pruned by `wms worker`.

- per name (a desk username or a handheld badge, known or not): after `NAME_LIMIT` failures in `WINDOW`, the
  same "too many attempts" answer as a locked person gets, so unknown and known names look alike;
- per client address (behind a proxy, the one WMS_PROXIES lets through): after `ADDRESS_LIMIT` failures in
  `WINDOW`, whatever the names tried.
Desk and handheld are counted apart ("desk:" and "hh:" keys). The lockout of a *known* person
(`User.locked_until` / `pin_locked_until`) is apart from this, on the user's row.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select

from .. import sql, uow
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .models import LoginFailure

WINDOW = timedelta(minutes=5)
NAME_LIMIT = 5
ADDRESS_LIMIT = 30
_KEY_LENGTH = LoginFailure.__table__.c.key.type.length


def _keys(channel: str, name: str, address: str | None) -> tuple[str, str | None]:
    name_key = f"{channel}:name:{name.casefold()}"[:_KEY_LENGTH]
    return name_key, (f"{channel}:addr:{address}"[:_KEY_LENGTH] if address else None)


def blocked(channel: str, name: str, address: str | None) -> str | None:
    """"name" or "address" when that has failed too often lately on this channel ("desk" or "hh"), else None."""
    name_key, address_key = _keys(channel, name, address)
    counts = dict(db.session.execute(
        select(LoginFailure.key, LoginFailure.failures).where(
            LoginFailure.key.in_([k for k in (name_key, address_key) if k]),
            LoginFailure.window_start > utcnow() - WINDOW)).all())
    if counts.get(name_key, 0) >= NAME_LIMIT:
        return "name"
    if address_key and counts.get(address_key, 0) >= ADDRESS_LIMIT:
        return "address"
    return None


def failed(channel: str, name: str, address: str | None) -> None:
    """Count a failure of this name and address. It must stick although the login is refused: it is written
    in a unit of its own once the login's unit has ended."""
    uow.even_if_rolled_back(_count, *(k for k in _keys(channel, name, address) if k))


def _count(*keys: str) -> None:
    now = utcnow()
    now_value = literal(now, UTCDateTime())
    expired = LoginFailure.window_start <= literal(now - WINDOW, UTCDateTime())
    for key in sorted(keys):  # in one order, so two attempts never wait on each other's rows
        statement = sql.conflict_insert(LoginFailure).values(key=key, window_start=now, failures=1)
        db.session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={
            # A window that has passed starts again with this failure.
            "failures": case((expired, 1), else_=LoginFailure.failures + 1),
            "window_start": case((expired, now_value), else_=LoginFailure.window_start),
        }))


def forget(channel: str, name: str) -> None:
    """A successful login clears its name's count (not its address's: one person's success does not vouch
    for the guesses of another at the same address). In the login's own unit of work."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(channel, name, None)[0]))


def prune(now: datetime | None = None) -> int:
    """Delete the counts whose window has passed (the worker's pass); how many were deleted."""
    cutoff = (now or utcnow()) - WINDOW
    return db.session.execute(delete(LoginFailure).where(LoginFailure.window_start <= cutoff)).rowcount
