"""Use cases of the people admin pages: create a worker with badge and PIN, change role or badge, reset a PIN,
unlock after failed PINs, deactivate and reactivate. Each is audited; none leaves the warehouse without an
active admin."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from .. import audit, sql
from ..errors import DomainError, NotFound
from ..extensions import db
from ..uow import use_case
from . import services
from .models import Role, User

MAX_BADGE = 64
MAX_NAME = 120
MAX_USERNAME = 64


def _user(user_id: int) -> User:
    # Afresh: an admin changing their own account has their row in the session as the login's snapshot (up to
    # WMS_USER_CACHE_SECONDS old), which another admin may have changed since.
    user = sql.locked(User, user_id)
    if user is None:
        raise NotFound(_l("That person does not exist."))
    return user


def _badge(badge: str | None, *, other_than: int | None = None) -> str | None:
    badge = (badge or "").strip()
    if not badge:
        return None
    if len(badge) > MAX_BADGE or not badge.isprintable():
        raise DomainError(_l("A badge is at most %(max)s printable characters.", max=MAX_BADGE))
    holder = db.session.scalar(select(User).where(User.badge == badge))
    if holder is not None and holder.id != other_than:
        raise DomainError(_l("Badge %(badge)s already belongs to %(name)s.", badge=badge, name=holder.name))
    return badge


def _pin(pin: str | None) -> str:
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError(_l("A PIN is 4 to 8 digits."))
    return pin


def _role(role: str | None) -> str:
    try:
        return Role(role or "").value
    except ValueError:
        raise DomainError(_l("Unknown role %(role)s: use worker, supervisor or admin.", role=role or "")) from None


def _with_the_admins(user_id: int) -> tuple[User, list[User]]:
    """The person and every active admin, locked (SELECT ... FOR UPDATE) and read afresh: the one way in for a
    change of role or of active, so that the last-admin rule counts rows no other such change can alter until
    this one commits. Counted in an unlocked read, two admins demoted or deactivated at the same moment each saw
    the other remain, and the warehouse was left with none. Locked, the second waits, and PostgreSQL reads the
    rows again as the first committed them: an admin demoted meanwhile is no longer among them.

    One statement in id order: locking the person first and the admins after, two such changes could each hold
    a row the other waits for. Someone made admin meanwhile is missed, which can only refuse a change wrongly,
    never let the last admin go."""
    rows = db.session.scalars(sql.for_update(
        select(User).where(or_(User.id == user_id, and_(User.role == Role.ADMIN.value, User.active.is_(True))))
        .order_by(User.id))).all()
    user = next((row for row in rows if row.id == user_id), None)
    if user is None:
        raise NotFound(_l("That person does not exist."))
    return user, [row for row in rows if row.role == Role.ADMIN.value and row.active]


def _keep_an_admin(user: User, admins: list[User]) -> None:
    """Refuse to take `user` out of the active admins (`admins`, locked) when no other would remain."""
    if [admin.id for admin in admins] == [user.id]:
        raise DomainError(_l("%(name)s is the last active admin: make someone else admin first.", name=user.name))


@use_case
def create_person(username: str, *, name: str, role: str, badge: str | None, pin: str | None,
                  password: str | None, locale: str = "pt_BR") -> User:
    """A new person. A worker logs in on the handheld with badge and PIN; a supervisor or admin on the desk with
    a password (and may also have a badge)."""
    username = (username or "").strip()
    if len(username) > MAX_USERNAME or not username.isprintable() or " " in username:
        raise DomainError(_l("A username is at most %(max)s characters, without spaces.", max=MAX_USERNAME))
    role_value = _role(role)
    badge_value = _badge(badge)
    pin_value = _pin(pin) if (pin or "").strip() else None
    if badge_value and not pin_value:
        raise DomainError(_l("A badge needs a PIN to log in with."))
    if role_value == Role.WORKER.value and not badge_value:
        raise DomainError(_l("A worker needs a badge and a PIN for the handheld."))
    if role_value != Role.WORKER.value and not password:
        raise DomainError(_l("A supervisor or admin needs a password for the desk."))
    return services.create_user(username, role=role_value, name=(name or "").strip()[:MAX_NAME] or username,
                                password=password or None, badge=badge_value, pin=pin_value, locale=locale)


@use_case
def set_role(user_id: int, role: str) -> User:
    role_value = _role(role)
    user, admins = _with_the_admins(user_id)
    if role_value != user.role:
        if role_value != Role.ADMIN.value:
            _keep_an_admin(user, admins)
        audit.record("user.role", user, old=user.role, new=role_value)
        user.role = role_value
    return user


@use_case
def set_badge(user_id: int, badge: str | None) -> User:
    user = _user(user_id)
    value = _badge(badge, other_than=user.id)
    if value and not user.pin_hash:
        raise DomainError(_l("Set a PIN first: a badge needs a PIN to log in with."))
    audit.record("user.badge", user, old=user.badge, new=value)
    user.badge = value
    return user


@use_case
def reset_pin(user_id: int, pin: str) -> User:
    """A new PIN; the failed attempts are forgotten and a lock lifted."""
    user = _user(user_id)
    user.pin_hash = services._hash(_pin(pin))
    user.failed_logins = 0
    user.locked_until = None
    audit.record("user.pin_reset", user)
    return user


@use_case
def unlock(user_id: int) -> User:
    user = _user(user_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record("user.unlock", user)
    return user


@use_case
def set_active(user_id: int, active: bool, *, by_user_id: int | None) -> User:
    """Deactivating ends the person's sessions on every device, so that reactivating them later does not bring
    a cookie from before back to life. `by_user_id`: who asks (None: the command line)."""
    user, admins = _with_the_admins(user_id)
    if not active:
        if user.id == by_user_id:
            raise DomainError(_l("You cannot deactivate yourself."))
        _keep_an_admin(user, admins)
    if user.active != active:
        user.active = active
        audit.record("user.activate" if active else "user.deactivate", user)
    if not active:
        services.end_sessions(user)
    return user


@use_case
def deactivate_user(username: str) -> User:
    """`wms deactivate-user`: a person who left. No login works any more and their open sessions end at once;
    the last active admin stays, as on the admin page."""
    user_id = db.session.scalar(select(User.id).where(User.username == (username or "").strip()))
    if user_id is None:
        raise NotFound(_l("No user named %(username)s.", username=(username or "").strip()))
    return set_active(user_id, False, by_user_id=None)
