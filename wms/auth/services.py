"""Users, logins and API tokens: use cases with no HTTP in them."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, uow
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..extensions import db
from ..uow import use_case
from . import throttle
from .models import ALL_SCOPES, ApiToken, Role, User

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 5


def _hash(secret: str) -> str:
    from flask import current_app

    return generate_password_hash(secret, method=current_app.config.get("WMS_PASSWORD_HASH", "scrypt"))


class LoginFailed(DomainError):
    status = 401


@use_case
def create_user(username: str, *, role: str, name: str | None = None, password: str | None = None,
                badge: str | None = None, pin: str | None = None, locale: str = "pt_BR") -> User:
    username = (username or "").strip()
    if not username:
        raise DomainError(_l("A user needs a username."))
    try:
        role_value = Role(role).value
    except ValueError:
        raise DomainError(_l("Unknown role %(role)s: use worker, supervisor or admin.", role=role)) from None
    if db.session.scalar(select(User).where(User.username == username)):
        raise DomainError(_l("User %(username)s already exists.", username=username))
    if pin is not None:
        _check_pin(pin)
    user = User(
        username=username,
        name=name or username,
        role=role_value,
        password_hash=_hash(password) if password else None,
        badge=badge,
        pin_hash=_hash(pin) if pin else None,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, username=username, role=role_value)
    return user


TOO_MANY = _l("Too many wrong attempts: try again in a few minutes or call your supervisor.")
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made the way real ones are: checked for an unknown name (or a person
    with no password or PIN) so that the answer takes as long as for a known one."""
    from flask import current_app

    method = current_app.config.get("WMS_PASSWORD_HASH", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


class TooManyAttempts(LoginFailed):
    """Too many failures from one client address: whatever the names tried."""

    status = 429


# The two logins keep their own count and lock: (count column, lock column).
_COUNTERS = {"password": (User.failed_logins, User.locked_until), "pin": (User.failed_pins, User.pin_locked_until)}


def _locked(user: User | None, how: str) -> bool:
    if user is None:
        return False
    until = user.locked_until if how == "password" else user.pin_locked_until
    return until is not None and until > utcnow()


def _failed(user: User | None, how: str) -> None:
    """Count a wrong password or PIN. The count must stick although the login is refused (and its unit of
    work rolled back), so it is written once that unit has ended."""
    if user is not None:
        uow.even_if_rolled_back(_count_failed_login, user.id, how)


def _count_failed_login(user_id: int, how: str) -> None:
    """One atomic `UPDATE ... SET n = n + 1 ... RETURNING n`: twenty wrong PINs at once count twenty (the row
    stays locked by the first UPDATE until this commits), and the fifth locks."""
    count, locked_until = _COUNTERS[how]
    failures = db.session.execute(
        update(User).where(User.id == user_id).values({count: count + 1}).returning(count)
    ).scalar_one_or_none()
    if failures is None:
        return
    if failures >= MAX_FAILED_LOGINS:
        db.session.execute(update(User).where(User.id == user_id).values(
            {count: 0, locked_until: utcnow() + timedelta(minutes=LOCK_MINUTES)}))
    audit.record("login.failed", db.session.get(User, user_id), user_id=user_id, method=how)


@use_case
def _succeeded(user: User, how: str) -> User:
    if how == "password":
        user.failed_logins, user.locked_until = 0, None
    else:
        user.failed_pins, user.pin_locked_until = 0, None
    audit.record("login", user, user_id=user.id, method=how)
    return user


def _check(channel: str, name: str, secret: str, user: User | None, stored: str | None, how: str,
           address: str | None, wrong) -> User:
    """The one way a login is checked, whoever is asking: a hash is always checked (a dummy one for an
    unknown name), a name or address that failed too often gets the same answer as a locked person."""
    limited = throttle.blocked(channel, name, address)
    usable = user is not None and user.active and bool(stored)
    right = check_password_hash(stored if usable else _dummy_hash(), secret or "")
    if limited == "address":
        raise TooManyAttempts(TOO_MANY)
    if limited or _locked(user, how):
        raise LoginFailed(TOO_MANY)
    if not (usable and right):
        throttle.failed(channel, name, address)
        _failed(user if usable else None, how)
        raise LoginFailed(wrong)
    throttle.forget(channel, name)
    return _succeeded(user, how)


def login_with_password(username: str, password: str, address: str | None = None) -> User:
    name = (username or "").strip()
    user = db.session.scalar(select(User).where(User.username == name)) if name else None
    return _check("desk", name, password, user, user.password_hash if user else None, "password", address,
                  _l("Wrong username or password."))


def user_by_badge(badge: str) -> User:
    """The active person with this badge and a PIN (for a supervisor's approval scanned on a logged-in
    handheld; the login itself never says whether a badge is known)."""
    user = db.session.scalar(select(User).where(User.badge == (badge or "").strip()))
    if user is None or not user.active or not user.pin_hash:
        raise LoginFailed(_l("Badge %(badge)s is not known: scan your own badge.", badge=(badge or "").strip()))
    return user


def login_with_badge(badge: str, pin: str, address: str | None = None, *, wrong=None) -> User:
    """`wrong`: what a wrong PIN is told. A login says "badge or PIN" (never whether a badge is known); a
    supervisor approving at the dock, whose badge the screen already named, is told the PIN was wrong."""
    name = (badge or "").strip()
    user = db.session.scalar(select(User).where(User.badge == name)) if name else None
    return _check("hh", name, pin, user, user.pin_hash if user else None, "pin", address,
                  wrong or _l("Wrong badge or PIN: scan your badge and type your PIN again."))


def end_sessions(user: User) -> None:
    """End every session of this person, on every device (a copied cookie too): the version in their
    cookies no longer matches."""
    from . import loading

    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.refresh(user, ["session_version"])
    loading.forget([user.id])


@use_case
def logout(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is not None:
        end_sessions(user)
        audit.record("logout", user, user_id=user.id)


@use_case
def set_password(user_id: int, password: str) -> None:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    if not password:
        raise DomainError(_l("A password may not be empty."))
    user.password_hash = _hash(password)
    user.failed_logins, user.locked_until = 0, None
    end_sessions(user)
    audit.record("user.password", user, user_id=user.id)


@use_case
def set_pin(user_id: int, pin: str) -> None:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    _check_pin(pin)
    user.pin_hash = _hash(pin)
    user.failed_pins, user.pin_locked_until = 0, None
    end_sessions(user)
    audit.record("user.pin", user, user_id=user.id)


def _check_pin(pin: str) -> None:
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError(_l("A PIN is 4 to 8 digits."))


@use_case
def set_locale(user: User, locale: str) -> None:
    from ..i18n import LOCALES

    if locale not in LOCALES:
        raise DomainError(_l("Unknown language %(locale)s.", locale=locale))
    user.locale = locale


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(scopes) -> str:
    """Scopes as given ("orders,stock", a list, or None for every scope), checked and kept in a fixed order."""
    if scopes is None:
        return ",".join(ALL_SCOPES)
    wanted = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    wanted = {str(scope).strip().lower() for scope in wanted if str(scope).strip()}
    unknown = sorted(wanted - set(ALL_SCOPES))
    if unknown:
        raise DomainError(_l("Unknown scope %(scope)s: use %(scopes)s.", scope=", ".join(unknown),
                             scopes=", ".join(ALL_SCOPES)))
    if not wanted:
        raise DomainError(_l("A token needs at least one scope."))
    return ",".join(scope for scope in ALL_SCOPES if scope in wanted)


@use_case
def create_token(name: str, scopes=None, *, user_id: int | None = None) -> str:
    """Create an API token and return it: this is the only time it is seen. `scopes`: what it may use
    (None: every scope)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(_l("A token needs a name of at most 80 characters."))
    allowed = parse_scopes(scopes)
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)):
        raise DomainError(_l("A token named %(name)s already exists.", name=name))
    token = "wms_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_digest(token), prefix=token[:12], scopes=allowed)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.create", row, user_id=user_id, name=name, scopes=allowed)
    return token


@use_case
def deactivate_token(name_or_id, *, user_id: int | None = None) -> ApiToken:
    """Revoke a token (by name or id): it is refused from now on. Revoking it again changes nothing."""
    row = None
    if isinstance(name_or_id, int):
        row = db.session.get(ApiToken, name_or_id)
    else:
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == (name_or_id or "").strip()))
    if row is None:
        raise NotFound(_l("No token %(name)s.", name=name_or_id))
    if row.active:
        row.active = False
        audit.record("api_token.deactivate", row, user_id=user_id, name=row.name)
    return row


def tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.active.desc(), ApiToken.name)))


def token_for(secret: str) -> ApiToken | None:
    """The active token matching the secret, or None. Tokens are high-entropy, so a plain digest is enough."""
    if not secret:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if row is None or not row.active:
        return None
    return row
