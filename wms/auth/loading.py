"""Who a session cookie belongs to, without a query on every request.

The cookie says "<user id>:<session version>" (User.get_id). A cookie whose version is not the person's current
one (they logged out, were deactivated or changed their PIN or password since) belongs to nobody, so a copied
cookie dies with the session it was copied from.

The person's row is kept for `ttl` seconds as a detached snapshot and put into each request's session with
`merge(load=False)` (no SQL). A change to a person written by this process drops the snapshot at once (after a
flush that touched the row, or `forget()` after a bulk UPDATE such as ending sessions); another process's change
is seen within `ttl` seconds (WMS_USER_CACHE_SECONDS, default 5).
"""
from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.orm import Session, make_transient_to_detached

from ..extensions import db
from ..numbers import whole
from .models import User


class UserCache:
    caches: list[UserCache] = []

    def __init__(self, ttl: float):
        self.ttl = ttl
        self.snapshots: dict[tuple[str, int], tuple[float, User]] = {}
        UserCache.caches.append(self)

    def load(self, user_id: int) -> User | None:
        key = (db.engine, user_id)  # the engine itself: its URL written out as text cost more than the lookup
        found = self.snapshots.get(key)
        if found is not None and found[0] > time.monotonic():
            return db.session.merge(found[1], load=False)
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            self.snapshots.pop(key, None)
            return None
        if self.ttl > 0:
            snapshot = User(**{c.key: getattr(user, c.key) for c in User.__table__.columns})
            make_transient_to_detached(snapshot)
            self.snapshots[key] = (time.monotonic() + self.ttl, snapshot)
        return user


def forget(user_ids) -> None:
    """Drop the snapshots of these people (after a bulk UPDATE the flush listener cannot see)."""
    user_ids = set(user_ids)
    for cache in UserCache.caches:
        for key in [k for k in cache.snapshots if k[1] in user_ids]:
            cache.snapshots.pop(key, None)


def forget_all() -> None:
    for cache in UserCache.caches:
        cache.snapshots.clear()


def _forget_changed_users(session, _flush_context) -> None:
    changed = {o.id for o in (*session.dirty, *session.deleted) if isinstance(o, User)}
    if changed:
        forget(changed)


event.listen(Session, "after_flush", _forget_changed_users)


def user_for_session(session_id: str, cache: UserCache | None = None) -> User | None:
    user_part, _, version_part = (session_id or "").partition(":")
    user_id, version = whole(user_part, least=1), whole(version_part)
    if user_id is None or version is None:
        return None
    user = cache.load(user_id) if cache is not None else db.session.get(User, user_id)
    if user is None or not user.active or (user.session_version or 0) != version:
        return None
    return user
