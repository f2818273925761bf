"""Who a session cookie belongs to: "<user id>:<session version>" (User.get_id). A cookie whose version is not
the person's current one (they logged out, were deactivated or changed their PIN or password since) belongs to
nobody, so a copied cookie dies with the session it was copied from."""
from __future__ import annotations

from ..extensions import db
from ..numbers import whole
from .models import User


def user_for_session(session_id: str) -> User | None:
    user_part, _, version_part = (session_id or "").partition(":")
    user_id, version = whole(user_part, least=1), whole(version_part)
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or (user.session_version or 0) != version:
        return None
    return user
