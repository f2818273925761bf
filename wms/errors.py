"""Domain errors: a message a worker can act on, and the HTTP status a view answers with."""
import sqlite3

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. Nothing was changed."""

    status = 422

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the same thing first (a lock or version lost)."""

    status = 409


# What a request that lost a race to another (a 409 with nothing changed) is told, on every path that says it.
RACE_LOST = _l("Someone changed this at the same time: look again and retry.")


class Forbidden(DomainError):
    status = 403


# SQLSTATEs PostgreSQL answers when another transaction was in the way: deadlock_detected (it broke a wait cycle
# by refusing this one), serialization_failure, lock_not_available (NOWAIT or lock_timeout), and unique_violation:
# every service looks for the row it is about to create first, so a duplicate key at the insert is another
# request's row, committed between that look and the insert (two equal requests at once).
_LOST_TO_ANOTHER_WRITER = frozenset({"40P01", "40001", "55P03", "23505"})


def lost_to_another_writer(exc: BaseException) -> bool:
    """Whether a database error (SQLAlchemy's, wrapping the driver's) says another worker's transaction was in the
    way, rather than that something is wrong: asked again, the same request may well pass. SQLite says "database
    is locked" when its busy timeout runs out."""
    original = getattr(exc, "orig", None)
    if original is None:
        return False
    if getattr(original, "sqlstate", None) in _LOST_TO_ANOTHER_WRITER:
        return True
    return isinstance(original, sqlite3.OperationalError) and "database is locked" in str(original)


def get_or_not_found(model, row_id, message):
    """The row with this id, or NotFound with a message that names what is missing."""
    from .extensions import db

    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(message)
    return row
