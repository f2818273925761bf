"""Rules supervisors change on the desk, not in code: small typed key/value settings."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

DEFAULTS: dict[str, int | str] = {
    # An adjustment or count variance of more units than this waits for a supervisor.
    "adjustment_approval_units": 10,
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


def get(key: str):
    default = DEFAULTS[key]
    row = db.session.get(Setting, key)
    if row is None:
        return default
    return type(default)(row.value)


def put(key: str, value) -> None:
    """Set a value in the caller's transaction."""
    default = DEFAULTS[key]
    typed = type(default)(value)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(typed)))
    else:
        row.value = str(typed)
