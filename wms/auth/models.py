from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    WORKER = "worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"worker": 1, "supervisor": 2, "admin": 3}[self.value]

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


class Scope(StrEnum):
    """What an API token may do: each API endpoint names the one scope it needs."""

    ORDERS = "orders"
    STOCK = "stock"
    PRODUCTS = "products"
    RECEIVING = "receiving"
    SHIPPING = "shipping"
    RETURNS = "returns"
    TRACKING = "tracking"
    WEBHOOKS = "webhooks"


ALL_SCOPES = tuple(scope.value for scope in Scope)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=Role.WORKER.value)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    badge: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="pt_BR")
    active: Mapped[bool] = mapped_column(default=True)
    # The desk password and the handheld PIN are locked apart: guessing a PIN cannot lock the desk out.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_pins: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of the id kept in the session cookie: raised at logout, deactivation and a new PIN or password,
    # which ends every session of this person (a copied cookie included).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, needed: Role) -> bool:
        return self.active and self.role_enum.allows(needed)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version (see `session_version`)."""
        return f"{self.id}:{self.session_version or 0}"


class ApiToken(db.Model):
    """A token for the store, ERP or marketplace connector. Only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    # The scopes it may use, separated by commas ("orders,stock").
    scopes: Mapped[str] = mapped_column(String(200), default=",".join(ALL_SCOPES))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in (self.scopes or "").split(",") if scope]


class LoginFailure(db.Model):
    """Wrong logins of one name or one client address in the current window (wms/auth/throttle.py). In the
    database so that every server process counts the same attempts."""

    __tablename__ = "login_failures"

    # "desk:name:<name>", "hh:addr:<address>", ... (cut to the column: a longer key is no real name)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    failures: Mapped[int] = mapped_column(default=0)
