"""A handheld scan is applied once.

Each handheld submission carries a `scan_id` chosen by the device. The service
stores its result under that id in the same transaction as its effect; the same
id again gets the stored result and changes nothing. Receipts are kept per (scan id, action): the same id
sent to another handheld action is that action's first submission, not a duplicate key. An id is 1 to 64
printable ASCII characters (wms/guard.py refuses others at the edge; here anything else is never stored cut).
"""
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import sql
from .dbtypes import UTCDateTime, utcnow
from .errors import Conflict, DomainError
from .extensions import db
from .uow import Discard


class ScanReceipt(db.Model):
    __tablename__ = "scan_receipts"

    scan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Replayed(dict):
    """A result stored by an earlier submission of the same scan, answered again: the caller did nothing this
    time (a use case wrapping an idempotent service keeps its own records, an audit line, for the first only)."""


def _usable(scan_id: str | None) -> bool:
    from .guard import SCAN_ID

    if scan_id and not SCAN_ID.fullmatch(scan_id):
        raise DomainError(_l("This scan's id is not valid: reload the screen and scan again."))
    return bool(scan_id)


# (scan id, action) pairs this transaction has looked up and found without a receipt (`replay`, `replay_any`), in
# the session's info: a service called next in the same transaction (`by_scan_id`) does not read the receipt again.
# Forgotten when the transaction ends, committed or rolled back (`_forget_at_the_end`): another transaction may
# store one meanwhile. Either look happens before the use case's locks; a resend that arrives while its twin is
# being applied is answered when its own receipt meets the twin's (`remember`).
_NONE_YET = "wms.scan_ids_without_receipt"


def _none_yet() -> set[tuple[str, str]]:
    return db.session().info.setdefault(_NONE_YET, set())


def replay(scan_id: str | None, action: str) -> dict[str, Any] | None:
    """The stored result of an earlier submission of this action with this id, if any (read once a
    transaction: none found is remembered)."""
    if not _usable(scan_id) or (scan_id, action) in db.session().info.get(_NONE_YET, ()):
        return None
    receipt = db.session.get(ScanReceipt, (scan_id, action))
    if receipt is None:
        _none_yet().add((scan_id, action))
        return None
    return Replayed(receipt.result)


def replay_any(scan_id: str | None, actions: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The earlier submission of any of these actions with this id, as (action, stored result), in one
    statement (a screen whose scan may have been one of several actions). None found is remembered, as by
    `replay`: the service the screen calls next does not look again."""
    if not _usable(scan_id):
        return None
    receipt = db.session.scalar(select(ScanReceipt).where(ScanReceipt.scan_id == scan_id,
                                                          ScanReceipt.action.in_(actions)).limit(1))
    if receipt is None:
        _none_yet().update((scan_id, action) for action in actions)
        return None
    return receipt.action, Replayed(receipt.result)


def remember(scan_id: str | None, action: str, result: dict[str, Any], user_id: int | None) -> None:
    """Store the result in the caller's transaction (committed with the effect), inside the caller's use case
    (`uow.use_case`).

    The same scan sent twice at once (a handheld resending an answer it lost) finds no receipt in either
    request until one commits; the other waits for the first's locks, then applies the scan again. Its receipt
    then meets the first's: `INSERT … ON CONFLICT DO NOTHING` stores nothing (on PostgreSQL after waiting for the
    first's transaction to end), and the use case is discarded — what it wrote is rolled back — answering the
    first's stored result."""
    if not _usable(scan_id):
        return
    db.session().info.get(_NONE_YET, set()).discard((scan_id, action))
    values = dict(scan_id=scan_id, action=action, result=result, user_id=user_id, at=utcnow())
    stored = db.session.execute(sql.conflict_insert(ScanReceipt.__table__).values(**values)
                                .on_conflict_do_nothing().returning(ScanReceipt.scan_id)).first()
    if stored is None:
        earlier = _stored(scan_id, action)
        if earlier is None:  # stored and gone again: nothing to answer with
            raise Conflict(_l("This scan was sent twice at once: look at the screen and scan again."))
        raise Discard(earlier)


def _stored(scan_id: str, action: str) -> dict[str, Any] | None:
    """The committed receipt read now, whatever this transaction looked at before (READ COMMITTED: a statement
    sees what was committed before it started)."""
    found = db.session.scalar(select(ScanReceipt.result).where(ScanReceipt.scan_id == scan_id,
                                                                ScanReceipt.action == action))
    return Replayed(found) if found is not None else None


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction (a SAVEPOINT's end leaves the note true)
        session.info.pop(_NONE_YET, None)


def by_scan_id(action: str):
    """Make a handheld service idempotent (under `uow.use_case`): called with `scan_id=...` and `user_id=...`
    keywords, a repeat of the same scan id answers the stored result and changes nothing; the first call stores
    its (dict) result in the same transaction as its effect. A receipt found missing earlier in this transaction
    (the screen looked, `replay`/`replay_any`) is not read again. A repeat sent while the first was still being
    applied answers the first's result too, once that is committed (`remember`), even when the rules refuse it
    by then (the first took the units)."""
    import functools

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, scan_id: str | None = None, **kwargs):
            earlier = replay(scan_id, action)
            if earlier is not None:
                return earlier
            try:
                result = fn(*args, **kwargs)
            except DomainError:
                # Refused (the task done, the units gone, a lock lost): perhaps by the same scan's twin, which
                # committed while this one waited. Then the answer is the twin's.
                earlier = _stored(scan_id, action) if scan_id else None
                if earlier is not None:
                    raise Discard(earlier) from None
                raise
            remember(scan_id, action, result, kwargs.get("user_id"))
            return result

        return wrapper

    return decorate
