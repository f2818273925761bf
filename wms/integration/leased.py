"""What webhooks and customer e-mails share: a row that is sent to the outside world at least once.

The row (a `WebhookDelivery`, a `MailMessage`) has status, attempts, next_attempt_at, claimed_at and claim.
A worker claims one that is due, or one whose lease ran out (its worker died), with FOR UPDATE SKIP LOCKED and
a conditional UPDATE that hands it a token, and commits; then sends with no transaction open; then records the
answer only while it still holds the token (`mark`), so a worker whose lease ran out changes nothing.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, or_, update

from ..dbtypes import utcnow
from ..extensions import db
from ..tally import Tally
from ..uow import unit_of_work
from .models import SendStatus

T = TypeVar("T")
TRIES = 20  # another worker took the row between our read and our write: look again, this many times


def claimable(model, now: datetime, lease: timedelta):
    """Due now, or claimed by a worker whose lease has run out."""
    return or_(and_(model.status == SendStatus.PENDING.value, model.next_attempt_at <= now),
               and_(model.status == SendStatus.SENDING.value, model.claimed_at < now - lease))


def claim(model, find: Callable[[datetime], Any], then: Callable[[int, str], T]) -> T | None:
    """Take one row for this worker, committed. `find(now)` is the query of one claimable row's
    (id, status, claim), FOR UPDATE SKIP LOCKED; `then(id, token)` reads what the send needs, in the same
    transaction. None when nothing is claimable."""
    for _try in range(TRIES):
        with unit_of_work():
            now = utcnow()
            found = db.session.execute(find(now)).first()
            if found is None:
                return None
            token = secrets.token_hex(16)
            taken = db.session.execute(
                update(model)
                .where(model.id == found.id, model.status == found.status,
                       (model.claim == found.claim) if found.claim else model.claim.is_(None))
                .values(status=SendStatus.SENDING.value, claim=token, claimed_at=now, attempts=model.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount
            if taken == 1:
                return then(found.id, token)
    return None


def mark(model, row_id: int, token: str, **values) -> bool:
    """Record how the send went, only while `token` still holds the row; whether it did."""
    with unit_of_work():
        return bool(db.session.execute(
            update(model).where(model.id == row_id, model.claim == token)
            .values(claim=None, **values).execution_options(synchronize_session=False)).rowcount)


def drain(send_one: Callable[[], tuple[int, str] | None], limit: int) -> Tally:
    """Call `send_one()` until nothing is due or `limit` rows were tried; it answers (id, "sent" | "retrying"
    | "failed"), or None when nothing was claimable."""
    result = Tally()
    while result.count < limit:
        done = send_one()
        if done is None:
            break
        getattr(result, done[1]).append(done[0])
    return result
