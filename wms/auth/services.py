"""Users, logins and API tokens: use cases with no HTTP in them."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, uow
from ..dbtypes import utcnow
from ..errors import DomainError, NotFound
from ..extensions import db
from ..uow import use_case
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
    if pin is not None and not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError(_l("A PIN is 4 to 8 digits."))
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


def _check_lock(user: User) -> None:
    if user.locked_until and user.locked_until > utcnow():
        raise LoginFailed(_l("Too many wrong attempts: try again in a few minutes or call your supervisor."))


def _failed(user: User | None) -> None:
    """Count a wrong password or PIN. The count must stick although the login is refused (and its unit of
    work rolled back), so it is written once that unit has ended."""
    if user is not None:
        uow.even_if_rolled_back(_count_failed_login, user.id)


def _count_failed_login(user_id: int) -> None:
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    audit.record("login.failed", user, user_id=user.id)


@use_case
def _succeeded(user: User, how: str) -> User:
    user.failed_logins = 0
    user.locked_until = None
    audit.record("login", user, user_id=user.id, method=how)
    return user


def login_with_password(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is not None:
        _check_lock(user)
    if user is None or not user.active or not user.password_hash or not check_password_hash(
        user.password_hash, password or ""
    ):
        _failed(user)
        raise LoginFailed(_l("Wrong username or password."))
    return _succeeded(user, "password")


def user_by_badge(badge: str) -> User:
    user = db.session.scalar(select(User).where(User.badge == (badge or "").strip()))
    if user is None or not user.active or not user.pin_hash:
        raise LoginFailed(_l("Badge %(badge)s is not known: scan your own badge.", badge=(badge or "").strip()))
    return user


def login_with_badge(badge: str, pin: str) -> User:
    user = user_by_badge(badge)
    _check_lock(user)
    if not check_password_hash(user.pin_hash, pin or ""):
        _failed(user)
        raise LoginFailed(_l("Wrong PIN: type it again."))
    return _succeeded(user, "badge")


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
