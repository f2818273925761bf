"""Configuration from the environment.

DATABASE_URL   SQLAlchemy URL; default SQLite in the instance folder.
SECRET_KEY     default: generated once and kept in instance/secret_key.
WMS_TIMEZONE   the warehouse's time zone for display (default America/Sao_Paulo).
WMS_GS_SUBSTITUTE  characters a keyboard-wedge scanner sends instead of GS (default "|").
WMS_SECURE_COOKIES  1 behind HTTPS: the session cookie is sent over HTTPS only.
WMS_PROXIES    the number of reverse proxies in front whose X-Forwarded-* headers are trusted (default 0).
"""
import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we install.
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or f"sqlite:///{instance_path / 'wms.sqlite'}"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_environment(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # Pooled connections are pinged only after lying idle a while (wms/extensions.py), not on every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WMS_TIMEZONE": os.environ.get("WMS_TIMEZONE", "America/Sao_Paulo"),
        "WMS_GS_SUBSTITUTE": os.environ.get("WMS_GS_SUBSTITUTE", "|"),
        "WMS_LABEL_DIR": os.environ.get("WMS_LABEL_DIR", str(instance_path / "labels")),
        "BABEL_DEFAULT_LOCALE": "pt_BR",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # A handheld screen may stay open a whole shift: the token lives as long as the session.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Behind HTTPS (a reverse proxy that terminates TLS): cookies only over HTTPS.
        "SESSION_COOKIE_SECURE": _flag("WMS_SECURE_COOKIES"),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none, trust no such header).
        "WMS_PROXIES": int(os.environ.get("WMS_PROXIES", "0") or 0),
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("WMS_SESSION_SECONDS", 12 * 3600)),
    }
